"""Stage 4 of the address pipeline: the rows that agree with the caller, by precinct.

A real address table lists one building several times: a parcel point and a structure
point, the buildings of one complex, an old and a new row, the same address once with a
ZIP and once without, in two spellings. What a voter needs is the precinct, so rows that
lead to one precinct are one answer, whatever else differs; only rows in different
precincts make the representative ask, and then one question per precinct, not per row.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

import numpy as np

from lookup.geocode.local import AddressPoint
from lookup.spatial.grid import Hit, PrecinctIndex

ONE_BY_ONE = 4  # up to this many rows, locate each; more (a whole street): vectorised


@dataclass(frozen=True, slots=True)
class Group:
    """The rows that fall in one precinct, and the one point that stands for them."""

    precinct: int  # position in the dataset's precincts
    hit: Hit  # of ``point``
    point: AddressPoint
    points: int  # how many rows agreed in this precinct


def by_precinct(rows: tuple[AddressPoint, ...], index: PrecinctIndex) -> list[Group]:
    """One group per precinct, the most rows first; rows outside every precinct are left
    out (``[]`` when all are)."""
    hits: list[Hit | None] = []
    if len(rows) <= ONE_BY_ONE:
        hits = [index.locate(r.lon, r.lat) for r in rows]
        where = [h.index if h is not None else -1 for h in hits]
    else:
        found = index.locate_many(
            np.fromiter((r.lon for r in rows), float, len(rows)),
            np.fromiter((r.lat for r in rows), float, len(rows)),
        )
        where = found.tolist()
    members: dict[int, list[int]] = {}
    for k, w in enumerate(where):
        if w >= 0:
            members.setdefault(w, []).append(k)
    groups = []
    for precinct, ks in members.items():
        point = representative([rows[k] for k in ks])
        hit = hits[rows.index(point)] if hits else index.locate(point.lon, point.lat)
        groups.append(Group(precinct, hit or Hit(precinct), point, len(ks)))
    groups.sort(key=lambda g: (-g.points, g.precinct))
    return groups


def representative(rows: list[AddressPoint]) -> AddressPoint:
    """The point that stands for rows of one address: a building's own point (no unit)
    when there is one, the one nearest the middle of them all, so an outlying parcel
    corner or a far building of a complex is not what the answer shows."""
    if len(rows) == 1:
        return rows[0]
    pool = [r for r in rows if not r.unit] or rows
    mid_lon = statistics.median(r.lon for r in rows)
    mid_lat = statistics.median(r.lat for r in rows)
    shrink = math.cos(math.radians(mid_lat))  # a degree of longitude is shorter
    return min(pool, key=lambda r: ((r.lon - mid_lon) * shrink) ** 2 + (r.lat - mid_lat) ** 2)
