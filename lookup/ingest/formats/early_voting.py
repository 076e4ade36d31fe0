"""Early-voting ("one-stop") readers: NCSBE's statewide list — tab-separated, no header,
one row per site per day, hours like ``8:00AM - 7:30PM`` or ``Closed`` — and the staff's
hand-edited CSV; ``read_early_voting`` tells every shape apart (the KML, the per-county
JSON and the county's list with a day list per cell have modules of their own)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from lookup.domain.models import DaySchedule, OpenHours
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.layouts import KnownLayout, missing_columns, shown_header, unknown_layout
from lookup.ingest.formats.polling_places import NCSBE_LAYOUT as POLLING_LAYOUT
from lookup.ingest.formats.polling_places import REQUIRED as POLLING_COLUMNS
from lookup.ingest.formats.polling_places import parse_us_date
from lookup.ingest.formats.precincts import (
    KML_SUFFIXES,  # read as NCSBE's one-stop site KML (ossite)
)
from lookup.ingest.formats.textfile import TextFile, read_text_table, rows, separated_by

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


# NCSBE's statewide one-stop list: no header row, these columns in this order.
STATEWIDE_COLUMNS = (
    "election date", "county", "board office Y/N", "site name", "street", "city state ZIP",
    "date", "hours",
)  # fmt: skip
STATEWIDE_LAYOUT = KnownLayout(
    "the State Board's one-stop list (StatewideList)",
    how=f"no header row, {len(STATEWIDE_COLUMNS)} columns {', '.join(STATEWIDE_COLUMNS)}; "
    + separated_by(),
)
JSON_SUFFIXES = (".json",)  # read as NCSBE's per-county one-stop JSON (``site_json``)
KML_LAYOUT = KnownLayout(
    "the State Board's one-stop site KML (ossite)", how=f"named {' or '.join(KML_SUFFIXES)}"
)
NEXT_STEP = "export it with the columns of (2), or give the State Board's file"


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """One early-voting site of one election, with its whole day-by-day schedule."""

    election_day: date
    county: str
    name: str
    street: str
    city: str
    state: str
    zip: str
    schedule: tuple[DaySchedule, ...]
    lat: float | None = None  # when the file has coordinates (the KML layers)
    lon: float | None = None


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


def read_statewide_list(path: Path, county: str | None = None) -> list[SiteRecord]:
    """Read NCSBE's statewide one-stop list (no header row, ``STATEWIDE_COLUMNS``)."""
    return _statewide(rows(_read_table(path)), path, county)


def _read_table(path: Path) -> TextFile:
    """The list as text; a KML or JSON under another name is refused with "name it .kml"."""
    return read_text_table(path, readable=(*KML_SUFFIXES, *JSON_SUFFIXES))


def known_layouts() -> tuple[KnownLayout, ...]:
    """Every early-voting layout ``read_early_voting`` reads, from the readers' own
    column definitions, in the order ``NEXT_STEP`` counts."""
    from lookup.ingest.formats import (
        one_stop_cells,
        site_json,  # here: both import this module
    )

    return (STATEWIDE_LAYOUT, SIMPLE_LAYOUT, one_stop_cells.LAYOUT, KML_LAYOUT, site_json.LAYOUT)


def layout_of_first_row(row: list[str]) -> KnownLayout | None:
    """The early-voting layout a file's first row begins, if any: how the polling-place
    reader tells staff they gave an early-voting list in its place."""
    from lookup.ingest.formats.one_stop_cells import LAYOUT, is_day_list_header

    header = {c.strip().lower() for c in row}
    if set(SIMPLE_COLUMNS) <= header:
        return SIMPLE_LAYOUT
    if is_day_list_header(row):
        return LAYOUT
    if len(row) == len(STATEWIDE_COLUMNS) and _statewide_row(row):
        return STATEWIDE_LAYOUT
    return None


def _statewide_row(row: list[str]) -> bool:
    """Whether a first row starts NCSBE's statewide list: a date, or a header that some
    copies carry (``election...``)."""
    first = row[0].strip() if row else ""
    if first.lower().startswith("election"):
        return True
    try:
        parse_us_date(first, "")
    except DataError:
        return False
    return True


def _statewide(table: list[list[str]], path: Path, county: str | None) -> list[SiteRecord]:
    want = wanted(county)
    days: dict[tuple[str, ...], dict[date, tuple[OpenHours, ...]]] = defaultdict(dict)
    election_of: dict[tuple[str, ...], date] = {}
    for n, row in enumerate(table, start=1):
        where = f"{path.name} line {n}"
        if n == 1 and row and row[0].lower().startswith("election"):
            continue  # tolerate a header row some copies carry
        if len(row) < len(STATEWIDE_COLUMNS):
            raise DataError(
                f"{where}: {len(row)} fields, expected {len(STATEWIDE_COLUMNS)} "
                f"({', '.join(STATEWIDE_COLUMNS)}): is a tab missing or the line cut short?"
            )
        # The third column flags the county board's office; no answer depends on it.
        election_s, row_county, _board, name, street, csz, day_s, hours_s = row[
            : len(STATEWIDE_COLUMNS)
        ]
        row_county = row_county.upper()
        if want and row_county not in want:
            continue
        m = CITY_STATE_ZIP.match(csz.upper())
        if not m:
            raise DataError(f"{where}: cannot read city, state and ZIP from {csz!r}")
        key = (row_county, name.upper(), street.upper(), m["city"], m["state"], m["zip"])
        day = parse_us_date(day_s, where)
        if day in days[key]:
            raise DataError(f"{where}: {name} listed twice for {day.isoformat()}")
        days[key][day] = parse_hours(hours_s, where)
        election_of[key] = parse_us_date(election_s, where)
    return _records(days, election_of, {}, path, county)


def _records(
    days: dict[tuple[str, ...], dict[date, tuple[OpenHours, ...]]],
    election_of: dict[tuple[str, ...], date],
    coords: dict[tuple[str, ...], tuple[float, float]],
    path: Path,
    county: str | None,
) -> list[SiteRecord]:
    """One record per site key (county, name, street, city, state, zip), days in order."""
    if not days:
        raise DataError(f"{path.name}: no early-voting rows" + (f" for {county}" if county else ""))
    return [
        SiteRecord(
            election_day=election_of[key],
            county=key[0],
            name=key[1],
            street=key[2],
            city=key[3],
            state=key[4],
            zip=key[5],
            schedule=tuple(DaySchedule(day=d, hours=h) for d, h in sorted(sched.items())),
            lat=coords[key][0] if key in coords else None,
            lon=coords[key][1] if key in coords else None,
        )
        for key, sched in days.items()
    ]


SIMPLE_COLUMNS = ("county", "name", "street", "city", "zip", "date", "hours")
SIMPLE_COORDINATES = ("lat", "lon")  # optional
SIMPLE_LAYOUT = KnownLayout("the county's hand-edited list", SIMPLE_COLUMNS, SIMPLE_COORDINATES)


def read_sites_csv(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    """The hand-editable list for county staff: a header row with ``county, name, street,
    city, zip, date, hours`` (optional ``lat, lon``), one row per site per day; ``date``
    as YYYY-MM-DD or MM/DD/YYYY; ``hours`` as ``8:00AM - 7:30PM``, ``Closed`` or a split
    day ``8:00AM - 12:00PM, 1:00PM - 5:00PM``."""
    return _simple_csv(rows(_read_table(path)), path, county, election_day)


def _simple_csv(
    table: list[list[str]], path: Path, county: str | None, election_day: date
) -> list[SiteRecord]:
    header = [h.strip().lower() for h in table[0]] if table else []
    missing = [c for c in SIMPLE_COLUMNS if c not in header]
    if missing:
        found = table[0] if table else []
        step = "rename or add the missing columns"
        raise DataError(missing_columns(path.name, missing, found, SIMPLE_LAYOUT, step))
    col = {name: i for i, name in enumerate(header)}
    want = wanted(county)
    days: dict[tuple[str, ...], dict[date, tuple[OpenHours, ...]]] = defaultdict(dict)
    coords: dict[tuple[str, ...], tuple[float, float]] = {}
    for n, row in enumerate(table[1:], start=2):
        where = f"{path.name} line {n}"
        if len(row) < len(header):
            raise DataError(f"{where}: {len(row)} fields, expected {len(header)}")
        cell = {name: row[i].strip() for name, i in col.items()}
        if want and cell["county"].upper() not in want:
            continue
        key = (
            cell["county"].upper(),
            cell["name"].upper(),
            cell["street"].upper(),
            cell["city"].upper(),
            "NC",
            cell["zip"][:5],
        )
        day = parse_us_date(cell["date"], where)
        if day in days[key]:
            raise DataError(f"{where}: {cell['name']} listed twice for {day.isoformat()}")
        days[key][day] = parse_hours(cell["hours"], where)
        lat, lon = (cell.get(c) for c in SIMPLE_COORDINATES)
        if lat and lon:
            try:
                coords[key] = (float(lat), float(lon))
            except ValueError:
                raise DataError(f"{where}: lat/lon are not numbers") from None
    return _records(days, dict.fromkeys(days, election_day), coords, path, county)


def read_early_voting(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    """Any of the early-voting shapes, told apart by what the file holds. A list whose
    days fall mostly outside this election's early-voting period is another election's
    and refused as such (``not_this_election``); every site's days are then held to its
    election (``check_days``), whatever the shape."""
    from lookup.ingest.early_voting_period import not_this_election

    sites = _read_any(path, county, election_day)
    reason = not_this_election(election_day, [s for s in sites if s.election_day == election_day])
    if reason:
        raise DataError(f"{path.name}: {reason}")
    for s in sites:
        if s.schedule:
            where = f"{path.name}: {s.county} site {s.name!r}"
            check_days(s.schedule[0].day, s.schedule[-1].day, s.election_day, where)
    return sites


def _read_any(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    if path.suffix.lower() in KML_SUFFIXES:
        from lookup.ingest.formats.kml import read_kml_sites

        return read_kml_sites(path, county, election_day)
    if path.suffix.lower() in JSON_SUFFIXES:
        from lookup.ingest.formats.site_json import read_site_json

        return read_site_json(path, county, election_day)
    table = rows(_read_table(path))  # read once, then told apart by its first row
    first = table[0] if table else []
    header = {c.strip().lower() for c in first}
    if {"name", "hours", "date"} <= header:
        return _simple_csv(table, path, county, election_day)
    if set(POLLING_COLUMNS) <= header:
        raise DataError(
            f"{path.name}: a polling-place list ({POLLING_LAYOUT.name}), not an "
            "early-voting list: give it as --polling-places"
        )
    from lookup.ingest.formats.one_stop_cells import is_day_list_header, read_day_list_table

    if is_day_list_header(first):
        return read_day_list_table(table, path, county, election_day)
    if not _statewide_row(first):
        found = f"first line: {shown_header(first)}"
        raise DataError(
            unknown_layout(path.name, "early-voting", found, known_layouts(), NEXT_STEP)
        )
    return _statewide(table, path, county)
