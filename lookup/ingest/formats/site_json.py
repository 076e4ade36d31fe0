"""NCSBE's per-county one-stop JSON (its site finder's ``GetSites``):
``{"SelectedCounty": {"Name"}, "SiteList": [{"Name", "SiteAddressStreet", "SiteAddressCSZ",
"SiteCoordLat", "SiteCoordLong", "CompleteHoursHTML"}]}``. ``CompleteHoursHTML`` is a table
whose cells alternate a date range (``start - end``, or one date) and the hours that apply
to every day of it. Dates are read in the forms ``fields.parse_day`` lists; anything else
is refused with the site and cell named, never guessed, and so is a range that reaches
further from Election Day than any election's early voting can be (``check_range``), before it is
expanded into days."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from lookup.domain.models import DaySchedule, OpenHours
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.descriptions import parse_description
from lookup.ingest.formats.fields import CITY_STATE_ZIP, check_range, parse_day, parse_hours
from lookup.ingest.formats.layouts import KnownLayout, UnknownLayout
from lookup.ingest.formats.records import SiteRecord
from lookup.ingest.formats.sniff import identify
from lookup.ingest.formats.suffixes import JSON_SUFFIXES
from lookup.ingest.formats.textfile import decode_bytes, read_source_bytes

# The document's keys and each site's, as NCSBE's GetSites writes them.
SITE_LIST, SELECTED_COUNTY = "SiteList", "SelectedCounty"
NAME, STREET, CSZ = "Name", "SiteAddressStreet", "SiteAddressCSZ"
LAT, LON, HOURS = "SiteCoordLat", "SiteCoordLong", "CompleteHoursHTML"
LAYOUT = KnownLayout(
    "the State Board's per-county one-stop JSON",
    how=f"named {' or '.join(JSON_SUFFIXES)}, {SITE_LIST}[] of "
    f"{', '.join((NAME, STREET, CSZ, HOURS))} (optional {LAT}, {LON}, {SELECTED_COUNTY}.{NAME})",
)

_RANGE_SPLIT = re.compile(r"\s+(?:-|\u2013|to)\s+", re.IGNORECASE)


def schedule_from_html(html: str, election_day: date, where: str) -> tuple[DaySchedule, ...]:
    """The table's (date range, hours) cell pairs as days, each range held to the election."""
    year = election_day.year
    cells = [c for t in parse_description(html).tables for row in t for c in row if c.strip()]
    if len(cells) % 2:
        raise DataError(f"{where}: hours table has an odd number of cells")
    days: dict[date, list[OpenHours]] = defaultdict(list)
    for when, hours in zip(cells[0::2], cells[1::2], strict=True):
        parts = _RANGE_SPLIT.split(when.strip())
        if len(parts) > 2:
            raise DataError(f"{where}: cannot read the date range {when!r}")
        first = parse_day(parts[0], year, where)
        last = parse_day(parts[-1], year, where)
        if last < first:
            raise DataError(f"{where}: date range {when!r} ends before it starts")
        check_range(first, last, election_day, f"{where}, date range {when.strip()!r}")
        spans = parse_hours(hours, where)
        d = first
        while d <= last:
            days[d] += spans
            d += timedelta(days=1)
    return tuple(
        DaySchedule(day=d, hours=tuple(sorted(h, key=lambda s: s.start)))
        for d, h in sorted(days.items())
    )


def read_site_json(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    doc = _document(path)
    sites = doc[SITE_LIST]
    named = ((doc.get(SELECTED_COUNTY) or {}).get(NAME) or "").strip().upper()
    want = wanted(county)
    site_county = named or (next(iter(want)) if want and len(want) == 1 else "")
    if not site_county:
        raise DataError(f"{path.name}: the file names no county; pass --county with its one county")
    if want and site_county not in want:
        raise DataError(f"{path.name}: sites of {site_county}, not of {county}")
    out = []
    for n, s in enumerate(sites, start=1):
        where = f"{path.name} site {n} ({s.get(NAME, '?')})"
        m = CITY_STATE_ZIP.match(str(s.get(CSZ, "")).strip().upper())
        if not m:
            raise DataError(f"{where}: cannot read city, state and ZIP")
        lat, lon = _coordinate(s.get(LAT)), _coordinate(s.get(LON))
        out.append(
            SiteRecord(
                election_day=election_day,
                county=site_county,
                name=str(s.get(NAME, "")).strip().upper(),
                street=str(s.get(STREET, "")).strip().upper(),
                city=m["city"],
                state=m["state"],
                zip=m["zip"],
                schedule=schedule_from_html(str(s.get(HOURS, "")), election_day, where),
                lat=lat if lat and lon else None,  # 0,0 means "not geocoded" here
                lon=lon if lat and lon else None,
            )
        )
    if not out:
        raise DataError(f"{path.name}: no early-voting sites")
    return out


def _document(path: Path) -> dict[str, Any]:
    """The JSON document, refused in words when it is another kind of file, not JSON, or
    JSON without a site list (the parser's own message names a character, not a cause)."""
    data = read_source_bytes(path)
    kind = identify(data)
    if kind is not None and kind.suffix not in JSON_SUFFIXES:
        raise DataError(f"{path.name}: {kind.what}, not JSON: {kind.step}")
    text, _enc = decode_bytes(data, path.name)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"{path.name}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
            f"{exc.msg.lower()}; cut short?): download the file again"
        ) from None
    if isinstance(doc, dict) and isinstance(doc.get(SITE_LIST), list):
        return doc
    keys = list(doc)[:6] if isinstance(doc, dict) else []
    found = (
        f"JSON with keys {', '.join(map(str, keys))}" if keys else f"a JSON {type(doc).__name__}"
    )
    raise UnknownLayout(path.name, found)


def _coordinate(value: object) -> float | None:
    try:
        return float(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
