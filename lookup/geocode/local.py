"""The county's address points as a searchable table (the geocoder's data, not its logic:
the stages that use it are ``readings``, ``candidates`` and ``resolve``).

The table is stored column by column as ``.npy`` files sorted by key and memory-mapped on
load: nothing is parsed at start-up and the pages are shared by every worker. A key is
stored as a code, (its number's rank, its street's rank), so a look-up is a binary search
of the sorted numbers and streets, then of the codes (``numpy.searchsorted``). Keys start
with the house number, so every address with one number is a contiguous run: the fuzzy
search compares street names only within that run (``fuzzy.rank_streets``). Everything else
a look-up needs (streets, display lines, ZIP -> towns, counties) is precomputed
(``address_columns``): a worker decodes only the entries a request touches, whatever the
size of the table.

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
    STREET_MASK,
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
    "unit",
    "numbers",
    "street_line",
    "line_text",
    "line_spellings",
    "alt_names",
    "names",
    "cities",
    "streets",
    "street_name",
    "place_names",
    "county_names",
    "zip_names",
    "zip_towns_zip",
    "zip_county_zip",
)
_CODES = (
    "key_code",
    "zip_code",
    "city_code",
    "municipality_code",
    "county_code",
    "zip_towns_code",
    "town_county_place",
    "town_county_code",
    "zip_county_code",
)
_INDEXES = (
    "alt_streets",
    "line_rows",
    "line_flags",
    "line_spelling",
    "line_whole_rows",
    "name_order",
    "street_rows",
    "street_start",
)
_ALL = (*_FLOAT, *_BYTES, *_CODES, *_INDEXES)
# What a table stored before counties and the precomputed columns (format 4) holds, and
# one stored with them but a key and a line per row (format 5).
_LEGACY = (*TEXT, *_FLOAT, "place_names", "city_code", "municipality_code")
_PER_ROW_KEYS = (*_LEGACY, "county_code", "county_names")
_SHIFT = np.uint64(32)
_VIEWS = 4096  # narrowed views a worker keeps (a few hundred bytes each)
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
        self.size = len(columns["lon"])  # every row has a point
        # Tens of names a county, ~1,500 statewide (and ~800 ZIPs): decoded once per worker.
        self._places = [b.decode() for b in columns["place_names"].tolist()]
        zips = columns.get("zip_names", np.array([], dtype=bytes))
        self._zips = [b.decode() for b in zips.tolist()]
        county_names = columns.get("county_names", np.array([], dtype=bytes))
        self.counties = tuple(b.decode() for b in county_names.tolist())
        # By county code: searched or not (a lookup table, not ``np.isin``: a key's few
        # rows are tested in ~1 us, not ~13); None: every county.
        self._only: np.ndarray | None = None
        # (town, ZIP) -> the narrowed view (or None): callers of one area repeat the same
        # few pairs; kept per worker, cleared past ``_VIEWS`` so memory stays bounded.
        self._views: dict[tuple[str, str], AddressIndex | None] = {}

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
        """The stored table. One stored in an earlier form is built in memory on load: with
        a key and a line per row (format 5), or also before counties (format 4: every row
        in ``county``, the dataset's one county, or ``""``: unknown)."""
        if (folder / "key_code.npy").is_file():
            return cls(load_columns(folder, _ALL))
        if (folder / "county_code.npy").is_file():
            return cls.from_rows(legacy_rows(load_columns(folder, _PER_ROW_KEYS), county))
        return cls.from_rows(legacy_rows(load_columns(folder, _LEGACY), county))

    @classmethod
    def empty(cls) -> AddressIndex:
        return cls.from_rows(empty_rows())

    # ---- look-up --------------------------------------------------------------------
    def _point(self, i: int) -> AddressPoint:
        c = self._c
        return AddressPoint(
            line=self._line(i),
            unit=c["unit"][i].decode(),
            city=self._places[c["city_code"][i]],
            municipality=self._places[c["municipality_code"][i]],
            zip=self._zips[c["zip_code"][i]],
            lon=float(c["lon"][i]),
            lat=float(c["lat"][i]),
            row=int(i),
            county=self.counties[c["county_code"][i]],
        )

    def _kept(self, rows: np.ndarray) -> np.ndarray:
        """The rows (ascending or not) in the counties this table is narrowed to."""
        if self._only is None or not len(rows):
            return rows
        return rows[self._only[self._c["county_code"][rows]]]

    def _run(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``lo``..``hi`` of the sorted table that this table searches."""
        if self._only is None:
            return np.arange(lo, hi)
        return lo + np.flatnonzero(self._only[self._c["county_code"][lo:hi]])

    def _line(self, i: int) -> str:
        """Row ``i``'s display line: stored for the rows whose line is not their key's
        number and their street's spelling, else made from those two."""
        c = self._c
        if c["line_flags"][i >> 3] >> (i & 7) & 1:
            # Searched with a value of the column's own type: a Python int would make
            # numpy convert the whole column first (~180 us a row at 5 million rows).
            rows = c["line_rows"]
            k = int(c["line_spelling"][int(rows.searchsorted(rows.dtype.type(i)))])
            spellings = c["line_spellings"]
            if k == len(spellings):  # kept whole: its number is not its key's
                whole = c["line_whole_rows"]
                return str(c["line_text"][int(whole.searchsorted(whole.dtype.type(i)))].decode())
            spelling = spellings[k]
        else:
            spelling = None
        code = int(c["key_code"][i])
        number = c["numbers"][code >> 32]
        street = c["street_line"][code & 0xFFFFFFFF] if spelling is None else spelling
        return (number + b" " + street).decode()

    def key_of(self, i: int) -> str:
        """Row ``i``'s canonical key (``number + " " + street``)."""
        code = int(self._c["key_code"][i])
        number = self._c["numbers"][code >> 32].decode()
        street = self._c["streets"][code & 0xFFFFFFFF].decode()
        return f"{number} {street}" if street else number

    def _code(self, key: str) -> int | None:
        """A key's code, or ``None`` when its number or its street is on no row."""
        number, space, street = key.partition(" ")
        if space and not street:
            return None  # a key ends in a street, never in a space
        n = self._rank("numbers", number)
        s = self._rank("streets", street)
        return None if n is None or s is None else (n << 32) + s

    def _rank(self, column: str, value: str) -> int | None:
        """``value``'s position in a sorted column of distinct values, if it is there."""
        arr, v = self._c[column], value.encode()
        if len(v) > arr.dtype.itemsize:
            return None  # no value that long: and searching would copy the column
        i = int(arr.searchsorted(v))
        return i if i < len(arr) and arr[i] == v else None

    def _code_range(self, lo: int, hi: int) -> tuple[int, int]:
        """The rows whose key code is in ``lo`` (included) .. ``hi`` (excluded)."""
        codes = self._c["key_code"]
        ends = codes.searchsorted(np.array([lo, hi], dtype=np.uint64))
        return int(ends[0]), int(ends[1])

    def rows_for(self, key: str) -> list[AddressPoint]:
        code = self._code(key)
        if code is None:
            return []
        lo, hi = self._code_range(code, code + 1)
        return [self._point(int(i)) for i in self._run(lo, hi)]

    def has_key(self, key: str) -> bool:
        code = self._code(key)
        if code is None:
            return False
        lo, hi = self._code_range(code, code + 1)
        return hi > lo

    def rows_without_type(self, key: str) -> list[AddressPoint]:
        return self.rows_by_alt_key(street_without_type(key))

    def rows_by_alt_key(self, k: str) -> list[AddressPoint]:
        """Rows whose key without its street type is ``k``: the streets whose name without
        type is ``k``'s, each with ``k``'s number (an exact search each)."""
        number, space, rest = k.partition(" ")
        if space and not rest:
            return []
        n = self._rank("numbers", number)
        if n is None:
            return []
        lo, hi = self._equal_range("alt_names", rest)
        codes = (np.uint64(n) << _SHIFT) + self._c["alt_streets"][lo:hi].astype(np.uint64)
        keys = self._c["key_code"]
        starts, ends = keys.searchsorted(codes, "left"), keys.searchsorted(codes, "right")
        rows = [np.arange(a, b) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
        found = np.sort(np.concatenate(rows)) if rows else np.arange(0)
        return [self._point(int(i)) for i in self._kept(found)]

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """Rows whose key starts with ``prefix`` (keys are sorted: one contiguous run).
        Without a space, the numbers that start with it; with one, that number and the
        streets that start with what follows."""
        number, space, street = prefix.partition(" ")
        if not space:
            a, b = self._prefix_span("numbers", number)
            return self._code_range(a << 32, b << 32)
        n = self._rank("numbers", number)
        if n is None:
            return 0, 0
        a, b = self._prefix_span("streets", street)
        streets = self._c["streets"]
        if a == 0 and len(streets) and streets[0] == b"":
            a = 1  # the key of a number without street has no space to match
        return self._code_range((n << 32) + a, (n << 32) + max(a, b))

    def _prefix_span(self, column: str, prefix: str) -> tuple[int, int]:
        """The entries of a sorted column that start with ``prefix``."""
        arr, p = self._c[column], prefix.encode()
        width = arr.dtype.itemsize
        if len(p) > width:
            return 0, 0
        lo = int(arr.searchsorted(p, side="left"))
        # Every value starting with p sorts before p + 0xFF; a p as wide as the column can
        # only equal a value (and p + 0xFF would not fit: numpy would copy the column).
        end = p + b"\xff" if len(p) < width else p
        return lo, int(arr.searchsorted(end, side="left" if len(p) < width else "right"))

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
        ids = np.unique(self._c["key_code"][self._run(lo, hi)] & STREET_MASK).astype(np.int64)
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
            at = place.dtype.type(code)  # the column's own type: no conversion of it
            lo, hi = int(place.searchsorted(at, "left")), int(place.searchsorted(at, "right"))
            named.append(np.asarray(self._c["town_county_code"][lo:hi]))
        if zip_code:
            lo, hi = self._equal_range("zip_county_zip", zip_code)
            named.append(np.asarray(self._c["zip_county_code"][lo:hi]))
        named = [n for n in named if len(n)]
        if not named:
            return np.arange(0)
        # A few codes each: sets, not ``np.intersect1d`` (~6 us of numpy overhead a call).
        first, last = set(named[0].tolist()), set(named[-1].tolist())
        return np.array(sorted(first & last or first | last), dtype=np.intp)

    def within(self, city: str, zip_code: str) -> AddressIndex | None:
        """This table narrowed to the counties the caller's town or ZIP names, or
        ``None`` when they name none (or every county on file: nothing to narrow)."""
        if self._only is not None:
            return None
        key = (city, zip_code)
        # One lookup, not "in" then "[]": a thread of a Dask worker may clear it between.
        view = self._views.get(key, self)
        if view is not self:
            return view
        if len(self._views) >= _VIEWS:
            self._views.clear()
        view = self._views[key] = self._narrowed(city, zip_code)
        return view

    def _narrowed(self, city: str, zip_code: str) -> AddressIndex | None:
        codes = self._county_codes(city, zip_code)
        known = len(self.counties) - ("" in self.counties)
        if not len(codes) or len(codes) >= known:
            return None
        view = copy.copy(self)  # the same columns and decoded names, narrowed
        view._views = {}
        view._only = np.zeros(len(self.counties), dtype=bool)
        view._only[codes] = True
        return view
