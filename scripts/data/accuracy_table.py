"""The accuracy harness's address table: the county's real facility layers listed the way a
county address file lists them, hidden in a synthetic background.

Why this shape: the geocoder scored 99.7 % on a table it had, in effect, written itself
(one clean row per address), and failed one address in eight on a table assembled from
real layers, where one building comes as ``600 East Boulevard`` without a ZIP and as
``600 E BLVD, 28203`` 40 m away. So each real building here has

- a row per layer that lists it, in that layer's spelling, city and point;
- one to three rows of a second source (parcel point, structure points, an old row),
  re-spelled deterministically (long or short forms, Mecklenburg's two-letter codes, upper
  or title case), each 3-60 m from the building and in its precinct, with the ZIP on some
  rows, the postal city, the municipality or no city, a unit on some;
- the near misses real tables have (neighbour numbers, another type, the other
  directional, a name two letters away, the same address in another town), placed ~2 km
  away in another precinct, so that a wrong match is a wrong precinct.

The layers have no numbered-highway address inside the precinct map (their two, in
Midland, lie outside it) and no house number 1-20, so ``NEAR_REAL`` adds a few
real-looking ones, listed and re-spelled the same way. The synthetic background is kept
inside the county: a county file has no point outside it.

Everything is seeded per building (``random.Random(f"{SEED}/{key}")``): one building's
rows do not change when another is added. The spelling rules below are the harness's
own, not the geocoder's: the truth must not depend on the code it measures.
"""

from __future__ import annotations

import csv
import math
import random
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from scripts.data.synthetic_addresses import generate

SEED = 2026
LAYERS = ("schools", "libraries", "fire_stations", "police_stations", "hospitals", "town_halls")
PRECINCT_MAP = Path("mecklenburg/precincts/Voter_Precinct_20241003.zip")
UNINCORPORATED = "MECKLENBURG"
METRES_PER_DEG = 111_195.0
CSV_COLUMNS = ("address", "city", "state", "zip", "lat", "lon")

DIRECTIONS = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}
DIRECTIONS |= {"NE": "NORTHEAST", "NW": "NORTHWEST", "SE": "SOUTHEAST", "SW": "SOUTHWEST"}
DIR_OF = {w: a for a, w in DIRECTIONS.items()} | {a: a for a in DIRECTIONS}
# USPS abbreviation -> (long form, Mecklenburg's two-letter code).
TYPES = {
    "RD": ("ROAD", "RD"),
    "DR": ("DRIVE", "DR"),
    "ST": ("STREET", "ST"),
    "AVE": ("AVENUE", "AV"),
    "BLVD": ("BOULEVARD", "BV"),
    "LN": ("LANE", "LN"),
    "WAY": ("WAY", "WY"),
    "PKWY": ("PARKWAY", "PY"),
    "CT": ("COURT", "CT"),
    "CIR": ("CIRCLE", "CR"),
    "PL": ("PLACE", "PL"),
    "TRL": ("TRAIL", "TR"),
    "HWY": ("HIGHWAY", "HY"),
    "TER": ("TERRACE", "TE"),
    "LOOP": ("LOOP", "LP"),
    "PLZ": ("PLAZA", "PLZ"),
    "CTR": ("CENTER", "CTR"),
}
TYPE_OF = {a: a for a in TYPES} | {v: a for a, forms in TYPES.items() for v in forms}
ORDINALS = {"FIRST": "1ST", "SECOND": "2ND", "THIRD": "3RD", "FOURTH": "4TH", "FIFTH": "5TH"}
ORDINALS |= {"SIXTH": "6TH", "SEVENTH": "7TH", "EIGHTH": "8TH", "NINTH": "9TH", "TENTH": "10TH"}
UNIT_AT_END = re.compile(r"[\s,]+(?:SUITE|STE|APT|UNIT|BLDG|#)\s*[A-Z0-9-]+$")


@dataclass(frozen=True)
class Parts:
    """A street address cut into the parts every spelling below is made of."""

    number: str
    predir: str
    name: str
    type: str
    postdir: str
    route: tuple[str, str] | None = None  # ("NC", "73") for a numbered highway

    @property
    def key(self) -> str:
        """The harness's identity of a building: number and street, USPS short forms."""
        return self.spell()

    def spell(
        self, dirs: str = "short", types: str = "usps", number: bool = True, name: str = ""
    ) -> str:
        """The street line (upper case) in a style: ``dirs`` short/long, ``types``
        usps/long/county (Mecklenburg's ``AV``, ``BV``, ``HY``...)."""
        d = (lambda x: DIRECTIONS.get(x, x)) if dirs == "long" else (lambda x: x)
        t = {"usps": 0, "long": 1, "county": 2}[types]
        stype = (self.type, *TYPES[self.type])[t] if self.type in TYPES else self.type
        words = (d(self.predir), name or self.name, stype, d(self.postdir))
        line = " ".join(w for w in words if w)
        return f"{self.number} {line}" if number else line


def parse_line(line: str) -> tuple[Parts, str] | None:
    """(parts, unit) of a street line as a layer writes it, or None without a number."""
    upper = " ".join(line.upper().replace(".", " ").split())
    unit = ""
    m = UNIT_AT_END.search(upper)
    if m:
        upper, unit = upper[: m.start()], m.group().strip(" ,")
    tokens = upper.replace(",", " ").replace("-", " ").split()
    if len(tokens) < 2 or not tokens[0].isdigit():
        return None
    number, rest = tokens[0], tokens[1:]
    predir = postdir = stype = ""
    # "West Boulevard" is a street named West: a directional needs a name after it.
    if rest[0] in DIR_OF and (len(rest) >= 3 or (len(rest) == 2 and rest[1] not in TYPE_OF)):
        predir = DIR_OF[rest.pop(0)]
    if len(rest) >= 3 and rest[-1] in DIR_OF:
        postdir = DIR_OF[rest.pop()]
    if len(rest) >= 2 and rest[-1] in TYPE_OF:
        stype = TYPE_OF[rest.pop()]
    name = " ".join(ORDINALS.get(w, w) for w in rest)
    return Parts(number, predir, name, stype, postdir), unit


@dataclass(frozen=True)
class Listing:
    """One row of a county layer, as that layer has it."""

    layer: str
    name: str  # the facility's name ("Beatties Ford Road Branch")
    line: str  # its address line, spacing and dots included
    city: str  # its city cell ("Charlotte, NC" -> "Charlotte"; "" when it has none)
    zip: str
    lon: float
    lat: float


@dataclass
class Building:
    """One real (or near-real) building: the truth the queries are scored against."""

    parts: Parts
    lon: float  # the true building point: its first listing's point
    lat: float
    precinct: str  # the precinct containing that point ("" outside the map)
    zip: str
    postal: str  # the postal city of its ZIP
    municipality: str  # the town it lies in, or MECKLENBURG (unincorporated)
    listings: list[Listing]
    near_real: bool = False  # made up here: the layers have no such address
    rows: list[dict] = field(default_factory=list)  # its own rows in the table

    @property
    def key(self) -> str:
        return self.parts.key

    @property
    def town(self) -> str:
        """The town a caller names: the municipality, or the postal city outside one."""
        if self.municipality != UNINCORPORATED:
            return self.municipality.title()
        return (self.postal or self.listings[0].city or "Charlotte").title()

    def rng(self, purpose: str) -> random.Random:
        """A generator for one purpose of this building alone (stable across runs)."""
        return random.Random(f"{SEED}/{self.key}/{purpose}")


class PrecinctMap:
    """Point-in-polygon on the real precinct map, independent of the service's index."""

    def __init__(self, shared: Path) -> None:
        g = gpd.read_file(f"zip://{shared / PRECINCT_MAP}", engine="pyogrio").to_crs(4326)
        self.ids = np.array([f"{int(float(p)):03d}" for p in g["precinct"]], dtype=object)
        self.geoms = g.geometry.to_numpy()
        self.tree = shapely.STRtree(self.geoms)
        shapely.prepare(self.geoms)
        self.county = shapely.union_all(self.geoms)
        shapely.prepare(self.county)

    def of(self, lon: float, lat: float) -> str:
        return self.many(np.array([lon]), np.array([lat]))[0]

    def many(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """The precinct id of each point ("" outside every precinct)."""
        out = np.full(len(lon), "", dtype=object)
        pts, polys = self.tree.query(shapely.points(lon, lat), predicate="within")
        out[pts] = self.ids[polys]
        return out


@dataclass
class Areas:
    """The county's ZIP polygons (postal city) and municipal limits."""

    zips: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame

    @classmethod
    def read(cls, shared: Path) -> Areas:
        places = shared / "mecklenburg" / "places"
        zips = gpd.read_file(places / "zipcodes.geojson", engine="pyogrio").to_crs(4326)
        towns = gpd.read_file(places / "political_boundaries.geojson", engine="pyogrio")
        return cls(zips, towns.to_crs(4326))

    def at(self, lon: float, lat: float) -> tuple[str, str, str]:
        """(ZIP, postal city, municipality) of a point."""
        p = shapely.Point(lon, lat)
        z = self.zips[self.zips.contains(p)]
        t = self.towns[self.towns.contains(p)]
        zip_code = str(z["zipcode"].iloc[0]) if len(z) else ""
        postal = str(z["post_office_city"].iloc[0]).upper() if len(z) else ""
        town = str(t["name"].iloc[0]).upper() if len(t) else UNINCORPORATED
        return zip_code, postal, town

    def town_point(self, town: str) -> tuple[float, float]:
        """A point inside a town's largest piece (where its same-named streets are)."""
        t = self.towns[self.towns["name"].str.upper() == town]
        geom = max(t.geometry, key=lambda g: g.area)
        p = geom.representative_point()
        return p.x, p.y


def load_listings(shared: Path) -> list[Listing]:
    """Every facility of the six layers, in the layers' order, as written."""
    out = []
    for layer in LAYERS:
        g = gpd.read_file(shared / "mecklenburg" / "places" / f"{layer}.geojson", engine="pyogrio")
        g = g.to_crs(4326)
        city_col = next((c for c in ("city", "city_state") if c in g), None)
        for r in g.itertuples():
            city = str(getattr(r, city_col) or "") if city_col else ""
            zip_code = str(getattr(r, "zipcode", "") or "")
            out.append(
                Listing(
                    layer=layer,
                    name=str(r.name).strip(),
                    line=str(r.address),
                    city=city.split(",")[0].strip(),
                    zip=zip_code if zip_code.isdigit() else "",
                    lon=float(r.geometry.x),
                    lat=float(r.geometry.y),
                )
            )
    return out


# Real-looking addresses the layers lack: numbered highways (the layers' two, HWY 601 S
# and HWY 24 27 E, are in Midland, outside the precinct map) and house numbers 1-20.
NEAR_REAL = (
    # (street line as a county table writes it, lon, lat)
    ("16640 NC 73 HY", -80.8687, 35.4319),
    ("9710 NC 73 HY", -80.8020, 35.4290),
    ("14520 US 21 HY", -80.8455, 35.4172),
    ("19800 US 21 HY", -80.8610, 35.4640),
    ("8515 US 29 HY", -80.7605, 35.2920),
    ("12111 NC 51 HY", -80.7452, 35.0930),
    ("1 INDEPENDENCE CTR", -80.8428, 35.2275),
    ("7 JETTON ST", -80.8446, 35.4962),
    ("12 N POLK ST", -80.8885, 35.0848),
    ("20 MAIN ST", -80.8590, 35.4842),
    ("9 N MCDOWELL ST", -80.8370, 35.2203),
    ("15 W 5TH ST", -80.8420, 35.2290),
    ("3 E JOHN ST", -80.7218, 35.1165),
    ("18 CONCORD RD", -80.8440, 35.4990),
)
_ROUTE = re.compile(r"^(\d+) (NC|US) (\d+) HY$")


def near_real_parts(line: str) -> Parts:
    m = _ROUTE.match(line)
    if m:
        number, system, route = m.groups()
        return Parts(number, "", f"{system} {route}", "HWY", "", route=(system, route))
    parsed = parse_line(line)
    assert parsed is not None, line
    return parsed[0]


def buildings(shared: Path, pmap: PrecinctMap, areas: Areas) -> list[Building]:
    """The real buildings (one per address, however many layers list it), then the
    near-real ones. A building keeps its first listing's point as the truth."""
    by_key: dict[str, Building] = {}
    for listing in load_listings(shared):
        parsed = parse_line(listing.line)
        if parsed is None:
            continue
        parts = parsed[0]
        b = by_key.get(parts.key)
        if b is None:
            zip_code, postal, town = areas.at(listing.lon, listing.lat)
            b = by_key[parts.key] = Building(
                parts=parts,
                lon=listing.lon,
                lat=listing.lat,
                precinct=pmap.of(listing.lon, listing.lat),
                zip=zip_code or listing.zip,
                postal=postal or listing.city.upper(),
                municipality=town,
                listings=[],
            )
        b.listings.append(listing)
    for line, lon, lat in NEAR_REAL:
        parts = near_real_parts(line)
        zip_code, postal, town = areas.at(lon, lat)
        city = (town if town != UNINCORPORATED else postal).title()
        b = Building(
            parts=parts,
            lon=lon,
            lat=lat,
            precinct=pmap.of(lon, lat),
            zip=zip_code,
            postal=postal,
            municipality=town,
            listings=[Listing("near_real", "", line, city, "", lon, lat)],
            near_real=True,
        )
        by_key.setdefault(parts.key, b)
    return list(by_key.values())


def jitter(b: Building, pmap: PrecinctMap, rng: random.Random) -> tuple[float, float]:
    """A point 3-60 m from the building and in its precinct: another point of the same
    building (parcel, structure, another building of the complex)."""
    radius = 60.0
    for _ in range(40):
        d, bearing = rng.uniform(3.0, radius), rng.uniform(0, 2 * math.pi)
        lat = b.lat + d * math.cos(bearing) / METRES_PER_DEG
        lon = b.lon + d * math.sin(bearing) / (METRES_PER_DEG * math.cos(math.radians(b.lat)))
        if not b.precinct or pmap.of(lon, lat) == b.precinct:
            return lon, lat
        radius = max(6.0, radius * 0.8)  # near a precinct line: closer in
    return b.lon, b.lat


def highway_spellings(parts: Parts) -> list[str]:
    """How sources and callers write a numbered highway (without the house number)."""
    assert parts.route is not None
    system, route = parts.route
    return [
        f"{system} {route} HY",
        f"{system} HIGHWAY {route}",
        f"HWY {route}",
        f"{system} HWY {route}",
        f"{system} {route}",
    ]


# A second source's spellings of a street: (directionals, types, case).
STYLES = (
    ("short", "usps", "upper"),
    ("short", "county", "upper"),
    ("long", "long", "title"),
    ("long", "long", "upper"),
    ("short", "usps", "title"),
)
UNITS = ("STE 100", "BLDG B", "UNIT 2", "# 3", "STE 210")


def second_source_lines(parts: Parts, rng: random.Random) -> list[str]:
    """The street line as other sources would write it, most different first."""
    if parts.route is not None:
        forms = [f"{parts.number} {s}" for s in highway_spellings(parts)[1:4]]
        rng.shuffle(forms)
        return forms
    lines = []
    for dirs, types, case in rng.sample(STYLES, len(STYLES)):
        line = parts.spell(dirs, types)
        lines.append(words(line) if case == "title" else line)
    return lines


KEEP_UPPER = frozenset({"NC", "US", "VFD"})


def words(text: str) -> str:
    """Title case as people type it: ``28th``, not ``28Th``; ``NC 73``, not ``Nc 73``."""
    return " ".join(
        w if w in KEEP_UPPER else "-".join(p.capitalize() for p in w.split("-"))
        for w in text.split()
    )


def _row(address: str, city: str, zip_code: str, lon: float, lat: float, **extra: str) -> dict:
    return {
        "address": address,
        "city": city,
        "state": "NC",
        "zip": zip_code,
        "lat": round(lat, 7),
        "lon": round(lon, 7),
        "name": extra.pop("name", ""),
        **extra,
    }


def _squash(text: str) -> str:
    return " ".join(text.upper().replace(".", " ").split())


def truth_rows(b: Building, pmap: PrecinctMap) -> list[dict]:
    """The building's rows: each listing as its layer has it, then 1-3 rows of a second
    source (different spellings, points, ZIP on some, city or not, a unit on some)."""
    rng = b.rng("rows")
    rows = [
        _row(x.line, x.city, x.zip, x.lon, x.lat, name=x.name, role="listing", building=b.key)
        for x in b.listings
    ]
    seen = {_squash(x.line) for x in b.listings}
    lines = second_source_lines(b.parts, rng)
    # The first re-spelling differs from every listing in more than case.
    lines.sort(key=lambda s: _squash(s) in seen)
    extra = 1 + (rng.random() < 0.6) + (rng.random() < 0.3)
    for line in lines[:extra]:
        zip_code = b.zip if rng.random() < 0.6 else ""
        r = rng.random()
        town = b.municipality if b.municipality != UNINCORPORATED else b.postal
        city = b.postal if r < 0.45 else town if r < 0.7 else ""
        if line != line.upper():
            city = city.title()
        if rng.random() < 0.15:
            line = f"{line} {rng.choice(UNITS)}"
        lon, lat = jitter(b, pmap, rng)
        rows.append(_row(line, city, zip_code, lon, lat, role="second_source", building=b.key))
    return rows


def far_point(b: Building, pmap: PrecinctMap, rng: random.Random) -> tuple[float, float]:
    """Another building ~2 km away, in another precinct where one is in reach."""
    start = rng.uniform(0, 2 * math.pi)
    for k in range(16):
        d = 2200.0 if k < 8 else 4500.0
        bearing = start + k * math.pi / 4
        lat = b.lat + d * math.cos(bearing) / METRES_PER_DEG
        lon = b.lon + d * math.sin(bearing) / (METRES_PER_DEG * math.cos(math.radians(b.lat)))
        p = pmap.of(lon, lat)
        if p and p != b.precinct:
            return lon, lat
    return b.lon + 0.02, b.lat + 0.015


OTHER_TYPES = ("DR", "CT", "LN", "PL", "RD", "ST", "WAY")


def near_miss_rows(b: Building, pmap: PrecinctMap, areas: Areas) -> list[dict]:
    """What real tables hold next to an address: its neighbours (+-2, +-4), the same name
    with another type (5 %), the other directional (10 %), a name two letters away
    (20 %), the same address in another town (5 %). All in another precinct."""
    rng = b.rng("near_misses")
    p = b.parts
    far = far_point(b, pmap, rng)
    city = b.postal or b.town.upper()

    def row(parts: Parts, town: str = city, zip_code: str = b.zip, at: tuple = far) -> dict:
        return _row(parts.spell(), town, zip_code, *at, role="near_miss", building=b.key)

    num = int(p.number)
    rows = [row(replace(p, number=str(num + d))) for d in (-4, -2, 2, 4) if num + d > 0]
    if p.route is None:
        if rng.random() < 0.05:
            other = rng.choice([t for t in OTHER_TYPES if t != p.type])
            rows.append(row(replace(p, type=other)))
        if rng.random() < 0.1:
            other = {"N": "S", "S": "N", "E": "W", "W": "E"}.get(p.predir, "N")
            rows.append(row(replace(p, predir=other)))
        if rng.random() < 0.2 and len(p.name) >= 6:
            near = p.name[:-2] + ("ER" if not p.name.endswith("ER") else "AN")
            rows.append(row(replace(p, name=near)))
    if rng.random() < 0.05:
        town, zip_code = ("PINEVILLE", "28134") if b.zip == "28031" else ("CORNELIUS", "28031")
        at = areas.town_point(town)
        rows.append(row(p, town, zip_code, at if pmap.of(*at) != b.precinct else far))
    return rows


def background_frame(n: int, exclude: set[str], pmap: PrecinctMap) -> pd.DataFrame:
    """The synthetic county (``synthetic_addresses``) as a county file writes it: ``n``
    rows inside the county (the generator fills a rectangle; a county file holds no
    point outside the county), without the rows whose address (in the harness's
    spelling) a real or near-miss row has."""
    if n <= 0:
        return pd.DataFrame(columns=[*CSV_COLUMNS, "role", "building", "municipality", "unit"])
    for factor in (2.0, 3.0):  # about 55 % of the rectangle is county
        g = generate(int(n * factor) + 1000)
        inside = shapely.contains_xy(pmap.county, g["lon"].to_numpy(), g["lat"].to_numpy())
        if inside.sum() >= n:
            break
    g = g[inside].head(n).reset_index(drop=True)
    split = g["line"].str.split(" ", n=1)
    streets = {s: parse_line("1 " + s) for s in split.str[1].unique()}
    keys = [
        f"{num} {street[0].spell(number=False)}" if (street := streets[s]) else ""
        for num, s in zip(split.str[0], split.str[1], strict=True)
    ]
    unit = g["unit"].to_numpy()
    address = np.where(unit == "", g["line"], g["line"] + " APT " + g["unit"])
    frame = pd.DataFrame(
        {
            "address": address,
            "city": g["city"],
            "state": "NC",
            "zip": g["zip"],
            "lat": g["lat"].round(7),
            "lon": g["lon"].round(7),
            "role": "background",
            "building": keys,
            "municipality": g["municipality"],
            "unit": g["unit"],
        }
    )
    return frame[~frame["building"].isin(exclude)].reset_index(drop=True)


@dataclass
class Table:
    """The whole address file, and what the scoring needs to know about it."""

    buildings: list[Building]  # the scored ones: inside the precinct map
    outside: list[Building]  # listed, but outside every precinct: not scored
    frame: pd.DataFrame  # every row, with ``role`` and ``building`` beside the CSV columns
    split: list[str]  # buildings whose own listed points lie in two precincts

    def truth(self, b: Building) -> frozenset[str]:
        """The precincts that count as right for a building: its point's; for one the
        layers themselves put in two precincts (two points across a line), either."""
        if b.key in self.split:
            return frozenset(r["precinct"] for r in b.rows if r["precinct"])
        return frozenset({b.precinct})

    def stats(self) -> dict[str, object]:
        """How the table is made: the figures the report quotes."""
        f = self.frame
        own = f[f["role"].isin(["listing", "second_source"])]
        own = own[own["building"].isin({b.key for b in self.buildings})]
        per = own.groupby("building").size()
        real = [b for b in self.buildings if not b.near_real]
        layers_per = [len({x.layer for x in b.listings}) for b in real]
        return {
            "rows": len(f),
            "background_rows": int((f["role"] == "background").sum()),
            "near_miss_rows": int((f["role"] == "near_miss").sum()),
            "real_buildings": len(real),
            "near_real_buildings": len(self.buildings) - len(real),
            "outside_precincts": [b.listings[0].line for b in self.outside],
            "listings": sum(len(b.listings) for b in real),
            "buildings_in_several_layers": sum(n > 1 for n in layers_per),
            "buildings_listed_twice_or_more": sum(len(b.listings) > 1 for b in real),
            "buildings_whose_layers_put_it_in_two_precincts": self.split,
            "rows_of_scored_buildings": len(own),
            "rows_per_building": {
                int(k): int(v) for k, v in per.value_counts().sort_index().items()
            },
            "share_of_their_rows_with_zip": round(float((own["zip"] != "").mean()), 3),
            "share_of_their_rows_with_city": round(float((own["city"] != "").mean()), 3),
            "share_of_their_rows_with_unit": round(
                float(own["address"].str.upper().str.contains(UNIT_AT_END).mean()), 3
            ),
            "buildings_without_any_zip_row": int(
                (own.groupby("building")["zip"].apply(lambda z: (z == "").all())).sum()
            ),
            "buildings_with_zip_and_zipless_rows": int(
                own.groupby("building")["zip"]
                .apply(lambda z: (z == "").any() and (z != "").any())
                .sum()
            ),
        }


def build(shared: Path, background: int, pmap: PrecinctMap | None = None) -> Table:
    """The table: real and near-real buildings' rows, their near misses, the background,
    in one order shuffled with a fixed seed (a real file is in no helpful order)."""
    pmap = pmap or PrecinctMap(shared)
    areas = Areas.read(shared)
    every = buildings(shared, pmap, areas)
    rows: list[dict] = []
    for b in every:
        b.rows = truth_rows(b, pmap)
        for r in b.rows:
            r["precinct"] = pmap.of(r["lon"], r["lat"])
        rows += b.rows
    truth = {b.key for b in every}
    misses = [r for b in every if b.precinct for r in near_miss_rows(b, pmap, areas)]
    # A near miss never replaces a real address (two real places may be neighbours).
    misses = [r for r in misses if key_of(r["address"]) not in truth]
    exclude = truth | {key_of(r["address"]) for r in misses}
    parts = [pd.DataFrame(rows + misses), background_frame(background, exclude, pmap)]
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
    scored = [b for b in every if b.precinct]
    split = [b.key for b in scored if len({r["precinct"] for r in b.rows}) > 1]
    return Table(scored, [b for b in every if not b.precinct], frame, split)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """The generic county CSV (``address, city, state, zip, lat, lon``): ZIPs as bare
    numbers, empty cells where a source had nothing."""
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        cols = [frame[c].to_numpy() for c in CSV_COLUMNS]
        w.writerows(zip(*cols, strict=True))


def key_of(line: str) -> str:
    """The harness's key of a street line (number and street, USPS forms), "" if none."""
    parsed = parse_line(line)
    return parsed[0].key if parsed else ""
