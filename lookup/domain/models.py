"""Frozen value types of the domain (VIP vocabulary where it has a name for the thing)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, time

from lookup.domain.election_kinds import ElectionKind, kind_of

# NC polls on Election Day: 6:30 a.m. to 7:30 p.m. local time (G.S. 163-166.01).
NC_POLLS_OPEN = time(6, 30)
NC_POLLS_CLOSE = time(19, 30)


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 position. Always built with named ``lon=``/``lat=``: the classic swap bug."""

    lon: float
    lat: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lon) and math.isfinite(self.lat)):
            raise ValueError("coordinates must be finite numbers")
        if not (-180.0 <= self.lon <= 180.0 and -90.0 <= self.lat <= 90.0):
            raise ValueError("coordinates out of range")


@dataclass(frozen=True, slots=True)
class Address:
    line1: str
    city: str = ""
    state: str = ""
    zip: str = ""

    def as_dict(self) -> dict[str, str]:
        """The same four keys in the stored dataset and in the API."""
        return {"line1": self.line1, "city": self.city, "state": self.state, "zip": self.zip}

    def one_line(self) -> str:
        tail = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (self.line1, self.city, tail) if p)


@dataclass(frozen=True, slots=True)
class BoardOfElections:
    name: str
    phone: str
    url: str
    address: str = ""  # the office (where mail ballots may be returned by hand)


@dataclass(frozen=True, slots=True)
class Precinct:
    """A voting precinct. ``id`` is the canonical zero-padded id (``001``), unique only
    within its county: a dataset may hold several counties, so ``key`` is what is unique."""

    id: str
    name: str
    county: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.county, self.id)


@dataclass(frozen=True, slots=True)
class PollingPlace:
    """An Election Day polling place for one election.

    ``name`` is the name to show: the BOE's, or its full form from another source when
    the BOE's was cut (``name_source`` names that file, ``published_name`` keeps the
    BOE's text). ``latlng_source`` says where the coordinates came from: ``boe_file``,
    ``address_points`` or the file of another source (``pp1.kml``)."""

    id: str
    name: str
    address: Address
    lat: float | None
    lon: float | None
    latlng_source: str = ""
    name_source: str = ""  # "" = the BOE's own name; else the file the full name came from
    published_name: str = ""  # the BOE's text when ``name`` came from another source
    name_complete: bool = True  # False: the BOE cut it (30 characters) and no source completed it
    name_plausible: bool = True  # False: a placeholder ("Q", "TBD", "12"): show the address


@dataclass(frozen=True, slots=True)
class OpenHours:
    start: time
    end: time


@dataclass(frozen=True, slots=True)
class DaySchedule:
    """One day at a site: no ``hours`` means closed that day; several mean a split day."""

    day: date
    hours: tuple[OpenHours, ...] = ()

    @property
    def closed(self) -> bool:
        return not self.hours


@dataclass(frozen=True, slots=True)
class EarlyVotingSite:
    id: str
    name: str
    address: Address
    county: str
    lat: float | None
    lon: float | None
    schedule: tuple[DaySchedule, ...] = ()
    latlng_source: str = ""
    # As on ``PollingPlace``: where the name and point came from, and whether to trust it.
    name_source: str = ""
    published_name: str = ""
    name_complete: bool = True
    name_plausible: bool = True


@dataclass(frozen=True, slots=True)
class Election:
    """``name`` as published (English); ``kind`` is what lets other languages say it
    (``election_kinds``): read from the name when not given, ``None`` for a name that
    says no known kind (shown as typed in every language)."""

    day: date
    name: str
    polls_open: time = NC_POLLS_OPEN
    polls_close: time = NC_POLLS_CLOSE
    early_voting_start: date | None = None
    early_voting_end: date | None = None
    # Not compared: an election is its day and name, however a version's kinds read it.
    kind: ElectionKind | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.kind is None:
            object.__setattr__(self, "kind", kind_of(self.name))


@dataclass(frozen=True, slots=True)
class Match:
    """How a query became a point: the address as matched, where from, how sure."""

    address: str
    lat: float
    lon: float
    source: str
    score: float
    normalized: str = ""
    parsed: tuple[tuple[str, str], ...] = ()  # (part, value): number, street, unit, city...
    notes: tuple[str, ...] = field(default=())
    points: int = 1  # address points that agreed and lead to this precinct
    place_name: str = ""  # a named place's published name (``source == "place"``)
    place_kind: str = ""  # polling_place, early_voting_site, library, school...
    picked: bool = False  # chosen from a question's candidates (``pick=``), not searched
