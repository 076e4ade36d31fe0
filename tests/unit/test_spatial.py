from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from support.builders import lonlat, tiny_geoms

from lookup.spatial.grid import EARTH_RADIUS_M, GridIndex, Sites
from lookup.spatial.trees import RtreeIndex, StrTreeIndex

INDEXES = [GridIndex, StrTreeIndex, RtreeIndex]
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180


@pytest.mark.parametrize("kind", INDEXES)
@pytest.mark.parametrize(
    ("x", "y", "expected", "boundary"),
    [
        (0.2, 0.2, 0, False),  # inside 001
        (0.5, 0.5, 2, False),  # in 001's hole: 003
        (1.5, 0.5, 1, False),  # 002
        (3.7, 0.5, 3, False),  # second part of multipolygon 004
        (3.2, 0.5, None, False),  # between the two parts of 004
        (9.0, 9.0, None, False),  # far outside
        (1.0, 0.5, 0, True),  # exactly on the 001/002 edge: first in file order, flagged
        (4.0, 0.5, 3, True),  # on the east edge of the whole extent
        (4.0, 1.0, 3, True),  # its north-east corner
        (0.0, 0.0, 0, True),  # its south-west corner
    ],
)
def test_locate(kind: type, x: float, y: float, expected: int | None, boundary: bool) -> None:
    index = kind(np.array(tiny_geoms(), dtype=object))
    hit = index.locate(*lonlat(x, y))
    if expected is None:
        assert hit is None
    else:
        assert hit is not None
        assert (hit.index, hit.on_boundary) == (expected, boundary)


def test_batch_agrees_with_single_and_between_indexes() -> None:
    geoms = np.array(tiny_geoms(), dtype=object)
    rng = np.random.default_rng(7)
    lon0, lat0 = lonlat(-0.5, -0.5)
    lon1, lat1 = lonlat(4.5, 1.5)
    lon = rng.uniform(lon0, lon1, 20_000)
    lat = rng.uniform(lat0, lat1, 20_000)
    results = [kind(geoms).locate_many(lon, lat) for kind in INDEXES]
    for r in results[1:]:
        np.testing.assert_array_equal(results[0], r)
    grid = GridIndex(geoms)
    singles = [grid.locate(a, b) for a, b in zip(lon[:2000], lat[:2000], strict=True)]
    expected = [h.index if h else -1 for h in singles]
    np.testing.assert_array_equal(results[0][:2000], expected)
    assert (results[0] == -1).any() and (results[0] == 2).any()


def test_batch_rejects_nan_quietly() -> None:
    grid = GridIndex(np.array(tiny_geoms(), dtype=object))
    out = grid.locate_many(np.array([np.nan, np.inf]), np.array([35.1, np.nan]))
    assert out.tolist() == [-1, -1]


def test_haversine_known_distance() -> None:
    # Charlotte (35.2271, -80.8431) to Raleigh (35.7796, -78.6382): about 130 miles.
    _, (d,) = Sites.of([-78.6382], [35.7796]).ranked(-80.8431, 35.2271)
    assert 128 < d < 132
    assert Sites.of([-80.8431], [35.2271]).ranked(-80.8431, 35.2271) == ([0], [0.0])


def test_round_cents_is_round_to_two_places() -> None:
    """Exactly ``round(x, 2)``, including the half-way cases where the fast path must
    defer to ``round`` (0.125 is exact in binary and rounds to even; 2.675 is stored
    just below the half and rounds down)."""
    import random

    from lookup.spatial.grid import round_cents

    rng = random.Random(7)
    values = [rng.uniform(0, 400) for _ in range(100_000)]
    values += [k / 1000 for k in range(200_000)]  # every half-cent up to 200 miles
    values += [k / 100 + 0.005 for k in range(20_000)] + [0.125, 2.675, 0.0, 1e-9]
    assert [round_cents(v) for v in values] == [round(v, 2) for v in values]


def test_ranked_sites_match_haversine_order_and_miles() -> None:
    """``Sites.ranked`` against an independent haversine on random county points."""
    import random

    rng = random.Random(3)
    lons = [rng.uniform(-81.06, -80.55) for _ in range(40)]
    lats = [rng.uniform(35.0, 35.52) for _ in range(40)]
    sites = Sites.of(lons, lats)

    def haversine(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
        p1, p2 = math.radians(lat1), math.radians(lat2)
        a = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        return 2 * 3958.7613 * math.asin(math.sqrt(a))

    for _ in range(500):
        lon, lat = rng.uniform(-81.06, -80.55), rng.uniform(35.0, 35.52)
        order, miles = sites.ranked(lon, lat)
        expect = [haversine(lon, lat, lons[i], lats[i]) for i in range(40)]
        assert sorted(order) == list(range(40))
        assert all(expect[a] <= expect[b] + 1e-9 for a, b in itertools.pairwise(order))
        assert miles == [round(expect[i], 2) for i in order] or all(
            abs(m - expect[i]) <= 0.005 + 1e-9 for m, i in zip(miles, order, strict=True)
        )


def test_nearest_by_great_circle_not_raw_degrees() -> None:
    # At 35 N a degree of longitude is ~0.82 of a degree of latitude: a site 0.011 deg east
    # is nearer than one 0.010 deg north, though farther in raw degrees.
    order, (east, north) = Sites.of([-80.789, -80.8], [35.2, 35.21]).ranked(-80.8, 35.2)
    assert order == [0, 1] and east < north


def boundary_distance_m(geom: shapely.Geometry, lon: float, lat: float) -> float:
    """The test's oracle: metres from a point to the nearest edge of ``geom`` (outline
    and holes), measured plainly in a local frame at the point's own latitude."""
    k = math.cos(math.radians(lat))
    outline = shapely.transform(shapely.boundary(geom), lambda c: c * np.array([k, 1.0]))
    return float(shapely.distance(outline, shapely.Point(lon * k, lat))) * M_PER_DEG


def test_near_boundary_agrees_with_the_measured_distance(demo_ds) -> None:
    """The grid and shrunk-precinct shortcuts never hide a point that is within 50 m of
    a precinct line, nor flag one beyond it: checked against the plain distance on
    40,000 points of the demo county, some in each band (the grid's clear cells, deeper
    than 52 m, 48-52 m where the distance is measured, nearer than 48 m)."""
    from lookup.spatial.grid import CORE_MARGIN_M

    index = GridIndex(demo_ds.index.geoms, demo_ds.index.grid)  # fresh memos
    rng = np.random.default_rng(5)
    minx, miny, maxx, maxy = demo_ds.bbox
    lon, lat = rng.uniform(minx, maxx, 40_000), rng.uniform(miny, maxy, 40_000)
    bands = [0, 0, 0]
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        hit = index.locate(x, y)
        if hit is None or hit.on_boundary:
            continue
        d = boundary_distance_m(index.geoms[hit.index], x, y)
        if abs(d - 50) < 0.5:
            continue  # the two projections may differ by centimetres
        assert index.near_boundary(x, y, hit.index, 50.0) == (d <= 50), (x, y, d)
        bands[(d >= 50 - CORE_MARGIN_M) + (d > 50 + CORE_MARGIN_M)] += 1
    near, measured, far = bands
    assert far > 25_000 and near > 1_000 and measured > 50, bands
