"""Address points from any table a county hands over, as one frame: ``COLUMNS``, WGS84,
keys canonical (``canonical_street``), so the county's spelling and a caller's meet.

The layouts (county Master Address Table, NENA NG9-1-1 address points, OpenAddresses or
any house number + street table, a one-line address column) and the column synonyms are
in ``address_layouts``; reading the file is ``address_table``; cleaning cells is
``address_cells``. What is done with imperfect rows:

- Rows the file itself marks as not current (MAT ``STATUS_CODE`` other than ``A``) or in
  another state (a ``State``/``REGION`` column) are no address points here: skipped.
- A row without a usable house number and street cannot be looked up: left out. More than
  ``validate.MAX_BAD_ADDRESS_SHARE`` (5 %) of them means the file is not what it seems:
  refused.
- A row without usable coordinates (empty, ``35,2``, ``N/A``, out of range) keeps NaN
  coordinates: the refresh leaves it out with the points far outside the county, and
  counts them against the same share. A whole coordinate column unusable, or more than
  the share in one file, refuses the file here, naming the first row and column.

Every refusal is one ``DataError`` line naming the file, and where it can the row (the
1-based line of a text file, the feature of a layer) and the column.

A file is read ``CHUNK_ROWS`` records at a time (``read_address_chunks``): each chunk's
rows are cleaned and judged at once, its frame dropped by the caller once it is compact
arrays. What is counted over the whole file (rows left out, the shares that refuse it) is
tallied across chunks, each first example kept as one pass over the file would find it,
and decided when the last chunk is read.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lookup.errors import DataError
from lookup.geocode.normalize import MAX_ADDRESS_CHARS, canonical_street, split_unit
from lookup.ingest.formats import address_cells as cells
from lookup.ingest.formats.address_layouts import MAT_CRS, WGS84, Layout, detect_layout
from lookup.ingest.formats.address_table import Source, Table, numbers, open_sources, quoted

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from pyproj import Transformer

__all__ = ["CHUNK_ROWS", "COLUMNS", "MAT_CRS", "read_address_chunks", "read_addresses"]

COLUMNS = ("key", "unit", "line", "city", "municipality", "zip", "lon", "lat")
# Records read, cleaned and judged at a time: a chunk's frame and temporaries are ~100 MB
# where a statewide table's (five million rows) would be ~2 GB.
CHUNK_ROWS = 250_000
log = logging.getLogger(__name__)
_KEY = re.compile(r"[0-9]+[A-Z]? \S")  # a key starts with its house number, then a street
# Longer street lines cannot be typed by a caller (addresses are cut at 200 characters).
_MAX_STREET = MAX_ADDRESS_CHARS - 20


@dataclass
class _Rows:
    """The address columns of the rows kept, and why the unusable ones are unusable."""

    frame: pd.DataFrame  # COLUMNS without lon/lat; key "" where unusable
    problem: Callable[[int], tuple[str, str]]  # kept row -> (column, what is wrong)


def read_addresses(path: Path, notes: list[str] | None = None) -> pd.DataFrame:
    """Read one address-point file into ``COLUMNS`` (WGS84, canonical keys), as one frame.

    Rows left out are reported, one line each kind, into ``notes`` (the refresh's
    warnings) or else the log; a file that cannot be used raises ``DataError``."""
    parts = list(read_address_chunks(path, notes))
    return parts[0] if len(parts) == 1 else _joined(parts)


def read_address_chunks(
    path: Path, notes: list[str] | None = None, rows: int = CHUNK_ROWS
) -> Iterator[pd.DataFrame]:
    """``read_addresses`` ``rows`` records at a time: the rows kept of each chunk, in file
    order (a chunk that keeps none is not yielded). The notes are written, or the file
    refused (``DataError``), when the last chunk has been read: consume them all."""
    source, layout = _address_table(open_sources(path))
    numeric = layout.numeric_columns()
    tally = _Tally(source.name, layout)
    start = 0
    for table in source.chunks([*layout.text_columns(), *numeric], numeric, rows):
        out = _chunk(source, layout, table, start, tally)
        start += len(table.frame)
        if out is not None:
            yield out
    for note in tally.outcome(start):
        if notes is None:
            log.warning("%s", note)
        else:
            notes.append(note)


def _chunk(
    source: Source, layout: Layout, table: Table, start: int, tally: _Tally
) -> pd.DataFrame | None:
    """One chunk's rows kept (None if none), its counts and first examples in ``tally``;
    ``start``: the file's records before this chunk (messages give file rows)."""
    rows = _current_rows(layout, table, tally)
    if not len(rows):
        return None
    frame = table.frame if len(rows) == len(table.frame) else table.frame.iloc[rows]
    frame = frame.reset_index(drop=True)
    built = _from_parts(layout, frame) if layout.address is None else _from_line(layout, frame)
    lon, lat, no_point = _coordinates(layout, table)
    if len(rows) < len(lon):
        lon, lat = lon[rows], lat[rows]
    out = built.frame
    out["lon"], out["lat"] = lon, lat
    keep = tally.judge(
        out,
        lambda i: source.where(start + int(rows[i])),
        built.problem,
        lambda i: no_point(int(rows[i])),
    )
    if not keep.any():
        return None
    return out if keep.all() else out[keep].reset_index(drop=True)


def _joined(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Chunks as one frame, categorical columns kept categorical (categories merged)."""
    import pandas as pd
    from pandas.api.types import union_categoricals

    columns = {}
    for name in parts[0].columns:
        if isinstance(parts[0][name].dtype, pd.CategoricalDtype):
            columns[name] = pd.Series(union_categoricals([p[name] for p in parts]))
        else:
            columns[name] = pd.concat([p[name] for p in parts], ignore_index=True)
    return pd.DataFrame(columns)


def _address_table(sources: list[Source]) -> tuple[Source, Layout]:
    """The first table (layer) with an address layout; else the first one's reason."""
    refusal: DataError | None = None
    for source in sources:
        try:
            return source, detect_layout(source.fields, source.has_points, source.name)
        except DataError as exc:
            refusal = refusal or exc
    assert refusal is not None  # open_sources gives at least one table
    raise refusal


@dataclass
class _Tally:
    """What is decided over a whole file, counted chunk by chunk: the current rows (the
    base of the shares), rows in another state, and per kind of unusable row its count
    and the file's first example."""

    name: str
    layout: Layout
    current: int = 0
    elsewhere: int = 0
    bad: dict[str, int] = field(default_factory=dict)
    first: dict[str, str] = field(default_factory=dict)

    def judge(
        self,
        out: pd.DataFrame,
        where: Callable[[int], str],
        address_problem: Callable[[int], tuple[str, str]],
        point_problem: Callable[[int], tuple[str, str]],
    ) -> np.ndarray:
        """A chunk's rows to keep; its unusable rows counted, the first one described."""
        import numpy as np

        unusable = (out["key"] == "").to_numpy()
        no_point = ~np.isfinite(out["lat"].to_numpy())
        for mask, what, problem in (
            (unusable, _NO_ADDRESS, address_problem),
            (no_point, _NO_POINT, point_problem),
        ):
            bad = int(mask.sum())
            if bad and what not in self.first:
                at = int(np.flatnonzero(mask)[0])
                column, why = problem(at)
                self.first[what] = f"{where(at)}, column {column}: {why}"
            self.bad[what] = self.bad.get(what, 0) + bad
        return ~unusable

    def outcome(self, records: int) -> list[str]:
        """The notes on rows left out, once every chunk is counted (``records`` in all);
        a ``DataError`` when the file cannot be used (see the module's docstring)."""
        from lookup.ingest.validate import MAX_BAD_ADDRESS_SHARE  # loads shapely (~8 MB)

        name, layout, n = self.name, self.layout, self.current
        if records == 0:
            raise DataError(f"{name}: no address points (no rows after the header)")
        if n == 0:
            why = [f"retired (column {layout.status})"] if layout.status else []
            why += [f"in another state (column {layout.state})"] if layout.state else []
            raise DataError(f"{name}: no address points: every row is {' or '.join(why)}")
        said = []
        if self.elsewhere:
            k = self.elsewhere
            said.append(f"{name}: {_rows(k)} in another state (column {layout.state}) left out")
        if self.bad[_NO_POINT] == n:
            raise DataError(f"{name}: no row has usable coordinates; {self.first[_NO_POINT]}")
        for what in (_NO_ADDRESS, _NO_POINT):
            bad = self.bad[what]
            if not bad:
                continue
            example = self.first[what]
            if bad > MAX_BAD_ADDRESS_SHARE * n:
                raise DataError(
                    f"{name}: {bad:,} of {_points(n)} ({bad / n:.1%}) have {what}, "
                    f"over the {MAX_BAD_ADDRESS_SHARE:.0%} allowed; first: {example}"
                )
            said.append(f"{name}: {_points(bad)} with {what} left out; first: {example}")
        return said


_NO_ADDRESS = "no usable house number and street"
_NO_POINT = "no usable coordinates"


def _points(n: int) -> str:
    return f"{n:,} address point" + ("" if n == 1 else "s")


def _rows(n: int) -> str:
    return f"{n:,} row" + ("" if n == 1 else "s")


def _current_rows(layout: Layout, table: Table, tally: _Tally) -> np.ndarray:
    """The records that are address points here: current (MAT status), in North Carolina;
    counted in ``tally``."""
    import numpy as np

    frame = table.frame
    n = len(frame)
    keep = np.ones(n, dtype=bool)
    if layout.status:
        status = cells.per_value(frame[layout.status], n, cells.upper)
        keep &= np.asarray(status.isin(["A", ""]))
    if layout.state:
        state = np.asarray(cells.per_value(frame[layout.state], n, cells.state_code))
        elsewhere = (state != "") & (state != "NC")
        tally.elsewhere += int(elsewhere.sum())
        keep &= ~elsewhere
    rows = np.flatnonzero(keep)
    tally.current += len(rows)
    return rows


def _from_parts(layout: Layout, frame: pd.DataFrame) -> _Rows:
    """House number + street parts (MAT, NENA, OpenAddresses). Each distinct house number
    and each distinct street is spelled and normalised once: a county has ~700,000 rows
    but ~20,000 streets."""
    import numpy as np
    import pandas as pd

    n = len(frame)

    def col(name: str | None) -> pd.Series | None:
        return frame[name] if name else None

    number_columns = (layout.prefix, layout.number, layout.suffix)
    pre, num, suf = (cells.per_value(col(c), n, cells.upper) for c in number_columns)
    head_id, firsts = _combine([pre.codes, num.codes, suf.codes])
    pre_c, num_c, suf_c = (list(c.categories) for c in (pre, num, suf))
    heads = [
        cells.house_number(num_c[num.codes[r]], suf_c[suf.codes[r]], pre_c[pre.codes[r]])
        for r in firsts.tolist()
    ]
    parts = [cells.per_value(col(c), n, cells.words) for c in layout.street]
    street_id, sfirsts = _combine([p.codes for p in parts])
    words = [(list(p.categories), p.codes) for p in parts]
    lines = [
        " ".join(w for w in (cats[codes[r]] for cats, codes in words) if w)
        for r in sfirsts.tolist()
    ]
    rests = [_street_key(line) for line in lines]
    special: dict[tuple[int, int], str] = {}

    def odd_key(h: int, s: int) -> str:
        """A number with a letter or a fraction ("123A", "123 1/2"): the whole key
        canonicalised, once per distinct (number, street); such rows are few."""
        if (h, s) not in special:
            special[(h, s)] = canonical_street(f"{heads[h]} {lines[s]}")
        return special[(h, s)]

    digits = [h.isdigit() for h in heads]
    hs, ss = head_id.tolist(), street_id.tolist()
    # One column of ~700,000 strings at a time, each list freed once it is a column: the
    # two lists side by side were the peak of a county's refresh (measured: 485 -> 453 MB).
    key = pd.Series(
        [
            (heads[h] + rests[s] if digits[h] else odd_key(h, s)) if heads[h] and rests[s] else ""
            for h, s in zip(hs, ss, strict=True)
        ]
    )
    line = pd.Series([f"{heads[h]} {lines[s]}" for h, s in zip(hs, ss, strict=True)])
    del hs, ss
    no_head = np.array([not h for h in heads])

    def problem(i: int) -> tuple[str, str]:
        if no_head[head_id[i]]:
            column = layout.number or ""
            cell = num_c[num.codes[i]]
            if not cell:
                return column, "empty"
            if pre_c[pre.codes[i]]:
                return layout.prefix or "", f"a number prefix ({quoted(pre_c[pre.codes[i]])})"
            return column, f"{quoted(cell)} is not a house number"
        street = lines[street_id[i]]
        what = f"{quoted(street)} is not a street name" if street else "no street name"
        return layout.street_name or "", what

    out = _places(layout, frame)
    out.insert(0, "key", key)
    out.insert(2, "line", line)
    return _Rows(out, problem)


def _street_key(line: str) -> str:
    """What follows a digits-only house number in its canonical key (`` N TRYON ST``,
    or ``A THRUSH WAY`` where ``canonical_street`` joins a lone letter to the number):
    ``canonical_street`` of the street behind the number 1, without that 1."""
    if not line or len(line) > _MAX_STREET:
        return ""
    canon = canonical_street("1 " + line)
    return canon[1:] if canon.startswith("1") and len(canon) > 2 else ""


def _combine(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's id among the distinct combinations of ``codes`` (one array per column),
    and one row holding each combination. Hashed, in place, columns of one value skipped:
    every 700,000-row temporary freed here is heap the index build cannot get back."""
    import numpy as np
    import pandas as pd

    n = len(codes[0])
    ids = np.zeros(n, dtype=np.int64)
    span = 1  # ids < span
    for c in codes:
        if n == 0 or c.min() == c.max():
            continue
        width = int(c.max()) + 2  # code -1 (missing) is 0
        if span * width >= 2**62:
            ids, uniques = pd.factorize(ids)
            span = len(uniques)
        ids *= width
        ids += c
        ids += 1
        span *= width
    ids, uniques = pd.factorize(ids)
    firsts = np.empty(len(uniques), dtype=np.int64)
    firsts[ids] = np.arange(n)  # the last row of each combination: any one will do
    return ids.astype(np.int64, copy=False), firsts


def _from_line(layout: Layout, frame: pd.DataFrame) -> _Rows:
    """A one-line street address per row (unit, even city, included): each distinct one
    parsed once."""
    import numpy as np

    n = len(frame)
    text = cells.per_value(frame[layout.address or ""], n, str)
    keys, streets, units = [], [], []
    for cell in text.categories:
        street, unit = _street_and_unit(str(cell))
        key = canonical_street(street) if len(street) <= _MAX_STREET else ""
        keys.append(key if _KEY.match(key) else "")
        streets.append(street)
        units.append(cells.unit(unit))
    codes = np.asarray(text.codes)
    out = _places(layout, frame)
    out.insert(0, "key", cells.recode(codes, keys))
    out.insert(2, "line", cells.recode(codes, streets))
    out["unit"] = cells.first_nonempty([cells.recode(codes, units), out["unit"].array])

    def problem(i: int) -> tuple[str, str]:
        cell = str(text[i])
        what = f"{quoted(cell)} has no house number and street" if cell else "empty"
        return layout.address or "", what

    return _Rows(out, problem)


def _street_and_unit(cell: str) -> tuple[str, str]:
    """``600 East Blvd Apt 3``, ``600 East Blvd, Apt 3`` or ``310 N Tryon St, Charlotte,
    NC 28202`` (a full address): the street line and the unit; a city after a comma is
    not part of the street."""
    first, *rest = cell.upper().split(",")
    street, unit = split_unit(" ".join(first.split()))
    if not unit and rest:
        bare, unit = split_unit("X " + " ".join(rest[0].split()))  # a unit after the comma
        unit = unit if bare == "X" else ""
    return street, unit


def _places(layout: Layout, frame: pd.DataFrame) -> pd.DataFrame:
    """Unit, city, town and ZIP columns, each cleaned once per distinct value."""
    import pandas as pd

    n = len(frame)
    units = [cells.per_value(frame[u], n, cells.unit) for u in layout.units]
    city = cells.per_value(frame[layout.city] if layout.city else None, n, cells.city)
    muni = (
        cells.per_value(frame[layout.municipality], n, cells.municipality)
        if layout.municipality
        else city
    )
    zips = cells.per_value(frame[layout.zip] if layout.zip else None, n, cells.zip5)
    return pd.DataFrame(
        {
            "unit": cells.first_nonempty(units) if units else cells.per_value(None, n, str),
            "city": city,
            "municipality": muni,
            "zip": zips,
        }
    )


def _coordinates(
    layout: Layout, table: Table
) -> tuple[np.ndarray, np.ndarray, Callable[[int], tuple[str, str]]]:
    """Every record's point in WGS84 (NaN where unusable), and why a record has none."""
    import numpy as np

    geometry = table.point_problems
    # A layer's own points, unless none (in any chunk) is usable and it has coordinate
    # columns too.
    lon, lat = table.lon, table.lat
    if (
        lon is not None
        and lat is not None
        and geometry is not None
        and (table.any_point or not layout.x)
    ):
        return lon, lat, lambda i: ("geometry", geometry[i])
    frame, xc, yc = table.frame, layout.x or "", layout.y or ""
    # In place, two arrays in all: a county's coordinates are 700,000 of each, and every
    # freed temporary of that size stays in the heap through the index build.
    lon, lat = numbers(frame[xc]), numbers(frame[yc])
    if layout.crs != WGS84:
        _transformer(layout.crs).transform(lon, lat, inplace=True)  # NaN in, NaN out
    with np.errstate(invalid="ignore"):
        bad = ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))  # NaN and inf compare false
    lon[bad] = np.nan
    lat[bad] = np.nan

    def problem(i: int) -> tuple[str, str]:
        for column, limit, what in ((xc, 180, "longitude"), (yc, 90, "latitude")):
            cell = cells.cell_text(frame[column].iloc[i])
            value = _number(cell)
            if not cell:
                return column, "empty"
            if value is None:
                return column, f"{quoted(cell)} is not a number"
            if layout.crs == WGS84 and abs(value) > limit:
                return column, (
                    f"{quoted(cell)} is not a {what} in degrees (projected coordinates "
                    "need a point layer that declares its CRS)"
                )
        return f"{xc}/{yc}", f"not a place in {layout.crs} coordinates"

    return lon, lat, problem


def _number(cell: str) -> float | None:
    """A finite number, as ``numbers`` reads one (pandas takes no ``1_000``); else None."""
    if "_" in cell:
        return None
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _transformer(crs: str) -> Transformer:
    """Built per file (milliseconds): nothing of PROJ is kept through the index build."""
    from pyproj import Transformer

    return Transformer.from_crs(crs, WGS84, always_xy=True)
