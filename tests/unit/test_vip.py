"""The VIP 5.2 CSV export: files and headers, id references, hours and their UTC offsets,
CSV quoting, and the atomic, careful write."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path

import pytest
from support.builders import ELECTION, PREVIOUS, place, site, tiny_dataset

from lookup.domain.models import Address, DaySchedule, OpenHours
from lookup.domain.schedule import LOCAL_TZ
from lookup.outputs.vip import COLUMNS, export_vip

NOW = datetime(2028, 10, 1, 9, 0, tzinfo=LOCAL_TZ)
NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")

# (file, column, file the ids in it must name); multi-valued columns are space-separated.
REFERENCES = [
    ("state", "election_administration_id", "election_administration"),
    ("election", "state_id", "state"),
    ("election", "hours_open_id", "hours_open"),
    ("department", "election_administration_id", "election_administration"),
    ("contact_information", "parent_id", "department"),
    ("locality", "state_id", "state"),
    ("locality", "election_administration_id", "election_administration"),
    ("locality", "polling_location_ids", "polling_location"),
    ("precinct", "locality_id", "locality"),
    ("precinct", "polling_location_ids", "polling_location"),
    ("polling_location", "hours_open_id", "hours_open"),
    ("schedule", "hours_open_id", "hours_open"),
]

Feed = dict[str, list[dict[str, str]]]


def read_feed(folder: Path) -> Feed:
    """Every file read back with the csv module, its header checked against the spec."""
    feed = {}
    for name, columns in COLUMNS.items():
        with (folder / f"{name}.txt").open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            assert tuple(reader.fieldnames or ()) == columns, name
        feed[name] = rows
    return feed


def export(ds, tmp_path: Path, **kw) -> tuple[Feed, dict[str, int]]:
    out = tmp_path / "vip"
    counts = export_vip(ds, out, NOW, **kw)
    return read_feed(out), counts


def ids(feed: Feed, name: str) -> list[str]:
    return [r["id"] for r in feed[name]]


def refs(value: str) -> list[str]:
    return value.split()


def by_id(feed: Feed, name: str) -> dict[str, dict[str, str]]:
    return {r["id"]: r for r in feed[name]}


@pytest.fixture(params=["tiny", "demo"])
def any_feed(request: pytest.FixtureRequest, tmp_path: Path) -> Feed:
    ds = tiny_dataset() if request.param == "tiny" else request.getfixturevalue("demo_ds")
    return export(ds, tmp_path)[0]


# ---- structure -----------------------------------------------------------------------


def test_every_file_is_written_with_its_header_and_counted(tmp_path: Path) -> None:
    feed, counts = export(tiny_dataset(), tmp_path)
    assert sorted(p.name for p in (tmp_path / "vip").iterdir()) == sorted(
        f"{n}.txt" for n in COLUMNS
    )
    assert counts == {f"{n}.txt": len(rows) for n, rows in feed.items()}
    raw = (tmp_path / "vip" / "precinct.txt").read_bytes()
    assert b"\r" not in raw and raw.startswith(b"id,name,number,")


def test_ids_are_unique_across_the_feed_and_valid_xml_ids(any_feed: Feed) -> None:
    every = [i for name in COLUMNS for i in ids(any_feed, name)]
    assert len(every) == len(set(every))
    assert all(NCNAME.fullmatch(i) for i in every), [i for i in every if not NCNAME.fullmatch(i)]


def test_every_reference_resolves(any_feed: Feed) -> None:
    for name, column, target in REFERENCES:
        known = set(ids(any_feed, target))
        for row in any_feed[name]:
            missing = [r for r in refs(row[column]) if r not in known]
            assert not missing, (name, row["id"], column, missing)


def test_nothing_dangles(any_feed: Feed) -> None:
    """Every location and every hours is used; every hours has a schedule and every
    administration a department."""
    used_locations = {
        r for name in ("precinct", "locality") for row in any_feed[name]
        for r in refs(row["polling_location_ids"])
    }  # fmt: skip
    assert used_locations == set(ids(any_feed, "polling_location"))
    used_hours = {r["hours_open_id"] for r in any_feed["polling_location"] + any_feed["election"]}
    assert used_hours - {""} == set(ids(any_feed, "hours_open"))
    assert {r["hours_open_id"] for r in any_feed["schedule"]} == set(ids(any_feed, "hours_open"))
    assert {r["election_administration_id"] for r in any_feed["department"]} == set(
        ids(any_feed, "election_administration")
    )


def test_one_of_each_singleton(any_feed: Feed) -> None:
    assert [len(any_feed[n]) for n in ("source", "state", "election")] == [1, 1, 1]
    assert any_feed["source"][0]["version"] == "5.2"
    assert any_feed["state"][0]["name"] == "North Carolina"


# ---- content -------------------------------------------------------------------------


def test_a_shared_election_day_place_appears_once(tmp_path: Path) -> None:
    feed, _ = export(tiny_dataset(), tmp_path)
    precincts = by_id(feed, "precinct")
    shared = precincts["pre-TEST-001"]["polling_location_ids"]
    assert shared and precincts["pre-TEST-003"]["polling_location_ids"] == shared
    assert precincts["pre-TEST-004"]["polling_location_ids"] == ""  # none in the data
    day_places = [r for r in feed["polling_location"] if r["is_early_voting"] == "false"]
    assert sorted(r["name"] for r in day_places) == ["FIRST CHURCH", "SECOND SCHOOL"]
    assert {r["number"] for r in feed["precinct"]} == {"001", "002", "003", "004"}


def test_demo_places_are_one_row_per_distinct_place(tmp_path: Path, demo_ds) -> None:
    feed, _ = export(demo_ds, tmp_path)
    places = demo_ds.polling[demo_ds.elections[-1].day]
    distinct = {(county, p.id) for (county, _), p in places.items()}
    day_rows = [r for r in feed["polling_location"] if r["is_early_voting"] == "false"]
    assert len(day_rows) == len(distinct) < len(places)
    assert len(feed["precinct"]) == len(demo_ds.precincts)


def test_early_voting_sites_hang_off_the_locality_not_the_precincts(tmp_path: Path) -> None:
    feed, _ = export(tiny_dataset(), tmp_path)
    early = {r["id"] for r in feed["polling_location"] if r["is_early_voting"] == "true"}
    (locality,) = feed["locality"]
    assert locality["type"] == "county"
    assert set(refs(locality["polling_location_ids"])) == early
    # The site of another county is not this feed's: no locality would list it.
    assert {by_id(feed, "polling_location")[i]["name"] for i in early} == {"SITE FAR", "SITE NEAR"}
    for p in feed["precinct"]:
        assert not set(refs(p["polling_location_ids"])) & early


def test_a_split_day_is_two_schedules_of_one_date_and_a_closed_day_none(tmp_path: Path) -> None:
    feed, _ = export(tiny_dataset(), tmp_path)
    near = by_id(feed, "polling_location")["ev-TEST-near"]
    rows = [r for r in feed["schedule"] if r["hours_open_id"] == near["hours_open_id"]]
    by_date: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        assert r["start_date"] == r["end_date"]
        by_date.setdefault(r["start_date"], []).append((r["start_time"], r["end_time"]))
    assert by_date == {
        "2028-10-19": [("08:00:00-04:00", "19:30:00-04:00")],
        "2028-10-23": [("08:00:00-04:00", "12:00:00-04:00"), ("13:00:00-04:00", "17:00:00-04:00")],
    }  # 2028-10-22 is closed: no row


def test_a_site_never_open_has_no_hours(tmp_path: Path) -> None:
    shut = replace(site("shut", 0.5, 0.5), schedule=(DaySchedule(date(2028, 10, 22)),))
    feed, _ = export(tiny_dataset(sites={ELECTION.day: (shut,)}), tmp_path)
    assert by_id(feed, "polling_location")["ev-TEST-shut"]["hours_open_id"] == ""
    assert ids(feed, "hours_open") == ["ho-eday"]


def test_a_site_whose_address_is_not_known_yet_is_left_out(tmp_path: Path) -> None:
    """A "TBD" site of the county's list: VIP would ignore a location without an address."""
    tbd = replace(site("tbd", 0.5, 0.5), address=Address(""), lat=None, lon=None)
    feed, _ = export(tiny_dataset(sites={ELECTION.day: (site("near", 0.2, 0.2), tbd)}), tmp_path)
    early = [r["id"] for r in feed["polling_location"] if r["is_early_voting"] == "true"]
    assert early == ["ev-TEST-near"]
    assert refs(feed["locality"][0]["polling_location_ids"]) == ["ev-TEST-near"]
    assert not any("tbd" in r["hours_open_id"] for r in feed["schedule"])


def test_offsets_follow_daylight_saving_time(tmp_path: Path) -> None:
    """DST ends on 2028-11-05, inside early voting: EDT before, EST after."""
    s = replace(
        site("dst", 0.5, 0.5),
        schedule=(
            DaySchedule(date(2028, 10, 30), (OpenHours(time(8), time(19, 30)),)),
            DaySchedule(date(2028, 11, 6), (OpenHours(time(8), time(19, 30)),)),
        ),
    )
    feed, _ = export(tiny_dataset(sites={ELECTION.day: (s,)}), tmp_path)
    times = {r["start_date"]: (r["start_time"], r["end_time"]) for r in feed["schedule"]}
    assert times == {
        "2028-10-30": ("08:00:00-04:00", "19:30:00-04:00"),
        "2028-11-06": ("08:00:00-05:00", "19:30:00-05:00"),
        "2028-11-07": ("06:30:00-05:00", "19:30:00-05:00"),  # Election Day
    }


def test_demo_hours_carry_the_offset_of_their_date(tmp_path: Path, demo_ds) -> None:
    feed, _ = export(demo_ds, tmp_path)
    starts = {(r["start_date"], r["start_time"][-6:]) for r in feed["schedule"]}
    assert ("2028-10-30", "-04:00") in starts
    assert ("2028-11-07", "-05:00") in starts
    assert all(off == ("-04:00" if d < "2028-11-05" else "-05:00") for d, off in starts)
    ev = [r for r in feed["polling_location"] if r["is_early_voting"] == "true"]
    assert len(ev) == len(demo_ds.early_voting[demo_ds.elections[-1].day])
    assert all(r["hours_open_id"] for r in ev)


def test_the_election_row(tmp_path: Path) -> None:
    feed, _ = export(tiny_dataset(), tmp_path)
    (e,) = feed["election"]
    assert (e["date"], e["name"], e["election_type"]) == (
        "2028-11-07",
        "General Election",
        "General",
    )
    assert e["polling_hours"] == "6:30 AM - 7:30 PM"
    assert e["is_statewide"] == "true"
    (sched,) = [r for r in feed["schedule"] if r["hours_open_id"] == e["hours_open_id"]]
    assert sched["start_date"] == sched["end_date"] == "2028-11-07"
    primary = replace(ELECTION, name="Primary Election")
    feed, _ = export(tiny_dataset(elections=(PREVIOUS, primary)), tmp_path / "p")
    assert feed["election"][0]["election_type"] == "Primary"


def test_an_earlier_election_can_be_chosen(tmp_path: Path) -> None:
    feed, _ = export(tiny_dataset(), tmp_path, election_day=PREVIOUS.day)
    assert feed["election"][0]["date"] == "2026-11-03"
    assert [r["name"] for r in feed["polling_location"]] == ["OLD HALL"]
    assert feed["locality"][0]["polling_location_ids"] == ""
    assert [r["start_time"] for r in feed["schedule"]] == ["06:30:00-05:00"]


def test_the_board_is_the_localitys_administration(tmp_path: Path, demo_ds) -> None:
    feed, _ = export(demo_ds, tmp_path)
    admin = feed["locality"][0]["election_administration_id"]
    (dept,) = [d for d in feed["department"] if d["election_administration_id"] == admin]
    (contact,) = [c for c in feed["contact_information"] if c["parent_id"] == dept["id"]]
    board = demo_ds.board
    assert (contact["name"], contact["phone"], contact["uri"]) == (
        board.name,
        board.phone,
        board.url,
    )
    assert contact["address_line_1"] == "1 Demo Plaza"
    assert by_id(feed, "election_administration")[admin]["elections_uri"] == board.url


def test_coordinates_are_written_only_when_known(tmp_path: Path) -> None:
    unplaced = replace(place("30", "NOWHERE HALL", 0, 0), lat=None, lon=None, latlng_source="x")
    placed = replace(place("10", "FIRST CHURCH", 0.1, 0.1), latlng_source="address_points")
    polling = {ELECTION.day: {("TEST", "001"): placed, ("TEST", "002"): unplaced}}
    feed, _ = export(tiny_dataset(polling=polling), tmp_path)
    rows = {r["name"]: r for r in feed["polling_location"]}
    assert float(rows["FIRST CHURCH"]["latitude"]) == pytest.approx(placed.lat)
    assert float(rows["FIRST CHURCH"]["longitude"]) == pytest.approx(placed.lon)
    assert rows["FIRST CHURCH"]["latlng_source"] == "address_points"
    no = rows["NOWHERE HALL"]
    assert (no["latitude"], no["longitude"], no["latlng_source"]) == ("", "", "")


def test_text_with_commas_and_quotes_round_trips(tmp_path: Path) -> None:
    name = 'ST. MARK\'S "NEW" HALL, ANNEX'
    odd = replace(
        place("7,8", name, 0.1, 0.1), address=Address("1 MAIN ST, STE 2", "TESTVILLE", "NC")
    )
    feed, _ = export(tiny_dataset(polling={ELECTION.day: {("TEST", "001"): odd}}), tmp_path)
    (row,) = [r for r in feed["polling_location"] if r["is_early_voting"] == "false"]
    assert (row["name"], row["structured_line_1"]) == (name, "1 MAIN ST, STE 2")
    assert NCNAME.fullmatch(row["id"])  # the comma in the place id is escaped
    raw = (tmp_path / "vip" / "polling_location.txt").read_text(encoding="utf-8")
    assert '"ST. MARK\'S ""NEW"" HALL, ANNEX"' in raw


def test_an_incomplete_address_is_written_as_one_line(tmp_path: Path) -> None:
    odd = replace(place("10", "FIRST CHURCH", 0.1, 0.1), address=Address("1 MAIN ST"))
    feed, _ = export(tiny_dataset(polling={ELECTION.day: {("TEST", "001"): odd}}), tmp_path)
    (row,) = [r for r in feed["polling_location"] if r["is_early_voting"] == "false"]
    assert (row["address_line"], row["structured_line_1"]) == ("1 MAIN ST", "")


def test_demo_data_says_so_in_the_source(tmp_path: Path, demo_ds) -> None:
    feed, _ = export(demo_ds, tmp_path / "demo")
    assert "demo data" in feed["source"][0]["description"].lower()
    feed, _ = export(tiny_dataset(demo=True), tmp_path / "tiny-demo")
    assert "demo data" in feed["source"][0]["description"].lower()
    feed, _ = export(tiny_dataset(), tmp_path / "real")
    (source,) = feed["source"]
    assert "demo" not in source["description"].lower()
    assert source["date_time"] == "2028-10-01T09:00:00-04:00"
    assert datetime.fromisoformat(source["date_time"]).utcoffset() is not None


# ---- errors and the write ------------------------------------------------------------


def test_an_unknown_election_day_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"2026-11-03.*2028-11-07"):
        export_vip(tiny_dataset(), tmp_path / "vip", NOW, election_day=date(2027, 1, 1))
    assert list(tmp_path.iterdir()) == []


def test_an_unrelated_folder_is_refused_and_left_untouched(tmp_path: Path) -> None:
    out = tmp_path / "vip"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match=r"source\.txt"):
        export_vip(tiny_dataset(), out, NOW)
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["vip"]  # no temporary folder left


def test_a_file_in_the_way_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vip").write_text("not a folder")
    with pytest.raises(FileExistsError):
        export_vip(tiny_dataset(), tmp_path / "vip", NOW)
    assert (tmp_path / "vip").read_text() == "not a folder"


def test_a_previous_export_or_empty_folder_is_replaced_whole(tmp_path: Path) -> None:
    out = tmp_path / "vip"
    out.mkdir()
    export_vip(tiny_dataset(), out, NOW)  # an empty folder is fine
    (out / "stale.txt").write_text("from an older export")
    export_vip(tiny_dataset(version="test-2"), out, NOW)
    assert not (out / "stale.txt").exists()
    assert "test-2" in read_feed(out)["source"][0]["description"]
    assert [p.name for p in tmp_path.iterdir()] == ["vip"]  # no temporary or old folder


def test_a_failed_write_leaves_the_previous_export(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "vip"
    export_vip(tiny_dataset(), out, NOW)
    before = (out / "source.txt").read_text()

    def boom(*_a, **_k):
        raise OSError("disk full")

    monkeypatch.setattr("lookup.outputs.vip._write_table", boom)
    with pytest.raises(OSError, match="disk full"):
        export_vip(tiny_dataset(version="test-2"), out, NOW)
    assert (out / "source.txt").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["vip"]


def test_the_module_imports_neither_flask_nor_requests() -> None:
    code = (
        "import sys, lookup.outputs.vip\n"
        "print(','.join(m for m in ('flask', 'requests', 'werkzeug') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
