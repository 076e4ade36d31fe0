"""The county's one-stop list with each site's days in one cell: a header ``County,
LocationName, Address, Dates``, one row per site, the address on one line
(``10220 ARDREY KELL RD, CHARLOTTE, NC 28277``) and in ``Dates`` one line per day or run
of days, as Mecklenburg's preliminary 2020 list and NCSBE's ``one-stop-absentee.csv`` write
them::

    Thursday, 10/15/20, 8:00AM - 7:30PM
     Sunday, 10/18/20, Closed
     10/19/20 - 10/23/20, 8:00AM - 12:00PM, 1:00PM - 5:00PM
     Monday - Friday, 10/26/20 - 10/30/20, 8:00AM - 7:30PM

A weekday written beside a date must be that date's weekday: otherwise one of the two is
a typo, and which one cannot be told, so the list is refused with the site named. A
weekday range over a date range keeps the days it names. A split day may also be written
as two lines of the same date. An address that says ``TBD`` is a site whose building is
not known yet: it is kept with no address and no coordinates, never a guessed one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

from lookup.domain.models import DaySchedule, OpenHours
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.fields import check_range, parse_day, parse_hours
from lookup.ingest.formats.layouts import KnownLayout
from lookup.ingest.formats.records import SiteRecord
from lookup.ingest.formats.suffixes import SITE_LIST_SUFFIXES
from lookup.ingest.formats.textfile import read_text_table, rows

HEADER = ("County", "LocationName", "Address", "Dates")  # as the county writes them
LAYOUT = KnownLayout("the county's one-stop list with a day list per site", HEADER)
WEEKDAYS = {
    "MON": 0, "MONDAY": 0, "TUE": 1, "TUES": 1, "TUESDAY": 1, "WED": 2, "WEDNESDAY": 2,
    "THU": 3, "THUR": 3, "THURS": 3, "THURSDAY": 3, "FRI": 4, "FRIDAY": 4,
    "SAT": 5, "SATURDAY": 5, "SUN": 6, "SUNDAY": 6,
}  # fmt: skip
# A building not chosen yet: "TBD", "TBA", "To be determined", "To be announced".
_UNKNOWN = re.compile(r"\b(?:TBD|TBA|TO BE (?:DETERMINED|ANNOUNCED))\b")
# "street[, more], city[,] ST 12345": the city is the last comma-separated part.
_ADDRESS = re.compile(
    r"^(?P<street>.+?)\s*,\s*(?P<city>[^,]+?)\s*(?:,\s*|\s+)(?P<state>[A-Z]{2})\s+"
    r"(?P<zip>\d{5})(?:-\d{4})?$"
)
# Where a line's hours begin: its first time of day, or "Closed".
_HOURS_START = re.compile(r"\b(?:\d{1,2}(?::\d{2})?\s*[AP]\.?M|CLOSED\b|NOON\b)")
_MONTH = r"\b(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?"
_DATE = re.compile(rf"\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|{_MONTH}\s+\d{{1,2}}(?:,?\s+\d{{4}})?")
_THROUGH = r"(?:-|\u2013|\bTO\b|\bTHROUGH\b|\bTHRU\b)"
_RANGE_ONLY = re.compile(rf"^[\s,]*(?:{_THROUGH}[\s,]*)?$")


def _key(name: str) -> str:
    """A column name as compared: any case, without spaces or underscores."""
    return re.sub(r"[\s_]+", "", name).lower()


COLUMNS = tuple(_key(c) for c in HEADER)


def is_day_list_header(row: Sequence[str]) -> bool:
    """``County, LocationName, Address, Dates`` (any case, spaces or underscores)."""
    return set(COLUMNS) <= {_key(c) for c in row}


def read_day_list(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    """The list's sites of ``county``; the election is ``election_day`` (no column says)."""
    table = rows(read_text_table(path, readable=SITE_LIST_SUFFIXES))
    return _day_list(table, path, county, election_day)


def _day_list(
    table: list[list[str]], path: Path, county: str | None, election_day: date
) -> list[SiteRecord]:
    """One record per row of ``county``."""
    header = [_key(c) for c in table[0]]
    col = {name: header.index(name) for name in COLUMNS}
    want = wanted(county)
    out: list[SiteRecord] = []
    seen: set[tuple[str, str, str]] = set()
    for n, row in enumerate(table[1:], start=2):
        if len(row) < len(header):
            raise DataError(f"{path.name} line {n}: {len(row)} fields, expected {len(header)}")
        row_county = row[col["county"]].strip().upper()
        if want and row_county not in want:
            continue
        name = " ".join(row[col["locationname"]].split()).upper()
        where = f"{path.name} line {n} ({name or '?'})"
        if not name:
            raise DataError(f"{where}: no LocationName")
        street, city, state, zip_code = split_address(row[col["address"]], where)
        if (row_county, name, street) in seen:
            raise DataError(f"{where}: the site is listed twice")
        seen.add((row_county, name, street))
        out.append(
            SiteRecord(
                election_day=election_day,
                county=row_county,
                name=name,
                street=street,
                city=city,
                state=state,
                zip=zip_code,
                schedule=parse_day_lines(row[col["dates"]], election_day, where),
            )
        )
    if not out:
        raise DataError(f"{path.name}: no early-voting sites" + (f" for {county}" if want else ""))
    return out


def split_address(text: str, where: str) -> tuple[str, str, str, str]:
    """``10220 ARDREY KELL RD, CHARLOTTE, NC 28277`` -> street, city, state, ZIP; an
    address still to be determined (``SOUTHPARK AREA TBD, CHARLOTTE, NC 28210``) -> four
    empty strings: the site is listed as not yet known, and nothing is made up for it."""
    value = " ".join(text.split()).upper()
    if _UNKNOWN.search(value):
        return "", "", "", ""
    if not value:
        raise DataError(f"{where}: no address (write TBD if the building is not known yet)")
    m = _ADDRESS.match(value)
    if not m:
        raise DataError(f"{where}: cannot read street, city, state and ZIP from {text!r}")
    return m["street"], m["city"], m["state"], m["zip"]


def parse_day_lines(cell: str, election_day: date, where: str) -> tuple[DaySchedule, ...]:
    """Every line of a ``Dates`` cell, as the site's days in order."""
    days: dict[date, tuple[OpenHours, ...]] = {}
    for line in cell.splitlines():
        text = " ".join(line.split())
        if not text:
            continue
        spans, dated = _line(text, election_day, f"{where}, {text!r}")
        for d in dated:
            days[d] = _merge(days[d], spans, d, where) if d in days else spans
    if not days:
        raise DataError(f"{where}: no days in Dates")
    return tuple(DaySchedule(day=d, hours=h) for d, h in sorted(days.items()))


def _line(text: str, election_day: date, where: str) -> tuple[tuple[OpenHours, ...], list[date]]:
    """``[weekday(s),] date[ - date][,] hours`` -> (the hours, the days they apply to)."""
    upper = text.upper()
    m = _HOURS_START.search(upper)
    if not m:
        raise DataError(f"{where}: no hours (a time like 8:00AM, or Closed)")
    hours = re.sub(r"\bNOON\b", "12:00PM", upper[m.start() :])
    spans = parse_hours(hours, where)
    when = upper[: m.start()].strip(" ,;:")
    first_date = _DATE.search(when)
    if not first_date:
        raise DataError(f"{where}: no date (MM/DD/YY)")
    weekdays = _weekdays(when[: first_date.start()], where)
    dates_text = when[first_date.start() :]
    found = _DATE.findall(dates_text)
    if len(found) > 2 or not _RANGE_ONLY.match(_DATE.sub(" ", dates_text)):
        raise DataError(f"{where}: cannot read the day or range of days")
    first = parse_day(found[0], election_day.year, where)
    last = parse_day(found[-1], election_day.year, where)
    if last < first:
        raise DataError(f"{where}: the range ends before it starts")
    check_range(first, last, election_day, where)  # before expanding a range
    dated = [first + timedelta(days=k) for k in range((last - first).days + 1)]
    if weekdays is None:
        return spans, dated
    if first.weekday() not in weekdays or last.weekday() not in weekdays:
        ends = dict.fromkeys((first, last))
        named = ", ".join(f"{d.strftime('%m/%d/%Y')} is a {d.strftime('%A')}" for d in ends)
        raise DataError(f"{where}: the weekday does not match the date ({named})")
    return spans, [d for d in dated if d.weekday() in weekdays]


def _weekdays(text: str, where: str) -> frozenset[int] | None:
    """``Thursday`` / ``Mon - Fri`` / ``Sat & Sun`` -> weekday numbers; nothing -> None."""
    words = [w for w in re.split(rf"[\s,.&/]+|{_THROUGH}|\bAND\b", text) if w]
    if not words:
        return None
    numbers = []
    for w in words:
        n = WEEKDAYS.get(w, WEEKDAYS.get(w.removesuffix("S"), -1))  # "Sundays"
        if n < 0:
            raise DataError(f"{where}: {w.title()!r} is not a weekday")
        numbers.append(n)
    if len(numbers) == 2 and re.search(_THROUGH, text):
        start, end = numbers  # a range, which may wrap: Saturday - Monday
        return frozenset((start + k) % 7 for k in range((end - start) % 7 + 1))
    return frozenset(numbers)


def _merge(
    before: tuple[OpenHours, ...], spans: tuple[OpenHours, ...], day: date, where: str
) -> tuple[OpenHours, ...]:
    """A split day written as two lines of one date; "Closed" and hours together, the
    same hours twice or overlapping hours mean a typo in a date: refused."""
    both = sorted((*before, *spans), key=lambda s: s.start)
    overlap = any(a.end > b.start for a, b in pairwise(both))
    if not before or not spans or overlap:
        raise DataError(f"{where}: {day.strftime('%m/%d/%Y')} is listed twice")
    return tuple(both)
