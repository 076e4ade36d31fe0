"""Who is affected when a place closes or moves: the precincts whose voters are sent to an
Election Day polling place or an early-voting site, and how many of the county's address
points they hold (``lookup affected`` and ``GET /admin/affected``). No Flask, no HTTP.

Counts only, never names: an address point is a building's address from the county's
table, not a person, and nothing here reads a voter list. "Sent to" follows the answers:

* an Election Day polling place serves the precincts the BOE assigned to it, every
  address point of those precincts;
* NC early voting is countywide, so any voter of the county may use any site: the
  voters counted for a site are those for whom it is the nearest site of their county,
  by the straight-line (great-circle) distance the answers rank sites by
  (``spatial.grid.Sites``), ties going to the site listed first, as in the answers.

Both are worked out for every address point at once with numpy (a county's 700,000
points take well under a second): each point's precinct from the grid index, each
point's nearest site by one pass over the county's tens of sites.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from lookup.dataset.model import Dataset, SiteTable
from lookup.domain.crosswalk import precinct_key
from lookup.domain.models import Election, Precinct
from lookup.domain.schedule import active_election, to_local
from lookup.errors import InvalidParameter, NotFound

SITE, PRECINCT = "site", "precinct"
ELECTION_DAY, EARLY_VOTING = "election_day", "early_voting"
MAX_ID = 120  # characters of an id asked about: ids on file are far shorter
_CHUNK = 262_144  # address points per pass of the nearest-site search (bounded memory)


@dataclass(frozen=True, slots=True)
class Place:
    """A place voters are sent to: an Election Day polling place or an early-voting site."""

    kind: str  # ELECTION_DAY or EARLY_VOTING
    id: str
    name: str
    county: str
    placed: bool = True  # False: an early-voting site without coordinates (nearest to none)


@dataclass(frozen=True, slots=True)
class Row:
    """One precinct and one place: how many of the precinct's address points go there."""

    precinct: Precinct
    place: Place
    address_points: int | None  # the precinct's; None when the data has no address points
    affected_points: int | None  # of those, the ones sent to ``place``; None: not known


@dataclass(frozen=True, slots=True)
class Affected:
    """The answer for one id: ``rows`` sorted by affected points (most first)."""

    target: str  # SITE or PRECINCT: what was asked about
    asked: str  # the id as looked up (a precinct's canonical id)
    election: Election | None  # whose places were used (None: the data has no election)
    places: tuple[Place, ...]  # what the id names (site), or the precinct's places
    rows: tuple[Row, ...]
    points_known: bool  # False: the dataset holds no address points, counts are unknown
    # Address points of what was asked about: the precinct, or the counties of the site
    # (what an early-voting site's share is out of); None when not known.
    total_points: int | None
    precinct: Precinct | None = None  # the precinct asked about (PRECINCT)


@dataclass(frozen=True, slots=True)
class PointPrecincts:
    """Every address point's precinct (position in ``ds.precincts``, -1 outside all)."""

    lon: np.ndarray
    lat: np.ndarray
    precinct: np.ndarray
    per_precinct: np.ndarray  # address points in each precinct

    @classmethod
    def of(cls, ds: Dataset) -> PointPrecincts:
        lon, lat = ds.addresses.coordinates()
        lon, lat = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        where = ds.index.locate_many(lon, lat) if len(lon) else np.empty(0, dtype=np.int64)
        inside = where >= 0
        per = np.bincount(where[inside], minlength=len(ds.precincts))
        return cls(lon, lat, where, per)

    def in_county(self, ds: Dataset, county: str) -> np.ndarray:
        """Row numbers of the points inside the county's precincts."""
        members = np.array([p.county == county for p in ds.precincts] + [False])
        return np.flatnonzero(members[self.precinct])  # -1 indexes the trailing False


def unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """(n, 3) unit vectors, as ``Sites.of`` makes them for the sites."""
    p, lam = np.radians(lat), np.radians(lon)
    c = np.cos(p)
    return np.column_stack((c * np.cos(lam), c * np.sin(lam), np.sin(p)))


def nearest_site(table: SiteTable, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """For each point, the position (in ``table.placed``) of its nearest site; -1 when the
    table places no site. One numpy pass per site, in chunks of points: the chord compared
    is the difference of unit vectors, as the answers' ranking (no ``2 - 2 cos``
    cancellation for sites a few metres apart), and a strict ``<`` keeps the first of
    equally distant sites, as their stable sort does."""
    sites = np.array(table.points.xyz, dtype=np.float64).reshape(-1, 3)
    out = np.full(len(lon), -1, dtype=np.int64)
    if not len(sites):
        return out
    for start in range(0, len(lon), _CHUNK):
        q = unit_vectors(lon[start : start + _CHUNK], lat[start : start + _CHUNK])
        best = np.full(len(q), np.inf)
        which = out[start : start + _CHUNK]  # a view: written in place
        for k, s in enumerate(sites):
            d = np.einsum("ij,ij->i", q - s, q - s)
            closer = d < best
            best[closer] = d[closer]
            which[closer] = k
    return out


def _checked(value: str, name: str) -> str:
    text = value.strip()
    if not text:
        raise InvalidParameter(f"{name} is empty", parameter=name, reason="missing")
    if len(text) > MAX_ID:
        raise InvalidParameter(f"{name} is too long", parameter=name, reason="too_long")
    return text


def _election(ds: Dataset, now: datetime) -> Election | None:
    """The election the answers use at ``now``: the next one, or after the last, that one."""
    return active_election(ds.elections, to_local(now).date())[0]


def _sorted(rows: Sequence[Row]) -> tuple[Row, ...]:
    return tuple(
        sorted(rows, key=lambda r: (-(r.affected_points or 0), r.precinct.county, r.precinct.id))
    )


def affected_by_site(ds: Dataset, site_id: str, now: datetime, county: str = "") -> Affected:
    """The precincts sent to the polling place or early-voting site ``site_id`` at the
    election the answers use at ``now``. NCSBE reuses polling-place ids across counties:
    ``county`` keeps one. Raises ``NotFound`` for an id no place of that election has."""
    site_id, county = _checked(site_id, SITE), county.strip().upper()
    election = _election(ds, now)
    if election is None:
        raise NotFound("the data holds no election", parameter=SITE)
    polling = ds.polling.get(election.day, {})
    by_place = [
        (key, p)
        for key, p in polling.items()
        if p.id == site_id and (not county or key[0] == county)
    ]
    tables = [
        (c, t)
        for (day, c), t in sorted(ds.site_tables.items())
        if day == election.day and site_id in t.ids and (not county or c == county)
    ]
    if not by_place and not tables:
        raise NotFound(
            "no polling place or early-voting site with this id", parameter=SITE, id=site_id
        )
    points = PointPrecincts.of(ds) if ds.addresses.size else None
    position = {p.key: i for i, p in enumerate(ds.precincts)}
    places: dict[tuple[str, str], Place] = {}  # (kind, county): one place each
    rows: list[Row] = []
    for key, p in by_place:
        place = places.setdefault((ELECTION_DAY, key[0]), Place(ELECTION_DAY, p.id, p.name, key[0]))
        i = position.get(key)
        if i is None:  # a place row for a precinct the map lacks: no points to count
            continue
        n = int(points.per_precinct[i]) if points is not None else None
        rows.append(Row(ds.precincts[i], place, n, n))
    counties = {key[0] for key, _p in by_place}
    for c, table in tables:
        counties.add(c)
        site = table.sites[table.ids.index(site_id)]
        place = Place(EARLY_VOTING, site.id, site.name, c, placed=site in table.placed)
        places[(EARLY_VOTING, c)] = place
        rows += _early_voting_rows(ds, table, place, points)
    return Affected(
        target=SITE,
        asked=site_id,
        election=election,
        places=tuple(places.values()),
        rows=_sorted(rows),
        points_known=points is not None,
        total_points=_county_points(ds, points, counties),
    )


def _early_voting_rows(
    ds: Dataset, table: SiteTable, place: Place, points: PointPrecincts | None
) -> list[Row]:
    """Per precinct of the site's county, its points for which the site is the nearest;
    precincts with none are left out. Without address points, or for a site without
    coordinates, every precinct of the county with its counts unknown."""
    members = [i for i, p in enumerate(ds.precincts) if p.county == place.county]
    if points is None or not place.placed:
        return [
            Row(
                ds.precincts[i],
                place,
                int(points.per_precinct[i]) if points is not None else None,
                None,
            )
            for i in members
        ]
    rows_in = points.in_county(ds, place.county)
    nearest = nearest_site(table, points.lon[rows_in], points.lat[rows_in])
    mine = points.precinct[rows_in[nearest == table.ids.index(place.id)]]  # placed first
    counts = np.bincount(mine, minlength=len(ds.precincts))
    return [
        Row(ds.precincts[i], place, int(points.per_precinct[i]), int(counts[i]))
        for i in members
        if counts[i]
    ]


def affected_in_precinct(
    ds: Dataset, precinct_id: str, now: datetime, county: str = ""
) -> Affected:
    """Precinct ``precinct_id``'s Election Day place with all its address points, and
    each early-voting site of its county with the points for which it is the nearest.
    Precinct ids repeat across counties: a dataset of several needs ``county``."""
    wanted, county = precinct_key(_checked(precinct_id, PRECINCT)), county.strip().upper()
    found = [
        i
        for i, p in enumerate(ds.precincts)
        if p.id == wanted and (not county or p.county == county)
    ]
    if not found:
        raise NotFound("no precinct with this id", parameter=PRECINCT, id=wanted)
    if len(found) > 1:
        raise InvalidParameter(
            "this precinct id is in several counties: give the county",
            parameter="county",
            reason="ambiguous",
            counties=sorted(ds.precincts[i].county for i in found),
        )
    i = found[0]
    precinct = ds.precincts[i]
    election = _election(ds, now)
    points = PointPrecincts.of(ds) if ds.addresses.size else None
    total = int(points.per_precinct[i]) if points is not None else None
    rows: list[Row] = []  # its Election Day place first, then the sites, most first
    if election is not None:
        place = ds.polling.get(election.day, {}).get(precinct.key)
        if place is not None:
            where = Place(ELECTION_DAY, place.id, place.name, precinct.county)
            rows.append(Row(precinct, where, total, total))
        table = ds.site_tables.get((election.day, precinct.county))
        if table is not None:
            rows += _sorted(_precinct_sites(table, precinct, i, points, total))
    return Affected(
        target=PRECINCT,
        asked=precinct.id,
        election=election,
        places=tuple(r.place for r in rows),
        rows=tuple(rows),
        points_known=points is not None,
        total_points=total,
        precinct=precinct,
    )


def _precinct_sites(
    table: SiteTable,
    precinct: Precinct,
    index: int,
    points: PointPrecincts | None,
    total: int | None,
) -> list[Row]:
    """Each early-voting site of the precinct's county with the precinct's points for
    which it is the nearest (a site without coordinates: not known)."""
    counts = np.zeros(len(table.placed), dtype=np.int64)
    if points is not None:
        rows_in = np.flatnonzero(points.precinct == index)
        nearest = nearest_site(table, points.lon[rows_in], points.lat[rows_in])
        counts = np.bincount(nearest[nearest >= 0], minlength=len(table.placed))
    out = []
    for k, site in enumerate(table.sites):
        placed = k < len(table.placed)
        place = Place(EARLY_VOTING, site.id, site.name, precinct.county, placed=placed)
        n = int(counts[k]) if points is not None and placed else None
        out.append(Row(precinct, place, total, n))
    return out


def _county_points(ds: Dataset, points: PointPrecincts | None, counties: set[str]) -> int | None:
    if points is None:
        return None
    members = [i for i, p in enumerate(ds.precincts) if p.county in counties]
    return int(points.per_precinct[members].sum())
