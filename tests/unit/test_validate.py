from __future__ import annotations

from datetime import date, time

from support.builders import ELECTION, place, tiny_dataset

from lookup.ingest.early_voting_period import nc_legislated_period
from lookup.ingest.validate import check_against_live, check_dataset


def test_nc_legislated_period() -> None:
    # G.S. 163-227.6 at its widest: from the third Wednesday before Election Day (2018's
    # start) to 3 p.m. on the last Saturday before it; 2020 began a day later, a Thursday.
    for election, start, end in (
        (date(2018, 11, 6), date(2018, 10, 17), date(2018, 11, 3)),
        (date(2020, 11, 3), date(2020, 10, 14), date(2020, 10, 31)),
        (date(2028, 11, 7), date(2028, 10, 18), date(2028, 11, 4)),
    ):
        law = nc_legislated_period(election)
        assert (law.earliest_start, law.last_day, law.close) == (start, end, time(15))
        assert law.earliest_start.weekday() == 2 and law.last_day.weekday() == 5


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
    # The builders' sites all open 2028-10-19 to 10-23: nothing outside their own period.
    assert not any("sites share" in w or "163-227.6" in w for w in problems.warnings)


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
    # Precincts (and polling places, sites) are checked per county by lookup.ingest.guards, which
    # names them (tests/realdata/test_list_guards.py); the totals check keeps the address points.
    assert len(errors) == 1 and "address_points fell from 700000 to 1000" in errors[0]


def test_gaps_between_precincts_are_reported() -> None:
    import numpy as np
    from support.builders import sq

    from lookup.ingest.validate import check_precincts

    # Four precincts around an empty square: an address in the middle has no precinct.
    ring = [sq(0, 0, 3, 1), sq(0, 2, 3, 3), sq(0, 1, 1, 2), sq(2, 1, 3, 2)]
    keys = [("TEST", f"{i:03d}") for i in range(4)]
    problems = check_precincts(keys, np.array(ring, dtype=object))
    assert any("1 gaps between precincts" in w for w in problems.warnings)
    closed = [sq(0, 0, 3, 1), sq(0, 2, 3, 3), sq(0, 1, 3, 2)]
    assert not check_precincts(keys[:3], np.array(closed, dtype=object)).warnings


def _sites_with_days(*periods: tuple[str, date, date, time]):
    """(name, first day, last day, closing time on the last day): sites open every day."""
    from dataclasses import replace
    from datetime import timedelta

    from support.builders import site

    from lookup.domain.models import Address, DaySchedule, OpenHours

    out = []
    for name, first, last, close in periods:
        days = [first + timedelta(days=k) for k in range((last - first).days + 1)]
        schedule = tuple(
            DaySchedule(d, (OpenHours(time(8), close if d == last else time(19, 30)),))
            for d in days
        )
        out.append(replace(site(name.lower(), 0.2, 0.2), name=name, schedule=schedule))
    out.append(  # a site whose building is not known yet (TBD in the county's list)
        replace(site("tbd", 0.2, 0.2), name="SOUTHPARK AREA", address=Address(""), lat=None,
                lon=None, schedule=out[0].schedule)
    )  # fmt: skip
    return tuple(out)


def test_sites_outside_the_period_most_sites_share_are_named_with_the_rule() -> None:
    from lookup.ingest.early_voting_period import check_early_voting_period, shared_period

    usual = (date(2028, 10, 19), date(2028, 11, 4), time(15))
    sites = _sites_with_days(
        *((f"SITE {n}", *usual) for n in range(5)),
        ("EARLY BIRD", date(2028, 10, 12), date(2028, 11, 4), time(15)),  # a typo in a date?
        ("LATE OWL", date(2028, 10, 19), date(2028, 11, 6), time(15)),
        ("SECOND WEEK", date(2028, 10, 26), date(2028, 11, 4), time(15)),  # later: normal
    )
    period = shared_period(sites)
    assert period is not None
    assert (period.first, period.last, period.last_close, period.sites) == (*usual, 9)
    warnings = check_early_voting_period(date(2028, 11, 7), sites)
    assert warnings == [
        "1 early-voting sites of 2028-11-07 open before the first day most of the county's 9 "
        "sites share (2028-10-19): EARLY BIRD (2028-10-12)",
        "1 early-voting sites of 2028-11-07 open after the last day most of the county's 9 "
        "sites share (2028-11-04): LATE OWL (2028-11-06)",
    ]


def test_the_shared_period_is_held_to_the_statute_only_when_it_breaks_it() -> None:
    from lookup.ingest.early_voting_period import check_early_voting_period

    election = date(2028, 11, 7)
    # Every site from Monday 10/16, before the third Wednesday (10/18): the files agree
    # with each other, so only the legislated rule fires.
    early = _sites_with_days(
        *((f"S{n}", date(2028, 10, 16), date(2028, 11, 4), time(15)) for n in range(3))
    )
    (warning,) = check_early_voting_period(election, early)
    assert warning.startswith(
        "the early-voting period most sites of 2028-11-07 share (2028-10-16..2028-11-04) "
        "starts before 2028-10-18, the third Wednesday before Election Day"
    )
    assert "G.S. 163-227.6" in warning
    # Most sites close at 5 p.m. on the last Saturday: after the statute's 3 p.m.
    late = _sites_with_days(
        *((f"S{n}", date(2028, 10, 19), date(2028, 11, 4), time(17)) for n in range(3))
    )
    (warning,) = check_early_voting_period(election, late)
    assert "most sites close at 17:00 on its last day, the last Saturday" in warning
    # Ending on Election Day's eve (a Monday) breaks the last-Saturday rule.
    monday = _sites_with_days(
        *((f"S{n}", date(2028, 10, 19), date(2028, 11, 6), time(15)) for n in range(3))
    )
    (warning,) = check_early_voting_period(election, monday)
    assert "ends after 2028-11-04, the last Saturday before Election Day" in warning
    # 2018's files (Wednesday 10/17 to 1 p.m. Saturday 11/03) break nothing.
    in_2018 = _sites_with_days(
        *((f"S{n}", date(2018, 10, 17), date(2018, 11, 3), time(13)) for n in range(3))
    )
    assert check_early_voting_period(date(2018, 11, 6), in_2018) == []


def test_a_tie_goes_to_the_lenient_side() -> None:
    from lookup.ingest.early_voting_period import check_early_voting_period

    two = _sites_with_days(
        ("A", date(2028, 10, 19), date(2028, 11, 4), time(15)),
        ("B", date(2028, 10, 20), date(2028, 11, 3), time(15)),
    )[:2]
    assert check_early_voting_period(date(2028, 11, 7), two) == []


def test_a_site_without_an_address_is_reported_once_as_not_yet_known() -> None:
    from support.builders import ELECTION, tiny_dataset

    usual = (date(2028, 10, 19), date(2028, 11, 4), time(15))
    sites = _sites_with_days(("KNOWN", *usual))
    problems = check_dataset(tiny_dataset(sites={ELECTION.day: sites}), ELECTION.day)
    tbd = [w for w in problems.warnings if "no address yet" in w]
    assert tbd == [
        "1 early-voting sites of 2028-11-07 have no address yet (TBD in the list; listed as "
        "not yet known, without distance): SOUTHPARK AREA"
    ]
    assert not any("without coordinates" in w and "SOUTHPARK" in w for w in problems.warnings)
    assert not any("SOUTHPARK" in e or "early-voting" in e for e in problems.errors)


def test_a_list_of_another_election_is_refused_and_a_moved_statute_is_not() -> None:
    from lookup.ingest.early_voting_period import not_this_election

    election = date(2028, 11, 7)  # G.S. 163-227.6: 2028-10-18..2028-11-04
    usual = (date(2028, 10, 19), date(2028, 11, 4), time(15))
    this = _sites_with_days(*((f"S{n}", *usual) for n in range(3)))
    assert not_this_election(election, this) is None
    assert not_this_election(election, ()) is None
    # Last election's list: every day two years back. The message says which period the
    # list was held to, where it comes from, and what the list looks like instead.
    old = _sites_with_days(
        *((f"S{n}", date(2026, 10, 15), date(2026, 10, 31), time(15)) for n in range(3))
    )
    reason = not_this_election(election, old)
    assert reason is not None and reason.startswith(
        "not this election's early-voting list: 4 of 4 sites (68 of 68 open days) are open "
        "outside the early-voting period of the election of 2028-11-07, 2028-10-18..2028-11-04 "
        "(taken from the election date: G.S. 163-227.6"
    )
    assert "2026-10-15..2026-10-31, the period of an election on 2026-11-03?" in reason
    # A statute that moves the start a week earlier: the files agree on a period that
    # overlaps the statute's by more than half, so the list is this election's (the
    # separate law check warns about the start).
    moved = _sites_with_days(
        *((f"S{n}", date(2028, 10, 11), date(2028, 11, 4), time(15)) for n in range(3))
    )
    assert not_this_election(election, moved) is None
    # A minority of another election's rows is the majority warning's, not a refusal.
    mixed = _sites_with_days(
        *((f"S{n}", *usual) for n in range(5)),
        ("OLD ROW", date(2026, 10, 15), date(2026, 10, 31), time(15)),
    )
    assert not_this_election(election, mixed) is None


def test_lists_against_live_per_county_and_force() -> None:
    from dataclasses import replace

    from support.builders import PREVIOUS, site

    from lookup.domain.models import Address
    from lookup.ingest.guards import check_lists_against_live

    live = tiny_dataset()
    assert check_lists_against_live(tiny_dataset(), live, ELECTION.day).errors == []
    # Two of four precincts gone from the map, and with them a polling place.
    fewer = tiny_dataset(
        precincts=live.precincts[:2],
        polling={ELECTION.day: {("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1)}},
    )
    found = check_lists_against_live(fewer, live, ELECTION.day)
    assert found.errors[0].startswith(
        "TEST: 2 of the live version's 4 precincts (50%, over the 10% allowed) are not in "
        "the new map: 003, 004"
    )
    assert found.errors[1].startswith(
        "TEST: 2 of the 3 precincts with an Election Day polling place in the live version "
        "(2028-11-07) have none in the new files (67%, over the 10% allowed): 002, 003"
    )
    forced = check_lists_against_live(fewer, live, ELECTION.day, force=True)
    assert forced.errors == [] and forced.warnings == [f"--force: {e}" for e in found.errors]
    # Against an earlier election's live list, names are no signal: the count is.
    earlier = tiny_dataset(
        elections=(PREVIOUS,),
        polling={PREVIOUS.day: {("TEST", "001"): place("11", "OLD HALL", 0.2, 0.1)}},
        sites={
            PREVIOUS.day: tuple(
                replace(site(f"s{n}", 0.2, 0.2), name=f"OLD {n}", address=Address(f"{n} OLD RD"))
                for n in range(5)
            )
        },
    )
    between = check_lists_against_live(tiny_dataset(), earlier, ELECTION.day)
    assert between.errors == [
        "TEST: 2 early-voting sites against 5 in the live version's earlier election (a fall "
        "of 60%, over the 50% allowed between elections); refused: a truncated or wrong file? "
        "Give --force if the drop is real"
    ]
