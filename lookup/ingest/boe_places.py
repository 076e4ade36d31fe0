"""The BOE's polling places and early-voting sites of a refresh, made whole: each
polling-place row joined to its precinct (a name NCSBE cut short too), and each place
completed from what the place sources say about its building (``enrich``): the full name
where the BOE's is cut, coordinates where it gives none. What was done is kept as
``Noted`` findings for the refresh report (``enrich_report``). Nothing is read here."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from lookup.domain.crosswalk import join_cut_names, precinct_key
from lookup.domain.models import Address, EarlyVotingSite, PollingPlace
from lookup.geocode.place_merge import PlaceRecord
from lookup.ingest.enrich import Finding, Geocode, Sources, find
from lookup.ingest.formats.places import polling_place_records, site_records
from lookup.ingest.formats.records import PollingPlaceRow, SiteRecord
from lookup.ingest.validate import Problems, in_extent

Bbox = tuple[float, float, float, float]
PollingFile = tuple[str, list[PollingPlaceRow]]  # (file name, its rows)
SiteFile = tuple[str, list[SiteRecord]]


@dataclass(frozen=True, slots=True)
class Noted:
    """One BOE place of the refresh and what the sources said about it."""

    day: date
    kind: str  # polling_place or early_voting_site
    where: str  # "MECKLENBURG 049" (the precincts it serves), "MECKLENBURG" for a site
    finding: Finding


@dataclass
class Places:
    """The refresh's polling places and sites, completed, and what was done to them."""

    polling: dict[date, dict[tuple[str, str], PollingPlace]] = field(default_factory=dict)
    early: dict[date, list[EarlyVotingSite]] = field(default_factory=dict)
    notes: list[Noted] = field(default_factory=list)


def join_cut_precincts(
    crosswalk: dict[tuple[str, str], str],
    precincts: list[tuple[str, str, str]],
    files: list[PollingFile],
    problems: Problems,
) -> dict[tuple[str, str], str]:
    """The crosswalk with the cut precinct names that begin exactly one map name of their
    county (``crosswalk.join_cut_names``), each join reported as a warning."""
    cut = {
        (r.county, r.precinct_name): name
        for name, rows in files
        for r in rows
        if r.precinct_cut and (r.county, precinct_key(r.precinct_name)) not in crosswalk
    }
    joined = join_cut_names(precincts, cut)
    out = dict(crosswalk)
    lines = []
    for (county, text), file in sorted(cut.items()):
        key = (county, precinct_key(text))
        if key in joined:
            pid, full = joined[key]
            out[key] = pid
            named = full if precinct_key(full) == precinct_key(pid) else f"{pid} {full}"
            lines.append(f"{county} {text!r} ({file}) joined to precinct {named}")
    if lines:
        more = f" (+{len(lines) - 5} more)" if len(lines) > 5 else ""
        problems.warnings.append(
            f"{len(lines)} precinct names cut short in the polling-place file joined to the "
            "one map precinct each begins: " + "; ".join(lines[:5]) + more
        )
    return out


def geocoder(point_of: Callable[[str, str, str], tuple[float, float] | None]) -> Geocode:
    """``point_of`` (street, city, zip) once per address: a building serves many precincts."""
    cache: dict[tuple[str, str, str], tuple[float, float] | None] = {}

    def geocode(a: Address) -> tuple[float, float] | None:
        key = (a.line1, a.city, a.zip)
        if key not in cache:
            cache[key] = point_of(*key)
        return cache[key]

    return geocode


def _own_point(*, lon: float | None, lat: float | None, bbox: Bbox) -> tuple[float, float] | None:
    """The file's own (lon, lat), when it has a pair near the county."""
    if lat is None or lon is None or not in_extent(lon, lat, bbox):
        return None
    return lon, lat


class _Finder:
    """``enrich.find`` once per place of a list (a place's rows, one per precinct, share it)."""

    def __init__(self, sources: Sources, geocode: Geocode, bbox: Bbox) -> None:
        self.sources, self.geocode, self.bbox = sources, geocode, bbox
        self._seen: dict[tuple[str, date | None, PlaceRecord], Finding] = {}

    def __call__(self, target: PlaceRecord) -> Finding:
        own = _own_point(lon=target.lon, lat=target.lat, bbox=self.bbox)
        target = replace(target, lon=own[0] if own else None, lat=own[1] if own else None)
        key = (target.source, target.when, target)
        if key not in self._seen:
            self._seen[key] = find(target, self.sources, self.geocode)
        return self._seen[key]


def complete_places(
    polling_files: list[PollingFile],
    site_files: list[SiteFile],
    crosswalk: dict[tuple[str, str], str],
    sources: Sources,
    geocode: Geocode,
    bbox: Bbox,
    problems: Problems,
) -> Places:
    """Every row joined to its precinct through ``crosswalk`` and every place completed
    from ``sources``; rows naming no known precinct and coordinates far outside the
    county are reported."""
    finder = _Finder(sources, geocode, bbox)
    polling: dict[date, dict[tuple[str, str], PollingPlace]] = defaultdict(dict)
    # One note per place of a list, naming the precincts it serves ("MECKLENBURG 049/050").
    served: dict[tuple[str, date, str, PlaceRecord], tuple[Finding, list[str]]] = {}
    unknown: set[tuple[str, date, str]] = set()  # (county, day, row as shown)
    joined: Counter[tuple[str, date]] = Counter()  # rows that found their precinct
    missed: dict[tuple[str, date], set[str]] = defaultdict(set)
    for file, rows in polling_files:
        for r in rows:
            pid = crosswalk.get((r.county, precinct_key(r.precinct_name)), "")
            if not pid:
                shown = f"{r.county} {r.precinct_name!r} ({r.election_day.isoformat()})"
                unknown.add((r.county, r.election_day, shown))
                missed[(r.county, r.election_day)].add(r.precinct_name)
                continue
            joined[(r.county, r.election_day)] += 1
            if (
                r.lat is not None
                and r.lon is not None
                and not _own_point(lon=r.lon, lat=r.lat, bbox=bbox)
            ):
                problems.warnings.append(
                    f"polling place {r.name!r}: coordinates ({r.lat}, {r.lon}) are far outside "
                    "the county (sign dropped or swapped?): ignored"
                )
            (target,) = polling_place_records([r], file)
            f = finder(target)
            assigned = polling[r.election_day]
            if (r.county, pid) in assigned and assigned[(r.county, pid)].id != r.id:
                problems.errors.append(
                    f"{r.county} precinct {pid} has two polling places on "
                    f"{r.election_day.isoformat()}"
                )
            assigned[(r.county, pid)] = _polling_place(r, f)
            served.setdefault((file, r.election_day, r.id, target), (f, []))[1].append(pid)
    disjoint = [k for k in missed if not joined[k]]
    for county, day in sorted(disjoint):
        # Not one precinct in common: the wrong map, not a few renamed precincts.
        mine = sorted({pid for (c, _key), pid in crosswalk.items() if c == county})
        theirs = sorted(missed[(county, day)])
        problems.errors.append(
            f"{county}: none of the {len(theirs)} precincts of the polling-place list for "
            f"{day.isoformat()} is in the precinct map (the list names "
            f"{_few(theirs)}; the map's {county} precincts are {_few(mine) or 'none'}): is "
            f"the map another county's or another year's? give {county}'s precinct map for "
            "this election, or check --county"
        )
    rest = sorted(shown for c, d, shown in unknown if (c, d) not in disjoint)
    if rest:
        problems.errors.append(
            f"{len(rest)} polling-place rows name a precinct not in the precinct map: "
            + ", ".join(rest[:10])
            + " (added or renamed since the map was drawn? give the map published with "
            "this list)"
        )
    notes = [
        Noted(day, f.target.kind, f"{f.target.county} {'/'.join(sorted(set(pids)))}", f)
        for (_file, day, _id, _t), (f, pids) in served.items()
    ]
    early = _sites(site_files, finder, notes)
    return Places(dict(polling), early, notes)


def _few(items: list[str], n: int = 5) -> str:
    return ", ".join(items[:n]) + (f" (+{len(items) - n} more)" if len(items) > n else "")


def _point(f: Finding) -> tuple[float, float] | None:
    """The place's own point (kept), else the one the sources gave."""
    t = f.target
    return (t.lon, t.lat) if t.lon is not None and t.lat is not None else f.point


def _latlng_source(f: Finding) -> str:
    return "boe_file" if f.target.lon is not None else f.latlng_source


def _polling_place(r: PollingPlaceRow, f: Finding) -> PollingPlace:
    point = _point(f)
    return PollingPlace(
        id=r.id,
        name=f.name,
        address=Address(line1=r.street, city=r.city, state=r.state, zip=r.zip),
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        latlng_source=_latlng_source(f),
        name_source=f.name_source,
        published_name=r.name if f.completed else "",
        name_complete=f.name_complete,
        name_plausible=f.name_plausible,
    )


def _sites(
    files: list[SiteFile], finder: _Finder, notes: list[Noted]
) -> dict[date, list[EarlyVotingSite]]:
    early: dict[date, list[EarlyVotingSite]] = defaultdict(list)
    seen: Counter[str] = Counter()
    for file, sites in files:
        for s, target in zip(sites, site_records(sites, file), strict=True):
            f = finder(target)
            notes.append(Noted(s.election_day, target.kind, s.county, f))
            sid = _slug(f"{s.county} {s.name}")
            seen[sid] += 1
            if seen[sid] > 1:  # two sites of one name (another street): keep ids unique
                sid = f"{sid}-{seen[sid]}"
            point = _point(f)
            early[s.election_day].append(
                EarlyVotingSite(
                    id=sid,
                    name=f.name,
                    address=Address(line1=s.street, city=s.city, state=s.state, zip=s.zip),
                    county=s.county,
                    lon=point[0] if point else None,
                    lat=point[1] if point else None,
                    schedule=s.schedule,
                    latlng_source=_latlng_source(f),
                    name_source=f.name_source,
                    published_name=s.name if f.completed else "",
                    name_complete=f.name_complete,
                    name_plausible=f.name_plausible,
                )
            )
    return dict(early)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
