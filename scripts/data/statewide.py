"""A statewide synthetic address table (about five million points) and voter file, on the
real 2018 North Carolina precincts, for the statewide benchmark (issue 27).

Deterministic for a seed: the same arguments write the same bytes. What it writes:

* Points inside the 2018 precinct polygons (``vtds0-3.kmz``, read by the refresh's own
  reader, so each precinct's county is the one the refresh sees), in every county: a
  county's share follows its precinct count times a random factor. Points lie along
  straight streets laid inside each precinct (rejection-sampled with
  ``shapely.contains_xy``), house numbers increasing along the street.
* Each precinct takes the city and ZIP of its 2018 polling place
  (``polling_place_20181106.csv``); some streets take another city/ZIP pair of the same
  county, and some precincts' points name another town (``Inc_Muni``) than the postal
  city, or none ("Unincorporated"), as real tables do.
* Street names from ``synthetic_addresses``' word lists, plus names every county has
  (MAIN ST, CHURCH ST, US HIGHWAY 70...): "100 MAIN ST" exists in dozens of counties.
* About 13 % of rows are units of multi-unit buildings, about 2 % of buildings are also
  in the other file in its spelling (overlapping sources), about 5 % of the generic rows
  have no ZIP, and a third of the generic counties have their ZIP column written as
  floats (``28202.0``), as a pandas export of a column with gaps does.
* Two files: the counties alternate between ``addresses_nena.csv`` (NENA NG9-1-1 field
  names, full words in title case: "North", "Drive") and ``addresses_generic.csv``
  (OpenAddresses' ``LON, LAT, NUMBER, STREET, UNIT, CITY, DISTRICT, REGION, POSTCODE,
  ID``; USPS abbreviations in capitals).

Written county by county: memory is bounded by the largest county, never the whole table.
The real files are read in place; keep the output outside the repository.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from lookup.ingest.assemble import RefreshRequest
from scripts.data.synthetic_addresses import street_names

if TYPE_CHECKING:
    import _csv

    import pandas as pd

PRECINCT_FILES = tuple(Path(f"statewide/precincts/vtds{i}.kmz") for i in range(4))
POLLING_KML = tuple(Path(f"statewide/polling_places/pp{i}.kml") for i in (1, 2, 3))
POLLING_CSV = Path("statewide/polling_places/polling_place_20181106.csv")
EARLY_KML = Path("statewide/early_voting/ossite_2018.kml")
ELECTION_DAY = date(2018, 11, 6)
NENA_NAME, GENERIC_NAME = "addresses_nena.csv", "addresses_generic.csv"

NENA_COLUMNS = (
    "Site_NGUID", "Add_Number", "AddNum_Suf", "St_PreDir", "St_PreTyp", "St_Name",
    "St_PosTyp", "St_PosDir", "Unit", "Post_Comm", "Inc_Muni", "County", "Post_Code",
    "State", "Longitude", "Latitude",
)  # fmt: skip
GENERIC_COLUMNS = (
    "LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION", "POSTCODE", "ID",
)  # fmt: skip
# (predirectional, pretype, name, type): names nearly every county has somewhere.
COMMON_STREETS = (
    ("", "", "MAIN", "ST"), ("N", "", "MAIN", "ST"), ("", "", "CHURCH", "ST"),
    ("S", "", "MAIN", "ST"), ("", "", "MARKET", "ST"), ("", "", "BROAD", "ST"),
    ("", "", "ELM", "ST"), ("", "", "MILL", "RD"), ("", "", "CHURCH", "RD"),
    ("", "US HIGHWAY", "70", ""), ("", "US HIGHWAY", "64", ""), ("", "US HIGHWAY", "301", ""),
    ("", "", "NC 55", "HWY"), ("", "", "NC 24", "HWY"),
)  # fmt: skip
ALWAYS_COMMON = 3  # MAIN ST, N MAIN ST, CHURCH ST: in every county
FULL_WORD = {
    "N": "North", "S": "South", "E": "East", "W": "West", "DR": "Drive", "RD": "Road",
    "ST": "Street", "LN": "Lane", "CT": "Court", "AVE": "Avenue", "WAY": "Way",
    "CIR": "Circle", "PL": "Place", "TRL": "Trail", "BLVD": "Boulevard", "PKWY": "Parkway",
    "HWY": "Highway", "US HIGHWAY": "US Highway",
}  # fmt: skip
STARTS = (100, 100, 200, 300, 1000, 1200, 2000, 3400, 5000, 7000, 9100)
UNIT_STYLES = ("{i}", "APT {i}", "UNIT {i}", "{f}{l}", "STE {h}")
MULTI_UNIT_SHARE = 0.02  # of buildings: 2-15 units each, about 13 % of all rows
DUPLICATE_SHARE = 0.02  # of single buildings, also in the other file
NO_ZIP_SHARE = 0.05  # of generic rows
FLOAT_ZIP_SHARE = 1 / 3  # of generic counties: POSTCODE written as 28202.0
OTHER_TOWN_SHARE = 0.15  # of streets: another city/ZIP pair of the county
UNINCORPORATED_SHARE = 0.10  # of precincts: Inc_Muni "Unincorporated"
OTHER_MUNI_SHARE = 0.06  # of precincts: a town other than the postal city
UNIQUE_NAMES = 6000  # street names per county before a name is laid again
SLOTS = 48  # house positions laid along one street (those inside the precinct are kept)
CHUNK = 200_000  # voter rows per write
NOT_IN_NC = (
    "{n} {s}, GREENVILLE, SC 29601", "{n} {s}, NORFOLK, VA 23510", "PO BOX {n}",
    "GENERAL DELIVERY", "{n}", "UNKNOWN ADDRESS",
)  # fmt: skip


@dataclass(frozen=True)
class StatewideFiles:
    folder: Path
    nena: Path
    generic: Path
    rows: int  # rows written in both files (duplicates counted in each)
    counties: int


@dataclass(frozen=True)
class CountyPlan:
    """One county: its precincts and their towns, its share of points, its file."""

    index: int  # in alphabetical order: seeds the county's own generator
    name: str
    precincts: pd.DataFrame  # prec_id, geometry (WGS84), city, zip
    towns: tuple[tuple[str, str], ...]  # the county's (city, ZIP) pairs, sorted
    points: int
    nena: bool


def read_plans(real_dir: Path, points: int, seed: int) -> list[CountyPlan]:
    """Every county of the 2018 map, with its precincts' towns and its share of points."""
    import pandas as pd

    from lookup.ingest.formats.registry import read_precinct_files

    layer = read_precinct_files(tuple(real_dir / p for p in PRECINCT_FILES))
    frame = layer.frame.dropna(subset=["geometry"]).sort_values(["county", "prec_id"])
    places = pd.read_csv(
        real_dir / POLLING_CSV, sep="\t", encoding="utf-16", dtype=str, keep_default_na=False
    )
    places["key"] = places["precinct_name"].map(_name_key)
    places["city"] = places["city"].map(_name_key)  # "LAUREL  HILL" (sic) is LAUREL HILL
    counties = sorted(frame["county"].unique())
    rng = np.random.default_rng(seed)
    weight = np.array([(frame["county"] == c).sum() for c in counties], float)
    weight *= rng.uniform(0.5, 1.5, len(counties))
    # Rows written = points: the duplicates (in both files) come out of the share.
    target = points / (1 + DUPLICATE_SHARE * (1 - 0.13))
    floor = min(50, max(1, int(target) // (4 * len(counties))))
    share = np.maximum(np.floor(weight / weight.sum() * target), floor).astype(int)
    plans = []
    for i, county in enumerate(counties):
        pre = frame[frame["county"] == county].reset_index(drop=True)
        own = places[places["county_name"] == county]
        towns = tuple(sorted(set(zip(own["city"], own["zip"], strict=True))))
        by_name = dict(zip(own["key"], zip(own["city"], own["zip"], strict=True), strict=True))
        pick = np.random.default_rng([seed, i, 0]).integers(0, len(towns), len(pre))
        matched = [_town_of(str(n), by_name) for n in pre["name"]]
        pairs = [m or towns[k] for m, k in zip(matched, pick.tolist(), strict=True)]
        pre = pd.DataFrame(
            {
                "prec_id": pre["prec_id"],
                "geometry": pre.geometry.values,
                "city": [c for c, _ in pairs],
                "zip": [z for _, z in pairs],
            }
        )
        plans.append(CountyPlan(i, county, pre, towns, int(share[i]), nena=i % 2 == 0))
    return plans


def _name_key(name: str) -> str:
    return " ".join(str(name).upper().split())


def _town_of(name: str, by_name: dict[str, tuple[str, str]]) -> tuple[str, str] | None:
    """The (city, ZIP) of a precinct's polling place; NCSBE cuts names at 30 characters."""
    key = _name_key(name)
    return by_name.get(key) or by_name.get(key[:30].rstrip())


def county_rows(plan: CountyPlan, seed: int) -> pd.DataFrame:
    """One county's address rows (its own generator: any county can be made alone).

    Columns: number, predir, pretype, name, type, unit, city, municipality, zip, lon,
    lat, prec_id, duplicate (also written to the other file)."""
    import pandas as pd
    import shapely

    rng = np.random.default_rng([seed, plan.index, 1])
    n_pre = len(plan.precincts)
    per_precinct = rng.multinomial(plan.points, rng.dirichlet(np.full(n_pre, 2.0)))
    per_precinct = np.maximum(per_precinct, 1)
    parts: list[dict[str, np.ndarray]] = []
    streets_so_far = 0
    for p, want in enumerate(per_precinct.tolist()):
        geom = plan.precincts.geometry.iloc[p]
        shapely.prepare(geom)
        part = _precinct_buildings(rng, geom, want, p)
        part["street"] = part.pop("street_local") + streets_so_far
        streets_so_far = int(part["street"].max()) + 1
        parts.append(part)
    b = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    streets, named = _street_names(rng, plan, streets_so_far)
    predir, pretype, name_, type_ = (
        np.array([s[i] for s in streets], dtype=object) for i in range(4)
    )
    # Each street's city/ZIP: its precinct's, or another pair of the county.
    street_precinct = np.zeros(streets_so_far, dtype=np.int64)
    street_precinct[b["street"]] = b["precinct"]
    city = plan.precincts["city"].to_numpy(dtype=object)[street_precinct]
    zip_ = plan.precincts["zip"].to_numpy(dtype=object)[street_precinct]
    other = rng.random(streets_so_far) < OTHER_TOWN_SHARE
    k = rng.integers(0, len(plan.towns), streets_so_far)
    city = np.where(other, np.array([t[0] for t in plan.towns], dtype=object)[k], city)
    zip_ = np.where(other, np.array([t[1] for t in plan.towns], dtype=object)[k], zip_)
    muni = _municipalities(rng, plan, city, street_precinct)
    # A name laid twice in one county (another town) gets its own numbers.
    number = b["number"] + 10_000 * named[b["street"]]
    # The common streets are numbered alike everywhere (100, 102...): "100 MAIN ST" is
    # then in nearly every county, the key a per-county search must tell apart.
    common = np.array([st in COMMON_STREETS for st in streets])[b["street"]]
    rank = np.arange(len(b["street"])) - np.searchsorted(b["street"], b["street"])
    number = np.where(common, 100 + 2 * rank + 10_000 * named[b["street"]], number)
    # Units: a few buildings hold several, each its own row at the building's point.
    n_b = len(b["lon"])
    units = np.where(rng.random(n_b) < MULTI_UNIT_SHARE, rng.integers(2, 16, n_b), 1)
    row_b = np.repeat(np.arange(n_b), units)
    first = np.r_[0, np.cumsum(units)[:-1]]
    unit_no = np.arange(len(row_b)) - np.repeat(first, units) + 1
    style = rng.integers(0, len(UNIT_STYLES), n_b)[row_b]
    duplicate = (units == 1) & (rng.random(n_b) < DUPLICATE_SHARE)
    # Each precinct keeps its first ``want`` rows (rows are in precinct order).
    precinct = b["precinct"][row_b]
    starts = np.searchsorted(precinct, np.arange(n_pre))
    keep = np.arange(len(row_b)) - starts[precinct] < per_precinct[precinct]
    row_b, unit_no, style, precinct = row_b[keep], unit_no[keep], style[keep], precinct[keep]
    unit = [
        "" if units[bb] == 1 else _unit(UNIT_STYLES[s], u)
        for bb, s, u in zip(row_b.tolist(), style.tolist(), unit_no.tolist(), strict=True)
    ]
    s = b["street"][row_b]
    return pd.DataFrame(
        {
            "number": number[row_b],
            "street": s,
            "predir": predir[s],
            "pretype": pretype[s],
            "name": name_[s],
            "type": type_[s],
            "unit": unit,
            "city": city[s],
            "municipality": muni[s],
            "zip": zip_[s],
            "lon": b["lon"][row_b],
            "lat": b["lat"][row_b],
            "prec_id": plan.precincts["prec_id"].to_numpy(dtype=object)[precinct],
            "duplicate": duplicate[row_b],
        }
    )


Street = tuple[str, str, str, str]  # predirectional, pretype, name, type


def _street_names(
    rng: np.random.Generator, plan: CountyPlan, n: int
) -> tuple[list[Street], np.ndarray]:
    """Names for the county's ``n`` streets, in random order, and how many streets of the
    county had each name before it. The common names come first (every county has MAIN
    ST), then word-list names; beyond ``UNIQUE_NAMES`` a name is laid again (the same
    name in another town of the county)."""
    pick = rng.permutation(len(COMMON_STREETS) - ALWAYS_COMMON)[:4] + ALWAYS_COMMON
    common = [COMMON_STREETS[i] for i in (*range(ALWAYS_COMMON), *sorted(pick.tolist()))]
    taken = {(d, f"{t} {m}".strip(), y) for d, t, m, y in common}
    listed = street_names(rng, min(n, UNIQUE_NAMES))
    names = common + [(d, "", m, y) for d, m, y in listed if (d, m, y) not in taken]
    names = names[: max(1, min(n, UNIQUE_NAMES))]
    order = rng.permutation(n)
    return [names[i % len(names)] for i in order.tolist()], order // len(names)


def _unit(style: str, i: int) -> str:
    return style.format(i=i, f=(i - 1) // 4 + 1, l="ABCD"[(i - 1) % 4], h=100 * i)


def _precinct_buildings(
    rng: np.random.Generator, geom: object, want: int, p: int
) -> dict[str, np.ndarray]:
    """``want`` building points along streets inside one precinct polygon: streets start
    at random points inside it, run straight, and keep only their positions inside it."""
    import shapely

    minx, miny, maxx, maxy = shapely.bounds(geom)
    span = math.sqrt(max(shapely.area(geom), 1e-10))
    step = float(np.clip(span / 30, 2e-5, 3e-4))  # degrees between houses
    need_b = want  # every building is at least one row: the precinct keeps ``want`` rows
    got: list[tuple[np.ndarray, ...]] = []
    have, street = 0, 0
    for _attempt in range(60):
        if have >= need_b:
            break
        n_s = max(2, (need_b - have) // 12 + 1)
        ox, oy = _inside(rng, geom, (minx, miny, maxx, maxy), n_s)
        heading = rng.uniform(0, 2 * np.pi, len(ox))
        k = np.arange(SLOTS)
        # Rounded as written before the test: a written point is inside its precinct.
        x = np.round(ox[:, None] + np.cos(heading)[:, None] * k * step, 6)
        y = np.round(oy[:, None] + np.sin(heading)[:, None] * k * step, 6)
        inside = shapely.contains_xy(geom, x, y)
        gaps = rng.choice((1, 2, 3, 5, 7, 11), size=(len(ox), SLOTS))
        start = rng.choice(STARTS, size=len(ox))
        number = start[:, None] + np.cumsum(gaps, axis=1)
        ids = np.broadcast_to(np.arange(street, street + len(ox))[:, None], inside.shape)
        got.append((x[inside], y[inside], number[inside], ids[inside]))
        have += int(inside.sum())
        street += len(ox)
    x, y, number, ids = (np.concatenate([g[i] for g in got])[:need_b] for i in range(4))
    if not len(x):  # a sliver no street fits in: its points stand at random inside it
        x, y = _inside(rng, geom, (minx, miny, maxx, maxy), need_b)
        number = rng.choice(STARTS, size=len(x)) + 2 * np.arange(len(x))
        ids = np.full(len(x), street)
    return {
        "lon": x,
        "lat": y,
        "number": number,
        "street_local": ids,
        "precinct": np.full(len(x), p),
    }


def _inside(
    rng: np.random.Generator, geom: object, bounds: tuple[float, float, float, float], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform points inside ``geom`` (vectorised rejection sampling), to 6 decimals."""
    import shapely

    minx, miny, maxx, maxy = bounds
    fill = max(shapely.area(geom) / max((maxx - minx) * (maxy - miny), 1e-12), 0.01)
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    have = 0
    for _attempt in range(200):
        if have >= n:
            break
        m = int((n - have) / fill * 1.3) + 16
        x = np.round(rng.uniform(minx, maxx, m), 6)
        y = np.round(rng.uniform(miny, maxy, m), 6)
        ok = shapely.contains_xy(geom, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        have += int(ok.sum())
    if have < n:
        raise RuntimeError(f"cannot place {n} points inside the precinct in {bounds}")
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _municipalities(
    rng: np.random.Generator, plan: CountyPlan, city: np.ndarray, street_precinct: np.ndarray
) -> np.ndarray:
    """Each street's town (NENA ``Inc_Muni``): mostly its postal city; in some precincts
    "Unincorporated", in some another town of the county (Mint Hill mail says CHARLOTTE)."""
    n_pre = len(plan.precincts)
    draw = rng.random(n_pre)[street_precinct]
    cities = sorted({c for c, _ in plan.towns})
    other = np.array(cities, dtype=object)[rng.integers(0, len(cities), len(city))]
    other = np.where(other == city, "Unincorporated", other)
    out = np.where(draw < UNINCORPORATED_SHARE, "Unincorporated", city)
    return np.where(
        (draw >= UNINCORPORATED_SHARE) & (draw < UNINCORPORATED_SHARE + OTHER_MUNI_SHARE),
        other,
        out,
    )


# ---- the two files --------------------------------------------------------------------


def _title(text: str) -> str:
    """NENA's spelling: ``GLENWOOD CREEK`` -> ``Glenwood Creek``; ``NC 55`` stays."""
    return " ".join(
        w.capitalize() if w.isalpha() and w not in ("NC", "US") else w for w in text.split()
    )


def _nena_streets(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The NENA street columns of each row, spelled in full words once per street."""
    firsts = frame.drop_duplicates("street")
    spelled = {
        s: (FULL_WORD.get(d, d), _title(FULL_WORD.get(t, t)), _title(m), FULL_WORD.get(y, y))
        for s, d, t, m, y in zip(
            firsts["street"].tolist(),
            firsts["predir"],
            firsts["pretype"],
            firsts["name"],
            firsts["type"],
            strict=True,
        )
    }
    rows = [spelled[s] for s in frame["street"].tolist()]
    return {c: [r[i] for r in rows] for i, c in enumerate(("pre", "ptyp", "name", "typ"))}


def _generic_streets(frame: pd.DataFrame) -> list[str]:
    """The one STREET column, USPS abbreviations in capitals, once per street."""
    firsts = frame.drop_duplicates("street")
    spelled = {
        s: " ".join(p for p in (d, t, m, y) if p)
        for s, d, t, m, y in zip(
            firsts["street"].tolist(),
            firsts["predir"],
            firsts["pretype"],
            firsts["name"],
            firsts["type"],
            strict=True,
        )
    }
    return [spelled[s] for s in frame["street"].tolist()]


def _coord(values: np.ndarray) -> list[str]:
    return [f"{v:.6f}" for v in values.tolist()]


def _write_nena(w: _csv.Writer, frame: pd.DataFrame, plan: CountyPlan, first_id: int) -> None:
    st = _nena_streets(frame)
    n = len(frame)
    county = _title(plan.name) + " County"
    w.writerows(
        zip(
            [f"SSAP{plan.index:03d}{first_id + i:08d}@nc.us" for i in range(n)],
            frame["number"].tolist(),
            [""] * n,
            st["pre"],
            st["ptyp"],
            st["name"],
            st["typ"],
            [""] * n,
            frame["unit"].tolist(),
            [_title(c) for c in frame["city"].tolist()],
            [_title(m) for m in frame["municipality"].tolist()],
            [county] * n,
            frame["zip"].tolist(),
            ["NC"] * n,
            _coord(frame["lon"].to_numpy()),
            _coord(frame["lat"].to_numpy()),
            strict=True,
        )
    )


def _write_generic(
    w: _csv.Writer, frame: pd.DataFrame, plan: CountyPlan, first_id: int, seed: int
) -> None:
    rng = np.random.default_rng([seed, plan.index, 2])
    n = len(frame)
    zips = frame["zip"].to_numpy(dtype=object)
    if rng.random() < FLOAT_ZIP_SHARE:  # a pandas export of a ZIP column with gaps
        zips = np.array([z + ".0" for z in zips.tolist()], dtype=object)
    zips = np.where(rng.random(n) < NO_ZIP_SHARE, "", zips)
    w.writerows(
        zip(
            _coord(frame["lon"].to_numpy()),
            _coord(frame["lat"].to_numpy()),
            frame["number"].tolist(),
            _generic_streets(frame),
            frame["unit"].tolist(),
            frame["city"].tolist(),
            [plan.name] * n,
            ["NC"] * n,
            zips.tolist(),
            [f"{plan.index:03d}-{first_id + i:08d}" for i in range(n)],
            strict=True,
        )
    )


def write_statewide(
    real_dir: Path, out: Path, points: int = 5_000_000, seed: int = 2018
) -> StatewideFiles:
    """The statewide address table, county by county, as two CSV files in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    plans = read_plans(real_dir, points, seed)
    nena_path, generic_path = out / NENA_NAME, out / GENERIC_NAME
    rows = 0
    with _csv_out(nena_path) as nf, _csv_out(generic_path) as gf:
        nena, generic = csv.writer(nf, lineterminator="\n"), csv.writer(gf, lineterminator="\n")
        nena.writerow(NENA_COLUMNS)
        generic.writerow(GENERIC_COLUMNS)
        for plan in plans:
            frame = county_rows(plan, seed)
            dup = frame[frame["duplicate"].to_numpy()]
            own, other = (frame, dup) if plan.nena else (dup, frame)
            _write_nena(nena, own, plan, 0 if plan.nena else len(frame))
            _write_generic(generic, other, plan, len(frame) if plan.nena else 0, seed)
            rows += len(frame) + len(dup)
    return StatewideFiles(out, nena_path, generic_path, rows, len(plans))


def _csv_out(path: Path) -> TextIO:
    return path.open("w", encoding="utf-8", newline="")


# ---- the voter file --------------------------------------------------------------------


def write_voters(files: StatewideFiles, out: Path, rows: int = 7_500_000, seed: int = 7) -> Path:
    """A ``lookup batch`` input (``id,address``) of ``rows`` voters drawn with replacement
    from the written table, in its order (a statewide voter file comes county by county):
    ~5 % without ZIP, ~3 % with a typo in the street, ~1 % not in NC or no address at all.
    Streamed: one chunk of the table at a time."""
    rng = np.random.default_rng(seed)
    # How often each table row is drawn: 7.5 million draws over 5 million rows.
    drawn = np.bincount(rng.integers(0, files.rows, rows), minlength=files.rows)
    out.parent.mkdir(parents=True, exist_ok=True)
    voter = 0
    with _csv_out(out) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(("id", "address"))
        at = 0
        for addresses in _table_chunks(files):
            n = len(addresses)
            pick = np.repeat(np.arange(n), drawn[at : at + n])
            at += n
            pick = pick[rng.permutation(len(pick))]
            kind = rng.random(len(pick))
            lines = [
                _voter_address(rng, addresses[i], k)
                for i, k in zip(pick.tolist(), kind.tolist(), strict=True)
            ]
            w.writerows((f"V{voter + j:09d}", a) for j, a in enumerate(lines))
            voter += len(lines)
    return out


Voter = tuple[str, str, str, str, str]  # number, street, unit, city, ZIP


def _table_chunks(files: StatewideFiles) -> Iterator[list[Voter]]:
    """The table's rows (the NENA file, then the generic one) as the parts of an address,
    ``CHUNK`` at a time."""
    import pandas as pd

    for path, cols in (
        (files.nena, ("Add_Number", "St_PreDir", "St_PreTyp", "St_Name", "St_PosTyp",
                      "Unit", "Post_Comm", "Post_Code")),
        (files.generic, ("NUMBER", "STREET", "UNIT", "CITY", "POSTCODE")),
    ):  # fmt: skip
        reader = pd.read_csv(
            path, usecols=list(cols), dtype=str, keep_default_na=False, chunksize=CHUNK
        )
        for chunk in reader:
            c = [chunk[k].tolist() for k in cols]
            if len(cols) == 8:
                street = [" ".join(p for p in parts if p) for parts in zip(*c[1:5], strict=True)]
                c = [c[0], street, c[5], [x.upper() for x in c[6]], c[7]]
            zips = [z.removesuffix(".0") for z in c[4]]
            yield list(zip(c[0], c[1], c[2], c[3], zips, strict=True))


def _voter_address(rng: np.random.Generator, a: Voter, kind: float) -> str:
    """One voter's address as a voter file writes it; ``kind`` (uniform) picks the flaw."""
    number, street, unit, city, zip_ = a
    street = street.upper()
    if kind < 0.01:  # not in NC, or no street address at all
        form = NOT_IN_NC[int(kind * 100 * len(NOT_IN_NC))]
        return form.format(n=number, s=street)
    if kind < 0.04:
        street = _typo(rng, street)
    line = f"{number} {street}"
    if unit:
        line += " " + (unit if not unit[0].isdigit() else f"APT {unit}")
    if kind < 0.07 or not zip_:  # with the table's own gaps: ~5 % without ZIP
        return f"{line}, {city}"
    return f"{line}, {city}, NC {zip_}"


_NOT_NAME = frozenset(w.upper() for pair in FULL_WORD.items() for p in pair for w in p.split())


def _typo(rng: np.random.Generator, street: str) -> str:
    """The street with one letter of its name's longest word dropped, doubled or swapped
    (never of its type or direction: "AVEUNE" is no typo a matcher needs to forgive)."""
    words = street.split()
    i = max(range(len(words)), key=lambda k: (words[k] not in _NOT_NAME, len(words[k])))
    word = words[i]
    if len(word) < 4:
        return street
    at = int(rng.integers(1, len(word) - 1))
    how = int(rng.integers(0, 3))
    if how == 0:
        word = word[:at] + word[at + 1 :]
    elif how == 1:
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    words[i] = word
    return " ".join(words)


# ---- the refresh -----------------------------------------------------------------------


def statewide_request(real_dir: Path, files: StatewideFiles, data_dir: Path) -> RefreshRequest:
    """The 2018 statewide refresh with the synthetic address table: every precinct map
    part, the polling-place and one-stop KML, both address files."""
    return RefreshRequest(
        precincts=tuple(real_dir / p for p in PRECINCT_FILES),
        polling_places=tuple(real_dir / p for p in POLLING_KML),
        early_voting=(real_dir / EARLY_KML,),
        addresses=(files.nena, files.generic),
        election_day=ELECTION_DAY,
        data_dir=data_dir,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.data.statewide",
        description="The statewide synthetic address table and voter file.",
    )
    parser.add_argument("--real-dir", type=Path, required=True, help="../shared/data/nc")
    parser.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    parser.add_argument("--points", type=int, default=5_000_000)
    parser.add_argument("--voters", type=int, default=0, help="voter rows (0: no voter file)")
    parser.add_argument("--seed", type=int, default=2018)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    files = write_statewide(args.real_dir, args.out, args.points, args.seed)
    print(
        f"{files.rows:,} address rows in {files.counties} counties: {files.nena}, "
        f"{files.generic} ({time.perf_counter() - t0:.1f} s)"
    )
    if args.voters:
        t1 = time.perf_counter()
        voters = write_voters(files, args.out / "voters.csv", args.voters)
        print(f"{args.voters:,} voter rows: {voters} ({time.perf_counter() - t1:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
