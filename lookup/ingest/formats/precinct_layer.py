"""Precinct polygons as the refresh keeps them, whatever map they come from: canonical ids,
a county each, WGS84, repaired where invalid; a map in several files as one layer. The
readers (``precincts`` for what GDAL reads, ``kml`` for NCSBE's vtds KMZ) hand their
frames here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lookup.domain.crosswalk import precinct_key
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted

if TYPE_CHECKING:
    import geopandas as gpd

# (id field, name field, county field): the layouts seen in published files, newest first.
# (id field, name field, county field): the layouts seen in published files, newest first.
_LAYOUTS: tuple[tuple[str, str | None, str | None], ...] = (
    ("prec_id", "enr_desc", "county_nam"),  # NCSBE statewide, 2020 on
    ("PREC_ID", "ENR_DESC", "COUNTY_NAM"),  # NCSBE statewide, up to 2016
    ("precinct", None, None),  # Mecklenburg GIS Voter_Precinct and its open-data GeoJSON
    ("PRECINCT", None, None),
    ("kml_precinct", "kml_precinct", "kml_county"),  # 2018 vtds KMZ, from its descriptions
)
_LAYOUT_NAMES = (
    "NCSBE statewide shapefile, 2020 on",
    "NCSBE statewide shapefile, up to 2016",
    "the county's Voter_Precinct layer or GeoJSON",
    "the county's Voter_Precinct layer or GeoJSON",
    "NCSBE vtds*.kmz, county and precinct in each placemark's description",
)


@dataclass(frozen=True, slots=True)
class PrecinctLayer:
    """Precinct polygons in WGS84 with canonical ids, plus what the reader noticed."""

    frame: gpd.GeoDataFrame  # columns: prec_id, name, county, geometry (EPSG:4326)
    source_crs: str
    warnings: tuple[str, ...]
    repaired: tuple[str, ...] = ()  # "COUNTY ID" of polygons make_valid had to repair
    counties_seen: tuple[str, ...] = ()  # every county the file holds, before --county


def one_map(
    layers: list[PrecinctLayer], paths: tuple[Path, ...], county: str | None
) -> PrecinctLayer:
    """The layers of several files of one map (the statewide KMZ comes in four parts), as
    one layer."""
    import geopandas as gpd
    import pandas as pd

    frame = gpd.GeoDataFrame(pd.concat([la.frame for la in layers], ignore_index=True), crs=4326)
    if frame.empty:
        names = ", ".join(p.name for p in paths)
        seen = sorted({c for la in layers for c in la.counties_seen})
        raise DataError(f"{names}: no precincts" + (_not_here(county, seen) if county else ""))
    repaired = tuple(r for la in layers for r in la.repaired)
    warnings = [w for la in layers for w in la.warnings]
    if repaired:
        # One line for the whole map, however many files it comes in.
        warnings.append(
            f"{len(repaired)} precinct polygons were invalid (a ring crossing itself, a "
            "spike) and repaired with make_valid; look at them on the change map if a "
            f"boundary seems wrong: {_sample(list(repaired))}"
        )
    return PrecinctLayer(
        frame=frame,
        source_crs=layers[0].source_crs,
        warnings=tuple(warnings),
        repaired=repaired,
        counties_seen=tuple(sorted({c for la in layers for c in la.counties_seen})),
    )


def _not_here(county: str, seen: list[str]) -> str:
    """Which counties the files do hold, so staff can pick the right part or county."""
    if not seen:
        return f" for county {county!r}"
    return (
        f" for county {county!r}; the files hold {len(seen)} other counties "
        f"({_sample(seen)}): give the map that holds {county}, e.g. every part of a "
        "statewide map, or check --county"
    )


def _sample(items: list[str], n: int = 8) -> str:
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more


def precinct_layer(frame: gpd.GeoDataFrame, name: str, county: str | None) -> PrecinctLayer:
    """A map's polygons as read (any CRS the file declares, a layout of ``_LAYOUTS``),
    filtered to ``county`` when it covers several, with canonical ids, in EPSG:4326."""
    import geopandas as gpd
    import shapely

    if frame.empty:
        raise DataError(f"{name}: no features")
    if frame.crs is None:
        raise DataError(f"{name}: no coordinate reference system (missing .prj?)")
    id_field, name_field, county_field = _layout(frame.columns, name)
    warnings: list[str] = []
    want = wanted(county)
    if county_field is not None:
        counties = frame[county_field].astype(str).str.strip().str.upper()
        if want:
            keep = counties.isin(want)
            if not keep.any():
                held = sorted(set(counties))
                raise DataError(f"{name}: no precincts" + _not_here(str(county), held))
            frame, counties = frame[keep], counties[keep]
        county_names = counties.tolist()
    elif want and len(want) == 1:
        county_names = [next(iter(want))] * len(frame)
    else:
        raise DataError(f"{name}: the layer has no county field; pass --county with its one county")
    ids = [precinct_key(v) for v in frame[id_field]]
    names = [str(v).strip() for v in frame[name_field]] if name_field else [""] * len(frame)
    source_crs = frame.crs.to_string()
    geoms = frame.geometry.to_crs(4326).values
    invalid = ~shapely.is_valid(geoms)
    repaired = tuple(
        f"{c} {i}" for c, i, bad in zip(county_names, ids, invalid, strict=True) if bad
    )
    if repaired:
        geoms = shapely.make_valid(geoms)
    geoms = [_polygonal(g) for g in geoms]
    out = gpd.GeoDataFrame(
        {"prec_id": ids, "name": names, "county": county_names},
        geometry=geoms,
        crs=4326,
    )
    return PrecinctLayer(
        frame=out,
        source_crs=source_crs,
        warnings=tuple(warnings),
        repaired=repaired,
        counties_seen=tuple(sorted(set(county_names))),
    )


def no_precincts_here(seen: tuple[str, ...]) -> PrecinctLayer:
    """A part of a split map without the counties asked for: ``seen`` are the ones it holds."""
    import geopandas as gpd

    frame = gpd.GeoDataFrame({"prec_id": [], "name": [], "county": []}, geometry=[], crs=4326)
    return PrecinctLayer(frame=frame, source_crs="EPSG:4326", warnings=(), counties_seen=seen)


def _layout(columns: Iterable[str], name: str) -> tuple[str, str | None, str | None]:
    cols = set(columns)
    for id_field, name_field, county_field in _LAYOUTS:
        if id_field in cols:
            return (
                id_field,
                name_field if name_field in cols else None,
                county_field if county_field in cols else None,
            )
    found = ", ".join(sorted(cols)[:12]) + (" …" if len(cols) > 12 else "")
    raise DataError(
        f"{name}: no precinct id field; the precinct maps known are {known_layouts()}; "
        f"this file has {found}: give the State Board's or the county's precinct map"
    )


def known_layouts() -> str:
    """The precinct-map layouts the reader knows, from ``_LAYOUTS`` itself."""
    fields_of: dict[str, list[str]] = {}
    for fields, what in zip(_LAYOUTS, _LAYOUT_NAMES, strict=True):
        shown = fields_of.setdefault(what, [])
        if not fields[0].startswith("kml_"):  # the KMZ's are read from its descriptions
            shown.append(", ".join(f for f in fields if f))
    return "; ".join(f"{w} ({' or '.join(f)})" if f else w for w, f in fields_of.items())


def _polygonal(geom: object) -> object:
    """Keep only the polygonal part (make_valid can return collections with stray lines)."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    if geom is None or shapely.is_empty(geom):
        return None
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else None
