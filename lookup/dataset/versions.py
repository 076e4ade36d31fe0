"""A dataset version on disk, and the ``current`` pointer that makes one live.

One folder per version under ``versions/``; ``current`` is a symlink to the live one::

    manifest.json   version, demo flag, board contact, counties, elections, counts, sources
    places.json     precinct attributes, polling places per election, early-voting sites
    precincts.npz   precinct polygons as shapely ragged arrays (no GeoJSON parsing at start)
    grid.npz        the precomputed point->precinct cell grid (see ``spatial``)
    addresses/      address points, one memory-mapped ``.npy`` per column
    streets/        street-centerline address ranges (same form), for interpolation
    named_places/   the places callers name (same form); absent in versions written
                    before it existed, which load with no named places
    county_places.json  town/ZIP -> NC counties from the statewide files (``neighbours``);
                    absent in older versions, which load with an empty table
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zipfile import BadZipFile

import numpy as np
import orjson
import shapely

from lookup.dataset.model import Dataset, freeze
from lookup.domain.models import (
    Address,
    BoardOfElections,
    DaySchedule,
    EarlyVotingSite,
    Election,
    OpenHours,
    PollingPlace,
    Precinct,
)
from lookup.domain.neighbours import FILE as COUNTY_PLACES
from lookup.domain.neighbours import CountyPlaces
from lookup.errors import DataError
from lookup.geocode.interpolate import StreetRanges
from lookup.geocode.local import AddressIndex
from lookup.geocode.places import PlaceIndex
from lookup.spatial.grid import Grid, GridIndex

FORMAT = 4  # bump when the on-disk layout changes (4: city and town names as codes)
CURRENT = "current"
NAMED_PLACES = "named_places"
MANIFEST = "manifest.json"


def _name_json(p: PollingPlace | EarlyVotingSite) -> dict[str, Any]:
    """Where a name came from and whether it can be shown as is (absent in versions
    written before these existed: ``_name_fields`` reads them with their defaults)."""
    return {
        "name_source": p.name_source,
        "published_name": p.published_name,
        "name_complete": p.name_complete,
        "name_plausible": p.name_plausible,
    }


def _name_fields(d: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name_source": d.get("name_source", ""),
        "published_name": d.get("published_name", ""),
        "name_complete": d.get("name_complete", True),
        "name_plausible": d.get("name_plausible", True),
    }


def _place_json(p: PollingPlace) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "address": p.address.as_dict(),
        "lat": p.lat,
        "lon": p.lon,
        "latlng_source": p.latlng_source,
        **_name_json(p),
    }


def _site_json(s: EarlyVotingSite) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "address": s.address.as_dict(),
        "county": s.county,
        "lat": s.lat,
        "lon": s.lon,
        "latlng_source": s.latlng_source,
        **_name_json(s),
        "schedule": [
            {
                "date": d.day.isoformat(),
                "hours": [
                    [h.start.isoformat("minutes"), h.end.isoformat("minutes")] for h in d.hours
                ],
            }
            for d in s.schedule
        ],
    }


def _election_json(e: Election) -> dict[str, Any]:
    return {
        "date": e.day.isoformat(),
        "name": e.name,
        "polls_open": e.polls_open.isoformat("minutes"),
        "polls_close": e.polls_close.isoformat("minutes"),
        "early_voting_start": e.early_voting_start.isoformat() if e.early_voting_start else None,
        "early_voting_end": e.early_voting_end.isoformat() if e.early_voting_end else None,
    }


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (renames, new files) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """Flush every file written, so a power cut after the swap cannot leave ``current``
    pointing at truncated files."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as f:
                os.fsync(f.fileno())
        else:
            fsync_dir(path)
    fsync_dir(folder)


def save_dataset(
    ds: Dataset,
    folder: Path,
    extra_manifest: Mapping[str, Any],
    attachments: Mapping[str, str | bytes] | None = None,
) -> None:
    """Write ``ds`` (and text ``attachments`` such as the change report) into an empty
    ``folder``; the caller publishes it atomically."""
    folder.mkdir(parents=True)
    for name, content in (attachments or {}).items():
        target = folder / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
    geoms = shapely.force_2d(np.asarray(ds.geoms, dtype=object))
    multi = np.array(
        [g if g.geom_type == "MultiPolygon" else shapely.multipolygons([g]) for g in geoms],
        dtype=object,
    )
    _kind, coords, offsets = shapely.to_ragged_array(multi)
    rings, polygons, parts = offsets  # MultiPolygon: ring, polygon and part offsets
    np.savez(
        folder / "precincts.npz", coords=coords, offsets0=rings, offsets1=polygons, offsets2=parts
    )
    ds.index.grid.save(folder / "grid.npz")
    ds.addresses.save(folder / "addresses")
    ds.streets.save(folder / "streets")
    ds.named_places.save(folder / NAMED_PLACES)
    (folder / COUNTY_PLACES).write_bytes(orjson.dumps(ds.county_places.to_json()))
    places = {
        "precincts": [{"id": p.id, "name": p.name, "county": p.county} for p in ds.precincts],
        "polling": {
            d.isoformat(): [
                {"county": county, "precinct": pid, "place": _place_json(pp)}
                for (county, pid), pp in sorted(m.items())
            ]
            for d, m in sorted(ds.polling.items())
        },
        "early_voting": {
            d.isoformat(): [_site_json(s) for s in sites]
            for d, sites in sorted(ds.early_voting.items())
        },
    }
    (folder / "places.json").write_text(
        json.dumps(places, indent=1, ensure_ascii=False, allow_nan=False)
    )
    manifest = {
        "format": FORMAT,
        "version": ds.version,
        "demo": ds.demo,
        "board_of_elections": asdict(ds.board),
        "counties": list(ds.counties),
        "elections": [_election_json(e) for e in ds.elections],
        "bbox": list(ds.bbox),
        "counts": {
            "precincts": len(ds.precincts),
            "addresses": ds.addresses.size,
            "street_ranges": ds.streets.size,
            "named_places": ds.named_places.size,
            "polling_places": {
                d.isoformat(): len({(c, p.id) for (c, _), p in m.items()})
                for d, m in ds.polling.items()
            },
            "early_voting_sites": {d.isoformat(): len(s) for d, s in ds.early_voting.items()},
        },
        **extra_manifest,
    }
    # allow_nan=False: a NaN that slipped through is a bug to stop on, not invalid JSON.
    (folder / MANIFEST).write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False, allow_nan=False)
    )
    _fsync_tree(folder)


def _address(d: Mapping[str, str]) -> Address:
    return Address(line1=d["line1"], city=d["city"], state=d["state"], zip=d["zip"])


def _time(s: str) -> dtime:
    return dtime.fromisoformat(s)


def load_dataset(folder: Path) -> Dataset:
    """Load a published version folder. Raises ``DataError`` with the reason if unusable."""
    try:
        # orjson: a third of stdlib json's time on the statewide places (55 ms); its
        # errors are ValueErrors, and it refuses NaN, which the writer never writes.
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
        if manifest.get("format") != FORMAT:
            raise DataError(
                f"{folder}: dataset format {manifest.get('format')!r}, expected {FORMAT}"
            )
        places = orjson.loads((folder / "places.json").read_bytes())
        with np.load(folder / "precincts.npz") as z:
            offsets = tuple(z[f"offsets{i}"] for i in range(3))
            geoms = shapely.from_ragged_array(
                shapely.GeometryType.MULTIPOLYGON, z["coords"], offsets
            )
        with np.load(folder / "grid.npz") as z:
            grid = Grid.from_arrays({k: z[k] for k in z.files})
        precincts = tuple(Precinct(**p) for p in places["precincts"])
        if len(precincts) != len(geoms):
            raise DataError(f"{folder}: {len(precincts)} precincts but {len(geoms)} polygons")
        elections = tuple(
            Election(
                day=date.fromisoformat(e["date"]),
                name=e["name"],
                polls_open=_time(e["polls_open"]),
                polls_close=_time(e["polls_close"]),
                early_voting_start=date.fromisoformat(e["early_voting_start"])
                if e["early_voting_start"]
                else None,
                early_voting_end=date.fromisoformat(e["early_voting_end"])
                if e["early_voting_end"]
                else None,
            )
            for e in manifest["elections"]
        )
        polling = {
            date.fromisoformat(d): {
                (row["county"], row["precinct"]): PollingPlace(
                    id=row["place"]["id"],
                    name=row["place"]["name"],
                    address=_address(row["place"]["address"]),
                    lat=row["place"]["lat"],
                    lon=row["place"]["lon"],
                    latlng_source=row["place"]["latlng_source"],
                    **_name_fields(row["place"]),
                )
                for row in rows
            }
            for d, rows in places["polling"].items()
        }
        early = {
            date.fromisoformat(d): tuple(
                EarlyVotingSite(
                    id=s["id"],
                    name=s["name"],
                    address=_address(s["address"]),
                    county=s["county"],
                    lat=s["lat"],
                    lon=s["lon"],
                    latlng_source=s["latlng_source"],
                    **_name_fields(s),
                    schedule=tuple(
                        DaySchedule(
                            day=date.fromisoformat(day["date"]),
                            hours=tuple(OpenHours(_time(a), _time(b)) for a, b in day["hours"]),
                        )
                        for day in s["schedule"]
                    ),
                )
                for s in sites
            )
            for d, sites in places["early_voting"].items()
        }
        board = BoardOfElections(**manifest["board_of_elections"])
        addresses = AddressIndex.load(folder / "addresses")
        streets = StreetRanges.load(folder / "streets")
        named = folder / NAMED_PLACES
        named_places = PlaceIndex.load(named) if named.is_dir() else PlaceIndex.empty()
        counties_file = folder / COUNTY_PLACES
        county_places = (
            CountyPlaces.from_json(orjson.loads(counties_file.read_bytes()))
            if counties_file.is_file()
            else CountyPlaces.empty()
        )
    except DataError:
        raise
    # A truncated .npz surfaces as BadZipFile, zlib.error or EOFError, not as OSError.
    except (OSError, ValueError, KeyError, TypeError, EOFError, BadZipFile, zlib.error) as exc:
        raise DataError(f"{folder}: unreadable dataset ({type(exc).__name__}: {exc})") from exc
    return Dataset(
        version=manifest["version"],
        demo=bool(manifest["demo"]),
        board=board,
        counties=tuple(manifest["counties"]),
        precincts=precincts,
        index=GridIndex(geoms, grid),
        elections=tuple(sorted(elections, key=lambda e: e.day)),
        polling=freeze(polling),
        early_voting=MappingProxyType(early),
        addresses=addresses,
        bbox=tuple(manifest["bbox"]),
        streets=streets,
        named_places=named_places,
        county_places=county_places,
    )


# ---- publishing and the live pointer -----------------------------------------------


def current_target(data_dir: Path) -> Path | None:
    """The version folder ``current`` points to, or None."""
    link = data_dir / CURRENT
    try:
        return (data_dir / os.readlink(link)).resolve()
    except OSError:
        return None


def publish(data_dir: Path, version_dir: Path) -> None:
    """Point ``current`` at ``version_dir`` in one atomic rename of a symlink."""
    tmp = data_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(version_dir, data_dir), tmp)
    os.replace(tmp, data_dir / CURRENT)
    fsync_dir(data_dir)  # durable before we report success


LOG = "published.log"


def record_publication(data_dir: Path, version_dir: Path, when: str) -> None:
    """Append to the log of what went live when: the order rollback and pruning follow."""
    with (data_dir / LOG).open("a") as f:
        f.write(f"{when}\t{version_dir.name}\n")
        f.flush()
        os.fsync(f.fileno())


def publication_history(data_dir: Path) -> list[str]:
    """Version names in the order they went live (oldest first), still on disk."""
    try:
        lines = (data_dir / LOG).read_text().splitlines()
    except OSError:
        return []
    names = [line.split("\t")[-1] for line in lines if line.strip()]
    return [n for n in names if (data_dir / "versions" / n).is_dir()]


def previous_version(data_dir: Path) -> Path | None:
    """The version that was live before the current one, per ``published.log`` (not the
    previous folder by name), if it is still on disk."""
    live = current_target(data_dir)
    history = [n for n in publication_history(data_dir) if live is None or n != live.name]
    return data_dir / "versions" / history[-1] if history else None


def kept_version(data_dir: Path, name: str) -> Path:
    """The kept version folder called ``name``; a ``DataError`` naming the kept ones if
    there is none (a name is never a path: ``../x`` or ``.tmp-...`` are refused)."""
    folder = data_dir / "versions" / name
    if "/" in name or name.startswith(".") or not folder.is_dir():
        kept = ", ".join(v.name for v in version_history(data_dir)) or "none"
        raise DataError(f"{data_dir}: no kept version {name!r} (kept: {kept})")
    return folder


def prune(data_dir: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` most recently published versions. Never the live one,
    never the one live before it (rollback's default target), and never a folder the log
    does not know went live. Returns the names deleted."""
    import shutil

    live = current_target(data_dir)
    before = previous_version(data_dir)
    recent: list[str] = []
    for name in reversed(publication_history(data_dir)):
        if name not in recent:
            recent.append(name)
    protected = set(recent[: max(keep, 2)])
    protected |= {p.name for p in (live, before) if p is not None}
    removed = [name for name in recent if name not in protected]
    for name in removed:
        shutil.rmtree(data_dir / "versions" / name)
    return removed


# ---- the versions kept, for staff ----------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    """One kept version as ``lookup versions`` lists it (from its manifest)."""

    name: str
    created: str  # ISO time the refresh ran ("" if the manifest does not say)
    election: str  # the primary election: date and name
    sources: tuple[str, ...]  # source file names
    counts: Mapping[str, int]  # precincts, polling places, sites, addresses
    live: bool  # ``current`` points here
    live_before: bool  # live before the current one: rollback's default target
    last_live: str  # when it last went live, per ``published.log`` ("" if never)


def version_history(data_dir: Path) -> list[VersionInfo]:
    """Every kept version folder, oldest first (by creation time, then name)."""
    folder = data_dir / "versions"
    if not folder.is_dir():
        return []
    live = current_target(data_dir)
    before = previous_version(data_dir)
    went_live: dict[str, str] = {}
    try:
        for line in (data_dir / LOG).read_text().splitlines():
            when, _, name = line.rpartition("\t")
            went_live[name] = when
    except OSError:
        pass
    out = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            m = json.loads((path / MANIFEST).read_text())
        except (OSError, ValueError):
            m = {}
        out.append(_version_info(path, m, live, before, went_live.get(path.name, "")))
    return sorted(out, key=lambda v: (v.created, v.name))


def _version_info(
    path: Path, m: Mapping[str, Any], live: Path | None, before: Path | None, last_live: str
) -> VersionInfo:
    primary = m.get("primary_election", "")
    names = [e.get("name", "") for e in m.get("elections", []) if e.get("date") == primary]
    counts = m.get("counts", {})
    day = primary or "?"
    return VersionInfo(
        name=path.name,
        created=str(m.get("created", "")),
        election=f"{day} {names[0]}" if names else day,
        sources=tuple(s.get("url") or s.get("file", "?") for s in m.get("sources", [])),
        counts={
            "precincts": int(counts.get("precincts", 0)),
            "polling_places": int(counts.get("polling_places", {}).get(primary, 0)),
            "early_voting_sites": int(counts.get("early_voting_sites", {}).get(primary, 0)),
            "addresses": int(counts.get("addresses", 0)),
        },
        live=live is not None and path.resolve() == live,
        live_before=before is not None and path.name == before.name,
        last_live=last_live,
    )


# ---- one refresh at a time -----------------------------------------------------------

LOCK = "refresh.lock"


class RefreshBusy(DataError):
    """Another refresh (or rollback) holds the data folder's lock."""


@contextmanager
def refresh_lock(
    data_dir: Path, now: datetime, on_busy: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold ``DIR/refresh.lock`` for one refresh or rollback at a time per data folder.

    ``flock`` on an open file: the kernel releases it when the holder's file is closed or
    its process dies, so a killed run never leaves a stale lock behind. The file (never
    deleted: unlinking a flock'ed file races) holds the holder's pid, host and start time
    for the message. Busy: raise ``RefreshBusy`` naming the holder, or with ``on_busy``,
    tell it the message and wait.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"another refresh ({_holder(fd)}) is publishing into {data_dir}"
            if on_busy is None:
                raise RefreshBusy(message) from None
            on_busy(message)
            fcntl.flock(fd, fcntl.LOCK_EX)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": now.isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # no stale holder named to the next one who waits
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """'pid 1234 on host, started 2026-12-07 12:01:07 UTC' from the lock file's text."""
    try:
        h = json.loads(os.pread(fd, 4096, 0))
        started = datetime.fromisoformat(h["started"]).strftime("%Y-%m-%d %H:%M:%S %Z")
        return f"pid {h['pid']} on {h['host']}, started {started.strip()}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder not yet recorded"  # it has the lock but has not written its name
