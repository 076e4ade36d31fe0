"""iCalendar files (RFC 5545, through the ``icalendar`` library) for "add to calendar":
Election Day at the voter's polling place, or a chosen early-voting site and day.

Times are written with ``TZID=America/New_York`` and its VTIMEZONE, so a phone set to
another zone still shows 6:30 a.m. at the polling place, on either side of DST.

The staff's changes holding at the answer's moment apply: a relocated precinct's event
is at the new place; a closed Election Day place's event says to call the board first;
a closed early-voting site's day has no event in the closed hours (a day closed whole is
refused as a closed day is).
"""

from __future__ import annotations

from datetime import date, datetime

from lookup.domain.closures import trimmed
from lookup.domain.election_kinds import election_name
from lookup.domain.models import Address, BoardOfElections, Election, OpenHours
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import InvalidParameter, NotFound
from lookup.i18n import message
from lookup.service import Answer

PRODID = "-//lookup//polling-place lookup//EN"


def election_day_ics(a: Answer, board: BoardOfElections, lang: str, stamp: datetime) -> bytes:
    """One event: the polls' hours at the voter's assigned polling place."""
    e, place = a.election, a.polling_place
    if e is None or place is None:
        raise NotFound("no Election Day polling place for this address", reason="no_place")
    hours = (OpenHours(e.polls_open, e.polls_close),)
    title = message(lang, "calendar", "election_day", election=_name(e, lang))
    closed = a.applied is not None and a.applied.place_closure is not None
    first = message(lang, "notices", "polling_place_closed", phone=board.phone) if closed else ""
    return _calendar(a, board, lang, stamp, title, place.name, place.address, e.day, hours, first)


def early_voting_ics(
    a: Answer, board: BoardOfElections, lang: str, stamp: datetime, site_id: str, day: date
) -> bytes:
    """The opening hours (a split day gives two events) of one site on one day."""
    sd = next((sd for sd in a.early_voting_sites if sd.site.id == site_id), None)
    if sd is None:
        raise NotFound("no such early-voting site for this address", parameter="site")
    site, schedule = sd.site, sd.site.schedule
    if sd.closure is not None:
        schedule = trimmed(schedule, sd.closure.window)
    hours = next((d.hours for d in schedule if d.day == day), None)
    if not hours:
        reason = "closed" if hours is not None else "not_a_day"
        raise InvalidParameter("the site is not open that day", parameter="day", reason=reason)
    election = _name(a.election, lang) if a.election else ""
    title = message(lang, "calendar", "early_voting", election=election)
    return _calendar(a, board, lang, stamp, title, site.name, site.address, day, hours)


def _name(e: Election, lang: str) -> str:
    """The election as the event's reader says it ("Votar: Elección General")."""
    return election_name(e.name, e.kind, lang)


def _calendar(
    a: Answer,
    board: BoardOfElections,
    lang: str,
    stamp: datetime,
    title: str,
    place: str,
    address: Address,
    day: date,
    hours: tuple[OpenHours, ...],
    first: str = "",
) -> bytes:
    # Loaded on the first export, not at start-up (a tenth of a cold start's imports).
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    demo = message(lang, "notices", "demo_data") + " " if a.demo else ""
    about = message(lang, "calendar", "call_board", board=board.name, phone=board.phone)
    for k, h in enumerate(hours):
        ev = Event()
        ev.add("uid", f"{a.data_version}-{a.precinct.county}-{a.precinct.id}-{day}-{k}@lookup")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", datetime.combine(day, h.start, tzinfo=LOCAL_TZ))
        ev.add("dtend", datetime.combine(day, h.end, tzinfo=LOCAL_TZ))
        ev.add("summary", f"{demo}{title}")
        ev.add("location", ", ".join(p for p in (place, address.one_line()) if p))
        ev.add("description", f"{demo}{first + ' ' if first else ''}{about}")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
