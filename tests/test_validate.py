from __future__ import annotations

from datetime import date

from builders import ELECTION, place, tiny_dataset

from lookup.validate import check_against_live, check_dataset, nc_early_voting_window


def test_nc_early_voting_window() -> None:
    # Third Thursday before Election Day to the last Saturday before it.
    assert nc_early_voting_window(date(2020, 11, 3)) == (date(2020, 10, 15), date(2020, 10, 31))
    assert nc_early_voting_window(date(2028, 11, 7)) == (date(2028, 10, 19), date(2028, 11, 4))


def test_warnings_for_far_places_and_sites_outside_the_window() -> None:
    ds = tiny_dataset(
        polling={
            ELECTION.day: {
                ("TEST", "001"): place("10", "NEAR", 0.1, 0.1),
                ("TEST", "002"): place("20", "FAR AWAY", 60.0, 0.5),  # ~30 miles east
                ("TEST", "003"): place("10", "NEAR", 0.1, 0.1),
                ("TEST", "004"): place("30", "FOUR", 3.7, 0.5),
            }
        }
    )
    problems = check_dataset(ds, ELECTION.day)
    assert problems.errors == []
    assert any(
        "1 polling places more than 5 miles" in w and "TEST 002" in w for w in problems.warnings
    )
    # The builders' sites open on 2028-10-19 and 10-23 (inside) but none outside: no warning.
    assert not any("outside NC's usual window" in w for w in problems.warnings)


def test_missing_polling_places_beyond_5_percent_is_an_error() -> None:
    ds = tiny_dataset(polling={ELECTION.day: {("TEST", "001"): place("10", "ONLY", 0.1, 0.1)}})
    problems = check_dataset(ds, ELECTION.day)
    assert any("no Election Day polling place" in e for e in problems.errors)


def test_shrink_against_live() -> None:
    live = {"precincts": 195, "address_points": 700_000, "early_voting_sites": 33}
    assert (
        check_against_live(
            {"precincts": 195, "address_points": 690_000, "early_voting_sites": 20}, live
        ).errors
        == []
    )
    errors = check_against_live(
        {"precincts": 150, "address_points": 1000, "early_voting_sites": 33}, live
    ).errors
    assert len(errors) == 2 and "precincts fell from 195 to 150" in errors[0]


def test_gaps_between_precincts_are_reported() -> None:
    import numpy as np
    from builders import sq

    from lookup.validate import check_precincts

    # Four precincts around an empty square: an address in the middle has no precinct.
    ring = [sq(0, 0, 3, 1), sq(0, 2, 3, 3), sq(0, 1, 1, 2), sq(2, 1, 3, 2)]
    keys = [("TEST", f"{i:03d}") for i in range(4)]
    problems = check_precincts(keys, np.array(ring, dtype=object))
    assert any("1 gaps between precincts" in w for w in problems.warnings)
    closed = [sq(0, 0, 3, 1), sq(0, 2, 3, 3), sq(0, 1, 3, 2)]
    assert not check_precincts(keys[:3], np.array(closed, dtype=object)).warnings
