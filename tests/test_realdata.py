"""The loaders and the lookup on the real Mecklenburg files in ../shared/data/nc (read in
place; skipped with a reason where ../shared is absent)."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer

from lookup.crosswalk import precinct_key
from lookup.holder import DatasetHolder
from lookup.refresh import RefreshRequest, refresh
from lookup.schedule import LOCAL_TZ
from lookup.service import AddressQuery, PointQuery, find_polling_place

pytestmark = pytest.mark.realdata
NOW = datetime(2020, 10, 20, 10, 0, tzinfo=LOCAL_TZ)


def ncsbe_rows(path: Path, county: str = "MECKLENBURG") -> dict[str, dict[str, str]]:
    text = path.read_bytes().decode("utf-16")
    rows = csv.DictReader(io.StringIO(text), delimiter="\t")
    return {r["precinct_name"]: r for r in rows if r["county_name"] == county}


@pytest.fixture(scope="module")
def addresses_csv(real: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generic address CSV made (in a temp folder) from the county's facility points."""
    out = tmp_path_factory.mktemp("addr") / "facilities.csv"
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["address", "city", "state", "zip", "lat", "lon"])
        for layer in ("schools", "libraries", "town_halls", "fire_stations", "police_stations"):
            frame = gpd.read_file(real / "mecklenburg" / "places" / f"{layer}.geojson")
            for _, r in frame.iterrows():
                city = str(r.get("city") or r.get("city_state") or "").split(",")[0]
                w.writerow([r["address"], city, "NC", "", r.geometry.y, r.geometry.x])
    return out


@pytest.fixture(scope="module")
def meck(real: Path, addresses_csv: Path, tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("meck")
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
            polling_places=(
                real / "statewide/polling_places/polling_place_20201103.csv",
                real / "statewide/polling_places/polling_place_20181106.csv",
            ),
            early_voting=(
                real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",
            ),
            addresses=(addresses_csv,),
            county="Mecklenburg",
            election_day=date(2020, 11, 3),
            data_dir=data,
        ),
        datetime(2020, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    return report, DatasetHolder(data).load_now()


def test_refresh_counts(meck) -> None:
    report, ds = meck
    assert report.counts["precincts"] == 195
    assert report.counts["polling_places"] == 195
    assert report.counts["early_voting_sites"] == 33
    assert ds.counties == ("MECKLENBURG",)
    assert ds.board.phone == "704-336-2133"
    # Every precinct of the 2024 map has its 2020 polling place through the crosswalk.
    assert len(ds.polling[date(2020, 11, 3)]) == 195
    assert "2264" in report.counts["source_crs"] or "North Carolina" in report.counts["source_crs"]


def test_random_points_match_an_independent_sjoin(real: Path, meck) -> None:
    """Our grid on reprojected polygons vs geopandas on the original State Plane file."""
    _report, ds = meck
    shp = gpd.read_file(f"zip://{real / 'mecklenburg/precincts/Voter_Precinct_20241003.zip'}")
    rng = np.random.default_rng(42)
    minx, miny, maxx, maxy = ds.bbox
    lon = rng.uniform(minx, maxx, 5000)
    lat = rng.uniform(miny, maxy, 5000)
    x, y = Transformer.from_crs(4326, shp.crs, always_xy=True).transform(lon, lat)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=shp.crs)
    joined = gpd.sjoin(pts, shp[["precinct", "geometry"]], predicate="within")
    expected = np.full(len(lon), "", dtype=object)
    expected[joined.index.to_numpy()] = [f"{int(p):03d}" for p in joined["precinct"]]
    got = ds.index.locate_many(lon, lat)
    ours = np.array([ds.precincts[i].id if i >= 0 else "" for i in got], dtype=object)
    differ = np.flatnonzero(ours != expected)
    # Only points within a foot of a boundary may differ (reprojected edges bend by mm).
    boundary = shp.geometry.boundary.union_all()
    for i in differ:
        assert pts.geometry.iloc[i].distance(boundary) < 1.0, (lon[i], lat[i])
    assert (expected != "").sum() > 2500
    assert len(differ) <= 2


def test_points_get_their_precinct_polling_place(real: Path, meck) -> None:
    _report, ds = meck
    places = ncsbe_rows(real / "statewide/polling_places/polling_place_20201103.csv")
    shp = gpd.read_file(f"zip://{real / 'mecklenburg/precincts/Voter_Precinct_20241003.zip'}")
    inner = shp.to_crs(4326).representative_point()
    for number, pt in list(zip(shp["precinct"], inner, strict=True))[:60]:
        a = find_polling_place(ds, PointQuery(lon=pt.x, lat=pt.y), NOW)
        pid = f"{int(number):03d}"
        assert a.precinct.id == pid
        row = places[f"PCT {pid}"]
        assert a.polling_place is not None
        # NCSBE cuts names at 30 characters, sometimes leaving a trailing space we drop.
        assert a.polling_place.name == row["polling_place_name"].strip()
        assert a.polling_place.address.line1 == f"{row['house_num']} {row['street_name']}".strip()
        assert a.election is not None and a.election.day == date(2020, 11, 3)
        assert len(a.early_voting_sites) == 33


def test_known_place_precinct_10_east_blvd(meck) -> None:
    _report, ds = meck
    assert ds.polling[date(2020, 11, 3)][("MECKLENBURG", "010")].address.line1 == "600 EAST BLVD"


def test_previous_election_is_kept(meck) -> None:
    _report, ds = meck
    assert [e.day for e in ds.elections] == [date(2018, 11, 6), date(2020, 11, 3)]
    a = find_polling_place(
        ds, PointQuery(lon=-80.8431, lat=35.2271), datetime(2018, 10, 1, tzinfo=LOCAL_TZ)
    )
    assert a.election is not None and a.election.day == date(2018, 11, 6)


def test_early_voting_real_schedule(meck) -> None:
    _report, ds = meck
    sites = ds.early_voting[date(2020, 11, 3)]
    spectrum = next(s for s in sites if s.name == "SPECTRUM CENTER")
    assert spectrum.schedule[0].day == date(2020, 10, 15) and spectrum.schedule[0].closed
    assert len(spectrum.schedule) == 17
    e = ds.elections[-1]
    assert (e.early_voting_start, e.early_voting_end) == (date(2020, 10, 15), date(2020, 10, 31))


def _statuses(ds, moment: str):
    """Every 2020 Mecklenburg early-voting site as seen at a local moment."""
    from lookup.schedule import parse_moment

    now = parse_moment(None, moment)
    a = find_polling_place(ds, PointQuery(lon=-80.8431, lat=35.2271), now)
    return {sd.site.name: sd.status for sd in a.early_voting_sites}


def test_one_stop_2020_first_day(meck) -> None:
    """2020-10-15: the closed site (Spectrum Center) is closed, the other 32 open 8-7:30."""
    _report, ds = meck
    st = _statuses(ds, "2020-10-15T12:00")
    assert len(st) == 33
    closed = [name for name, s in st.items() if s.hours_today == ()]
    assert closed == ["SPECTRUM CENTER"] and not st["SPECTRUM CENTER"].open_now
    others = [s for name, s in st.items() if name != "SPECTRUM CENTER"]
    assert len(others) == 32 and all(s.open_now for s in others)
    assert {(h.start.isoformat("minutes"), h.end.isoformat("minutes")) for s in others
            for h in s.hours_today or ()} == {("08:00", "19:30")}  # fmt: skip


def test_one_stop_2020_sunday_and_last_saturday(meck) -> None:
    _report, ds = meck
    noon = _statuses(ds, "2020-10-18T12:00")
    assert not any(s.open_now for s in noon.values())
    assert {s.next_open.isoformat(timespec="minutes") for s in noon.values()} == {
        "2020-10-18T13:00-04:00"
    }
    assert all(s.open_now for s in _statuses(ds, "2020-10-18T14:00").values())
    saturday = _statuses(ds, "2020-10-31T14:59")
    assert all(s.open_now for s in saturday.values())
    assert {h.end.isoformat("minutes") for s in saturday.values() for h in s.hours_today or ()} == {
        "15:00"
    }
    assert not any(s.open_now for s in _statuses(ds, "2020-10-31T15:00").values())
    # After the last day nothing opens again: no next opening to offer.
    assert all(s.next_open is None for s in _statuses(ds, "2020-11-01T09:00").values())


def test_places_that_moved_since_2018_say_changed(real: Path, meck) -> None:
    """With the 2018 and 2020 files, a point in a precinct whose place moved gets
    changed: true and the 2018 place; the others changed: false."""
    _report, ds = meck
    before = ncsbe_rows(real / "statewide/polling_places/polling_place_20181106.csv")
    after = ncsbe_rows(real / "statewide/polling_places/polling_place_20201103.csv")
    moved = {
        k.removeprefix("PCT ")
        for k in after
        if k in before
        and (before[k]["house_num"], before[k]["street_name"], before[k]["city"])
        != (after[k]["house_num"], after[k]["street_name"], after[k]["city"])
    }
    assert 5 <= len(moved) <= 20
    shp = gpd.read_file(f"zip://{real / 'mecklenburg/precincts/Voter_Precinct_20241003.zip'}")
    inner = shp.to_crs(4326).representative_point()
    seen = 0
    for number, pt in zip(shp["precinct"], inner, strict=True):
        pid = f"{int(number):03d}"
        a = find_polling_place(ds, PointQuery(lon=pt.x, lat=pt.y), NOW)
        assert a.precinct.id == pid
        assert a.changed is (pid in moved), pid
        if pid in moved:
            seen += 1
            assert a.previous_polling_place is not None
            assert "polling_place_changed" in a.notices
    assert seen == len(moved)


def test_real_voterinfo_validates_and_says_what_a_client_needs(meck) -> None:
    """The Google-compatible voterinfo for a real Charlotte address, 2020 general."""
    import json

    from jsonschema import Draft202012Validator

    from lookup.civic import voterinfo_json

    _report, ds = meck
    schema = json.loads((Path(__file__).parent / "schemas" / "civicinfo_v2.json").read_text())
    a = find_polling_place(ds, AddressQuery("310 North Tryon Street, Charlotte"), NOW)
    body = voterinfo_json(a, ds, "en")
    v = Draft202012Validator({"$ref": "#/$defs/VoterInfoResponse", "$defs": schema["$defs"]})
    assert not [e.message for e in v.iter_errors(body)]
    assert body["election"]["id"] == "20201103" and body["precinctId"] == a.precinct.id
    assert body["normalizedInput"]["line1"].startswith("310 N")
    assert body["pollingLocations"][0]["address"]["locationName"] == a.polling_place.name
    assert len(body["earlyVoteSites"]) == 33
    assert {s["startDate"] for s in body["earlyVoteSites"]} >= {"2020-10-15"}
    assert {s["endDate"] for s in body["earlyVoteSites"]} == {"2020-10-31"}
    local = body["state"][0]["local_jurisdiction"]["electionAdministrationBody"]
    assert local["electionOfficials"][0]["officePhoneNumber"] == "704-336-2133"
    assert all(src["official"] for src in body["state"][0]["sources"])


def test_facility_addresses_geocode(meck) -> None:
    _report, ds = meck
    a = find_polling_place(ds, AddressQuery("310 North Tryon Street, Charlotte"), NOW)
    assert a.match.source == "address_point"
    assert -80.85 < a.match.lon < -80.83 and 35.22 < a.match.lat < 35.24
    # Sites that are schools or libraries in the facility layers now have coordinates,
    # and the list is sorted by distance from the caller.
    placed = [s for s in a.early_voting_sites if s.distance_miles is not None]
    assert placed and [s.distance_miles for s in placed] == sorted(s.distance_miles for s in placed)


def test_older_layouts_load(real: Path, tmp_path: Path) -> None:
    """The 2013 county GeoJSON (integer precinct field, WGS84) with the 2012 NCSBE file."""
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/voting_precincts_2013.geojson",
            polling_places=(real / "statewide/polling_places/polling_place_20121106.csv",),
            early_voting=(),
            county="MECKLENBURG",
            election_day=date(2012, 11, 6),
            data_dir=tmp_path,
        ),
        datetime(2012, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    assert report.counts["precincts"] == 195


def test_statewide_polling_file_is_utf16(real: Path) -> None:
    raw = (real / "statewide/polling_places/polling_place_20201103.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)


def test_facility_geojson_as_address_points(real: Path, tmp_path: Path) -> None:
    """A point layer with an ``address`` field is read as generic address points."""
    from lookup.sources.addresses import read_addresses

    frame = read_addresses(real / "mecklenburg/places/libraries.geojson")
    main = frame[frame["key"] == "310 N TRYON ST"]
    assert len(main) == 1 and main["city"].iloc[0] == "CHARLOTTE"
    assert -80.85 < main["lon"].iloc[0] < -80.83
    schools = read_addresses(real / "mecklenburg/places/schools.geojson")
    assert (schools["city"] == "CHARLOTTE").mean() > 0.5  # "Charlotte, NC" -> CHARLOTTE


def test_facility_layers_as_addresses_end_to_end(real: Path, tmp_path: Path) -> None:
    """The county's facility GeoJSON passed straight to --addresses; callers' spellings of
    real addresses land in the precinct an independent sjoin gives for the facility."""
    places = real / "mecklenburg/places"
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
            polling_places=(real / "statewide/polling_places/polling_place_20201103.csv",),
            early_voting=(
                real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",
            ),
            addresses=(places / "town_halls.geojson", places / "libraries.geojson"),
            county="MECKLENBURG",
            election_day=date(2020, 11, 3),
            data_dir=tmp_path,
        ),
        datetime(2020, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    ds = DatasetHolder(tmp_path).load_now()
    shp = gpd.read_file(f"zip://{real / 'mecklenburg/precincts/Voter_Precinct_20241003.zip'}")
    facilities = gpd.GeoDataFrame(
        geometry=[
            gpd.read_file(places / "town_halls.geojson")
            .query("name == 'Mint Hill'")
            .geometry.iloc[0],
            gpd.read_file(places / "libraries.geojson")
            .query("name == 'Main Library'")
            .geometry.iloc[0],
        ],
        crs=4326,
    ).to_crs(shp.crs)
    expected = [f"{int(p):03d}" for p in gpd.sjoin(facilities, shp, predicate="within")["precinct"]]
    spoken = ["7151 matthews mint hill road, mint hill", "310 North Tryon Street, Charlotte NC"]
    for text, pid in zip(spoken, expected, strict=True):
        a = find_polling_place(ds, AddressQuery(text), NOW)
        assert a.precinct.id == pid, text


def test_change_report_2018_to_2020(real: Path, tmp_path: Path) -> None:
    """Refresh 2018, then 2020: the report lists the precincts whose polling place moved."""
    base = RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(real / "statewide/polling_places/polling_place_20181106.csv",),
        early_voting=(),
        county="MECKLENBURG",
        election_day=date(2018, 11, 6),
        data_dir=tmp_path,
    )
    assert refresh(base, datetime(2018, 9, 1, tzinfo=UTC)).published
    newer = replace(
        base,
        polling_places=(real / "statewide/polling_places/polling_place_20201103.csv",),
        election_day=date(2020, 11, 3),
    )
    report = refresh(newer, datetime(2020, 9, 1, tzinfo=UTC))
    assert report.published and report.changes is not None
    moved = report.changes.moved()
    before = ncsbe_rows(real / "statewide/polling_places/polling_place_20181106.csv")
    after = ncsbe_rows(real / "statewide/polling_places/polling_place_20201103.csv")
    expected = sorted(
        k.removeprefix("PCT ")
        for k in after
        if (before[k]["house_num"], before[k]["street_name"], before[k]["city"])
        != (after[k]["house_num"], after[k]["street_name"], after[k]["city"])
    )
    assert sorted(c.precinct for c in moved) == expected
    assert 5 <= len(expected) <= 20  # the README: 7-15 places move between general elections
    corrected = [c.precinct for c in report.changes.places if c.kind == "corrected"]
    assert "227" in corrected  # same building, its ZIP fixed: not a move
    png = (tmp_path / "current" / "changes.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    ds = DatasetHolder(tmp_path).load_now()
    assert [e.day for e in ds.elections] == [date(2018, 11, 6), date(2020, 11, 3)]


@pytest.fixture(scope="module")
def statewide(real: Path, tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("state")
    report = refresh(
        RefreshRequest(
            precincts=tuple(real / f"statewide/precincts/vtds{i}.kmz" for i in range(4)),
            polling_places=tuple(real / f"statewide/polling_places/pp{i}.kml" for i in (1, 2, 3)),
            early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
            election_day=date(2018, 11, 6),
            data_dir=data,
        ),
        datetime(2018, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    return report, DatasetHolder(data).load_now()


def test_statewide_2018_kmz(statewide) -> None:
    """All of NC from the 2018 KMZ/KML layers: polygons, polling-place points, one-stop sites."""
    report, ds = statewide
    assert report.counts["precincts"] > 2600 and len(ds.counties) == 100
    assert sum(p.county == "MECKLENBURG" for p in ds.precincts) == 195
    now = datetime(2018, 10, 20, 12, tzinfo=LOCAL_TZ)
    for (lat, lon), county in {
        (35.2271, -80.8431): "MECKLENBURG",  # uptown Charlotte
        (35.7796, -78.6382): "WAKE",  # Raleigh
        (35.5951, -82.5515): "BUNCOMBE",  # Asheville
    }.items():
        a = find_polling_place(ds, PointQuery(lon=lon, lat=lat), now)
        assert a.precinct.county == county
        assert a.polling_place is not None and a.polling_place.lat is not None
        # Early voting is countywide: only this county's sites, nearest first.
        assert a.early_voting_sites and {s.site.county for s in a.early_voting_sites} == {county}
        d = [s.distance_miles for s in a.early_voting_sites if s.distance_miles is not None]
        assert d == sorted(d)


def test_kml_precinct_joins_to_its_polling_place(real: Path, statewide) -> None:
    """The polygon's own description names its polling place: the join must agree."""
    import geopandas as gpd

    from lookup.sources.kml import parse_description, precinct_attributes

    _report, ds = statewide
    layer = gpd.read_file(real / "statewide/precincts/vtds1.kmz")
    checked = 0
    for html in layer["description"][:150]:
        county, name = precinct_attributes(html)
        named = parse_description(html).bold[0].upper()
        key = (county, precinct_key(name))
        place = ds.polling[date(2018, 11, 6)].get(key)
        assert place is not None, key
        assert place.name == named, key
        checked += 1
    assert checked == 150


def test_several_counties_from_statewide_files(real: Path, tmp_path: Path) -> None:
    """--county with two names keeps both counties' precincts, places and sites."""
    report = refresh(
        RefreshRequest(
            precincts=tuple(real / f"statewide/precincts/vtds{i}.kmz" for i in range(4)),
            polling_places=(real / "statewide/polling_places/polling_place_20181106.csv",),
            early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
            county="Mecklenburg, Union",
            election_day=date(2018, 11, 6),
            data_dir=tmp_path,
        ),
        datetime(2018, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    ds = DatasetHolder(tmp_path).load_now()
    assert ds.counties == ("MECKLENBURG", "UNION")
    assert {c for c, _ in ds.polling[date(2018, 11, 6)]} == {"MECKLENBURG", "UNION"}
    assert {s.county for s in ds.early_voting[date(2018, 11, 6)]} == {"MECKLENBURG", "UNION"}
    october_2018 = datetime(2018, 10, 20, 12, tzinfo=LOCAL_TZ)
    a = find_polling_place(ds, PointQuery(lon=-80.5495, lat=34.9854), october_2018)  # Monroe
    assert a.precinct.county == "UNION"
    assert {s.site.county for s in a.early_voting_sites} == {"UNION"}
