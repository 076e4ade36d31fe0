"""Reading every source of a refresh and assembling the candidate ``Dataset``: precincts,
polling places joined through the crosswalk, early-voting sites, address points, the
geocoding of places that came without coordinates, and the named places callers can ask
for (``geocode.places``). Nothing is written here."""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np
import shapely

from .boards import board_for
from .changes import Changes
from .crosswalk import build_crosswalk, precinct_key
from .dataset import Dataset, freeze
from .errors import DataError
from .geocode.candidates import point_of
from .geocode.interpolate import StreetRanges
from .geocode.local import AddressIndex
from .geocode.place_merge import EARLY_VOTING_SITE, POLLING_PLACE, PlaceRecord, merge_places
from .geocode.places import PlaceIndex
from .models import Address, BoardOfElections, EarlyVotingSite, Election, PollingPlace, Precinct
from .progress import QUIET, Progress
from .sources.addresses import read_addresses
from .sources.centerlines import read_centerlines
from .sources.early_voting import SiteRecord, read_early_voting
from .sources.kml import read_kml_polling_places
from .sources.places import read_places
from .sources.polling_places import PollingPlaceRow, read_polling_places
from .sources.precincts import KML_SUFFIXES, read_precinct_files
from .spatial import GridIndex, build_grid
from .validate import (
    MAX_BAD_ADDRESS_SHARE,
    PLACE_MARGIN_DEG,
    Problems,
    check_dataset,
    check_precincts,
    in_extent,
)

if TYPE_CHECKING:
    import pandas as pd

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
    places: tuple[Path, ...] = ()  # facility point layers callers name (libraries, schools...)
    county: str | None = None
    election_name: str | None = None
    demo: bool = False
    board: BoardOfElections | None = None
    version: str | None = None  # default: the UTC time of ``now`` and a hash of the sources
    allow_shrink: bool = False  # accept big drops in counts against the live version
    keep: int = 5  # published versions kept on disk (rollback needs the last two)

    @property
    def precinct_files(self) -> tuple[Path, ...]:
        return (self.precincts,) if isinstance(self.precincts, Path) else tuple(self.precincts)

    @property
    def source_files(self) -> tuple[Path, ...]:
        files = (*self.precinct_files, *self.polling_places, *self.early_voting, *self.addresses)
        return (*files, *self.centerlines, *self.places)


@dataclass
class RefreshReport:
    version: str = ""
    published: bool = False
    problems: Problems = field(default_factory=Problems)
    counts: dict[str, object] = field(default_factory=dict)
    changes: Changes | None = None

    def lines(self) -> list[str]:
        out = [f"version: {self.version or '-'}", f"published: {'yes' if self.published else 'NO'}"]
        out += [f"{k}: {v}" for k, v in self.counts.items()]
        out += self.changes.summary() if self.changes else []
        out += [f"ERROR: {e}" for e in self.problems.errors]
        out += [f"warning: {w}" for w in self.problems.warnings]
        return out


def default_election_name(day: date) -> str:
    return "General Election" if day.month == 11 else "Election"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _geocode_place(
    addresses: AddressIndex, street: str, city: str, zip_code: str
) -> tuple[float, float] | None:
    point = point_of(addresses, street, city, zip_code)
    return (point.lon, point.lat) if point else None


@dataclass
class _Vocabulary:
    """The county's street and town names seen in the address sources: a caller's words
    that only name a street are no place name (``PlaceIndex.build``)."""

    streets: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)

    def add(self, column: pd.Series, streets: bool) -> None:
        """Each distinct value once (categories, or ``unique``): cheap on 700,000 rows.
        Address keys lead with the house number, dropped here."""
        import pandas as pd

        categorical = isinstance(column.dtype, pd.CategoricalDtype)
        values = column.cat.categories if categorical else column.unique()
        if streets:
            self.streets.update(str(v).partition(" ")[2] for v in values)
        else:
            self.cities.update(str(v) for v in values if isinstance(v, str) and v)


def _load_addresses(
    paths: tuple[Path, ...],
    bbox: tuple[float, float, float, float],
    problems: Problems,
    vocabulary: _Vocabulary,
) -> AddressIndex:
    """Address points from every file, without points that cannot be in the county."""
    if not paths:
        return AddressIndex.empty()
    import pandas as pd

    # Rows a reader leaves out (no house number, another state...) are refresh warnings.
    frames = [read_addresses(p, problems.warnings) for p in paths]
    frame = pd.concat(frames, ignore_index=True)
    if frame.empty:
        raise DataError("the address files hold no address points")
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    minx, miny, maxx, maxy = bbox
    m = PLACE_MARGIN_DEG
    with np.errstate(invalid="ignore"):  # NaN compares false: left out
        good = (minx - m <= lon) & (lon <= maxx + m) & (miny - m <= lat) & (lat <= maxy + m)
    bad = int((~good).sum())
    if bad:
        share = bad / len(frame)
        file_of = np.repeat(np.arange(len(frames)), [len(f) for f in frames])
        names = ", ".join(paths[k].name for k in np.unique(file_of[~good]))
        msg = (
            f"{names}: {bad} address points ({share:.1%}) have no coordinates or lie far "
            "outside the precincts (swapped or sign-dropped?): left out"
        )
        (problems.errors if share > MAX_BAD_ADDRESS_SHARE else problems.warnings).append(msg)
        frame = frame[good]
    vocabulary.add(frame["key"], streets=True)
    vocabulary.add(frame["city"], streets=False)
    vocabulary.add(frame["municipality"], streets=False)
    return AddressIndex.build(frame)


def _load_streets(paths: tuple[Path, ...], vocabulary: _Vocabulary) -> StreetRanges:
    if not paths:
        return StreetRanges.empty()
    import pandas as pd

    frame = pd.concat([read_centerlines(p) for p in paths], ignore_index=True)
    vocabulary.streets.update(str(s) for s in frame["street"].unique())
    return StreetRanges.build(frame)


def _join_polling_places(
    rows: list[PollingPlaceRow],
    crosswalk: dict[tuple[str, str], str],
    addresses: AddressIndex,
    bbox: tuple[float, float, float, float],
    problems: Problems,
) -> dict[date, dict[tuple[str, str], PollingPlace]]:
    """Each row to its precinct through the crosswalk, with coordinates from the file when
    they are sane, else from the address points."""
    polling: dict[date, dict[tuple[str, str], PollingPlace]] = defaultdict(dict)
    unknown: set[str] = set()
    geocoded: dict[tuple[str, str, str], tuple[float, float] | None] = {}
    for r in rows:
        pid = crosswalk.get((r.county, precinct_key(r.precinct_name)), "")
        if not pid:
            unknown.add(f"{r.county} {r.precinct_name!r} ({r.election_day.isoformat()})")
            continue
        lonlat: tuple[float, float] | None = None
        source = ""
        if r.lat is not None and r.lon is not None:
            if in_extent(r.lon, r.lat, bbox):
                lonlat, source = (r.lon, r.lat), "boe_file"
            else:
                problems.warnings.append(
                    f"polling place {r.name!r}: coordinates ({r.lat}, {r.lon}) are far outside "
                    "the county (sign dropped or swapped?): ignored"
                )
        if lonlat is None:
            key = (r.street, r.city, r.zip)
            if key not in geocoded:
                geocoded[key] = _geocode_place(addresses, *key)
            lonlat = geocoded[key]
            source = "address_points" if lonlat else ""
        assigned = polling[r.election_day]
        if (r.county, pid) in assigned and assigned[(r.county, pid)].id != r.id:
            problems.errors.append(
                f"{r.county} precinct {pid} has two polling places on {r.election_day.isoformat()}"
            )
        assigned[(r.county, pid)] = PollingPlace(
            id=r.id,
            name=r.name,
            address=Address(line1=r.street, city=r.city, state=r.state, zip=r.zip),
            lon=lonlat[0] if lonlat else None,
            lat=lonlat[1] if lonlat else None,
            latlng_source=source,
        )
    if unknown:
        problems.errors.append(
            f"{len(unknown)} polling-place rows name a precinct not in the precinct map: "
            + ", ".join(sorted(unknown)[:10])
        )
    return polling


def _early_voting_sites(
    sites: list[SiteRecord], addresses: AddressIndex, bbox: tuple[float, float, float, float]
) -> dict[date, list[EarlyVotingSite]]:
    early: dict[date, list[EarlyVotingSite]] = defaultdict(list)
    seen: Counter[str] = Counter()
    for s in sites:
        lonlat: tuple[float, float] | None = None
        source = ""
        if s.lat is not None and s.lon is not None and in_extent(s.lon, s.lat, bbox):
            lonlat, source = (s.lon, s.lat), "boe_file"
        else:
            lonlat = _geocode_place(addresses, s.street, s.city, s.zip)
            source = "address_points" if lonlat else ""
        sid = _slug(f"{s.county} {s.name}")
        seen[sid] += 1
        if seen[sid] > 1:  # two sites of one name (another street): keep ids unique
            sid = f"{sid}-{seen[sid]}"
        early[s.election_day].append(
            EarlyVotingSite(
                id=sid,
                name=s.name,
                address=Address(line1=s.street, city=s.city, state=s.state, zip=s.zip),
                county=s.county,
                lon=lonlat[0] if lonlat else None,
                lat=lonlat[1] if lonlat else None,
                schedule=s.schedule,
                latlng_source=source,
            )
        )
    return early


NCSBE_NAME_CHARS = 30  # NCSBE cuts polling-place names here ("... ELEMENTARY SCHOO")


def _election_places(
    polling: dict[date, dict[tuple[str, str], PollingPlace]],
    early: dict[date, list[EarlyVotingSite]],
    primary: date,
) -> list[PlaceRecord]:
    """Every polling place and early-voting site of every election in the files, the
    primary election's first (a building's name is taken from its first record)."""
    days = sorted(set(polling) | set(early), key=lambda d: (d != primary, -d.toordinal()))
    records = []
    for day in days:
        for s in early.get(day, ()):
            records.append(PlaceRecord(s.name, EARLY_VOTING_SITE, s.address, s.lon, s.lat))
        for pp in polling.get(day, {}).values():
            cut = len(pp.name) >= NCSBE_NAME_CHARS
            records.append(PlaceRecord(pp.name, POLLING_PLACE, pp.address, pp.lon, pp.lat, cut))
    return records


def _facility_places(
    paths: tuple[Path, ...], bbox: tuple[float, float, float, float], problems: Problems
) -> list[PlaceRecord]:
    """The facility layers' points inside the precincts' extent (others left out, with
    a warning: a statewide layer, or a point with swapped coordinates)."""
    minx, miny, maxx, maxy = bbox
    records = []
    for path in paths:
        inside: list[PlaceRecord] = []
        outside: list[PlaceRecord] = []
        for r in read_places(path):
            lon, lat = r.lon or 0.0, r.lat or 0.0
            (inside if minx <= lon <= maxx and miny <= lat <= maxy else outside).append(r)
        if outside:
            names = ", ".join(repr(r.name) for r in outside[:5])
            more = f" (+{len(outside) - 5} more)" if len(outside) > 5 else ""
            problems.warnings.append(
                f"{path.name}: {len(outside)} places outside the county's extent left out: "
                f"{names}{more}"
            )
        records += inside
    return records


def _named_places(
    records: list[PlaceRecord], vocabulary: _Vocabulary, problems: Problems
) -> tuple[PlaceIndex, int]:
    """The place index, and how many buildings were left out for want of a point."""
    _placed, unplaced = merge_places(records)
    if unplaced:
        names = ", ".join(repr(r.name) for r in unplaced[:10])
        more = f" (+{len(unplaced) - 10} more)" if len(unplaced) > 10 else ""
        problems.warnings.append(
            f"{len(unplaced)} polling places or early-voting sites without coordinates cannot "
            f"be found by name: {names}{more}"
        )
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


def assemble(
    req: RefreshRequest, now: datetime, report: RefreshReport, progress: Progress = QUIET
) -> tuple[Dataset, dict]:
    """Read every source and build the candidate ``Dataset`` (validated, not yet written)."""
    problems = report.problems
    progress.step("reading precincts")
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
    counties = tuple(sorted(set(frame["county"])))
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
    bbox = (minx, miny, maxx, maxy)
    progress.step("reading address points")
    vocabulary = _Vocabulary()
    addresses = _load_addresses(req.addresses, bbox, problems, vocabulary)
    streets = _load_streets(req.centerlines, vocabulary)
    progress.step("reading polling places and early-voting sites")

    rows: list[PollingPlaceRow] = []
    for path in req.polling_places:
        if path.suffix.lower() in KML_SUFFIXES:
            rows += read_kml_polling_places(path, req.county, req.election_day)
        else:
            rows += read_polling_places(path, req.county)
    rows = [r for r in rows if r.county in counties]
    sites: list[SiteRecord] = []
    for path in req.early_voting:
        sites += read_early_voting(path, req.county, req.election_day)
    sites = [s for s in sites if s.county in counties]

    crosswalk = build_crosswalk(zip(frame["county"], ids, frame["name"], strict=True))
    # Names from the polling-place file where the layer has none (county layers: numbers only).
    names_from_places = {
        (r.county, crosswalk[k]): r.precinct_name
        for r in rows
        if (k := (r.county, precinct_key(r.precinct_name))) in crosswalk
    }
    precincts = tuple(
        Precinct(
            id=pid,
            name=name or names_from_places.get((county, pid), f"PCT {pid}"),
            county=county,
        )
        for pid, name, county in zip(ids, frame["name"], frame["county"], strict=True)
    )

    polling = _join_polling_places(
        list(progress.each(rows, "joining and geocoding polling places")),
        crosswalk,
        addresses,
        bbox,
        problems,
    )
    if req.election_day not in polling:
        found = ", ".join(sorted(d.isoformat() for d in polling)) or "none"
        raise DataError(
            f"no polling places for the election of {req.election_day.isoformat()} "
            f"(the files hold: {found})"
        )

    early = _early_voting_sites(sites, addresses, bbox)
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
        early = defaultdict(list, {d: v for d, v in early.items() if d in polling})

    days = sorted(polling)  # an election needs its polling places
    elections = [_election(d, early.get(d, []), req) for d in days]
    progress.step("building the place index")
    places = _election_places(polling, early, req.election_day)
    places += _facility_places(req.places, bbox, problems)
    named, unplaced = _named_places(places, vocabulary, problems)

    sources = list(req.source_files)
    hashes = [_sha256(p) for p in sources]
    digest = hashlib.sha256("".join(hashes).encode()).hexdigest()
    version = req.version or f"{now.strftime('%Y%m%dT%H%M%SZ')}-{digest[:8]}"
    progress.step("building the precinct index")
    grid = build_grid(geoms)
    ds = Dataset(
        version=version,
        demo=req.demo,
        board=req.board or board_for(counties),
        counties=counties,
        precincts=precincts,
        index=GridIndex(geoms, grid),
        elections=tuple(elections),
        polling=freeze(polling),
        early_voting=MappingProxyType({d: tuple(v) for d, v in early.items()}),
        addresses=addresses,
        bbox=bbox,
        streets=streets,
        named_places=named,
    )
    progress.step("validating")
    problems.extend(check_dataset(ds, req.election_day))
    report.counts = {
        "counties": ", ".join(counties),
        "precincts": len(precincts),
        "elections": ", ".join(d.isoformat() for d in days),
        "polling_places": len({(c, p.id) for (c, _), p in polling[req.election_day].items()}),
        "early_voting_sites": len(early.get(req.election_day, [])),
        "address_points": addresses.size,
        "street_ranges": streets.size,
        "named_places": named.size,
        "named_places_without_point": unplaced,
        "source_crs": layer.source_crs,
    }
    extra = {
        "created": now.isoformat(),
        "primary_election": req.election_day.isoformat(),
        "sources": [{"file": p.name, "sha256": h} for p, h in zip(sources, hashes, strict=True)],
        "summary": {k: v for k, v in report.counts.items() if isinstance(v, int)},
        "warnings": problems.warnings,
    }
    return ds, extra


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
