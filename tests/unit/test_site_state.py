"""The served state of each early-voting site and the answer's outlook are
``site_state``'s and ``outlook``'s, worked out once per stretch of time: at the moments
that matter (before a day's opening, during it, between two spans, after closing, after
the last day, before the period), in the dict form and in the API's spliced bytes."""

from __future__ import annotations

from datetime import date, datetime

import orjson
import pytest
from support.builders import tiny_dataset

from lookup.domain.schedule import LOCAL_TZ, Timeline
from lookup.domain.site_state import outlook, site_state
from lookup.outputs import api_json
from lookup.outputs.api_json import (
    Fragments,
    answer_bytes,
    answer_json,
    answer_moment,
    outlook_json,
    state_json,
)
from lookup.service import AddressQuery, PointQuery, find_polling_place

UNIVERSITY = "demo-university-student-center"  # closed on the first day
RIVERTON = "demo-riverton-recreation-center"  # closed on Sundays


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def served(ds, now: datetime, lang: str = "en", **kw) -> tuple[dict, dict]:
    """The answer at ``now`` for a point by the first site: its dict and its API bytes."""
    s = next(iter(ds.early_voting.values()))[0]
    a = find_polling_place(ds, PointQuery(lon=s.lon, lat=s.lat), now, **kw)
    fr = Fragments(ds)
    plain = answer_json(a, ds.board, lang, fr, schedule=False)
    spliced = orjson.loads(answer_bytes(a, ds.board, lang, fr, schedule=False))
    return plain, spliced


def decided(ds, now: datetime) -> dict[str, dict]:
    """Each site's state at ``now`` straight from ``site_state``, as served."""
    local = now.astimezone(LOCAL_TZ)
    return {
        s.id: state_json(site_state(Timeline.of(s.schedule).status(now), local.date(), s.schedule))
        for sites in ds.early_voting.values()
        for s in sites
    }


def check(ds, now: datetime, **kw) -> dict:
    """The served states and outlook agree with ``site_state`` and ``outlook``, in both
    forms of the answer; the answer, for the expectations of each case."""
    plain, spliced = served(ds, now, **kw)
    assert spliced == plain
    expected = decided(ds, now)
    sites = plain["early_voting_sites"]
    assert {s["id"]: s["state"] for s in sites} == {s["id"]: expected[s["id"]] for s in sites}
    local = now.astimezone(LOCAL_TZ)
    by_id = {s.id: s for v in ds.early_voting.values() for s in v}
    states = [
        site_state(
            Timeline.of(by_id[s["id"]].schedule).status(now),
            local.date(),
            by_id[s["id"]].schedule,
        )
        for s in sites
    ]
    assert plain["early_voting_outlook"] == outlook_json(outlook(states))
    # The state sits right after the status fields it is made of (the bytes' key order).
    for s in sites:
        keys = list(s)
        assert keys[keys.index("next_open") + 1] == "state"
    return plain


def kinds(answer: dict) -> dict[str, tuple]:
    return {
        s["id"]: tuple(s["state"][k] for k in ("kind", "open", "close", "day"))
        for s in answer["early_voting_sites"]
    }


# ---- the demo county ------------------------------------------------------------------


def test_before_the_period_every_site_opens_next_on_its_first_day(demo_ds) -> None:
    a = check(demo_ds, at("2028-10-10T12:00"))
    got = kinds(a)
    assert got[UNIVERSITY] == ("next", "08:00", "19:30", "2028-10-20")
    others = {v for k, v in got.items() if k != UNIVERSITY}
    assert others == {("next", "08:00", "19:30", "2028-10-19")}
    assert a["early_voting_outlook"] == {"when": "next", "day": "2028-10-19"}


def test_before_a_days_opening_every_site_opens_later(demo_ds) -> None:
    a = check(demo_ds, at("2028-10-24T06:00"))
    assert set(kinds(a).values()) == {("later", "08:00", "19:30", "2028-10-24")}
    assert a["early_voting_outlook"] == {"when": "today", "day": None}


def test_during_a_day_every_site_is_open_until_its_close(demo_ds) -> None:
    a = check(demo_ds, at("2028-10-24T12:00"))
    assert set(kinds(a).values()) == {("open", "08:00", "19:30", "2028-10-24")}
    assert a["early_voting_outlook"] == {"when": "today", "day": None}


def test_after_closing_the_sites_open_next_the_next_morning(demo_ds) -> None:
    a = check(demo_ds, at("2028-10-24T20:00"))
    assert set(kinds(a).values()) == {("next", "08:00", "19:30", "2028-10-25")}
    assert a["early_voting_outlook"] == {"when": "next", "day": "2028-10-25"}


def test_a_sunday_afternoon_opening_and_a_site_closed_all_day(demo_ds) -> None:
    a = check(demo_ds, at("2028-10-22T10:00"))
    got = kinds(a)
    assert got[RIVERTON] == ("next", "08:00", "19:30", "2028-10-23")
    assert got[UNIVERSITY] == ("later", "13:00", "17:00", "2028-10-22")
    assert a["early_voting_outlook"] == {"when": "today", "day": None}


def test_after_the_last_day_closes_early_voting_is_over(demo_ds) -> None:
    a = check(demo_ds, at("2028-11-04T16:00"))
    assert set(kinds(a).values()) == {("ended", None, None, None)}
    assert a["early_voting_outlook"] == {"when": "ended", "day": None}


def test_an_open_filter_has_the_outlook_of_the_sites_it_keeps(demo_ds) -> None:
    """open=now before opening keeps no site: nothing listed opens today."""
    a = check(demo_ds, at("2028-10-24T06:00"), only="now")
    assert a["early_voting_sites"] == []
    assert a["early_voting_outlook"] == {"when": "ended", "day": None}
    b = check(demo_ds, at("2028-10-22T18:00"), only="today")  # closed ones are left out
    assert RIVERTON not in kinds(b)
    assert b["early_voting_outlook"] == {"when": "next", "day": "2028-10-23"}


def test_after_the_election_no_site_and_the_outlook_says_over(demo_ds) -> None:
    plain, spliced = served(demo_ds, at("2029-01-01T12:00"))
    assert plain == spliced
    assert plain["early_voting_sites"] == []
    assert plain["early_voting_outlook"] == {"when": "ended", "day": None}


# ---- a split day (two spans) ----------------------------------------------------------

TINY = tiny_dataset()  # every site: 19th 8:00-19:30, closed 22nd, 23rd 8-12 and 13-17


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2028-10-23T07:00", ("later", "08:00", "12:00", "2028-10-23")),
        ("2028-10-23T10:00", ("open", "08:00", "12:00", "2028-10-23")),
        ("2028-10-23T12:30", ("later", "13:00", "17:00", "2028-10-23")),  # between spans
        ("2028-10-23T14:00", ("open", "13:00", "17:00", "2028-10-23")),
        ("2028-10-23T17:30", ("ended", None, None, None)),  # the last day, after closing
        # Closed today: the next opening's close comes from the schedule, which the lean
        # answer leaves out.
        ("2028-10-22T12:00", ("next", "08:00", "12:00", "2028-10-23")),
        ("2028-10-19T20:00", ("next", "08:00", "12:00", "2028-10-23")),
        ("2028-10-01T12:00", ("next", "08:00", "19:30", "2028-10-19")),  # before the period
    ],
)
def test_a_split_day(moment: str, expected: tuple) -> None:
    now = at(moment)
    for lang in ("en", "es"):
        a = find_polling_place(TINY, AddressQuery("100 OAK ST"), now)
        fr = Fragments(TINY)
        plain = answer_json(a, TINY.board, lang, fr, schedule=False)
        assert orjson.loads(answer_bytes(a, TINY.board, lang, fr, schedule=False)) == plain
        assert set(kinds(plain).values()) == {expected}
        assert plain["early_voting_sites"] and "schedule" not in plain["early_voting_sites"][0]
        assert kinds(plain) == {
            sid: tuple(st.values()) for sid, st in decided(TINY, now).items() if sid in kinds(plain)
        }


# ---- once per stretch -----------------------------------------------------------------


def test_states_are_worked_out_once_per_stretch(demo_ds, monkeypatch) -> None:
    """Requests in the same stretch (no opening or closing between them) share the
    states: ``site_state`` runs once per site, not per request; the next stretch has its
    own."""
    calls: list[str] = []

    def counted(status, today, schedule=()):
        calls.append(today.isoformat())
        return site_state(status, today, schedule)

    monkeypatch.setattr(api_json, "site_state", counted)
    fr = Fragments(demo_ds)
    s = demo_ds.early_voting[date(2028, 11, 7)][0]
    point = PointQuery(lon=s.lon, lat=s.lat)
    sites = len(demo_ds.early_voting[date(2028, 11, 7)])
    for hhmm in ("09:00", "10:30", "12:00", "19:29"):  # one stretch: all open
        a = find_polling_place(demo_ds, point, at(f"2028-10-25T{hhmm}"))
        for lang, schedule in (("en", False), ("es", True)):
            answer_bytes(a, demo_ds.board, lang, fr, schedule=schedule)
        answer_json(a, demo_ds.board, "en", fr, schedule=False)
        answer_moment(a, fr)
    assert len(calls) == sites
    a = find_polling_place(demo_ds, point, at("2028-10-25T19:45"))  # after closing
    body = orjson.loads(answer_bytes(a, demo_ds.board, "en", fr, schedule=False))
    assert len(calls) == 2 * sites
    assert body["early_voting_outlook"] == {"when": "next", "day": "2028-10-26"}
