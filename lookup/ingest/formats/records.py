"""The rows the polling-place and early-voting readers produce, whatever the file's
format: what the refresh joins, completes and checks (``boe_places``, ``enrich``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lookup.domain.models import DaySchedule


@dataclass(frozen=True, slots=True)
class PollingPlaceRow:
    election_day: date
    county: str
    id: str
    name: str
    precinct_name: str
    street: str
    city: str
    state: str
    zip: str
    lat: float | None = None
    lon: float | None = None
    name_cut: bool = False  # ``name`` filled the publisher's field: it may be cut short
    precinct_cut: bool = False  # the same for ``precinct_name``


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """One early-voting site of one election, with its whole day-by-day schedule."""

    election_day: date
    county: str
    name: str
    street: str
    city: str
    state: str
    zip: str
    schedule: tuple[DaySchedule, ...]
    lat: float | None = None  # when the file has coordinates (the KML layers)
    lon: float | None = None
