"""The site-details rows (``formats.site_details``) joined to the candidate version's
polling places and early-voting sites of the refresh's election: each row must name
exactly one building, by id or by address, and no building twice. Anything else refuses
the refresh in one line naming the file and the row; nothing is guessed.

An address names a building as the refresh compares addresses elsewhere
(``enrich.street_key``: the canonical street, a unit dropped), narrowed by the town or
ZIP when the cell gives one (``7333 Gull Street, Demo City``). A polling place and an
early-voting site at one address are one building: the row is for both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from lookup.domain.models import Address, EarlyVotingSite, PollingPlace
from lookup.domain.site_details import SiteDetails, SiteDetailsTable
from lookup.errors import DataError
from lookup.ingest.enrich import street_key
from lookup.ingest.formats.site_details import DetailsRow

_ZIP_WORDS = {"NC"}  # a state written in the cell's last part, before the ZIP


@dataclass(frozen=True, slots=True)
class Building:
    county: str
    id: str
    name: str
    address: Address


def places_of(
    polling: Mapping[tuple[str, str], PollingPlace], sites: Iterable[EarlyVotingSite]
) -> list[Building]:
    """The election's buildings a row may name: each polling place once (several
    precincts share one), then each site."""
    seen: dict[tuple[str, str], Building] = {}
    for (county, _precinct), p in sorted(polling.items()):
        seen.setdefault((county, p.id), Building(county, p.id, p.name, p.address))
    for s in sites:
        seen.setdefault((s.county, s.id), Building(s.county, s.id, s.name, s.address))
    return list(seen.values())


def join_details(
    files: Iterable[tuple[str, list[DetailsRow]]], places: list[Building]
) -> SiteDetailsTable:
    """The details by (county, id); ``DataError`` naming the file and row at the first
    row that names no building, several, or one an earlier row named."""
    by_id: dict[str, list[Building]] = {}
    by_street: dict[str, list[Building]] = {}
    for p in places:
        by_id.setdefault(p.id, []).append(p)
        street = street_key(p.address)
        if street:
            by_street.setdefault(street, []).append(p)
    table: dict[tuple[str, str], SiteDetails] = {}
    named: dict[tuple[str, str], str] = {}  # (county, id) -> the row that named it
    for name, rows in files:
        for row in rows:
            where = f"{name}: {row.label}"
            found = _by_id(where, row, by_id) if row.id else _by_address(where, row, by_street)
            for p in found:
                key = (p.county, p.id)
                if key in named:
                    raise DataError(
                        f"{where}: {p.name} ({p.id}) already has a row ({named[key]}): "
                        "one row per place"
                    )
                named[key] = f"{name} row {row.row}"
                if not row.details.empty:
                    table[key] = row.details
    return SiteDetailsTable.of(table)


def _by_id(where: str, row: DetailsRow, by_id: Mapping[str, list[Building]]) -> list[Building]:
    found = [p for p in by_id.get(row.id, []) if not row.county or p.county == row.county]
    if not found:
        raise DataError(
            f"{where}: no polling place or early-voting site of this election has that id"
            + (f" in {row.county}" if row.county else "")
        )
    counties = sorted({p.county for p in found})
    if len(counties) > 1:
        raise DataError(
            f"{where}: that id is a place in {', '.join(counties)}: add a county column"
        )
    return found


def _by_address(
    where: str, row: DetailsRow, by_street: Mapping[str, list[Building]]
) -> list[Building]:
    line1, _, town = row.address.partition(",")
    found = by_street.get(street_key(Address(line1=line1)), [])
    found = [p for p in found if (not row.county or p.county == row.county) and _in(town, p)]
    if not found:
        raise DataError(
            f"{where}: no polling place or early-voting site of this election is at that "
            "address (give its id, or its street address as the BOE's file writes it)"
        )
    buildings = {(p.county, p.address.city.upper(), p.address.zip[:5]) for p in found}
    if len(buildings) > 1:
        shown = "; ".join(f"{p.name} ({p.id}, {p.address.city})" for p in found)
        raise DataError(
            f"{where}: that address is more than one place ({shown}): add the town, or give the id"
        )
    return found


def _in(town: str, p: Building) -> bool:
    """Whether the rest of the cell (``Demo City``, ``Demo City, NC 28990``) fits the
    place's town or ZIP; nothing given fits every place."""
    words = [w for part in town.upper().split(",") for w in [part.strip()] if w]
    if not words:
        return True
    for part in words:
        tokens = [t for t in part.split() if t not in _ZIP_WORDS]
        zips = [t[:5] for t in tokens if t[:5].isdigit()]
        if zips and p.address.zip[:5] not in zips:
            return False
        city = " ".join(t for t in tokens if not t[:5].isdigit())
        if city and city != p.address.city.upper():
            return False
    return True
