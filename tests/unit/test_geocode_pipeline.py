"""The address pipeline stage by stage (clean -> readings -> candidates -> by precinct ->
answer), on an address table shaped like a real county list: one building listed twice in
two spellings and points 40 m apart, ZIPs on some rows only, several points per address."""

from __future__ import annotations

from datetime import datetime

import pytest
from support.builders import address_frame, lonlat, tiny_dataset

from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import (
    AddressAmbiguous,
    AddressIncomplete,
    AddressNotFound,
    AddressUnparseable,
    InvalidParameter,
    NumberMissing,
)
from lookup.geocode.candidates import find, point_of
from lookup.geocode.chain import locate_address
from lookup.geocode.local import AddressIndex, AddressPoint
from lookup.geocode.normalize import ParsedAddress, canonical_street, normalize_zip
from lookup.geocode.readings import clean, readings
from lookup.geocode.resolve import by_precinct, representative
from lookup.service import AddressQuery, find_polling_place

NOW = datetime(2028, 10, 20, 9, 0, tzinfo=LOCAL_TZ)
T, Z = "TESTVILLE", "28999"
D = 0.036  # about 40 m in the builders' unit squares (0.01 degree each)
ROWS = [
    # One building, two sources: long spelling without ZIP, short spelling with it.
    ("600 EAST BOULEVARD", "", T, "", 1.2, 0.2),
    ("600 E BLVD", "", T, Z, 1.2 + D, 0.2),
    # A complex: a parcel point and three buildings' points, all in 002.
    ("900 PARK PL", "", T, Z, 1.5, 0.5),
    ("900 PARK PL", "A", T, Z, 1.5 + D, 0.5),
    ("900 PARK PL", "B", T, Z, 1.5, 0.5 + D),
    ("900 PARK PL", "C", T, Z, 1.9, 0.9),
    # A complex astride the 001|002 line.
    ("50 LINE CT", "1", T, Z, 0.9, 0.5),
    ("50 LINE CT", "2", T, Z, 0.95, 0.52),
    ("50 LINE CT", "3", T, Z, 1.1, 0.5),
    # A street wholly in 002, and one that crosses from 001 into 002.
    ("10 SUNSET RD", "", "HILLTOWN", "28997", 1.3, 0.8),
    ("20 SUNSET RD", "", "HILLTOWN", "28997", 1.35, 0.8),
    ("30 SUNSET RD", "", "HILLTOWN", "28997", 1.4, 0.8),
    ("10 RIVER RD", "", T, Z, 0.2, 0.9),
    ("90 RIVER RD", "", T, Z, 1.8, 0.9),
    # A row without ZIP or city (a facility layer) and a highway in its county form.
    ("1 INDEPENDENCE CTR", "", "", "", 1.7, 0.3),
    ("12000 NC 73 HY", "", T, Z, 1.6, 0.1),
    ("400 US HWY 21", "", T, "", 0.3, 0.1),
    ("2412 BEATTIES FORD RD", "", T, "", 0.6, 0.2),
    # The same number and street in another town, in another precinct.
    ("2412 BEATTIES FORD RD", "", "OTHERTON", "28998", 1.6, 0.7),
]


@pytest.fixture(scope="module")
def ds():
    return tiny_dataset(addresses=ROWS)


def where(ds, text: str):
    return find_polling_place(ds, AddressQuery(text), NOW)


# ---- stage 1: clean --------------------------------------------------------------------
def test_clean_refuses_empty_and_oversized_and_drops_control_characters() -> None:
    assert clean(" 600 E Blvd\u200b\t") == "600 E Blvd"
    with pytest.raises(InvalidParameter):
        clean("   ")
    with pytest.raises(InvalidParameter):
        clean("9" * 500)


# ---- stage 2: readings -----------------------------------------------------------------
def test_highway_forms_are_one_key() -> None:
    keys = {
        canonical_street(s)
        for s in ("12000 NC 73 HY", "12000 NC Highway 73", "12000 NC 73", "12000 N.C. Hwy 73")
    }
    assert keys == {"12000 NC HWY 73"}
    assert canonical_street("400 US 21") == canonical_street("400 US Highway 21") == "400 US HWY 21"
    assert canonical_street("5 I-77") == canonical_street("5 Interstate 77") == "5 I 77"
    assert canonical_street("12 Mile Rd") == "12 MILE RD"  # a number is no route on its own
    assert canonical_street("8 Coastal Hwy") == "8 COASTAL HWY"


@pytest.mark.parametrize(
    ("value", "zip_code"),
    [(28202, "28202"), (28202.0, "28202"), ("28202.0", "28202"), ("28202-1234", "28202"),
     ("282021234", "28202"), (282021234, "28202"), (float("nan"), ""), (None, ""), ("", ""),
     ("2820", ""), (2134, "02134"), ("N/A", "")],
)  # fmt: skip
def test_zip_from_any_cell(value: object, zip_code: str) -> None:
    assert normalize_zip(value) == zip_code


def test_readings_fix_the_town_and_read_words(ds) -> None:
    index, counties = ds.addresses, ("TEST",)
    (r,) = readings(index, "2412 Beatties Ford Rd, Test County", counties)
    assert r.city == "" and r.street == "2412 BEATTIES FORD RD"
    (r,) = readings(index, "2412 Beatties Ford Rd, Testvile", counties)
    assert r.city == T and r.notes == ("town_corrected",)
    (r,) = readings(index, "2412 Beatties Ford Rd, Gastonia", counties)
    assert r.city == "GASTONIA"  # no town on file is near it: kept, so nothing matches it
    assert readings(index, "One Independence Center", counties)[0].street == "1 INDEPENDENCE CTR"


def test_a_street_alone_is_read_without_number(ds) -> None:
    (r,) = readings(ds.addresses, "Sunset Rd, Hilltown", ())
    assert (r.number, r.street, r.city) == ("", "SUNSET RD", "HILLTOWN")
    (r,) = readings(ds.addresses, "sunset road hilltown nc 28997", ())
    assert (r.street, r.city, r.zip) == ("SUNSET RD", "HILLTOWN", "28997")
    with pytest.raises(AddressIncomplete):
        readings(ds.addresses, "28997", ())


# ---- stage 3: candidates ---------------------------------------------------------------
def test_a_field_a_row_lacks_never_counts_against_it(ds) -> None:
    found = find(ds.addresses, ParsedAddress("600 E BLVD", "600", zip=Z, city=T))
    assert len(found.rows) == 2 and not found.confirm
    found = find(ds.addresses, ParsedAddress("1 INDEPENDENCE CTR", "1", zip=Z, city=T))
    assert len(found.rows) == 1 and not found.confirm


def test_a_contradicting_field_makes_candidates_to_confirm(ds) -> None:
    found = find(ds.addresses, ParsedAddress("600 E BLVD", "600", zip="28111"))
    assert found.confirm == "locality_mismatch" and len(found.rows) == 2


def test_the_unit_given_narrows_the_building(ds) -> None:
    found = find(ds.addresses, ParsedAddress("900 PARK PL", "900", unit="C"))
    assert [r.unit for r in found.rows] == ["C"]
    found = find(ds.addresses, ParsedAddress("900 PARK PL", "900", unit="Z"))
    assert len(found.rows) == 4 and "unit_not_found" in found.notes


# ---- stage 4: by precinct --------------------------------------------------------------
def _pt(x: float, y: float, unit: str = "") -> AddressPoint:
    lon, lat = lonlat(x, y)
    return AddressPoint("1 A ST", unit, T, T, Z, lon, lat)


def test_rows_in_one_precinct_are_one_group_with_the_middle_building_point(ds) -> None:
    rows = (_pt(1.5, 0.5, "A"), _pt(1.52, 0.5), _pt(1.9, 0.9, "B"), _pt(1.5, 0.52, "C"))
    (g,) = by_precinct(rows, ds.index)
    assert ds.precincts[g.precinct].id == "002" and g.points == 4
    assert g.point == rows[1]  # the building's own point, not a unit's
    assert representative([_pt(1.5, 0.5, "A"), _pt(1.51, 0.5, "B"), _pt(1.9, 0.9, "C")]).unit == "B"


def test_rows_in_two_precincts_are_two_groups_the_larger_first(ds) -> None:
    rows = (_pt(0.9, 0.5), _pt(1.1, 0.5), _pt(1.2, 0.5), _pt(9.0, 9.0))  # last: outside
    groups = by_precinct(rows, ds.index)
    assert [(ds.precincts[g.precinct].id, g.points) for g in groups] == [("002", 2), ("001", 1)]


def test_point_of_a_published_address_needs_the_rows_to_agree(ds) -> None:
    assert point_of(ds.addresses, "600 East Blvd", T, Z) is not None
    assert point_of(ds.addresses, "900 Park Pl", "", "") is None  # 60 m+ apart: which one?
    assert point_of(ds.addresses, "2412 Beatties Ford Rd", "", "") is None  # two towns


# ---- stage 5: the answer ---------------------------------------------------------------
def test_one_building_in_two_spellings_is_one_answer(ds) -> None:
    for text in ("600 East Boulevard", "600 E Blvd, 28999", "600 e blvd testville nc"):
        a = where(ds, text)
        assert a.precinct.id == "002" and a.match.points == 2, text


def test_a_complex_in_one_precinct_is_one_answer_and_astride_a_line_asks(ds) -> None:
    assert where(ds, "900 Park Pl").precinct.id == "002"
    assert where(ds, "50 Line Ct Unit 3").precinct.id == "002"
    with pytest.raises(AddressAmbiguous) as e:
        where(ds, "50 Line Ct")
    cands = e.value.details["candidates"]
    assert [(c["precinct"]["id"], c["points"]) for c in cands] == [("001", 2), ("002", 1)]


def test_same_address_in_two_towns_and_two_precincts_asks_which(ds) -> None:
    with pytest.raises(AddressAmbiguous) as e:
        where(ds, "2412 Beatties Ford Rd")
    assert len(e.value.details["candidates"]) == 2
    assert where(ds, "2412 Beatties Ford Rd, Testvile").precinct.id == "001"
    assert where(ds, "2412 Beatties Ford Rd, Test County, 28999").precinct.id == "001"
    a = where(ds, "2412 Beatties Ford Rd, Testvile")
    assert "town_corrected" in a.notices


def test_another_town_is_never_answered(ds) -> None:
    with pytest.raises(AddressAmbiguous) as e:
        where(ds, "600 E Blvd, Gastonia")
    assert e.value.details["reason"] == "locality_mismatch"


def test_number_words_highways_and_zip_plus_4(ds) -> None:
    assert where(ds, "One Independence Ctr, Testville 28999").precinct.id == "002"
    for text in ("12000 NC 73 HY", "12000 Highway 73", "12000 NC Highway 73, Testville"):
        assert where(ds, text).precinct.id == "002", text
    assert where(ds, "400 US 21").precinct.id == "001"
    assert where(ds, "400 Hwy 21, Testville").precinct.id == "001"
    assert where(ds, "600 E Blvd, Testville, NC 28999-1234").precinct.id == "002"


def test_a_street_wholly_in_one_precinct_is_answered_to_verify(ds) -> None:
    a = where(ds, "Sunset Rd, Hilltown")
    assert a.precinct.id == "002" and a.verify and "street_only" in a.notices
    assert a.match.points == 3 and not a.match.address[:1].isdigit()


def test_a_street_across_precinct_lines_asks_for_the_number(ds) -> None:
    with pytest.raises(NumberMissing) as e:
        where(ds, "River Rd")
    assert e.value.status == 422 and e.value.code == "address_incomplete"
    assert e.value.details["reason"] == "no_number"
    assert sorted(p["precinct"]["id"] for p in e.value.details["precincts"]) == ["001", "002"]


def test_a_street_in_another_town_or_unknown_words(ds) -> None:
    with pytest.raises(AddressNotFound):
        where(ds, "Sunset Rd, Testville")
    with pytest.raises(AddressUnparseable):
        where(ds, "hello there")


def test_locate_address_is_the_whole_pass(ds) -> None:
    located = locate_address(ds, "600 EAST BOULEVARD, TESTVILLE")
    assert ds.precincts[located.hit.index].id == "002" and not located.verify


def test_address_frame_rows_without_zip_build(ds) -> None:
    index = AddressIndex.build(address_frame(ROWS[:2]))
    assert index.size == 2 and index.has_key("600 E BLVD")


def test_slips_in_a_name_that_is_a_direction_or_ends_in_a_type_word() -> None:
    rows = [
        ("2157 WEST BLVD", "", T, Z, 1.2, 0.2),  # W BLVD on file, in 002
        ("2157 N WEST BLVD", "", T, Z, 0.2, 0.2),  # a near miss in 001
        ("3756 GARDEN HOLLOW DR", "", T, Z, 1.4, 0.4),  # in 002
        ("3756 GARDEN WAY", "", T, Z, 0.3, 0.3),  # in 001
    ]
    ds = tiny_dataset(addresses=rows)
    for text in ("2157 Wets Blvd", "2157 Wst Blvd, Testville", "3756 Garden Hollow"):
        assert where(ds, text).precinct.id == "002", text


def test_a_postal_city_the_table_lists_with_the_zip_is_that_town() -> None:
    rows = [
        ("7151 MATTHEWS MINT HILL RD", "", "MINT HILL", "28227", 1.4, 0.4),
        ("9000 OTHER RD", "", "CHARLOTTE", "28227", 0.2, 0.2),
        ("10 ELSEWHERE RD", "", "PINEVILLE", "28134", 0.3, 0.3),
    ]
    ds = tiny_dataset(addresses=rows)
    assert where(ds, "7151 Matthews Mint Hill Rd, Charlotte, NC 28227").precinct.id == "002"
    assert where(ds, "7151 Matthews Mint Hill Rd, Charlotte").precinct.id == "002"
    with pytest.raises(AddressAmbiguous):  # Pineville is not a town of 28227
        where(ds, "7151 Matthews Mint Hill Rd, Pineville")


def test_a_street_alone_shows_its_whole_street_as_parsed(ds) -> None:
    a = where(ds, "Sunset Rd, Hilltown")
    assert dict(a.match.parsed) == {"street": "SUNSET RD", "city": "HILLTOWN"}


def test_a_reading_that_fits_wins_over_a_misreading_to_confirm() -> None:
    # The CRF parser reads "Pointe" as the town; the plain reading finds the street.
    rows = [
        ("434 COTTONWOOD POINTE DR", "", "HUNTERSVILLE", Z, 1.4, 0.4),
        ("434 COTTONWOOD RD", "", T, Z, 0.3, 0.3),
    ]
    ds = tiny_dataset(addresses=rows)
    assert where(ds, "434 Cottonwood Pointe, Huntersville").precinct.id == "002"


def test_a_numbered_street_without_a_house_number_is_a_street() -> None:
    rows = [("10 5TH ST", "", T, Z, 1.2, 0.2), ("20 5TH ST", "", T, Z, 1.3, 0.2)]
    a = where(tiny_dataset(addresses=rows), "5th St, Testville")
    assert a.precinct.id == "002" and "street_only" in a.notices and a.verify
