"""Any address table a county hands over (issue 19, item 2): the Master Address Table,
NENA NG9-1-1 address points, OpenAddresses, a one-line address column; numbers as
numbers, Excel's encodings and quirks, column-name variants. A table that cannot be used
is refused in one line naming the file, the row and the column, never a traceback."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from support.paths import ROOT

from lookup.config import DEMO_SOURCES
from lookup.errors import DataError
from lookup.geocode.normalize import canonical_street, normalize_unit
from lookup.ingest.formats.addresses import COLUMNS, read_addresses
from lookup.ingest.refresh import RefreshRequest, refresh

DEMO_MAT = DEMO_SOURCES / "Master_Address_Table_demo.csv"
NOW = datetime(2028, 9, 1, 12, 0, tzinfo=UTC)
TO_FEET = Transformer.from_crs("EPSG:4326", "EPSG:2264", always_xy=True)
TO_DEGREES = Transformer.from_crs("EPSG:2264", "EPSG:4326", always_xy=True)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def padding(n: int, start: int = 100) -> str:
    """``n`` good one-line rows (address,lat,lon), so a few bad ones stay under 5 %."""
    return "".join(f"{start + 2 * i} Oak St,35.{2000 + i},-80.8{i:03d}\n" for i in range(n))


def read(path: Path) -> tuple[pd.DataFrame, list[str]]:
    notes: list[str] = []
    return read_addresses(path, notes), notes


def assert_well_formed(frame: pd.DataFrame) -> None:
    """What the refresh needs of any frame the reader returns."""
    assert tuple(frame.columns) == COLUMNS
    for key in frame["key"].astype(str):
        assert key[:1].isdigit() and " " in key, key
        assert key == canonical_street(key), key
    for z in frame["zip"].astype(str):
        assert z == "" or (len(z) == 5 and z.isascii() and z.isdigit()), z
    lon, lat = frame["lon"].to_numpy(float), frame["lat"].to_numpy(float)
    assert (np.isnan(lon) == np.isnan(lat)).all()
    good = ~np.isnan(lon)
    assert (np.abs(lon[good]) <= 180).all() and (np.abs(lat[good]) <= 90).all()
    for col in ("unit", "city", "municipality", "line"):
        assert all(isinstance(v, str) for v in frame[col]), col


def assert_one_line(message: str, name: str) -> None:
    assert "\n" not in message and "\r" not in message and name in message, message


# ---- numbers where text was expected -------------------------------------------------


def test_digits_only_zip_column_is_no_traceback(tmp_path: Path) -> None:
    """The reported bug: a county CSV whose zip column holds only digits."""
    path = write(
        tmp_path / "addresses.csv",
        "address,city,state,zip,lat,lon\n"
        "600 East Blvd,Charlotte,NC,28203,35.21,-80.84\n"
        "310 N. Tryon St,Charlotte,NC,28202,35.23,-80.84\n",
    )
    frame, notes = read(path)
    assert frame["zip"].tolist() == ["28203", "28202"] and notes == []
    assert_well_formed(frame)


def test_point_layer_with_numeric_fields(tmp_path: Path) -> None:
    """GDAL gives ints and floats (NaN for an empty one): ZIPs and house numbers as numbers."""
    layer = gpd.GeoDataFrame(
        {
            "number": [600, 310, 12],
            "street": ["East Blvd", "N Tryon St", "Oak St"],
            "zip": [28203.0, np.nan, 28202.0],
            "unit": [3, None, None],
        },
        geometry=[Point(-80.84, 35.21), Point(-80.84, 35.23), Point(-80.80, 35.22)],
        crs=4326,
    )
    layer.to_file(tmp_path / "points.geojson")
    frame, _ = read(tmp_path / "points.geojson")
    assert frame["key"].tolist() == ["600 E BLVD", "310 N TRYON ST", "12 OAK ST"]
    assert frame["zip"].tolist() == ["28203", "", "28202"]
    assert frame["unit"].tolist() == ["3", "", ""]
    assert_well_formed(frame)


@pytest.mark.parametrize(
    ("number", "zip_code", "key", "zip5"),
    [
        ("1234", "28202", "1234 OAK ST", "28202"),
        ("1234.0", "28202.0", "1234 OAK ST", "28202"),
        ("01234", "28202-1234", "1234 OAK ST", "28202"),
        ("1,234", "282021234", "1234 OAK ST", "28202"),
        (" 1234 ", " 28202 ", "1234 OAK ST", "28202"),
        ("12A", "NULL", "12A OAK ST", ""),
        ("12 1/2", "N/A", "12 1/2 OAK ST", ""),
        ("12½", "2820", "12 1/2 OAK ST", "02820"),
        ("12", "", "12 OAK ST", ""),
        ("12", "282", "12 OAK ST", "00282"),
        ("12", "28202-", "12 OAK ST", ""),
        ("12", "ABCDE", "12 OAK ST", ""),
    ],
)
def test_number_and_zip_spellings(
    tmp_path: Path, number: str, zip_code: str, key: str, zip5: str
) -> None:
    path = write(
        tmp_path / "t.csv",
        f'number,street,zip,lat,lon\n"{number}",Oak St,"{zip_code}",35.2,-80.8\n',
    )
    frame, _ = read(path)
    assert frame["key"].tolist() == [key] and frame["zip"].tolist() == [zip5]


# ---- Excel exports -----------------------------------------------------------------

CLEAN = (
    "address,city,zip,lat,lon\n"
    '"600 East Blvd, Apt 3",Charlotte,28203,35.21,-80.84\n'
    "12 Peña Ct,Matthews,28105,35.11,-80.71\n"
)


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (CLEAN, "cp1252"),
        ("\ufeff" + CLEAN, "utf-8"),
        (CLEAN.replace("\n", "\r\n"), "cp1252"),
        (CLEAN, "utf-16"),
        (
            'Address ,"City" , ZIP ,Lat,Lon \r\n'
            '"600 East Blvd, Apt 3" , Charlotte ,"28203 ", 35.21 ,-80.84\r\n'
            '"12 Peña Ct","Matthews",28105,"35.11","-80.71"\r\n',
            "cp1252",
        ),
        (
            CLEAN.replace(",", ";").replace('"600 East Blvd; Apt 3"', '"600 East Blvd, Apt 3"'),
            "utf-8",
        ),
        (
            CLEAN.replace(",", "\t").replace('"600 East Blvd\t Apt 3"', "600 East Blvd Apt 3"),
            "utf-8",
        ),
        ("".join(line.rstrip("\n") + ",\n" for line in CLEAN.splitlines(True)), "utf-8"),
    ],
    ids=[
        "cp1252",
        "utf8-bom",
        "crlf",
        "utf16",
        "spaces-and-quotes",
        "semicolon",
        "tab",
        "trailing-delimiter",
    ],
)
def test_excel_exports_read_like_the_clean_file(tmp_path: Path, text: str, encoding: str) -> None:
    expected, _ = read(write(tmp_path / "clean.csv", CLEAN))
    frame, notes = read(write(tmp_path / "excel.csv", text, encoding))
    pd.testing.assert_frame_equal(frame.astype(object), expected.astype(object), check_dtype=False)
    assert frame["key"].tolist() == ["600 E BLVD", "12 PEÑA CT"]
    assert frame["unit"].tolist() == ["3", ""] and notes == []


def test_excel_workbook(tmp_path: Path) -> None:
    """An ``.xlsx`` as saved by Excel (written here by GDAL): numbers stay numbers."""
    import pyogrio

    sheet = pd.DataFrame(
        {
            "Address": ["600 East Blvd", "310 N Tryon St", *(f"{n} Oak St" for n in range(1, 30))],
            "Zip Code": [28203, 28202, *([28205] * 29)],
            "Latitude": [35.21, 35.23, *([35.2] * 28), np.nan],
            "Longitude": [-80.84, -80.84, *([-80.8] * 29)],
        }
    )
    pyogrio.write_dataframe(sheet, tmp_path / "addresses.xlsx", driver="XLSX")
    frame, notes = read(tmp_path / "addresses.xlsx")
    assert frame["key"].tolist()[:2] == ["600 E BLVD", "310 N TRYON ST"]
    assert frame["zip"].tolist()[:2] == ["28203", "28202"]
    assert notes == [
        "addresses.xlsx: 1 address point with no usable coordinates left out; first: row 32, column Latitude: empty"
    ]


@pytest.mark.parametrize(
    "header",
    [
        "Street Address,Postal City,Zip Code,Latitude,Longitude",
        "FULL_ADDRESS,CITY,ZIPCODE,Y,X",
        "full address,city,zip5,lat,lng",
        "SITE_ADDRESS,PLACENAME,postal_code,LAT,LONG",
        "address,city_state,POST_CODE,latitude,longitude",
        "Addr,Mailing City,Postcode,y,x",
    ],
)
def test_column_name_variants(tmp_path: Path, header: str) -> None:
    path = write(tmp_path / "v.csv", header + "\n310 N Tryon St,Charlotte,28202,35.23,-80.84\n")
    frame, _ = read(path)
    row = frame.iloc[0]
    assert (row["key"], row["city"], row["zip"]) == ("310 N TRYON ST", "CHARLOTTE", "28202")
    assert (row["lon"], row["lat"]) == (-80.84, 35.23)


def test_one_line_addresses_with_units_and_cities(tmp_path: Path) -> None:
    path = write(
        tmp_path / "u.csv",
        "full_address,unit,lat,lon\n"
        "600 East Blvd Apt 3,,35.2,-80.8\n"
        "600 East Blvd,Suite 4B,35.2,-80.8\n"
        '"600 East Blvd, # 5",,35.2,-80.8\n'
        '"600 East Blvd, Charlotte, NC 28203",,35.2,-80.8\n'
        '"600 East Blvd, Apt 7, Charlotte, NC 28203",,35.2,-80.8\n',
    )
    frame, _ = read(path)
    assert frame["unit"].tolist() == ["3", "4B", "5", "", "7"]
    assert set(frame["key"]) == {"600 E BLVD"} and set(frame["line"]) == {"600 EAST BLVD"}


# ---- NENA NG9-1-1 address points ---------------------------------------------------------

NENA_HEADER = (
    "Add_Number,AddNum_Pre,AddNum_Suf,St_PreMod,St_PreDir,St_PreTyp,St_PreSep,St_Name,"
    "St_PosTyp,St_PosDir,St_PosMod,Building,Floor,Unit,Room,Post_Comm,Inc_Muni,Post_Code,"
    "Post_Code4,State,Longitude,Latitude"
)
# (cells after the header, the key a caller's words reach, how a caller says it)
NENA_ROWS = [
    ("1234,,,,,US HIGHWAY,,21,,,,,,,,HUNTERSVILLE,Unincorporated,28078,1234,NC,-80.85,35.41",
     "1234 US HWY 21", "1234 US Hwy 21, Huntersville NC 28078"),
    ("9,,1/2,,,NC HIGHWAY,,73,,,,,,,,CORNELIUS,Cornelius,28031,,NC,-80.86,35.48",
     "9 1/2 NC HWY 73", "9 1/2 NC Highway 73, Cornelius"),
    ("7,,,,,AVENUE,OF THE,STARS,,,,,,,,DAVIDSON,Davidson,28036,,NC,-80.84,35.50",
     "7 AVENUE OF THE STARS", "7 Avenue of the Stars, Davidson"),
    ("55,,A,OLD,NORTH,,,CHURCH,STREET,,,,,APT 3,,CHARLOTTE,Charlotte,28202,,NC,-80.84,35.22",
     "55A OLD NORTH CHURCH ST", "55A Old North Church Street Apt 3, Charlotte"),
    ("400,,,,,,,MAIN,ST,NORTH,EXTENSION,,,,,MINT HILL,Mint Hill,28227,,NC,-80.65,35.18",
     "400 MAIN ST NORTH EXT", "400 Main St North Extension, Mint Hill"),
    ("18,,,,,,,COLLEGE,DR,,,Smith Hall,2,,Room 204,DAVIDSON,Davidson,28036,,NC,-80.84,35.50",
     "18 COLLEGE DR", "18 College Dr, Davidson"),
    ("20,,,,,,,COLLEGE,DR,,,Bldg C,,,,DAVIDSON,Davidson,28036.0,,NC,-80.84,35.50",
     "20 COLLEGE DR", "20 College Dr"),
    ("1,,,,,,,STATE LINE,RD,,,,,,,FORT MILL,Unincorporated,29715,,SC,-80.9,35.0",
     "", ""),
]  # fmt: skip


def test_nena_csv_builds_the_street_in_nena_order(tmp_path: Path) -> None:
    body = "".join(cells + "\n" for cells, _, _ in NENA_ROWS)
    frame, notes = read(write(tmp_path / "nena.csv", NENA_HEADER + "\n" + body))
    expected = [key for _, key, _ in NENA_ROWS if key]
    assert frame["key"].tolist() == expected
    # The key is what a caller's own words normalise to, so the lookup meets it.
    for (_, key, said), got in zip(NENA_ROWS, frame["key"], strict=False):
        assert canonical_street(said.split(",")[0].removesuffix(" Apt 3")) == key == got
    assert frame["line"].tolist()[0] == "1234 US HIGHWAY 21"
    assert frame["municipality"].tolist()[0] == ""  # "Unincorporated" is no town
    assert frame["city"].tolist()[0] == "HUNTERSVILLE"
    assert frame["unit"].tolist()[3:7] == ["3", "", "204", "C"]  # Unit, else Room, else Building
    assert frame["zip"].tolist()[6] == "28036"
    assert notes == ["nena.csv: 1 row in another state (column State) left out"]
    assert_well_formed(frame)


@pytest.mark.parametrize("driver", ["GPKG", "ESRI Shapefile", "GeoJSON"])
def test_nena_layer_in_any_crs(tmp_path: Path, driver: str) -> None:
    """NENA fields as a layer in NC State Plane feet: points to WGS84, numbers as numbers."""
    lonlat = [(-80.8431, 35.2271), (-80.7123, 35.1011)]
    points = gpd.GeoSeries([Point(x, y) for x, y in lonlat], crs=4326).to_crs(2264)
    layer = gpd.GeoDataFrame(
        {
            "Add_Number": [600, 1234],
            "AddNum_Suf": [None, "B"],
            "St_PreTyp": [None, "NC Highway"],
            "St_Name": ["East", "51"],
            "St_PosTyp": ["Boulevard", None],
            "Unit": ["Apt 3", None],
            "Post_Comm": ["Charlotte", "Matthews"],
            "Inc_Muni": ["Charlotte", "UNINCORPORATED"],
            "Post_Code": [28203, 28105],
            "State": ["NC", "NC"],
        },
        geometry=points,
    )
    name = {"GPKG": "nena.gpkg", "ESRI Shapefile": "nena.shp", "GeoJSON": "nena.geojson"}[driver]
    layer.to_file(tmp_path / name, driver=driver)
    frame, _ = read(tmp_path / name)
    assert frame["key"].tolist() == ["600 E BLVD", "1234B NC HWY 51"]
    assert frame["zip"].tolist() == ["28203", "28105"]
    assert frame["municipality"].tolist() == ["CHARLOTTE", ""]
    np.testing.assert_allclose(frame[["lon", "lat"]].to_numpy(), lonlat, atol=1e-7)


def test_ng911_geopackage_reads_its_address_point_layer(tmp_path: Path) -> None:
    """A county's NG9-1-1 GeoPackage holds road centerlines and boundaries too: the
    address points are the layer with address columns, whatever its position."""
    path = tmp_path / "ng911.gpkg"
    roads = gpd.GeoDataFrame(
        {"St_Name": ["OAK"], "FromAddr_L": [1], "ToAddr_L": [99]},
        geometry=[LineString([(-80.84, 35.2), (-80.83, 35.21)])],
        crs=4326,
    )
    roads.to_file(path, layer="RoadCenterLine", driver="GPKG")
    points = gpd.GeoDataFrame(
        {"Add_Number": [12], "St_Name": ["OAK"], "St_PosTyp": ["STREET"]},
        geometry=[Point(-80.84, 35.2)],
        crs=4326,
    )
    points.to_file(path, layer="SiteStructureAddressPoint", driver="GPKG")
    frame, _ = read(path)
    assert frame["key"].tolist() == ["12 OAK ST"] and frame["line"].tolist() == ["12 OAK STREET"]
    roads.to_file(tmp_path / "roads.gpkg", layer="RoadCenterLine", driver="GPKG")
    roads.to_file(tmp_path / "roads.gpkg", layer="Boundaries", driver="GPKG")
    with pytest.raises(
        DataError, match=r"^roads\.gpkg \(layer \w+\): unknown address-table layout "
    ):
        read_addresses(tmp_path / "roads.gpkg")


# ---- OpenAddresses ---------------------------------------------------------------------

OA = (
    "LON,LAT,NUMBER,STREET,UNIT,CITY,DISTRICT,REGION,POSTCODE,ID,HASH\n"
    "-80.8431,35.2271,310,N TRYON ST,,CHARLOTTE,MECKLENBURG,NC,28202,,a1b2\n"
    "-80.8431,35.2271,310,N TRYON ST,# 4,CHARLOTTE,MECKLENBURG,NC,28202,,c3d4\n"
    "-81.0251,34.9249,124,MAIN ST,,ROCK HILL,YORK,SC,29730,,e5f6\n"
    "-80.7123,35.1011,125,MATTHEWS-MINT HILL RD,,MATTHEWS,,,28105,,g7h8\n"
)


def test_openaddresses_csv(tmp_path: Path) -> None:
    frame, notes = read(write(tmp_path / "mecklenburg.csv", OA))
    assert frame["key"].tolist() == [
        "310 N TRYON ST",
        "310 N TRYON ST",
        "125 MATTHEWS MINT HILL RD",
    ]
    assert frame["unit"].tolist() == ["", "4", ""]
    assert frame["zip"].tolist() == ["28202", "28202", "28105"]
    assert notes == ["mecklenburg.csv: 1 row in another state (column REGION) left out"]


def test_openaddresses_geojson_lowercase(tmp_path: Path) -> None:
    table = pd.read_csv(io.StringIO(OA), dtype=str, keep_default_na=False)
    table.columns = [c.lower() for c in table.columns]
    points = [Point(float(x), float(y)) for x, y in zip(table["lon"], table["lat"], strict=True)]
    layer = gpd.GeoDataFrame(table.drop(columns=["lon", "lat"]), geometry=points, crs=4326)
    layer.to_file(tmp_path / "mecklenburg.geojson")
    frame, _ = read(tmp_path / "mecklenburg.geojson")
    assert len(frame) == 3 and frame["key"].iloc[-1] == "125 MATTHEWS MINT HILL RD"


# ---- unusable rows and files -------------------------------------------------------------


def test_a_few_bad_coordinates_are_left_to_the_extent_check(tmp_path: Path) -> None:
    """One bad cell in 41 rows: the row keeps NaN coordinates (the refresh leaves it out and
    counts it with the points outside the county), and a note names it."""
    text = "address,lat,lon\n" + padding(20) + '"1 Oak St","35,2",-80.8\n' + padding(20, 500)
    frame, notes = read(write(tmp_path / "few.csv", text))
    assert len(frame) == 41 and frame["lat"].isna().sum() == 1
    assert notes == [
        'few.csv: 1 address point with no usable coordinates left out; first: row 22, column lat: "35,2" is not a number'
    ]


def test_bad_coordinates_name_file_row_and_column(tmp_path: Path) -> None:
    """The row is the file's line: a quoted cell over two lines counts as two."""
    text = 'address,lat,lon\n"10\nOak St",35.2,-80.8\n' + padding(8) + '1 Oak St,"35,2",-80.8\n'
    with pytest.raises(DataError) as err:
        read_addresses(write(tmp_path / "addresses.csv", text))
    assert str(err.value) == (
        "addresses.csv: 1 of 10 address points (10.0%) have no usable coordinates, over the 5% "
        'allowed; first: row 12, column lat: "35,2" is not a number'
    )


def test_row_numbers_are_lines_of_the_file(tmp_path: Path) -> None:
    """Blank and blank-looking lines are skipped by the reader but counted in the row number,
    as a text editor shows them; so are CRLF ends and cells quoted over two lines."""
    text = (
        "address,lat,lon\r\n\r\n"
        + padding(3).replace("\n", "\r\n")
        + "   \r\n\t\r\n"
        + '"7\r\nOak St",35.2,-80.8\r\n'
        + "\r\n"
        + "9 Oak St,35.2,x\r\n"
    )
    with pytest.raises(DataError) as err:
        read_addresses(write(tmp_path / "lines.csv", text))
    assert str(err.value).endswith('first: row 11, column lon: "x" is not a number')
    assert text.split("\r\n")[10] == "9 Oak St,35.2,x"  # line 11, counted from 1


def test_mat_with_a_few_bad_state_plane_cells(tmp_path: Path) -> None:
    lines = DEMO_MAT.read_text().splitlines()
    x = lines[0].split(",").index("XCOORD")
    cells = lines[5].split(",")
    cells[x] = "1.446E+6?"
    lines[5] = ",".join(cells)
    frame, notes = read(write(tmp_path / "mat.csv", "\n".join(lines) + "\n"))
    assert frame["lon"].isna().sum() == 1
    assert notes == [
        'mat.csv: 1 address point with no usable coordinates left out; first: row 6, column XCOORD: "1.446E+6?" is not a number'
    ]
    assert_well_formed(frame)


def test_refresh_leaves_a_few_unusable_rows_out_and_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    table = demo_nena().copy()
    table["Add_Number"] = table["Add_Number"].astype(str)
    table.loc[table.index[:10], "Add_Number"] = "N/A"
    path = tmp_path / "nena.csv"
    table.to_csv(path, index=False)
    with caplog.at_level("WARNING"):
        report = refresh(demo_request(path, tmp_path / "d"), NOW)
    assert report.published, report.lines()
    assert report.counts["address_points"] == len(table) - 10
    said = [*report.problems.warnings, caplog.text]  # a refresh warning, or the log's
    assert any(
        "nena.csv: 10 address points with no usable house number and street left out; "
        "first: row 2, column Add_Number: empty" in s
        for s in said
    ), said


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('1 Oak St,"35,2","-80,8"\n', 'row 2, column lon: "-80,8" is not a number'),
        ("1 Oak St,1446000.5,539000.1\n", 'column lon: "539000.1" is not a longitude in degrees'),
        ("1 Oak St,,\n2 Oak St,,\n", "row 2, column lon: empty"),
        ("1 Oak St,35.2,NaN\n", "row 2, column lon: empty"),  # NaN, NULL, N/A: empty cells
        ("1 Oak St,inf,-80.8\n", 'row 2, column lat: "inf" is not a number'),
    ],
)
def test_whole_coordinate_column_unusable_is_refused(
    tmp_path: Path, rows: str, message: str
) -> None:
    with pytest.raises(DataError, match="no row has usable coordinates") as err:
        read_addresses(write(tmp_path / "a.csv", "address,lat,lon\n" + rows))
    assert message in str(err.value) and str(err.value).startswith("a.csv: ")


def test_required_columns_missing(tmp_path: Path) -> None:
    with pytest.raises(
        DataError,
        match=r"^x\.csv: unknown address-table layout \(header: foo, bar\)\. Known .*\. Next step: ",
    ):
        read_addresses(write(tmp_path / "x.csv", "foo,bar\n1,2\n"))
    with pytest.raises(DataError, match=r"^y\.csv: no coordinates: .* among address, city$"):
        read_addresses(write(tmp_path / "y.csv", "address,city\n1 Oak St,Charlotte\n"))
    with pytest.raises(DataError, match=r"^z\.csv: no coordinates"):
        read_addresses(write(tmp_path / "z.csv", "Add_Number,St_Name,Latitude\n1,OAK,35\n"))


def test_rows_without_a_house_number(tmp_path: Path) -> None:
    few = "address,lat,lon\nOak St,35.2,-80.8\n" + padding(30)
    frame, notes = read(write(tmp_path / "few.csv", few))
    assert len(frame) == 30
    assert notes == [
        'few.csv: 1 address point with no usable house number and street left out; first: row 2, column address: "Oak St" has no house number and street'
    ]
    many = "Add_Number,St_Name,Longitude,Latitude\n12-14,OAK,-80.8,35.2\n" + "".join(
        f"{i},OAK,-80.8,35.2\n" for i in range(1, 10)
    )
    with pytest.raises(DataError) as err:
        read_addresses(write(tmp_path / "many.csv", many))
    assert str(err.value).endswith('first: row 2, column Add_Number: "12-14" is not a house number')
    prefixed = "AddNum_Pre,Add_Number,St_Name,Longitude,Latitude\n" + "".join(
        f"{'A' if i == 7 else ''},{i},OAK,-80.8,35.2\n" for i in range(1, 31)
    )
    frame, notes = read(write(tmp_path / "prefixed.csv", prefixed))
    assert len(frame) == 29 and "7 OAK" not in set(frame["key"])
    assert notes[0].endswith('first: row 8, column AddNum_Pre: a number prefix ("A")')


def test_run_away_cells_cost_nothing(tmp_path: Path) -> None:
    """A 5,000-character street or city (an unclosed quote swallowing lines) is no name: the
    index stores text at a fixed width, so it must not reach the frame."""
    text = (
        "address,city,unit,lat,lon\n"
        + f"1 {'X' * 5000} St,{'Y' * 5000},{'Z' * 5000},35.2,-80.8\n"
        + "".join(f"{i} Oak St,{'Y' * 5000},,35.2,-80.8\n" for i in range(2, 40))
    )
    frame, notes = read(write(tmp_path / "wide.csv", text))
    assert len(frame) == 38 and len(notes) == 1
    assert max(len(v) for c in ("key", "line", "unit", "city") for v in frame[c]) < 200


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty.csv: empty file"),
        (b"\r\n  \r\n", "empty.csv: empty file"),
        (b"address,lat,lon\n", "empty.csv: no address points (no rows after the header)"),
        (
            b'address,lat,lon\n1 Oak St,35.2,-80.8\n"2 Oak St,35.2',
            "empty.csv: row 3: a quoted cell is never closed (is the file cut short?)",
        ),
        (
            b"address,lat,lon\n\x81\x8d\x8f",
            "empty.csv: not valid UTF-8, UTF-16 or Windows-1252 text (byte 0x81 at offset 16): "
            "open it in Excel and save it as CSV UTF-8, or give the file as published",
        ),
    ],
)
def test_broken_files_one_line(tmp_path: Path, data: bytes, message: str) -> None:
    (tmp_path / "empty.csv").write_bytes(data)
    with pytest.raises(DataError) as err:
        read_addresses(tmp_path / "empty.csv")
    assert str(err.value) == message


def test_layers_that_are_not_points(tmp_path: Path) -> None:
    polygons = gpd.GeoDataFrame(
        {"address": ["1 Oak St"]}, geometry=[Polygon([(0, 0), (1, 0), (1, 1)])], crs=4326
    )
    polygons.to_file(tmp_path / "parcels.geojson")
    with pytest.raises(DataError) as err:
        read_addresses(tmp_path / "parcels.geojson")
    assert str(err.value) == (
        "parcels.geojson: no row has usable coordinates; feature 1, column geometry: "
        "a Polygon, not a point"
    )
    (tmp_path / "junk.gpkg").write_bytes(b"not a geopackage")
    with pytest.raises(DataError, match=r"^junk\.gpkg: cannot read"):
        read_addresses(tmp_path / "junk.gpkg")


def test_shapefile_without_its_prj(tmp_path: Path) -> None:
    """No CRS: degrees are taken as they are; projected numbers are refused, not guessed."""
    for name, point, crs in (
        ("deg", Point(-80.84, 35.23), 4326),
        ("feet", Point(1446000, 539000), 2264),
    ):
        layer = gpd.GeoDataFrame({"address": ["310 N Tryon St"]}, geometry=[point], crs=crs)
        layer.to_file(tmp_path / f"{name}.shp")
        (tmp_path / f"{name}.prj").unlink()
    frame, _ = read(tmp_path / "deg.shp")
    assert (frame["lon"].iloc[0], frame["lat"].iloc[0]) == (-80.84, 35.23)
    with pytest.raises(DataError, match=r"^feet\.shp: the layer declares no coordinate system"):
        read_addresses(tmp_path / "feet.shp")


@pytest.mark.realdata
def test_real_county_layers_read_or_refused_in_one_line(real: Path) -> None:
    """The county's open-data layers as they are published: the facility points (an
    ``address`` field, ZIPs as numbers in some) read whole; the polygon layers are refused
    in one line saying which columns they have."""
    import pyogrio

    for path in sorted((real / "mecklenburg/places").glob("*.geojson")):
        try:
            frame, notes = read(path)
        except DataError as exc:
            assert_one_line(str(exc), path.name)
            assert path.stem in ("political_boundaries", "zipcodes"), exc
            continue
        assert len(frame) == pyogrio.read_info(path)["features"] and notes == [], path.name
        assert_well_formed(frame)
    hospitals, _ = read(real / "mecklenburg/places/hospitals.geojson")  # zipcode: int32
    assert all(len(z) == 5 and z.startswith("28") for z in hospitals["zip"])


# ---- the refresh, end to end ----------------------------------------------------------------


@cache
def demo_nena() -> pd.DataFrame:
    """The demo county's Master Address Table as a NENA NG9-1-1 CSV (active rows)."""
    mat = pd.read_csv(DEMO_MAT, dtype=str, keep_default_na=False)
    mat = mat[mat["STATUS_CODE"] == "A"]
    lon, lat = TO_DEGREES.transform(mat["XCOORD"].astype(float), mat["YCOORD"].astype(float))
    muni = mat["MUNICIPALITY_DESC"].where(mat["MUNICIPALITY_DESC"] != "DEMO", "Unincorporated")
    return pd.DataFrame(
        {
            "NGUID": [f"{{{k:08d}}}" for k in range(len(mat))],
            "Add_Number": mat["ADDRNUM"].astype(int),
            "AddNum_Suf": mat["ADDRNUMSUF"],
            "St_PreDir": mat["STDIR"],
            "St_Name": mat["STREETNAME"],
            "St_PosTyp": mat["STREETTYPE"],
            "St_PosDir": mat["SUFDIR"],
            "Unit": mat["UNITID"],
            "Post_Comm": mat["PLACENAME"],
            "Inc_Muni": muni,
            "Post_Code": mat["ZIPCODE"].astype(int),
            "State": "NC",
            "Longitude": np.round(lon, 7),
            "Latitude": np.round(lat, 7),
        }
    )


def demo_request(addresses: Path, data_dir: Path) -> RefreshRequest:
    return RefreshRequest(
        precincts=DEMO_SOURCES / "SBE_PRECINCTS_20280801.zip",
        polling_places=(DEMO_SOURCES / "demo-polling-places-20281107.csv",),
        early_voting=(DEMO_SOURCES / "demo-one-stop-sites-20281107.txt",),
        addresses=(addresses,),
        election_day=date(2028, 11, 7),
        county="DEMO",
        data_dir=data_dir,
        demo=True,
        version="v1",
    )


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "LOOKUP_CACHE_DIR": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "lookup.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=180,
    )


def refresh_args(addresses: Path, data_dir: Path) -> list[str]:
    return [
        "refresh",
        "--precincts", str(DEMO_SOURCES / "SBE_PRECINCTS_20280801.zip"),
        "--polling-places", str(DEMO_SOURCES / "demo-polling-places-20281107.csv"),
        "--early-voting", str(DEMO_SOURCES / "demo-one-stop-sites-20281107.txt"),
        "--addresses", str(addresses),
        "--county", "DEMO",
        "--election-date", "2028-11-07",
        "--demo",
        "--data-dir", str(data_dir),
    ]  # fmt: skip


def test_cli_refresh_with_a_nena_table_publishes_and_answers(tmp_path: Path) -> None:
    nena = tmp_path / "demo_nena.csv"
    demo_nena().to_csv(nena, index=False)
    p = cli(*refresh_args(nena, tmp_path / "d"), cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "published: yes" in p.stdout and "Traceback" not in p.stderr
    mat = refresh(demo_request(DEMO_MAT, tmp_path / "m"), NOW)
    assert f"address_points: {mat.counts['address_points']}" in p.stdout
    p = cli("check", "--data-dir", str(tmp_path / "d"), "13186 5th St, Demo City", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert '"source": "address_point"' in p.stdout


def test_cli_refresh_refuses_a_hostile_table_in_one_line(tmp_path: Path) -> None:
    lines = DEMO_MAT.read_text().splitlines()
    y = lines[0].split(",").index("YCOORD")
    for k in range(1, len(lines), 9):  # 11 % of the rows: "35,2" with a decimal comma
        cells = lines[k].split(",")
        lines[k] = ",".join([*cells[:y], '"35,2"', *cells[y + 1 :]])
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("\n".join(lines) + "\n")
    p = cli(*refresh_args(hostile, tmp_path / "d"), cwd=tmp_path)
    output = p.stdout + p.stderr
    assert p.returncode == 1 and "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("ERROR:")]
    assert len(errors) == 1, output
    assert re.fullmatch(
        r"ERROR: hostile\.csv: [\d,]+ of [\d,]+ address points \(1\d\.\d%\) have no usable "
        r'coordinates, over the 5% allowed; first: row 2, column YCOORD: "35,2" is not a number',
        errors[0],
    ), errors[0]
    assert not (tmp_path / "d" / "current").exists()


# ---- Hypothesis: hostile tables ------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    number: int
    predir: str
    name: str
    stype: str
    unit: str
    city: str
    zip: str
    lon: float
    lat: float


ADDRESSES = st.builds(
    Address,
    number=st.integers(1, 99999),
    predir=st.sampled_from(["", "", "N", "S", "East"]),
    name=st.sampled_from(
        ["OAK", "Main", "5th", "Twenty-First", "J T Walker", "Tryon", "NC HWY 16"]
    ),
    stype=st.sampled_from(["", "St", "Street", "Rd", "Blvd", "Dr"]),
    unit=st.sampled_from(["", "", "3", "4B", "Apt 7"]),
    city=st.sampled_from(["Charlotte", "Mint Hill", "Pineville", ""]),
    zip=st.sampled_from(["28202", "28227", "28134", ""]),
    lon=st.floats(-81.0, -80.6),
    lat=st.floats(35.0, 35.5),
)
LAYOUT_COLUMNS = {
    "mat": ["ADDRNUM", "ADDRNUMSUF", "STDIR", "STREETNAME", "STREETTYPE", "SUFDIR", "UNITID",
            "PLACENAME", "MUNICIPALITY_DESC", "ZIPCODE", "XCOORD", "YCOORD", "TAXPID", "STATUS_CODE"],
    "nena": ["Add_Number", "AddNum_Suf", "St_PreDir", "St_PreTyp", "St_Name", "St_PosTyp",
             "St_PosDir", "Unit", "Post_Comm", "Inc_Muni", "Post_Code", "Post_Code4", "State",
             "Longitude", "Latitude"],
    "oa": ["LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION", "POSTCODE",
           "ID", "HASH"],
    "line": ["address", "unit", "city", "state", "zip", "lat", "lon"],
}  # fmt: skip


def cells_of(layout: str, a: Address) -> dict[str, str]:
    """The address in a layout's columns, written as that layout writes it."""
    street = " ".join(p for p in (a.predir, a.name, a.stype) if p)
    if layout == "mat":
        x, y = TO_FEET.transform(a.lon, a.lat)
        return dict(zip(LAYOUT_COLUMNS["mat"], [
            str(a.number), "", a.predir, a.name, a.stype, "", a.unit, a.city, a.city, a.zip,
            f"{x:.2f}", f"{y:.2f}", "00012345", "A"], strict=True))  # fmt: skip
    if layout == "nena":
        return dict(zip(LAYOUT_COLUMNS["nena"], [
            str(a.number), "", a.predir, "", a.name, a.stype, "", a.unit, a.city,
            a.city or "Unincorporated", a.zip, "", "NC", f"{a.lon:.7f}", f"{a.lat:.7f}"],
            strict=True))  # fmt: skip
    if layout == "oa":
        return dict(zip(LAYOUT_COLUMNS["oa"], [
            f"{a.lon:.7f}", f"{a.lat:.7f}", str(a.number), street, a.unit, a.city, "", "NC",
            a.zip, "", "ab12"], strict=True))  # fmt: skip
    unit = a.unit if a.unit.upper().startswith("APT") else f"Unit {a.unit}"
    line = f"{a.number} {street} {unit}" if a.unit else f"{a.number} {street}"
    return dict(zip(LAYOUT_COLUMNS["line"], [
        line, "", a.city, "NC", a.zip, f"{a.lat:.7f}", f"{a.lon:.7f}"], strict=True))  # fmt: skip


def expected_key(a: Address) -> str:
    street = " ".join(p for p in (a.predir, a.name, a.stype) if p)
    return canonical_street(f"{a.number} {street}")


HOSTILE_CELLS = st.one_of(
    st.sampled_from([
        "", " ", "NaN", "nan", "NULL", "None", "N/A", "#N/A", "-5", "0", "1e400", "inf",
        "-inf", "35,2", "28202.0", "1234.0", "28202-1234", "282021234", "½", "#", '"', "'",
        ",", ";", "\t", "\r", "\n", "\r\n", "٣٥", "\uff21\uff22\uff23", "😀", "\x00", "\ufeff", "9" * 400,
        "A" * 300, "1 " + "B" * 250 + " ST", "Unincorporated", "SC", "R", "-80.84", "35.22",
    ]),
    st.text(max_size=20),
    st.integers(-(10**15), 10**15).map(str),
    st.floats().map(repr),
)  # fmt: skip
HEADER_SPELLINGS = st.sampled_from(
    [
        lambda h: h,
        str.upper,
        str.lower,
        str.title,
        lambda h: h.replace("_", " "),
        lambda h: f" {h} ",
        lambda h: f"{h}\t",
    ]
)


@dataclass(frozen=True)
class Written:
    name: str
    data: bytes
    rows: list[Address]
    faithful: bool  # nothing hostile: every row must come back


@st.composite
def tables(draw: st.DrawFn) -> Written:
    layout = draw(st.sampled_from(sorted(LAYOUT_COLUMNS)))
    rows = draw(st.lists(ADDRESSES, max_size=40))
    columns = list(LAYOUT_COLUMNS[layout])
    hostility = draw(st.sampled_from([0.0, 0.0, 0.003, 0.02, 0.2, 1.0]))
    drop = draw(st.sampled_from([0.0, 0.0, 0.15]))
    if drop:
        columns = [c for c in columns if draw(st.floats(0, 1)) >= drop]
    columns = draw(st.permutations(columns))
    spell = [draw(HEADER_SPELLINGS) for _ in columns]
    swap = draw(st.sampled_from([False, False, False, True]))
    header = [f(c) for f, c in zip(spell, columns, strict=True)]
    if swap:  # latitude and longitude headers exchanged
        names = {"lat": "lon", "lon": "lat", "LAT": "LON", "LON": "LAT", "Latitude": "Longitude",
                 "Longitude": "Latitude", "XCOORD": "YCOORD", "YCOORD": "XCOORD"}  # fmt: skip
        header = [names.get(c, c) for c in header]
    body = []
    for a in rows:
        cells = cells_of(layout, a)
        row = []
        for c in columns:
            cell = cells[c]
            if hostility and draw(st.floats(0, 1)) < hostility:
                cell = draw(HOSTILE_CELLS)
            row.append(cell)
        body.append(row)
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=delimiter,
        lineterminator=draw(st.sampled_from(["\n", "\r\n"])),
        quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])),
    )
    writer.writerow(header)
    wrong_delimiter = draw(st.sampled_from([False] * 9 + [True]))
    for row in body:
        if wrong_delimiter:
            out.write(";".join(row) + "\n")
        else:
            writer.writerow(row)
    text = out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    truncated = draw(st.sampled_from([False] * 7 + [True]))
    if truncated and data:
        data = data[: max(0, len(data) - draw(st.integers(1, 40)))]
    faithful = (
        hostility == 0
        and not swap
        and not truncated
        and not wrong_delimiter
        and len(columns) == len(LAYOUT_COLUMNS[layout])
    )
    return Written(draw(st.sampled_from(["t.csv", "t.txt", "t.tsv"])), data, rows, faithful)


HOSTILE = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@HOSTILE
@given(tables())
def test_any_table_reads_or_is_refused_in_one_line(tmp_path: Path, table: Written) -> None:
    path = tmp_path / table.name
    path.write_bytes(table.data)
    notes: list[str] = []
    try:
        frame = read_addresses(path, notes)
    except DataError as exc:
        assert_one_line(str(exc), table.name)
        assert not table.faithful or not table.rows, exc
        return
    assert_well_formed(frame)
    for note in notes:
        assert_one_line(note, table.name)
    if table.faithful:  # every row back, in the file's order
        assert frame["key"].tolist() == [expected_key(a) for a in table.rows]
        assert frame["unit"].tolist() == [normalize_unit(a.unit) for a in table.rows]
        assert frame["zip"].tolist() == [a.zip for a in table.rows]
        np.testing.assert_allclose(
            frame[["lon", "lat"]].to_numpy(float),
            np.array([(a.lon, a.lat) for a in table.rows], dtype=float).reshape(-1, 2),
            atol=1e-5,
        )


JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(["28202", "28202-1234", "1234.0", "Unincorporated", "NC", "SC", "Apt 3"]),
    st.lists(st.integers(0, 9), max_size=3),
)
GEOMETRIES = st.one_of(
    st.none(),
    st.builds(
        lambda x, y: {"type": "Point", "coordinates": [x, y]},
        st.floats(-200, 200, allow_nan=False),
        st.floats(-100, 100, allow_nan=False),
    ),
    st.builds(
        lambda x, y: {"type": "Point", "coordinates": [x, y]},
        st.floats(-80.9, -80.7),
        st.floats(35.1, 35.3),
    ),
    st.just({"type": "MultiPoint", "coordinates": [[-80.8, 35.2]]}),
    st.just({"type": "MultiPoint", "coordinates": [[-80.8, 35.2], [-80.7, 35.3]]}),
    st.just({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}),
)
LAYER_FIELDS = ["Add_Number", "St_Name", "St_PosTyp", "Post_Code", "Inc_Muni", "State",
                "address", "zip", "number", "street", "Unit"]  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    fields=st.lists(st.sampled_from(LAYER_FIELDS), min_size=1, max_size=6, unique=True),
    features=st.lists(
        st.tuples(GEOMETRIES, st.lists(JSON_VALUES, min_size=6, max_size=6)), max_size=12
    ),
)
def test_any_point_layer_reads_or_is_refused_in_one_line(
    tmp_path: Path, fields: list[str], features: list[tuple[object, list[object]]]
) -> None:
    """GeoJSON as GIS tools write it: typed properties of any kind, points and not."""
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": g,
                "properties": dict(zip(fields, values, strict=False)),
            }
            for g, values in features
        ],
    }
    path = tmp_path / "layer.geojson"
    path.write_text(json.dumps(collection))
    try:
        frame, notes = read(path)
    except DataError as exc:
        assert_one_line(str(exc), "layer.geojson")
        return
    assert_well_formed(frame)
    for note in notes:
        assert_one_line(note, "layer.geojson")


@st.composite
def hostile_demo(draw: st.DrawFn) -> bytes:
    """The demo county as a NENA CSV, with damage: garbage in a share of one column's
    cells, renamed headers, another encoding, CRLF, a cut-short end."""
    table = demo_nena().copy()
    column = draw(st.sampled_from(["Latitude", "Longitude", "Add_Number", "Post_Code", "St_Name"]))
    share = draw(st.sampled_from([0.0, 0.003, 0.2]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    hit = rng.random(len(table)) < share
    table[column] = table[column].astype(str).where(~hit, draw(HOSTILE_CELLS))
    table.columns = [draw(HEADER_SPELLINGS)(c).strip('"') for c in table.columns]
    text = table.to_csv(index=False, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    data = text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])), "replace")
    if draw(st.booleans()):
        data = data[: -draw(st.integers(1, 60))]
    return data


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(hostile_demo())
def test_any_table_through_the_refresh(tmp_path: Path, data: bytes) -> None:
    """The refresh publishes, or refuses with one-line errors that name the address file
    (or count its points, for the extent check); nothing escapes as a traceback."""
    path = tmp_path / "county_addresses.csv"
    path.write_bytes(data)
    report = refresh(demo_request(path, tmp_path / uuid.uuid4().hex), NOW)
    assert all("\n" not in line for line in report.lines())
    if report.published:
        assert report.counts["address_points"] > 0.9 * len(demo_nena())
    else:
        assert report.problems.errors
        for error in report.problems.errors:
            assert "county_addresses.csv" in error or "address points" in error, error


def test_hypothesis_tables_cover_every_layout(tmp_path: Path) -> None:
    """The generator's layouts, written with nothing hostile, read back exactly."""
    a = Address(123, "N", "Oak", "St", "4B", "Charlotte", "28202", -80.84, 35.22)
    for layout, columns in LAYOUT_COLUMNS.items():
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(columns)
        w.writerow([cells_of(layout, a)[c] for c in columns])
        frame = read_addresses(write(tmp_path / f"{layout}.csv", out.getvalue()))
        assert frame["key"].tolist() == ["123 N OAK ST"], layout
        assert frame["unit"].tolist() == ["4B"] and frame["zip"].tolist() == ["28202"], layout
