"""The accuracy harness (scripts/data/accuracy.py) as a new county would meet the geocoder: the
real Mecklenburg facility layers listed the way a county file lists them (several rows
and spellings per building, ZIP and city on some rows only) among 100,000 synthetic
points, published by the real refresh and scored by precinct. The full 700,000-point
run is the script's. One run of the harness (~10 s) serves every test of the module."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.realdata

# Queries each kind must have (the table is deterministic: these are its counts, a little
# under, so that a layer row more or less does not fail the suite).
MIN_QUERIES = {
    "as_listed": 160,
    "lower_case": 160,
    "long_forms": 160,
    "short_forms": 160,
    "no_city": 160,
    "added_unit": 160,
    "one_letter_typo": 140,
    "postal_city": 20,
    "zip_only": 160,
    "no_type": 150,
    "other_layer_spelling": 200,
    "zip_row_lacks": 160,
    "zip_plus4": 160,
    "misspelt_town": 160,
    "county_as_city": 160,
    "number_word": 8,  # no real address has a number 1-20: near-real ones only
    "highway_form": 30,  # the layers' highways are outside the map: near-real ones only
    "street_only": 160,
    "place_name": 300,
}


@pytest.fixture(scope="module")
def rep(real: Path) -> dict:
    from scripts.data import accuracy

    return accuracy.run(real, background=100_000, sample=300, show=5)


def scored(rep: dict) -> dict:
    """The report, once the table was published and scored (else why not)."""
    if "by_kind" not in rep:
        pytest.fail(f"nothing scored: {rep['refresh']}")
    return rep


def _why(rep: dict, *outcomes: str) -> str:
    """The by-kind table and a few misses, as the assertion message."""
    misses = {o: rep["misses"].get(o, []) for o in outcomes or rep["misses"]}
    lines = [f"{k}: {v}" for k, v in rep["by_kind"].items()]
    lines += [f"{o}: {m['text']!r} -> {m['said']}" for o, ms in misses.items() for m in ms]
    return "\n".join(lines)


def test_the_real_refresh_publishes_the_county_file(rep: dict) -> None:
    refresh = rep["refresh"]
    assert refresh["published"], refresh["errors"]
    # Every row is an address point: none refused (the four facilities outside the
    # precinct map are within the refresh's margin); 1 % of slack for folded duplicates.
    assert refresh["address_points"] >= 0.99 * rep["table"]["rows"], refresh["warnings"]


def test_the_table_is_shaped_like_a_county_file(rep: dict) -> None:
    t = rep["table"]
    assert t["real_buildings"] >= 150 and t["near_real_buildings"] >= 14
    assert t["buildings_in_several_layers"] >= 3  # 4045 N Tryon, 1750 Shopton, 216 S Main
    assert min(t["rows_per_building"]) >= 2 and max(t["rows_per_building"]) >= 4
    assert 0.25 <= t["share_of_their_rows_with_zip"] <= 0.6
    assert 0.6 <= t["share_of_their_rows_with_city"] < 0.9
    assert t["share_of_their_rows_with_unit"] > 0.05
    assert t["buildings_with_zip_and_zipless_rows"] >= 100
    assert t["buildings_without_any_zip_row"] >= 20
    assert t["near_miss_rows"] >= 600 and t["background_rows"] >= 99_000


def test_every_kind_is_measured(rep: dict) -> None:
    n = {k: sum(c.values()) for k, c in scored(rep)["by_kind"].items()}
    short = {k: (n.get(k, 0), want) for k, want in MIN_QUERIES.items() if n.get(k, 0) < want}
    assert not short, short


def test_address_kinds_meet_the_targets(rep: dict) -> None:
    from scripts.data import accuracy

    a = scored(rep)["address_kinds"]
    assert a["queries"] >= 2300
    assert a["wrong_share"] <= accuracy.WRONG_TARGET, _why(rep, "wrong_precinct")
    assert a["right_share"] >= accuracy.RIGHT_TARGET, _why(rep)


def test_no_ambiguity_within_one_precinct(rep: dict) -> None:
    """Candidates that all give the same precinct are no question to put to a voter."""
    a = scored(rep)["address_kinds"]
    assert a["ambiguous_same_precinct"] == 0, _why(rep, "ambiguous_same_precinct")


def test_a_street_without_a_number(rep: dict) -> None:
    """Answered (to verify) when the street lies in one precinct, else the precincts it
    crosses, with the right one among them."""
    from scripts.data import accuracy

    so = scored(rep)["street_only"]
    ok = sum(so["outcomes"].get(k, 0) for k in accuracy.STREET_ONLY_OK)
    assert ok / so["queries"] >= accuracy.STREET_ONLY_TARGET, so["outcomes"]
    assert so["outcomes"].get("wrong_precinct", 0) == 0, _why(rep, "wrong_precinct")


def test_a_facility_by_its_name(rep: dict) -> None:
    from scripts.data import accuracy

    pn = scored(rep)["place_name"]
    assert pn["outcomes"].get("wrong_precinct", 0) == 0, _why(rep, "wrong_precinct")
    misses = ("address_unparseable", "not_found", "right_not_place", "ambiguous_by_precinct")
    assert pn["right_share"] >= accuracy.PLACE_TARGET, _why(rep, *misses)


def test_look_alike_synthetic_addresses_are_never_wrong(rep: dict) -> None:
    from scripts.data import accuracy

    stress = scored(rep)["synthetic_sample"]
    assert stress["queries"] >= 2500
    assert stress["wrong_share"] <= accuracy.WRONG_TARGET, stress["outcomes"]
