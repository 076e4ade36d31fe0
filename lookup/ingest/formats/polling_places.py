"""Election Day polling-place readers: the NCSBE file (UTF-16, tab-separated) and any
UTF-8 CSV with the same column names, optionally with ``lat``/``lon`` columns.

NCSBE cuts ``polling_place_name`` and ``precinct_name`` at 30 characters (``GREENWAY PARK
ELEMENTARY SCHOO``, ``GLOBE/JOHNS RIVER/MULBERRY/WIL``), a cut at a space leaving a
trailing blank the cells lose when stripped. A row says which of its names may be cut:
a cell that fills the column's 30 characters, in a file where no cell of that column is
longer (a file with longer names does not cut them)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.fields import parse_us_date
from lookup.ingest.formats.layouts import KnownLayout, UnknownLayout, missing_columns, shown_header
from lookup.ingest.formats.records import PollingPlaceRow
from lookup.ingest.formats.suffixes import KML_SUFFIXES  # read as NCSBE's polling-place KML
from lookup.ingest.formats.textfile import TextFile, read_text_table, separated_by

NCSBE_NAME_CHARS = 30  # NCSBE's width of polling_place_name and precinct_name

REQUIRED = (
    "election_dt",
    "county_name",
    "polling_place_id",
    "polling_place_name",
    "precinct_name",
    "house_num",
    "street_name",
    "city",
    "state",
    "zip",
)
LAT_COLUMNS = ("lat", "latitude")
LON_COLUMNS = ("lon", "lng", "longitude")


def read_polling_table(path: Path, county: str | None = None) -> list[PollingPlaceRow]:
    """Read a polling-place list, keeping the rows of ``county`` when given."""
    raw = _raw_rows(read_text_table(path, readable=KML_SUFFIXES))
    table = [[c.strip() for c in row] for row in raw]
    if not table:
        raise DataError(f"{path.name}: empty file")
    header = [h.strip().lower() for h in table[0]]
    _check_header(path.name, table[0], header)
    col = {name: header.index(name) for name in header}
    lat_col = next((col[c] for c in LAT_COLUMNS if c in col), None)
    lon_col = next((col[c] for c in LON_COLUMNS if c in col), None)
    want = wanted(county)
    name_cut = _cut_flags(raw, col["polling_place_name"])
    precinct_cut = _cut_flags(raw, col["precinct_name"])
    out: list[PollingPlaceRow] = []
    for i, row in enumerate(table[1:]):
        n = i + 2  # the line number
        if len(row) < len(header):
            raise DataError(f"{path.name} line {n}: {len(row)} fields, expected {len(header)}")
        row_county = row[col["county_name"]].upper()
        if want and row_county not in want:
            continue
        where = f"{path.name} line {n}"
        street = " ".join(p for p in (row[col["house_num"]], row[col["street_name"]]) if p)
        out.append(
            PollingPlaceRow(
                election_day=parse_us_date(row[col["election_dt"]], where),
                county=row_county,
                id=row[col["polling_place_id"]],
                name=row[col["polling_place_name"]],
                precinct_name=row[col["precinct_name"]],
                street=street,
                city=row[col["city"]].upper(),
                state=row[col["state"]].upper() or "NC",
                zip=row[col["zip"]][:5],
                lat=_float(row[lat_col], where) if lat_col is not None else None,
                lon=_float(row[lon_col], where) if lon_col is not None else None,
                name_cut=name_cut[i],
                precinct_cut=precinct_cut[i],
            )
        )
    if not out:
        raise DataError(
            f"{path.name}: no polling places" + (f" for county {county}" if want else "")
        )
    return out


NCSBE_LAYOUT = KnownLayout(
    "the State Board's polling_place_YYYYMMDD file",
    REQUIRED,
    (LAT_COLUMNS[0], LON_COLUMNS[0]),
    separated_by(),
)


def has_most_columns(header: list[str]) -> bool:
    """Whether a header (lower case) has most of ``REQUIRED``: a polling-place list with
    renamed columns, refused as such rather than as an unknown layout."""
    missing = [c for c in REQUIRED if c not in header]
    return len(missing) <= len(REQUIRED) // 2


def _check_header(name: str, cells: list[str], header: list[str]) -> None:
    """Refuse a header without ``REQUIRED``: as missing columns when it has most of them
    (a renamed column), else as a layout this reader does not know."""
    missing = [c for c in REQUIRED if c not in header]
    if not missing:
        return
    if has_most_columns(header):
        step = "rename or add the missing columns, or give the State Board's file"
        raise DataError(missing_columns(name, missing, cells, NCSBE_LAYOUT, step))
    raise UnknownLayout(name, f"header: {shown_header(cells)}")


def _raw_rows(tf: TextFile) -> list[list[str]]:
    """The non-blank rows with their cells as written: a cut name's trailing blank counts."""
    reader = csv.reader(io.StringIO(tf.text, newline=""), delimiter=tf.delimiter)
    return [row for row in reader if any(c.strip() for c in row)]


def _cut_flags(raw: list[list[str]], column: int) -> list[bool]:
    """Per data row, whether its cell of ``column`` may be cut: it fills
    ``NCSBE_NAME_CHARS`` and no cell of the column is longer (the file cuts there)."""
    widths = [len(r[column]) if column < len(r) else 0 for r in raw[1:]]
    cuts = bool(widths) and max(widths) == NCSBE_NAME_CHARS
    return [cuts and w == NCSBE_NAME_CHARS for w in widths]


def _float(value: str, where: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise DataError(f"{where}: {value!r} is not a number") from exc
