"""Point -> precinct: a spatial index over the precinct polygons.

Measured on the real 195 Mecklenburg precincts (``python -m scripts.bench``, this 2-core
machine), a general tree spends its time in call overhead: STRtree ~30-37 µs per single
query (it needs a ``Point``, ~9 µs to build here, and a query call), rtree ~60-70 µs
(ctypes per query), against a 15 µs budget. So the serving index is a **precomputed cell
grid** over the county (~2-4 µs; ~6-12 µs for real address points, which sit near
boundary streets), built when a dataset is published and stored with it:

* each cell entirely inside one precinct (most of them) answers at once, no geometry test;
* a cell crossed by boundaries lists its few candidate precincts, tested exactly with
  prepared ``contains`` (and ``contains_xy`` vectorised in batch).

Cells are tested as slightly enlarged boxes, so float rounding at a cell edge can never
put a point in a "full" cell it is not in. A point exactly on a shared boundary is
inside neither polygon by ``contains``; we then fall back to ``intersects`` and take the
precinct that comes first in the source file, flagged ``on_boundary`` so the answer can
ask to verify.
``lookup.spatial.trees`` keeps STRtree and rtree indexes behind the same interface, for the
benchmark's side-by-side figures and as independent oracles in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import shapely

# Cell encoding: >= 0 the one precinct that covers the cell; -1 no precinct;
# <= -2 a mixed cell whose candidates are cand_ids[cand_offsets[m]:cand_offsets[m + 1]],
# with m = -value - 2.
EMPTY = -1
EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG)
_M_PER_DEG = EARTH_RADIUS_M * math.pi / 180
_EPS = 1e-9  # degrees (~0.1 mm): the margin by which "full" cells are tested
_PAD = 1e-7  # degrees (~1 cm) added around the precincts' extent
# ``near_boundary``: a point deeper than metres + CORE_MARGIN_M inside its precinct is
# far from its edge, one less deep than metres - CORE_MARGIN_M is near, without measuring.
# The margin covers how far the shrunk polygons may be off: GEOS's buffer draws arcs as 8
# chords per quarter (a chord lies up to 0.5 % of the radius inside its arc: 0.25 m at
# 50 m) and simplifies its input by up to 1 % of the distance (0.5 m); we then simplify
# the result by CORE_SIMPLIFY_M (a third of the vertices: ~2 MB less per county worker).
CORE_MARGIN_M = 2.0
CORE_SIMPLIFY_M = 1.0


@dataclass(frozen=True, slots=True)
class Hit:
    index: int
    on_boundary: bool = False


class PrecinctIndex(Protocol):
    geoms: np.ndarray

    def locate(self, lon: float, lat: float) -> Hit | None: ...

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray: ...


def prepare_polygons(geoms: np.ndarray) -> np.ndarray:
    """Prepare polygons and build GEOS's lazy edge index now, not on the first requests."""
    geoms = np.asarray(geoms, dtype=object)
    shapely.prepare(geoms)
    if len(geoms):
        # One probe per polygon, vectorised (statewide: 60 ms of the load went to building
        # 2,706 Points). The middle of its box: inside the envelope, so GEOS does not
        # answer from the envelope alone but consults (and builds) the edge index.
        b = shapely.bounds(geoms)
        x, y = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
        shapely.contains_xy(geoms, x, y)
        shapely.contains_xy(geoms, x, y)  # GEOS builds the prepared index on the second call
    return geoms


def refine(
    geoms: Sequence[shapely.Geometry] | np.ndarray,
    candidates: Iterable[int],
    lon: float,
    lat: float,
) -> Hit | None:
    # The _xy predicates take the coordinates as they are: building a Point costs more
    # than a prepared polygon's test (profiled: 18 us of every HTTP look-up went to Points).
    for i in candidates:
        if shapely.contains_xy(geoms[i], lon, lat):
            return Hit(int(i))
    for i in candidates:
        if shapely.intersects_xy(geoms[i], lon, lat):
            return Hit(int(i), on_boundary=True)
    return None


def refine_many(
    geoms: np.ndarray,
    pt: np.ndarray,
    poly: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """Exact test of (point, polygon) candidate pairs; writes the polygon index per point."""
    if len(pt) == 0:
        return out
    for predicate in (shapely.contains_xy, shapely.intersects_xy):
        todo = out[pt] < 0
        if not todo.any():
            break
        p, q = pt[todo], poly[todo]
        ok = predicate(geoms[q], lon[p], lat[p])
        # Write in descending polygon order so that, where polygons overlap (bad data),
        # the first in file order is written last and wins, as in the single look-up.
        order = np.lexsort((-q[ok], p[ok]))
        out[p[ok][order]] = q[ok][order]
    return out


@dataclass(frozen=True, slots=True)
class Grid:
    """The stored form of the cell grid (plain arrays, so it loads without computation)."""

    origin: np.ndarray  # [x0, y0, dx, dy]
    shape: tuple[int, int]  # (ny, nx)
    cells: np.ndarray  # int32, ny * nx
    cand_offsets: np.ndarray  # int64
    cand_ids: np.ndarray  # int32

    def save(self, path: Path) -> None:
        np.savez(
            path,
            origin=self.origin,
            shape=np.array(self.shape, dtype=np.int64),
            cells=self.cells,
            cand_offsets=self.cand_offsets,
            cand_ids=self.cand_ids,
        )

    @classmethod
    def from_arrays(cls, a: dict[str, np.ndarray]) -> Grid:
        ny, nx = (int(v) for v in a["shape"])
        return cls(a["origin"], (ny, nx), a["cells"], a["cand_offsets"], a["cand_ids"])


def build_grid(
    geoms: np.ndarray, cells_per_precinct: int = 1200, max_cells: int = 4_000_000
) -> Grid:
    """Classify every grid cell as empty, inside one precinct, or crossed by boundaries."""
    geoms = np.asarray(geoms, dtype=object)
    # Padded so that points exactly on the east or north edge of the extent fall inside
    # the last cell rather than one past it.
    minx, miny, maxx, maxy = shapely.total_bounds(geoms) + np.array([-1, -1, 1, 1]) * _PAD
    width, height = maxx - minx, maxy - miny
    n_cells = min(max_cells, max(1024, cells_per_precinct * len(geoms)))
    side = float(np.sqrt(width * height / n_cells))
    nx, ny = max(1, int(np.ceil(width / side))), max(1, int(np.ceil(height / side)))
    dx, dy = width / nx, height / ny
    shapely.prepare(geoms)
    bounds = shapely.bounds(geoms)
    cand: dict[int, list[int]] = {}
    full = np.full(nx * ny, EMPTY, dtype=np.int32)
    for k, g in enumerate(geoms):
        i0 = max(0, int((bounds[k, 0] - minx) / dx) - 1)
        i1 = min(nx - 1, int((bounds[k, 2] - minx) / dx) + 1)
        j0 = max(0, int((bounds[k, 1] - miny) / dy) - 1)
        j1 = min(ny - 1, int((bounds[k, 3] - miny) / dy) + 1)
        ii, jj = (a.ravel() for a in np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1)))
        boxes = shapely.box(
            minx + ii * dx - _EPS,
            miny + jj * dy - _EPS,
            minx + (ii + 1) * dx + _EPS,
            miny + (jj + 1) * dy + _EPS,
        )
        touches = shapely.intersects(g, boxes)
        inside = shapely.contains_properly(g, boxes)[touches].tolist()
        for cell, whole in zip((jj * nx + ii)[touches].tolist(), inside, strict=True):
            cand.setdefault(cell, []).append(k)
            if whole:
                full[cell] = k
    cells = np.full(nx * ny, EMPTY, dtype=np.int32)
    offsets = [0]
    ids: list[int] = []
    for cell, ks in sorted(cand.items()):
        if len(ks) == 1 and full[cell] == ks[0]:
            cells[cell] = ks[0]
        else:
            cells[cell] = -2 - (len(offsets) - 1)
            ids.extend(sorted(ks))
            offsets.append(len(ids))
    return Grid(
        origin=np.array([minx, miny, dx, dy], dtype=np.float64),
        shape=(ny, nx),
        cells=cells,
        cand_offsets=np.array(offsets, dtype=np.int64),
        cand_ids=np.array(ids, dtype=np.int32),
    )


@dataclass(frozen=True, slots=True)
class _Cores:
    """One precinct in a local equirectangular frame (longitudes times ``k``, the cosine
    of the latitude of the first point asked about: raw degrees would overstate
    east-west distances by ~22 % at Charlotte's latitude; the frame's own error is well
    under a metre at this 50 m scale): its outline, and
    the polygon shrunk by ``metres`` plus and minus ``CORE_MARGIN_M`` (None where GEOS
    could not build one: the point is then measured)."""

    k: float
    outline: shapely.Geometry
    far: shapely.Geometry | None
    near: shapely.Geometry | None

    @classmethod
    def of(cls, geom: shapely.Geometry, lat: float, metres: float) -> _Cores:
        k = math.cos(math.radians(lat))
        local = shapely.transform(geom, lambda c: c * np.array([k, 1.0]))
        outline = shapely.boundary(local)  # not prepared: GEOS's distance does not use it
        shrunk: list[shapely.Geometry | None] = []
        for m in (metres + CORE_MARGIN_M, metres - CORE_MARGIN_M):
            if m <= 0:  # nothing can be that near: measure
                shrunk.append(None)
                continue
            try:
                core = shapely.simplify(
                    shapely.buffer(local, -m / _M_PER_DEG), CORE_SIMPLIFY_M / _M_PER_DEG
                )
            except shapely.errors.GEOSException:
                shrunk.append(None)
                continue
            shapely.prepare(core)
            shrunk.append(core)
        return cls(k, outline, shrunk[0], shrunk[1])


class GridIndex:
    """The serving index: the cell grid in front of prepared polygons."""

    name = "grid"

    def __init__(self, geoms: np.ndarray, grid: Grid | None = None) -> None:
        self.geoms = prepare_polygons(geoms)
        self.grid = grid if grid is not None else build_grid(self.geoms)
        x0, y0, dx, dy = (float(v) for v in self.grid.origin)
        self._x0, self._y0, self._dx, self._dy = x0, y0, dx, dy
        self._ny, self._nx = self.grid.shape
        # Memoryviews for the single look-up: indexing one gives a plain int in ~50 ns,
        # numpy's scalar indexing ~100 ns. (Lists were ~10 ns faster, but cost 0.1 s and
        # ~100 MB per statewide worker in int objects, none of them shared after a fork.)
        self._cells = np.ascontiguousarray(self.grid.cells).data
        self._offsets = np.ascontiguousarray(self.grid.cand_offsets).data
        self._ids = np.ascontiguousarray(self.grid.cand_ids).data
        # The same prepared polygons in a tuple: indexing numpy's object array by a plain
        # int goes through its scalar machinery, and under a server that path is cold on
        # every request (see ``near_boundary``).
        self._geoms = tuple(self.geoms)
        self._clear: dict[float, memoryview] = {}  # metres -> cells that far from any line
        self._cores: dict[tuple[int, float], _Cores] = {}  # built on first use

    def locate(self, lon: float, lat: float) -> Hit | None:
        i = int((lon - self._x0) / self._dx) if lon >= self._x0 else -1
        j = int((lat - self._y0) / self._dy) if lat >= self._y0 else -1
        if not (0 <= i < self._nx and 0 <= j < self._ny):
            return None
        v = self._cells[j * self._nx + i]
        if v >= 0:
            return Hit(v)
        if v == EMPTY:
            return None
        m = -v - 2
        return refine(self._geoms, self._ids[self._offsets[m] : self._offsets[m + 1]], lon, lat)

    def near_boundary(self, lon: float, lat: float, index: int, metres: float) -> bool:
        """Whether the point (inside precinct ``index``) is within ``metres`` of its edge.

        Most points answer from the grid: when every cell within ``metres`` of the
        point's cell is wholly inside the same precinct, no edge can be that close. The
        others are tested against the precinct shrunk by a little more and a little less
        than ``metres`` (``_Cores``: a prepared point-in-polygon test, ~2 µs); only points
        between the two, within ``CORE_MARGIN_M`` of the limit, measure their distance to
        the outline (~30 µs: GEOS does not index a line's distance). Measured on 16,000
        Mecklenburg address points: 31 % of them measured it before, 0.6 % now.
        """
        clear = self._clear.get(metres)
        if clear is None:
            clear = self._clear[metres] = self._clear_cells(metres).data
        i = int((lon - self._x0) / self._dx)
        j = int((lat - self._y0) / self._dy)
        if 0 <= i < self._nx and 0 <= j < self._ny and clear[j * self._nx + i]:
            return False
        cores = self._cores.get((index, metres))
        if cores is None:
            cores = self._cores[index, metres] = _Cores.of(self.geoms[index], lat, metres)
        x = lon * cores.k
        if cores.far is not None and shapely.contains_xy(cores.far, x, lat):
            return False
        if cores.near is not None and not shapely.contains_xy(cores.near, x, lat):
            return True
        return bool(shapely.dwithin(cores.outline, shapely.Point(x, lat), metres / _M_PER_DEG))

    def _clear_cells(self, metres: float) -> np.ndarray:
        """Cells whose neighbours within ``metres`` all lie wholly in the same precinct."""
        lat_mid = self._y0 + self._dy * self._ny / 2
        side_m = min(self._dx * math.cos(math.radians(lat_mid)), self._dy) * _M_PER_DEG
        r = max(1, math.ceil(metres / side_m))
        cells = self.grid.cells.reshape(self._ny, self._nx)
        padded = np.pad(cells, r, constant_values=EMPTY)
        clear = cells >= 0
        for dj in range(-r, r + 1):
            for di in range(-r, r + 1):
                clear &= padded[r + dj : r + dj + self._ny, r + di : r + di + self._nx] == cells
        return clear.ravel()

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        out = np.full(len(lon), -1, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            i = np.floor((lon - self._x0) / self._dx)
            j = np.floor((lat - self._y0) / self._dy)
            ok = (i >= 0) & (i < self._nx) & (j >= 0) & (j < self._ny)
        idx = np.flatnonzero(ok)
        v = self.grid.cells[(j[idx] * self._nx + i[idx]).astype(np.int64)]
        out[idx[v >= 0]] = v[v >= 0]
        mixed = v <= -2
        pts, slots = idx[mixed], (-v[mixed] - 2).astype(np.int64)
        starts, ends = self.grid.cand_offsets[slots], self.grid.cand_offsets[slots + 1]
        counts = ends - starts
        pt = np.repeat(pts, counts)
        # Candidate positions: each slot's start plus 0..count-1.
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        poly = self.grid.cand_ids[np.repeat(starts, counts) + within].astype(np.int64)
        return refine_many(self.geoms, pt, poly, lon, lat, out)


EARTH_RADIUS_MILES = 3958.7613


@dataclass(frozen=True, slots=True)
class Sites:
    """Fixed points (early-voting sites) prepared for repeated great-circle distances, as
    unit vectors: the great-circle distance is ``2R asin(chord / 2)`` with the chord the
    straight line between two unit vectors, so ranking sites is one ``math.dist`` each
    and a sort, with one ``asin`` per site for the miles shown. Plain floats: for
    the tens of sites of a county, numpy's per-call overhead costs more than the maths.
    (Distance in raw degrees would pick the wrong nearest site for ~8 % of points at
    Charlotte's latitude.)"""

    xyz: tuple[tuple[float, float, float], ...]

    @classmethod
    def of(cls, lons: Sequence[float], lats: Sequence[float]) -> Sites:
        out = []
        for lon, lat in zip(lons, lats, strict=True):
            p, lam = math.radians(lat), math.radians(lon)
            out.append((math.cos(p) * math.cos(lam), math.cos(p) * math.sin(lam), math.sin(p)))
        return cls(tuple(out))

    def _chords(self, lon: float, lat: float) -> list[float]:
        """Chord to each site (``math.dist``: a difference of the vectors, so no
        cancellation for sites a few metres away, as ``2 - 2 cos`` would have)."""
        p, lam = math.radians(lat), math.radians(lon)
        c = math.cos(p)
        q = (c * math.cos(lam), c * math.sin(lam), math.sin(p))
        dist = math.dist
        return [dist(v, q) for v in self.xyz]

    @staticmethod
    def _miles(chord: float) -> float:
        return 2 * EARTH_RADIUS_MILES * math.asin(min(chord * 0.5, 1.0))

    def ranked(self, lon: float, lat: float) -> tuple[list[int], list[float]]:
        """Site positions nearest first (ties keep file order) and their distances in
        miles, rounded to 0.01 as answers show them."""
        chords = self._chords(lon, lat)
        order = sorted(range(len(chords)), key=chords.__getitem__)
        miles = self._miles
        return order, [round_cents(miles(chords[i])) for i in order]


def round_cents(x: float) -> float:
    """``round(x, 2)``, exactly, in a third of the time (measured: 33 sites' distances
    cost 23 µs with ``round``, the largest part of ranking them). Away from a half-way
    case the nearest integer to ``x * 100`` is certain and ``n / 100`` is the double
    nearest to the decimal result, as ``round`` returns; near one, ``round`` decides."""
    y = x * 100.0
    n = round(y)
    return n / 100 if abs(y - n) < 0.49999 else round(x, 2)
