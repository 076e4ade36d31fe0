"""What an early-voting site is doing at one moment, in the resident's words: open now
(until when), opening later today, closed for the rest of today (and when it opens
next), or done for this election; and where early voting stands for a list of sites.

Decided here and only here: the API serves each site's state and the outlook
(``outputs.api_json``, once per stretch of time), the console and the widget only word
them, and the page without JavaScript words them with the functions below.

Pure: the moment comes in as each site's ``SiteStatus`` (open now, today's hours, the
next opening, all as of one moment) and that moment's local date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Literal

from lookup.domain.models import DaySchedule
from lookup.domain.schedule import SiteStatus
from lookup.i18n import locale_tag, message

Kind = Literal["open", "later", "next", "ended", "closed"]
When = Literal["today", "next", "ended"]

SECTION = "resident"  # the page's catalog section (locales/*/page.json)


@dataclass(frozen=True, slots=True)
class SiteState:
    """``open``: open now, in the span ``opens``-``closes``; ``later``: opens at ``opens``
    today; ``next``: closed for the rest of today, opens next on ``day`` at ``opens``
    (until ``closes`` when the schedule says); ``ended``: never opens again;
    ``closed``: closed now by the board's staff (``changes``), reopening on ``day`` at
    ``opens`` (until ``closes``), all ``None`` when it does not reopen."""

    kind: Kind
    opens: time | None = None
    closes: time | None = None
    day: date | None = None


def site_state(status: SiteStatus, today: date, schedule: Sequence[DaySchedule] = ()) -> SiteState:
    """A site's state at the moment its ``status`` was taken (``today``: that local date;
    ``schedule``: its days, for the closing time of its next opening)."""
    nxt = status.next_open
    hours = status.hours_today or ()
    later = nxt.time() if nxt is not None and nxt.date() == today else None
    if status.open_now and hours:
        # The current span: the last one that starts before the next opening today.
        spans = [h for h in hours if later is None or h.start < later]
        span = spans[-1] if spans else hours[-1]
        return SiteState("open", span.start, span.end, today)
    if later is not None:
        closes = next((h.end for h in hours if h.start == later), None)
        return SiteState("later", later, closes, today)
    if nxt is not None:
        day = nxt.date()
        closes = next(
            (h.end for d in schedule if d.day == day for h in d.hours if h.start == nxt.time()),
            None,
        )
        return SiteState("next", nxt.time(), closes, day)
    return SiteState("ended")


def closed_state(
    status: SiteStatus, today: date, schedule: Sequence[DaySchedule] = ()
) -> SiteState:
    """A site closed now by the staff: ``status`` and ``schedule`` are its trimmed ones
    (``closures``), so the reopening they give is after the closure."""
    st = site_state(status, today, schedule)
    return SiteState("closed", st.opens, st.closes, st.day)


@dataclass(frozen=True, slots=True)
class Outlook:
    """Where early voting stands for all sites: some open for the rest of ``today``
    (``count`` of them: open now or later today), else none until ``next`` (``day``, when
    ``count`` open), else ``ended``."""

    when: When
    count: int = 0
    day: date | None = None


def outlook(states: Sequence[SiteState], today: date | None = None) -> Outlook:
    """``today``: the states' date, which a closed site reopening that day counts as
    open later today (only closed states need it)."""
    count = sum(
        1
        for s in states
        if s.kind in ("open", "later")
        or (s.kind == "closed" and today is not None and s.day == today)
    )
    if count:
        return Outlook("today", count)
    days = sorted(s.day for s in states if s.kind in ("next", "closed") and s.day is not None)
    if days:
        return Outlook("next", days.count(days[0]), days[0])
    return Outlook("ended")


# ---- in words -----------------------------------------------------------------------


def clock(t: time, lang: str) -> str:
    """``19:30`` -> "7:30 PM" / "7:30 p.m."."""
    from babel.dates import format_time

    return format_time(t, format="short", locale=babel_locale(lang))


def babel_locale(lang: str) -> str:
    """Babel's name of the catalog's locale: US conventions ("7:30 PM", "7:30 p.m.")."""
    return locale_tag(lang).replace("-", "_")


def day_name(d: date, lang: str) -> str:
    """ "Sunday, October 25" / "domingo, 25 de octubre" (the pattern is the catalog's)."""
    from babel.dates import format_date

    pattern = message(lang, SECTION, "day_format")
    return format_date(d, format=pattern, locale=babel_locale(lang))


def hours_text(opens: time, closes: time | None, lang: str) -> str:
    if closes is None:
        return clock(opens, lang)
    return message(lang, SECTION, "hours", open=clock(opens, lang), close=clock(closes, lang))


def today_text(status: SiteStatus, lang: str) -> str:
    """ "Today: 8:00 AM to 7:30 PM" (every span of a split day) or "Today: closed"."""
    if not status.hours_today:
        return message(lang, SECTION, "today_closed")
    spans = ", ".join(hours_text(h.start, h.end, lang) for h in status.hours_today)
    return message(lang, SECTION, "today_hours", hours=spans)


def state_text(st: SiteState, lang: str, today: date | None = None) -> str:
    """ "open now until 7:30 PM", "opens at 1:00 PM today", "closed for today, next open
    Sunday, October 25, 1:00 PM to 6:00 PM", "early voting is over", and for a site the
    staff closed "closed now by the Board of Elections, reopens ..." (``today``: the
    moment's date, to say "today" of a reopening later today)."""
    if st.kind == "closed":
        return closed_text(st, lang, today)
    if st.kind == "open" and st.closes is not None:
        return message(lang, SECTION, "state_open", close=clock(st.closes, lang))
    if st.kind == "later" and st.opens is not None:
        return message(lang, SECTION, "state_later", open=clock(st.opens, lang))
    if st.kind == "next" and st.opens is not None and st.day is not None:
        return message(
            lang,
            SECTION,
            "state_next",
            day=day_name(st.day, lang),
            hours=hours_text(st.opens, st.closes, lang),
        )
    return message(lang, SECTION, "state_ended")


def closed_text(st: SiteState, lang: str, today: date | None = None) -> str:
    if st.opens is None or st.day is None:
        return message(lang, SECTION, "state_closed")
    if st.day == today:
        return message(lang, SECTION, "state_closed_later", open=clock(st.opens, lang))
    return message(
        lang,
        SECTION,
        "state_closed_next",
        day=day_name(st.day, lang),
        hours=hours_text(st.opens, st.closes, lang),
    )


def outlook_text(o: Outlook, total: int, lang: str) -> str:
    """The line above the list: how many sites are open for the rest of today, else when
    the next ones open, else that early voting is over."""
    if o.when == "today":
        return message(lang, SECTION, "summary_today", count=str(o.count), total=str(total))
    if o.when == "next" and o.day is not None:
        return message(lang, SECTION, "summary_next", day=day_name(o.day, lang))
    return message(lang, SECTION, "summary_ended")
