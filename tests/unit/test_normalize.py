from __future__ import annotations

import pytest

from lookup.domain.crosswalk import precinct_key
from lookup.geocode.normalize import canonical_street, normalize_unit, parse_address


@pytest.mark.parametrize(
    ("text", "street", "unit", "city", "zip_code"),
    [
        (
            "4337 glenwood drive apt 3, charlotte nc 28205",
            "4337 GLENWOOD DR",
            "3",
            "CHARLOTTE",
            "28205",
        ),
        ("310 north tryon", "310 N TRYON", "", "", ""),
        (
            "7151 Matthews-Mint Hill Road, Mint Hill",
            "7151 MATTHEWS MINT HILL RD",
            "",
            "MINT HILL",
            "",
        ),
        ("7151 matthews mint hill rd", "7151 MATTHEWS MINT HILL RD", "", "", ""),
        ("123 1/2 Main St", "123 1/2 MAIN ST", "", "", ""),
        ("600 East Blvd, Charlotte, NC 28203-1234", "600 E BLVD", "", "CHARLOTTE", "28203"),
        ("12 NC Highway 16", "12 NC HWY 16", "", "", ""),
        ("9011 Church Street #7", "9011 CHURCH ST", "7", "", ""),
        ("8050  CORPORATE CENTER DR", "8050 CORPORATE CENTER DR", "", "", ""),
        ("5 Central Avenue East", "5 CENTRAL AVE E", "", "", ""),
        ("114 A Thrush Way", "114A THRUSH WAY", "", "", ""),
        ("114A Thrush Way", "114A THRUSH WAY", "", "", ""),
        ("1 W T Harris Blvd", "1 W T HARRIS BLVD", "", "", ""),
        ("205 1/2 Plover Ln 28996", "205 1/2 PLOVER LN", "", "", "28996"),
    ],
)
def test_parse_address(text: str, street: str, unit: str, city: str, zip_code: str) -> None:
    parsed = parse_address(text)
    assert parsed is not None
    assert (parsed.street, parsed.unit, parsed.city, parsed.zip) == (street, unit, city, zip_code)


@pytest.mark.parametrize("text", ["", "   ", "hello", "Main Street", "Charlotte NC 28202"])
def test_unparseable(text: str) -> None:
    assert parse_address(text) is None


def test_same_key_whatever_the_spelling() -> None:
    keys = {
        canonical_street(s)
        for s in ("600 EAST BLVD", "600 East Boulevard", "600 east blvd.", "600 E BLVD")
    }
    assert keys == {"600 E BLVD"}


def test_unit_designators() -> None:
    assert normalize_unit("Apt. 3") == "3"
    assert normalize_unit("# 4B") == "4B"
    assert normalize_unit("Suite 100") == "100"


@pytest.mark.parametrize("value", ["PCT 001", "001", "1", "1.0", 1.0, 1, "pct 1", "Precinct 001"])
def test_crosswalk_numbers(value: object) -> None:
    assert precinct_key(value) == "001"


def test_crosswalk_names_kept() -> None:
    assert precinct_key("davidson  #2-b") == "DAVIDSON #2-B"


def test_crosswalk_joins_by_id_then_unique_name() -> None:
    from lookup.domain.crosswalk import build_crosswalk

    table = build_crosswalk(
        [
            ("MECKLENBURG", "001", "PCT 001"),
            ("IREDELL", "DA2B", "DAVIDSON #2-B"),
            ("IREDELL", "X1", "TWIN"),
            ("IREDELL", "X2", "TWIN"),  # a duplicated name joins nothing
        ]
    )
    assert table[("MECKLENBURG", precinct_key("PCT 001"))] == "001"
    assert table[("MECKLENBURG", precinct_key("1.0"))] == "001"
    assert table[("IREDELL", precinct_key("Davidson #2-B"))] == "DA2B"
    assert ("IREDELL", "TWIN") not in table
