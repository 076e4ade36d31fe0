"""How the address table's columns are made from its rows, once, when a dataset is built.

Everything a look-up needs beyond the sorted rows is worked out here and stored as a
column too (the streets sorted, the rows of each street, the streets by name and by their
name without type, ZIP -> towns, town and ZIP -> counties), so that a worker that maps the
table builds nothing over the whole of it: five million statewide rows cost each worker
only the pages its look-ups touch. All of it is vectorised or per distinct street (a
county has ~20,000 streets, the state a few hundred thousand), never a Python object per
row.

Per row only numbers and the short unit are stored (a key code; ZIP, town and county
codes; lon/lat):
text that repeats (the key's number and street, the display line, the ZIP) is stored once
per distinct value, so one long street name no longer widens every row. Two workers
sharing the statewide table touch ~40 bytes a row instead of ~130.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from lookup.geocode.normalize import street_parts, street_without_type

if TYPE_CHECKING:
    import pandas as pd

TEXT = ("key", "unit", "line", "zip")
PLACES = ("city", "municipality")  # stored as codes into ``place_names``
FLOAT = ("lon", "lat")
ROW_FIELDS = (*TEXT, *PLACES, *FLOAT, "county")
_BLOCK = 1_000_000  # rows per step of the per-row string work: bounded temporaries

Rows = dict[str, np.ndarray]  # ROW_FIELDS -> one array each, rows in any order


def utf8(col: pd.Series) -> np.ndarray:
    """A text column as a fixed-width UTF-8 byte array (categories encoded once each)."""
    import pandas as pd

    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = np.array([str(c).encode() for c in col.cat.categories] + [b""], dtype=bytes)
        codes = col.cat.codes.to_numpy()
        return cats[np.where(codes < 0, len(cats) - 1, codes)]
    return np.array([str(s).encode() for s in col.tolist()], dtype=bytes)


def rows_of(frame: pd.DataFrame, county: np.ndarray | None = None) -> Rows:
    """A frame of ``read_addresses``'s columns as compact arrays (a ``county`` column of
    the frame, else ``county`` given, else no county known)."""
    rows = {name: utf8(frame[name]) for name in (*TEXT, *PLACES)}
    for name in FLOAT:
        rows[name] = frame[name].to_numpy(dtype=np.float64)
    if county is None:
        county = utf8(frame["county"]) if "county" in frame else np.full(len(frame), b"")
    rows["county"] = np.asarray(county, dtype=bytes)
    return rows


def empty_rows() -> Rows:
    rows = {name: np.array([], dtype=bytes) for name in (*TEXT, *PLACES, "county")}
    return rows | {name: np.array([], dtype=np.float64) for name in FLOAT}


def concat(parts: Iterable[Rows]) -> Rows:
    """Rows of several chunks or files as one (byte columns take the widest width)."""
    parts = list(parts)
    return {name: np.concatenate([p[name] for p in parts]) for name in ROW_FIELDS}


def select(rows: Rows, keep: np.ndarray) -> Rows:
    return {name: arr[keep] for name, arr in rows.items()}


def _code_dtype(n: int) -> type[np.unsignedinteger]:
    return np.uint8 if n <= 255 else np.uint16 if n <= 65_535 else np.uint32


def _place_dtype(n: int) -> type[np.unsignedinteger]:
    return np.uint16 if n <= 65_535 else np.uint32


def _index_dtype(n: int) -> type[np.signedinteger]:
    return np.int32 if n < 2**31 else np.int64


def build_columns(rows: Rows) -> dict[str, np.ndarray]:
    """The stored columns of ``rows`` (consumed: each row array is freed once used).

    A key is stored as one integer, (its house number's rank) << 32 | (its street's rank):
    the sorted distinct numbers and streets are small tables, so the per-row column is 8
    bytes instead of the longest key's width, and sorting by it is sorting by key (a
    number sorts before any longer one it begins, as its following space does)."""
    n = len(rows["key"])
    numbers, num_id, streets, street_id = _key_parts(rows.pop("key"))
    code = (num_id.astype(np.uint64) << np.uint64(_SHIFT)) | street_id.astype(np.uint64)
    del num_id
    order = np.lexsort((rows["zip"], rows["unit"], code))
    cols: dict[str, np.ndarray] = {"key_code": code[order], "numbers": numbers}
    del code
    street_id = street_id[order]
    cols["unit"] = rows.pop("unit")[order]
    zips, zip_id = np.unique(rows.pop("zip")[order], return_inverse=True)
    cols["zip_code"] = zip_id.astype(_place_dtype(len(zips)))
    cols["zip_names"] = zips
    del zip_id
    # A county has tens of city and town names, the state ~1,500: 2-byte codes, not
    # millions of fixed-width strings each.
    places = np.union1d(rows["city"], rows["municipality"])
    for name in PLACES:
        code_type = _place_dtype(len(places))
        cols[f"{name}_code"] = np.searchsorted(places, rows.pop(name)[order]).astype(code_type)
    cols["place_names"] = places
    cols["cities"] = places[places != b""]
    for name in FLOAT:
        cols[name] = rows.pop(name)[order]
    counties = np.unique(rows["county"]) if n else np.array([], dtype=bytes)
    cols["county_code"] = np.searchsorted(counties, rows.pop("county")[order]).astype(
        _code_dtype(len(counties))
    )
    cols["county_names"] = counties
    cols |= _lines(rows.pop("line")[order], cols, streets, street_id)
    del order
    cols |= _streets(streets, street_id)
    cols |= _localities(cols)
    return cols


_SHIFT = 32  # a key code's street rank bits
STREET_MASK = np.uint64((1 << _SHIFT) - 1)


def _split(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each value's text before its first space, and after it."""
    if not len(values):  # numpy cannot partition an empty array
        return values.copy(), values.copy()
    head, _sp, tail = np.strings.partition(values, b" ")
    return head, tail


def _key_parts(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct house numbers and streets (keys without number) sorted, and each
    row's rank in each: a key is ``number + " " + street`` (the number alone where it has
    no street), so the two ranks give it back."""
    num, rest = _split(key)
    del key
    numbers, num_id = np.unique(num, return_inverse=True)
    del num
    streets, street_id = np.unique(rest, return_inverse=True)
    if len(streets) >= 1 << _SHIFT:
        raise ValueError(f"{len(streets)} distinct streets: more than a key code holds")
    return numbers, num_id.astype(np.int64), streets, street_id.astype(np.int32)


def _lines(
    line: np.ndarray, cols: dict[str, np.ndarray], streets: np.ndarray, street_id: np.ndarray
) -> dict[str, np.ndarray]:
    """The display lines, stored once per street (its most common spelling after the
    number: ``MAIN STREET`` for ``MAIN ST``) plus the rows whose line is not the key's
    number and that spelling. Such a row's line is mostly its number and another
    spelling of the street (a statewide street is ``MAIN STREET`` in one county's file and
    ``MAIN ST`` in another's): a 4-byte code into the spellings; only a line whose number
    differs from its key's (``123 A OAK ST`` for the key ``123A OAK ST``) is kept whole."""
    n = len(line)
    head, tail = _split(line)
    spellings, spelling_id = np.unique(tail, return_inverse=True)
    del tail
    street_line = streets.copy()  # a street no row spells otherwise: its key's spelling
    if n:
        width = len(spellings)
        pairs, counts = np.unique(
            street_id.astype(np.int64) * width + spelling_id, return_counts=True
        )
        sid, spelling = pairs // width, pairs % width
        # The most common spelling of each street (the first in sort order on a tie).
        best = np.lexsort((spelling, -counts, sid))
        first = np.r_[True, sid[best][1:] != sid[best][:-1]]
        street_line = street_line.astype(
            f"S{max(street_line.dtype.itemsize, spellings.dtype.itemsize, 1)}"
        )
        street_line[sid[best][first]] = spellings[spelling[best][first]]
        street_line = _trimmed(street_line)
    numbers = cols["numbers"]
    differs = np.zeros(n, dtype=bool)
    for lo in range(0, n, _BLOCK):
        code = cols["key_code"][lo : lo + _BLOCK]
        number = numbers[(code >> np.uint64(_SHIFT)).astype(np.int64)]
        made = np.strings.add(
            np.strings.add(number, b" "), street_line[street_id[lo : lo + _BLOCK]]
        )
        differs[lo : lo + _BLOCK] = made != line[lo : lo + _BLOCK]
    rows = np.flatnonzero(differs)
    # Of those, the lines that are their key's number, a space and another spelling.
    key_number = numbers[(cols["key_code"][rows] >> np.uint64(_SHIFT)).astype(np.int64)]
    spelled = (head[rows] == key_number) & (
        line[rows] == np.strings.add(np.strings.add(key_number, b" "), spellings[spelling_id[rows]])
    )
    used, code = np.unique(spelling_id[rows][spelled], return_inverse=True)
    line_spelling = np.full(len(rows), len(used), dtype=np.uint32)  # len(used): kept whole
    line_spelling[spelled] = code
    whole = rows[~spelled]
    return {
        "street_line": street_line,
        # A bit a row (n / 8 bytes): whether to look its line up, so that the common
        # row costs no binary search of the exceptions.
        "line_flags": np.packbits(differs, bitorder="little"),
        "line_rows": rows.astype(_index_dtype(n)),
        "line_spelling": line_spelling,
        "line_spellings": _trimmed(spellings[used]),
        "line_whole_rows": whole.astype(_index_dtype(n)),
        "line_text": _trimmed(line[whole]),
    }


def _trimmed(values: np.ndarray) -> np.ndarray:
    """Byte strings at the width of the longest (at least one byte)."""
    longest = int(np.strings.str_len(values).max()) if len(values) else 1
    return values.astype(f"S{max(longest, 1)}")


def _streets(streets: np.ndarray, street_id: np.ndarray) -> dict[str, np.ndarray]:
    """The streets sorted (a street's id is its rank: found by binary search), their
    names, the rows of each street, the streets by name, and the streets by their key
    without street type (for callers who leave it out)."""
    texts = [b.decode() for b in streets.tolist()]
    names = [street_parts(t).name for t in texts]
    street_name = np.array([s.encode() for s in names], dtype=bytes)
    alt = np.array(
        [street_without_type("1 " + t)[2:].encode() if t else b"" for t in texts], dtype=bytes
    )
    del texts, names
    n = len(street_id)
    alt_streets = np.argsort(alt, kind="stable")
    by_street = np.argsort(street_id, kind="stable").astype(_index_dtype(n))
    start = np.zeros(len(streets) + 1, dtype=np.int64)
    np.cumsum(np.bincount(street_id, minlength=len(streets)), out=start[1:])
    return {
        "streets": streets,
        "street_name": street_name,
        # Every street name on file, to tell "no such street" from "no such number on it".
        "names": np.unique(street_name) if len(street_name) else street_name,
        "name_order": np.argsort(street_name, kind="stable").astype(np.int32),
        "street_rows": by_street,
        "street_start": start,
        "alt_names": alt[alt_streets],
        "alt_streets": alt_streets.astype(np.int32),
    }


def _pairs(a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) of the rows kept, sorted by a then b (integer codes)."""
    width = int(b.max()) + 1 if len(b) else 1
    combined = np.unique(a[keep].astype(np.int64) * width + b[keep])
    return combined // width, combined % width


def _localities(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """ZIP -> towns, town -> counties and ZIP -> counties, as sorted pairs: what
    ``in_locality`` asks of every row and what narrows a search to the caller's county."""
    places, counties = cols["place_names"], cols["county_names"]
    zips, zip_id = cols["zip_names"], cols["zip_code"]
    county = cols["county_code"]
    has_zip = zips[zip_id] != b""
    known = counties[county] != b"" if len(counties) else np.zeros(0, dtype=bool)
    out: dict[str, np.ndarray] = {}
    code_of_place = _place_dtype(len(places))
    zt = [
        _pairs(zip_id, cols[f"{p}_code"], has_zip & (places[cols[f"{p}_code"]] != b""))
        for p in PLACES
    ]
    z, t = _merge(zt)
    out["zip_towns_zip"], out["zip_towns_code"] = zips[z], t.astype(code_of_place)
    pc = [
        _pairs(cols[f"{p}_code"], county, known & (places[cols[f"{p}_code"]] != b""))
        for p in PLACES
    ]
    p_, c = _merge(pc)
    out["town_county_place"] = p_.astype(code_of_place)
    out["town_county_code"] = c.astype(county.dtype)
    z, c = _pairs(zip_id, county, known & has_zip)
    out["zip_county_zip"], out["zip_county_code"] = zips[z], c.astype(county.dtype)
    return out


def _merge(pairs: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    a = np.concatenate([p[0] for p in pairs])
    b = np.concatenate([p[1] for p in pairs])
    width = int(b.max()) + 1 if len(b) else 1
    combined = np.unique(a * width + b)
    return combined // width, combined % width


def legacy_rows(columns: dict[str, np.ndarray], county: str) -> Rows:
    """The rows of a table stored in an earlier form, to build its columns in memory on
    load: per-row keys and lines (format 5, a county per row), or also without counties
    (format 4: its one county, from the manifest, or none known)."""
    places = columns["place_names"]
    n = len(columns["key"])
    rows: Rows = {name: np.asarray(columns[name]) for name in (*TEXT, *FLOAT)}
    for name in PLACES:
        rows[name] = places[columns[f"{name}_code"]] if n else np.array([], dtype=bytes)
    if "county_code" in columns:
        rows["county"] = columns["county_names"][columns["county_code"]] if n else rows["key"]
    else:
        rows["county"] = np.full(n, county.encode())
    return rows
