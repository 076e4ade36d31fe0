"""Street-centerline interpolation: reading range layers and placing an address on its side."""

from __future__ import annotations

import math
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString, Point, box

from lookup.errors import DataError
from lookup.geocode.base import INTERPOLATED, Candidate
from lookup.geocode.interpolate import (
    END_MARGIN_M,
    OFFSET_M,
    StreetRanges,
    in_range,
    interpolate_point,
    range_fraction,
    split_house_number,
)
from lookup.ingest.formats.centerlines import COLUMNS, read_centerlines

LON0, LAT0 = -80.85, 35.22  # uptown Charlotte
M_PER_DEG_LAT = 6_371_008.8 * math.pi / 180
M_PER_DEG_LON = M_PER_DEG_LAT * math.cos(math.radians(LAT0))
STEP = 0.01  # degrees of longitude: a segment about 909 m long


def east(start: float = LON0, stop: float = LON0 + STEP, lat: float = LAT0) -> LineString:
    """A straight segment along one latitude, digitised from ``start`` to ``stop``."""
    return LineString([(start, lat), (stop, lat)])


def segment(name: str = "Main Street", **fields: Any) -> dict[str, Any]:
    """A feature's attributes: the name, the ranges and ZIPs given, null ranges otherwise."""
    blank = dict.fromkeys(("LFROMADD", "LTOADD", "RFROMADD", "RTOADD"))
    return {"FULLNAME": name, **blank, **fields}


def write(
    folder: Path,
    rows: list[dict[str, Any]],
    geoms: list[Any],
    name: str = "centerlines.geojson",
    crs: int = 4326,
) -> Path:
    path = folder / name
    frame = gpd.GeoDataFrame(rows, geometry=geoms, crs=4326)
    frame.to_crs(crs).to_file(path)
    return path


def ranges(folder: Path, rows: list[dict[str, Any]], geoms: list[Any]) -> StreetRanges:
    return StreetRanges.build(read_centerlines(write(folder, rows, geoms)))


def north_m(c: Candidate, lat: float = LAT0) -> float:
    return (c.lat - lat) * M_PER_DEG_LAT


def east_m(c: Candidate, lon: float = LON0) -> float:
    return (c.lon - lon) * M_PER_DEG_LON


LENGTH_M = STEP * M_PER_DEG_LON
BOTH_SIDES = segment(LFROMADD=1, LTOADD=99, RFROMADD=2, RTOADD=98)


# ---- sides and positions -----------------------------------------------------------------
def test_odd_left_is_north_even_right_is_south_for_a_west_to_east_segment(tmp_path: Path) -> None:
    table = ranges(tmp_path, [BOTH_SIDES], [east()])
    [odd] = table.locate("MAIN ST", 51)
    [even] = table.locate("MAIN ST", 50)
    assert north_m(odd) == pytest.approx(OFFSET_M, abs=0.2)
    assert north_m(even) == pytest.approx(-OFFSET_M, abs=0.2)
    assert odd == Candidate("51 MAIN ST", odd.lon, odd.lat, 0.7, INTERPOLATED)


def test_offset_is_configurable(tmp_path: Path) -> None:
    table = ranges(tmp_path, [BOTH_SIDES], [east()])
    [odd] = table.locate("MAIN ST", 51, offset_m=25.0)
    assert north_m(odd) == pytest.approx(25.0, abs=0.2)


def test_a_segment_digitised_east_to_west_has_its_left_to_the_south(tmp_path: Path) -> None:
    line = east(start=LON0 + STEP, stop=LON0)
    table = ranges(tmp_path, [segment(LFROMADD=1, LTOADD=101, RFROMADD=2, RTOADD=102)], [line])
    [odd] = table.locate("MAIN ST", 11)
    [even] = table.locate("MAIN ST", 10)
    assert north_m(odd) == pytest.approx(-OFFSET_M, abs=0.2)
    assert north_m(even) == pytest.approx(OFFSET_M, abs=0.2)
    # The range starts at the first vertex, here the east end.
    assert east_m(odd) == pytest.approx(LENGTH_M * 0.9, abs=1.0)


def test_a_range_running_high_to_low_starts_at_the_first_vertex(tmp_path: Path) -> None:
    table = ranges(tmp_path, [segment(LFROMADD=101, LTOADD=1)], [east()])
    [low] = table.locate("MAIN ST", 11)
    [high] = table.locate("MAIN ST", 91)
    assert east_m(low) == pytest.approx(LENGTH_M * 0.9, abs=1.0)
    assert east_m(high) == pytest.approx(LENGTH_M * 0.1, abs=1.0)
    assert north_m(low) == pytest.approx(OFFSET_M, abs=0.2)


def test_the_middle_of_the_range_lands_near_the_middle_of_the_line(tmp_path: Path) -> None:
    # A bent line: the fraction is of its length in metres, not of its vertices.
    bent = LineString([(LON0, LAT0), (LON0 + STEP, LAT0), (LON0 + STEP, LAT0 + 0.001)])
    table = ranges(tmp_path, [segment(LFROMADD=1, LTOADD=101)], [bent])
    [mid] = table.locate("MAIN ST", 51)
    total = LENGTH_M + 0.001 * M_PER_DEG_LAT
    assert east_m(mid) == pytest.approx(total / 2, abs=1.0)
    assert north_m(mid) == pytest.approx(OFFSET_M, abs=0.2)


def test_the_ends_of_the_range_are_kept_off_the_intersections(tmp_path: Path) -> None:
    table = ranges(tmp_path, [BOTH_SIDES], [east()])
    [first] = table.locate("MAIN ST", 1)
    [last] = table.locate("MAIN ST", 99)
    assert east_m(first) == pytest.approx(END_MARGIN_M, abs=0.5)
    assert east_m(last) == pytest.approx(LENGTH_M - END_MARGIN_M, abs=0.5)


def test_a_segment_shorter_than_both_margins_places_everything_in_its_middle() -> None:
    short = np.array([[LON0, LAT0], [LON0 + 20 / M_PER_DEG_LON, LAT0]])
    for fraction in (0.0, 0.3, 1.0):
        point = interpolate_point(short, fraction, "L")
        assert point is not None
        assert (point[0] - LON0) * M_PER_DEG_LON == pytest.approx(10.0, abs=0.1)


def test_a_line_of_no_length_gives_no_point() -> None:
    assert interpolate_point(np.array([[LON0, LAT0], [LON0, LAT0]]), 0.5, "R") is None


def test_repeated_vertices_do_not_break_the_interpolation() -> None:
    coords = np.array([[LON0, LAT0], [LON0, LAT0], [LON0 + STEP, LAT0], [LON0 + STEP, LAT0]])
    point = interpolate_point(coords, 0.5, "R")
    assert point is not None
    assert (point[1] - LAT0) * M_PER_DEG_LAT == pytest.approx(-OFFSET_M, abs=0.2)


def test_the_point_falls_in_the_square_on_its_side_of_a_boundary_street(tmp_path: Path) -> None:
    # Two precincts meeting along the street's centerline, as they so often do.
    north_square = box(LON0, LAT0, LON0 + STEP, LAT0 + STEP)
    south_square = box(LON0, LAT0 - STEP, LON0 + STEP, LAT0)
    table = ranges(tmp_path, [BOTH_SIDES], [east()])
    for number in (1, 37, 99):
        [odd] = table.locate("MAIN ST", number)
        assert north_square.contains(Point(odd.lon, odd.lat))
        assert not south_square.contains(Point(odd.lon, odd.lat))
    for number in (2, 50, 98):
        [even] = table.locate("MAIN ST", number)
        assert south_square.contains(Point(even.lon, even.lat))
        assert not north_square.contains(Point(even.lon, even.lat))


# ---- which segments match ----------------------------------------------------------------
def test_parity_picks_the_side_when_each_range_has_one_parity(tmp_path: Path) -> None:
    table = ranges(tmp_path, [BOTH_SIDES], [east()])
    assert [north_m(c) > 0 for c in table.locate("MAIN ST", 51)] == [True]
    assert [north_m(c) > 0 for c in table.locate("MAIN ST", 50)] == [False]


def test_a_range_whose_ends_differ_in_parity_holds_both(tmp_path: Path) -> None:
    table = ranges(tmp_path, [segment(LFROMADD=1, LTOADD=100)], [east()])
    assert len(table.locate("MAIN ST", 50)) == 1
    assert len(table.locate("MAIN ST", 51)) == 1
    assert in_range(1, 100, 50) and in_range(100, 1, 51)
    assert not in_range(2, 100, 51) and not in_range(99, 1, 50)


def test_a_zip_on_file_that_differs_excludes_the_side(tmp_path: Path) -> None:
    rows = [segment(LFROMADD=1, LTOADD=99, RFROMADD=2, RTOADD=98, ZIPL="28202", ZIPR="")]
    table = ranges(tmp_path, rows, [east()])
    assert table.locate("MAIN ST", 51, "28203") == []
    assert [c.address for c in table.locate("MAIN ST", 51, "28202")] == ["51 MAIN ST, 28202"]
    assert [c.address for c in table.locate("MAIN ST", 51)] == ["51 MAIN ST, 28202"]
    # No ZIP on file for the right side: the caller's ZIP does not exclude it.
    assert [c.address for c in table.locate("MAIN ST", 50, "28203")] == ["50 MAIN ST, 28203"]
    assert [c.address for c in table.locate("MAIN ST", 50)] == ["50 MAIN ST"]


def test_one_street_name_in_two_zips_gives_two_candidates(tmp_path: Path) -> None:
    rows = [
        segment(LFROMADD=101, LTOADD=199, ZIPL="28202"),
        segment(LFROMADD=101, LTOADD=199, ZIPL="28210"),
    ]
    far = east(LON0 + 0.1, LON0 + 0.1 + STEP, LAT0 - 0.1)
    table = ranges(tmp_path, rows, [east(), far])
    both = table.locate("MAIN ST", 151)
    assert sorted(c.address for c in both) == ["151 MAIN ST, 28202", "151 MAIN ST, 28210"]
    [one] = table.locate("MAIN ST", 151, "28210")
    assert one.lat < LAT0 - 0.05


def test_a_street_of_several_segments_uses_the_one_holding_the_number(tmp_path: Path) -> None:
    rows = [segment(LFROMADD=n + 1, LTOADD=n + 99) for n in (100, 200, 300)]
    geoms = [east(LON0 + i * STEP, LON0 + (i + 1) * STEP) for i in range(3)]
    table = ranges(tmp_path, rows, geoms)
    [c] = table.locate("MAIN ST", 251)
    assert east_m(c) == pytest.approx((1 + 50 / 98) * LENGTH_M, abs=1.0)


def test_a_number_outside_every_range_or_an_unknown_street_gives_nothing(
    tmp_path: Path,
) -> None:
    table = ranges(tmp_path, [BOTH_SIDES], [east()])
    assert table.locate("MAIN ST", 101) == []
    assert table.locate("MAIN ST", 0) == []
    assert table.locate("ELM ST", 51) == []
    assert table.locate("", 51) == []
    assert StreetRanges.empty().locate("MAIN ST", 51) == []


# ---- reading layers ----------------------------------------------------------------------
def test_the_frame_has_one_row_per_usable_side(tmp_path: Path) -> None:
    frame = read_centerlines(write(tmp_path, [BOTH_SIDES], [east()]))
    assert tuple(frame.columns) == COLUMNS
    assert frame[["street", "side", "from_num", "to_num", "zip"]].values.tolist() == [
        ["MAIN ST", "L", 1, 99, ""],
        ["MAIN ST", "R", 2, 98, ""],
    ]
    np.testing.assert_allclose(frame["coords"][0], [[LON0, LAT0], [LON0 + STEP, LAT0]])


def test_fullname_and_name_parts_meet_on_one_key(tmp_path: Path) -> None:
    parts = {"PREDIR": "N", "NAME": "TRYON", "SUFTYPE": "ST", "SUFDIR": ""}
    rows = [
        segment("North Tryon Street", LFROMADD=1, LTOADD=99),
        segment("", **parts, LFROMADD=101, LTOADD=199),
    ]
    by_full = read_centerlines(write(tmp_path, rows[:1], [east()], "full.geojson"))
    by_parts = read_centerlines(write(tmp_path, [rows[1]], [east()], "parts.geojson"))
    mixed = read_centerlines(write(tmp_path, rows, [east(), east()], "mixed.geojson"))
    assert set(by_full["street"]) == set(by_parts["street"]) == set(mixed["street"])
    assert set(mixed["street"]) == {"N TRYON ST"}


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ({"FULLNAME": "Matthews-Mint Hill Rd"}, "MATTHEWS MINT HILL RD"),
        ({"STDIR": "E", "STREETNAME": "Boulevard", "STREETTYPE": ""}, "E BLVD"),
        ({"PREFIXDIR": "", "STREETNAME": "Tryon", "TYPE": "Street", "SUFDIR": "N"}, "TRYON ST N"),
    ],
)
def test_street_names_are_canonical(tmp_path: Path, name: dict[str, str], key: str) -> None:
    rows = [{**name, "LFROMADD": 1, "LTOADD": 99, "RFROMADD": 2, "RTOADD": 98}]
    assert read_centerlines(write(tmp_path, rows, [east()]))["street"].unique().tolist() == [key]


def test_tiger_addrfeat_fields_in_a_zipped_shapefile_any_case(tmp_path: Path) -> None:
    rows = [{"fullname": "Main St", "lfromhn": "1", "ltohn": "99", "rfromhn": "2", "rtohn": "98",
             "zipl": "28202", "zipr": "28203"}]  # fmt: skip
    write(tmp_path, rows, [east()], "edges.shp")
    archive = tmp_path / "edges.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("edges.*"):
            if part != archive:
                z.write(part, part.name)
    frame = read_centerlines(archive)
    assert frame[["side", "from_num", "to_num", "zip"]].values.tolist() == [
        ["L", 1, 99, "28202"],
        ["R", 2, 98, "28203"],
    ]


def test_numeric_zips_and_float_ranges_are_read(tmp_path: Path) -> None:
    rows = [
        {"FULLNAME": "Main St", "LFROMADD": 1.0, "LTOADD": 99.0, "RFROMADD": None,
         "RTOADD": None, "ZIPL": 28202.0, "ZIPR": None},
        {"FULLNAME": "Main St", "LFROMADD": 101.0, "LTOADD": 199.0, "RFROMADD": 100.0,
         "RTOADD": 198.0, "ZIPL": None, "ZIPR": None},
    ]  # fmt: skip
    frame = read_centerlines(write(tmp_path, rows, [east(), east()]))
    assert frame[["side", "from_num", "to_num", "zip"]].values.tolist() == [
        ["L", 1, 99, "28202"],
        ["L", 101, 199, ""],
        ["R", 100, 198, ""],
    ]


def test_a_non_numeric_or_blank_range_skips_that_side_only(tmp_path: Path) -> None:
    rows = [
        segment(LFROMADD="12A", LTOADD="98", RFROMADD="1", RTOADD="99"),
        segment(LFROMADD="", LTOADD="98", RFROMADD=" 101 ", RTOADD="199"),
        segment(LFROMADD="0", LTOADD="0", RFROMADD="201", RTOADD="299"),
    ]
    frame = read_centerlines(write(tmp_path, rows, [east(), east(), east()]))
    assert frame[["side", "from_num", "to_num"]].values.tolist() == [
        ["R", 1, 99],
        ["R", 101, 199],
        ["R", 201, 299],
    ]


def test_multilines_are_merged_in_their_direction_or_skipped(tmp_path: Path) -> None:
    mid = LON0 + STEP / 2
    joined = MultiLineString([[(LON0, LAT0), (mid, LAT0)], [(mid, LAT0), (LON0 + STEP, LAT0)]])
    apart = MultiLineString(
        [[(LON0, LAT0), (mid, LAT0)], [(mid, LAT0 + 0.01), (LON0, LAT0 + 0.01)]]
    )
    # Joined head to head: merging would have to reverse a part, and the sides with it.
    opposed = MultiLineString([[(LON0, LAT0), (mid, LAT0)], [(LON0 + STEP, LAT0), (mid, LAT0)]])
    rows = [segment(name, LFROMADD=1, LTOADD=99) for name in ("Main St", "Elm St", "Oak St")]
    frame = read_centerlines(write(tmp_path, rows, [joined, apart, opposed]))
    assert frame["street"].tolist() == ["MAIN ST"]
    np.testing.assert_allclose(frame["coords"][0], [[LON0, LAT0], [mid, LAT0], [LON0 + STEP, LAT0]])


def test_a_projected_layer_is_reprojected_to_lon_lat(tmp_path: Path) -> None:
    path = write(tmp_path, [BOTH_SIDES], [east()], "state_plane.gpkg", crs=2264)
    frame = read_centerlines(path)
    np.testing.assert_allclose(frame["coords"][0], [[LON0, LAT0], [LON0 + STEP, LAT0]], atol=1e-7)


def test_coordinates_outside_lon_lat_are_refused(tmp_path: Path) -> None:
    # State-plane feet in a file that claims to be lon/lat.
    feet = LineString([(1_440_000, 540_000), (1_443_000, 540_000)])
    path = write(tmp_path, [BOTH_SIDES], [feet], "wrong_crs.gpkg")
    with pytest.raises(DataError, match=r"wrong_crs\.gpkg: coordinates outside"):
        read_centerlines(path)


def test_a_layer_without_range_fields_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [{"FULLNAME": "Main St", "FROM": 1, "TO": 99}], [east()], "x.geojson")
    with pytest.raises(DataError, match=r"x\.geojson: no address range fields"):
        read_centerlines(path)


def test_a_layer_without_street_names_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [{"LFROMADD": 1, "LTOADD": 9, "RFROMADD": 2, "RTOADD": 8}], [east()])
    with pytest.raises(DataError, match="no street name field"):
        read_centerlines(path)


def test_a_layer_without_any_usable_range_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, [segment(LFROMADD="", LTOADD="", RFROMADD="", RTOADD="")], [east()])
    with pytest.raises(DataError, match=r"centerlines\.geojson: no street segment"):
        read_centerlines(path)


def test_an_empty_layer_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(DataError, match=r"empty\.geojson"):
        read_centerlines(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("zero.geojson", b""),
        ("garbage.geojson", bytes(range(256)) * 8),
        ("garbage.shp", b"\x00" * 300),
    ],
)
def test_unreadable_files_are_refused(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=name.replace(".", r"\.")):
        read_centerlines(path)


# ---- storage and helpers -----------------------------------------------------------------
def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rows = [
        BOTH_SIDES,
        segment(LFROMADD=101, LTOADD=199, RFROMADD=100, RTOADD=198, ZIPL="28202", ZIPR="28202"),
        segment("Elm St", LFROMADD=1, LTOADD=99, ZIPL="28210"),
    ]
    bent = LineString(
        [(LON0 + STEP, LAT0), (LON0 + 2 * STEP, LAT0), (LON0 + 2 * STEP, LAT0 + 0.01)]
    )
    built = ranges(tmp_path, rows, [east(), bent, east(lat=LAT0 + 0.05)])
    built.save(tmp_path / "a")
    loaded = StreetRanges.load(tmp_path / "a")
    assert loaded.size == built.size == 5
    for street, number in [("MAIN ST", 51), ("MAIN ST", 150), ("ELM ST", 7), ("ELM ST", 8)]:
        assert loaded.locate(street, number) == built.locate(street, number)
    loaded.save(tmp_path / "b")
    for file in sorted((tmp_path / "a").glob("*.npy")):
        a = np.load(file, allow_pickle=False)
        b = np.load(tmp_path / "b" / file.name, allow_pickle=False)
        assert a.dtype == b.dtype and np.array_equal(a, b), file.name
    assert isinstance(np.load(tmp_path / "a" / "coords.npy", mmap_mode="r"), np.memmap)


def test_the_two_sides_of_a_segment_share_one_stored_line(tmp_path: Path) -> None:
    ranges(tmp_path, [BOTH_SIDES], [east()]).save(tmp_path / "idx")
    assert np.load(tmp_path / "idx" / "coords.npy").shape == (2, 2)
    assert np.load(tmp_path / "idx" / "seg.npy").tolist() == [0, 0]


def test_an_empty_table_round_trips(tmp_path: Path) -> None:
    StreetRanges.empty().save(tmp_path / "e")
    loaded = StreetRanges.load(tmp_path / "e")
    assert loaded.size == 0
    assert loaded.locate("MAIN ST", 1) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("600 E BLVD", (600, "E BLVD")),
        ("123A MAIN ST", (123, "MAIN ST")),
        ("12 1/2 MAIN ST", (12, "MAIN ST")),
        ("MAIN ST", None),
        ("600", None),
        ("", None),
    ],
)
def test_split_house_number(key: str, expected: tuple[int, str] | None) -> None:
    assert split_house_number(key) == expected


def test_range_fraction() -> None:
    assert range_fraction(1, 101, 51) == 0.5
    assert range_fraction(101, 1, 26) == 0.75
    assert range_fraction(7, 7, 7) == 0.5


def test_the_interpolator_imports_neither_flask_nor_requests() -> None:
    code = (
        "import sys, lookup.geocode.interpolate\n"
        "print(','.join(m for m in ('flask', 'requests', 'werkzeug') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
