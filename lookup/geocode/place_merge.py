"""The sources of named places merged into buildings: a polling place, an early-voting
site and a facility layer's point are one place when they are one building (the same
street address, or points close by with matching names)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from lookup.domain.models import Address
from lookup.geocode.normalize import canonical_street
from lookup.geocode.place_words import GENERIC_WORDS, LOCALITY_WORDS, kind_words, words_of

POLLING_PLACE = "polling_place"
EARLY_VOTING_SITE = "early_voting_site"
# Whose name and point a building takes when sources disagree: the election lists first
# (the name voters are given; NCSBE cuts polling-place names at 30 characters, the
# one-stop list does not), then the facility layers.
_KIND_RANK = MappingProxyType({EARLY_VOTING_SITE: 0, POLLING_PLACE: 1})

MERGE_METERS = 150.0


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """One named point (or address) from one source: a building callers may name, and
    what the refresh completes the BOE's places from (``lookup.ingest.enrich``)."""

    name: str
    kind: str  # polling_place, early_voting_site, or a facility layer's kind (library...)
    address: Address
    lon: float | None = None
    lat: float | None = None
    cut: bool = False  # the publisher cut the name short: its last word may be partial
    county: str = ""  # upper case, when the source says (NCSBE files do, county layers not)
    # Where it was read, and the election it is of (None: a facility layer, no date).
    source: str = field(default="", compare=False)
    when: date | None = field(default=None, compare=False)


def building_point(members: Sequence[PlaceRecord]) -> tuple[float, float] | None:
    """The building's point: its best-ranked source that has one."""
    for r in members:
        if r.lon is not None and r.lat is not None:
            return r.lon, r.lat
    return None


def _meters(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(math.sqrt(h))


def _same_name(a: PlaceRecord, b: PlaceRecord) -> bool:
    """One name's own words (not its kind's or generic ones) all in the other's words:
    ``BEATTIES FORD LIBRARY`` and ``Beatties Ford Road Branch`` (a library)."""
    wa, wb = set(words_of(a.name)), set(words_of(b.name))
    ka, kb = set(kind_words(a.kind)), set(kind_words(b.kind))
    generic = GENERIC_WORDS | LOCALITY_WORDS | ka | kb
    da, db = wa - generic, wb - generic
    return bool(da and da <= wb | kb) or bool(db and db <= wa | ka)


def street_key(address: Address) -> str:
    """The canonical street line: the same text in any spelling is the same address."""
    return canonical_street(address.line1) if address.line1.strip() else ""


def merge_places(
    records: Iterable[PlaceRecord],
) -> tuple[list[list[PlaceRecord]], list[PlaceRecord]]:
    """Group the records of one building: the same street address (in the same town, or
    a town missing on one side), or points within ``MERGE_METERS`` with matching names.
    Returns (the buildings with a point, each best source first; the records of buildings
    without any point, which cannot be placed on the map)."""
    recs = list(dict.fromkeys(records))  # the same place in several elections: once
    recs.sort(key=lambda r: _KIND_RANK.get(r.kind, len(_KIND_RANK)))  # stable
    parent = list(range(len(recs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        ri, rj = root(i), root(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)  # the better-ranked record stays the root

    by_street: dict[str, list[int]] = {}
    for i, r in enumerate(recs):
        key = street_key(r.address)
        if key and key.split(" ", 1)[0][:1].isdigit():
            by_street.setdefault(key, []).append(i)
    for members in by_street.values():
        for a, i in enumerate(members):
            for j in members[a + 1 :]:
                ci, cj = recs[i].address.city.upper(), recs[j].address.city.upper()
                if not ci or not cj or ci == cj:
                    union(i, j)
    # Nearby points with matching names: a grid of ~300 m cells, neighbours only.
    cells: dict[tuple[int, int], list[int]] = {}
    for i, r in enumerate(recs):
        if r.lon is not None and r.lat is not None:
            cells.setdefault((int(r.lon // 0.003), int(r.lat // 0.003)), []).append(i)
    for (cx, cy), members in cells.items():
        near = [
            j for dx in (-1, 0, 1) for dy in (-1, 0, 1) for j in cells.get((cx + dx, cy + dy), ())
        ]
        for i in members:
            pi = (recs[i].lon or 0.0, recs[i].lat or 0.0)
            for j in near:
                if j <= i or root(i) == root(j):
                    continue
                pj = (recs[j].lon or 0.0, recs[j].lat or 0.0)
                if _meters(pi, pj) <= MERGE_METERS and _same_name(recs[i], recs[j]):
                    union(i, j)
    groups: dict[int, list[PlaceRecord]] = {}
    for i, r in enumerate(recs):
        groups.setdefault(root(i), []).append(r)
    placed: list[list[PlaceRecord]] = []
    unplaced: list[PlaceRecord] = []
    for building in groups.values():
        if building_point(building) is None:
            unplaced.append(building[0])
        else:
            placed.append(building)
    return placed, unplaced
