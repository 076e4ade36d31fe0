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
from support.paths import SCHEMAS

from lookup.dataset.holder import DatasetHolder
from lookup.domain.crosswalk import precinct_key
from lookup.domain.schedule import LOCAL_TZ
from lookup.ingest.refresh import RefreshRequest, refresh
from lookup.outputs.display import display_name
from lookup.service import AddressQuery, PointQuery, find_polling_place

pytestmark = pytest.mark.realdata
NOW = datetime(2020, 10, 20, 10, 0, tzinfo=LOCAL_TZ)


def ncsbe_rows(path: Path, county: str = "MECKLENBURG") -> dict[str, dict[str, str]]:
    text = path.read_bytes().decode("utf-16")
    rows = csv.DictReader(io.StringIO(text), delimiter="\t")
    return {r["precinct_name"]: r for r in rows if r["county_name"] == county}


@pytest.fixture(scope="module")
def meck(meck_2020):
    report, data = meck_2020
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
    assert report.counts["source_crs"] == "EPSG:2264 (NAD83 / North Carolina (ftUS))"


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
        # NCSBE cuts names at 30 characters, sometimes leaving a trailing space we drop;
        # a cut name is completed where the one-stop list names the building in full.
        published = a.polling_place.published_name or a.polling_place.name
        assert published == row["polling_place_name"].strip()
        assert a.polling_place.name.startswith(published)
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
    from lookup.domain.schedule import parse_moment

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

    from lookup.outputs.civic import voterinfo_json

    _report, ds = meck
    schema = json.loads((SCHEMAS / "civicinfo_v2.json").read_text())
    a = find_polling_place(ds, AddressQuery("310 North Tryon Street, Charlotte"), NOW)
    body = voterinfo_json(a, ds, "en")
    v = Draft202012Validator({"$ref": "#/$defs/VoterInfoResponse", "$defs": schema["$defs"]})
    assert not [e.message for e in v.iter_errors(body)]
    assert body["election"]["id"] == "20201103" and body["precinctId"] == a.precinct.id
    assert body["normalizedInput"]["line1"].startswith("310 N")
    pp = a.polling_place
    # Google's clients show locationName to voters: the display form, not NCSBE's capitals.
    shown = display_name(pp.name, pp.name_complete, pp.name_plausible, pp.address)
    assert body["pollingLocations"][0]["address"]["locationName"] == shown
    assert body["pollingLocations"][0]["address"]["line1"] == pp.address.line1
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
    from lookup.ingest.formats.addresses import read_addresses

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

    from lookup.ingest.formats.kml import parse_description, precinct_attributes

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


# ---- issue 20: the county's preliminary one-stop list, the period, the CRS label ------

PRELIMINARY = "mecklenburg/early_voting/one-stop-absentee-mecklenburg_2020_preliminary.csv"
E2020 = date(2020, 11, 3)


@pytest.fixture(scope="module")
def meck_preliminary(real: Path, facilities_csv: Path, tmp_path_factory: pytest.TempPathFactory):
    """2020 Mecklenburg with the county's preliminary list (one site still "TBD")."""
    data = tmp_path_factory.mktemp("meck_pre")
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
            polling_places=(real / "statewide/polling_places/polling_place_20201103.csv",),
            early_voting=(real / PRELIMINARY,),
            addresses=(facilities_csv,),
            county="MECKLENBURG",
            election_day=date(2020, 11, 3),
            data_dir=data,
        ),
        datetime(2020, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    return report, data, DatasetHolder(data).load_now()


def test_preliminary_list_reads_like_the_final_one(real: Path) -> None:
    """Its 33 sites' days and hours, read from the multi-line Dates cells, are those of
    NCSBE's final list wherever the site is in both, except Spectrum Center (the county
    changed its hours before the election); the TBD site is the final list's 123 Southpark."""
    from lookup.ingest.formats.registry import read_early_voting

    prelim = {s.name: s for s in read_early_voting(real / PRELIMINARY, "MECKLENBURG", E2020)}
    final_list = real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt"
    final = {s.name: s for s in read_early_voting(final_list, "MECKLENBURG", E2020)}
    assert len(prelim) == 33 and all(len(s.schedule) == 17 for s in prelim.values())
    both = sorted(set(prelim) & set(final))
    assert len(both) == 32
    assert [n for n in both if prelim[n].schedule != final[n].schedule] == ["SPECTRUM CENTER"]
    for n in both:
        if prelim[n].street:
            assert (prelim[n].street, prelim[n].city, prelim[n].zip) == (
                final[n].street,
                final[n].city,
                final[n].zip,
            )
    kell = prelim["ARDREY KELL HIGH SCHOOL"]
    sunday = next(d for d in kell.schedule if d.day == date(2020, 10, 18))
    assert [(h.start.isoformat("minutes"), h.end.isoformat("minutes")) for h in sunday.hours] == [
        ("13:00", "17:00")
    ]
    tbd = prelim["SOUTHPARK AREA"]
    assert (tbd.street, tbd.city, tbd.zip, tbd.lat) == ("", "", "", None)
    assert final["SOUTHPARK AREA"].street.startswith("123 SOUTHPARK")


def test_preliminary_list_publishes_with_the_tbd_site_listed_as_unknown(meck_preliminary) -> None:
    from lookup.domain.models import Address

    report, _data, ds = meck_preliminary
    assert report.counts["early_voting_sites"] == 33
    warnings = report.problems.warnings
    assert any("have no address yet" in w and "SOUTHPARK AREA" in w for w in warnings)
    assert not any("sites share" in w or "163-227.6" in w for w in warnings), warnings
    (tbd,) = [s for s in ds.early_voting[E2020] if s.name == "SOUTHPARK AREA"]
    assert (tbd.address, tbd.lat, tbd.lon) == (Address(""), None, None)
    a = find_polling_place(ds, PointQuery(lon=-80.8431, lat=35.2271), NOW)  # uptown
    names = [sd.site.name for sd in a.early_voting_sites]
    assert len(names) == 33 and "SOUTHPARK AREA" in names
    placed = [sd.distance_miles for sd in a.early_voting_sites if sd.distance_miles is not None]
    assert placed and placed == sorted(placed)
    # Sites with a distance first; the TBD site among those without, never with one.
    assert names.index("SOUTHPARK AREA") >= len(placed)
    assert next(sd for sd in a.early_voting_sites if sd.site is tbd).distance_miles is None


def test_preliminary_list_serves_the_answer_page_and_exports(meck_preliminary) -> None:
    """The API, the resident page, the Civic answer and the VIP feed with a site whose
    address is not known yet: answered, and no address is made up for it."""
    from lookup.config import Settings
    from lookup.outputs.civic import voterinfo_json
    from lookup.outputs.vip import build_feed
    from lookup.web.app import create_app

    _report, data, ds = meck_preliminary
    settings = Settings(data_dir=data, insights=False, rate_limit="", suggest_rate_limit="")
    app = create_app(settings, clock=lambda: NOW)
    client = app.test_client()
    query = "lat=35.2271&lon=-80.8431&include=schedule"
    body = client.get(f"/api/v1/lookup?{query}").get_json()
    (tbd,) = [s for s in body["early_voting_sites"] if s["name"] == "SOUTHPARK AREA"]
    assert tbd["address"]["line1"] == "" and tbd["distance_miles"] is None
    assert len(tbd["schedule"]) == 17
    assert tbd["directions_url"] is None  # no directions to a building not chosen yet
    assert tbd["display_address"] == "Address not announced yet"
    es = client.get(f"/api/v1/lookup?{query}&lang=es").get_json()
    (tbd_es,) = [s for s in es["early_voting_sites"] if s["name"] == "SOUTHPARK AREA"]
    assert tbd_es["display_address"] == "Dirección aún no anunciada"
    ics = client.get(f"/api/v1/calendar.ics?{query}&site={tbd['id']}&day=2020-10-20")
    location = next(x for x in ics.get_data(as_text=True).splitlines() if x.startswith("LOCATION"))
    assert ics.status_code == 200 and location.lower() == "location:southpark area"
    assert client.get(f"/api/v1/early-voting?{query}").status_code == 200
    page = client.get("/?address=35.2271%2C%20-80.8431")
    assert page.status_code == 200 and "southpark area" in page.get_data(as_text=True).lower()
    assert "Address not announced yet" in page.get_data(as_text=True)
    a = find_polling_place(ds, PointQuery(lon=-80.8431, lat=35.2271), NOW)
    civic = voterinfo_json(a, ds, "en")
    (site,) = [s for s in civic["earlyVoteSites"] if not s["address"].get("line1")]
    assert site["name"].upper() == "SOUTHPARK AREA" and "latitude" not in site
    assert "Address not announced yet." in site["notes"]
    feed = build_feed(ds, ds.elections[-1], datetime(2020, 9, 1, tzinfo=UTC))
    assert len([r for r in feed["polling_location"] if r["is_early_voting"] == "true"]) == 32
    assert not any(r["name"] == "SOUTHPARK AREA" for r in feed["polling_location"])


def test_real_2018_sites_share_one_period_and_warn_nothing(real: Path) -> None:
    """The hard-coded window warned about 298 of 2018's 303 sites; the period the files
    show (Wednesday 10/17 to 1 p.m. Saturday 11/03) warns about none, and three sites
    moved a week early are named with the rule."""
    from dataclasses import replace as with_

    from lookup.domain.models import Address, DaySchedule, EarlyVotingSite
    from lookup.ingest.early_voting_period import check_early_voting_period, shared_period
    from lookup.ingest.formats.registry import read_early_voting

    e2018 = date(2018, 11, 6)
    records = read_early_voting(real / "statewide/early_voting/ossite_2018.kml", None, e2018)
    sites = [
        EarlyVotingSite(
            id=str(i),
            name=r.name,
            address=Address(r.street, r.city, r.state, r.zip),
            county=r.county,
            lat=r.lat,
            lon=r.lon,
            schedule=r.schedule,
        )
        for i, r in enumerate(records)
    ]
    period = shared_period(sites)
    assert period is not None
    assert (period.first, period.last, period.sites) == (date(2018, 10, 17), date(2018, 11, 3), 303)
    assert period.last_close is not None and period.last_close.hour == 13
    assert check_early_voting_period(e2018, sites) == []
    week_early = DaySchedule(date(2018, 10, 10), sites[0].schedule[0].hours)
    moved = [with_(s, schedule=(week_early, *s.schedule)) for s in sites[:3]]
    (warning,) = check_early_voting_period(e2018, moved + sites[3:])
    assert warning.startswith(
        "3 early-voting sites of 2018-11-06 open before the first day most of the election's "
        "303 sites share (2018-10-17): "
    )
    assert all(f"{s.name} (2018-10-10)" in warning for s in moved)


def test_real_refreshes_warn_about_no_site_period(meck, statewide) -> None:
    for report, _ds in (meck, statewide):
        period = [w for w in report.problems.warnings if "sites share" in w or "163-227.6" in w]
        assert period == []


def test_the_county_prj_is_named_by_its_epsg_code(real: Path) -> None:
    from lookup.ingest.crs_names import crs_label

    zipped = real / "mecklenburg/precincts/Voter_Precinct_20241003.zip"
    layer = gpd.read_file(f"zip://{zipped}", rows=1)
    assert layer.crs.to_epsg() is None  # the ESRI .prj: PROJ's default confidence finds none
    assert crs_label(layer.crs) == "EPSG:2264 (NAD83 / North Carolina (ftUS))"
    assert crs_label(layer.crs.to_string()) == "EPSG:2264 (NAD83 / North Carolina (ftUS))"


# ---- the BOE's places completed from other sources (issue 20) ----------------------------

PLACE_LAYERS = (
    "schools",
    "libraries",
    "fire_stations",
    "police_stations",
    "hospitals",
    "town_halls",
)


def _place_sources(real: Path) -> tuple[Path, ...]:
    return (
        real / "statewide/polling_places/pp1.kml",
        real / "statewide/early_voting/ossite_2018.kml",
        *(real / "mecklenburg/places" / f"{n}.geojson" for n in PLACE_LAYERS),
    )


@pytest.fixture(scope="module")
def meck_completed(real: Path, facilities_csv: Path, tmp_path_factory: pytest.TempPathFactory):
    """The 2020 Mecklenburg files (2018's as the earlier election) refreshed twice: first
    with an address table made of the facility points and no place sources (the live
    version), then with NCSBE's 2018 polling-place and one-stop points and the county's
    six facility layers as place sources, and no address table."""
    data = tmp_path_factory.mktemp("meck-completed")
    live = RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(
            real / "statewide/polling_places/polling_place_20201103.csv",
            real / "statewide/polling_places/polling_place_20181106.csv",
        ),
        early_voting=(real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",),
        addresses=(facilities_csv,),
        county="MECKLENBURG",
        election_day=date(2020, 11, 3),
        data_dir=data,
        version="live",
    )
    assert refresh(live, datetime(2020, 9, 1, tzinfo=UTC)).published
    # No address table this time: the live version's 152 points go (--force).
    completed = replace(
        live, addresses=(), places=_place_sources(real), version="completed", allow_shrink=True
    )
    report = refresh(completed, datetime(2020, 9, 2, tzinfo=UTC))
    assert report.published, report.lines()
    return report, DatasetHolder(data).load_now()


def _all_source_names(real: Path) -> list[tuple[str, str, bool]]:
    """(name, street line, has a point) of every uncut record the completion could use."""
    from lookup.ingest.formats.registry import read_place_source

    files = (
        *_place_sources(real),
        real / "statewide/polling_places/polling_place_20181106.csv",
        real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",
    )
    return [
        (r.name, r.address.line1, r.lat is not None)
        for f in files
        for r in read_place_source(f, "MECKLENBURG", date(2020, 11, 3))
        if not r.cut
    ]


def test_real_cut_names_completed_where_a_source_has_them(real: Path, meck_completed) -> None:
    """No 2020 polling place keeps a cut name that a given source has in full at its
    address. The one full name left untaken is at another address: the 2020 place at
    15000 York Rd is named for Steele Creek Presbyterian Church, which pp1.kml (2018)
    has at 7407 Steele Creek Rd (15000 York Rd was Pleasant Hill Presbyterian then)."""
    from lookup.ingest.place_names import compare_form

    report, ds = meck_completed
    places = {p.id: p for p in ds.polling[date(2020, 11, 3)].values()}
    still_cut = sorted(p.name for p in places.values() if not p.name_complete)
    assert still_cut == [
        "CHARLOTTE MECKLENBURG VIRTUAL",  # 1900 NEWCASTLE ST: LINCOLN HEIGHTS ACADEMY in 2018
        "FORMER COLLINSWOOD LANGUAGE AC",  # the sources say COLLINSWOOD LANGUAGE ACADEMY
        "FORMER PLANET FITNESS AT CARME",  # the one-stop list names it SOUTH CHARLOTTE
        "GET READY FOR JESUS COMMUNITY",  # NEW COVENANT A.R.P. CHURCH in 2018
        "GOVERNOR'S VILLAGE STEM ACADEM",  # NATHANIEL ALEXANDER ELEMENTARY SCHOOL in 2018
        "METHODIST HOME RECREATION CENT",  # no source at 3200 SHAMROCK DR
        "STEELE CREEK PRESBYTERIAN CHUR",  # the full name is at another address
        "THE CHURCH OF JESUS CHRIST OF",  # no source at 3020 HILLIARD DR
        "WESLEY UNITED METHODIST CHURCH",  # no source at 3715 REA RD: may be whole
    ]
    sources = _all_source_names(real)
    for name in still_cut:
        fuller = [
            line
            for full, line, _point in sources
            if compare_form(full).startswith(compare_form(name)) and full != name
        ]
        assert fuller == (["7407 STEELE CREEK RD"] if name.startswith("STEELE") else []), name
    moriah = next(
        p for p in places.values() if p.published_name == "GREATER MOUNT MORIAH BAPTIST C"
    )
    assert moriah.name == "GREATER MOUNT MORIAH BAPTIST CHURCH" and moriah.name_complete
    assert moriah.name_source == "pp1.kml" and moriah.address.line1 == "727 TRADE ST"
    completed = [p for p in places.values() if p.name_source]
    assert len(completed) == report.counts["names_completed"] == 57
    assert all(compare_form(p.name).startswith(compare_form(p.published_name)) for p in completed)
    cut_warning = next(w for w in report.problems.warnings if "names may still be cut" in w)
    assert cut_warning.startswith("9 names may still be cut short")


def test_real_every_place_with_a_findable_address_has_coordinates(
    real: Path, meck_completed
) -> None:
    """The places left without a point have no record with a point at their house number
    and street in any source: nothing to place them by."""
    report, ds = meck_completed
    day = date(2020, 11, 3)
    places = [*{p.id: p for p in ds.polling[day].values()}.values(), *ds.early_voting[day]]
    unplaced = [p for p in places if p.lat is None]

    def number_and_street(line: str) -> tuple[str, ...]:
        from lookup.geocode.normalize import canonical_street

        words = canonical_street(line).split()
        return tuple(w for w in words if w not in {"N", "S", "E", "W", "EXT"})[:2]

    known = {number_and_street(line) for _n, line, point in _all_source_names(real) if point}
    assert [p.name for p in unplaced if number_and_street(p.address.line1) in known] == []
    assert len(unplaced) == report.counts["places_without_coordinates"] == 25  # 9 + 16 sites
    placed = [p for p in places if p.lat is not None]
    assert {p.latlng_source for p in placed} == {
        "pp1.kml",
        "ossite_2018.kml",
        "schools.geojson",
        "libraries.geojson",
    }
    assert all(ds.index.locate(p.lon, p.lat) is not None for p in placed)  # in the county


def test_real_placeholder_name_of_pct_049(meck_completed) -> None:
    report, ds = meck_completed
    q = ds.polling[date(2020, 11, 3)][("MECKLENBURG", "049")]
    assert q.name == "Q" and not q.name_plausible and q.address.line1 == "3701 HAVEN DR"
    assert (
        "MECKLENBURG 049: polling place named 'Q' at 3701 HAVEN DR (was PARK ROAD MONTESSORI "
        "SCHOOL in polling_place_20181106.csv): shown as the polling place at its address"
    ) in report.problems.warnings
    assert report.counts["placeholder_names"] == 1


def test_real_report_shows_names_completed_and_coordinates_added(meck_completed) -> None:
    report, _ds = meck_completed
    lines = report.lines()
    assert "names completed: 57 (pp1.kml 57)" in lines
    added = next(x for x in lines if x.startswith("coordinates added: "))
    assert "pp1.kml" in added and "schools.geojson" in added
    assert report.changes is not None
    ch = report.changes
    assert len(ch.names_completed) == 57
    assert any("'GREATER MOUNT MORIAH BAPTIST C' | 'GREATER MOUNT MORIAH BAPTIST CHURCH' | pp1.kml"
               in row for row in ch.names_completed)  # fmt: skip
    # The live version placed a few places from its address table (the facility points):
    # the report says how far the new point is from that one.
    distances = [row.rsplit("|", 2)[-2].strip() for row in ch.coordinates_added]
    assert any(d.endswith(" m") for d in distances) and "none before" in distances
    assert ch.names_still_cut and ch.without_coordinates
    assert not [c for c in ch.places if c.kind == "renamed"]  # completed names are no renames
    summary = "\n".join(ch.summary())
    assert "57 names completed from other sources" in summary


def test_real_statewide_2018_from_the_ncsbe_tsv(real: Path, tmp_path: Path) -> None:
    """The whole state from NCSBE's TSV, whose cut precinct name CALDWELL
    'GLOBE/JOHNS RIVER/MULBERRY/WIL' joins the map's one precinct it begins."""
    report = refresh(
        RefreshRequest(
            precincts=tuple(real / f"statewide/precincts/vtds{i}.kmz" for i in range(4)),
            polling_places=(real / "statewide/polling_places/polling_place_20181106.csv",),
            early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
            election_day=date(2018, 11, 6),
            data_dir=tmp_path,
        ),
        datetime(2018, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    assert any(
        "CALDWELL 'GLOBE/JOHNS RIVER/MULBERRY/WIL' (polling_place_20181106.csv) joined to "
        "precinct GLOBE/JOHNS RIVER/MULBERRY/WILSON CREEK" in w
        for w in report.problems.warnings
    )
    ds = DatasetHolder(tmp_path).load_now()
    (i,) = [
        k
        for k, p in enumerate(ds.precincts)
        if p.county == "CALDWELL" and p.name == "GLOBE/JOHNS RIVER/MULBERRY/WILSON CREEK"
    ]
    inside = ds.geoms[i].representative_point()
    a = find_polling_place(
        ds, PointQuery(lon=inside.x, lat=inside.y), datetime(2018, 10, 20, 12, tzinfo=LOCAL_TZ)
    )
    assert a.precinct.county == "CALDWELL" and a.precinct.name.startswith("GLOBE/")
    assert a.polling_place is not None and a.polling_place.name == "COLLETTSVILLE FIRE DEPARTMENT"
