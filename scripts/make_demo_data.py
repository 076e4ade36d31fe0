"""Generate the fictional "Demo County" data set in the real NCSBE / county GIS file formats.

Why this exists: the lookup service must be tested and demonstrated without real voter-facing
data, yet its loaders must be exercised against the *real* published layouts (a zipped NCSBE
precinct shapefile, UTF-16 polling-place lists, the one-stop statewide list and a county
Master Address Table), including the awkward quirks those files have in practice.

The county sits in the Atlantic Ocean east of North Carolina (around lat 34.9, lon -75.3) so a
demo coordinate can never be mistaken for a real polling place. Every name is invented.

Output is byte-for-byte deterministic: one seeded ``random.Random`` drives everything, no
clock is read, nothing iterates over a set, and the two files whose writers stamp dates
(the .dbf header and the zip members) get fixed dates.

Usage::

    python scripts/make_demo_data.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import itertools
import math
import random
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import substring

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "data" / "precincts" / "demo"

SEED = 20281107
CRS = "EPSG:2264"  # NAD83 / North Carolina (ftUS), what NCSBE and county GIS publish in.

# South-west corner of the county in EPSG:2264 feet. The centre (X0 + W/2, Y0 + H/2) is
# roughly lat 34.90, lon -75.30: open ocean east of Cape Hatteras. Hard-coded (not computed
# with pyproj) so the output does not depend on the installed PROJ version.
X0 = 3_077_440.0
Y0 = 412_800.0
WIDTH = 63_360.0  # 12 miles east-west
HEIGHT = 52_800.0  # 10 miles north-south

COUNTY_NAME = "DEMO"
COUNTY_ID = 101
SHAPEFILE_STEM = "SBE_PRECINCTS_20280801"
SHAPEFILE_DATE = dt.date(2028, 8, 1)
CENTERLINES_STEM = "demo-street-centerlines"
ELECTION = dt.date(2028, 11, 7)
PREVIOUS_ELECTION = dt.date(2026, 11, 3)
EV_FIRST_DAY = dt.date(2028, 10, 19)
EV_LAST_DAY = dt.date(2028, 11, 4)
ZIP_DATE_TIME = (2028, 8, 1, 0, 0, 0)

N_GROWN_PRECINCTS = 39  # plus the campus precinct that fills the donut hole = 40
FT_PER_HOUSE_NUMBER = 5.28  # 1000 house numbers per mile, a common rural grid rule

# Postal city per ZIP code. 28995 is the Pine Ridge town area, whose mail is addressed to
# DEMO CITY (the way Mint Hill addresses use the postal city CHARLOTTE).
POSTAL_CITY = {
    "28990": "DEMO CITY",
    "28991": "DEMO CITY",
    "28992": "DEMO CITY",
    "28993": "RIVERTON",
    "28994": "OAK HOLLOW",
    "28995": "DEMO CITY",
    "28996": "OAK HOLLOW",
}
# ZIP areas are the Voronoi cells of these centres, as fractions of the county box.
ZIP_CENTRES = (
    ("28990", 0.50, 0.50),
    ("28991", 0.45, 0.85),
    ("28992", 0.50, 0.15),
    ("28993", 0.15, 0.30),
    ("28993", 0.08, 0.75),
    ("28994", 0.80, 0.80),
    ("28995", 0.80, 0.20),
    ("28996", 1.00, 0.50),
)
# Incorporated towns as circles: (municipality, centre fx, centre fy, radius ft).
TOWNS = (
    ("DEMO CITY", 0.50, 0.50, 11_000.0),
    ("RIVERTON", 0.15, 0.30, 6_500.0),
    ("OAK HOLLOW", 0.80, 0.80, 6_000.0),
    ("PINE RIDGE", 0.80, 0.20, 5_500.0),
)

PRECINCT_NAMES = (
    "ASHFORD", "BAYVIEW", "BRIARWOOD", "CEDAR GROVE", "CLEARWATER", "COVE POINT",
    "CYPRESS KNOLL", "DEER RUN", "DUNMORE", "EAGLE CREST", "ELM PARK", "FAIRHAVEN",
    "FOX HOLLOW", "GLENBROOK", "HARBOR TOWN", "HAWTHORNE", "HERON BAY", "IVY HILL",
    "KESTREL", "LAKEWOOD", "LAUREL GLEN", "MAPLE RIDGE", "MARSH CREEK", "MEADOWVIEW",
    "MILLSTONE", "OSPREY POINT", "QUAIL RUN", "SANDPIPER", "SEABREEZE", "SOUND VIEW",
    "STONEGATE", "TIDEWATER", "WILLOW BEND", "WINDSOR", "BEACON HILL", "DRIFTWOOD",
    "GULL HARBOR", "LONGLEAF", "MARINER", "NORTHSHORE",
)  # fmt: skip
DONUT_NAME = "COLLEGE PARK"
HOLE_NAME = "UNIVERSITY"
ISLAND_NAME = "SHELL ISLAND"

# North-south grid streets (name, type); ordinals, a highway and dotted initials on purpose.
NS_STREETS = (
    ("HARBOR", "DR"), ("3RD", "ST"), ("CEDAR", "AVE"), ("J T WALKER", "RD"),
    ("MAGNOLIA", "AVE"), ("5TH", "ST"), ("DUNE", "RD"), ("TIDEWATER", "PKWY"),
    ("BEACON", "WAY"), ("SEAGRASS", "LN"), ("LIGHTHOUSE", "RD"), ("WHARF", "ST"),
    ("CYPRESS", "DR"), ("PELICAN", "WAY"), ("OYSTER", "RD"), ("2ND", "ST"),
)  # fmt: skip
EW_STREETS = (
    ("EAST", "BLVD"), ("OAK-HOLLOW", "RD"), ("SOUND", "AVE"), ("MARINA", "DR"),
    ("GULL", "ST"), ("CHURCH", "ST"), ("SCHOOL", "RD"), ("R B SIMMS", "RD"),
    ("PALMETTO", "AVE"), ("BAYSIDE", "PKWY"), ("FERRY", "LN"), ("1ST", "ST"),
)  # fmt: skip
STUB_WORDS = (
    "QUAIL", "HERON", "EGRET", "WILLET", "PLOVER", "TERN", "OSPREY", "KESTREL", "WREN",
    "FINCH", "LARK", "SWALLOW", "ORIOLE", "CARDINAL", "BLUEBIRD", "MARTIN", "DOVE", "ROBIN",
    "SPARROW", "THRUSH", "WARBLER", "VIREO", "TANAGER", "GROSBEAK", "JUNCO", "NUTHATCH",
    "CREEPER", "KINGLET", "PHOEBE", "FLICKER", "SANDERLING", "DUNLIN", "CURLEW", "GODWIT",
    "AVOCET", "STILT", "IBIS", "BITTERN", "RAIL", "COOT", "GREBE", "LOON", "PETREL",
    "SHEARWATER", "GANNET", "SKIMMER", "PUFFIN", "MERLIN", "HARRIER", "KITE", "BRANT",
    "TEAL", "WIGEON", "PINTAIL", "SCAUP", "EIDER", "SCOTER", "MALLARD", "CANVASBACK",
    "REDHEAD", "BUFFLEHEAD", "GOLDENEYE", "MERGANSER", "CORMORANT", "ANHINGA", "PIPER",
)  # fmt: skip
STUB_TYPES = ("CT", "LN", "CIR", "PL", "TRL", "WAY", "DR")

PLACE_TEMPLATES = (
    "{w} ELEMENTARY SCHOOL", "{w} MIDDLE SCHOOL", "{w} HIGH SCHOOL", "{w} BAPTIST CHURCH",
    "{w} RECREATION CENTER", "{w} FIRE STATION", "{w} COMMUNITY CENTER",
    "{w} PRESBYTERIAN CHURCH", "{w} BRANCH LIBRARY", "{w} LUTHERAN CHURCH",
    "{w} AMERICAN LEGION POST", "{w} CIVIC CLUB",
)  # fmt: skip
# Deliberately longer than 30 characters so the NCSBE cut is visible in the output.
LONG_PLACE_NAMES = (
    "HOLY TRINITY GREEK ORTHODOX CATHEDRAL",
    "OUR LADY OF THE DUNES CATHOLIC CHURCH",
    "FIRST PRESBYTERIAN CHURCH OF DEMO CITY",
    "SEABREEZE MISSIONARY BAPTIST CHURCH",
    "CEDAR GROVE UNITED METHODIST CHURCH",
    "DEMO COUNTY AGRICULTURAL EXTENSION CENTER",
)

Coord = tuple[float, float]


@dataclass
class Street:
    """One named street segment whose house numbers increase along ``line``."""

    stdir: str
    name: str
    stype: str
    sufdir: str
    line: LineString
    start_num: int
    kind: str  # "grid", "stub", "loop" or "island"
    junctions: list[float] = field(default_factory=list)

    @property
    def full(self) -> str:
        """Street as NCSBE prints it: directional, name, type, suffix directional."""
        return " ".join(p for p in (self.stdir, self.name, self.stype, self.sufdir) if p)


@dataclass
class Lot:
    """One addressed building (possibly with units) along a street."""

    num: int
    street: Street
    x: float
    y: float
    urban: bool
    units: list[str] = field(default_factory=list)
    building_row: bool = True
    suffix: str = ""
    zipcode: str = ""
    place: str = ""
    municipality: str = ""
    taxpid: str = ""
    precinct: int = -1


@dataclass
class Site:
    """A polling place or early-voting site located at an existing address point."""

    site_id: int
    name: str
    lot: Lot


# --------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------


def _r(v: float) -> float:
    """Round to 0.01 ft so inputs to noding are tidy decimal values."""
    return round(v, 2)


def wiggly_line(
    p0: Coord, p1: Coord, rng: random.Random, amp: float, step: float, taper: bool = False
) -> list[Coord]:
    """Densified line from p0 to p1 that meanders sideways.

    Real streets and county lines are not straight, and real precinct polygons have hundreds
    of vertices; loaders and simplifiers must cope with that, so the demo does too. ``taper``
    pins both ends exactly (needed where edges must meet at a corner).
    """
    (x0, y0), (x1, y1) = p0, p1
    length = math.hypot(x1 - x0, y1 - y0)
    n = max(2, math.ceil(length / step))
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    nx, ny = -uy, ux
    waves = [
        (amp * rng.uniform(0.5, 0.75), rng.uniform(4000, 11000), rng.uniform(0, 2 * math.pi)),
        (amp * rng.uniform(0.1, 0.25), rng.uniform(900, 2500), rng.uniform(0, 2 * math.pi)),
    ]
    pts: list[Coord] = []
    for i in range(n + 1):
        t = i / n
        s = t * length
        off = sum(a * math.sin(2 * math.pi * s / wl + ph) for a, wl, ph in waves)
        if 0 < i < n:
            off += rng.uniform(-4.0, 4.0)
        if taper:
            off *= math.sin(math.pi * t)
        pts.append((_r(x0 + ux * s + nx * off), _r(y0 + uy * s + ny * off)))
    return pts


def county_outline(rng: random.Random) -> Polygon:
    """Mainland county boundary: a box with meandering edges (the east edge is the coast)."""
    corners = [(X0, Y0), (X0 + WIDTH, Y0), (X0 + WIDTH, Y0 + HEIGHT), (X0, Y0 + HEIGHT)]
    amps = (250.0, 600.0, 250.0, 300.0)
    ring: list[Coord] = []
    for k in range(4):
        edge = wiggly_line(corners[k], corners[(k + 1) % 4], rng, amps[k], 110.0, taper=True)
        ring.extend(edge[:-1])
    ring.append(ring[0])
    poly = Polygon(ring)
    assert poly.is_valid
    return poly


def blob(
    cx: float, cy: float, rx: float, ry: float, step: float, rng: random.Random
) -> list[Coord]:
    """Closed, slightly lumpy ellipse (an island or a campus loop road)."""
    perim = math.pi * (3 * (rx + ry) - math.sqrt((3 * rx + ry) * (rx + 3 * ry)))
    n = max(24, math.ceil(perim / step))
    ph1, ph2 = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    pts: list[Coord] = []
    for i in range(n):
        th = 2 * math.pi * i / n
        k = 1 + 0.06 * math.sin(3 * th + ph1) + 0.03 * math.sin(5 * th + ph2)
        pts.append((_r(cx + rx * k * math.cos(th)), _r(cy + ry * k * math.sin(th))))
    pts.append(pts[0])
    return pts


def grid_positions(rng: random.Random, extent: float) -> list[float]:
    """Irregularly spaced street offsets, kept well away from the county edges."""
    out: list[float] = []
    pos = rng.uniform(2600, 4200)
    while pos < extent - 2600:
        out.append(pos)
        pos += rng.uniform(3000, 6800)
    return out


def nearest_index(values: Sequence[float], target: float) -> int:
    """Index of the value closest to target (ties resolved to the lower index)."""
    return min(range(len(values)), key=lambda i: (abs(values[i] - target), i))


def clip_to(line: LineString, poly: Polygon) -> LineString:
    """Part of a street inside the county (the longest piece if it leaves and re-enters)."""
    inter = line.intersection(poly)
    if isinstance(inter, LineString):
        return inter
    parts = sorted(inter.geoms, key=lambda g: -g.length)
    return parts[0]


@dataclass
class Geography:
    """Everything spatial: outline, street centrelines, blocks and precinct polygons."""

    county: Polygon
    island: Polygon
    streets: list[Street]
    precincts: list[Polygon | MultiPolygon]
    prec_names: list[str]
    prec_nums: list[int]


def build_faces(
    rng: random.Random, county: Polygon
) -> tuple[list[Polygon], dict[str, LineString], list[float], list[float], LineString]:
    """Street grid plus the planar partition (blocks) it cuts the county into.

    All blocks come from one ``polygonize`` of the noded street network, which is what
    guarantees that neighbouring precincts later share their boundary vertices exactly.
    """
    us = grid_positions(rng, WIDTH)
    vs = grid_positions(rng, HEIGHT)
    raw: dict[str, LineString] = {}
    for i, u in enumerate(us):
        pts = wiggly_line((X0 + u, Y0 - 1500), (X0 + u, Y0 + HEIGHT + 1500), rng, 90.0, 100.0)
        raw[f"ns{i}"] = LineString(pts)
    for j, v in enumerate(vs):
        pts = wiggly_line((X0 - 1500, Y0 + v), (X0 + WIDTH + 1500, Y0 + v), rng, 90.0, 100.0)
        raw[f"ew{j}"] = LineString(pts)
    diag_pts = wiggly_line(
        (X0 + 0.02 * WIDTH, Y0 - 1500), (X0 + 0.86 * WIDTH, Y0 + HEIGHT + 1500), rng, 120.0, 100.0
    )
    diagonal = LineString(diag_pts)
    lines = [county.exterior, *raw.values(), diagonal]
    noded = shapely.node(shapely.MultiLineString([list(g.coords) for g in lines]))
    faces = [f for f in shapely.polygonize(list(noded.geoms)).geoms]
    faces = [f for f in faces if county.contains(f.representative_point())]
    faces.sort(key=lambda f: (round(f.centroid.y, 1), round(f.centroid.x, 1)))
    total = sum(f.area for f in faces)
    assert abs(total - county.area) < 1.0, (total, county.area)
    return faces, raw, us, vs, diagonal


def adjacency(faces: Sequence[Polygon]) -> list[list[int]]:
    """Blocks that share a boundary edge (not just a corner point)."""
    tree = shapely.STRtree(list(faces))
    adj: list[list[int]] = [[] for _ in faces]
    for i, f in enumerate(faces):
        for j in sorted(int(k) for k in tree.query(f)):
            if j <= i:
                continue
            if f.boundary.intersection(faces[j].boundary).length > 1.0:
                adj[i].append(j)
                adj[j].append(i)
    return [sorted(a) for a in adj]


def grow_precincts(
    faces: Sequence[Polygon],
    adj: Sequence[Sequence[int]],
    first_seed: int,
    frozen: int,
    rng: random.Random,
) -> list[int]:
    """Assign blocks to contiguous precincts by balanced region growing.

    Precinct 0 is seeded at ``first_seed`` (the block holding the campus hole); ``frozen``
    (the campus) is left out and gets its own precinct afterwards.
    """
    cent = [f.centroid for f in faces]
    seeds = [first_seed]
    while len(seeds) < N_GROWN_PRECINCTS:
        scored = []
        for i in range(len(faces)):
            if i in seeds or i == frozen:
                continue
            d = min(cent[i].distance(cent[s]) for s in seeds)
            scored.append((-d, i))
        scored.sort()
        seeds.append(scored[rng.randrange(3)][1])
    owner = [-1] * len(faces)
    area = [0.0] * len(seeds)
    for p, s in enumerate(seeds):
        owner[s] = p
        area[p] = faces[s].area
    remaining = sum(1 for i in range(len(faces)) if owner[i] < 0 and i != frozen)
    while remaining:
        for p in sorted(range(len(seeds)), key=lambda q: (area[q], q)):
            cands = sorted(
                {j for i in range(len(faces)) if owner[i] == p for j in adj[i]}
                - {frozen}
                - {j for j in range(len(faces)) if owner[j] >= 0}
            )
            if not cands:
                continue

            def shared(j: int, p: int = p) -> float:
                return sum(
                    faces[j].boundary.intersection(faces[i].boundary).length
                    for i in adj[j]
                    if owner[i] == p
                )

            best = max(cands, key=lambda j: (shared(j) * rng.uniform(0.7, 1.0), -j))
            owner[best] = p
            area[p] += faces[best].area
            remaining -= 1
            break
        else:
            raise RuntimeError("region growing stalled")
    return owner


def build_geography(rng: random.Random) -> Geography:
    """Create outline, streets, blocks, and 40 precincts (one island, one donut + hole)."""
    county = county_outline(rng)
    faces, raw, us, vs, diagonal = build_faces(rng, county)

    # Campus loop road inside one Demo City block: its inside becomes the UNIVERSITY
    # precinct, filling the hole of the donut-shaped COLLEGE PARK precinct.
    probe = Point(X0 + 0.64 * WIDTH, Y0 + 0.58 * HEIGHT)
    host = next(i for i, f in enumerate(faces) if f.contains(probe))
    hf = faces[host]
    minx, miny, maxx, maxy = hf.bounds
    c = hf.representative_point()
    loop = blob(c.x, c.y, 0.22 * (maxx - minx), 0.22 * (maxy - miny), 45.0, rng)
    campus = Polygon(loop)
    assert hf.buffer(-200).contains(campus), "campus loop does not fit its block"
    faces[host] = Polygon(hf.exterior.coords, [loop])
    faces.append(campus)
    campus_idx = len(faces) - 1

    # Offshore island, part of one coastal precinct (the MultiPolygon precinct).
    island = Polygon(
        blob(X0 + WIDTH + 4200, Y0 + 0.55 * HEIGHT, 1100.0, 3800.0, 110.0, rng)
    ).normalize()
    assert island.is_valid and not island.intersects(county)

    adj = adjacency(faces)
    for _attempt in range(20):
        owner = grow_precincts(faces, adj, host, campus_idx, rng)
        groups: list[list[int]] = [[] for _ in range(N_GROWN_PRECINCTS)]
        for i, p in enumerate(owner):
            if p >= 0:
                groups[p].append(i)
        polys = [shapely.union_all([faces[i] for i in g]) for g in groups]
        holes = [len(pg.interiors) if isinstance(pg, Polygon) else -1 for pg in polys]
        if holes[0] == 1 and all(h == 0 for h in holes[1:]):
            break
    else:
        raise RuntimeError("could not grow a clean precinct layout")
    polys.append(campus)

    # The island joins the precinct of the coastal block nearest to it.
    coastal = min(
        (i for i in range(len(faces)) if owner[i] >= 0),
        key=lambda i: (faces[i].distance(island), i),
    )
    isl_p = owner[coastal]
    polys[isl_p] = shapely.union_all([polys[isl_p], island])
    assert isinstance(polys[isl_p], MultiPolygon) and len(polys[isl_p].geoms) == 2

    # Numbers: read in rows north to south, west to east, with a few gaps like real data.
    band = HEIGHT / 6
    order = sorted(
        range(len(polys)),
        key=lambda p: (
            -math.floor((polys[p].centroid.y - Y0) / band),
            round(polys[p].centroid.x, 1),
        ),
    )
    skipped = set(rng.sample(range(2, 45), 4))
    numbers = [n for n in range(1, 45) if n not in skipped]
    names_pool = list(PRECINCT_NAMES)
    rng.shuffle(names_pool)
    prec_nums = [0] * len(polys)
    prec_names = [""] * len(polys)
    pool_iter = iter(names_pool)
    for rank, p in enumerate(order):
        prec_nums[p] = numbers[rank]
        if p == 0:
            prec_names[p] = DONUT_NAME
        elif p == len(polys) - 1:
            prec_names[p] = HOLE_NAME
        elif p == isl_p:
            prec_names[p] = ISLAND_NAME
        else:
            prec_names[p] = next(pool_iter)

    streets = name_streets(rng, county, raw, us, vs, diagonal, loop, island)
    return Geography(county, island, streets, polys, prec_names, prec_nums)


# --------------------------------------------------------------------------------------
# Street naming
# --------------------------------------------------------------------------------------


def name_streets(
    rng: random.Random,
    county: Polygon,
    raw: dict[str, LineString],
    us: Sequence[float],
    vs: Sequence[float],
    diagonal: LineString,
    loop: list[Coord],
    island: Polygon,
) -> list[Street]:
    """Turn centrelines into named, numbered street segments.

    Includes the quirks loaders meet in practice: N/S split streets, suffix directionals,
    a name ("MAIN ST") that exists in two towns with overlapping numbers, a state highway.
    """
    clipped = {k: clip_to(v, county) for k, v in raw.items()}
    diag = clip_to(diagonal, county)
    i_oak = nearest_index(us, 0.50 * WIDTH)
    i_hwy = nearest_index(us, 0.27 * WIDTH)
    j_main = nearest_index(vs, 0.50 * HEIGHT)
    j_riv = nearest_index(vs, 0.30 * HEIGHT)
    j_central = nearest_index(vs, 0.70 * HEIGHT)
    assert len({i_oak, i_hwy}) == 2 and len({j_main, j_riv, j_central}) == 3

    def cross_d(line: LineString, other: LineString) -> float:
        pt = line.intersection(other)
        assert isinstance(pt, Point), pt.geom_type
        return line.project(pt)

    streets: list[Street] = []

    def add(line: LineString, d0: float, d1: float, spec: tuple, reverse: bool = False) -> None:
        stdir, name, stype, sufdir, start = spec
        seg = substring(line, d0, d1)
        if reverse:
            seg = seg.reverse()
        streets.append(Street(stdir, name, stype, sufdir, seg, start, "grid"))

    starts = (100, 100, 200, 1000, 2000, 3000, 8000, 10000)
    ns_pool = iter(NS_STREETS)
    for i in range(len(us)):
        line = clipped[f"ns{i}"]
        if i == i_oak:
            d = cross_d(line, clipped[f"ew{j_main}"])
            add(line, d, line.length, ("N", "OAK", "ST", "", 100))
            add(line, 0.0, d, ("S", "OAK", "ST", "", 100), reverse=True)
        elif i == i_hwy:
            add(line, 0.0, line.length, ("", "NC HWY 999", "", "", 1000))
        else:
            name, stype = next(ns_pool)
            add(line, 0.0, line.length, ("", name, stype, "", rng.choice(starts)))

    demo = TOWNS[0]
    riv = TOWNS[1]
    ew_pool = iter(EW_STREETS)
    for j in range(len(vs)):
        line = clipped[f"ew{j}"]
        if j == j_main:
            # MAIN ST only inside Demo City; RIVERTON RD west of it, COASTAL HWY east.
            cuts = [cross_d(line, clipped[f"ns{i}"]) for i in range(len(us))]
            lo_u = X0 + demo[1] * WIDTH - demo[3]
            hi_u = X0 + demo[1] * WIDTH + demo[3]
            inside = [
                d
                for d, i in zip(cuts, range(len(us)), strict=True)
                if lo_u <= line.interpolate(d).x <= hi_u and i != i_oak
            ]
            a, b = min(inside), max(inside)
            add(line, 0.0, a, ("", "RIVERTON", "RD", "", 100), reverse=True)
            add(line, a, b, ("", "MAIN", "ST", "", 100))
            add(line, b, line.length, ("", "COASTAL", "HWY", "", 4000))
        elif j == j_riv:
            cuts = [cross_d(line, clipped[f"ns{i}"]) for i in range(len(us))]
            hi_u = X0 + riv[1] * WIDTH + riv[3]
            b = max(d for d in cuts if line.interpolate(d).x <= hi_u)
            add(line, 0.0, b, ("", "MAIN", "ST", "", 100))
            add(line, b, line.length, ("", "SANDY-RIDGE", "RD", "", 3000))
        elif j == j_central:
            d = cross_d(line, clipped[f"ns{i_oak}"])
            add(line, d, line.length, ("", "CENTRAL", "AVE", "E", 100))
            add(line, 0.0, d, ("", "CENTRAL", "AVE", "W", 100), reverse=True)
        else:
            name, stype = next(ew_pool)
            add(line, 0.0, line.length, ("", name, stype, "", rng.choice(starts)))
    add(diag, 0.0, diag.length, ("", "OLD FERRY", "RD", "", 100))

    loop_line = LineString(loop)
    streets.append(Street("", "CAMPUS", "LOOP", "", loop_line, 100, "loop"))
    ib = island.bounds
    isl_line = LineString(
        wiggly_line(
            ((ib[0] + ib[2]) / 2, ib[1] + 900), ((ib[0] + ib[2]) / 2, ib[3] - 900), rng, 60, 100
        )
    )
    assert island.buffer(-150).contains(isl_line)
    streets.append(Street("", "SHELL ISLAND", "RD", "", isl_line, 100, "island"))

    add_stubs(rng, county, streets, loop_line)

    # Junction distances: lots are not placed right at intersections.
    tree = shapely.STRtree([s.line for s in streets])
    for k, s in enumerate(streets):
        ds: list[float] = []
        for m in sorted(int(x) for x in tree.query(s.line)):
            if m == k:
                continue
            inter = s.line.intersection(streets[m].line)
            for g in getattr(inter, "geoms", [inter]):
                if not g.is_empty:
                    ds.append(s.line.project(g.centroid))
        s.junctions = sorted(ds)
    return streets


def add_stubs(
    rng: random.Random, county: Polygon, streets: list[Street], loop_line: LineString
) -> None:
    """Short cul-de-sacs off the grid streets: where most houses really are.

    They never cross another street, so they do not change the block partition.
    """
    combos = [(w, t) for w in STUB_WORDS for t in STUB_TYPES]
    rng.shuffle(combos)
    taken = {(s.name, s.stype) for s in streets}
    names = iter(c for c in combos if c not in taken)
    grid = [s for s in streets if s.kind == "grid"]
    keep_out = shapely.union_all([s.line for s in grid] + [loop_line])
    inner = county.buffer(-400)
    stubs: list[LineString] = []
    for s in grid:
        line = s.line
        d = rng.uniform(900, 2500)
        while d < line.length - 900:
            p = line.interpolate(d)
            q = line.interpolate(d + 5)
            tx, ty = (q.x - p.x) / 5, (q.y - p.y) / 5
            side = rng.choice((-1, 1))
            length = rng.uniform(450, 950)
            nx, ny = -ty * side, tx * side
            bend = rng.uniform(-0.15, 0.15)
            mid = (
                p.x + nx * length / 2 + tx * bend * length,
                p.y + ny * length / 2 + ty * bend * length,
            )
            end = (mid[0] + nx * length / 2, mid[1] + ny * length / 2)
            pts = [(p.x, p.y), (_r(mid[0]), _r(mid[1])), (_r(end[0]), _r(end[1]))]
            stub = LineString(pts)
            body = LineString(pts[1:])
            rural = municipality_for(p.x, p.y) == COUNTY_NAME
            ok = (
                (not rural or rng.random() < 0.4)
                and inner.contains(body)
                and body.distance(keep_out) > 260
                and all(body.distance(o) > 300 for o in stubs)
                and LineString([pts[0], pts[1]]).intersection(keep_out).length < 1
            )
            if ok:
                stubs.append(stub)
                name, stype = next(names)
                streets.append(
                    Street("", name, stype, "", stub, rng.choice((100, 200, 1000)), "stub")
                )
                d += rng.uniform(1300, 3200)
            else:
                d += rng.uniform(300, 700)


# --------------------------------------------------------------------------------------
# Address points
# --------------------------------------------------------------------------------------


def zip_for(x: float, y: float) -> str:
    """ZIP code: nearest ZIP centre (Voronoi cells)."""
    best = min(
        ZIP_CENTRES,
        key=lambda z: (math.hypot(x - (X0 + z[1] * WIDTH), y - (Y0 + z[2] * HEIGHT)), z[0]),
    )
    return best[0]


def municipality_for(x: float, y: float) -> str:
    """Incorporated town containing the point, else the county name (unincorporated)."""
    for name, fx, fy, rad in TOWNS:
        if math.hypot(x - (X0 + fx * WIDTH), y - (Y0 + fy * HEIGHT)) <= rad:
            return name
    return COUNTY_NAME


def unit_ids(rng: random.Random, n: int) -> list[str]:
    """Apartment unit labels in one of the styles seen in real address tables."""
    style = rng.choice(("letter", "floor", "floor", "numalpha", "num"))
    if style == "letter":
        return [chr(ord("A") + k) for k in range(n)]
    per = rng.choice((4, 6, 8))
    if style == "floor":
        return [f"{k // per + 1}{k % per + 1:02d}" for k in range(n)]
    if style == "numalpha":
        return [f"{k // per + 1}{chr(ord('A') + k % per)}" for k in range(n)]
    return [str(k + 1) for k in range(n)]


def place_lots(
    rng: random.Random, streets: Sequence[Street], campus: Polygon, land: Polygon | MultiPolygon
) -> list[Lot]:
    """Houses along each street, odd numbers on the left, even on the right, set back.

    ``land`` (county plus island, shrunk a little) keeps houses off the shoreline where a
    street meets the county line at a sharp angle.
    """
    shapely.prepare(land)
    lots: list[Lot] = []
    for s in streets:
        line = s.line
        length = line.length
        for side, parity in ((1, 1), (-1, 0)):
            d = rng.uniform(30, 90)
            prev = 0
            while d < length - 70:
                if any(abs(d - j) < 120 for j in s.junctions):
                    d += 40
                    continue
                p = line.interpolate(d)
                a = line.interpolate(max(d - 5, 0))
                b = line.interpolate(min(d + 5, length))
                tl = math.hypot(b.x - a.x, b.y - a.y)
                tx, ty = (b.x - a.x) / tl, (b.y - a.y) / tl
                setback = rng.uniform(35, 70)
                x = p.x - ty * setback * side
                y = p.y + tx * setback * side
                num = s.start_num + int(d / FT_PER_HOUSE_NUMBER)
                num = num | 1 if parity else num - (num % 2)
                if num <= prev:
                    num = prev + 2
                prev = num
                if not land.contains(Point(x, y)):
                    d += 40
                    continue
                urban = municipality_for(x, y) != COUNTY_NAME or s.kind == "loop"
                lot = Lot(num, s, _r(x), _r(y), urban)
                p_multi = 0.03 if urban else 0.003
                if s.kind == "loop" and campus.contains(Point(x, y)):
                    p_multi = 0.25  # dormitories
                if rng.random() < p_multi:
                    lot.units = unit_ids(rng, rng.randint(4, 24))
                    lot.building_row = rng.random() < 0.5
                lots.append(lot)
                if urban:
                    d += rng.uniform(68, 128)
                elif rng.random() < 0.04:
                    d += rng.uniform(700, 1600)  # woods, fields, a marsh
                else:
                    d += rng.uniform(135, 360)
    for lot in lots:
        lot.zipcode = zip_for(lot.x, lot.y)
        lot.place = POSTAL_CITY[lot.zipcode]
        lot.municipality = municipality_for(lot.x, lot.y)
    return lots


MAT_HEADER = [
    "ADDRNUM", "ADDRNUMSUF", "STDIR", "STREETNAME", "STREETTYPE", "SUFDIR", "UNITID",
    "PLACENAME", "MUNICIPALITY_DESC", "ZIPCODE", "XCOORD", "YCOORD", "TAXPID", "STATUS_CODE",
]  # fmt: skip


def mat_rows(lots: Sequence[Lot], extra: Sequence[Lot], retired: Sequence[Lot]) -> list[list[str]]:
    """Master Address Table rows: one per building and/or unit, plus retired rows."""
    rows: list[list[str]] = []

    def row(lot: Lot, unit: str, status: str) -> list[str]:
        s = lot.street
        return [
            str(lot.num),
            lot.suffix,
            s.stdir,
            s.name,
            s.stype,
            s.sufdir,
            unit,
            lot.place,
            lot.municipality,
            lot.zipcode,
            f"{lot.x:.2f}",
            f"{lot.y:.2f}",
            lot.taxpid,
            status,
        ]

    for lot in [*lots, *extra]:
        if not lot.units or lot.building_row:
            rows.append(row(lot, "", "A"))
        rows.extend(row(lot, u, "A") for u in lot.units)
    rows.extend(row(lot, "", "R") for lot in retired)
    return rows


# --------------------------------------------------------------------------------------
# Polling places and early voting
# --------------------------------------------------------------------------------------


def fmt_date(d: dt.date) -> str:
    """MM/DD/YYYY, the NCSBE date format."""
    return f"{d.month:02d}/{d.day:02d}/{d.year}"


def ncsbe_cut(name: str) -> str:
    """NCSBE polling place names are truncated to 30 characters."""
    return name[:30].rstrip()


@dataclass
class Elections:
    """Polling place assignment per precinct for both elections, plus bookkeeping."""

    sites_2028: dict[int, Site]
    sites_2026: dict[int, Site]
    outside: list[int]
    shared: list[list[int]]
    moved: list[int]


def choose_polling_places(
    rng: random.Random, geo: Geography, lots: Sequence[Lot], used: set[tuple]
) -> Elections:
    """Pick a building for every precinct, including the deliberate real-world oddities."""
    n = len(geo.precincts)
    bounds = [pg.boundary for pg in geo.precincts]
    good = [
        lot
        for lot in lots
        if not lot.units and lot.street.kind != "island" and not lot.street.sufdir
    ]
    pts = [Point(lot.x, lot.y) for lot in good]
    by_prec: list[list[int]] = [[] for _ in range(n)]
    for k, lot in enumerate(good):
        by_prec[lot.precinct].append(k)
    dist_own = shapely.distance(np.array(pts), np.array([bounds[lot.precinct] for lot in good]))

    def key(lot: Lot) -> tuple:
        return (lot.num, lot.street.full, lot.zipcode)

    def take(lot: Lot) -> Lot:
        used.add(key(lot))
        return lot

    def inside_pick(p: int) -> Lot:
        cands = [
            k
            for k in by_prec[p]
            if dist_own[k] > 250 and key(good[k]) not in used and good[k].street.kind != "stub"
        ]
        if not cands:
            cands = [k for k in by_prec[p] if dist_own[k] > 120 and key(good[k]) not in used]
        return take(good[rng.choice(cands)])

    neighbours = [
        [q for q in range(n) if q != p and bounds[p].intersection(bounds[q]).length > 500]
        for p in range(n)
    ]
    hole = geo.prec_names.index(HOLE_NAME)
    donut = geo.prec_names.index(DONUT_NAME)
    island_p = geo.prec_names.index(ISLAND_NAME)
    special = {hole, donut, island_p}
    ordinary = [p for p in range(n) if p not in special]
    rng.shuffle(ordinary)

    # Shared polling places: a triple and a pair of neighbouring precincts.
    shared: list[list[int]] = []
    taken: set[int] = set()
    for size in (3, 2):
        for p in ordinary:
            if p in taken:
                continue
            nb = [q for q in neighbours[p] if q not in taken and q not in special]
            if len(nb) >= size - 1:
                grp = [p, *sorted(nb)[: size - 1]]
                shared.append(grp)
                taken.update(grp)
                break
    # Polling places across a boundary street, in a neighbouring precinct.
    outside_targets = [hole, *[p for p in ordinary if p not in taken][:5]]
    rest = [p for p in range(n) if p not in taken and p not in outside_targets]

    ids = rng.sample(range(101, 400), n + 10)
    id_iter = iter(ids)
    templates = list(PLACE_TEMPLATES)
    long_names = list(LONG_PLACE_NAMES)
    names_used: set[str] = set()

    def site_name(p: int) -> str:
        if long_names and rng.random() < 0.25:
            name = long_names.pop(0)
        else:
            word = geo.prec_names[p]
            name = rng.choice(templates).format(w=word)
            while ncsbe_cut(name) in names_used:
                name = rng.choice(templates).format(w=word)
        names_used.add(ncsbe_cut(name))
        return name

    sites: dict[int, Site] = {}
    for grp in shared:
        site = Site(next(id_iter), site_name(grp[0]), inside_pick(grp[0]))
        for p in grp:
            sites[p] = site
    for p in outside_targets:
        if p == hole:
            # The student union faces the loop road from the outside, inside COLLEGE PARK.
            cands = [
                k
                for k in by_prec[donut]
                if good[k].street.kind == "loop" and key(good[k]) not in used
            ]
            lot = take(good[cands[len(cands) // 2]])
            sites[p] = Site(next(id_iter), "UNIVERSITY STUDENT UNION", lot)
            names_used.add("UNIVERSITY STUDENT UNION")
            continue
        cands = [
            k
            for q in neighbours[p]
            for k in by_prec[q]
            if good[k].street.kind == "grid"
            and key(good[k]) not in used
            and bounds[p].distance(pts[k]) < 100
        ]
        sites[p] = Site(next(id_iter), site_name(p), take(good[rng.choice(cands)]))
    for p in rest:
        sites[p] = Site(next(id_iter), site_name(p), inside_pick(p))
    while long_names:  # make sure every long name appears somewhere
        p = rest.pop()
        sites[p] = Site(sites[p].site_id, long_names.pop(0), sites[p].lot)

    moved = sorted(rng.sample([p for p in range(n) if p not in taken and p != hole], 4))
    sites_2026 = dict(sites)
    for p in moved:
        sites_2026[p] = Site(next(id_iter), site_name(p), inside_pick(p))

    outside = sorted(
        p for p in range(n) if not geo.precincts[p].contains(Point(sites[p].lot.x, sites[p].lot.y))
    )
    return Elections(sites, sites_2026, outside, shared, moved)


def polling_file_bytes(geo: Geography, sites: dict[int, Site], election: dt.date) -> bytes:
    """NCSBE polling place list: UTF-16 LE with BOM, tab separated, CRLF."""
    header = (
        "election_dt\tcounty_name\tpolling_place_id\tpolling_place_name\tprecinct_name\t"
        "house_num\tstreet_name\tcity\tstate\tzip"
    )
    lines = [header]
    for p in sorted(sites, key=lambda q: geo.prec_nums[q]):
        s = sites[p]
        fields = [
            fmt_date(election),
            COUNTY_NAME,
            str(s.site_id),
            ncsbe_cut(s.name),
            f"PCT {geo.prec_nums[p]:03d}",
            str(s.lot.num),
            s.lot.street.full,
            s.lot.place,
            "NC",
            s.lot.zipcode,
        ]
        lines.append("\t".join(fields))
    text = "".join(line + "\r\n" for line in lines)
    return b"\xff\xfe" + text.encode("utf-16-le")


def early_voting(
    rng: random.Random, lots: Sequence[Lot], used: set[tuple], campus: Polygon
) -> list[Site]:
    """Six one-stop sites; the board office is on Demo City's MAIN ST (an ambiguous name)."""

    def pick(pred: Callable[[Lot], bool]) -> Lot:
        cands = [
            lot
            for lot in lots
            if not lot.units
            and not lot.street.sufdir
            and (lot.num, lot.street.full, lot.zipcode) not in used
            and pred(lot)
        ]
        lot = rng.choice(cands)
        used.add((lot.num, lot.street.full, lot.zipcode))
        return lot

    def on(name: str, muni: str) -> Callable[[Lot], bool]:
        return lambda lot: lot.street.full == name and lot.municipality == muni

    return [
        Site(0, "DEMO COUNTY BOARD OF ELECTIONS", pick(on("MAIN ST", "DEMO CITY"))),
        Site(0, "DEMO CITY MAIN LIBRARY", pick(on("N OAK ST", "DEMO CITY"))),
        Site(0, "RIVERTON RECREATION CENTER", pick(on("MAIN ST", "RIVERTON"))),
        Site(
            0,
            "OAK HOLLOW COMMUNITY CENTER",
            pick(lambda lot: lot.municipality == "OAK HOLLOW" and lot.street.kind == "grid"),
        ),
        Site(
            0,
            "PINE RIDGE TOWN HALL",
            pick(lambda lot: lot.municipality == "PINE RIDGE" and lot.street.kind == "grid"),
        ),
        Site(
            0,
            "UNIVERSITY STUDENT CENTER",
            pick(lambda lot: lot.street.kind == "loop" and campus.contains(Point(lot.x, lot.y))),
        ),
    ]


def ev_file_bytes(sites: Sequence[Site], campus: Polygon) -> bytes:
    """NCSBE statewide one-stop list: tab separated, no header, CRLF, 8 columns."""
    sunday_closed = {2, 3}  # Riverton and Oak Hollow do not open on Sundays
    late_opener = 5  # the campus site opens a day late
    lines: list[str] = []
    for k, s in enumerate(sites):
        day = EV_FIRST_DAY
        while day <= EV_LAST_DAY:
            wd = day.weekday()
            if k == late_opener and day == EV_FIRST_DAY:
                hours = "Closed"
            elif wd == 6:
                hours = "Closed" if k in sunday_closed else "1:00PM - 5:00PM"
            elif wd == 5:
                hours = "8:00AM - 3:00PM"
            else:
                hours = "8:00AM - 7:30PM"
            lines.append(
                "\t".join(
                    [
                        fmt_date(ELECTION),
                        COUNTY_NAME,
                        "Y" if k == 0 else "N",
                        s.name,
                        f"{s.lot.num} {s.lot.street.full}",
                        f"{s.lot.place}, NC {s.lot.zipcode}",
                        fmt_date(day),
                        hours,
                    ]
                )
            )
            day += dt.timedelta(days=1)
    assert campus.contains(Point(sites[late_opener].lot.x, sites[late_opener].lot.y))
    return "".join(line + "\r\n" for line in lines).encode("ascii")


# --------------------------------------------------------------------------------------
# Shapefile
# --------------------------------------------------------------------------------------


def _below(n: int, odd: bool) -> int:
    """The largest odd (or even) number below ``n``."""
    m = n - 1
    return m if (m % 2 == 1) == odd else m - 1


def centerline_blocks(geo: Geography) -> gpd.GeoDataFrame:
    """Street centerlines cut into blocks at junctions, with TIGER-style address ranges
    (odd numbers on the left, as the houses are placed) and a ZIP code per side."""
    rows: list[dict[str, object]] = []
    for s in geo.streets:
        cuts = [0.0, *sorted(j for j in s.junctions if 0 < j < s.line.length), s.line.length]
        for d0, d1 in itertools.pairwise(cuts):
            if d1 - d0 < 50:
                continue
            lo = s.start_num + int(d0 / FT_PER_HOUSE_NUMBER)
            hi = s.start_num + int(d1 / FT_PER_HOUSE_NUMBER)
            block = substring(s.line, d0, d1)
            mid = block.interpolate(0.5, normalized=True)
            zipcode = zip_for(mid.x, mid.y)
            rows.append(
                {
                    "FULLNAME": s.full,
                    # Blocks hold [lo, hi): odd numbers left, even right, none shared.
                    "LFROMADD": str(lo | 1),
                    "LTOADD": str(max(lo | 1, _below(hi, odd=True))),
                    "RFROMADD": str(lo + lo % 2),
                    "RTOADD": str(max(lo + lo % 2, _below(hi, odd=False))),
                    "ZIPL": zipcode,
                    "ZIPR": zipcode,
                    "geometry": block,
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS)


def zipped_shapefile(gdf: gpd.GeoDataFrame, stem: str) -> bytes:
    """A layer as a zipped ESRI shapefile, byte-identical on every run."""
    members: list[tuple[str, bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / f"{stem}.shp"
        gdf.to_file(shp, driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            path = shp.with_suffix(f".{ext}")
            data = path.read_bytes() if path.exists() else b""
            if ext == "dbf":
                # dBASE header bytes 1-3: date of last update (YY since 1900, MM, DD).
                d = SHAPEFILE_DATE
                data = data[:1] + bytes([d.year - 1900, d.month, d.day]) + data[4:]
            if ext == "cpg" and not data:
                data = b"UTF-8"
            members.append((f"{stem}.{ext}", data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=9)
    return buf.getvalue()


def shapefile_zip_bytes(geo: Geography) -> bytes:
    """Zipped ESRI shapefile with the NCSBE (2020+) attribute layout, made reproducible."""
    order = sorted(range(len(geo.precincts)), key=lambda p: geo.prec_nums[p])
    gdf = gpd.GeoDataFrame(
        {
            "id": np.arange(1, len(order) + 1, dtype="int32"),
            "county_id": np.full(len(order), COUNTY_ID, dtype="int32"),
            "prec_id": [f"{geo.prec_nums[p]:03d}" for p in order],
            "enr_desc": [geo.prec_names[p] for p in order],
            "county_nam": [COUNTY_NAME] * len(order),
            "of_prec_id": [f"{geo.prec_nums[p]:03d}" for p in order],
        },
        geometry=[geo.precincts[p] for p in order],
        crs=CRS,
    )
    return zipped_shapefile(gdf, SHAPEFILE_STEM)


# --------------------------------------------------------------------------------------
# Checks and driver
# --------------------------------------------------------------------------------------


def verify_geography(geo: Geography) -> None:
    """Fail loudly if the precinct layer is not a clean coverage with exactly shared edges."""
    polys = geo.precincts
    assert all(shapely.is_valid(p) for p in polys)
    assert sum(isinstance(p, MultiPolygon) for p in polys) == 1
    holes = [sum(len(g.interiors) for g in getattr(p, "geoms", [p])) for p in polys]
    assert sorted(holes) == [0] * (len(polys) - 1) + [1]
    coverage = shapely.union_all(polys)
    target = shapely.union_all([geo.county, geo.island])
    assert abs(coverage.area - target.area) < 1.0
    assert coverage.symmetric_difference(target).area < 1.0
    assert abs(sum(p.area for p in polys) - target.area) < 1.0  # no overlaps
    coords = [shapely.get_coordinates(p) for p in polys]
    vsets = [{(float(x), float(y)) for x, y in c} for c in coords]
    for i in range(len(polys)):
        for j in range(len(polys)):
            if i == j or not polys[i].intersects(polys[j]):
                continue
            on_j = shapely.dwithin(shapely.points(coords[i]), polys[j].boundary, 1e-6)
            for x, y in coords[i][on_j]:
                assert (float(x), float(y)) in vsets[j], "neighbours do not share a vertex"


def assign_precincts(geo: Geography, lots: Sequence[Lot]) -> None:
    """Record the precinct each address point falls in (all must fall in one)."""
    tree = shapely.STRtree(list(geo.precincts))
    pts = shapely.points([(lot.x, lot.y) for lot in lots])
    pairs = tree.query(pts, predicate="within")
    for a, b in zip(pairs[0], pairs[1], strict=True):
        lots[int(a)].precinct = int(b)
    assert all(lot.precinct >= 0 for lot in lots), "address point outside every precinct"


def generate(out_dir: Path) -> None:
    """Write the whole Demo County data set into ``out_dir`` (created if needed)."""
    rng = random.Random(SEED)
    geo = build_geography(rng)
    verify_geography(geo)
    campus = geo.precincts[geo.prec_names.index(HOLE_NAME)]
    assert isinstance(campus, Polygon)

    land = shapely.union_all([geo.county, geo.island]).buffer(-40)
    lots = place_lots(rng, geo.streets, campus, land)
    assign_precincts(geo, lots)

    # Half and lettered addresses next to existing houses, and retired (R) rows.
    singles = [lot for lot in lots if not lot.units and lot.street.kind in ("grid", "stub")]
    extra: list[Lot] = []
    for k, lot in enumerate(rng.sample(singles, 18)):
        twin = Lot(lot.num, lot.street, _r(lot.x + 18.0), _r(lot.y - 14.0), lot.urban)
        twin.suffix = "1/2" if k < 12 else "A"
        extra.append(twin)
    retired: list[Lot] = []
    for k, lot in enumerate(rng.sample(singles, 60)):
        if k < 30:  # re-addressed: the old number at the same spot
            old = Lot(max(1, lot.num - 2 * rng.randint(1, 4)), lot.street, lot.x, lot.y, lot.urban)
        else:  # demolished house whose number was re-used down the road
            off = rng.uniform(200, 700)
            old = Lot(lot.num, lot.street, _r(lot.x + off), _r(lot.y - off / 2), lot.urban)
        retired.append(old)
    for lot in [*extra, *retired]:
        lot.zipcode = zip_for(lot.x, lot.y)
        lot.place = POSTAL_CITY[lot.zipcode]
        lot.municipality = municipality_for(lot.x, lot.y)

    used: set[tuple] = {(lot.num, lot.street.full, lot.zipcode) for lot in extra}
    elections = choose_polling_places(rng, geo, lots, used)
    ev_sites = early_voting(rng, lots, used, campus)

    # One retired row duplicates a polling place address at its old location: a trap for
    # loaders that forget to drop STATUS_CODE R.
    pp = elections.sites_2028[geo.prec_nums.index(min(geo.prec_nums))].lot  # PCT 001's place
    trap = Lot(pp.num, pp.street, _r(pp.x - 900.0), _r(pp.y + 650.0), pp.urban)
    trap.zipcode, trap.place, trap.municipality = pp.zipcode, pp.place, pp.municipality
    retired.append(trap)

    everything = [*lots, *extra, *retired]
    pids = rng.sample(range(10**8), len(everything))
    for lot, pid in zip(everything, pids, strict=True):
        lot.taxpid = f"{pid:08d}"
    rows = mat_rows(lots, extra, retired)
    rng.shuffle(rows)

    active = [r for r in rows if r[13] == "A"]
    keys = [(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[9]) for r in active]
    assert len(keys) == len(set(keys)), "duplicate active address"

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{SHAPEFILE_STEM}.zip").write_bytes(shapefile_zip_bytes(geo))
    (out_dir / f"demo-polling-places-{ELECTION:%Y%m%d}.csv").write_bytes(
        polling_file_bytes(geo, elections.sites_2028, ELECTION)
    )
    (out_dir / f"demo-polling-places-{PREVIOUS_ELECTION:%Y%m%d}.csv").write_bytes(
        polling_file_bytes(geo, elections.sites_2026, PREVIOUS_ELECTION)
    )
    (out_dir / f"demo-one-stop-sites-{ELECTION:%Y%m%d}.txt").write_bytes(
        ev_file_bytes(ev_sites, campus)
    )
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(MAT_HEADER)
    writer.writerows(rows)
    (out_dir / "Master_Address_Table_demo.csv").write_bytes(buf.getvalue().encode("utf-8"))
    (out_dir / f"{CENTERLINES_STEM}.zip").write_bytes(
        zipped_shapefile(centerline_blocks(geo), CENTERLINES_STEM)
    )
    (out_dir / "demo-site-details.csv").write_bytes(site_details_bytes(geo, elections, ev_sites))

    _summary(geo, elections, ev_sites, rows)


SITE_DETAILS_HEADER = [
    "id", "address", "accessible_entrance_en", "accessible_entrance_es", "accessible_parking_en",
    "accessible_parking_es", "curbside_en", "curbside_es", "transit_en", "transit_es",
    "notes_en", "notes_es", "photo_url", "phone",
]  # fmt: skip
DEMO_NOTE_EN = "Example details of the fictional Demo County."
DEMO_NOTE_ES = "Detalles de ejemplo del condado ficticio Demo County."


def _site_id(name: str) -> str:
    """An early-voting site's id as the refresh makes it: the county and name, slugged."""
    spaced = "".join(c if c.isalnum() else " " for c in f"{COUNTY_NAME} {name}".lower())
    return "-".join(spaced.split())


def site_details_bytes(geo: Geography, el: Elections, ev: Sequence[Site]) -> bytes:
    """The county's site-details CSV (``lookup refresh --site-details``) for a few places
    only, so that answers elsewhere show details as not known: the board office's site by
    id, the library's by its street address (its entrance in English only: Spanish answers
    fall back to it), COLLEGE PARK's polling place (019) by id, UNIVERSITY's (020) by id
    with a phone alone. Every text is fictional and says so."""
    college_park = el.sites_2028[geo.prec_nums.index(19)]
    library = ev[1].lot
    library_address = f"{library.num} {library.street.full.title()}, {library.place.title()}"
    university = el.sites_2028[geo.prec_nums.index(20)]
    rows = [
        [
            _site_id(ev[0].name), "",
            "Level entrance at the main doors on Main Street.",
            "Entrada a nivel por las puertas principales de Main Street.",
            "Four accessible spaces beside the main doors.",
            "Cuatro espacios accesibles junto a las puertas principales.",
            "Curbside voting at the covered drop-off lane; press the call button.",
            "Votación junto a la acera en el carril techado; pulse el botón de llamada.",
            "Demo Transit route 3, stop Main St & 2nd St.",
            "Ruta 3 de Demo Transit, parada Main St y 2nd St.",
            DEMO_NOTE_EN, DEMO_NOTE_ES,
            "https://example.org/demo-county/board-office-entrance.jpg", "(919) 555-0199",
        ],
        [
            "", library_address.replace(" St,", " Street,"),
            "Ramp at the side door on the parking-lot side.", "",
            "", "", "", "",
            "Demo Transit route 5, stop N Oak St Library.",
            "Ruta 5 de Demo Transit, parada N Oak St Library.",
            DEMO_NOTE_EN, DEMO_NOTE_ES, "", "",
        ],
        [
            str(college_park.site_id), "",
            "Gym entrance at the back of the building; the front steps have no ramp.",
            "Entrada del gimnasio en la parte trasera; la escalera principal no tiene rampa.",
            "", "", "Curbside voting at the gym entrance.",
            "Votación junto a la acera en la entrada del gimnasio.",
            "", "", DEMO_NOTE_EN, DEMO_NOTE_ES, "", "",
        ],
        [str(university.site_id), *[""] * 12, "919.555.0120"],
    ]  # fmt: skip
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(SITE_DETAILS_HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _summary(geo: Geography, el: Elections, ev: Sequence[Site], rows: Sequence[list[str]]) -> None:
    """Print what was generated, so a human can eyeball the quirks."""
    verts = sorted(len(shapely.get_coordinates(p)) for p in geo.precincts)

    def pcts(ps: Sequence[int]) -> list[str]:
        return sorted(f"{geo.prec_nums[p]:03d}" for p in ps)

    print(f"precincts: {len(geo.precincts)}  vertices min/median/max: "
          f"{verts[0]}/{verts[len(verts) // 2]}/{verts[-1]}")  # fmt: skip
    print(f"polling places 2028: {len({s.site_id for s in el.sites_2028.values()})}")
    print(f"shared: {[pcts(g) for g in el.shared]}")
    print(f"outside own precinct: {pcts(el.outside)}")
    print(f"moved 2026->2028: {pcts(el.moved)}")
    print(f"early voting sites: {len(ev)}")
    print(f"address rows: {len(rows)} (retired {sum(r[13] == 'R' for r in rows)})")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    generate(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
