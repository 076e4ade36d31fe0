"""The on-disk form of one dataset version, and its only owner: ``save_dataset`` writes a
version folder, ``load_dataset`` reads one back. Which version is live is ``publish``'s job.

One folder per version under ``versions/``::

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
    site_details.json   the county's entrance, parking, transit... per place
                    (``domain.site_details``); written only when there are some, so a
                    version without details is byte for byte what it was before them
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Mapping
from dataclasses import asdict
from datetime import date
from datetime import time as dtime
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zipfile import BadZipFile

import numpy as np
import orjson
import shapely

from lookup.dataset.durable import fsync_dir
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
from lookup.domain.site_details import FILE as SITE_DETAILS
from lookup.domain.site_details import SiteDetailsTable
from lookup.errors import DataError
from lookup.geocode.interpolate import StreetRanges
from lookup.geocode.local import AddressIndex
from lookup.geocode.places import PlaceIndex
from lookup.spatial.grid import Grid, GridIndex

# Bump when the on-disk layout changes (5: a county per address point; 7: address keys,
# lines and ZIPs stored once per distinct value, not per row; 6 was an earlier layout of
# those, never released, and is refused).
FORMAT = 7
# Formats still read: a format-4 or -5 version's address table is built in memory on load.
READABLE = (4, 5, FORMAT)
NAMED_PLACES = "named_places"
MANIFEST = "manifest.json"


# ---- one record each way: what a version stores of a place, a site, an election ------


def _name_record(p: PollingPlace | EarlyVotingSite) -> dict[str, Any]:
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


def _address(d: Mapping[str, str]) -> Address:
    return Address(line1=d["line1"], city=d["city"], state=d["state"], zip=d["zip"])


def _time(s: str) -> dtime:
    return dtime.fromisoformat(s)


def _place_record(p: PollingPlace) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "address": p.address.as_dict(),
        "lat": p.lat,
        "lon": p.lon,
        "latlng_source": p.latlng_source,
        **_name_record(p),
    }


def _place_from_record(d: Mapping[str, Any]) -> PollingPlace:
    return PollingPlace(
        id=d["id"],
        name=d["name"],
        address=_address(d["address"]),
        lat=d["lat"],
        lon=d["lon"],
        latlng_source=d["latlng_source"],
        **_name_fields(d),
    )


def _site_record(s: EarlyVotingSite) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "address": s.address.as_dict(),
        "county": s.county,
        "lat": s.lat,
        "lon": s.lon,
        "latlng_source": s.latlng_source,
        **_name_record(s),
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


def _site_from_record(d: Mapping[str, Any]) -> EarlyVotingSite:
    return EarlyVotingSite(
        id=d["id"],
        name=d["name"],
        address=_address(d["address"]),
        county=d["county"],
        lat=d["lat"],
        lon=d["lon"],
        latlng_source=d["latlng_source"],
        **_name_fields(d),
        schedule=tuple(
            DaySchedule(
                day=date.fromisoformat(day["date"]),
                hours=tuple(OpenHours(_time(a), _time(b)) for a, b in day["hours"]),
            )
            for day in d["schedule"]
        ),
    )


def _election_record(e: Election) -> dict[str, Any]:
    return {
        "date": e.day.isoformat(),
        "name": e.name,
        "polls_open": e.polls_open.isoformat("minutes"),
        "polls_close": e.polls_close.isoformat("minutes"),
        "early_voting_start": e.early_voting_start.isoformat() if e.early_voting_start else None,
        "early_voting_end": e.early_voting_end.isoformat() if e.early_voting_end else None,
    }


def _election_from_record(d: Mapping[str, Any]) -> Election:
    return Election(
        day=date.fromisoformat(d["date"]),
        name=d["name"],
        polls_open=_time(d["polls_open"]),
        polls_close=_time(d["polls_close"]),
        early_voting_start=date.fromisoformat(d["early_voting_start"])
        if d["early_voting_start"]
        else None,
        early_voting_end=date.fromisoformat(d["early_voting_end"])
        if d["early_voting_end"]
        else None,
    )


# ---- a whole version ------------------------------------------------------------------


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
    if len(ds.site_details):
        (folder / SITE_DETAILS).write_bytes(
            orjson.dumps(ds.site_details.to_json(), option=orjson.OPT_INDENT_2)
        )
    places = {
        "precincts": [{"id": p.id, "name": p.name, "county": p.county} for p in ds.precincts],
        "polling": {
            d.isoformat(): [
                {"county": county, "precinct": pid, "place": _place_record(pp)}
                for (county, pid), pp in sorted(m.items())
            ]
            for d, m in sorted(ds.polling.items())
        },
        "early_voting": {
            d.isoformat(): [_site_record(s) for s in sites]
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
        "elections": [_election_record(e) for e in ds.elections],
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


def load_dataset(folder: Path) -> Dataset:
    """Load a published version folder. Raises ``DataError`` with the reason if unusable."""
    try:
        # orjson: a third of stdlib json's time on the statewide places (55 ms); its
        # errors are ValueErrors, and it refuses NaN, which the writer never writes.
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
        if manifest.get("format") not in READABLE:
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
        elections = tuple(_election_from_record(e) for e in manifest["elections"])
        polling = {
            date.fromisoformat(d): {
                (row["county"], row["precinct"]): _place_from_record(row["place"]) for row in rows
            }
            for d, rows in places["polling"].items()
        }
        early = {
            date.fromisoformat(d): tuple(_site_from_record(s) for s in sites)
            for d, sites in places["early_voting"].items()
        }
        board = BoardOfElections(**manifest["board_of_elections"])
        counties = manifest["counties"]
        addresses = AddressIndex.load(
            folder / "addresses", counties[0] if len(counties) == 1 else ""
        )
        streets = StreetRanges.load(folder / "streets")
        named = folder / NAMED_PLACES
        named_places = PlaceIndex.load(named) if named.is_dir() else PlaceIndex.empty()
        counties_file = folder / COUNTY_PLACES
        county_places = (
            CountyPlaces.from_json(orjson.loads(counties_file.read_bytes()))
            if counties_file.is_file()
            else CountyPlaces.empty()
        )
        details_file = folder / SITE_DETAILS
        site_details = (
            SiteDetailsTable.from_json(orjson.loads(details_file.read_bytes()))
            if details_file.is_file()
            else SiteDetailsTable.empty()
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
        site_details=site_details,
    )
