"""Readers for NCSBE's 2018 KML/KMZ layers, whose attributes live in HTML descriptions:

* ``vtds*.kmz`` precinct polygons: a table with ``County`` and ``Precinct`` rows (and the
  assigned polling place);
* ``pp*.kml`` polling-place points: the place's name and ``<address>``, "X County", and a
  table whose first cells are the precincts it serves;
* ``ossite_2018.kml`` early-voting points: "X County", the site's name and address, and a
  table of day, date and hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from lookup.domain.models import DaySchedule
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.descriptions import Description, parse_description
from lookup.ingest.formats.fields import CITY_STATE_ZIP, parse_hours, parse_us_date
from lookup.ingest.formats.gdal_safety import KML_LAYER, open_layer
from lookup.ingest.formats.layouts import KnownLayout
from lookup.ingest.formats.precinct_layer import PrecinctLayer, no_precincts_here, precinct_layer
from lookup.ingest.formats.records import PollingPlaceRow, SiteRecord
from lookup.ingest.formats.suffixes import KML_SUFFIXES

if TYPE_CHECKING:
    import geopandas as gpd

_COUNTY = re.compile(r"^(?P<county>[A-Za-z .'-]+?) County$", re.MULTILINE)
_PLACE_ID = re.compile(r"PollingPlaceID=(\d+)")
POLLING_LAYOUT = KnownLayout(
    "the State Board's polling-place KML (points, the precincts served in each)",
    how=f"named {' or '.join(KML_SUFFIXES)}",
)
SITES_LAYOUT = KnownLayout(
    "the State Board's one-stop site KML (ossite)", how=f"named {' or '.join(KML_SUFFIXES)}"
)


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """A KML or KMZ layer through GDAL (its LIBKML driver reads KMZ), nothing else: the
    attributes are parsed here from each description's HTML, never by GDAL."""
    import geopandas as gpd

    with open_layer(path, KML_LAYER) as src:
        try:
            frame = gpd.read_file(src, engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types for unreadable data
            raise DataError(f"{path.name}: cannot read as KML ({exc})") from exc
    if "description" not in frame.columns or frame.empty:
        raise DataError(f"{path.name}: no features with descriptions")
    return frame.to_crs(4326) if frame.crs is not None else frame.set_crs(4326)


def _split_address(d: Description, where: str) -> tuple[str, str, str, str]:
    if len(d.address) < 2:
        raise DataError(f"{where}: no street and 'CITY, NC ZIP' in the description")
    m = CITY_STATE_ZIP.match(d.address[1].upper())
    if not m:
        raise DataError(f"{where}: cannot read city, state and ZIP from {d.address[1]!r}")
    return d.address[0].upper(), m["city"], m["state"], m["zip"]


def _county(d: Description) -> str:
    for line in d.text:
        m = _COUNTY.match(line)
        if m:
            return m["county"].strip().upper()
    return ""


def read_kml_precincts(path: Path, county: str | None = None) -> PrecinctLayer:
    """A ``vtds`` precinct map, its county and precinct from each polygon's description."""
    frame = read_layer(path)
    attrs = [precinct_attributes(html) for html in frame["description"]]
    frame["kml_county"] = [c for c, _ in attrs]
    frame["kml_precinct"] = [p for _, p in attrs]
    if wanted(county):
        seen = tuple(sorted(set(frame["kml_county"].dropna())))
        # Counties in other parts of a split statewide map are simply absent here.
        frame = frame[frame["kml_county"].isin(wanted(county))]
        if frame.empty:
            return no_precincts_here(seen)
    return precinct_layer(frame, path.name, county)


def precinct_attributes(html: str) -> tuple[str, str]:
    """(county, precinct name) from a ``vtds`` polygon's description table."""
    d = parse_description(html)
    rows = {r[0].strip().lower(): r[1] for t in d.tables for r in t if len(r) >= 2}
    return rows.get("county", "").upper(), rows.get("precinct", "")


@dataclass(frozen=True)
class _Point:
    """One KML point of a county: where it is in the file, what it says, where it stands."""

    where: str
    index: int
    d: Description
    county: str
    name: str
    street: str
    city: str
    state: str
    zip: str
    lat: float | None
    lon: float | None


def _points(path: Path, county: str | None) -> Iterator[_Point]:
    """The named, addressed points of ``county`` (all counties when None)."""
    frame = read_layer(path)
    want = wanted(county)
    for n, (html, geom) in enumerate(zip(frame["description"], frame.geometry, strict=True)):
        where = f"{path.name} feature {n + 1}"
        d = parse_description(html)
        row_county = _county(d)
        if want and row_county not in want:
            continue
        if not d.bold:
            raise DataError(f"{where}: no name in the description")
        street, city, state, zip_code = _split_address(d, where)
        yield _Point(
            where,
            n,
            d,
            row_county,
            d.bold[0].upper(),
            street,
            city,
            state,
            zip_code,
            float(geom.y) if geom is not None else None,
            float(geom.x) if geom is not None else None,
        )


def read_kml_polling_places(
    path: Path, county: str | None, election_day: date
) -> list[PollingPlaceRow]:
    """One row per precinct served by each polling-place point."""
    out: list[PollingPlaceRow] = []
    for p in _points(path, county):
        if not p.d.tables:
            raise DataError(f"{p.where}: no table of the precincts served")
        place_id = next((m.group(1) for link in p.d.links if (m := _PLACE_ID.search(link))), "")
        out += [
            PollingPlaceRow(
                election_day=election_day,
                county=p.county,
                id=place_id or f"kml-{p.index + 1}",
                name=p.name,
                precinct_name=row[0],
                street=p.street,
                city=p.city,
                state=p.state,
                zip=p.zip,
                lat=p.lat,
                lon=p.lon,
            )
            for row in p.d.tables[0]
            if row and row[0]
        ]
    if not out:
        scope = f" for county {county}" if county else ""
        raise DataError(f"{path.name}: no polling places{scope}")
    return out


def read_kml_sites(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    """Early-voting points with their table of dates and hours."""
    out: list[SiteRecord] = []
    for p in _points(path, county):
        days: dict[date, DaySchedule] = {}
        for row in (r for t in p.d.tables for r in t if len(r) >= 3):
            day = parse_us_date(row[1], p.where)
            days[day] = DaySchedule(day=day, hours=parse_hours(row[2], p.where))
        out.append(
            SiteRecord(
                election_day=election_day,
                county=p.county,
                name=p.name,
                street=p.street,
                city=p.city,
                state=p.state,
                zip=p.zip,
                schedule=tuple(days[k] for k in sorted(days)),
                lat=p.lat,
                lon=p.lon,
            )
        )
    if not out:
        scope = f" for {county}" if county else ""
        raise DataError(f"{path.name}: no early-voting sites{scope}")
    return out
