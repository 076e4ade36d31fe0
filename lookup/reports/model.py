"""A report from the front line: what was wrong (a reason, an optional note), where (the
address or point that re-checking needs), and the answer the service gave then."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

REASONS = ("wrong_place", "place_closed", "address_missing", "wrong_hours", "other")
CHANNELS = ("rep", "widget")  # who files: the 311 console, the resident widget
OPEN, RESOLVED, WITHDRAWN = "open", "resolved", "withdrawn"
STATUSES = (OPEN, RESOLVED, WITHDRAWN)
MAX_NOTE_CHARS = 500
MAX_VERSION_CHARS = 64
OK = "ok"  # the outcome of an answer that found a precinct; else the error's code
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def new_id() -> str:
    """A random URL-safe id (96 bits): not guessable, so a staff link or a forged form
    cannot name a report it has not seen."""
    return secrets.token_urlsafe(12)


def stamp(moment: datetime) -> str:
    """A UTC time as stored and shown (``2028-10-25T18:05:00Z``): sorts as it reads."""
    return moment.astimezone(UTC).strftime(_STAMP)


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Answered:
    """What a look-up of the report's address or point answered: ``outcome`` ``ok`` with
    the precinct and its Election Day polling place (empty when the data has none), or
    the error code (``address_not_found``, ``outside_jurisdiction``...) and nothing else."""

    outcome: str
    county: str = ""
    precinct: str = ""
    precinct_name: str = ""
    place_id: str = ""
    place_name: str = ""
    place_address: str = ""

    def same_as(self, other: Answered) -> bool:
        """Whether a caller would be told the same: the outcome, the precinct and the
        building by name and address (a place id renumbered between versions is no change)."""
        return self.told() == other.told()

    def told(self) -> tuple[str, ...]:
        return (
            self.outcome,
            self.county,
            self.precinct,
            self.place_name,
            self.place_address,
        )

    def line(self) -> str:
        """One line for staff: ``DEMO 019 COLLEGE PARK: <place>, <address>`` or the outcome."""
        if self.outcome != OK:
            return self.outcome
        where = " ".join(p for p in (self.county, self.precinct, self.precinct_name) if p)
        place = ", ".join(p for p in (self.place_name, self.place_address) if p)
        return f"{where}: {place or 'no polling place in the data'}"

    def as_json(self) -> dict[str, str]:
        return {
            "outcome": self.outcome,
            "county": self.county,
            "precinct": self.precinct,
            "precinct_name": self.precinct_name,
            "place_id": self.place_id,
            "place_name": self.place_name,
            "place_address": self.place_address,
        }


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    created: datetime  # UTC
    channel: str
    lang: str
    reason: str
    note: str
    address: str  # "" for a point
    lat: float | None
    lon: float | None
    client_version: str  # the data version the reporter's answer named ("" if not sent)
    data_version: str  # the live version the report was answered against when filed
    answered: Answered
    status: str = OPEN
    closed_at: datetime | None = None  # when resolved or withdrawn (UTC)

    def closed(self, status: str, when: datetime) -> Report:
        return replace(self, status=status, closed_at=when)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": stamp(self.created),
            "channel": self.channel,
            "lang": self.lang,
            "reason": self.reason,
            "note": self.note,
            "address": self.address or None,
            "lat": self.lat,
            "lon": self.lon,
            "client_data_version": self.client_version or None,
            "data_version": self.data_version,
            "answered": self.answered.as_json(),
            "status": self.status,
            "closed_at": stamp(self.closed_at) if self.closed_at else None,
        }
