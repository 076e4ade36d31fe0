"""Completing the BOE's places from other sources, on small records: the name rules
(``place_names``), the matching rules (``enrich``), the cut flags of the NCSBE reader, the
join of cut precinct names, and the place-source reader's dispatch."""

from __future__ import annotations

import codecs
import json
from datetime import date
from pathlib import Path

import pytest

from lookup.domain.crosswalk import join_cut_names
from lookup.domain.models import Address
from lookup.geocode.place_merge import EARLY_VOTING_SITE, POLLING_PLACE, PlaceRecord
from lookup.ingest.enrich import ADDRESS_POINTS, Finding, Sources, find, same_town
from lookup.ingest.formats.registry import read_place_source, read_polling_places
from lookup.ingest.place_names import compare_form, completes, is_plausible, styled

MECK = "MECKLENBURG"
D2018, D2020 = date(2018, 11, 6), date(2020, 11, 3)
MORIAH = "GREATER MOUNT MORIAH BAPTIST C"  # NCSBE's 30 characters


def boe(
    name: str = MORIAH,
    line: str = "727 TRADE ST",
    cut: bool = True,
    lon: float | None = None,
    lat: float | None = None,
    kind: str = POLLING_PLACE,
    zip_code: str = "28202",
) -> PlaceRecord:
    """A place of the refresh's own 2020 polling-place file."""
    address = Address(line, "CHARLOTTE", "NC", zip_code)
    return PlaceRecord(name, kind, address, lon, lat, cut, MECK, "polling_place_2020.csv", D2020)


def source(
    name: str,
    line: str = "727 W TRADE ST",
    lon: float | None = -80.8461,
    lat: float | None = 35.2349,
    file: str = "pp1.kml",
    when: date | None = None,
    kind: str = POLLING_PLACE,
    county: str = MECK,
    city: str = "CHARLOTTE",
    zip_code: str = "28202",
    cut: bool = False,
) -> PlaceRecord:
    address = Address(line, city, "NC", zip_code)
    return PlaceRecord(name, kind, address, lon, lat, cut, county, file, when)


def nowhere(_address: Address) -> tuple[float, float] | None:
    return None


def run(target: PlaceRecord, *records: PlaceRecord, geocode=nowhere) -> Finding:
    return find(target, Sources(records), geocode)


# ---- the name rules ---------------------------------------------------------------------


def test_compare_form_ignores_case_spacing_and_punctuation() -> None:
    assert compare_form("St. Mark's  United-Methodist") == "ST MARKS UNITED METHODIST"
    assert compare_form("HICKORY GROVE BAPTIST CHURCH - NORTH CAMPUS").startswith(
        compare_form("HICKORY GROVE BAPTIST CHURCH N")
    )
    assert compare_form("A & B") == compare_form("a and b")


@pytest.mark.parametrize(
    ("published", "full", "cut", "expected"),
    [
        (MORIAH, "GREATER MOUNT MORIAH BAPTIST CHURCH", True, True),
        ("COOKS MEMORIAL PRESBYTERIAN  C", "Cooks Memorial Presbyterian Church", True, True),
        # Cut at a space (the trailing blank stripped): the file's flag says so.
        ("GREATER FELLOWSHIP MISSIONARY", "GREATER FELLOWSHIP MISSIONARY BAPTIST CHURCH", True, True),
        # Not flagged, but the other name goes on with the same word: it ends mid-word.
        ("UNIVERSITY CITY REGIONAL LIBRA", "UNIVERSITY CITY REGIONAL LIBRARY", False, True),
        # Not flagged and ending on a whole word: a longer name is another name.
        ("BIBLE BAPTIST CHURCH", "BIBLE BAPTIST CHURCH - GYM", False, False),
        ("FIRE STATION 1", "FIRE STATION 13", False, False),
        # Never a name that does not begin with the cut one.
        (MORIAH, "MORIAH BAPTIST CHURCH", True, False),
        (MORIAH, "GREATER MT MORIAH BAPTIST CHURCH", True, False),
        (MORIAH, MORIAH, True, False),  # the same name completes nothing
    ],
)  # fmt: skip
def test_completes(published: str, full: str, cut: bool, expected: bool) -> None:
    assert completes(published, full, cut) is expected


@pytest.mark.parametrize("name", ["Q", "AB", "TBD", "t.b.d.", "12", "# 7", "N/A", "  "])
def test_placeholder_names(name: str) -> None:
    assert not is_plausible(name)


@pytest.mark.parametrize("name", ["YMCA", "Q CENTER", "FIRE STATION 13", "4-H CLUB"])
def test_short_real_names_are_plausible(name: str) -> None:
    assert is_plausible(name)


def test_a_full_name_is_written_as_the_boe_writes() -> None:
    assert styled("Greenway Park  Elementary School", "GREENWAY PARK ELEMENTARY SCHOO") == (
        "GREENWAY PARK ELEMENTARY SCHOOL"
    )
    assert styled("Greenway Park Elementary School", "Greenway Park Elem") == (
        "Greenway Park Elementary School"
    )


# ---- matching ---------------------------------------------------------------------------


def test_a_cut_name_takes_the_full_name_and_the_point_at_its_address() -> None:
    """NCSBE's TSV drops the directional pp1.kml writes (727 TRADE ST / 727 W TRADE ST)."""
    f = run(boe(), source("GREATER MOUNT MORIAH BAPTIST CHURCH"))
    assert f.name == "GREATER MOUNT MORIAH BAPTIST CHURCH"
    assert (f.name_source, f.name_complete, f.completed) == ("pp1.kml", True, True)
    assert (f.point, f.latlng_source) == ((-80.8461, 35.2349), "pp1.kml")


def test_never_a_name_that_does_not_begin_with_the_cut_one() -> None:
    f = run(
        boe("GOVERNOR'S VILLAGE STEM ACADEM", "7910 NEAL RD"),
        source("NATHANIEL ALEXANDER ELEMENTARY SCHOOL", "7910 NEAL RD"),
    )
    assert f.name == "GOVERNOR'S VILLAGE STEM ACADEM" and not f.completed
    assert not f.name_complete  # still cut: said in the report, with what the source says
    assert f.other_names == (("NATHANIEL ALEXANDER ELEMENTARY SCHOOL", "pp1.kml"),)
    assert f.point == (-80.8461, 35.2349)  # the same building all the same: its point


def test_a_full_name_at_another_address_is_not_taken() -> None:
    f = run(
        boe("STEELE CREEK PRESBYTERIAN CHUR", "15000 YORK RD"),
        source("STEELE CREEK PRESBYTERIAN CHURCH", "7407 STEELE CREEK RD"),
    )
    assert not f.completed and f.records == 0 and f.point is None


def test_never_move_a_place_that_has_coordinates() -> None:
    own = boe(lon=-80.80, lat=35.20)
    f = run(
        own,
        source("GREATER MOUNT MORIAH BAPTIST CHURCH"),
        geocode=lambda _a: (-80.0, 35.0),
    )
    assert f.point is None and f.latlng_source == ""  # the BOE's point stands
    assert f.name == "GREATER MOUNT MORIAH BAPTIST CHURCH"  # the name is still completed


def test_two_different_full_names_keep_the_boe_name() -> None:
    f = run(
        boe(),
        source("GREATER MOUNT MORIAH BAPTIST CHURCH"),
        source("Greater Mount Moriah Baptist Church Annex", file="churches.geojson"),
    )
    assert f.name == MORIAH and not f.completed and not f.name_complete
    assert f.conflicting == (
        ("GREATER MOUNT MORIAH BAPTIST CHURCH", "pp1.kml"),
        ("Greater Mount Moriah Baptist Church Annex", "churches.geojson"),
    )


def test_the_same_full_name_from_several_sources_is_one_name() -> None:
    f = run(
        boe(),
        source("Greater Mount Moriah Baptist Church", file="churches.geojson"),
        source("GREATER MOUNT MORIAH BAPTIST CHURCH", when=D2018, file="ossite_2018.kml"),
    )
    assert f.name == "GREATER MOUNT MORIAH BAPTIST CHURCH"
    assert f.name_source == "ossite_2018.kml"  # the most recent (dated) source


def test_a_source_with_the_same_name_confirms_a_name_that_filled_the_field() -> None:
    wesley = "WESLEY UNITED METHODIST CHURCH"  # 30 characters, and whole
    assert run(boe(wesley, "3715 REA RD"), source(wesley, "3715 REA RD")).name_complete
    assert not run(boe(wesley, "3715 REA RD")).name_complete  # nothing says: may be cut


def test_cut_records_complete_nothing() -> None:
    earlier = source(MORIAH + "X", file="polling_place_2016.csv", when=date(2016, 11, 8), cut=True)
    assert not run(boe(), earlier).completed


def test_the_town_must_agree() -> None:
    assert same_town(Address("1 A ST", "CHARLOTTE", zip="28202"), Address("1 A ST", "", zip=""))
    # The ZIP fixed on one building (McKee Road Elementary, 28226 -> 28270): same town.
    assert same_town(
        Address("1 A ST", "CHARLOTTE", zip="28226"), Address("1 A ST", "CHARLOTTE", zip="28270")
    )
    # Mint Hill's places have a Charlotte postal city: the ZIP says they are one.
    assert same_town(
        Address("1 A ST", "CHARLOTTE", zip="28227"), Address("1 A ST", "MINT HILL", zip="28227")
    )
    assert not same_town(
        Address("1 A ST", "CHARLOTTE", zip="28202"), Address("1 A ST", "MATTHEWS", zip="28105")
    )
    assert not same_town(Address("1 A ST", "", zip="28202"), Address("1 A ST", "", zip="28105"))
    f = run(boe(), source("GREATER MOUNT MORIAH BAPTIST CHURCH", city="MATTHEWS", zip_code="28105"))
    assert not f.completed and f.point is None
    assert run(boe(), source("GREATER MOUNT MORIAH BAPTIST CHURCH", city="", zip_code="")).completed
    assert not run(boe(), source("GREATER MOUNT MORIAH BAPTIST CHURCH", county="UNION")).completed
    # A record without a county (a layer that does not say; the refresh assigns one) is none.
    assert not run(boe(), source("GREATER MOUNT MORIAH BAPTIST CHURCH", county="")).completed


def test_a_dropped_directional_matches_only_one_other_address() -> None:
    west = source("GREATER MOUNT MORIAH BAPTIST CHURCH", "727 W TRADE ST")
    east = source("GREATER MOUNT MORIAH BAPTIST CHURCH ANNEX", "727 E TRADE ST", lon=-80.84)
    assert not run(boe(), west, east).completed  # W or E: the TSV does not say
    # The record names a directional the BOE contradicts: another street.
    assert not run(boe(line="727 E TRADE ST"), west).completed
    # EXT, a unit, a directional after the street: only one side writes them.
    for theirs, ours in (
        ("10801 PLAZA RD EXT", "10801 PLAZA RD"),
        ("1000 ANDERSON ST # C", "1000 ANDERSON ST"),
        ("5027 IDLEWILD RD N", "5027 IDLEWILD RD"),
        ("301 E W T HARRIS BLVD", "301 W T HARRIS BLVD"),
    ):
        f = run(
            boe("SOME PLACE FOR THE VOTERS OF TH", ours),
            source("SOME PLACE FOR THE VOTERS OF THE CITY", theirs),
        )
        assert f.completed, theirs


def test_coordinates_from_a_record_before_the_address_points() -> None:
    called: list[Address] = []

    def geocode(a: Address) -> tuple[float, float]:
        called.append(a)
        return (-80.9, 35.1)

    placed = run(boe(), source("GREATER MOUNT MORIAH BAPTIST CHURCH"), geocode=geocode)
    assert placed.latlng_source == "pp1.kml" and not called
    unplaced_source = source("GREATER MOUNT MORIAH BAPTIST CHURCH", lon=None, lat=None)
    f = run(boe(), unplaced_source, geocode=geocode)
    assert (f.point, f.latlng_source) == ((-80.9, 35.1), ADDRESS_POINTS)
    assert f.completed  # the name from a record without a point


def test_the_best_point_same_kind_then_most_recent() -> None:
    site = source("X", lon=-80.1, file="ossite_2018.kml", when=D2018, kind=EARLY_VOTING_SITE)
    pp = source("X", lon=-80.2, file="pp1.kml")
    older = source("X", lon=-80.3, file="polling_place_2016.csv", when=date(2016, 11, 8))
    library = source("X", lon=-80.4, file="libraries.geojson", kind="library")
    assert run(boe(), library, site, older, pp).latlng_source == "polling_place_2016.csv"
    assert run(boe(), library, site, pp).latlng_source == "pp1.kml"
    assert run(boe(kind=EARLY_VOTING_SITE), library, site, pp).latlng_source == "ossite_2018.kml"
    assert run(boe(), library).latlng_source == "libraries.geojson"


def test_a_record_of_the_place_s_own_list_is_no_evidence() -> None:
    own = boe()
    same_list = PlaceRecord(
        MORIAH + "CH", POLLING_PLACE, own.address, -80.8, 35.2, False, MECK, own.source, own.when
    )
    f = run(own, same_list)
    assert not f.completed and f.point is None and f.records == 0


def test_a_placeholder_name_is_flagged_with_the_earlier_name() -> None:
    q = boe("Q", "3701 HAVEN DR", cut=False)
    f = run(
        q,
        source("PARK ROAD MONTESSORI SCHOOL", "3701 HAVEN DR"),
        source("PARK ROAD MONTESSORI SCHOOL", "3701 HAVEN DR", file="polling_place_20181106.csv",
               when=D2018, lon=None, lat=None),
        source("Quail Hollow Middle", "3701 HAVEN DR", file="schools.geojson", kind="school"),
    )  # fmt: skip
    assert not f.name_plausible and f.name == "Q" and not f.completed  # never "completed"
    assert f.earlier == ("PARK ROAD MONTESSORI SCHOOL", "polling_place_20181106.csv")
    assert f.point == (-80.8461, 35.2349)
    assert run(boe("TBD", "3701 HAVEN DR", cut=False)).earlier is None


# ---- the readers and the precinct join ----------------------------------------------------

HEADER = (
    "election_dt\tcounty_name\tpolling_place_id\tpolling_place_name\tprecinct_name\t"
    "house_num\tstreet_name\tcity\tstate\tzip"
)


def ncsbe_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    """An NCSBE-shaped file (UTF-16, tabs, CRLF) with (place name, precinct name) rows,
    written as NCSBE does: cells cut at 30 characters keep a trailing blank."""
    lines = [HEADER] + [
        f"11/03/2020\tCALDWELL\t{n}\t{name}\t{pct}\t{100 + n}\tMAIN ST\tLENOIR\tNC\t28645"
        for n, (name, pct) in enumerate(rows)
    ]
    path.write_bytes(codecs.BOM_UTF16_LE + "\r\n".join(lines).encode("utf-16-le"))
    return path


def test_the_reader_flags_cells_that_fill_the_30_characters(tmp_path: Path) -> None:
    path = ncsbe_file(
        tmp_path / "polling_place_20201103.csv",
        [
            ("GREATER FELLOWSHIP MISSIONARY ", "GLOBE/JOHNS RIVER/MULBERRY/WIL"),
            ("GREENWAY PARK ELEMENTARY SCHOO", "LOWER CREEK"),
            ("BIBLE BAPTIST CHURCH", "PATTERSON"),
        ],
    )
    rows = read_polling_places(path)
    assert [(r.name, r.name_cut, r.precinct_cut) for r in rows] == [
        ("GREATER FELLOWSHIP MISSIONARY", True, True),  # cut at a space: the blank counts
        ("GREENWAY PARK ELEMENTARY SCHOO", True, False),
        ("BIBLE BAPTIST CHURCH", False, False),
    ]
    longer = ncsbe_file(tmp_path / "full.csv", [(MORIAH, "A"), (MORIAH + "HURCH", "B")])
    assert not any(r.name_cut for r in read_polling_places(longer))  # this file cuts nothing


def test_a_cut_precinct_name_joins_the_one_precinct_it_begins() -> None:
    caldwell = [
        ("CALDWELL", "GLOBE", "GLOBE/JOHNS RIVER/MULBERRY/WILSON CREEK"),
        ("CALDWELL", "LOWER CREEK", "LOWER CREEK"),
        ("CALDWELL", "LC2", "LOWER CREEK 2"),
        ("BURKE", "GLOBE2", "GLOBE/JOHNS RIVER/MULBERRY/WILSON CREEK"),
    ]
    joined = join_cut_names(
        caldwell,
        [("CALDWELL", "GLOBE/JOHNS RIVER/MULBERRY/WIL"), ("CALDWELL", "LOWER CRE"), ("WAKE", "X")],
    )
    assert joined == {
        ("CALDWELL", "GLOBE/JOHNS RIVER/MULBERRY/WIL"): (
            "GLOBE",
            "GLOBE/JOHNS RIVER/MULBERRY/WILSON CREEK",
        )
    }  # LOWER CRE begins two names: it joins neither


def test_place_sources_told_apart(tmp_path: Path) -> None:
    earlier = ncsbe_file(tmp_path / "polling_place_earlier.csv", [(MORIAH, "PCT 1")])
    (r,) = read_place_source(earlier, "CALDWELL", D2020)
    assert (r.kind, r.county, r.source, r.when, r.cut) == (
        POLLING_PLACE,
        "CALDWELL",
        "polling_place_earlier.csv",
        date(2020, 11, 3),
        True,
    )
    layer = tmp_path / "churches.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "Greater Mount Moriah Baptist Church", "address": "727 W Trade St",
                       "county": "Mecklenburg County"},
        "geometry": {"type": "Point", "coordinates": [-80.8461, 35.2349]},
    }  # fmt: skip
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    (church,) = read_place_source(layer, None, D2020)
    assert (church.kind, church.county, church.source, church.when) == (
        "church",
        MECK,
        "churches.geojson",
        None,
    )
    assert read_place_source(layer, "UNION", D2020) == []  # the layer says another county


def test_spellings_of_one_full_name_are_no_conflict() -> None:
    f = run(
        boe("WATAUGA COUNTY ADMINISTRATION", "842 W KING ST"),
        source("WATAUGA COUNTY ADMINISTRATION BLDG", "842 W KING ST"),
        source("WATAUGA COUNTY ADMINISTRATION BUILDING", "842 W KING ST",
               file="ossite_2018.kml", when=D2018, kind=EARLY_VOTING_SITE),
    )  # fmt: skip
    assert (f.name, f.name_source) == ("WATAUGA COUNTY ADMINISTRATION BLDG", "pp1.kml")
    assert not f.conflicting
