"""The county's address points as a searchable table (the geocoder's data, not its logic:
the stages that use it are ``readings``, ``candidates`` and ``resolve``).

The table is stored column by column as ``.npy`` files sorted by key and memory-mapped on
load: nothing is parsed at start-up and the pages are shared by every worker. A look-up is
a binary search (``numpy.searchsorted``) on the key column. Keys start with the house
number, so every address with one number is a contiguous run: the fuzzy search compares
street names only within that run (``fuzzy.rank_streets``). Everything else a look-up
needs (streets, ZIP -> towns, counties) is precomputed (``address_columns``): a worker
decodes only the entries a request touches, whatever the size of the table.

Each row has a county. ``within`` is the same table narrowed to the counties the caller's
town or ZIP names: a statewide table's look-ups then see one county's rows (a key in 40
counties is one address), and the caller falls back to the whole table when the narrowed
one finds nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lookup.dataset.columns import load_columns, save_columns
from lookup.geocode.address_columns import (
    TEXT,
    Rows,
    build_columns,
    empty_rows,
    legacy_rows,
    rows_of,
)
from lookup.geocode.normalize import street_without_type

if TYPE_CHECKING:
    import pandas as pd

_FLOAT = ("lon", "lat")
_BYTES = (
    "alt_key",
    "names",
    "cities",
    "streets",
    "street_name",
    "place_names",
    "county_names",
    "zip_towns_zip",
    "zip_county_zip",
)
_CODES = (
    "city_code",
    "municipality_code",
    "county_code",
    "zip_towns_code",
    "town_county_place",
    "town_county_code",
    "zip_county_code",
)
_INDEXES = ("alt_row", "street_id", "name_order", "street_rows", "street_start")
_ALL = (*TEXT, *_FLOAT, *_BYTES, *_CODES, *_INDEXES)
# What a table stored before counties and the precomputed columns (format 4) holds.
_LEGACY = (*TEXT, *_FLOAT, "place_names", "city_code", "municipality_code")
_SCAN_BLOCK = 8_192  # rows of a long run tested against the counties at a time


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
    county: str = field(default="", compare=False)  # "" where unknown

    def label(self) -> str:
        unit = f" UNIT {self.unit}" if self.unit else ""
        tail = " ".join(p for p in ("NC", self.zip) if p)
        return ", ".join(p for p in (f"{self.line}{unit}", self.city, tail) if p)


class AddressIndex:
    """Address points sorted by canonical key, with a second key that omits the street type."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self._c = columns
        self.size = len(columns["key"])
        # Tens of names a county, ~1,500 statewide: decoded once per worker.
        self._places = [b.decode() for b in columns["place_names"].tolist()]
        county_names = columns.get("county_names", np.array([], dtype=bytes))
        self.counties = tuple(b.decode() for b in county_names.tolist())
        self._only: np.ndarray | None = None  # the county codes searched; None: all

    # ---- building and storage -------------------------------------------------------
    @classmethod
    def build(cls, frame: pd.DataFrame) -> AddressIndex:
        """The table of ``read_addresses``'s columns (and ``county`` if the frame has it)."""
        return cls.from_rows(rows_of(frame))

    @classmethod
    def from_rows(cls, rows: Rows) -> AddressIndex:
        """The table of compact row arrays (``address_columns``; consumed)."""
        return cls(build_columns(rows))

    def save(self, folder: Path) -> None:
        save_columns(folder, self._c)

    @classmethod
    def load(cls, folder: Path, county: str = "") -> AddressIndex:
        """The stored table; one stored before counties (format 4) is completed in memory,
        every row in ``county`` (the dataset's one county, or ``""``: unknown)."""
        if (folder / "street_start.npy").is_file():
            return cls(load_columns(folder, _ALL))
        return cls.from_rows(legacy_rows(load_columns(folder, _LEGACY), county))

    @classmethod
    def empty(cls) -> AddressIndex:
        return cls.from_rows(empty_rows())

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
            county=self.counties[c["county_code"][i]],
        )

    def _kept(self, rows: np.ndarray) -> np.ndarray:
        """The rows (ascending or not) in the counties this table is narrowed to."""
        if self._only is None or not len(rows):
            return rows
        return rows[np.isin(self._c["county_code"][rows], self._only)]

    def _run(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo``..``hi`` of the sorted table that this table searches."""
        if self._only is None:
            return np.arange(lo, hi)
        return lo + np.flatnonzero(np.isin(self._c["county_code"][lo:hi], self._only))

    def rows_for(self, key: str) -> list[AddressPoint]:
        keys, k = self._c["key"], key.encode()
        if len(k) > keys.dtype.itemsize:
            return []  # longer than every key: and searching would copy the column
        lo = int(keys.searchsorted(k, side="left"))
        if lo == self.size or keys[lo] != k:
            return []
        hi = int(keys.searchsorted(k, side="right"))
        return [self._point(int(i)) for i in self._run(lo, hi)]

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
        return [self._point(int(i)) for i in self._kept(self._c["alt_row"][lo:hi])]

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

    def prefix_rows(self, prefix: str, limit: int) -> np.ndarray:
        """The first ``limit`` rows this table searches whose key starts with ``prefix``:
        a narrowed table reads a long run a block at a time, never all of it at once."""
        lo, hi = self.prefix_range(prefix)
        if self._only is None:
            return np.arange(lo, min(hi, lo + limit))
        found: list[np.ndarray] = []
        count = 0
        for start in range(lo, hi, _SCAN_BLOCK):
            rows = self._run(start, min(hi, start + _SCAN_BLOCK))
            found.append(rows)
            count += len(rows)
            if count >= limit:
                break
        return np.concatenate(found)[:limit] if found else np.arange(0)

    def point(self, i: int) -> AddressPoint:
        return self._point(i)

    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """(lon, lat) of every row: the columns themselves (memory-mapped when loaded; not
        to be written), for work over the whole table at once (``lookup.affected``)."""
        return self._c["lon"], self._c["lat"]

    def _decoded(self, column: str, ids: np.ndarray) -> list[str]:
        return [b.decode() for b in self._c[column][ids].tolist()]

    def all_streets(self) -> list[str]:
        """Every street on file (keys without number): for the refresh, not a request."""
        return [b.decode() for b in self._c["streets"].tolist()]

    def streets_at(self, number: str) -> list[tuple[str, str]]:
        """(street, name) of every street with house number ``number`` (keys without
        the number): one contiguous run of rows, its street ids made unique; only those
        streets are decoded."""
        lo, hi = self.prefix_range(number + " ")
        ids = np.unique(self._c["street_id"][self._run(lo, hi)])
        return list(
            zip(self._decoded("streets", ids), self._decoded("street_name", ids), strict=True)
        )

    def _has(self, column: str, value: str) -> bool:
        arr, v = self._c[column], value.encode()
        if len(v) > arr.dtype.itemsize:
            return False  # no value that long: and searching would copy the column
        i = int(arr.searchsorted(v))
        return i < len(arr) and arr[i] == v

    def _equal_range(self, column: str, value: str) -> tuple[int, int]:
        """The run of a sorted column equal to ``value`` (empty when none)."""
        arr, v = self._c[column], value.encode()
        if len(v) > arr.dtype.itemsize:
            return 0, 0
        return int(arr.searchsorted(v, side="left")), int(arr.searchsorted(v, side="right"))

    def has_street_name(self, name: str) -> bool:
        return self._has("names", name)

    def has_city(self, name: str) -> bool:
        """A postal city or municipality on file (a binary search of the sorted names)."""
        return bool(name) and self._has("cities", name)

    def city_names(self) -> list[str]:
        """Every city and town on file (a county has tens), for correcting a misspelt one."""
        return [b.decode() for b in self._c["cities"].tolist()]

    def towns_of_zip(self, zip_code: str) -> frozenset[str]:
        """Every postal city and municipality the table lists with ``zip_code``."""
        if not zip_code:
            return frozenset()
        lo, hi = self._equal_range("zip_towns_zip", zip_code)
        return frozenset(self._places[c] for c in self._c["zip_towns_code"][lo:hi].tolist())

    def _street_id(self, street: str) -> int | None:
        """A street's id: its rank among the sorted streets."""
        lo, hi = self._equal_range("streets", street)
        return lo if hi > lo else None

    def streets_named(self, name: str) -> list[str]:
        """Every street on file whose name part is ``name`` (``SUNSET`` -> ``SUNSET RD``,
        ``N SUNSET DR``...): what a caller may mean who gave a street without number."""
        names, v = self._c["street_name"], name.encode()
        if len(v) > names.dtype.itemsize:
            return []
        order = self._c["name_order"]
        lo = int(np.searchsorted(names, v, side="left", sorter=order))
        hi = int(np.searchsorted(names, v, side="right", sorter=order))
        return self._decoded("streets", np.sort(order[lo:hi]))

    def street_rows(self, street: str) -> list[AddressPoint]:
        """Every address point on one street (canonical, without number)."""
        sid = self._street_id(street)
        if sid is None:
            return []
        start = self._c["street_start"]
        rows = self._c["street_rows"][int(start[sid]) : int(start[sid + 1])]
        return [self._point(int(i)) for i in self._kept(rows)]

    # ---- counties ---------------------------------------------------------------------
    def counties_of(self, city: str, zip_code: str) -> frozenset[str]:
        """The counties whose rows list this town (postal city or municipality) or ZIP:
        both when both are given and they share a county, else either's."""
        return frozenset(self.counties[c] for c in self._county_codes(city, zip_code).tolist())

    def _county_codes(self, city: str, zip_code: str) -> np.ndarray:
        named: list[np.ndarray] = []
        if city and self.has_city(city):
            code = int(np.searchsorted(self._c["place_names"], city.encode()))
            place = self._c["town_county_place"]
            lo, hi = int(place.searchsorted(code, "left")), int(place.searchsorted(code, "right"))
            named.append(np.asarray(self._c["town_county_code"][lo:hi]))
        if zip_code:
            lo, hi = self._equal_range("zip_county_zip", zip_code)
            named.append(np.asarray(self._c["zip_county_code"][lo:hi]))
        named = [n for n in named if len(n)]
        if not named:
            return np.arange(0)
        both = np.intersect1d(named[0], named[-1])
        return both if len(both) else np.union1d(named[0], named[-1])

    def within(self, city: str, zip_code: str) -> AddressIndex | None:
        """This table narrowed to the counties the caller's town or ZIP names, or
        ``None`` when they name none (or every county on file: nothing to narrow)."""
        codes = self._county_codes(city, zip_code)
        known = sum(1 for c in self.counties if c)
        if not len(codes) or len(codes) >= known or self._only is not None:
            return None
        view = copy.copy(self)  # the same columns and decoded names, narrowed
        view._only = codes
        return view
