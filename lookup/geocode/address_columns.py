"""How the address table's columns are made from its rows, once, when a dataset is built.

Everything a look-up needs beyond the sorted rows is worked out here and stored as a
column too (the streets sorted, each row's street, the rows of each street, the streets
by name, ZIP -> towns, town and ZIP -> counties), so that a worker that maps the table
builds nothing over the whole of it: five million statewide rows cost each worker only
the pages its look-ups touch. All of it is vectorised or per distinct street (a county
has ~20,000 streets, the state a few hundred thousand), never a Python object per row.
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
    """The stored columns of ``rows`` (consumed: each row array is freed once used)."""
    n = len(rows["key"])
    order = np.lexsort((rows["zip"], rows["unit"], rows["key"]))
    cols: dict[str, np.ndarray] = {name: rows.pop(name)[order] for name in TEXT}
    # A county has tens of city and town names, the state ~1,500: 2-byte codes, not
    # millions of fixed-width strings each.
    places = np.union1d(rows["city"], rows["municipality"])
    for name in PLACES:
        code = _place_dtype(len(places))
        cols[f"{name}_code"] = np.searchsorted(places, rows.pop(name)[order]).astype(code)
    cols["place_names"] = places
    cols["cities"] = places[places != b""]
    for name in FLOAT:
        cols[name] = rows.pop(name)[order]
    counties = np.unique(rows["county"]) if n else np.array([], dtype=bytes)
    cols["county_code"] = np.searchsorted(counties, rows.pop("county")[order]).astype(
        _code_dtype(len(counties))
    )
    cols["county_names"] = counties
    del order
    cols |= _streets(cols["key"])
    cols |= _localities(cols)
    return cols


def _streets(key: np.ndarray) -> dict[str, np.ndarray]:
    """Each row's street (its key without the house number), the streets sorted (a street's
    id is its rank: found by binary search), their names, the rows of each street, the
    streets by name, and the key without its street type (for callers who leave it out)."""
    if len(key):
        num, _sp, rest = np.strings.partition(key, b" ")
    else:  # numpy cannot partition an empty array
        num, rest = key.copy(), key.copy()
    streets, inverse = np.unique(rest, return_inverse=True)
    del rest
    street_id = inverse.astype(np.int32)
    del inverse
    texts = [b.decode() for b in streets.tolist()]
    names = [street_parts(t).name for t in texts]
    street_name = np.array([s.encode() for s in names], dtype=bytes)
    alt_rest = np.array(
        [street_without_type("1 " + t)[2:].encode() if t else b"" for t in texts], dtype=bytes
    )
    del texts, names
    n = len(key)
    alt = _alt_keys(num, alt_rest, street_id)
    del num
    alt_order = np.argsort(alt, kind="stable")
    by_street = np.argsort(street_id, kind="stable").astype(_index_dtype(n))
    start = np.zeros(len(streets) + 1, dtype=np.int64)
    np.cumsum(np.bincount(street_id, minlength=len(streets)), out=start[1:])
    return {
        "street_id": street_id,
        "streets": streets,
        "street_name": street_name,
        # Every street name on file, to tell "no such street" from "no such number on it".
        "names": np.unique(street_name) if len(street_name) else street_name,
        "name_order": np.argsort(street_name, kind="stable").astype(np.int32),
        "street_rows": by_street,
        "street_start": start,
        "alt_key": alt[alt_order],
        "alt_row": alt_order.astype(_index_dtype(n)),
    }


def _alt_keys(num: np.ndarray, alt_rest: np.ndarray, street_id: np.ndarray) -> np.ndarray:
    """``number + " " + street without type`` per row (the number alone for a street
    without one), a block of rows at a time, trimmed to the longest."""
    n = len(num)
    width = num.dtype.itemsize + 1 + alt_rest.dtype.itemsize
    out = np.zeros(n, dtype=f"S{max(width, 1)}")
    for lo in range(0, n, _BLOCK):
        part = num[lo : lo + _BLOCK]
        tail = alt_rest[street_id[lo : lo + _BLOCK]]
        joined = np.strings.add(np.strings.add(part, b" "), tail)
        out[lo : lo + _BLOCK] = np.where(tail == b"", part, joined)
    longest = int(np.strings.str_len(out).max()) if n else 1
    return out.astype(f"S{max(longest, 1)}")


def _pairs(a: np.ndarray, b: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (a, b) of the rows kept, sorted by a then b (integer codes)."""
    width = int(b.max()) + 1 if len(b) else 1
    combined = np.unique(a[keep].astype(np.int64) * width + b[keep])
    return combined // width, combined % width


def _localities(cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """ZIP -> towns, town -> counties and ZIP -> counties, as sorted pairs: what
    ``in_locality`` asks of every row and what narrows a search to the caller's county."""
    places, counties = cols["place_names"], cols["county_names"]
    zips, zip_id = np.unique(cols["zip"], return_inverse=True)
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
    """The rows of a table stored before these columns existed (dataset format 4), to
    build them in memory on load: its one county (from the manifest) or none known."""
    places = columns["place_names"]
    n = len(columns["key"])
    rows: Rows = {name: np.asarray(columns[name]) for name in (*TEXT, *FLOAT)}
    for name in PLACES:
        rows[name] = places[columns[f"{name}_code"]] if n else np.array([], dtype=bytes)
    rows["county"] = np.full(n, county.encode())
    return rows
