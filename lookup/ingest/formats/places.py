"""Place sources (``refresh --places``): files that list buildings by name, address or
point, read as ``PlaceRecord``s. The county's facility layers (libraries, schools, fire
stations...) become named places callers can ask for (``geocode.places``); every source
also completes the BOE's polling places and sites (``lookup.ingest.enrich``): NCSBE's ``pp*.kml``
and one-stop ``ossite*.kml`` points, polling-place files of earlier elections, one-stop
lists. ``registry.read_place_source`` tells them apart by what the file holds.

Facility layers:

Any point layer GDAL reads (GeoJSON, a shapefile or its zip, a GeoPackage), in any CRS
it declares (none declared: WGS84, as GeoJSON says). Fields, case-insensitive: a name
(``name``, ``site_name``, ``facility_name``...), optionally an address (``address``),
a town (``city``, or ``city_state`` as "Charlotte, NC") and a ZIP. The kind comes from a
``kind`` field, else from a ``type`` field when it names a kind ("Library", "Fire
Station"), else from the file name (``fire_stations.geojson`` -> ``fire_station``):
Mecklenburg's ``type`` holds sub-types ("Elementary", "Regional", "CFD"), not kinds.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from pathlib import Path

from lookup.domain.models import Address
from lookup.errors import DataError
from lookup.geocode.normalize import normalize_zip
from lookup.geocode.place_merge import EARLY_VOTING_SITE, POLLING_PLACE, PlaceRecord
from lookup.ingest.formats.gdal_safety import PLACE_LAYER, check_file, open_layer
from lookup.ingest.formats.records import PollingPlaceRow, SiteRecord

_NAME_FIELDS = ("name", "site_name", "sitename", "facility_name", "facility", "location_name")
_ADDRESS_FIELDS = ("address", "full_address", "street_address", "addr", "street")
_CITY_FIELDS = ("city", "city_state", "placename", "town", "municipality")
_ZIP_FIELDS = ("zip", "zipcode", "zip_code", "postal_code")
_STATE_FIELDS = ("state", "st")
_COUNTY_FIELDS = ("county", "county_name")
# Kinds a ``type`` field may name, as written there.
KNOWN_KINDS = frozenset(
    {
        "library",
        "school",
        "fire_station",
        "police_station",
        "hospital",
        "town_hall",
        "community_center",
        "recreation_center",
        "church",
        "park",
        "polling_place",
        "early_voting_site",
    }
)


def kind_from_file(path: Path) -> str:
    """``fire_stations.geojson`` -> ``fire_station``; ``libraries.shp`` -> ``library``."""
    stem = path.name.split(".")[0]
    slug = re.sub(r"[^a-z0-9]+", "_", stem.lower()).strip("_") or "place"
    head, _, last = slug.rpartition("_")
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("ches", "shes", "sses", "xes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return f"{head}_{last}" if head else last


def _slug(value: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", value.lower()).strip("_")


def _field(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((columns[n] for n in names if n in columns), None)


def _text(value: object) -> str:
    """A cell as text: None and NaN are empty, inner runs of spaces become one."""
    if value is None or value != value:  # NaN
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


def read_places(path: Path) -> list[PlaceRecord]:
    """The named points of one facility layer, in WGS84. Rows without a name or a
    point are skipped. Raises ``DataError`` (one line, naming the file) when the file
    cannot be read as a layer or has no name field."""
    import geopandas as gpd

    with open_layer(path, PLACE_LAYER) as src:
        try:
            frame = gpd.read_file(src, engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types for unreadable data
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            raise DataError(f"{path.name}: cannot read as a place layer ({first})") from exc
    columns: dict[str, str] = {}
    for c in frame.columns:
        if c != frame.geometry.name:
            columns.setdefault(str(c).lower(), str(c))  # "name" before a later "NAME"
    name_col = _field(columns, _NAME_FIELDS)
    if name_col is None:
        raise DataError(
            f"{path.name}: no name field (one of {', '.join(_NAME_FIELDS)}) in a place layer"
        )
    if frame.crs is None:
        frame = frame.set_crs(4326)  # GeoJSON is WGS84 by definition
    try:
        frame = frame.to_crs(4326)
    except Exception as exc:  # pyproj errors for a CRS it cannot transform
        raise DataError(f"{path.name}: cannot reproject to WGS84 ({exc})") from exc
    address_col = _field(columns, _ADDRESS_FIELDS)
    city_col = _field(columns, _CITY_FIELDS)
    zip_col = _field(columns, _ZIP_FIELDS)
    state_col = _field(columns, _STATE_FIELDS)
    county_col = _field(columns, _COUNTY_FIELDS)
    kind_col = columns.get("kind")
    type_col = columns.get("type")
    default_kind = kind_from_file(path)
    records = []
    for row, geom in zip(frame.to_dict("records"), frame.geometry, strict=True):
        name = _text(row[name_col])
        if not name or geom is None or geom.is_empty:
            continue
        # A polygon (a campus outline) stands for the building by a point inside it.
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        kind = _slug(_text(row[kind_col])) if kind_col else ""
        if not kind and type_col and _slug(_text(row[type_col])) in KNOWN_KINDS:
            kind = _slug(_text(row[type_col]))
        # "Charlotte, NC" in some layers: the town is the part before the comma.
        city, _, state = (_text(row[city_col]) if city_col else "").partition(",")
        state = _text(row[state_col]) if state_col else state.strip()
        records.append(
            PlaceRecord(
                name=name,
                kind=kind or default_kind,
                address=Address(
                    line1=_text(row[address_col]) if address_col else "",
                    city=city.strip(),
                    state=state.upper(),
                    zip=normalize_zip(_text(row[zip_col])) if zip_col else "",
                ),
                lon=float(point.x),
                lat=float(point.y),
                county=_county(_text(row[county_col])) if county_col else "",
                source=path.name,
            )
        )
    return records


def _county(text: str) -> str:
    """``Mecklenburg County`` -> ``MECKLENBURG``, as the NCSBE files name counties."""
    return re.sub(r"\s+COUNTY$", "", text.upper())


def polling_place_records(rows: Iterable[PollingPlaceRow], source: str) -> list[PlaceRecord]:
    """One record per polling place of a polling-place file (its rows are per precinct),
    dated by the rows' election."""
    out: dict[tuple[str, str, str, str], PlaceRecord] = {}
    for r in rows:
        key = (r.county, r.id, r.name, r.street)
        if key not in out:
            out[key] = PlaceRecord(
                name=r.name,
                kind=POLLING_PLACE,
                address=Address(line1=r.street, city=r.city, state=r.state, zip=r.zip),
                lon=r.lon,
                lat=r.lat,
                cut=r.name_cut,
                county=r.county,
                source=source,
                when=r.election_day,
            )
    return list(out.values())


def site_records(sites: Iterable[SiteRecord], source: str) -> list[PlaceRecord]:
    """One record per early-voting site, dated by its last day of voting."""
    return [
        PlaceRecord(
            name=s.name,
            kind=EARLY_VOTING_SITE,
            address=Address(line1=s.street, city=s.city, state=s.state, zip=s.zip),
            lon=s.lon,
            lat=s.lat,
            county=s.county,
            source=source,
            when=s.schedule[-1].day if s.schedule else None,
        )
        for s in sites
    ]


def lists_one_stop_sites(path: Path) -> bool:
    """NCSBE's one-stop KML says so in each point's description ("One-Stop/Early Voting
    Site"); its polling-place KML says "Polling Place"."""
    check_file(path)  # a KMZ's size from its directory before any entry is inflated
    try:
        if path.suffix.lower() == ".kmz":
            with zipfile.ZipFile(path) as z:
                name = next((n for n in z.namelist() if n.lower().endswith(".kml")), "")
                data = z.read(name) if name else b""
        else:
            data = path.read_bytes()
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise DataError(f"{path.name}: cannot read as KML ({exc})") from exc
    head = data[:200_000].decode("utf-8", errors="replace").upper()
    return "ONE-STOP" in head or "EARLY VOTING" in head
