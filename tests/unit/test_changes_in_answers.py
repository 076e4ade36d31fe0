"""The staff's changes on the day in every answer (issue 25, item 3): a closed early-voting
site is not open now and says why, the answer names the nearest sites open now; an
emergency relocation is the answer's polling place with the usual one kept; a closed
Election Day place stays, with a notice to call the board; the staff's notices come in
the answer's language. The API's bytes and the plain dict agree, the caches never serve
a closure outside its window, and the Civic and calendar outputs follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import orjson
import pytest

from lookup.domain.changes import NO_CHANGES, Change, active_at, parse_change
from lookup.domain.closures import trimmed
from lookup.domain.models import OpenHours
from lookup.domain.schedule import LOCAL_TZ
from lookup.domain.site_state import SiteState, outlook
from lookup.errors import InvalidParameter
from lookup.outputs.api_json import Fragments, answer_bytes, answer_json
from lookup.outputs.civic import voterinfo_json
from lookup.outputs.ics import early_voting_ics, election_day_ics
from lookup.service import PointQuery, find_polling_place

DAY = date(2028, 11, 7)
CREATED = datetime(2028, 10, 1, tzinfo=UTC)
REASON = {"en": "Power outage", "es": "Corte de luz"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ)


def change(doc: dict, id: str = "c1") -> Change:
    return parse_change(doc, id=id, created=CREATED, languages=("en", "es"))


def nearest_site(ds):
    return ds.early_voting[DAY][0]


def point_by(ds) -> PointQuery:
    s = nearest_site(ds)
    return PointQuery(lon=s.lon, lat=s.lat)


def answered(ds, now: datetime, changes: tuple[Change, ...] = (), lang: str = "en", **kw):
    """The answer at ``now`` by the first site with ``changes``: its dict and its bytes
    (which must say the same)."""
    a = find_polling_place(ds, point_by(ds), now, changes=active_at(changes, now, "DEMO"), **kw)
    fr = Fragments(ds)
    plain = answer_json(a, ds.board, lang, fr, schedule=False)
    fast = orjson.loads(answer_bytes(a, ds.board, lang, fr, schedule=False))
    assert fast == orjson.loads(orjson.dumps(plain))
    return a, fast


def closure(ds, start: str, end: str, site_id: str | None = None) -> Change:
    sid = site_id or nearest_site(ds).id
    return change(
        {"kind": "close_site", "site_id": sid, "from": start, "to": end, "reason": REASON}
    )


# ---- no changes: the answer as before ---------------------------------------------------


def test_no_changes_is_the_answer_as_before(demo_ds) -> None:
    now = at("2028-10-25T10:00")
    plain = find_polling_place(demo_ds, point_by(demo_ds), now)
    same = find_polling_place(demo_ds, point_by(demo_ds), now, changes=NO_CHANGES)
    assert plain == same and same.applied is None
    fr = Fragments(demo_ds)
    body = orjson.loads(answer_bytes(same, demo_ds.board, "en", fr, schedule=False))
    assert body["open_instead"] is None and body["changed_note"] is None
    assert body["changed_reason"] == ("since_last_election" if body["changed"] else None)
    assert all("closed_reason" not in s for s in body["early_voting_sites"])


def test_changes_elsewhere_leave_the_answer_alone(demo_ds) -> None:
    """A notice for another precinct: the answer is the very same object."""
    now = at("2028-10-25T10:00")
    a = find_polling_place(demo_ds, point_by(demo_ds), now)
    other = "999" if a.precinct.id != "999" else "998"
    notice = change(
        {"kind": "notice", "precincts": [other], "from": "2028-10-25T00:00",
         "to": "2028-10-26T00:00", "message": {"en": "Elsewhere"}}
    )  # fmt: skip
    b = find_polling_place(demo_ds, point_by(demo_ds), now, changes=active_at([notice], now))
    assert b.applied is None and b == a


# ---- a closed early-voting site --------------------------------------------------------


def test_closure_holds_from_its_minute_to_its_minute(demo_ds) -> None:
    c = closure(demo_ds, "2028-10-25T10:00", "2028-10-25T14:00")
    sid = c.site_id
    _, before = answered(demo_ds, at("2028-10-25T09:59"), (c,))
    first = before["early_voting_sites"][0]
    assert first["id"] == sid and first["open_now"] and "closed_reason" not in first
    assert before["open_instead"] is None
    for lang, reason in (("en", "Power outage"), ("es", "Corte de luz")):
        a, during = answered(demo_ds, at("2028-10-25T10:00"), (c,), lang)
        site = during["early_voting_sites"][0]
        assert site["id"] == sid and site["open_now"] is False
        assert site["closed_reason"] == reason
        assert site["closed_until"] == "2028-10-25T14:00-04:00"
        # Reopens at the window's end, today: the closed hours are gone from today's.
        assert site["state"] == {"kind": "closed", "open": "14:00", "close": "19:30",
                                 "day": "2028-10-25"}  # fmt: skip
        assert site["hours_today"] == [
            {"open": "08:00", "close": "10:00"},
            {"open": "14:00", "close": "19:30"},
        ]
        assert site["next_open"] == "2028-10-25T14:00-04:00"
        instead = during["open_instead"]
        assert 1 <= len(instead) <= 3 and sid not in {o["id"] for o in instead}
        opened = {s["id"] for s in during["early_voting_sites"] if s["open_now"]}
        assert {o["id"] for o in instead} <= opened
        distances = [o["distance_mi"] for o in instead]
        assert distances == sorted(distances)
        assert a.applied is not None and a.applied.open_instead is not None
    _, after = answered(demo_ds, at("2028-10-25T14:00"), (c,))
    assert after["early_voting_sites"][0]["open_now"] and after["open_instead"] is None


def test_closed_all_day_is_closed_today_and_reopens_next_day(demo_ds) -> None:
    c = closure(demo_ds, "2028-10-25T00:00", "2028-10-26T00:00")
    a, body = answered(demo_ds, at("2028-10-25T12:00"), (c,))
    site = body["early_voting_sites"][0]
    assert site["hours_today"] == [] and site["state"]["kind"] == "closed"
    assert site["state"]["day"] == "2028-10-26" and site["state"]["open"] == "08:00"
    full = answer_json(a, demo_ds.board, "en", Fragments(demo_ds), schedule=True)
    days = {d["date"]: d for d in full["early_voting_sites"][0]["schedule"]}
    assert days["2028-10-25"] == {"date": "2028-10-25", "open": None, "close": None}
    assert days["2028-10-26"]["open"] == "08:00"


def test_a_closed_site_is_never_open_now_under_the_filter(demo_ds) -> None:
    c = closure(demo_ds, "2028-10-25T10:00", "2028-10-25T14:00")
    now = at("2028-10-25T11:00")
    a = find_polling_place(
        demo_ds, point_by(demo_ds), now, only="now", changes=active_at([c], now, "DEMO")
    )
    assert c.site_id not in {sd.site.id for sd in a.early_voting_sites}
    assert all(sd.status.open_now for sd in a.early_voting_sites)


def test_the_caches_never_serve_a_closure_outside_its_window(demo_ds) -> None:
    """One ``Fragments`` (as a worker keeps it) across answers with and without the
    closure, in the same stretch of time: each answer says what holds at its moment."""
    c = closure(demo_ds, "2028-10-25T10:00", "2028-10-25T14:00")
    fr = Fragments(demo_ds)

    def first(now: str) -> dict:
        moment = at(now)
        a = find_polling_place(
            demo_ds, point_by(demo_ds), moment, changes=active_at([c], moment, "DEMO")
        )
        body = orjson.loads(answer_bytes(a, demo_ds.board, "en", fr, schedule=False))
        return body["early_voting_sites"][0]

    for now, closed in (("2028-10-25T09:00", False), ("2028-10-25T10:30", True),
                        ("2028-10-25T09:30", False), ("2028-10-25T13:59", True),
                        ("2028-10-25T14:01", False)):  # fmt: skip
        site = first(now)
        assert site["open_now"] is not closed, now
        assert ("closed_reason" in site) is closed, now


def test_open_instead_is_empty_when_none_is_open_now(demo_ds) -> None:
    """After the day's hours, with a site closed: no site open now, an empty list."""
    c = closure(demo_ds, "2028-10-25T19:00", "2028-10-26T12:00")
    _, body = answered(demo_ds, at("2028-10-25T20:00"), (c,))
    assert body["open_instead"] == []


def test_outlook_counts_a_site_reopening_today() -> None:
    today = date(2028, 10, 25)
    closed_today = SiteState("closed", datetime(2028, 10, 25, 14).time(), None, today)
    closed_later = SiteState("closed", datetime(2028, 10, 25, 8).time(), None, date(2028, 10, 26))
    assert outlook([closed_today], today).when == "today"
    assert outlook([closed_later], today).when == "next"
    assert outlook([closed_later], today).day == date(2028, 10, 26)
    assert outlook([SiteState("closed")], today).when == "ended"


def test_trimmed_keeps_the_hours_outside_the_window(demo_ds) -> None:
    c = closure(demo_ds, "2028-10-25T07:00", "2028-10-25T09:00")
    days = {d.day: d.hours for d in trimmed(nearest_site(demo_ds).schedule, c.window)}
    t = datetime.fromisoformat
    assert days[date(2028, 10, 25)] == (OpenHours(t("2028-10-25T09:00").time(),
                                                  t("2028-10-25T19:30").time()),)  # fmt: skip
    assert days[date(2028, 10, 24)] == nearest_site(demo_ds).schedule[5].hours


# ---- the Election Day polling place ---------------------------------------------------


def relocation(precinct: str) -> Change:
    return change(
        {
            "kind": "relocate", "precinct_id": precinct, "from": "2028-11-07T05:00",
            "to": "2028-11-07T20:00", "reason": {"en": "Flooded gym", "es": "Gimnasio inundado"},
            "place": {"name": "Grace Church Hall", "lat": 34.91, "lon": -75.28,
                      "address": {"line1": "100 Oak St", "city": "Demo City", "zip": "28990"}},
        },
        id="move1",
    )  # fmt: skip


def test_relocation_is_the_polling_place(demo_ds) -> None:
    now = at("2028-11-07T09:00")
    usual = find_polling_place(demo_ds, point_by(demo_ds), now)
    assert usual.polling_place is not None
    move = relocation(usual.precinct.id)
    for lang, note in (("en", "Flooded gym"), ("es", "Gimnasio inundado")):
        _, body = answered(demo_ds, now, (move,), lang)
        p = body["polling_place"]
        assert p["id"] == "change:move1" and p["name"] == "Grace Church Hall"
        assert p["address"]["line1"] == "100 Oak St" and (p["lat"], p["lon"]) == (34.91, -75.28)
        assert body["changed"] is True and body["changed_reason"] == "emergency"
        assert body["changed_note"] == note
        assert body["changed_until"] == "2028-11-07T20:00-05:00"
        assert body["previous_polling_place"]["name"] == usual.polling_place.name
        codes = [n["code"] for n in body["notices"]]
        assert "polling_place_relocated" in codes and "polling_place_changed" not in codes
    _, later = answered(demo_ds, at("2028-11-07T20:00"), (move,))
    assert later["polling_place"]["id"] == usual.polling_place.id
    assert later["changed_reason"] != "emergency"


def test_a_closed_polling_place_stays_with_a_call_the_board_notice(demo_ds) -> None:
    now = at("2028-11-07T09:00")
    usual = find_polling_place(demo_ds, point_by(demo_ds), now)
    assert usual.polling_place is not None
    shut = closure(demo_ds, "2028-11-07T06:00", "2028-11-07T12:00", usual.polling_place.id)
    _, body = answered(demo_ds, now, (shut,), "es")
    p = body["polling_place"]
    assert p["id"] == usual.polling_place.id and p["closed_reason"] == "Corte de luz"
    closed = [n for n in body["notices"] if n["code"] == "polling_place_closed"]
    assert len(closed) == 1 and demo_ds.board.phone in closed[0]["message"]


def test_staff_notice_for_the_precinct_in_the_answers_language(demo_ds) -> None:
    now = at("2028-10-25T10:00")
    a = find_polling_place(demo_ds, point_by(demo_ds), now)
    notice = change(
        {"kind": "notice", "precincts": [a.precinct.id], "from": "2028-10-25T00:00",
         "to": "2028-10-26T00:00", "message": {"en": "Road closed", "es": "Calle cerrada"}}
    )  # fmt: skip
    _, body = answered(demo_ds, now, (notice,), "es")
    said = [n["message"] for n in body["notices"] if n["code"] == "staff_change"]
    assert len(said) == 1 and said[0].endswith("Calle cerrada")
    assert body["open_instead"] is None  # a notice closes nothing


# ---- Civic and the calendar ------------------------------------------------------------


def test_civic_follows_the_changes(demo_ds) -> None:
    now = at("2028-11-07T09:00")
    usual = find_polling_place(demo_ds, point_by(demo_ds), now)
    notice = change(
        {"kind": "notice", "precincts": None, "from": "2028-11-07T00:00",
         "to": "2028-11-08T00:00", "message": {"en": "Expect lines"}}, id="n1"
    )  # fmt: skip
    changes = (relocation(usual.precinct.id), notice)
    a = find_polling_place(demo_ds, point_by(demo_ds), now, changes=active_at(changes, now, "DEMO"))
    body = voterinfo_json(a, demo_ds, "en")
    (where,) = body["pollingLocations"]
    assert where["address"]["line1"] == "100 Oak St"
    assert "Flooded gym" in where["notes"]
    local = body["state"][0]["local_jurisdiction"]["electionAdministrationBody"]
    assert "Expect lines" in local["electionNoticeText"]


def test_civic_closed_site_says_so_without_its_closed_hours(demo_ds) -> None:
    c = closure(demo_ds, "2028-10-25T00:00", "2028-10-26T00:00")
    now = at("2028-10-25T12:00")
    a = find_polling_place(demo_ds, point_by(demo_ds), now, changes=active_at([c], now))
    site = voterinfo_json(a, demo_ds, "en")["earlyVoteSites"][0]
    assert site["notes"].startswith("CLOSED by the Board of Elections until Thu, Oct 26")
    assert "Power outage" in site["notes"]
    assert "Wed, Oct 25: closed" in site["pollingHours"]


def test_calendar_of_a_closed_day_is_refused_and_a_move_is_at_the_new_place(demo_ds) -> None:
    c = closure(demo_ds, "2028-10-25T00:00", "2028-10-26T00:00")
    now = at("2028-10-25T12:00")
    a = find_polling_place(demo_ds, point_by(demo_ds), now, changes=active_at([c], now))
    with pytest.raises(InvalidParameter):
        early_voting_ics(a, demo_ds.board, "en", now, c.site_id, date(2028, 10, 25))
    assert early_voting_ics(a, demo_ds.board, "en", now, c.site_id, date(2028, 10, 26))
    day = at("2028-11-07T09:00")
    usual = find_polling_place(demo_ds, point_by(demo_ds), day)
    move = relocation(usual.precinct.id)
    moved = find_polling_place(
        demo_ds, point_by(demo_ds), day, changes=active_at([move], day, "DEMO")
    )
    ics = election_day_ics(moved, demo_ds.board, "en", day).decode()
    assert "100 Oak St" in ics.replace("\r\n ", "")
