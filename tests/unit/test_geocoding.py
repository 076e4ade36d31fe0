"""The address chain: exact, fuzzy, interpolated, remote; bad input; verify near lines."""

from __future__ import annotations

from datetime import datetime

import pytest
from support.builders import DEFAULT_ADDRESSES, lonlat, tiny_dataset

from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import (
    AddressAmbiguous,
    AddressIncomplete,
    AddressNotFound,
    AddressPoBox,
    AddressUnparseable,
    GeocoderUnavailable,
    InvalidParameter,
    OutsideJurisdiction,
    ServiceError,
)
from lookup.geocode.base import CENSUS, Candidate
from lookup.geocode.chain import locate_address
from lookup.geocode.normalize import parse_address, parse_simple
from lookup.service import AddressQuery, PointQuery, find_polling_place

NOW = datetime(2028, 10, 20, 9, 0, tzinfo=LOCAL_TZ)
T, Z = "TESTVILLE", "28999"
EXTRA = [
    ("4337 GLENWOOD DR", "", T, Z, 0.2, 0.8),
    ("20 GLENWOOD DR", "", T, Z, 0.25, 0.8),
    ("20 GLENWOOD DR", "", "OTHERTON", "28998", 1.25, 0.8),
    ("310 N TRYON ST", "", T, Z, 1.3, 0.3),
    ("312 N TRYON ST", "", T, Z, 1.3, 0.35),
    ("312 S TRYON ST", "", T, Z, 1.6, 0.6),
    ("314 N TRYON ST", "", T, Z, 1.3, 0.4),  # in 002
    ("314 S TRYON ST", "", T, Z, 0.2, 0.6),  # in 001
    ("12 E MAIN ST", "", T, Z, 1.7, 0.7),
    ("7151 MATTHEWS MINT HILL RD", "", "MINT HILL", Z, 1.4, 0.4),
    ("100 E 4TH ST", "", T, Z, 0.7, 0.2),
    ("150 OAKS ST", "", T, Z, 1.8, 0.2),
    ("123 1/2 MAIN ST", "", T, Z, 1.1, 0.15),
    ("6800 MONROE RD", "", T, Z, 1.5, 0.8),
    ("6800 N MONROE RD", "", T, Z, 1.9, 0.9),
    ("6624 WALSH BV", "", T, Z, 1.5, 0.9),
    ("12100 SHOPTON RD W", "", T, Z, 1.2, 0.9),
]
# BORDER RD runs north along the 001|002 line: odd numbers on its west (left) side.
STREETS = [
    ("Border Rd", 1, 99, 2, 98, Z, [(1.0, 0.1), (1.0, 0.9)]),
    ("Pine Ln", 1, 99, 2, 98, Z, [(1.3, 0.5), (1.7, 0.5)]),
]


@pytest.fixture(scope="module")
def ds():
    return tiny_dataset(addresses=DEFAULT_ADDRESSES + EXTRA, streets=STREETS)


def where(ds, text: str):
    return find_polling_place(ds, AddressQuery(text), NOW)


# ---- fuzzy ------------------------------------------------------------------------
def test_one_letter_typo_is_corrected_with_a_lower_score(ds) -> None:
    a = where(ds, "4337 Glenwod Drive, Testville")
    assert a.match.address.startswith("4337 GLENWOOD DR")
    assert a.match.source == "address_point" and 0.85 <= a.match.score < 1
    assert "spelling_corrected" in a.notices
    assert a.match.normalized == "4337 GLENWOD DR, TESTVILLE"
    assert dict(a.match.parsed) == {"number": "4337", "street": "GLENWOD DR", "city": "TESTVILLE"}


def test_typo_on_a_street_in_two_towns_asks_which(ds) -> None:
    with pytest.raises(AddressAmbiguous) as e:
        where(ds, "20 Glenwod Dr")
    assert e.value.details["reason"] == "several_match"
    towns = {c["address"].split(", ")[1] for c in e.value.details["candidates"]}
    assert towns == {"TESTVILLE", "OTHERTON"}
    assert all(c["precinct"] for c in e.value.details["candidates"])
    assert where(ds, "20 Glenwod Dr, Otherton").precinct.id == "002"


def test_missing_directional_is_filled_in_when_only_one_fits(ds) -> None:
    a = where(ds, "310 Tryon St")
    assert a.match.address.startswith("310 N TRYON ST")
    assert "directional_assumed" in a.notices


def test_two_fits_in_one_precinct_are_one_answer(ds) -> None:
    # N and S Tryon both have a 312, both in 002: the voter's precinct is certain.
    a = where(ds, "312 Tryon Street")
    assert a.precinct.id == "002" and a.match.points == 2


def test_missing_directional_with_fits_in_two_precincts_asks_per_precinct(ds) -> None:
    with pytest.raises(AddressAmbiguous) as e:
        where(ds, "314 Tryon Street")
    cands = e.value.details["candidates"]
    assert sorted(c["precinct"]["id"] for c in cands) == ["001", "002"]
    assert {c["address"].split(",")[0] for c in cands} == {"314 N TRYON ST", "314 S TRYON ST"}


def test_a_different_directional_is_a_different_street(ds) -> None:
    with pytest.raises(AddressNotFound):
        where(ds, "12 W Main St")


def test_an_existing_street_name_is_not_respelled(ds) -> None:
    # OAK ST exists (without number 150); OAKS ST has 150: never silently the other street.
    with pytest.raises(AddressNotFound):
        where(ds, "150 Oak St")


def test_type_left_out_ending_on_a_suffix_word(ds) -> None:
    a = where(ds, "7151 Matthews-Mint Hill, Mint Hill")
    assert a.match.address.startswith("7151 MATTHEWS MINT HILL RD")


def test_ordinal_words_and_trailing_city_without_comma(ds) -> None:
    assert where(ds, "100 East Fourth Street").match.address.startswith("100 E 4TH ST")
    assert where(ds, "600 East Boulevard Testville").precinct.id == "002"
    assert where(ds, "123 1/2 Main St").match.address.startswith("123 1/2 MAIN ST")


def test_fewest_letters_changed_then_fewest_parts_filled_in(ds) -> None:
    # One letter off both; "MONROE RD" needs nothing filled in, "N MONROE RD" a directional.
    a = where(ds, "6800 Montoe Rd, Testville")
    assert a.match.address.startswith("6800 MONROE RD,") and a.precinct.id == "002"


def test_county_abbreviations_and_a_city_after_a_suffix_directional(ds) -> None:
    assert where(ds, "6624 Walsh Boulevard").match.address.startswith("6624 WALSH BV")
    assert where(ds, "12100 Shopton Rd W Testville").match.address.startswith("12100 SHOPTON")


def test_unit_not_on_file_falls_back_to_the_building(ds) -> None:
    a = where(ds, "40 Elm Ave Apt 9")
    assert a.match.address.startswith("40 ELM AVE,")
    assert "unit_not_found" in a.notices


# ---- bad input ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "error", "reason"),
    [
        ("", InvalidParameter, "empty"),
        ("\x00\x07 \u200b", InvalidParameter, "empty"),
        ("x" * 1000, InvalidParameter, "too_long"),
        ("4337", AddressIncomplete, "number_only"),
        ("28202", AddressIncomplete, "zip_only"),
        ("NC 28202", AddressIncomplete, "zip_only"),
        ("PO Box 123, Charlotte NC", AddressPoBox, None),
        ("P.O. Box 55", AddressPoBox, None),
        ("1600 Pennsylvania Ave NW, Washington, DC 20500", OutsideJurisdiction, "other_state"),
        ("123 Main St, Fort Mill, SC 29715", OutsideJurisdiction, "other_state"),
        ("'; DROP TABLE addresses; --", AddressUnparseable, None),
        ("<script>alert(1)</script>", AddressUnparseable, None),
        ("🙂🙂🙂", AddressUnparseable, None),
    ],
)
def test_bad_input_has_a_specific_code(ds, text: str, error: type, reason: str | None) -> None:
    with pytest.raises(error) as e:
        where(ds, text)
    if reason:
        assert e.value.details.get("reason") == reason


def test_emoji_and_control_characters_around_a_good_address(ds) -> None:
    assert where(ds, "🙂 4337 Glenwood Dr\t\x00 ").match.address.startswith("4337 GLENWOOD DR")


def test_html_in_an_address_is_never_echoed_as_markup(ds) -> None:
    with pytest.raises(ServiceError) as e:
        where(ds, "4337 <b>Nowhere</b> Dr")
    assert "<" not in str(e.value.details)


# ---- interpolation and verify ------------------------------------------------------
def test_interpolated_address_lands_on_its_side_and_is_flagged(ds) -> None:
    west = where(ds, "51 Border Rd")
    east = where(ds, "50 Border Rd")
    assert west.match.source == east.match.source == "interpolated"
    assert (west.precinct.id, east.precinct.id) == ("001", "002")
    # 10 m from the line that is the boundary: the representative must confirm.
    assert west.verify and "verify_with_board" in west.notices and "interpolated" in west.notices


def test_interpolated_far_from_any_line_needs_no_verify(ds) -> None:
    a = where(ds, "21 Pine Ln")
    assert a.match.source == "interpolated" and a.precinct.id == "002" and not a.verify


def test_address_points_are_trusted_near_lines(ds) -> None:
    # 600 E BLVD is an address point ~180 m from the 001|002 line; points never ask.
    assert not where(ds, "600 E Blvd").verify


def test_coordinates_near_a_line_ask_to_verify(ds) -> None:
    lon, lat = lonlat(0.97, 0.5)  # ~27 m west of the 001|002 line
    a = find_polling_place(ds, PointQuery(lon=lon, lat=lat), NOW)
    assert a.precinct.id == "001" and a.verify and "verify_with_board" in a.notices
    lon, lat = lonlat(0.5, 0.2)
    assert not find_polling_place(ds, PointQuery(lon=lon, lat=lat), NOW).verify


# ---- remote fallbacks --------------------------------------------------------------
class Backend:
    """A stand-in for a remote backend's Python side (the wire formats are tested over
    real HTTP in test_remote_geocoders.py); records what it was asked."""

    def __init__(self, name: str, found: list[Candidate] | None = None) -> None:
        self.name, self.found, self.asked = name, found, 0

    def geocode(self, text: str) -> list[Candidate]:
        self.asked += 1
        if self.found is None:
            raise GeocoderUnavailable("down", backend=self.name)
        return self.found


def census(x: float, y: float, address: str = "9 REMOTE WAY") -> Candidate:
    lon, lat = lonlat(x, y)
    return Candidate(address=address, lon=lon, lat=lat, score=0.8, source=CENSUS)


def test_remote_is_asked_only_when_local_data_has_no_answer(ds) -> None:
    b = Backend("census", [census(1.5, 0.5)])
    assert locate_address(ds, "4337 Glenwood Dr", [b]).match.source == "address_point"
    assert b.asked == 0
    hit = locate_address(ds, "9 Remote Way", [b])
    assert b.asked == 1 and hit.match.source == "census" and hit.match.score == 0.8


def test_a_failing_backend_is_skipped_for_the_next(ds) -> None:
    down, up = Backend("arcgis"), Backend("census", [census(1.5, 0.5)])
    assert locate_address(ds, "9 Remote Way", [down, up]).match.source == "census"


def test_all_backends_down_is_unavailable_not_not_found(ds) -> None:
    with pytest.raises(GeocoderUnavailable) as e:
        locate_address(ds, "9 Remote Way", [Backend("census"), Backend("arcgis", [])])
    assert e.value.details["backends"] == ["census"]
    with pytest.raises(AddressNotFound):
        locate_address(ds, "9 Remote Way", [Backend("arcgis", [])])


def test_remote_point_outside_the_county_and_several_fits(ds) -> None:
    with pytest.raises(OutsideJurisdiction):
        locate_address(ds, "9 Remote Way", [Backend("census", [census(9, 9)])])
    two = [census(0.2, 0.2, "9 REMOTE WAY N"), census(1.5, 0.5, "9 REMOTE WAY S")]
    with pytest.raises(AddressAmbiguous):
        locate_address(ds, "9 Remote Way", [Backend("census", two)])


def test_remote_estimate_near_a_line_asks_to_verify(ds) -> None:
    near = Backend("census", [census(1.02, 0.5)])
    assert locate_address(ds, "9 Remote Way", [near]).verify


# ---- the quick parser never disagrees with the full one ----------------------------
@pytest.mark.parametrize(
    "text",
    [
        "4337 Glenwood Dr, Charlotte, NC 28208",
        "600 East Blvd Apt 3, Charlotte, NC",
        "600 E Blvd, NC 28203",
        "123 1/2 Main St",
        "1 W.T. Harris Blvd, Charlotte",
        "9011 Church Street #7, Matthews, NC 28105-1234",
        "5 Central Avenue East, Charlotte",
    ],
)
def test_quick_parse_agrees_with_usaddress(text: str) -> None:
    quick, full = parse_simple(text), parse_address(text)
    assert quick is not None and full is not None
    assert quick == full
