"""The county's address points as a searchable table (the geocoder's data, not its logic:
the stages that use it are ``readings``, ``candidates`` and ``resolve``).

The table is stored column by column as ``.npy`` files sorted by key and memory-mapped on
load: nothing is parsed at start-up and the pages are shared by every worker. A look-up is
a binary search (``numpy.searchsorted``) on the key column. Keys start with the house
number, so every address with one number is a contiguous run: the fuzzy search compares
street names only within that run (``fuzzy.rank_streets``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lookup.dataset.columns import load_columns, save_columns
from lookup.geocode.normalize import street_parts, street_without_type

if TYPE_CHECKING:
    import pandas as pd

_TEXT = ("key", "unit", "line", "zip")
_PLACES = ("city", "municipality")  # stored as codes into ``place_names``
_FLOAT = ("lon", "lat")
_BYTES = ("alt_key", "names", "cities", "streets", "street_name", "place_names")
_CODES = ("city_code", "municipality_code")
_ALL = (*_TEXT, *_FLOAT, *_BYTES, *_CODES, "alt_row", "street_id")


@dataclass(frozen=True, slots=True)
class AddressPoint:
    line: str
    unit: str
    city: str
    municipality: str
    zip: str
    lon: float
    lat: float
    # Its row in the table (``AddressIndex.point``), for a pick to name it exactly; not
    # part of what the point is (rows of one address compare equal by content).
    row: int = field(default=-1, compare=False)

    def label(self) -> str:
        unit = f" UNIT {self.unit}" if self.unit else ""
        tail = " ".join(p for p in ("NC", self.zip) if p)
        return ", ".join(p for p in (f"{self.line}{unit}", self.city, tail) if p)


def _utf8(col: pd.Series) -> np.ndarray:
    """A text column as a fixed-width UTF-8 byte array (categories encoded once each)."""
    import pandas as pd

    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = np.array([str(c).encode() for c in col.cat.categories] + [b""], dtype=bytes)
        codes = col.cat.codes.to_numpy()
        return cats[np.where(codes < 0, len(cats) - 1, codes)]
    return np.array([str(s).encode() for s in col.tolist()], dtype=bytes)


class AddressIndex:
    """Address points sorted by canonical key, with a second key that omits the street type."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self._c = columns
        self.size = len(columns["key"])
        self._places = [b.decode() for b in columns["place_names"].tolist()]
        self._street_lists: tuple[list[str], list[str]] | None = None
        self._street_id_of: dict[str, int] | None = None
        self._zip_towns: dict[str, frozenset[str]] | None = None
        self._city_set: frozenset[str] | None = None

    # ---- building and storage -------------------------------------------------------
    @classmethod
    def build(cls, frame: pd.DataFrame) -> AddressIndex:
        """Columns sorted by (key, unit, zip). Works on fixed-width byte arrays and on
        each distinct street once: a 700,000-row county builds in seconds, lean."""
        raw = {name: _utf8(frame[name]) for name in (*_TEXT, *_PLACES)}
        order = np.lexsort((raw["zip"], raw["unit"], raw["key"]))
        cols: dict[str, np.ndarray] = {name: raw[name][order] for name in _TEXT}
        # A county has tens of city and town names: as 2-byte codes, not 700,000
        # fixed-width strings each (~16 MB less mapped into every worker).
        places = np.union1d(raw["city"], raw["municipality"])
        for name in _PLACES:
            code = np.uint16 if len(places) <= np.iinfo(np.uint16).max else np.uint32
            cols[f"{name}_code"] = np.searchsorted(places, raw[name][order]).astype(code)
        cols["place_names"] = places
        del raw
        for name in _FLOAT:
            cols[name] = frame[name].to_numpy(dtype=np.float64)[order]
        # The streets (keys without their number), and for each row its street: the fuzzy
        # search compares the names of the streets that have the caller's house number.
        # One pass in Python with a dict keeps memory flat (no 700,000-row temporaries).
        street_of: dict[bytes, int] = {}
        street_id = np.empty(len(order), dtype=np.int32)
        numbers: list[bytes] = []
        for i, key in enumerate(cols["key"]):
            num, _sp, rest = bytes(key).partition(b" ")
            street_id[i] = street_of.setdefault(rest, len(street_of))
            numbers.append(num)
        texts = [r.decode() for r in street_of]
        cols["street_id"] = street_id
        cols["streets"] = np.array(list(street_of), dtype=bytes)
        street_names = [street_parts(r).name for r in texts]
        cols["street_name"] = np.array([n.encode() for n in street_names], dtype=bytes)
        # Every street name on file, to tell "no such street" from "no such number on it".
        cols["names"] = np.array(sorted({n.encode() for n in street_names}), dtype=bytes)
        # The key without its street type, for callers who leave it out: per street too.
        alt_rest = [street_without_type("1 " + r)[2:].encode() if r else b"" for r in texts]
        alt = np.array(
            [
                n + b" " + alt_rest[s] if alt_rest[s] else n
                for n, s in zip(numbers, street_id.tolist(), strict=True)
            ],
            dtype=bytes,
        )
        del numbers
        alt_order = np.argsort(alt, kind="stable")
        cols["alt_key"] = alt[alt_order]
        cols["alt_row"] = alt_order.astype(np.int64)
        cols["cities"] = places[places != b""]
        return cls(cols)

    def save(self, folder: Path) -> None:
        save_columns(folder, self._c)

    @classmethod
    def load(cls, folder: Path) -> AddressIndex:
        return cls(load_columns(folder, _ALL))

    @classmethod
    def empty(cls) -> AddressIndex:
        cols = {n: np.array([], dtype=bytes) for n in (*_TEXT, *_BYTES)}
        cols |= {n: np.array([], dtype=np.float64) for n in _FLOAT}
        cols |= {n: np.array([], dtype=np.uint16) for n in _CODES}
        cols["alt_row"] = np.array([], dtype=np.int64)
        cols["street_id"] = np.array([], dtype=np.int32)
        return cls(cols)

    # ---- look-up --------------------------------------------------------------------
    def _point(self, i: int) -> AddressPoint:
        c = self._c
        return AddressPoint(
            line=c["line"][i].decode(),
            unit=c["unit"][i].decode(),
            city=self._places[c["city_code"][i]],
            municipality=self._places[c["municipality_code"][i]],
            zip=c["zip"][i].decode(),
            lon=float(c["lon"][i]),
            lat=float(c["lat"][i]),
            row=int(i),
        )

    def rows_for(self, key: str) -> list[AddressPoint]:
        keys, k = self._c["key"], key.encode()
        if len(k) > keys.dtype.itemsize:
            return []  # longer than every key: and searching would copy the column
        lo = int(keys.searchsorted(k, side="left"))
        if lo == self.size or keys[lo] != k:
            return []
        hi = int(keys.searchsorted(k, side="right"))
        return [self._point(i) for i in range(lo, hi)]

    def has_key(self, key: str) -> bool:
        return self._has("key", key)

    def rows_without_type(self, key: str) -> list[AddressPoint]:
        return self.rows_by_alt_key(street_without_type(key))

    def rows_by_alt_key(self, k: str) -> list[AddressPoint]:
        """Rows whose key without its street type is ``k``."""
        alt, b = self._c["alt_key"], k.encode()
        if len(b) > alt.dtype.itemsize:
            return []
        lo = int(alt.searchsorted(b, side="left"))
        hi = int(alt.searchsorted(b, side="right"))
        return [self._point(int(self._c["alt_row"][i])) for i in range(lo, hi)]

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """Rows whose key starts with ``prefix`` (keys are sorted: one contiguous run)."""
        p = prefix.encode()
        keys = self._c["key"]
        width = keys.dtype.itemsize
        if len(p) > width:
            return 0, 0
        lo = int(keys.searchsorted(p, side="left"))
        # Every key starting with p sorts before p + 0xFF; a p as wide as the column can
        # only equal a key (and p + 0xFF would not fit: numpy would copy the column).
        end = p + b"\xff" if len(p) < width else p
        hi = int(keys.searchsorted(end, side="left" if len(p) < width else "right"))
        return lo, hi

    def point(self, i: int) -> AddressPoint:
        return self._point(i)

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) of every row: the columns themselves (memory-mapped when loaded; not
        to be written), for work over the whole table at once (``lookup.affected``)."""
        return self._c["lon"], self._c["lat"]

    def _streets(self) -> tuple[list[str], list[str]]:
        """(street, its name) by street id, as Python strings for rapidfuzz; decoded on
        first use (a few ms for a county), then shared by every request of the worker."""
        if self._street_lists is None:
            c = self._c
            streets = [b.decode() for b in c["streets"].tolist()]
            names = [b.decode() for b in c["street_name"].tolist()]
            self._street_lists = (streets, names)
        return self._street_lists

    def streets_at(self, number: str) -> list[tuple[str, str]]:
        """(street, name) of every street with house number ``number`` (keys without
        the number): one contiguous run of rows, its street ids made unique."""
        lo, hi = self.prefix_range(number + " ")
        streets, names = self._streets()
        ids = np.unique(self._c["street_id"][lo:hi]).tolist()
        return list(zip(map(streets.__getitem__, ids), map(names.__getitem__, ids), strict=True))

    def _has(self, column: str, value: str) -> bool:
        arr, v = self._c[column], value.encode()
        if len(v) > arr.dtype.itemsize:
            return False  # no value that long: and searching would copy the column
        i = int(arr.searchsorted(v))
        return i < len(arr) and arr[i] == v

    def has_street_name(self, name: str) -> bool:
        return self._has("names", name)

    def has_city(self, name: str) -> bool:
        """A postal city or municipality on file (every reading asks: a set, not a search)."""
        if self._city_set is None:
            self._city_set = frozenset(self.city_names())
        return name in self._city_set

    def city_names(self) -> list[str]:
        """Every city and town on file (a county has tens), for correcting a misspelt one."""
        return [b.decode() for b in self._c["cities"].tolist()]

    def towns_of_zip(self, zip_code: str) -> frozenset[str]:
        """Every postal city and municipality the table lists with ``zip_code``: worked
        out on first use (~0.1 s for 700,000 rows), then kept by the worker."""
        if not zip_code:
            return frozenset()
        if self._zip_towns is None:
            towns: dict[str, set[str]] = {}
            zips = self._c["zip"]
            for name in ("city_code", "municipality_code"):
                pairs = np.unique(np.rec.fromarrays([zips, self._c[name]]))
                for z, code in pairs.tolist():
                    if z and self._places[code]:
                        towns.setdefault(z.decode(), set()).add(self._places[code])
            self._zip_towns = {z: frozenset(t) for z, t in towns.items()}
        return self._zip_towns.get(zip_code, frozenset())

    def _street_ids(self) -> dict[str, int]:
        """Street (key without number) -> its id: built on first use, a few ms a county."""
        if self._street_id_of is None:
            self._street_id_of = {s: i for i, s in enumerate(self._streets()[0])}
        return self._street_id_of

    def streets_named(self, name: str) -> list[str]:
        """Every street on file whose name part is ``name`` (``SUNSET`` -> ``SUNSET RD``,
        ``N SUNSET DR``...): what a caller may mean who gave a street without number."""
        streets, names = self._streets()
        return [streets[i] for i, n in enumerate(names) if n == name]

    def street_rows(self, street: str) -> list[AddressPoint]:
        """Every address point on one street (canonical, without number)."""
        sid = self._street_ids().get(street)
        if sid is None:
            return []
        return [self._point(int(i)) for i in np.flatnonzero(self._c["street_id"] == sid)]
