"""The embedded geocoder: exact matching of a normalised address against address points.

The table is stored column by column as ``.npy`` files sorted by key and memory-mapped on
load: nothing is parsed at start-up and the pages are shared by every worker. A look-up is
a binary search (``numpy.searchsorted``) on the key column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .normalize import ParsedAddress, street_without_type

if TYPE_CHECKING:
    import pandas as pd

MAX_CANDIDATES = 10
_TEXT = ("key", "unit", "line", "city", "municipality", "zip")
_FLOAT = ("lon", "lat")


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


class AddressIndex:
    """Address points sorted by canonical key, with a second key that omits the street type."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self._c = columns
        self.size = len(columns["key"])

    # ---- building and storage -------------------------------------------------------
    @classmethod
    def build(cls, frame: pd.DataFrame) -> AddressIndex:
        frame = frame.sort_values(["key", "unit", "zip"], kind="stable").reset_index(drop=True)
        cols: dict[str, np.ndarray] = {}
        for name in _TEXT:
            cols[name] = np.array([s.encode() for s in frame[name].astype(str)], dtype=bytes)
        for name in _FLOAT:
            cols[name] = frame[name].to_numpy(dtype=np.float64)
        alt = np.array([street_without_type(k.decode()).encode() for k in cols["key"]], bytes)
        order = np.argsort(alt, kind="stable")
        cols["alt_key"] = alt[order]
        cols["alt_row"] = order.astype(np.int64)
        return cls(cols)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, arr in self._c.items():
            np.save(folder / f"{name}.npy", arr, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> AddressIndex:
        names = (*_TEXT, *_FLOAT, "alt_key", "alt_row")
        return cls({n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in names})

    @classmethod
    def empty(cls) -> AddressIndex:
        cols = {n: np.array([], dtype=bytes) for n in (*_TEXT, "alt_key")}
        cols |= {n: np.array([], dtype=np.float64) for n in _FLOAT}
        cols["alt_row"] = np.array([], dtype=np.int64)
        return cls(cols)

    # ---- look-up --------------------------------------------------------------------
    def _point(self, i: int) -> AddressPoint:
        c = self._c
        return AddressPoint(
            line=c["line"][i].decode(),
            unit=c["unit"][i].decode(),
            city=c["city"][i].decode(),
            municipality=c["municipality"][i].decode(),
            zip=c["zip"][i].decode(),
            lon=float(c["lon"][i]),
            lat=float(c["lat"][i]),
        )

    def rows_for(self, key: str) -> list[AddressPoint]:
        k = key.encode()
        lo = int(np.searchsorted(self._c["key"], k, side="left"))
        hi = int(np.searchsorted(self._c["key"], k, side="right"))
        return [self._point(i) for i in range(lo, hi)]

    def rows_without_type(self, key: str) -> list[AddressPoint]:
        k = street_without_type(key).encode()
        lo = int(np.searchsorted(self._c["alt_key"], k, side="left"))
        hi = int(np.searchsorted(self._c["alt_key"], k, side="right"))
        return [self._point(int(self._c["alt_row"][i])) for i in range(lo, hi)]

    def geocode(self, parsed: ParsedAddress) -> GeocodeResult:
        """Match exactly on the key, then narrow by ZIP, city and unit.

        Never answers for a building the caller did not describe: a street type, ZIP or
        city that contradicts every match turns the matches into candidates to confirm
        (``reason``) instead of a silent answer in another town.
        """
        notes: list[str] = []
        score = 1.0
        rows = self.rows_for(parsed.street)
        if not rows:
            rows = self.rows_without_type(parsed.street)
            if rows and street_without_type(parsed.street) != parsed.street:
                # "3rd Ave" given, only "3rd St" exists: a different street until confirmed.
                return self._confirm(rows, "street_type_mismatch")
            if rows:
                notes.append("street_type_assumed")
                score = 0.9
        if not rows:
            return GeocodeResult(best=None, candidates=(), score=0.0)
        # A point with no ZIP or city on file (facility layers) is not contradicted by one.
        narrowed = rows
        if parsed.zip:
            narrowed = [r for r in narrowed if r.zip in (parsed.zip, "")]
        if parsed.city:
            narrowed = [
                r for r in narrowed if parsed.city in (r.city, r.municipality) or not r.city
            ]
        if not narrowed:
            # The ZIP or city rules out every match (or they point at different buildings).
            return self._confirm(rows, "locality_mismatch")
        buildings = self._buildings(narrowed)
        if len(buildings) > 1:
            return self._confirm(narrowed, "several_match")
        units = next(iter(buildings.values()))
        best = self._building_point(units, parsed.unit)
        if parsed.unit and best.unit != parsed.unit:
            notes.append("unit_not_found")
        return GeocodeResult(best=best, candidates=(best,), score=score, notes=tuple(notes))

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
