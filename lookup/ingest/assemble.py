"""Reading every source of a refresh and assembling the candidate ``Dataset``: precincts,
polling places joined through the crosswalk, early-voting sites, address points, the
places completed from the place sources (full names, coordinates: ``boe_places``), and
the named places callers can ask for (``geocode.places``). Nothing is written here."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import shapely

from lookup.dataset.model import Dataset, freeze
from lookup.domain.boards import board_for
from lookup.domain.crosswalk import build_crosswalk, precinct_key
from lookup.domain.models import BoardOfElections, EarlyVotingSite, Election, PollingPlace, Precinct
from lookup.domain.neighbours import CountyPlaces
from lookup.domain.site_details import SiteDetailsTable
from lookup.errors import DataError
from lookup.geocode.address_columns import concat, rows_of, select
from lookup.geocode.candidates import point_of
from lookup.geocode.interpolate import StreetRanges
from lookup.geocode.local import AddressIndex
from lookup.geocode.place_merge import EARLY_VOTING_SITE, POLLING_PLACE, PlaceRecord, merge_places
from lookup.geocode.places import PlaceIndex
from lookup.ingest import enrich_report
from lookup.ingest.boe_places import (
    Places,
    PollingFile,
    SiteFile,
    complete_places,
    geocoder,
    join_cut_precincts,
)
from lookup.ingest.change_report import Changes
from lookup.ingest.crs_names import crs_label
from lookup.ingest.enrich import Sources
from lookup.ingest.formats.addresses import read_address_chunks
from lookup.ingest.formats.centerlines import read_centerlines
from lookup.ingest.formats.places import polling_place_records, site_records
from lookup.ingest.formats.precinct_layer import PrecinctLayer
from lookup.ingest.formats.records import PollingPlaceRow
from lookup.ingest.formats.registry import (
    lists_other_counties,
    read_early_voting,
    read_place_source,
    read_polling_places,
    read_precinct_files,
)
from lookup.ingest.formats.site_details import read_site_details
from lookup.ingest.progress import QUIET, Progress
from lookup.ingest.site_details_join import join_details, places_of
from lookup.ingest.validate import (
    MAX_BAD_ADDRESS_SHARE,
    PLACE_MARGIN_DEG,
    Problems,
    check_dataset,
    check_precincts,
    in_extent,
)
from lookup.spatial.grid import GridIndex, build_grid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RefreshRequest:
    precincts: Path | tuple[Path, ...]  # one file, or the parts of one map
    polling_places: tuple[Path, ...]
    early_voting: tuple[Path, ...]
    election_day: date
    data_dir: Path
    addresses: tuple[Path, ...] = ()
    centerlines: tuple[Path, ...] = ()  # street segments with address ranges (optional)
    # Place sources: facility layers callers name (libraries, schools...) and any list of
    # polling places or sites the BOE's are completed from (``sources.places``).
    places: tuple[Path, ...] = ()
    # The county's own CSVs of entrances, parking, transit... per place (``site_details``).
    site_details: tuple[Path, ...] = ()
    county: str | None = None
    election_name: str | None = None
    demo: bool = False
    board: BoardOfElections | None = None
    version: str | None = None  # default: the UTC time of ``now`` and a hash of the sources
    allow_shrink: bool = False  # accept big drops in counts against the live version
    keep: int = 5  # published versions kept on disk (rollback needs the last two)
    # Downloaded sources: their cache file -> the URL, which the manifest records too.
    urls: Mapping[Path, str] = field(default_factory=dict)

    @property
    def precinct_files(self) -> tuple[Path, ...]:
        return (self.precincts,) if isinstance(self.precincts, Path) else tuple(self.precincts)

    @property
    def source_files(self) -> tuple[Path, ...]:
        files = (*self.precinct_files, *self.polling_places, *self.early_voting, *self.addresses)
        return (*files, *self.centerlines, *self.places, *self.site_details)


@dataclass
class RefreshReport:
    version: str = ""
    published: bool = False
    problems: Problems = field(default_factory=Problems)
    counts: dict[str, object] = field(default_factory=dict)
    changes: Changes | None = None
    notes: list[str] = field(default_factory=list)  # what was completed, from which files

    def lines(self) -> list[str]:
        out = [f"version: {self.version or '-'}", f"published: {'yes' if self.published else 'NO'}"]
        out += [f"{k}: {v}" for k, v in self.counts.items()]
        out += self.notes
        out += self.changes.summary() if self.changes else []
        out += [f"ERROR: {e}" for e in self.problems.errors]
        out += [f"warning: {w}" for w in self.problems.warnings]
        return out


def default_election_name(day: date) -> str:
    """The name when none is given: a kind's English name (``election_kinds``), so that
    answers in other languages can say it too."""
    return "General Election" if day.month == 11 else "Election"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _point_of(
    addresses: AddressIndex, street: str, city: str, zip_code: str
) -> tuple[float, float] | None:
    """(lon, lat) of a published street address from the address points, if they agree."""
    point = point_of(addresses, street, city, zip_code)
    return (point.lon, point.lat) if point else None


@dataclass
class _Vocabulary:
    """The county's street and town names seen in the address sources: a caller's words
    that only name a street are no place name (``PlaceIndex.build``)."""

    streets: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)


def _load_addresses(
    paths: tuple[Path, ...],
    bbox: tuple[float, float, float, float],
    problems: Problems,
    vocabulary: _Vocabulary,
    county_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
) -> AddressIndex:
    """Address points from every file, without points that cannot be in the county, each
    in the county of its precinct (``county_of``). Each file is read a chunk of rows at a
    time, and each chunk's frame becomes compact byte and float arrays at once: no whole
    table is ever a frame (five million statewide rows)."""
    if not paths:
        return AddressIndex.empty()
    # Rows a reader leaves out (no house number, another state...) are refresh warnings.
    parts, sizes = [], []
    for p in paths:
        size = 0
        for frame in read_address_chunks(p, problems.warnings):
            parts.append(rows_of(frame, county=np.zeros(len(frame), dtype="S1")))
            size += len(frame)
            del frame
        sizes.append(size)
    rows = concat(parts)
    del parts
    total = len(rows["key"])
    if not total:
        raise DataError("the address files hold no address points")
    lon, lat = rows["lon"], rows["lat"]
    minx, miny, maxx, maxy = bbox
    m = PLACE_MARGIN_DEG
    with np.errstate(invalid="ignore"):  # NaN compares false: left out
        good = (minx - m <= lon) & (lon <= maxx + m) & (miny - m <= lat) & (lat <= maxy + m)
    bad = int((~good).sum())
    if bad:
        share = bad / total
        file_of = np.repeat(np.arange(len(sizes)), sizes)
        names = ", ".join(paths[k].name for k in np.unique(file_of[~good]))
        msg = (
            f"{names}: {bad} address points ({share:.1%}) have no coordinates or lie far "
            "outside the precincts (swapped or sign-dropped?): left out"
        )
        (problems.errors if share > MAX_BAD_ADDRESS_SHARE else problems.warnings).append(msg)
        rows = select(rows, good)
    rows["county"] = county_of(rows["lon"], rows["lat"])
    addresses = AddressIndex.from_rows(rows)
    vocabulary.streets.update(addresses.all_streets())
    vocabulary.cities.update(addresses.city_names())
    return addresses


def _county_of(
    index: GridIndex, counties: list[str]
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """Each point's county: its precinct's (``""`` outside every precinct)."""
    names = np.array([c.encode() for c in counties] + [b""], dtype=bytes)

    def of(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        return names[index.locate_many(lon, lat)]  # -1 (no precinct) is the last, ""

    return of


def _load_streets(paths: tuple[Path, ...], vocabulary: _Vocabulary) -> StreetRanges:
    if not paths:
        return StreetRanges.empty()
    import pandas as pd

    frame = pd.concat([read_centerlines(p) for p in paths], ignore_index=True)
    vocabulary.streets.update(str(s) for s in frame["street"].unique())
    return StreetRanges.build(frame)


def _polling_file(
    path: Path, req: RefreshRequest, counties: tuple[str, ...], problems: Problems
) -> tuple[list[PollingPlaceRow], list[tuple[str, str, str]]]:
    """A polling-place file's rows of the refresh's counties (read as always, with the
    reader's own refusals), and the (county, town, ZIP) its rows name: of the refresh's
    counties, and of every other county when its format lists them."""
    rows = read_polling_places(path, req.county, req.election_day)
    towns = [(r.county, r.city, r.zip) for r in rows if r.county in counties]
    if lists_other_counties(path):
        every = _every_county(path, req, rows, problems)
        towns = [(r.county, r.city, r.zip) for r in every if r.county not in counties] + towns
    return [r for r in rows if r.county in counties], towns


def _every_county(
    path: Path, req: RefreshRequest, rows: list[PollingPlaceRow], problems: Problems
) -> list[PollingPlaceRow]:
    """The file's rows of every county: in a statewide file, the other counties' towns
    and ZIPs name the county of an address that is not this county's (``neighbours``).
    A row of another county the reader cannot take must not stop this county's refresh:
    then other counties go unnamed, with a warning."""
    if not req.county:
        return rows
    try:
        return read_polling_places(path, None, req.election_day)
    except DataError as exc:
        problems.warnings.append(
            f"{path.name}: other counties' rows unreadable ({exc}): "
            "addresses of other counties will not be named"
        )
        return rows


def _election_places(
    polling: dict[date, dict[tuple[str, str], PollingPlace]],
    early: dict[date, list[EarlyVotingSite]],
    primary: date,
) -> list[PlaceRecord]:
    """Every polling place and early-voting site of every election in the files, the
    primary election's first (a building's name is taken from its first record), with
    their names and points as completed (a name still cut may end in a partial word)."""
    days = sorted(set(polling) | set(early), key=lambda d: (d != primary, -d.toordinal()))
    records = []
    for day in days:
        for s in early.get(day, ()):
            cut = not s.name_complete
            records.append(PlaceRecord(s.name, EARLY_VOTING_SITE, s.address, s.lon, s.lat, cut))
        for pp in polling.get(day, {}).values():
            cut = not pp.name_complete
            records.append(PlaceRecord(pp.name, POLLING_PLACE, pp.address, pp.lon, pp.lat, cut))
    return records


def _facility_places(
    sources: list[tuple[str, list[PlaceRecord]]],
    bbox: tuple[float, float, float, float],
    problems: Problems,
) -> list[PlaceRecord]:
    """The facility layers' points inside the precincts' extent (others left out, with
    a warning: a statewide layer, or a point with swapped coordinates). Election lists
    given as place sources only complete the BOE's places: a building that was a
    polling place years ago is not offered by name as one."""
    minx, miny, maxx, maxy = bbox
    records = []
    for name, recs in sources:
        inside: list[PlaceRecord] = []
        outside: list[PlaceRecord] = []
        for r in recs:
            if r.kind in (POLLING_PLACE, EARLY_VOTING_SITE):
                continue
            lon, lat = r.lon or 0.0, r.lat or 0.0
            (inside if minx <= lon <= maxx and miny <= lat <= maxy else outside).append(r)
        if outside:
            names = ", ".join(repr(r.name) for r in outside[:5])
            more = f" (+{len(outside) - 5} more)" if len(outside) > 5 else ""
            problems.warnings.append(
                f"{name}: {len(outside)} places outside the county's extent left out: {names}{more}"
            )
        records += inside
    return records


def _in_counties(
    sources: list[tuple[str, list[PlaceRecord]]],
    counties: tuple[str, ...],
    index: GridIndex,
    precinct_county: list[str],
    bbox: tuple[float, float, float, float],
) -> list[PlaceRecord]:
    """The place sources' records of the refresh's counties, each with its county: the
    one its file names, else the one its point lies in (the only county, for a county's
    own layer without points); a point far outside the precincts is dropped (a swapped
    pair), the record kept for its name."""
    out = []
    for _name, recs in sources:
        for r in recs:
            placed = r.lon is not None and r.lat is not None and in_extent(r.lon, r.lat, bbox)
            if not placed:
                r = replace(r, lon=None, lat=None)
            county = r.county
            if not county and placed:
                hit = index.locate(r.lon or 0.0, r.lat or 0.0)
                county = precinct_county[hit.index] if hit else ""
            if not county and len(counties) == 1:
                county = counties[0]  # a county's own layer: a point just outside its lines
            if county in counties:
                out.append(replace(r, county=county))
    return out


def _named_places(records: list[PlaceRecord], vocabulary: _Vocabulary) -> tuple[PlaceIndex, int]:
    """The place index, and how many buildings were left out for want of a point (the
    completion's warning names them: ``enrich_report``)."""
    _placed, unplaced = merge_places(records)
    index = PlaceIndex.build(records, vocabulary.streets, vocabulary.cities)
    return index, len(unplaced)


def _election(day: date, sites: list[EarlyVotingSite], req: RefreshRequest) -> Election:
    """The election of ``day``; its early-voting window is the span of the sites' days."""
    ev_days = [x.day for s in sites for x in s.schedule]
    name = req.election_name if (day == req.election_day and req.election_name) else None
    return Election(
        day=day,
        name=name or default_election_name(day),
        early_voting_start=min(ev_days) if ev_days else None,
        early_voting_end=max(ev_days) if ev_days else None,
    )


Bbox = tuple[float, float, float, float]


@dataclass(frozen=True)
class PublishedSource:
    """A source file as the manifest lists it: a downloaded one by its URL as well."""

    file: str
    sha256: str
    url: str = ""

    def entry(self) -> dict[str, str]:
        return {"file": self.file, "sha256": self.sha256, **({"url": self.url} if self.url else {})}


@dataclass(frozen=True)
class Assembled:
    """The candidate dataset (validated, not yet written) and what the manifest says of
    the run that made it."""

    dataset: Dataset
    created: datetime
    primary_election: date
    sources: tuple[PublishedSource, ...]
    summary: Mapping[str, int]  # the report's counts that are numbers

    def manifest(self, warnings: list[str]) -> dict[str, Any]:
        """The manifest's fields of the run; ``warnings`` as they stand when it is
        written (the refresh adds its checks against the live version to them)."""
        return {
            "created": self.created.isoformat(),
            "primary_election": self.primary_election.isoformat(),
            "sources": self.source_entries(),
            "summary": dict(self.summary),
            "warnings": warnings,
        }

    def source_entries(self) -> list[dict[str, str]]:
        return [s.entry() for s in self.sources]


@dataclass(frozen=True)
class _Map:
    """The precinct map as read and checked: what every later step is placed against."""

    layer: PrecinctLayer
    ids: list[str]
    geoms: np.ndarray
    counties: tuple[str, ...]
    bbox: Bbox


@dataclass(frozen=True)
class _Lists:
    """The BOE's lists of the refresh's counties, per file, and the towns they name."""

    polling: list[PollingFile]
    sites: list[SiteFile]
    towns: list[tuple[str, str, str]]  # (county, town, ZIP) of every county in the files


def assemble(
    req: RefreshRequest, now: datetime, report: RefreshReport, progress: Progress = QUIET
) -> Assembled:
    """Read every source and build the candidate ``Dataset`` (validated, not yet written):
    read the sources, join them, index the precincts, complete the places, hash the
    sources, validate. ``report`` gets the problems, counts and notes on the way."""
    problems = report.problems
    progress.step("reading precincts")
    pmap = _read_map(req, problems)
    progress.step("building the precinct index")
    # Before the address points: each point is given the county of its precinct.
    index = GridIndex(pmap.geoms, build_grid(pmap.geoms))
    progress.step("reading address points")
    vocabulary = _Vocabulary()
    county_of = _county_of(index, list(pmap.layer.frame["county"]))
    addresses = _load_addresses(req.addresses, pmap.bbox, problems, vocabulary, county_of)
    streets = _load_streets(req.centerlines, vocabulary)
    progress.step("reading polling places and early-voting sites")
    lists = _read_lists(req, pmap.counties, problems)
    progress.step("reading place sources")
    place_files = [(p.name, read_place_source(p, req.county, req.election_day)) for p in req.places]
    crosswalk, precincts = _join_precincts(pmap, lists.polling, problems)

    progress.step("joining and geocoding polling places and sites, completing their names")
    # What the refresh's own lists say about each other's buildings, then the place sources.
    records = [r for name, rows in lists.polling for r in polling_place_records(rows, name)]
    records += [r for name, sites in lists.sites for r in site_records(sites, name)]
    frame = pmap.layer.frame
    records += _in_counties(place_files, pmap.counties, index, list(frame["county"]), pmap.bbox)
    completed = complete_places(
        lists.polling,
        lists.sites,
        crosswalk,
        Sources(records),
        geocoder(lambda *a: _point_of(addresses, *a)),
        pmap.bbox,
        problems,
    )
    polling, early = _this_election(req, completed, problems)
    problems.warnings += enrich_report.warnings(completed.notes, req.election_day)

    days = sorted(polling)  # an election needs its polling places
    elections = [_election(d, early.get(d, []), req) for d in days]
    progress.step("building the place index")
    places = _election_places(polling, early, req.election_day)
    places += _facility_places(place_files, pmap.bbox, problems)
    named, unplaced = _named_places(places, vocabulary)
    details = _site_details(req, polling[req.election_day], early.get(req.election_day, []))

    sources = _published_sources(req)
    digest = hashlib.sha256("".join(s.sha256 for s in sources).encode()).hexdigest()
    ds = Dataset(
        version=req.version or f"{now.strftime('%Y%m%dT%H%M%SZ')}-{digest[:8]}",
        demo=req.demo,
        board=req.board or board_for(pmap.counties),
        counties=pmap.counties,
        precincts=precincts,
        index=index,
        elections=tuple(elections),
        polling=freeze(polling),
        early_voting=MappingProxyType({d: tuple(v) for d, v in early.items()}),
        addresses=addresses,
        bbox=pmap.bbox,
        streets=streets,
        named_places=named,
        county_places=CountyPlaces.build(lists.towns),
        site_details=details,
    )
    progress.step("validating")
    problems.extend(check_dataset(ds, req.election_day))
    report.counts = {
        "counties": ", ".join(pmap.counties),
        "precincts": len(precincts),
        "elections": ", ".join(d.isoformat() for d in days),
        "polling_places": len({(c, p.id) for (c, _), p in polling[req.election_day].items()}),
        "early_voting_sites": len(early.get(req.election_day, [])),
        "address_points": addresses.size,
        "street_ranges": streets.size,
        "named_places": named.size,
        "named_places_without_point": unplaced,
        "other_counties_known": len(ds.county_places.others(pmap.counties)),
        **enrich_report.counts(completed.notes, req.election_day),
        "source_crs": crs_label(pmap.layer.source_crs),
        **({"places_with_site_details": len(details)} if req.site_details else {}),
    }
    report.notes = enrich_report.summary(completed.notes, req.election_day)
    return Assembled(
        dataset=ds,
        created=now,
        primary_election=req.election_day,
        sources=sources,
        summary={k: v for k, v in report.counts.items() if isinstance(v, int)},
    )


def _site_details(
    req: RefreshRequest,
    polling: Mapping[tuple[str, str], PollingPlace],
    sites: list[EarlyVotingSite],
) -> SiteDetailsTable:
    """The county's details of this election's places; a row that names no place, or
    any fault in a file, refuses the refresh (``DataError``, one line)."""
    if not req.site_details:
        return SiteDetailsTable.empty()
    files = [(p.name, read_site_details(p)) for p in req.site_details]
    return join_details(files, places_of(polling, sites))


def _read_map(req: RefreshRequest, problems: Problems) -> _Map:
    """The precinct map, refused when its polygons cannot serve (``check_precincts``)."""
    layer = read_precinct_files(req.precinct_files, req.county)
    problems.warnings += list(layer.warnings)
    frame = layer.frame
    ids = frame["prec_id"].tolist()
    geoms = np.asarray(frame.geometry.values, dtype=object)
    checked = check_precincts(list(zip(frame["county"], ids, strict=True)), geoms)
    problems.warnings += checked.warnings
    if checked.errors:
        names = ", ".join(p.name for p in req.precinct_files)
        raise DataError(f"{names}: " + "; ".join(checked.errors))
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
    counties = tuple(sorted(set(frame["county"])))
    return _Map(layer, ids, geoms, counties, (minx, miny, maxx, maxy))


def _read_lists(req: RefreshRequest, counties: tuple[str, ...], problems: Problems) -> _Lists:
    """The polling-place and early-voting files, each kept to the refresh's counties."""
    lists = _Lists([], [], [])
    for path in req.polling_places:
        rows, towns = _polling_file(path, req, counties, problems)
        lists.towns.extend(towns)
        lists.polling.append((path.name, rows))
    for path in req.early_voting:
        sites = read_early_voting(path, req.county, req.election_day)
        sites = [s for s in sites if s.county in counties]
        lists.towns.extend((s.county, s.city, s.zip) for s in sites)
        lists.sites.append((path.name, sites))
    return lists


def _join_precincts(
    pmap: _Map, polling_files: list[PollingFile], problems: Problems
) -> tuple[dict[tuple[str, str], str], tuple[Precinct, ...]]:
    """The crosswalk from the polling-place files' precinct names to the map's ids, and
    the precincts, named from those files where the map has no names (county layers:
    numbers only)."""
    frame = pmap.layer.frame
    triples = list(zip(frame["county"], pmap.ids, frame["name"], strict=True))
    crosswalk = join_cut_precincts(build_crosswalk(triples), triples, polling_files, problems)
    names_from_places = {
        (r.county, crosswalk[k]): r.precinct_name
        for _file, rows in polling_files
        for r in rows
        if (k := (r.county, precinct_key(r.precinct_name))) in crosswalk
    }
    precincts = tuple(
        Precinct(
            id=pid,
            name=name or names_from_places.get((county, pid), f"PCT {pid}"),
            county=county,
        )
        for pid, name, county in zip(pmap.ids, frame["name"], frame["county"], strict=True)
    )
    return crosswalk, precincts


def _this_election(
    req: RefreshRequest, completed: Places, problems: Problems
) -> tuple[dict[date, dict[tuple[str, str], PollingPlace]], dict[date, list[EarlyVotingSite]]]:
    """The completed polling places and sites, refused without polling places for the
    refresh's election; sites of elections without polling places left out."""
    polling = completed.polling
    if req.election_day not in polling:
        if problems.errors:  # the join said why (e.g. another county's map): once
            raise DataError(problems.errors.pop())
        found = ", ".join(sorted(d.isoformat() for d in polling)) or "none"
        raise DataError(
            f"no polling places for the election of {req.election_day.isoformat()} "
            f"(the files hold: {found})"
        )
    early = completed.early
    if not req.early_voting:
        problems.warnings.append("no early-voting list given: answers will list no sites")
    elif not early.get(req.election_day):
        found = ", ".join(sorted(d.isoformat() for d in early)) or "none"
        problems.errors.append(
            f"the early-voting files hold no sites for the election of "
            f"{req.election_day.isoformat()} (they hold: {found})"
        )
    stray = sorted(d.isoformat() for d in early if d not in polling)
    if stray:
        problems.warnings.append(
            f"early-voting rows for elections without polling places ignored: {', '.join(stray)}"
        )
        early = {d: v for d, v in early.items() if d in polling}
    return polling, early


def _published_sources(req: RefreshRequest) -> tuple[PublishedSource, ...]:
    """Every source file with its hash: the version's name and the manifest say which
    files made it."""
    return tuple(
        PublishedSource(p.name, _sha256(p), req.urls.get(p) or "") for p in req.source_files
    )


def carry_over_previous_election(
    ds: Dataset, previous: Dataset | None, primary_day: date
) -> Dataset:
    """Keep the live version's last earlier election (its polling places) when the new
    files hold none, so answers can say that a polling place changed since then."""
    if previous is None or any(d < primary_day for d in ds.polling):
        return ds
    earlier = [e for e in previous.elections if e.day < primary_day and e.day in previous.polling]
    if not earlier:
        return ds
    last = max(earlier, key=lambda e: e.day)
    polling = {**ds.polling, last.day: previous.polling[last.day]}
    elections = tuple(sorted((*ds.elections, last), key=lambda e: e.day))
    return replace(ds, polling=freeze(polling), elections=elections)
