"""The refresh report names a CRS by its EPSG code, or by its name when no code fits."""

from __future__ import annotations

from pyproj import CRS

from lookup.ingest.crs_names import crs_label

NC_FTUS = "EPSG:2264 (NAD83 / North Carolina (ftUS))"


def _esri_state_plane(false_easting_ft: str) -> str:
    """NC's State Plane in ESRI WKT, its false easting written as given."""
    wkt = CRS.from_epsg(2264).to_wkt(version="WKT1_ESRI")
    assert '"False_Easting",2000000.0]' in wkt
    return wkt.replace('"False_Easting",2000000.0]', f'"False_Easting",{false_easting_ft}]')


def test_epsg_codes_are_named() -> None:
    assert crs_label("EPSG:4326") == "EPSG:4326 (WGS 84)"
    assert crs_label(CRS.from_epsg(2264)) == NC_FTUS
    assert crs_label(CRS.from_epsg(2264).to_wkt(version="WKT1_ESRI")) == NC_FTUS


def test_a_low_confidence_match_is_accepted_when_it_puts_points_in_the_same_place() -> None:
    """County .prj files write EPSG's 609601.22 m false easting in feet, 2000000.002616666:
    PROJ then says 2264 only at confidence 25 ("similar names, not equivalent")."""
    feet = _esri_state_plane("2000000.002616666")
    assert CRS.from_wkt(feet).to_epsg() is None  # at PROJ's default confidence
    assert crs_label(feet) == NC_FTUS


def test_a_crs_without_a_code_is_named_never_given_a_near_code() -> None:
    # The same name with the false easting moved 1 km: PROJ still offers 2264 at 25.
    moved = _esri_state_plane("2003280.8333")
    assert crs_label(moved) == "NAD83 / North Carolina (ftUS)"
    custom = "+proj=lcc +lat_1=34 +lat_2=36 +lat_0=33 +lon_0=-79 +datum=NAD83 +units=m +type=crs"
    assert crs_label(custom) == "unnamed CRS"
