"""The embedded geocoder: a normalised address matched against the county's address points.

The table is stored column by column as ``.npy`` files sorted by key and memory-mapped on
load: nothing is parsed at start-up and the pages are shared by every worker. A look-up is
a binary search (``numpy.searchsorted``) on the key column. Keys start with the house
number, so every address with one number is a contiguous run: the fuzzy search compares
street names only within that run (``fuzzy.rank_streets``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..columns import load_columns, save_columns
from .fuzzy import rank_streets
from .normalize import ParsedAddress, canonical_street, street_parts, street_without_type

if TYPE_CHECKING:
    import pandas as pd

MAX_CANDIDATES = 10
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

    def label(self) -> str:
        unit = f" UNIT {self.unit}" if self.unit else ""
        tail = " ".join(p for p in ("NC", self.zip) if p)
        return ", ".join(p for p in (f"{self.line}{unit}", self.city, tail) if p)


@dataclass(frozen=True, slots=True)
class GeocodeResult:
    """Either one point (``best``) or several equally good ones (``candidates``)."""

    best: AddressPoint | None
    candidates: tuple[AddressPoint, ...]
    score: float
    notes: tuple[str, ...] = ()
    reason: str = ""  # why candidates need confirming: several_match, locality_mismatch...


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
        )

    def rows_for(self, key: str) -> list[AddressPoint]:
        keys, k = self._c["key"], key.encode()
        lo = int(keys.searchsorted(k, side="left"))
        if lo == self.size or keys[lo] != k:
            return []
        hi = int(keys.searchsorted(k, side="right"))
        return [self._point(i) for i in range(lo, hi)]

    def has_key(self, key: str) -> bool:
        return self._has("key", key)

    def rows_without_type(self, key: str) -> list[AddressPoint]:
        k = street_without_type(key).encode()
        lo = int(np.searchsorted(self._c["alt_key"], k, side="left"))
        hi = int(np.searchsorted(self._c["alt_key"], k, side="right"))
        return [self._point(int(self._c["alt_row"][i])) for i in range(lo, hi)]

    def prefix_range(self, prefix: str) -> tuple[int, int]:
        """Rows whose key starts with ``prefix`` (keys are sorted: one contiguous run)."""
        p = prefix.encode()
        keys = self._c["key"]
        lo = int(np.searchsorted(keys, p, side="left"))
        hi = int(np.searchsorted(keys, p + b"\xff", side="left"))
        return lo, hi

    def point(self, i: int) -> AddressPoint:
        return self._point(i)

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
        return [(streets[i], names[i]) for i in np.unique(self._c["street_id"][lo:hi]).tolist()]

    def _has(self, column: str, value: str) -> bool:
        arr, v = self._c[column], value.encode()
        i = int(arr.searchsorted(v))
        return i < len(arr) and arr[i] == v

    def has_street_name(self, name: str) -> bool:
        return self._has("names", name)

    def without_trailing_city(self, parsed: ParsedAddress) -> ParsedAddress:
        """``600 East Blvd Charlotte`` (no comma) read as street "E BLVD CHARLOTTE": when
        that street is unknown and its last words are a city on file, they are the city."""
        tokens = parsed.street.split()
        if parsed.city or self.has_key(parsed.street):
            return parsed
        for n in (3, 2, 1):
            city = " ".join(tokens[-n:])
            if len(tokens) - n >= 2 and self._has("cities", city):
                street = canonical_street(" ".join(tokens[:-n]))
                return replace(parsed, street=street, city=city)
        return parsed

    def geocode(self, parsed: ParsedAddress) -> GeocodeResult:
        """Match exactly on the key, then without the street type, then fuzzily on the
        street name among the streets with that house number; narrow by ZIP, city, unit.

        Never answers for a building the caller did not describe: a street type, ZIP or
        city that contradicts every match turns the matches into candidates to confirm
        (``reason``) instead of a silent answer in another town.
        """
        rows = self.rows_for(parsed.street)
        if rows:
            return self._resolve(rows, parsed, 1.0, ())
        rows = self.rows_without_type(parsed.street)
        if rows and street_without_type(parsed.street) != parsed.street:
            # "3rd Ave" given, only "3rd St" exists: a different street until confirmed.
            return self._confirm(rows, "street_type_mismatch")
        if rows:
            return self._resolve(rows, parsed, 0.9, ("street_type_assumed",))
        return self._fuzzy(parsed)

    def _fuzzy(self, parsed: ParsedAddress) -> GeocodeResult:
        number, _, rest = parsed.street.partition(" ")
        # A street name that exists is no typo: "100 Oak St" must not become "100 Oaks St"
        # because Oak St has no number 100. Only missing parts may then be filled in.
        spelled_right = self.has_street_name(street_parts(rest).name)
        matches = [
            m
            for m in rank_streets(rest, self.streets_at(number))
            if not (spelled_right and "spelling_corrected" in m.notes)
        ]
        fits = []
        for m in matches:
            rows = self._in_locality(self.rows_for(f"{number} {m.street}"), parsed)
            if rows:
                fits.append((m, rows))
        if not fits:
            return GeocodeResult(best=None, candidates=(), score=0.0)
        if len(fits) > 1:
            return self._confirm([r for _m, rows in fits for r in rows], "several_match")
        m, rows = fits[0]
        return self._resolve(rows, parsed, m.score, m.notes)

    @staticmethod
    def _in_locality(rows: list[AddressPoint], parsed: ParsedAddress) -> list[AddressPoint]:
        """Rows the caller's ZIP and city allow. A point with no ZIP or city on file
        (facility layers) is not contradicted by one."""
        if parsed.zip:
            rows = [r for r in rows if r.zip in (parsed.zip, "")]
        if parsed.city:
            rows = [r for r in rows if parsed.city in (r.city, r.municipality) or not r.city]
        return rows

    def _resolve(
        self, rows: list[AddressPoint], parsed: ParsedAddress, score: float, notes: tuple[str, ...]
    ) -> GeocodeResult:
        narrowed = self._in_locality(rows, parsed)
        if not narrowed:
            # The ZIP or city rules out every match (or they point at different buildings).
            return self._confirm(rows, "locality_mismatch")
        buildings = self._buildings(narrowed)
        if len(buildings) > 1:
            return self._confirm(narrowed, "several_match")
        units = next(iter(buildings.values()))
        best = self._building_point(units, parsed.unit)
        if parsed.unit and best.unit != parsed.unit:
            notes = (*notes, "unit_not_found")
        return GeocodeResult(best=best, candidates=(best,), score=score, notes=notes)

    @staticmethod
    def _buildings(rows: list[AddressPoint]) -> dict[tuple[str, str, str], list[AddressPoint]]:
        """One entry per building: the units of one building are no ambiguity."""
        buildings: dict[tuple[str, str, str], list[AddressPoint]] = {}
        for r in rows:
            buildings.setdefault((r.line, r.city, r.zip), []).append(r)
        return buildings

    def _confirm(self, rows: list[AddressPoint], reason: str) -> GeocodeResult:
        firsts = [self._building_point(u, "") for u in self._buildings(rows).values()]
        return GeocodeResult(
            best=None, candidates=tuple(firsts[:MAX_CANDIDATES]), score=0.0, reason=reason
        )

    @staticmethod
    def _building_point(units: list[AddressPoint], unit: str) -> AddressPoint:
        """The unit asked for, else the building's own point, else its first unit."""
        for r in units:
            if unit and r.unit == unit:
                return r
        for r in units:
            if not r.unit:
                return r
        return units[0]
