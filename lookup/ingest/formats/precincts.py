"""Precinct boundary readers: NCSBE statewide shapefiles (2020+ and older layouts),
the county ``Voter_Precinct`` layer and GeoJSON, in any CRS declared by the file."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lookup.domain.crosswalk import precinct_key
from lookup.errors import DataError
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.gdal_safety import PRECINCT_MAP, open_layer

if TYPE_CHECKING:
    import geopandas as gpd

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
KML_SUFFIXES = (".kml", ".kmz")


@dataclass(frozen=True, slots=True)
class PrecinctLayer:
    """Precinct polygons in WGS84 with canonical ids, plus what the reader noticed."""

    frame: gpd.GeoDataFrame  # columns: prec_id, name, county, geometry (EPSG:4326)
    source_crs: str
    warnings: tuple[str, ...]
    repaired: tuple[str, ...] = ()  # "COUNTY ID" of polygons make_valid had to repair
    counties_seen: tuple[str, ...] = ()  # every county the file holds, before --county


def read_precinct_files(paths: tuple[Path, ...], county: str | None = None) -> PrecinctLayer:
    """Several files of one map (the statewide KMZ comes in four parts), as one layer."""
    import geopandas as gpd
    import pandas as pd

    layers = [read_precincts(p, county) for p in paths]
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


def read_precincts(path: Path, county: str | None = None) -> PrecinctLayer:
    """Read a precinct layer, filter it to ``county`` when it covers several, to EPSG:4326."""
    import geopandas as gpd
    import shapely

    if path.suffix.lower() in KML_SUFFIXES:
        from lookup.ingest.formats.kml import precinct_attributes, read_layer

        frame = read_layer(path)
        attrs = [precinct_attributes(html) for html in frame["description"]]
        frame["kml_county"] = [c for c, _ in attrs]
        frame["kml_precinct"] = [p for _, p in attrs]
        if wanted(county):
            seen = tuple(sorted(set(frame["kml_county"].dropna())))
            # Counties in other parts of a split statewide map are simply absent here.
            frame = frame[frame["kml_county"].isin(wanted(county))]
            if frame.empty:
                return PrecinctLayer(
                    frame=_empty_layer(), source_crs="EPSG:4326", warnings=(), counties_seen=seen
                )
    else:
        with open_layer(path, PRECINCT_MAP) as src:
            try:
                frame = gpd.read_file(src, engine="pyogrio")
            except Exception as exc:  # pyogrio raises several types for unreadable data
                raise DataError(f"{path.name}: cannot read as a precinct layer ({exc})") from exc
    if frame.empty:
        raise DataError(f"{path.name}: no features")
    if frame.crs is None:
        raise DataError(f"{path.name}: no coordinate reference system (missing .prj?)")
    id_field, name_field, county_field = _layout(frame.columns, path.name)
    warnings: list[str] = []
    want = wanted(county)
    if county_field is not None:
        counties = frame[county_field].astype(str).str.strip().str.upper()
        if want:
            keep = counties.isin(want)
            if not keep.any():
                held = sorted(set(counties))
                raise DataError(f"{path.name}: no precincts" + _not_here(str(county), held))
            frame, counties = frame[keep], counties[keep]
        county_names = counties.tolist()
    elif want and len(want) == 1:
        county_names = [next(iter(want))] * len(frame)
    else:
        raise DataError(
            f"{path.name}: the layer has no county field; pass --county with its one county"
        )
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


def _empty_layer() -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.GeoDataFrame({"prec_id": [], "name": [], "county": []}, geometry=[], crs=4326)


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
