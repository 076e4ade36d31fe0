"""Pure checks of a candidate dataset before it may go live. No I/O, no Flask.

Errors stop a refresh (live data stays untouched); warnings are reported and published.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import shapely

from lookup.dataset.model import Dataset
from lookup.domain.models import PollingPlace
from lookup.ingest.early_voting_period import check_early_voting_period

# A polling place this far outside the precincts' extent is a bad coordinate (a dropped
# minus sign, a swapped pair), not a building across the county line.
PLACE_MARGIN_DEG = 0.15
MAX_MISSING_PLACE_SHARE = 0.05
MAX_BAD_ADDRESS_SHARE = 0.05
FAR_PLACE_MILES = 5.0
GAP_TOLERANCE_M2 = 100.0  # slivers below this are digitising noise, not a missing area
# How far a count may fall against the live version before the refresh asks for
# --allow-shrink: a truncated download looks exactly like this.
# Totals against the live version; precincts, polling places and early-voting sites are
# checked per county and per list by ``guards`` (which names what dropped).
SHRINK_TOLERANCE = {"address_points": 0.10}
OVERLAP_TOLERANCE = 1e-4  # share of the smaller precinct's area


@dataclass
class Problems:
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def extend(self, other: Problems) -> None:
        self.errors += other.errors
        self.warnings += other.warnings


def _sample(items: list[str], n: int = 10) -> str:
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def check_precincts(keys: list[tuple[str, str]], geoms: np.ndarray) -> Problems:
    """``keys`` are (county, precinct id): ids repeat across counties, not within one."""
    p = Problems()
    ids = [f"{county} {pid}" for county, pid in keys]
    dupes = [k for k, c in Counter(ids).items() if c > 1]
    if dupes:
        p.errors.append(f"duplicate precinct ids: {_sample(sorted(dupes))}")
    empty = [ids[i] for i, g in enumerate(geoms) if g is None or shapely.is_empty(g)]
    if empty:
        p.errors.append(f"precincts without a polygon: {_sample(empty)}")
        return p
    bounds = shapely.total_bounds(geoms)
    if not (-180 <= bounds[0] <= bounds[2] <= 180 and -90 <= bounds[1] <= bounds[3] <= 90):
        p.errors.append(f"precinct coordinates out of WGS84 range: {bounds.tolist()}")
        return p
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    overlaps = []
    for i, j in zip(a, b, strict=True):
        if i < j:
            area = shapely.area(shapely.intersection(geoms[i], geoms[j]))
            if area > OVERLAP_TOLERANCE * min(geoms[i].area, geoms[j].area):
                overlaps.append(f"{ids[i]}/{ids[j]}")
    gaps = _gaps(geoms)
    if gaps:
        p.warnings.append(
            f"{len(gaps)} gaps between precincts (areas no precinct covers, inside the map); "
            f"largest about {max(gaps):,.0f} m²: an address there gets no precinct"
        )
    if overlaps:
        p.warnings.append(
            f"{len(overlaps)} overlapping precinct pairs (the first in the file wins): "
            + _sample(overlaps)
        )
    return p


def _gaps(geoms: np.ndarray) -> list[float]:
    """Holes in the union of the precincts larger than ``GAP_TOLERANCE_M2``, in m²."""
    union = shapely.union_all(geoms)
    lat = (shapely.bounds(union)[1] + shapely.bounds(union)[3]) / 2
    m2_per_deg2 = 111_320.0**2 * math.cos(math.radians(lat))
    holes = [
        shapely.Polygon(ring).area * m2_per_deg2
        for part in shapely.get_parts(union)
        for ring in getattr(part, "interiors", ())
    ]
    return [a for a in holes if a > GAP_TOLERANCE_M2]


def check_dataset(ds: Dataset, primary_day: date) -> Problems:
    """Cross-checks of the assembled dataset: coverage, coordinates, schedules."""
    p = Problems()
    if not ds.precincts:
        p.errors.append("no precincts")
        return p
    assigned = ds.polling.get(primary_day, {})
    missing = [f"{pr.county} {pr.id}" for pr in ds.precincts if pr.key not in assigned]
    if missing:
        share = len(missing) / len(ds.precincts)
        msg = f"{len(missing)} precincts have no Election Day polling place: {_sample(missing)}"
        (p.errors if share > MAX_MISSING_PLACE_SHARE else p.warnings).append(
            msg
            + (" (too many: is the crosswalk right?)" if share > MAX_MISSING_PLACE_SHARE else "")
        )
    # Places and sites without coordinates are the completion's warning (enrich_report):
    # by precinct, with why no source placed them, once.
    far = _far_polling_places(ds, assigned)
    if far:
        p.warnings.append(
            f"{len(far)} polling places more than {FAR_PLACE_MILES:g} miles from their "
            f"precinct (check the address or coordinates): {_sample(far)}"
        )
    for d, sites in ds.early_voting.items():
        p.warnings += check_early_voting_period(d, sites)
        unknown = [s.name for s in sites if not s.address.line1]
        if unknown:
            p.warnings.append(
                f"{len(unknown)} early-voting sites of {d.isoformat()} have no address yet "
                f"(TBD in the list; listed as not yet known, without distance): {_sample(unknown)}"
            )
        for s in sites:
            days = [x.day for x in s.schedule]
            if days and max(days) >= d:
                p.errors.append(
                    f"early-voting site {s.name!r} is scheduled on or after Election Day"
                )
    return p


def _far_polling_places(ds: Dataset, assigned: Mapping[tuple[str, str], PollingPlace]) -> list[str]:
    """Precincts whose polling place stands far outside them: a wrong address or a
    geocoding slip, not the building across the street that real data often has."""
    index = {p.key: i for i, p in enumerate(ds.precincts)}
    far = []
    for key, place in assigned.items():
        lat, lon = place.lat, place.lon
        if lat is None or lon is None or key not in index:
            continue
        degrees = shapely.distance(ds.geoms[index[key]], shapely.Point(lon, lat))
        # Degrees to miles, with longitude shrunk by cos(latitude): a bound, not a survey.
        miles = degrees * 69.0 * max(math.cos(math.radians(lat)), 0.5)
        if miles > FAR_PLACE_MILES:
            far.append(f"{key[0]} {key[1]} ({miles:.0f} mi)")
    return sorted(far)


def check_against_live(new: Mapping[str, int], live: Mapping[str, int]) -> Problems:
    """Refuse a version whose counts fell sharply against the live one."""
    p = Problems()
    for key, tolerance in SHRINK_TOLERANCE.items():
        before, after = live.get(key, 0), new.get(key, 0)
        if before and after < before * (1 - tolerance):
            p.errors.append(
                f"{key} fell from {before} to {after} against the live version (more than "
                f"{tolerance:.0%}): a truncated or wrong file? Use --force if intended"
            )
    return p


def in_extent(lon: float, lat: float, bbox: tuple[float, float, float, float]) -> bool:
    """Finite and near the precincts' extent (NaN compares false: out)."""
    minx, miny, maxx, maxy = bbox
    m = PLACE_MARGIN_DEG
    return minx - m <= lon <= maxx + m and miny - m <= lat <= maxy + m
