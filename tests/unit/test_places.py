"""Named places: the index (find, suggest, merging sources), the facility-layer reader,
the refresh that builds it, the stored version, and the real Mecklenburg layers."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES
from lookup.dataset.codec import NAMED_PLACES, load_dataset
from lookup.dataset.demo import demo_request
from lookup.dataset.holder import DatasetHolder
from lookup.domain.models import Address
from lookup.errors import DataError
from lookup.geocode.place_merge import EARLY_VOTING_SITE, POLLING_PLACE, PlaceRecord, merge_places
from lookup.geocode.places import PlaceIndex
from lookup.ingest.formats.places import kind_from_file, read_places
from lookup.ingest.refresh import RefreshRequest, refresh

NOW = datetime(2028, 9, 1, 12, 0, tzinfo=UTC)
CLT = "CHARLOTTE"


def rec(
    name: str,
    kind: str,
    line: str,
    lon: float | None,
    lat: float | None,
    city: str = CLT,
    cut: bool = False,
) -> PlaceRecord:
    return PlaceRecord(name, kind, Address(line, city, "NC", ""), lon, lat, cut)


RECORDS = [
    # The same library: the one-stop list (no point) and the county's library layer.
    rec("BEATTIES FORD LIBRARY", EARLY_VOTING_SITE, "2412 BEATTIES FORD RD", None, None),
    rec("Beatties Ford Road Branch", "library", "2412 Beatties Ford Rd", -80.85398, 35.26745),
    rec("HAL MARSHALL ANNEX", EARLY_VOTING_SITE, "618 N COLLEGE ST", -80.83588, 35.23008),
    rec("Albemarle Road Elementary", "school", "7800 Riding Trail Road", -80.72948, 35.19716),
    rec("Albemarle Road Middle School", "school", "6900 Democracy Drive", -80.72936, 35.19880),
    rec("Mint Hill", "town_hall", "7151 Matthews-Mint Hill Rd", -80.65633, 35.17395, "Mint Hill"),
    rec(
        "Huntersville", "town_hall", "13001 Old Statesville Rd", -80.83846, 35.39829, "Huntersville"
    ),
    # NCSBE cuts polling-place names at 30 characters.
    rec(
        "GREATER MOUNT MORIAH BAPTIST C", POLLING_PLACE, "727 TRADE ST", -80.8461, 35.2349, cut=True
    ),
    rec("FIRE STATION 13", "fire_station", "4337 Glenwood Dr", -80.89209, 35.25768),
    rec("Hickory Grove Branch", "library", "5935 Hickory Grove Rd", -80.7267, 35.2372),
    rec("HICKORY GROVE BAPTIST CHURCH", POLLING_PLACE, "7200 WT HARRIS BLVD", -80.7153, 35.2461),
    rec("FIRST BAPTIST CHURCH", POLLING_PLACE, "301 S DAVIDSON ST", -80.8390, 35.2210),
    rec("FIRST BAPTIST CHURCH", POLLING_PLACE, "1 E JOHN ST", -80.7230, 35.1170, "MATTHEWS"),
    rec("SOUTH CHARLOTTE", EARLY_VOTING_SITE, "7601 PINEVILLE-MATTHEWS RD", -80.8060, 35.0870),
    rec("LAKEWOOD ELEMENTARY SCHOOL", POLLING_PLACE, "1214 OLD FERRY RD", -80.7000, 35.3000),
    rec("LAKEWOOD RECREATION CENTER", POLLING_PLACE, "3756 HARBOR DR", -80.7100, 35.3100),
    # No point anywhere: cannot be placed on a map.
    rec("GARINGER HIGH SCHOOL", EARLY_VOTING_SITE, "1100 EASTWAY DR", None, None),
]
STREETS = ["BEATTIES FORD RD", "HICKORY GROVE RD", "N COLLEGE ST", "MARSHALL PARK DR"]


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex.build(RECORDS, streets=STREETS, cities=["MINT HILL", "MATTHEWS"])


def names(index: PlaceIndex, text: str) -> list[str]:
    return [p.name for p in index.find(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("beatties ford library", "BEATTIES FORD LIBRARY"),
        ("Library, Beatties Ford", "BEATTIES FORD LIBRARY"),  # any order
        ("beatties ford lib", "BEATTIES FORD LIBRARY"),
        ("Beatties Ford Road Branch", "BEATTIES FORD LIBRARY"),  # the layer's name
        ("beatties library", "BEATTIES FORD LIBRARY"),
        ("hal marshall", "HAL MARSHALL ANNEX"),
        ("the Hal Marshall annex", "HAL MARSHALL ANNEX"),
        ("Hal Marshall Annex, Charlotte NC 28202", "HAL MARSHALL ANNEX"),
        ("hal marshall polling place", "HAL MARSHALL ANNEX"),  # a one-stop site, in fact
        ("early voting at beatties ford library", "BEATTIES FORD LIBRARY"),
        ("Albemarle Road Elementary", "Albemarle Road Elementary"),
        ("albemarle rd elem", "Albemarle Road Elementary"),
        ("Albemarle Road Elementary School", "Albemarle Road Elementary"),  # kind word
        ("albemarle road ms", "Albemarle Road Middle School"),
        ("station 13", "FIRE STATION 13"),
        ("Mint Hill Town Hall", "Mint Hill"),
        ("greater mt moriah baptist church", "GREATER MOUNT MORIAH BAPTIST C"),  # cut name
        ("hickory grove library", "Hickory Grove Branch"),  # the whole name: only it
        ("south charlotte", "SOUTH CHARLOTTE"),
    ],
)
def test_words_spelling_variants_and_order(index: PlaceIndex, text: str, expected: str) -> None:
    assert names(index, text) == [expected]


def test_one_typo_in_a_long_word(index: PlaceIndex) -> None:
    assert names(index, "hal marshal") == ["HAL MARSHALL ANNEX"]
    assert names(index, "beaties ford library") == ["BEATTIES FORD LIBRARY"]
    assert names(index, "albemarle road elementray") == ["Albemarle Road Elementary"]
    assert names(index, "albemarle raod elementary") == []  # a 4-letter word: never guessed
    assert names(index, "hal marshxyz") == []  # two letters off
    assert names(index, "hxl marshall") == []  # a three-letter word is never guessed


@pytest.mark.parametrize(
    "text",
    [
        "2412 Beatties Ford Rd",  # an address
        "2412 Beatties Ford Library",  # a leading number is a house number
        "Beatties Ford Rd",  # a street: every word a street word, not the whole name
        "Beatties Ford Road",
        "beatties ford",
        "Hickory Grove",
        "South",  # one street word
        "Mint Hill",  # a town
        "Charlotte",
        "the",
        "",
        "<script>alert(1)</script>",
        "no such place",
    ],
)
def test_streets_towns_and_addresses_are_no_places(index: PlaceIndex, text: str) -> None:
    assert index.find(text) == []


def test_ordinal_is_not_a_house_number(index: PlaceIndex) -> None:
    assert "FIRST BAPTIST CHURCH" in names(index, "1st Baptist Church")


def test_several_places_fit_all_are_returned(index: PlaceIndex) -> None:
    assert names(index, "lakewood") == ["LAKEWOOD ELEMENTARY SCHOOL", "LAKEWOOD RECREATION CENTER"]
    assert names(index, "lakewood rec") == ["LAKEWOOD RECREATION CENTER"]
    assert sorted(names(index, "library")) == ["BEATTIES FORD LIBRARY", "Hickory Grove Branch"]
    # Same name in two towns: both, for the caller to choose; a town given picks one.
    both = index.find("First Baptist Church")
    assert [p.address.split(", ")[1] for p in both] == [CLT, "MATTHEWS"]
    assert [p.address for p in index.find("first baptist church, matthews")] == [
        "1 E JOHN ST, MATTHEWS, NC"
    ]
    assert names(index, "town hall huntersville") == ["Huntersville"]


def test_spelled_right_beats_a_typo(index: PlaceIndex) -> None:
    # "LAKEWOOD" exists: the typo pass never runs to add "LAKEWOOD"-like neighbours.
    extra = [*RECORDS, rec("LAKEWODE PARK", "park", "1 PARK RD", -80.69, 35.29)]
    assert names(PlaceIndex.build(extra), "lakewood rec") == ["LAKEWOOD RECREATION CENTER"]


def test_one_building_from_two_sources(index: PlaceIndex) -> None:
    (lib,) = index.find("beatties ford library")
    assert lib.kind == EARLY_VOTING_SITE and lib.kinds == (EARLY_VOTING_SITE, "library")
    assert lib.aliases == ("Beatties Ford Road Branch",)
    assert (lib.lon, lib.lat) == (-80.85398, 35.26745)  # the layer's point: the list has none
    assert lib.address == "2412 BEATTIES FORD RD, CHARLOTTE, NC"


def test_merging_rules() -> None:
    near = 0.0005  # about 50 m
    placed, unplaced = merge_places(
        [
            rec("OAK SCHOOL", POLLING_PLACE, "1 OAK ST", -80.80, 35.20),
            rec("Oak Elementary School", "school", "3 Oak Street", -80.80 + near, 35.20),
            rec("PINE CHURCH", POLLING_PLACE, "5 PINE ST", -80.81, 35.21),
            rec("Elm Library", "library", "5 PINE ST", -80.81, 35.2103),  # same address
            rec("MAPLE HALL", POLLING_PLACE, "9 MAPLE ST", -80.82, 35.22),
            rec("Maple Hall", "town_hall", "11 MAPLE ST", -80.82 + 0.01, 35.22),  # ~900 m
            rec("CEDAR CLUB", POLLING_PLACE, "7 MAIN ST", -80.83, 35.23),
            rec("BIRCH CLUB", POLLING_PLACE, "7 MAIN ST", -80.90, 35.30, "MATTHEWS"),
            rec("NOWHERE HALL", POLLING_PLACE, "1 NO ST", None, None),
        ]
    )
    groups = sorted(sorted(r.name for r in g) for g in placed)
    assert groups == [
        ["BIRCH CLUB"],  # 7 MAIN ST in another town
        ["CEDAR CLUB"],
        ["Elm Library", "PINE CHURCH"],
        ["MAPLE HALL"],
        ["Maple Hall"],  # same name, far away: another building
        ["OAK SCHOOL", "Oak Elementary School"],
    ]
    assert [r.name for r in unplaced] == ["NOWHERE HALL"]


def test_places_without_a_point_are_left_out(index: PlaceIndex) -> None:
    assert names(index, "garinger high school") == []
    assert len(index) == 15  # 17 records: the library merged, Garinger left out


def test_every_label_finds_its_place_alone(index: PlaceIndex) -> None:
    for p in index:
        assert index.find(p.label) == [p], p.label
    labels = {p.label for p in index}
    assert "Mint Hill Town Hall" in labels  # "Mint Hill" alone is the town
    assert {"FIRST BAPTIST CHURCH, CHARLOTTE", "FIRST BAPTIST CHURCH, MATTHEWS"} <= labels


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("beatties fo", ["BEATTIES FORD LIBRARY"]),
        ("hal mar", ["HAL MARSHALL ANNEX"]),
        ("the hal m", ["HAL MARSHALL ANNEX"]),
        ("albemarle road e", ["Albemarle Road Elementary"]),
        ("lakewood re", ["LAKEWOOD RECREATION CENTER"]),
        ("mint hill town h", ["Mint Hill Town Hall"]),
        ("2412 beatties", []),
        ("b", []),
        ("", []),
    ],
)
def test_suggest_by_prefix(index: PlaceIndex, typed: str, expected: list[str]) -> None:
    assert [p.label for p in index.suggest(typed, 10)] == expected


def test_suggest_limit_and_order(index: PlaceIndex) -> None:
    hits = [p.label for p in index.suggest("hickory", 10)]
    assert hits == ["Hickory Grove Branch", "HICKORY GROVE BAPTIST CHURCH"]  # shorter first
    assert len(index.suggest("la", 1)) == 1
    # "hal" starts HALL too: places with it in their name before those with it in their kind.
    hal = [p.label for p in index.suggest("the hal", 10)]
    assert hal == ["HAL MARSHALL ANNEX", "Huntersville Town Hall", "Mint Hill Town Hall"]


def test_find_is_fast_on_a_county_sized_index() -> None:
    """A few hundred places (Mecklenburg has ~350 before merging): well under 1 ms."""
    words = ["OAK", "PINE", "CEDAR", "MAPLE", "BIRCH", "ELM", "ASH", "WILLOW", "HOLLY", "LAUREL"]
    kinds = ["ELEMENTARY SCHOOL", "BAPTIST CHURCH", "RECREATION CENTER", "BRANCH LIBRARY"]
    records = [
        rec(f"{a} {b} {k}", POLLING_PLACE, f"{i + 1} {a} ST", -80.8 + i * 0.01, 35.2)
        for i, (a, b, k) in enumerate(
            (a, b, k) for a in words for b in words if a != b for k in kinds[:4]
        )
    ]
    big = PlaceIndex.build(records[:400])
    assert len(big) == 360
    queries = ["oak pine elementary", "willow holly rec center", "lauril ash baptist", "nothing"]
    for q in queries:
        big.find(q)
    timings = []
    for _ in range(50):
        for q in queries:
            t = time.perf_counter()
            big.find(q)
            timings.append(time.perf_counter() - t)
    assert statistics.median(timings) < 0.001, statistics.median(timings)
    assert {p.name for p in big.find("oak pine elementary")} == {
        "OAK PINE ELEMENTARY SCHOOL",
        "PINE OAK ELEMENTARY SCHOOL",  # the words in any order
    }


def test_store_round_trip(index: PlaceIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "p")
    loaded = PlaceIndex.load(tmp_path / "p")
    assert list(loaded) == list(index)
    assert loaded.find("hal marshal") == index.find("hal marshal")
    assert loaded.suggest("beatties fo") == index.suggest("beatties fo")
    PlaceIndex.empty().save(tmp_path / "e")
    empty = PlaceIndex.load(tmp_path / "e")
    assert len(empty) == 0 and empty.find("library") == [] and empty.suggest("lib") == []


# ---- the facility-layer reader ---------------------------------------------------------


def geojson(path: Path, features: list[tuple[dict, tuple[float, float] | None]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": props,
                        "geometry": {"type": "Point", "coordinates": list(xy)} if xy else None,
                    }
                    for props, xy in features
                ],
            }
        )
    )
    return path


def test_reader_kinds_fields_and_skipped_rows(tmp_path: Path) -> None:
    layer = geojson(
        tmp_path / "libraries.geojson",
        [
            ({"name": "Main Library", "type": "Regional", "address": "310 N. Tryon St",
              "city_state": "Charlotte, NC"}, (-80.84, 35.23)),
            ({"name": "Fire Station 9", "type": "Fire Station", "zipcode": 28205}, (-80.8, 35.2)),
            ({"name": "Sports Park", "kind": "Park"}, (-80.7, 35.1)),
            ({"name": "", "type": ""}, (-80.7, 35.1)),  # no name: skipped
            ({"name": "Lost Branch"}, None),  # no point: skipped
        ],
    )  # fmt: skip
    got = read_places(layer)
    assert [(r.name, r.kind) for r in got] == [
        ("Main Library", "library"),  # "Regional" names no kind: the file's
        ("Fire Station 9", "fire_station"),
        ("Sports Park", "park"),
    ]
    assert got[0].address == Address("310 N. Tryon St", "Charlotte", "NC", "")
    assert got[1].address.zip == "28205"
    assert (got[0].lon, got[0].lat) == (-80.84, 35.23)


def test_reader_reprojects_any_crs(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import Point

    frame = gpd.GeoDataFrame(
        {"Name": ["Town Hall"]}, geometry=[Point(-80.84, 35.23)], crs=4326
    ).to_crs(2264)  # NC State Plane, feet
    frame.to_file(tmp_path / "town_halls.shp")
    (r,) = read_places(tmp_path / "town_halls.shp")
    assert r.kind == "town_hall" and r.name == "Town Hall"
    assert r.lon == pytest.approx(-80.84, abs=1e-7) and r.lat == pytest.approx(35.23, abs=1e-7)


def test_reader_refuses_in_one_line_naming_the_file(tmp_path: Path) -> None:
    nameless = geojson(tmp_path / "schools.geojson", [({"title": "X"}, (-80.8, 35.2))])
    with pytest.raises(DataError, match=r"^schools\.geojson: no name field") as err:
        read_places(nameless)
    assert "\n" not in str(err.value)
    broken = tmp_path / "parks.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(DataError, match=r"^parks\.geojson: cannot read") as err:
        read_places(broken)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("file", "kind"),
    [
        ("libraries.geojson", "library"),
        ("fire_stations.geojson", "fire_station"),
        ("Police-Stations.shp", "police_station"),
        ("churches.zip", "church"),
        ("town_halls.geojson", "town_hall"),
        ("address.gpkg", "address"),
    ],
)
def test_kind_from_the_file_name(file: str, kind: str) -> None:
    assert kind_from_file(Path(file)) == kind


# ---- the refresh ------------------------------------------------------------------------


@pytest.fixture
def layer(tmp_path: Path, demo_ds) -> Path:
    """A small facility layer over the demo county: a library at a polling place's
    address (one building, two sources), a fire station, and a point far offshore."""
    kestrel = next(
        pp
        for m in demo_ds.polling.values()
        for pp in m.values()
        if pp.name == "KESTREL BRANCH LIBRARY"
    )
    return geojson(
        tmp_path / "libraries.geojson",
        [
            ({"name": "Kestrel Library", "address": "8465 Gull St", "city": "Oak Hollow"},
             (kestrel.lon + 0.0003, kestrel.lat)),
            ({"name": "Gannet Point Fire Station", "type": "Fire Station", "address": "1 Gull St"},
             (kestrel.lon - 0.01, kestrel.lat + 0.01)),
            ({"name": "Far Away Library", "address": "1 Sea Rd"}, (-70.0, 30.0)),
        ],
    )  # fmt: skip


def test_refresh_with_a_facility_layer(layer: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    req = replace(demo_request(DEMO_SOURCES, data), version="v1", places=(layer,))
    report = refresh(req, NOW)
    assert report.published, report.lines()
    # 6 one-stop sites and 41 polling places (both elections), the library merged into
    # its polling place, the fire station added, the offshore point left out.
    assert report.counts["named_places"] == 48
    assert report.counts["named_places_without_point"] == 0
    assert "named_places: 48" in report.lines()
    assert any(
        "libraries.geojson: 1 places outside the county's extent" in w and "Far Away" in w
        for w in report.problems.warnings
    )
    manifest = json.loads((data / "current" / "manifest.json").read_text())
    assert manifest["counts"]["named_places"] == 48
    assert manifest["summary"]["named_places"] == 48
    assert any(s["file"] == "libraries.geojson" for s in manifest["sources"])
    ds = DatasetHolder(data).load_now()
    (kestrel,) = ds.named_places.find("kestrel library")
    assert kestrel.name == "KESTREL BRANCH LIBRARY" and kestrel.aliases == ("Kestrel Library",)
    assert kestrel.kinds == (POLLING_PLACE, "library")
    (station,) = ds.named_places.find("gannet point fire station")
    assert station.kind == "fire_station"
    assert ds.named_places.find("far away library") == []
    assert ds.named_places.find("8465 Gull St") == []


def test_demo_places_come_from_the_election_files(demo_ds) -> None:
    places = demo_ds.named_places
    assert len(places) == 47  # 6 one-stop sites + 41 polling places of the two elections
    for p in places:
        assert places.find(p.label) == [p], p.label
    (site,) = places.find("Demo City Main Library")
    assert site.kind == EARLY_VOTING_SITE
    assert demo_ds.index.locate(site.lon, site.lat) is not None  # inside a precinct


def test_a_version_written_before_named_places_loads_without_them(
    demo_dir: Path, tmp_path: Path
) -> None:
    import shutil

    old = tmp_path / "old"
    shutil.copytree(demo_dir / "current", old)
    shutil.rmtree(old / NAMED_PLACES)
    ds = load_dataset(old)
    assert len(ds.named_places) == 0 and ds.named_places.find("library") == []
    assert load_dataset(demo_dir / "current").named_places.find("kestrel library")


def test_unreadable_layer_stops_the_refresh_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "schools.geojson"
    bad.write_text("not json")
    data = tmp_path / "data"
    report = refresh(replace(demo_request(DEMO_SOURCES, data), places=(bad,)), NOW)
    assert not report.published
    assert any(e.startswith("schools.geojson: cannot read") for e in report.problems.errors)
    assert not (data / "current").exists()


def test_sources_file_names_place_layers(tmp_path: Path) -> None:
    from lookup.ingest.config_file import load_config

    toml = tmp_path / "sources.toml"
    toml.write_text('[sources]\nplaces = ["layers/libraries.geojson", "schools.geojson"]\n')
    assert load_config(toml).places == (
        tmp_path / "layers/libraries.geojson",
        tmp_path / "schools.geojson",
    )


# ---- the real Mecklenburg files ---------------------------------------------------------

LAYERS = ("schools", "libraries", "fire_stations", "police_stations", "hospitals", "town_halls")


@pytest.fixture(scope="module")
def meck_places(real: Path, tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("meck-places")
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
            polling_places=(real / "statewide/polling_places/polling_place_20201103.csv",),
            early_voting=(
                real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",
            ),
            places=tuple(real / "mecklenburg/places" / f"{n}.geojson" for n in LAYERS),
            county="MECKLENBURG",
            election_day=date(2020, 11, 3),
            data_dir=data,
        ),
        datetime(2020, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    return report, data


@pytest.mark.realdata
def test_real_county_layers_and_election_lists_merge(meck_places, real: Path) -> None:
    report, data = meck_places
    places = DatasetHolder(data).load_now().named_places
    # ~160 facility points; the election lists carry no coordinates and the refresh has
    # no address points, so only the places that are also facilities are placed: they
    # take the facility's point (a school at the polling place's street address).
    assert 140 <= report.counts["named_places"] <= 160
    assert report.counts["named_places_without_point"] > 150
    assert any("still without coordinates" in w for w in report.problems.warnings)
    added = next(line for line in report.lines() if line.startswith("coordinates added:"))
    assert "schools.geojson" in added and "libraries.geojson" in added
    (lib,) = places.find("beatties ford library")
    assert lib.name == "BEATTIES FORD LIBRARY" and lib.aliases == ("Beatties Ford Road Branch",)
    assert lib.kinds == (EARLY_VOTING_SITE, "library")
    assert (lib.lon, lib.lat) == (-80.853981, 35.267446)  # the library layer's point
    assert places.find("Beatties Ford Road Branch") == [lib]
    assert places.find("Beatties Ford Rd") == []
    assert places.find("2412 Beatties Ford Rd") == []
    (school,) = places.find("Albemarle Road Elementary")
    assert "school" in school.kinds
    assert [p.label for p in places.find("mint hill town hall")] == ["Mint Hill Town Hall"]
    assert places.find("Mint Hill") == []
    for p in places:
        assert places.find(p.label) == [p], p.label


@pytest.mark.realdata
def test_real_hal_marshall_annex_from_the_2018_one_stop_layer(real: Path, tmp_path: Path) -> None:
    """The annex is a one-stop site only in the 2018 KML (with its point): a 2018 refresh."""
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
            polling_places=(real / "statewide/polling_places/polling_place_20181106.csv",),
            early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
            county="MECKLENBURG",
            election_day=date(2018, 11, 6),
            data_dir=tmp_path,
        ),
        datetime(2018, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    places = DatasetHolder(tmp_path).load_now().named_places
    (annex,) = places.find("Hal Marshall")
    assert annex.name == "HAL MARSHALL ANNEX" and annex.kind == EARLY_VOTING_SITE
    assert annex.address.startswith("618 N COLLEGE ST")
    assert places.find("the Hal Marshall annex") == [annex]
    assert places.find("hal marshal anex") == [annex]
    assert [p.name for p in places.suggest("hal mar", 5)] == ["HAL MARSHALL ANNEX"]


@pytest.mark.realdata
@pytest.mark.http
def test_real_place_suggestions_over_http(meck_places, tmp_path: Path) -> None:
    from support.servers import Server

    _report, data = meck_places
    srv = Server(data, tmp_path / "server.log")
    try:
        r = srv.get("/api/v1/suggest", q="beatties fo", limit=5)
        assert r.status_code == 200, r.text
        (first, *_rest) = r.json()["suggestions"]
        assert first["address"] == "BEATTIES FORD LIBRARY"
        assert first["place"] == {"name": "BEATTIES FORD LIBRARY", "kind": EARLY_VOTING_SITE}
        assert (first["lon"], first["lat"]) == (-80.853981, 35.267446)
        names = [
            s["place"]["name"]
            for s in srv.get("/api/v1/suggest", q="albemarle").json()["suggestions"]
        ]
        assert "ALBEMARLE ROAD ELEMENTARY SCHO" in names
        assert srv.get("/api/v1/suggest", q="2412 beatties").json()["suggestions"] == []
    finally:
        srv.stop()
