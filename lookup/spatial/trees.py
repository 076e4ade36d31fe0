"""General-purpose tree indexes behind the ``PrecinctIndex`` interface: not used to serve
(``spatial.GridIndex`` is faster, see there), kept for the benchmark's side-by-side
figures and as independent oracles in the tests."""

from __future__ import annotations

import numpy as np
import shapely

from lookup.spatial.grid import Hit, prepare_polygons, refine, refine_many


class StrTreeIndex:
    """shapely's STRtree over the polygons' envelopes (benchmark comparison)."""

    name = "strtree"

    def __init__(self, geoms: np.ndarray) -> None:
        self.geoms = prepare_polygons(geoms)
        self._tree = shapely.STRtree(self.geoms)

    def locate(self, lon: float, lat: float) -> Hit | None:
        candidates = np.sort(self._tree.query(shapely.Point(lon, lat)))
        return refine(self.geoms, candidates, lon, lat)

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        # Bounding-box candidates only: query(..., predicate=...) is 10x slower here.
        pt, poly = self._tree.query(shapely.points(lon, lat))
        return refine_many(self.geoms, pt, poly, lon, lat, np.full(len(lon), -1, np.int64))


class RtreeIndex:
    """libspatialindex R-tree (the ``rtree`` package) over the envelopes (benchmark comparison)."""

    name = "rtree"

    def __init__(self, geoms: np.ndarray) -> None:
        from rtree import index

        self.geoms = prepare_polygons(geoms)
        bounds = shapely.bounds(self.geoms)
        self._idx = index.Index(((i, tuple(b), None) for i, b in enumerate(bounds)))

    def locate(self, lon: float, lat: float) -> Hit | None:
        candidates = sorted(self._idx.intersection((lon, lat, lon, lat)))
        return refine(self.geoms, np.asarray(candidates, dtype=np.int64), lon, lat)

    def locate_many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        mins = np.column_stack([lon, lat])
        ids, counts = self._idx.intersection_v(mins, mins)
        pt = np.repeat(np.arange(len(lon), dtype=np.int64), counts.astype(np.int64))
        out = np.full(len(lon), -1, dtype=np.int64)
        return refine_many(self.geoms, pt, ids.astype(np.int64), lon, lat, out)
