"""The one use case: where does this address (or point) vote? No Flask, no HTTP.

``find_polling_place(dataset, query, now)`` turns a query into an ``Answer`` or raises a
``ServiceError`` whose code says why not. It reads only the dataset snapshot it is given,
so one answer never mixes two data versions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import NamedTuple

from .addressing import locate_address, point_needs_verify
from .dataset import Dataset, SiteTable
from .errors import InvalidParameter, OutsideJurisdiction
from .geocode.base import Geocoder
from .geocode.normalize import canonical_street
from .models import EarlyVotingSite, Election, Match, Point, PollingPlace, Precinct
from .schedule import SiteStatus, active_election, to_local
from .spatial import Hit
from .staff_notices import StaffNotice

# Every notice an answer can carry (each has a message in every catalog).
NOTICE_CODES = (
    "demo_data",
    "no_active_election",
    "on_precinct_boundary",  # exactly on a line
    "verify_with_board",  # an estimated location near a line
    "polling_place_unknown",
    "unit_not_found",
    "street_type_assumed",
    "directional_assumed",
    "spelling_corrected",
    "interpolated",
    "polling_place_changed",
    "mail_ballot_return",
)


@dataclass(frozen=True, slots=True)
class AddressQuery:
    text: str


@dataclass(frozen=True, slots=True)
class PointQuery:
    lon: float
    lat: float


Query = AddressQuery | PointQuery


class SiteDistance(NamedTuple):
    """A site, its distance and its status now (a tuple: built for every site of every
    answer)."""

    site: EarlyVotingSite
    distance_miles: float | None
    status: SiteStatus


OPEN_FILTERS = ("today", "now")


@dataclass(frozen=True, slots=True)
class Answer:
    data_version: str
    demo: bool
    match: Match
    precinct: Precinct
    election: Election | None
    polling_place: PollingPlace | None
    early_voting_sites: tuple[SiteDistance, ...]
    notices: tuple[str, ...]
    today: date
    verify: bool = False  # an estimated point near a precinct line: confirm with the board
    # The precinct's place at the previous election, and whether the voter must now go
    # elsewhere (None: no earlier place on file to compare with).
    previous_polling_place: PollingPlace | None = None
    changed: bool | None = None
    staff_notices: tuple[StaffNotice, ...] = ()


def check_point(ds: Dataset, lon: float, lat: float) -> Hit:
    """Validate a coordinate pair and find its precinct, or say precisely what is wrong."""
    try:
        Point(lon=lon, lat=lat)
    except ValueError as exc:
        reason = "not_finite" if not (math.isfinite(lon) and math.isfinite(lat)) else "out_of_range"
        raise InvalidParameter(str(exc), parameter="lat/lon", reason=reason) from None
    hit = ds.index.locate(lon, lat)
    if hit is not None:
        return hit
    # Two classic data-entry slips land far away: a swapped pair and a dropped minus sign.
    if -180 <= lat <= 180 and -90 <= lon <= 90 and ds.index.locate(lat, lon) is not None:
        raise InvalidParameter(
            "latitude and longitude look swapped", parameter="lat/lon", reason="swapped"
        )
    if ds.index.locate(-lon, lat) is not None:
        raise InvalidParameter("longitude has the wrong sign", parameter="lon", reason="sign")
    raise OutsideJurisdiction("point outside every precinct")


def nearest_sites(
    table: SiteTable | None, lon: float, lat: float, now: datetime, only: str | None = None
) -> tuple[SiteDistance, ...]:
    """Sites by great-circle distance; sites without coordinates last, by name.
    ``only``: ``"today"`` keeps sites with opening hours today, ``"now"`` those open now."""
    if table is None:
        return ()
    d = table.points.miles_from(lon, lat)
    order = sorted(range(len(d)), key=d.__getitem__)  # stable: ties keep file order
    ranked: list[tuple[EarlyVotingSite, float | None]] = [
        (table.placed[i], round(d[i], 2)) for i in order
    ]
    ranked += [(s, None) for s in table.unplaced]
    local = to_local(now)
    t, today = local.timestamp(), local.date()
    statuses = table.board.at(t, today)
    out = [SiteDistance(s, d, statuses[s.id]) for s, d in ranked]
    if only == "now":
        out = [sd for sd in out if sd.status.open_now]
    elif only == "today":
        out = [sd for sd in out if sd.status.hours_today]
    return tuple(out)


def previous_place(ds: Dataset, election: Election, key: tuple[str, str]) -> PollingPlace | None:
    """The precinct's place at the last earlier election the data holds."""
    for e in reversed(ds.elections):
        if e.day < election.day and key in ds.polling.get(e.day, {}):
            return ds.polling[e.day][key]
    return None


@lru_cache(maxsize=8192)  # places are frozen values: the same pair, the same answer
def moved(before: PollingPlace, after: PollingPlace) -> bool:
    """Another building: a different street address or town (a new name or ZIP spelling
    for the same building is no move; ``changes`` reports those to staff)."""

    def where(p: PollingPlace) -> tuple[str, str]:
        return canonical_street(p.address.line1), p.address.city.strip().upper()

    return where(before) != where(after)


_LATLON_TEXT = re.compile(r"^\s*(-?\d{1,3}\.\d+)\s*[, ]\s*(-?\d{1,3}\.\d+)\s*$")


def as_point(query: Query) -> Query:
    """A "35.2271, -80.8431" pasted into the address box is a point (lat, lon, as maps
    apps copy it), not an address to parse."""
    if isinstance(query, AddressQuery):
        m = _LATLON_TEXT.match(query.text)
        if m:
            return PointQuery(lon=float(m.group(2)), lat=float(m.group(1)))
    return query


def find_polling_place(
    ds: Dataset,
    query: Query,
    now: datetime,
    remotes: Sequence[Geocoder] = (),
    *,
    only: str | None = None,
    staff: Sequence[StaffNotice] = (),
) -> Answer:
    """Answer "where do I vote?" for ``query`` as of ``now`` (local time America/New_York).
    ``remotes``: the configured remote geocoders, asked only when local data has no answer;
    ``only``: filter the early-voting sites (``OPEN_FILTERS``); ``staff``: last-minute
    notices configured by the board's staff (shown where they apply)."""
    if only is not None and only not in OPEN_FILTERS:
        raise InvalidParameter("bad open filter", parameter="open", allowed=list(OPEN_FILTERS))
    query = as_point(query)
    if isinstance(query, PointQuery):
        hit = check_point(ds, query.lon, query.lat)
        match = Match(address="", lat=query.lat, lon=query.lon, source="coordinates", score=1.0)
        verify = point_needs_verify(ds, hit, query.lon, query.lat)
    else:
        located = locate_address(ds, query.text, remotes)
        match, hit, verify = located.match, located.hit, located.verify
    precinct = ds.precincts[hit.index]
    notices: list[str] = ["demo_data"] if ds.demo else []
    if hit.on_boundary:
        notices.append("on_precinct_boundary")
    elif verify:
        notices.append("verify_with_board")
    notices += list(match.notes)
    local = to_local(now)
    today = local.date()
    election, over = active_election(ds.elections, today)
    place = previous = None
    changed: bool | None = None
    sites: tuple[SiteDistance, ...] = ()
    if election is not None:
        place = ds.polling.get(election.day, {}).get(precinct.key)
        previous = previous_place(ds, election, precinct.key)
        if place is not None and previous is not None:
            changed = moved(previous, place)
            if changed:
                notices.append("polling_place_changed")
        if over:
            # The last known place, flagged; its early-voting sites are history, not answers.
            notices.append("no_active_election")
        else:
            # NC early voting is countywide: every site of the voter's county, no other.
            table = ds.site_tables.get((election.day, precinct.county))
            sites = nearest_sites(table, match.lon, match.lat, local, only)
            notices.append("mail_ballot_return")
    if place is None:
        notices.append("polling_place_unknown")
    return Answer(
        data_version=ds.version,
        demo=ds.demo,
        match=match,
        precinct=precinct,
        election=election,
        polling_place=place,
        early_voting_sites=sites,
        notices=tuple(notices),
        today=today,
        verify=verify,
        previous_polling_place=previous if changed else None,
        changed=changed,
        staff_notices=tuple(n for n in staff if n.applies(local, precinct)),
    )
