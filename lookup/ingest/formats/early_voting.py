"""Early-voting ("one-stop") text lists: NCSBE's statewide list — tab-separated, no
header, one row per site per day, hours like ``8:00AM - 7:30PM`` or ``Closed`` — and the
staff's hand-edited CSV. The other shapes (the KML, the per-county JSON, the county's list
with a day list per cell) have modules of their own; ``registry`` tells them apart."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from lookup.domain.models import DaySchedule, OpenHours
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.fields import CITY_STATE_ZIP, parse_hours, parse_us_date
from lookup.ingest.formats.layouts import KnownLayout, missing_columns
from lookup.ingest.formats.records import SiteRecord
from lookup.ingest.formats.suffixes import SITE_LIST_SUFFIXES
from lookup.ingest.formats.textfile import TextFile, read_text_table, rows, separated_by

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


def read_statewide_list(path: Path, county: str | None = None) -> list[SiteRecord]:
    """Read NCSBE's statewide one-stop list (no header row, ``STATEWIDE_COLUMNS``)."""
    return _statewide(rows(_read_table(path)), path, county)


def _read_table(path: Path) -> TextFile:
    """The list as text; a KML or JSON under another name is refused with "name it .kml"."""
    return read_text_table(path, readable=SITE_LIST_SUFFIXES)


def is_statewide_row(row: list[str]) -> bool:
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
