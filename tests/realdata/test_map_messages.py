"""Issue 21, item 6: what a refresh says about the precinct map and the places on it, on
the real files (read in place; what a test cuts or rewrites goes to tmp_path): the wrong
county's or year's map named as such, the counties a statewide part holds, repaired
polygons named once, places without coordinates named by precinct, once."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lookup.dataset.publish import current_target
from lookup.errors import DataError
from lookup.ingest.formats.registry import read_precinct_files, read_precincts
from lookup.ingest.refresh import RefreshRequest, refresh

pytestmark = pytest.mark.realdata
NOW = datetime(2020, 9, 1, tzinfo=UTC)
VTDS = "statewide/precincts/vtds{}.kmz"
PP_2018 = "statewide/polling_places/polling_place_20181106.csv"
PP_2020 = "statewide/polling_places/polling_place_20201103.csv"
ONE_STOP_2020 = "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt"


def _mecklenburg_2020(real: Path, data: Path, precincts: Path) -> RefreshRequest:
    return RefreshRequest(
        precincts=precincts,
        polling_places=(real / PP_2020,),
        early_voting=(real / ONE_STOP_2020,),
        county="MECKLENBURG",
        election_day=date(2020, 11, 3),
        data_dir=data,
    )


def _county_only_map(real: Path, county: str, out: Path) -> Path:
    """One county's precincts from the 2018 statewide KMZ, written as a county would
    publish its own map: a zipped shapefile with a ``precinct`` field and no county."""
    layer = read_precincts(real / VTDS.format(0), county)
    shp = out.with_suffix(".shp")
    layer.frame.rename(columns={"prec_id": "precinct"})[["precinct", "geometry"]].to_file(shp)
    with zipfile.ZipFile(out, "w") as z:
        for part in shp.parent.glob(f"{shp.stem}.*"):
            if part != out:
                z.write(part, part.name)
    return out


def test_another_countys_map_is_named_as_such_once(real: Path, tmp_path: Path) -> None:
    gaston = _county_only_map(real, "GASTON", tmp_path / "Voter_Precinct.zip")
    data = tmp_path / "data"
    report = refresh(_mecklenburg_2020(real, data, gaston), NOW)
    assert not report.published and current_target(data) is None
    # One line: what does not match, what each side holds, and what to do.
    assert len(report.problems.errors) == 1, report.problems.errors
    (error,) = report.problems.errors
    assert error.startswith(
        "MECKLENBURG: none of the 195 precincts of the polling-place list for 2020-11-03 is "
        "in the precinct map (the list names PCT 001, PCT 002, PCT 003, PCT 004, PCT 005 "
        "(+190 more); the map's MECKLENBURG precincts are "
    )
    assert "CHERRYVILLE #1" in error
    assert error.endswith(
        "is the map another county's or another year's? give MECKLENBURG's precinct map "
        "for this election, or check --county"
    )


def test_a_statewide_part_without_the_county_names_the_counties_it_holds(real: Path) -> None:
    with pytest.raises(DataError) as caught:
        read_precinct_files((real / VTDS.format(0),), "MECKLENBURG")
    message = str(caught.value)
    assert message.startswith(
        "vtds0.kmz: no precincts for county 'MECKLENBURG'; the files hold 28 other counties "
        "(ALEXANDER, ALLEGHANY, ASHE, AVERY, BUNCOMBE, BURKE, CALDWELL, CATAWBA (+20 more))"
    )
    assert message.endswith("every part of a statewide map, or check --county")


def test_renamed_precincts_are_listed_with_what_to_do(real: Path, tmp_path: Path) -> None:
    """The 2018 statewide list against the first part of the 2018 map (28 counties, the
    list's rows of other counties left out): a few names differ, listed, not the map."""
    req = RefreshRequest(
        precincts=real / VTDS.format(0),
        polling_places=(real / PP_2018,),
        early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
        election_day=date(2018, 11, 6),
        data_dir=tmp_path / "data",
    )
    report = refresh(req, NOW)
    assert not report.published
    (unknown,) = [e for e in report.problems.errors if "not in the precinct map" in e]
    assert unknown.startswith("53 polling-place rows name a precinct not in the precinct map: ")
    assert "ALEXANDER 'GWALTNEY #1 #2' (2018-11-06)" in unknown
    assert unknown.endswith(
        "(added or renamed since the map was drawn? give the map published with this list)"
    )
    assert not any("none of the" in e for e in report.problems.errors)


def test_repaired_polygons_are_named_once_for_the_whole_map(real: Path) -> None:
    parts = tuple(real / VTDS.format(k) for k in range(3))
    layer = read_precinct_files(parts)
    repaired = [w for w in layer.warnings if "repaired with make_valid" in w]
    assert len(repaired) == 1, layer.warnings
    assert repaired[0].startswith(
        f"{len(layer.repaired)} precinct polygons were invalid (a ring crossing itself, a "
        "spike) and repaired with make_valid"
    )
    assert len(layer.repaired) >= 2 and "BUNCOMBE 44.1" in layer.repaired
    assert all(name in repaired[0] for name in layer.repaired[:8])
    # Every repaired precinct is valid now, and still a polygon.
    assert layer.frame.geometry.is_valid.all()
    assert set(layer.frame.geometry.geom_type) <= {"Polygon", "MultiPolygon"}


def test_places_without_coordinates_are_named_by_precinct_once(real: Path, tmp_path: Path) -> None:
    report = refresh(
        _mecklenburg_2020(
            real, tmp_path / "data", real / "mecklenburg/precincts/Voter_Precinct_20241003.zip"
        ),
        NOW,
    )
    assert report.published, report.lines()
    about = [w for w in report.problems.warnings if "without coordinates" in w]
    assert len(about) == 1, about
    assert about[0].startswith(
        "228 polling places or early-voting sites still without coordinates (no source and "
        "no address point at their address; answers give the address without distance or "
        "map: add an address table or a place source): MECKLENBURG 010 "
    )


def test_a_map_of_unknown_layout_names_the_layouts_known(tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "districts.geojson"
    gpd.GeoDataFrame({"DISTRICT": ["1"]}, geometry=[box(-81, 35, -80.9, 35.1)], crs=4326).to_file(
        path
    )
    with pytest.raises(DataError) as caught:
        read_precincts(path, "MECKLENBURG")
    assert str(caught.value) == (
        "districts.geojson: no precinct id field; the precinct maps known are NCSBE statewide "
        "shapefile, 2020 on (prec_id, enr_desc, county_nam); NCSBE statewide shapefile, up to "
        "2016 (PREC_ID, ENR_DESC, COUNTY_NAM); the county's Voter_Precinct layer or GeoJSON "
        "(precinct or PRECINCT); NCSBE vtds*.kmz, county and precinct in each placemark's "
        "description; this file has DISTRICT, geometry: give the State Board's or the "
        "county's precinct map"
    )
