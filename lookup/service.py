"""The one use case: where does this address (or point) vote? No Flask, no HTTP.

``find_polling_place(dataset, query, now)`` turns a query into an ``Answer`` or raises a
``ServiceError`` whose code says why not. It reads only the dataset snapshot it is given,
so one answer never mixes two data versions.

The staff's changes on the day (``changes``: closures, emergency relocations, notices)
come in as the ``ActiveChanges`` holding at the answer's moment; an answer they touch
carries what they did as ``Answer.applied`` (``None`` for every other answer, which then
takes the same path, and the same caches, as with no changes at all).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple, overload

from lookup.dataset.model import Dataset, PlaceFacts, SiteTable
from lookup.domain.changes import EMERGENCY, NO_CHANGES, ActiveChanges, Change, notice_applies
from lookup.domain.closures import closed_status
from lookup.domain.help_topics import mail_return_open
from lookup.domain.models import EarlyVotingSite, Election, Match, Point, PollingPlace, Precinct
from lookup.domain.picks import Pick
from lookup.domain.schedule import SiteStatus, active_election, to_local
from lookup.domain.staff_notices import StaffNotice
from lookup.errors import InvalidParameter, OutsideJurisdiction
from lookup.geocode.base import Geocoder
from lookup.geocode.chain import locate_address, locate_pick, point_needs_verify
from lookup.geocode.normalize import canonical_street
from lookup.spatial.grid import Hit

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
    "town_corrected",
    "street_only",
    "interpolated",
    "polling_place_changed",
    "polling_place_relocated",  # moved by the staff for now (``changes``: an emergency)
    "polling_place_closed",  # closed by the staff for now: call the board
    "staff_change",  # a notice the staff posted (``changes``), in the answer's language
    "mail_ballot_return",
)
# ``Answer.changed_reason``: why ``changed`` is true.
SINCE_LAST_ELECTION = "since_last_election"
OPEN_INSTEAD = 3  # sites open now named when a site of the county is closed


@dataclass(frozen=True, slots=True)
class AddressQuery:
    text: str


@dataclass(frozen=True, slots=True)
class PointQuery:
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class PickQuery:
    """A candidate chosen from a question (``pick=``), decoded by ``picks.decode``."""

    pick: Pick


Query = AddressQuery | PointQuery | PickQuery


class SiteDistance(NamedTuple):
    """A site, its distance and its status now (a tuple: built for every site of every
    answer); ``closure``: the staff's closure holding now (its status is then the
    trimmed hours', ``closures``)."""

    site: EarlyVotingSite
    distance_miles: float | None
    status: SiteStatus
    closure: Change | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    """What the staff's changes did to one answer.

    ``relocation``: the precinct's emergency move (the answer's ``polling_place`` is its
    place, the usual one ``previous_polling_place``); ``place_closure``: the Election Day
    place closed (kept as the place, with a notice to call the board: no alternative is
    invented); ``open_instead``: set when a site of the county is closed, the nearest
    sites open now (possibly none); ``notices``: the staff's notices for the precinct."""

    relocation: Change | None = None
    place_closure: Change | None = None
    open_instead: tuple[SiteDistance, ...] | None = None
    notices: tuple[Change, ...] = ()


OPEN_FILTERS = ("today", "now")


class Answer(NamedTuple):
    """One answer (a named tuple: built on every look-up, and a frozen dataclass's
    field-by-field ``__init__`` cost more than the precinct search)."""

    data_version: str
    demo: bool
    match: Match
    precinct: Precinct
    election: Election | None
    polling_place: PollingPlace | None
    early_voting_sites: Sequence[SiteDistance]  # a tuple, or ``RankedSites``
    notices: tuple[str, ...]
    today: date
    moment: datetime  # the local moment answered as of (``today`` is its date)
    verify: bool = False  # an estimated point near a precinct line: confirm with the board
    # The precinct's place at the previous election, and whether the voter must now go
    # elsewhere (None: no earlier place on file to compare with).
    previous_polling_place: PollingPlace | None = None
    changed: bool | None = None
    staff_notices: tuple[StaffNotice, ...] = ()
    # Why ``changed``: ``SINCE_LAST_ELECTION`` or ``changes.EMERGENCY`` (None: not changed).
    changed_reason: str | None = None
    applied: Applied | None = None  # the staff's changes holding now, where they apply


def check_point(ds: Dataset, lon: float, lat: float) -> Hit:
    """Validate a coordinate pair and find its precinct, or say precisely what is wrong."""
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # also false for NaN
        try:
            Point(lon=lon, lat=lat)  # says which rule is broken
        except ValueError as exc:
            finite = math.isfinite(lon) and math.isfinite(lat)
            reason = "out_of_range" if finite else "not_finite"
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


class RankedSites(Sequence[SiteDistance]):
    """A county's early-voting sites nearest first, kept as positions in its table: the
    API splices each site's pre-serialised bytes by position, and the ``SiteDistance``
    tuples are built only for the callers that iterate (pages, calendar, CLI). Compares
    equal to any sequence with the same items."""

    __slots__ = ("_items", "distances", "positions", "statuses", "table")

    def __init__(
        self,
        table: SiteTable,
        positions: Sequence[int],
        distances: Sequence[float | None],
        statuses: Mapping[str, SiteStatus],
    ) -> None:
        self.table = table
        self.positions = positions  # into ``table.sites``
        self.distances = distances  # miles, None for a site without coordinates
        self.statuses = statuses  # every site of the table at the answer's moment
        self._items: tuple[SiteDistance, ...] | None = None

    def _built(self) -> tuple[SiteDistance, ...]:
        if self._items is None:
            sites, st = self.table.sites, self.statuses
            self._items = tuple(
                SiteDistance(sites[i], d, st[sites[i].id])
                for i, d in zip(self.positions, self.distances, strict=True)
            )
        return self._items

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, i: int) -> SiteDistance: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[SiteDistance, ...]: ...
    def __getitem__(self, i: int | slice) -> SiteDistance | tuple[SiteDistance, ...]:
        return self._built()[i]

    def __iter__(self) -> Iterator[SiteDistance]:
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]  # equal to tuples: no hash of its own

    def __repr__(self) -> str:
        return f"RankedSites({list(self)!r})"


def nearest_sites(
    table: SiteTable | None, lon: float, lat: float, now: datetime, only: str | None = None
) -> Sequence[SiteDistance]:
    """Sites by great-circle distance; sites without coordinates last, by name.
    ``only``: ``"today"`` keeps sites with opening hours today, ``"now"`` those open now."""
    if table is None:
        return ()
    positions, distances = table.points.ranked(lon, lat)
    placed = len(positions)
    positions += range(placed, len(table.sites))
    dist: list[float | None] = [*distances, *([None] * (len(table.sites) - placed))]
    local = to_local(now)
    statuses = table.board.at(local.timestamp(), local.date())
    if only is not None:
        ids = table.ids
        keep = [
            k
            for k, i in enumerate(positions)
            if (statuses[ids[i]].open_now if only == "now" else statuses[ids[i]].hours_today)
        ]
        positions, dist = [positions[k] for k in keep], [dist[k] for k in keep]
    return RankedSites(table, tuple(positions), tuple(dist), statuses)


def previous_place(ds: Dataset, election: Election, key: tuple[str, str]) -> PollingPlace | None:
    """The precinct's place at the last earlier election the data holds."""
    for e in reversed(ds.elections):
        if e.day < election.day and key in ds.polling.get(e.day, {}):
            return ds.polling[e.day][key]
    return None


def moved(before: PollingPlace, after: PollingPlace) -> bool:
    """Another building: a different street address or town (a new name or ZIP spelling
    for the same building is no move; ``changes`` reports those to staff)."""

    def where(p: PollingPlace) -> tuple[str, str]:
        return canonical_street(p.address.line1), p.address.city.strip().upper()

    return where(before) != where(after)


def place_facts(ds: Dataset, election: Election, index: int) -> PlaceFacts:
    """Precinct ``index``'s place at ``election`` and whether it moved: worked out once
    per dataset, election and precinct (comparing addresses means normalising them), then
    one dictionary look-up per answer."""
    facts = ds.place_facts.get((election.day, index))
    if facts is None:
        key = ds.precincts[index].key
        place = ds.polling.get(election.day, {}).get(key)
        previous = previous_place(ds, election, key)
        changed = moved(previous, place) if place is not None and previous is not None else None
        facts = PlaceFacts(place, previous if changed else None, changed)
        ds.place_facts[election.day, index] = facts
    return facts


_LATLON_TEXT = re.compile(r"^\s*(-?\d{1,3}\.\d+)\s*[, ]\s*(-?\d{1,3}\.\d+)\s*$")


@overload
def as_point(query: AddressQuery) -> AddressQuery | PointQuery: ...
@overload
def as_point(query: Query) -> Query: ...
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
    changes: ActiveChanges = NO_CHANGES,
) -> Answer:
    """Answer "where do I vote?" for ``query`` as of ``now`` (local time America/New_York).
    ``remotes``: the configured remote geocoders, asked only when local data has no answer;
    ``only``: filter the early-voting sites (``OPEN_FILTERS``); ``staff``: last-minute
    notices configured by the board's staff (shown where they apply); ``changes``: the
    staff's changes holding at ``now`` (``changes.active_at``), applied where they apply."""
    if only is not None and only not in OPEN_FILTERS:
        raise InvalidParameter("bad open filter", parameter="open", allowed=list(OPEN_FILTERS))
    query = as_point(query)
    if isinstance(query, PointQuery):
        hit = check_point(ds, query.lon, query.lat)
        match = Match(address="", lat=query.lat, lon=query.lon, source="coordinates", score=1.0)
        verify = point_needs_verify(ds, hit, query.lon, query.lat)
    else:
        if isinstance(query, PickQuery):
            located = locate_pick(ds, query.pick)
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
    sites: Sequence[SiteDistance] = ()
    table: SiteTable | None = None
    if election is not None:
        place, previous, changed = place_facts(ds, election, hit.index)
        if changed:
            notices.append("polling_place_changed")
        if over:
            # The last known place, flagged; its early-voting sites are history, not answers.
            notices.append("no_active_election")
        else:
            # NC early voting is countywide: every site of the voter's county, no other.
            table = ds.site_tables.get((election.day, precinct.county))
            sites = nearest_sites(table, match.lon, match.lat, local, only)
            if mail_return_open(local, election):  # moot once 7:30 p.m. on Election Day passed
                notices.append("mail_ballot_return")
    if place is None:
        notices.append("polling_place_unknown")
    answer = Answer(
        data_version=ds.version,
        demo=ds.demo,
        match=match,
        precinct=precinct,
        election=election,
        polling_place=place,
        early_voting_sites=sites,
        notices=tuple(notices),
        today=today,
        moment=local,
        verify=verify,
        previous_polling_place=previous,
        changed=changed,
        staff_notices=tuple(n for n in staff if n.applies(local, precinct)) if staff else (),
        changed_reason=SINCE_LAST_ELECTION if changed else None,
    )
    return with_changes(answer, changes, table, only) if changes else answer


def with_changes(
    a: Answer, changes: ActiveChanges, table: SiteTable | None, only: str | None = None
) -> Answer:
    """``a`` with the staff's changes that apply to it (``a`` itself when none does);
    ``table``: the county's early-voting sites ``a`` lists (None: it lists none)."""
    county, precinct = a.precinct.county, a.precinct.id
    notes = tuple(c for c in changes.notices if notice_applies(c, county, precinct))
    relocation = changes.relocated.get((county, precinct)) if a.election is not None else None
    place_closure = None
    if relocation is None and a.polling_place is not None:
        place_closure = _closure_of(changes, a.polling_place.id, county)
    closures: dict[str, Change] = {}
    if table is not None:
        for sid in changes.closed:
            found = _closure_of(changes, sid, county)
            if found is not None and sid in table.timelines:
                closures[sid] = found
    if not (notes or relocation or place_closure or closures):
        return a
    notices = list(a.notices)
    if relocation is not None:
        # Supersedes the usual "changed since the last election": the usual place is the
        # one the voter must not go to now.
        gone = ("polling_place_changed", "polling_place_unknown")
        notices = [n for n in notices if n not in gone] + ["polling_place_relocated"]
        a = a._replace(
            polling_place=relocated_place(relocation),
            previous_polling_place=a.polling_place,
            changed=True,
            changed_reason=EMERGENCY,
        )
    if place_closure is not None:
        notices.append("polling_place_closed")
    instead = None
    if closures and table is not None:
        listed, instead = closed_sites(table, a.match.lon, a.match.lat, a.moment, closures, only)
        a = a._replace(early_voting_sites=listed)
    applied = Applied(relocation, place_closure, instead, notes)
    return a._replace(notices=tuple(notices), applied=applied)


def _closure_of(changes: ActiveChanges, site_id: str, county: str) -> Change | None:
    found = changes.closed.get(site_id)
    return found if found is not None and found.county in ("", county) else None


def relocated_place(c: Change) -> PollingPlace:
    """Where a relocated precinct votes while the change holds, as the staff gave it (the
    id names the change: never a place of the data)."""
    assert c.place is not None  # every relocation has one (``parse_change``)
    return PollingPlace(
        id=f"change:{c.id}",
        name=c.place.name,
        address=c.place.address,
        lat=c.place.point.lat,
        lon=c.place.point.lon,
        latlng_source="staff_change",
    )


def closed_sites(
    table: SiteTable,
    lon: float,
    lat: float,
    now: datetime,
    closures: Mapping[str, Change],
    only: str | None = None,
) -> tuple[tuple[SiteDistance, ...], tuple[SiteDistance, ...]]:
    """The county's sites nearest first with the ``closures`` applied (kept ``only`` as
    ``nearest_sites`` keeps them), and the nearest ``OPEN_INSTEAD`` sites open now."""
    listed: list[SiteDistance] = []
    instead: list[SiteDistance] = []
    for sd in nearest_sites(table, lon, lat, now):
        c = closures.get(sd.site.id)
        if c is not None:
            status = closed_status(sd.site.schedule, c.window, now)
            sd = SiteDistance(sd.site, sd.distance_miles, status, c)
        if sd.status.open_now and len(instead) < OPEN_INSTEAD:
            instead.append(sd)
        if only is None or (sd.status.open_now if only == "now" else sd.status.hours_today):
            listed.append(sd)
    return tuple(listed), tuple(instead)
