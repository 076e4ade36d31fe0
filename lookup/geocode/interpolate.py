"""Street-centerline interpolation: an estimated point for an address the county's address
points lack, from the address ranges on each side of the street segments.

Storage follows ``local.AddressIndex``: one ``.npy`` file per column, rows sorted by the
canonical street key and memory-mapped on load (no pickle). The segments' ragged lines
are one flat ``(M, 2)`` lon/lat array plus offsets, shared by a segment's two sides.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lookup.dataset.columns import load_columns, save_columns
from lookup.geocode.base import INTERPOLATED, Candidate

if TYPE_CHECKING:
    import pandas as pd

OFFSET_M = 10.0  # from the centerline to the side of the range
END_MARGIN_M = 15.0  # least distance from either end of the segment
SCORE = 0.7  # an estimate: below an address point (1.0) whatever the match
EARTH_RADIUS_M = 6_371_008.8  # mean radius
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180
_TEXT = ("key", "side", "zip")
_INT = ("from_num", "to_num", "seg", "seg_offsets")
_NUMBER = re.compile(r"^(\d+)")


# ---- pure functions -------------------------------------------------------------------
def split_house_number(key: str) -> tuple[int, str] | None:
    """A canonical key split for ``locate``: ``600 E BLVD`` -> ``(600, "E BLVD")``.

    A letter suffix (``123A``) and a ``1/2`` word are dropped: the range holds integers.
    ``None`` when the key does not start with a number or has no street after it.
    """
    tokens = key.split()
    m = _NUMBER.match(tokens[0]) if tokens else None
    rest = tokens[1:]
    if rest and "/" in rest[0]:
        rest = rest[1:]
    if m is None or not rest:
        return None
    return int(m.group(1)), " ".join(rest)


def in_range(from_num: int, to_num: int, number: int) -> bool:
    """Whether ``number`` is on a side ranged ``from_num``..``to_num`` (either order).

    Odd and even numbers are the two sides of a street: a range whose ends share a parity
    holds only that parity; one whose ends differ holds both.
    """
    if not min(from_num, to_num) <= number <= max(from_num, to_num):
        return False
    return (from_num - to_num) % 2 == 1 or (number - from_num) % 2 == 0


def range_fraction(from_num: int, to_num: int, number: int) -> float:
    """Where ``number`` sits from the segment's first vertex (0) to its last (1)."""
    if from_num == to_num:
        return 0.5
    return (number - from_num) / (to_num - from_num)


def interpolate_point(
    coords: np.ndarray,
    fraction: float,
    side: str,
    offset_m: float = OFFSET_M,
    end_margin_m: float = END_MARGIN_M,
) -> tuple[float, float] | None:
    """The lon/lat at ``fraction`` of the line's length, moved ``offset_m`` to its ``side``
    (``"L"``/``"R"`` of the digitised direction). ``None`` for a line of no length.

    Lengths are metres on a local equirectangular projection (degrees of longitude shrink
    with latitude). The position keeps ``end_margin_m`` from both ends (at most half the
    length) so that a corner address is not placed in the intersection, where the cross
    street's centerline may be a boundary too.
    """
    xy, origin, scale = _local_metres(np.asarray(coords, dtype=np.float64))
    if len(xy) < 2:
        return None
    steps = np.diff(xy, axis=0)
    lengths = np.hypot(steps[:, 0], steps[:, 1])
    total = float(lengths.sum())
    margin = min(end_margin_m, total / 2)
    along = min(max(fraction * total, margin), total - margin)
    cumulative = np.concatenate(([0.0], np.cumsum(lengths)))
    i = min(int(np.searchsorted(cumulative, along, side="right")) - 1, len(lengths) - 1)
    i = max(i, 0)
    unit = steps[i] / lengths[i]
    point = xy[i] + unit * (along - cumulative[i])
    # Precinct boundaries very often run down street centerlines: a point left ON the
    # centerline would fall in either precinct at random. Moving it off the line, to the
    # side the range belongs to, puts it in the precinct of the houses on that side.
    left_normal = np.array([-unit[1], unit[0]])
    point = point + (1.0 if side == "L" else -1.0) * offset_m * left_normal
    lon, lat = origin + point / scale
    return float(lon), float(lat)


def _local_metres(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coordinates in metres east/north of their mean, repeated vertices dropped, with the
    origin and the metres-per-degree scale to go back."""
    origin = coords.mean(axis=0)
    scale = np.array([_M_PER_DEG * math.cos(math.radians(origin[1])), _M_PER_DEG])
    xy = (coords - origin) * scale
    moved = np.concatenate(([True], np.any(np.diff(xy, axis=0) != 0, axis=1)))
    return xy[moved], origin, scale


# ---- the table ------------------------------------------------------------------------
class StreetRanges:
    """Address ranges per (segment, side), sorted by canonical street key."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self._c = columns
        self.size = len(columns["key"])

    @classmethod
    def build(cls, frame: pd.DataFrame) -> StreetRanges:
        """From ``sources.centerlines.read_centerlines`` columns (``segment`` optional)."""
        if "segment" not in frame:
            frame = frame.assign(segment=np.arange(len(frame)))
        frame = frame.sort_values(["street", "zip", "segment", "side"], kind="stable")
        frame = frame.reset_index(drop=True)
        cols: dict[str, np.ndarray] = {}
        for name, source in (("key", "street"), ("side", "side"), ("zip", "zip")):
            cols[name] = np.array([s.encode() for s in frame[source].astype(str)], dtype=bytes)
        cols["from_num"] = frame["from_num"].to_numpy(dtype=np.int64)
        cols["to_num"] = frame["to_num"].to_numpy(dtype=np.int64)
        _ids, first, seg = np.unique(
            frame["segment"].to_numpy(), return_index=True, return_inverse=True
        )
        cols["seg"] = seg.astype(np.int64).reshape(-1)
        lines = [
            np.asarray(frame["coords"].iloc[i], dtype=np.float64).reshape(-1, 2) for i in first
        ]
        cols["seg_offsets"] = np.concatenate(([0], np.cumsum([len(x) for x in lines]))).astype(
            np.int64
        )
        cols["coords"] = np.concatenate(lines) if lines else np.empty((0, 2), dtype=np.float64)
        return cls(cols)

    def save(self, folder: Path) -> None:
        save_columns(folder, self._c)

    @classmethod
    def load(cls, folder: Path) -> StreetRanges:
        return cls(load_columns(folder, (*_TEXT, *_INT, "coords")))

    @classmethod
    def empty(cls) -> StreetRanges:
        cols = {n: np.array([], dtype=bytes) for n in _TEXT}
        cols |= {n: np.array([], dtype=np.int64) for n in _INT}
        cols["seg_offsets"] = np.zeros(1, dtype=np.int64)
        cols["coords"] = np.empty((0, 2), dtype=np.float64)
        return cls(cols)

    def _line(self, seg: int) -> np.ndarray:
        offsets = self._c["seg_offsets"]
        return np.asarray(self._c["coords"][int(offsets[seg]) : int(offsets[seg + 1])])

    def locate(
        self, street: str, number: int, zip_code: str = "", *, offset_m: float = OFFSET_M
    ) -> list[Candidate]:
        """One candidate per segment side of canonical ``street`` whose range holds
        ``number`` (several: ambiguous, e.g. one name in two ZIPs); ``[]`` when none does.

        A side with a ZIP on file other than ``zip_code`` is no match.
        """
        c = self._c
        k = street.encode()
        lo = int(np.searchsorted(c["key"], k, side="left"))
        hi = int(np.searchsorted(c["key"], k, side="right"))
        out: list[Candidate] = []
        seen: set[tuple[int, bytes]] = set()
        for i in range(lo, hi):
            from_num, to_num = int(c["from_num"][i]), int(c["to_num"][i])
            side_zip = c["zip"][i].decode()
            seg, side = int(c["seg"][i]), bytes(c["side"][i])
            if not in_range(from_num, to_num, number) or (seg, side) in seen:
                continue
            if zip_code and side_zip and side_zip != zip_code:
                continue
            fraction = range_fraction(from_num, to_num, number)
            point = interpolate_point(self._line(seg), fraction, side.decode(), offset_m)
            if point is None:
                continue
            seen.add((seg, side))
            label_zip = side_zip or zip_code
            address = f"{number} {street}" + (f", {label_zip}" if label_zip else "")
            out.append(Candidate(address, point[0], point[1], SCORE, INTERPOLATED))
        return out
