from __future__ import annotations

import codecs
from datetime import date, time
from pathlib import Path

import pytest

from lookup.errors import DataError
from lookup.ingest.formats.addresses import read_addresses
from lookup.ingest.formats.early_voting import read_statewide_list
from lookup.ingest.formats.fields import parse_hours
from lookup.ingest.formats.registry import read_polling_places, read_precincts
from lookup.ingest.formats.textfile import decode_bytes, read_text_table

HEADER = "election_dt\tcounty_name\tpolling_place_id\tpolling_place_name\tprecinct_name\thouse_num\tstreet_name\tcity\tstate\tzip"
ROW = "11/07/2028\tTEST\t7\tSAINT JOSÉ CHURCH\tPCT 001\t600\tEAST BLVD\tTESTVILLE\tNC\t28999"


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        (codecs.BOM_UTF16_LE + "a\tb\r\n".encode("utf-16-le"), "utf-16"),
        ("a\tb\r\n".encode("utf-16-le"), "utf-16-le"),
        ("a\tb\r\n".encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF8 + b"a,b\n", "utf-8-sig"),
        ("caf\u00e9,b\n".encode(), "utf-8"),
        ("caf\u00e9,b\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_detected(encoded: bytes, encoding: str) -> None:
    assert decode_bytes(encoded, "f")[1] == encoding


def test_undecodable_bytes_refused() -> None:
    with pytest.raises(DataError, match="not valid"):
        decode_bytes(b"abc\x81\x8d\xff\xfe", "f")


def test_ncsbe_polling_file(tmp_path: Path) -> None:
    path = tmp_path / "polling_place_20281107.csv"
    path.write_bytes(codecs.BOM_UTF16_LE + f"{HEADER}\r\n{ROW}\r\n".encode("utf-16-le"))
    assert read_text_table(path).delimiter == "\t"
    (row,) = read_polling_places(path)
    assert row.election_day == date(2028, 11, 7)
    assert (row.name, row.precinct_name, row.street, row.zip) == (
        "SAINT JOSÉ CHURCH",
        "PCT 001",
        "600 EAST BLVD",
        "28999",
    )
    assert read_polling_places(path, county="test") == [row]
    with pytest.raises(DataError, match="no polling places"):
        read_polling_places(path, county="WAKE")


def test_plain_csv_with_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    header = HEADER.replace("\t", ",") + ",lat,lon"
    path.write_text(f"{header}\n{ROW.replace(chr(9), ',')},35.2,-80.8\n", encoding="utf-8")
    (row,) = read_polling_places(path)
    assert (row.lat, row.lon) == (35.2, -80.8)


def test_polling_file_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="unknown polling-place layout"):
        read_polling_places(path)


def test_one_stop_list(tmp_path: Path) -> None:
    rows = [
        "11/07/2028\tTEST\tY\tBOARD OFFICE\t1 MAIN ST\tTESTVILLE, NC 28999\t10/19/2028\t8:00AM - 7:30PM",
        "11/07/2028\tTEST\tY\tBOARD OFFICE\t1 MAIN ST\tTESTVILLE, NC 28999\t10/22/2028\tClosed",
        "11/07/2028\tTEST\tY\tBOARD OFFICE\t1 MAIN ST\tTESTVILLE, NC 28999\t10/23/2028\t8:00AM - 12:00PM, 1:00PM - 5:00PM",
        "11/07/2028\tOTHER\tN\tELSEWHERE\t2 MAIN ST\tOTHERTON, NC 28998\t10/19/2028\t8:00AM - 7:30PM",
    ]
    path = tmp_path / "StatewideList.txt"
    path.write_text("\r\n".join(rows) + "\r\n")
    (site,) = read_statewide_list(path, county="TEST")
    assert site.zip == "28999" and site.city == "TESTVILLE"
    assert [d.closed for d in site.schedule] == [False, True, False]
    assert len(site.schedule[2].hours) == 2
    assert len(read_statewide_list(path)) == 2


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("8:00AM - 7:30PM", [(time(8), time(19, 30))]),
        ("8 AM to 3 PM", [(time(8), time(15))]),
        ("1:00 p.m. - 5:00 p.m.", [(time(13), time(17))]),
        ("Closed", []),
    ],
)
def test_hours(text: str, spans: list) -> None:
    assert [(h.start, h.end) for h in parse_hours(text, "t")] == spans


@pytest.mark.parametrize("text", ["7:30PM - 8:00AM", "sometimes", "25:00AM - 3PM"])
def test_bad_hours(text: str) -> None:
    with pytest.raises(DataError):
        parse_hours(text, "t")


def test_precinct_file_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(DataError):
        read_precincts(junk)
    nofield = tmp_path / "x.geojson"
    nofield.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},'
        '"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}}]}'
    )
    with pytest.raises(DataError, match="no precinct id field"):
        read_precincts(nofield, county="TEST")


def test_generic_address_csv(tmp_path: Path) -> None:
    path = tmp_path / "addr.csv"
    path.write_text(
        "address,city,state,zip,lat,lon\n"
        '"600 East Blvd Apt 3",Charlotte,NC,28203,35.21,-80.84\n'
        "310 N. Tryon St,Charlotte,NC,28202-1234,35.23,-80.84\n"
    )
    frame = read_addresses(path)
    assert frame["key"].tolist() == ["600 E BLVD", "310 N TRYON ST"]
    assert frame["unit"].tolist() == ["3", ""]
    assert frame["zip"].tolist() == ["28203", "28202"]


def test_mat_layout_reprojects_and_skips_retired(tmp_path: Path) -> None:
    path = tmp_path / "mat.csv"
    path.write_text(
        "ADDRNUM,ADDRNUMSUF,STDIR,STREETNAME,STREETTYPE,SUFDIR,UNITID,PLACENAME,MUNICIPALITY_DESC,ZIPCODE,XCOORD,YCOORD,TAXPID,STATUS_CODE\n"
        "600,,,EAST,BLVD,,,CHARLOTTE,CHARLOTTE,28203,1446000.0,539000.0,1,A\n"
        "123,1/2,N,MAIN,ST,,2B,CHARLOTTE,MINT HILL,28227,1446100.0,539100.0,2,A\n"
        "9,,,GONE,ST,,,CHARLOTTE,CHARLOTTE,28203,1446000.0,539000.0,3,R\n"
    )
    frame = read_addresses(path)
    assert frame["key"].tolist() == ["600 E BLVD", "123 1/2 N MAIN ST"]
    assert frame["unit"].tolist() == ["", "2B"]
    assert frame["municipality"].tolist() == ["CHARLOTTE", "MINT HILL"]
    # State Plane feet near uptown Charlotte -> WGS84.
    assert frame["lon"].between(-81.0, -80.6).all() and frame["lat"].between(35.0, 35.5).all()


def test_unknown_address_layout(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n")
    with pytest.raises(DataError, match="unknown address-table layout"):
        read_addresses(path)


OSSITE = """<div class="googft-info-window ossite">
One-Stop/Early Voting Site<br>
Horry County<br>
<b>TOWN HALL &amp; ANNEX</b><br>
<address>1 MAIN ST<br>CONWAY,NC 27854</address><br>
<b>Dates and Hours of Operation</b> <table><tr><td>Wed</td><td>10/17/2018</td><td>7:00AM - 7:00PM</td></tr>
<tr><td>Sat</td><td>10/20/2018</td><td>Closed</td></tr></table></div>"""


def test_kml_description_parsing() -> None:
    from lookup.ingest.formats.kml import (
        _county,
        _split_address,
        parse_description,
        precinct_attributes,
    )

    d = parse_description(OSSITE)
    assert d.bold[0] == "TOWN HALL & ANNEX"  # entities decoded; escaping is the pages' job
    assert _county(d) == "HORRY"
    assert _split_address(d, "t") == ("1 MAIN ST", "CONWAY", "NC", "27854")
    assert [r[2] for r in d.tables[0]] == ["7:00AM - 7:00PM", "Closed"]
    vtd = (
        "<table><tr><td>County</td><td>Mecklenburg</td></tr>"
        "<tr><td>Precinct</td><td>PCT 243</td></tr></table>"
    )
    assert precinct_attributes(vtd) == ("MECKLENBURG", "PCT 243")


def test_hand_edited_early_voting_csv(tmp_path: Path) -> None:
    from lookup.ingest.formats.registry import read_early_voting

    path = tmp_path / "sites.csv"
    path.write_text(
        "county,name,street,city,zip,date,hours,lat,lon\n"
        "Test,Town Hall,1 Main St,Testville,28999,2028-10-19,8:00AM - 7:30PM,35.1,-80.9\n"
        "Test,Town Hall,1 Main St,Testville,28999,10/22/2028,Closed,35.1,-80.9\n"
        'Test,Town Hall,1 Main St,Testville,28999,2028-10-23,"8:00AM - 12:00PM, 1:00PM - 5:00PM",35.1,-80.9\n'
        "Other,Elsewhere,2 Main St,Otherton,28998,2028-10-19,8:00AM - 7:30PM,,\n"
    )
    (site,) = read_early_voting(path, "TEST", date(2028, 11, 7))
    assert (site.name, site.city, site.zip, site.lat, site.lon) == (
        "TOWN HALL",
        "TESTVILLE",
        "28999",
        35.1,
        -80.9,
    )
    assert [len(d.hours) for d in site.schedule] == [1, 0, 2]
    assert site.election_day == date(2028, 11, 7)
    both = read_early_voting(path, None, date(2028, 11, 7))
    assert {s.county for s in both} == {"TEST", "OTHER"} and both[1].lat is None
    path.write_text(
        "county,name,street,city,zip,date,hours\nTest,X,1 Main,T,28999,2028-10-19,25PM\n"
    )
    with pytest.raises(DataError, match="line 2"):
        read_early_voting(path, None, date(2028, 11, 7))


def test_per_county_one_stop_json(tmp_path: Path) -> None:
    """NCSBE's GetSites shape: CompleteHoursHTML cells alternate a date range and hours."""
    import json

    from lookup.ingest.formats.registry import read_early_voting

    hours = (
        "<table><tr><td>10/15/2020 - 10/16/2020</td><td>8:00 AM - 7:30 PM</td></tr>"
        "<tr><td>10/17/2020</td><td>8:00 AM - 3:00 PM</td></tr>"
        "<tr><td>Sunday, October 18</td><td>1:00 PM - 5:00 PM</td></tr></table>"
    )
    doc = {
        "SelectedCounty": {"Name": "Mecklenburg"},
        "SiteList": [
            {
                "Name": "Ardrey Kell High School",
                "SiteAddressStreet": "10220 Ardrey Kell Rd",
                "SiteAddressCSZ": "Charlotte, NC 28277",
                "SiteCoordLat": "35.0285",
                "SiteCoordLong": "-80.8485",
                "CompleteHoursHTML": hours,
            },
            {
                "Name": "Spectrum Center",
                "SiteAddressStreet": "333 E Trade St",
                "SiteAddressCSZ": "Charlotte, NC 28202",
                "SiteCoordLat": 0,
                "SiteCoordLong": 0,
                "CompleteHoursHTML": "<table><tr><td>10/19/2020</td><td>Closed</td></tr></table>",
            },
        ],
    }
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(doc))
    kell, spectrum = read_early_voting(path, "MECKLENBURG", date(2020, 11, 3))
    assert (kell.county, kell.name, kell.city, kell.zip) == (
        "MECKLENBURG",
        "ARDREY KELL HIGH SCHOOL",
        "CHARLOTTE",
        "28277",
    )
    assert (kell.lat, kell.lon) == (35.0285, -80.8485) and spectrum.lat is None  # 0,0: none
    assert [d.day.isoformat() for d in kell.schedule] == [
        "2020-10-15",
        "2020-10-16",
        "2020-10-17",
        "2020-10-18",
    ]
    assert [(h.start.hour, h.end.hour) for d in kell.schedule for h in d.hours] == [
        (8, 19),
        (8, 19),
        (8, 15),
        (13, 17),
    ]
    assert spectrum.schedule[0].closed
    doc["SiteList"][0]["CompleteHoursHTML"] = (
        "<table><tr><td>Someday</td><td>8:00 AM - 1:00 PM</td></tr></table>"
    )
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match=r"site 1 .*cannot read the date 'Someday'"):
        read_early_voting(path, "MECKLENBURG", date(2020, 11, 3))
    with pytest.raises(DataError, match="sites of MECKLENBURG, not of Wake"):
        read_early_voting(path, "Wake", date(2020, 11, 3))
