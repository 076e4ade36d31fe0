"""How the BOE's lists write dates, hours and "CITY, ST ZIP", read the same way by every
polling-place and early-voting reader, and the bounds a site's days must keep to its
election (so a typo such as ``01/01/1000 - 12/31/2999`` is refused before it is expanded)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from lookup.domain.models import OpenHours
from lookup.errors import DataError

# "CHARLOTTE, NC 28277", also "CONWAY,NC 27854" and "MINT HILL NC 28227".
CITY_STATE_ZIP = re.compile(
    r"^(?P<city>.+?)\s*(?:,\s*|\s+)(?P<state>[A-Z]{2})\s+(?P<zip>\d{5})(?:-\d{4})?$"
)
# An early-voting period is weeks long: NC's has begun at most 20 days before Election Day
# (the third Wednesday, in 2018; the third Thursday since 2019) and it ends on the Saturday
# before it. A day further back than this is a typo or a placeholder, not a schedule (the
# range "01/01/1000 - 12/31/2999" once became 730,485 days), and a day after Election Day
# is no early voting. The margin leaves room for a special schedule the State Board orders.
MAX_DAYS_BEFORE_ELECTION = 60
# A range a reader expands at most this far from Election Day: two years covers a list
# of the previous or the next general election, refused as such by the list's check.
MAX_DAYS_FROM_ANY_ELECTION = 2 * 366
_RANGE = re.compile(
    r"(\d{1,2}(?::\d{2})?\s*[AP]\.?M\.?)\s*(?:-|\u2013|TO)\s*(\d{1,2}(?::\d{2})?\s*[AP]\.?M\.?)"
)


_DATE_FORMATS = (
    "%m/%d/%Y", "%m/%d/%y", "%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%A, %B %d, %Y",
    "%a, %b %d, %Y", "%A, %B %d", "%a, %b %d", "%B %d", "%b %d", "%m/%d",
)  # fmt: skip


def parse_us_date(value: str, where: str) -> date:
    """NCSBE dates are ``MM/DD/YYYY``; accept ISO too (hand-edited files)."""
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise DataError(f"{where}: {value!r} is not a date (MM/DD/YYYY)")


def parse_day(text: str, year: int, where: str) -> date:
    """A date in one of ``_DATE_FORMATS``; a form without a year is in ``year``."""
    text = " ".join(text.replace(".", "").split())
    for fmt in _DATE_FORMATS:
        with_year = "%Y" in fmt or "%y" in fmt
        # Forms without a year belong to the election's year (parsed with it: Feb 29).
        candidate, pattern = (text, fmt) if with_year else (f"{text} {year}", f"{fmt} %Y")
        try:
            return datetime.strptime(candidate, pattern).date()
        except ValueError:
            continue
    raise DataError(f"{where}: cannot read the date {text!r}")


def parse_clock(value: str) -> time:
    """``8:00AM``, ``8 AM``, ``7:30 p.m.`` -> a time."""
    text = value.upper().replace(".", "").replace(" ", "")
    for fmt in ("%I:%M%p", "%I%p"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise ValueError(value)


def parse_hours(value: str, where: str) -> tuple[OpenHours, ...]:
    """Hours of one day: ``Closed`` -> (); ``8:00AM - 12:00PM, 1:00PM - 5:00PM`` -> two spans."""
    text = value.strip().upper()
    if not text or text in {"CLOSED", "CLOSE", "NONE", "-"}:
        return ()
    spans = []
    for m in _RANGE.finditer(text):
        try:
            start, end = parse_clock(m.group(1)), parse_clock(m.group(2))
        except ValueError:
            raise DataError(f"{where}: {value!r} is not a time of day") from None
        if end <= start:
            raise DataError(f"{where}: hours {value!r} close before they open")
        spans.append(OpenHours(start=start, end=end))
    if not spans:
        raise DataError(f"{where}: cannot read hours {value!r}")
    return tuple(sorted(spans, key=lambda s: s.start))


def check_days(first: date, last: date, election_day: date, where: str) -> None:
    """Refuse a site's days (or one range of them) outside the ``MAX_DAYS_BEFORE_ELECTION``
    days before ``election_day``; called before a range is expanded into days."""
    earliest = election_day - timedelta(days=MAX_DAYS_BEFORE_ELECTION)
    if first < earliest:
        raise DataError(
            f"{where}: days {first.isoformat()}..{last.isoformat()} start "
            f"{(election_day - first).days:,} days before Election Day "
            f"{election_day.isoformat()}; an early-voting period is weeks long "
            f"(at most {MAX_DAYS_BEFORE_ELECTION} days before it here): a typo or a placeholder?"
        )
    if last > election_day:
        raise DataError(
            f"{where}: days {first.isoformat()}..{last.isoformat()} run past Election Day "
            f"{election_day.isoformat()}: early voting ends before it"
        )


def check_range(first: date, last: date, election_day: date, where: str) -> None:
    """Refuse a range of days too far from ``election_day`` to be any election's early
    voting (``01/01/1000 - 12/31/2999``: a typo or a placeholder), before the reader
    expands it into days. Whether the days are *this* election's is asked of the whole
    list first (``read_early_voting``): a list of another election is refused as such,
    not by its first row that falls outside the period."""
    far = max(abs((first - election_day).days), abs((last - election_day).days))
    if far > MAX_DAYS_FROM_ANY_ELECTION:
        check_days(first, last, election_day, where)  # its words say which end is wrong
