"""Precinct maps GDAL reads: NCSBE statewide shapefiles (2020+ and older layouts), the
county ``Voter_Precinct`` layer and GeoJSON, in any CRS declared by the file (NCSBE's
vtds KMZ is ``kml``'s)."""

from __future__ import annotations

from pathlib import Path

from lookup.errors import DataError
from lookup.ingest.formats.gdal_safety import PRECINCT_MAP, open_layer
from lookup.ingest.formats.precinct_layer import PrecinctLayer, precinct_layer


def read_precinct_map(path: Path, county: str | None = None) -> PrecinctLayer:
    """A precinct layer, filtered to ``county`` when it covers several, in EPSG:4326."""
    import geopandas as gpd

    with open_layer(path, PRECINCT_MAP) as src:
        try:
            frame = gpd.read_file(src, engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types for unreadable data
            raise DataError(f"{path.name}: cannot read as a precinct layer ({exc})") from exc
    return precinct_layer(frame, path.name, county)
