"""The immutable dataset one answer is built from. Never mutated: a refresh builds a new
one, ``codec`` writes and reads it on disk, ``holder`` swaps the live reference."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import NamedTuple

import numpy as np

from lookup.domain.models import BoardOfElections, EarlyVotingSite, Election, PollingPlace, Precinct
from lookup.domain.neighbours import CountyPlaces
from lookup.domain.schedule import StatusBoard, Timeline
from lookup.domain.site_details import SiteDetailsTable
from lookup.geocode.interpolate import StreetRanges
from lookup.geocode.local import AddressIndex
from lookup.geocode.places import PlaceIndex
from lookup.spatial.grid import GridIndex, Sites


class PlaceFacts(NamedTuple):
    """A precinct's Election Day place at one election, and whether it moved since the
    previous election the data holds (None: no earlier place to compare with)."""

    place: PollingPlace | None
    previous: PollingPlace | None  # the earlier place, only when it was another building
    changed: bool | None


@dataclass(frozen=True, slots=True)
class SiteTable:
    """The early-voting sites of one election in one county, ready for distance sorting."""

    placed: tuple[EarlyVotingSite, ...]
    points: Sites
    unplaced: tuple[EarlyVotingSite, ...]  # no coordinates: listed last, by name
    sites: tuple[EarlyVotingSite, ...]  # placed, then unplaced: positions in answers
    ids: tuple[str, ...]  # of ``sites``
    timelines: Mapping[str, Timeline]  # site id -> its opening instants
    board: StatusBoard  # every site's status at a moment, memoised per stretch


def build_site_tables(
    early_voting: Mapping[date, tuple[EarlyVotingSite, ...]],
) -> Mapping[tuple[date, str], SiteTable]:
    groups: dict[tuple[date, str], list[EarlyVotingSite]] = {}
    for day, sites in early_voting.items():
        for s in sites:
            groups.setdefault((day, s.county), []).append(s)
    tables = {}
    for key, members in groups.items():
        placed = tuple(s for s in members if s.lat is not None and s.lon is not None)
        unplaced = tuple(sorted((s for s in members if s not in placed), key=lambda s: s.name))
        timelines = MappingProxyType({s.id: Timeline.of(s.schedule) for s in members})
        tables[key] = SiteTable(
            placed=placed,
            # "or 0.0" only narrows the type: every placed site has both coordinates.
            points=Sites.of([s.lon or 0.0 for s in placed], [s.lat or 0.0 for s in placed]),
            unplaced=unplaced,
            sites=placed + unplaced,
            ids=tuple(s.id for s in placed + unplaced),
            timelines=timelines,
            board=StatusBoard(timelines),
        )
    return MappingProxyType(tables)


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything one answer needs. Never mutated (``place_facts`` only memoises what
    its other fields determine): a refresh builds a new one."""

    version: str
    demo: bool
    board: BoardOfElections
    counties: tuple[str, ...]
    precincts: tuple[Precinct, ...]
    index: GridIndex
    elections: tuple[Election, ...]  # sorted by day
    # election day -> (county, precinct id) -> place (NCSBE reuses place ids across counties)
    polling: Mapping[date, Mapping[tuple[str, str], PollingPlace]]
    early_voting: Mapping[date, tuple[EarlyVotingSite, ...]]
    addresses: AddressIndex
    bbox: tuple[float, float, float, float]  # lon/lat of the precincts' extent
    streets: StreetRanges = field(default_factory=StreetRanges.empty)  # centerline ranges
    # Polling places, early-voting sites and facilities callers name ("Beatties Ford Library").
    named_places: PlaceIndex = field(default_factory=PlaceIndex.empty)
    # Town/ZIP -> NC counties from the statewide files: names another county's address.
    county_places: CountyPlaces = field(default_factory=CountyPlaces.empty)
    # The county's entrance, parking, transit... details by (county, place or site id).
    site_details: SiteDetailsTable = field(default_factory=SiteDetailsTable.empty)
    # Derived at construction, so requests do no work that can be done once.
    site_tables: Mapping[tuple[date, str], SiteTable] = field(init=False, repr=False)
    # Derived on first use and kept with this dataset (so they go with it on a refresh):
    # (election day, precinct position) -> its place then (``service.place_facts``).
    place_facts: dict[tuple[date, int], PlaceFacts] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "site_tables", build_site_tables(self.early_voting))

    @property
    def geoms(self) -> np.ndarray:
        return self.index.geoms


Polling = Mapping[date, Mapping[tuple[str, str], PollingPlace]]


def freeze(mapping: Polling) -> Polling:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in mapping.items()})


# ---- serialisation ------------------------------------------------------------------
