"""Refusals of BOE files say what to do (issue 21 item 6): a file that is another kind
(a zip, a workbook, a web page renamed .csv) is named as what it is, never by a codec's
words; a layout no reader knows is answered with the layouts known, their columns, what
was found and the next step. Real files from ../shared are copied into tmp_path only."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from support.paths import ROOT

from lookup.errors import DataError
from lookup.ingest.formats import address_layouts, early_voting, polling_places, registry
from lookup.ingest.formats.addresses import read_addresses
from lookup.ingest.formats.registry import read_early_voting, read_polling_places
from lookup.ingest.formats.sniff import identify
from lookup.ingest.formats.textfile import decode_bytes

E2020 = date(2020, 11, 3)
PRECINCT_ZIP = "mecklenburg/precincts/Voter_Precinct_20241003.zip"
STATEWIDE_LIST = "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt"
DAY_LIST = "mecklenburg/early_voting/one-stop-absentee-mecklenburg_2020_preliminary.csv"
POLLING_2020 = "statewide/polling_places/polling_place_20201103.csv"


def _refusal(read: object, path: Path) -> str:
    """The one-line message a reader refuses ``path`` with."""
    with pytest.raises(DataError) as err:
        if read is read_polling_places:
            read_polling_places(path, "MECKLENBURG")
        elif read is read_early_voting:
            read_early_voting(path, "MECKLENBURG", E2020)
        else:
            read_addresses(path)
    message = str(err.value)
    assert "\n" not in message and message.startswith((f"{path.name}: ", f"{path.name} line "))
    return message


def _copy(real: Path, name: str, to: Path) -> Path:
    shutil.copyfile(real / name, to)
    return to


READERS = [read_polling_places, read_early_voting, read_addresses]


# ---- another kind of file under a .csv name -------------------------------------------


@pytest.mark.realdata
@pytest.mark.parametrize("read", READERS)
def test_zipped_shapefile_renamed_csv_is_named(real: Path, tmp_path: Path, read: object) -> None:
    message = _refusal(read, _copy(real, PRECINCT_ZIP, tmp_path / "zipas.csv"))
    assert message.startswith("zipas.csv: a zipped shapefile (Voter_Precinct.shp), not a CSV")
    assert "UTF-8" not in message and "codec" not in message
    if read is read_addresses:  # the address reader takes a zipped shapefile as .zip
        assert message.endswith(": name it .zip and give it again")
    else:
        assert message.endswith(": give it as --precincts")


@pytest.mark.realdata
def test_kml_renamed_csv_is_named_with_the_suffix_read(real: Path, tmp_path: Path) -> None:
    path = _copy(real, "statewide/early_voting/ossite_2018.kml", tmp_path / "ossite.csv")
    assert _refusal(read_early_voting, path) == (
        "ossite.csv: a KML file, not a CSV or text table: name it .kml and give it again"
    )


@pytest.mark.realdata
def test_geojson_renamed_csv(real: Path, tmp_path: Path) -> None:
    path = _copy(real, "mecklenburg/places/schools.geojson", tmp_path / "schools.csv")
    assert _refusal(read_addresses, path).endswith(
        ": a GeoJSON layer, not a CSV or text table: name it .geojson and give it again"
    )
    assert _refusal(read_polling_places, path).endswith(
        ": a GeoJSON layer, not a CSV or text table: give the list's CSV or text file instead"
    )


def _xlsx() -> bytes:
    """A minimal .xlsx: a zip with the ``xl/`` entries Excel writes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<worksheet/>")
    return buf.getvalue()


def _zip_of(*names: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "a,b\n1,2\n")
    return buf.getvalue()


HTML = b"<!DOCTYPE html>\n<html><head><title>Sign in - County Portal</title></head><body/>"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (_xlsx(), "an Excel workbook (.xlsx), not a CSV or text table: "
                  "save it as CSV UTF-8 and give that"),
        (b"\x1f\x8b\x08\x00" + bytes(40), "a gzip-compressed file, not a CSV or text table: "
                                          "decompress it and give the file inside"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "a PDF document, not a CSV or text table: "
                                           "give the list's CSV or text file, not a printable copy"),
        (HTML, 'an HTML web page titled "Sign in - County Portal" (a login or error page saved '
               "instead of the file?), not a CSV or text table: download the file again"),
        (b'<?xml version="1.0"?><rows><row/></rows>', "an XML file, not a CSV or text table: "
                                                      "give the list's CSV or text file instead"),
        (_zip_of("polling_place_20241105.csv"),
         "a zip archive holding polling_place_20241105.csv, not a CSV or text table: "
         "unzip it and give polling_place_20241105.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
         "an Excel 97-2003 workbook (.xls) or other old Office file, not a CSV or text table: "
         "save it as CSV UTF-8 and give that"),
    ],
)  # fmt: skip
def test_other_kinds_of_file_are_named(tmp_path: Path, data: bytes, said: str) -> None:
    path = tmp_path / "polling.csv"
    path.write_bytes(data)
    assert _refusal(read_polling_places, path) == f"polling.csv: {said}"


def test_html_page_in_utf16_is_still_a_web_page() -> None:
    kind = identify(b"\xff\xfe" + HTML.decode().encode("utf-16-le"))
    assert kind is not None and kind.what.startswith('an HTML web page titled "Sign in')


def test_text_tables_are_not_taken_for_another_kind() -> None:
    for data in (b"election_dt\tcounty_name\r\n", b"\xff\xfea\x00,\x00b\x00", b'"{x}",b\n', b""):
        assert identify(data) is None


def test_undecodable_bytes_say_which_and_what_to_do() -> None:
    with pytest.raises(DataError) as err:
        decode_bytes(b"id,address\n1,caf\x81\n", "batch.csv")
    assert str(err.value) == (
        "batch.csv: not valid UTF-8, UTF-16 or Windows-1252 text (byte 0x81 at offset 16): "
        "open it in Excel and save it as CSV UTF-8, or give the file as published"
    )


# ---- unknown layouts -----------------------------------------------------------------


def test_unknown_polling_place_layout(tmp_path: Path) -> None:
    path = tmp_path / "unknown.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n")
    message = _refusal(read_polling_places, path)
    assert message.startswith("unknown.csv: unknown polling-place layout (header: a, b, c, d).")
    assert (
        "Known layouts: (1) the State Board's polling_place_YYYYMMDD file: columns election_dt, "
        "county_name, polling_place_id, polling_place_name, precinct_name, house_num, "
        "street_name, city, state, zip; optional lat, lon;"
    ) in message
    assert "(2) the State Board's polling-place KML" in message and "named .kml or .kmz" in message
    assert message.endswith(
        "Next step: export it with the columns of (1), or give the State Board's file."
    )


def test_polling_place_layouts_come_from_the_reader() -> None:
    (ncsbe, kml) = registry.POLLING_PLACES.layouts
    assert ncsbe.columns == polling_places.REQUIRED and kml.columns == ()


def test_near_polling_place_layout_names_the_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "renamed.csv"
    header = ",".join(c if c != "precinct_name" else "precinct" for c in polling_places.REQUIRED)
    path.write_text(header + "\n11/03/2020,MECKLENBURG,1,X,PCT 001,1,MAIN ST,C,NC,28202\n")
    message = _refusal(read_polling_places, path)
    assert message.startswith(
        "renamed.csv: missing columns precinct_name (header: election_dt, county_name, "
        "polling_place_id, polling_place_name, precinct, house_num, … (10 columns));"
    )
    assert message.endswith(
        "Next step: rename or add the missing columns, or give the State Board's file."
    )


def test_header_long_cells_are_cut(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(f"{'x' * 5000},b\n1,2\n")
    message = _refusal(read_polling_places, path)
    assert f"(header: {'x' * 29}…, b)" in message and len(message) < 1000


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("name", "layout"),
    [
        (STATEWIDE_LIST, "the State Board's one-stop list (StatewideList)"),
        (DAY_LIST, "the county's one-stop list with a day list per site"),
    ],
)
def test_early_voting_list_given_as_polling_places(
    real: Path, tmp_path: Path, name: str, layout: str
) -> None:
    path = _copy(real, name, tmp_path / Path(name).name)
    assert _refusal(read_polling_places, path) == (
        f"{path.name}: an early-voting list ({layout}), not a polling-place list: "
        "give it as --early-voting"
    )


@pytest.mark.realdata
def test_polling_places_given_as_early_voting(real: Path, tmp_path: Path) -> None:
    path = _copy(real, POLLING_2020, tmp_path / "polling_place_20201103.csv")
    assert _refusal(read_early_voting, path) == (
        "polling_place_20201103.csv: a polling-place list (the State Board's "
        "polling_place_YYYYMMDD file), not an early-voting list: give it as --polling-places"
    )


def test_unknown_early_voting_layout(tmp_path: Path) -> None:
    path = tmp_path / "unknown.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n")
    message = _refusal(read_early_voting, path)
    assert message.startswith("unknown.csv: unknown early-voting layout (first line: a, b, c, d).")
    for known in (
        "(1) the State Board's one-stop list (StatewideList): no header row, 8 columns "
        "election date, county, board office Y/N, site name, street, city state ZIP, date, hours",
        "(2) the county's hand-edited list: columns county, name, street, city, zip, date, "
        "hours; optional lat, lon",
        "(3) the county's one-stop list with a day list per site: columns County, "
        "LocationName, Address, Dates",
        "(4) the State Board's one-stop site KML (ossite): named .kml or .kmz",
        "(5) the State Board's per-county one-stop JSON: named .json, SiteList[] of Name, "
        "SiteAddressStreet, SiteAddressCSZ, CompleteHoursHTML",
    ):
        assert known in message
    assert "fields, expected" not in message
    assert message.endswith(
        "Next step: export it with the columns of (2), or give the State Board's file."
    )


def test_early_voting_layouts_come_from_the_readers() -> None:
    from lookup.ingest.formats import one_stop_cells

    statewide, simple, day_list, _kml, _json = registry.EARLY_VOTING.layouts
    assert simple.columns == early_voting.SIMPLE_COLUMNS
    assert day_list is one_stop_cells.LAYOUT
    assert str(len(early_voting.STATEWIDE_COLUMNS)) in statewide.how


def test_near_early_voting_layout_names_the_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "sites.csv"
    path.write_text("county,name,date,hours\nX,Y,10/20/2020,8AM - 5PM\n")
    assert _refusal(read_early_voting, path) == (
        "sites.csv: missing columns street, city, zip (header: county, name, date, hours); "
        "the county's hand-edited list: columns county, name, street, city, zip, date, hours; "
        "optional lat, lon. Next step: rename or add the missing columns."
    )


@pytest.mark.realdata
def test_statewide_list_cut_short_still_says_line_and_columns(real: Path, tmp_path: Path) -> None:
    lines = (real / STATEWIDE_LIST).read_bytes().split(b"\r\n")
    path = tmp_path / "StatewideList.txt"
    path.write_bytes(b"\r\n".join([lines[0], lines[1].rsplit(b"\t", 2)[0]]))
    assert _refusal(read_early_voting, path) == (
        "StatewideList.txt line 2: 6 fields, expected 8 (election date, county, board office "
        "Y/N, site name, street, city state ZIP, date, hours): is a tab missing or the line "
        "cut short?"
    )


def test_unknown_early_voting_json(tmp_path: Path) -> None:
    path = tmp_path / "sites.json"
    path.write_text('{"type": "sites", "items": []}')
    message = _refusal(read_early_voting, path)
    assert message.startswith(
        "sites.json: unknown early-voting layout (JSON with keys type, items). Known layouts: (1)"
    )
    path.write_bytes(HTML)
    assert _refusal(read_early_voting, path).startswith(
        'sites.json: an HTML web page titled "Sign in - County Portal"'
    )
    path.write_text('{"SiteList": [')
    assert _refusal(read_early_voting, path) == (
        "sites.json: not valid JSON (line 1, column 15: expecting value; cut short?): "
        "download the file again"
    )


def test_unknown_address_layout(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text("a,b,c,d\n1,2,3,4\n")
    message = _refusal(read_addresses, path)
    assert message.startswith(
        "addresses.csv: unknown address-table layout (header: a, b, c, d). Known layouts: "
        "(1) the county Master Address Table: columns ADDRNUM, STREETNAME; XCOORD, YCOORD in "
        "NC State Plane feet; (2) NENA NG9-1-1 address points: columns Add_Number, St_Name; "
        "(3) house number and street, as OpenAddresses: columns number/housenumber/housenum/…, "
        "street/streetfull/fullstreet/…; (4) a one-line street address: columns "
        "address/streetaddress/fulladdress/…; each with longitude/lon/long/lng/x and "
        "latitude/lat/y columns (degrees) or a point layer."
    )
    assert message.endswith("Next step: export the table with the columns of one of these "
                            "(names match in any case, with or without spaces and underscores).")  # fmt: skip


def test_address_layouts_come_from_the_detector() -> None:
    mat, nena, *_ = address_layouts.known_layouts()
    assert mat.columns == address_layouts.MAT_KEYS and nena.columns == address_layouts.NENA_KEYS
    # Each layout listed is one detect_layout takes (with coordinates).
    for fields in (("ADDRNUM", "STREETNAME"), ("Add_Number", "St_Name"), ("number", "street")):
        layout = address_layouts.detect_layout((*fields, "lon", "lat"), False, "t.csv")
        assert layout.number == fields[0]


# ---- end to end --------------------------------------------------------------------------


@pytest.mark.realdata
def test_refresh_refuses_zip_as_polling_places_in_one_line(real: Path, tmp_path: Path) -> None:
    polling = _copy(real, PRECINCT_ZIP, tmp_path / "zipas.csv")
    env = {**os.environ, "LOOKUP_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [
            sys.executable, "-m", "lookup.cli", "refresh",
            "--precincts", str(real / PRECINCT_ZIP),
            "--polling-places", str(polling),
            "--early-voting", str(real / STATEWIDE_LIST),
            "--county", "MECKLENBURG", "--election-date", "2020-11-03",
            "--quiet", "--data-dir", str(tmp_path / "data"),
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and "UTF-8" not in out
    errors = [line for line in out.splitlines() if line.startswith("ERROR: ")]
    assert errors == [
        "ERROR: zipas.csv: a zipped shapefile (Voter_Precinct.shp), not a CSV or text table: "
        "give it as --precincts"
    ]


@pytest.mark.realdata
def test_batch_input_that_is_a_zipped_shapefile(real: Path) -> None:
    """Outside a refresh (a batch file) no refresh option is named as the next step."""
    with pytest.raises(DataError) as err:
        decode_bytes((real / PRECINCT_ZIP).read_bytes(), "batch.csv")
    assert str(err.value) == (
        "batch.csv: a zipped shapefile (Voter_Precinct.shp), not text: give a CSV or text file"
    )
