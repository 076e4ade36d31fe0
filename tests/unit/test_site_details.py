"""The county's site details: the CSV's checks (each refusal names the row), the join to the
candidate's places by id or address, storage with the version, the refresh refusing a bad
file with the live data untouched, and the VIP export's ``directions`` and ``photo_uri``."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES
from lookup.dataset.codec import load_dataset
from lookup.dataset.demo import SITE_DETAILS, demo_request
from lookup.dataset.publish import current_target
from lookup.domain.models import Address, PollingPlace
from lookup.domain.site_details import SiteDetails, SiteDetailsTable, labelled
from lookup.errors import DataError
from lookup.ingest.formats.site_details import read_site_details
from lookup.ingest.refresh import refresh
from lookup.ingest.site_details_join import join_details, places_of
from lookup.outputs.vip import export_vip

NOW = datetime(2028, 10, 1, 12, tzinfo=UTC)
HEADER = "id,accessible_entrance_en,accessible_entrance_es,photo_url,phone\n"


def details_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "details.csv"
    path.write_bytes(text.encode(encoding))
    return path


def read(tmp_path: Path, text: str, encoding: str = "utf-8"):
    return read_site_details(details_file(tmp_path, text, encoding))


# ---- the file's own checks ------------------------------------------------------------


def test_a_row_is_read_with_its_texts_url_and_phone_normalised(tmp_path: Path) -> None:
    rows = read(
        tmp_path,
        "\ufeff" + HEADER + '264,"Ramp, north door",Rampa en la puerta norte,'
        "https://example.org/a.jpg,(704) 555-0100\n"
        "\n"  # a blank line is skipped but counted, as a spreadsheet counts it
        "102,,,,+1 704.555.0101\n",
    )
    assert [(r.row, r.id) for r in rows] == [(2, "264"), (4, "102")]
    first = rows[0].details
    assert dict(first.accessible_entrance) == {
        "en": "Ramp, north door",
        "es": "Rampa en la puerta norte",
    }
    assert (first.photo_url, first.phone) == ("https://example.org/a.jpg", "704-555-0100")
    assert rows[1].details.phone == "704-555-0101" and not rows[1].details.accessible_entrance


def test_windows_1252_from_excel_is_read(tmp_path: Path) -> None:
    rows = read(tmp_path, "id,notes_en,notes_es\n264,Door B,Puerta B está al fondo\n", "cp1252")
    assert rows[0].details.notes["es"] == "Puerta B está al fondo"


def test_numbers_a_spreadsheet_saved_as_numbers_are_read_as_typed(tmp_path: Path) -> None:
    """A column of ids or phones typed as digits comes back from a spreadsheet as
    ``264.0`` and ``7045550100.0``: the id and the phone still read as they were typed."""
    rows = read(tmp_path, "id,notes_en,phone\n264.0,Door B,7045550100.0\n", "cp1252")
    assert (rows[0].id, rows[0].details.phone) == ("264", "704-555-0100")
    assert read(tmp_path, "id,notes_en\n264.5,Door B\n")[0].id == "264.5"  # not a whole one


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,wheelchair_en\n264,yes\n", "unknown column 'wheelchair_en'"),
        ("id,notes_en,notes_en\n264,a,b\n", "column 'notes_en' appears twice"),
        ("name,notes_en\nX,a\n", "unknown column 'name'"),
        ("notes_en,phone\na,704-555-0100\n", "no id or address column"),
        (HEADER + "264,,Rampa,,\n", "row 2 (id 264): accessible_entrance_es without accessible_entrance_en"),
        (HEADER + "264,,,http://example.org/a.jpg,\n", "row 2 (id 264): photo_url 'http://example.org/a.jpg' is not an https:// address"),
        (HEADER + "264,,,https://me:pw@example.org/a.jpg,\n", "row 2 (id 264): photo_url holds a user name or password"),
        (HEADER + "264,,,https://" + "a" * 500 + ".org,\n", "row 2 (id 264): photo_url is 512 characters, over the 500 allowed"),
        (HEADER + "264,,,javascript:alert(1),\n", "is not an https:// address"),
        (HEADER + "264,,,,555-0100\n", "row 2 (id 264): phone '555-0100' is not a US phone number"),
        (HEADER + "264,,,,+44 20 7946 0958\n", "is not a US phone number"),
        (HEADER + "264,,,,704-055-0100\n", "is not a US phone number"),
        (HEADER + "264," + "x" * 301 + ",,,\n", "row 2 (id 264): accessible_entrance_en is 301 characters, over the 300 allowed"),
        (HEADER + '264,"two\nlines",,,\n', "row 2 (id 264): accessible_entrance_en holds a line break"),
        (HEADER + "264,a\u202eb,,,\n", "holds control character U+202E"),
        (HEADER + ",Ramp,,,\n", "row 2: no id and no address"),
        (HEADER + "264,a,b,c,d,e\n", "row 2: 6 cells but the header names 5 columns"),
    ],
)  # fmt: skip
def test_a_bad_cell_refuses_the_file_naming_the_row(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(DataError) as info:
        read(tmp_path, text)
    assert expected in str(info.value)
    assert str(info.value).startswith("details.csv: ")


# ---- the join to the election's places -------------------------------------------------


def place(pid: str, line1: str, city: str = "DEMO CITY", zip_code: str = "28990") -> PollingPlace:
    return PollingPlace(pid, f"PLACE {pid}", Address(line1, city, "NC", zip_code), None, None)


POLLING = {
    ("DEMO", "001"): place("264", "7333 GULL ST"),
    ("DEMO", "002"): place("264", "7333 GULL ST"),  # one place serves two precincts
    ("DEMO", "003"): place("301", "912 MAIN ST"),
    ("DEMO", "004"): place("302", "912 MAIN ST", "RIVERTON", "28993"),
}


def join(tmp_path: Path, text: str) -> SiteDetailsTable:
    return join_details([("details.csv", read(tmp_path, text))], places_of(POLLING, []))


def test_an_address_names_a_place_as_the_refresh_compares_addresses(tmp_path: Path) -> None:
    table = join(
        tmp_path,
        "address,notes_en\n"
        '"7333 Gull Street, Demo City",Back door\n'
        '"912 Main St, Riverton NC 28993",Side door\n',
    )
    assert set(table) == {("DEMO", "264"), ("DEMO", "302")}
    assert dict(table.get("DEMO", "302").notes) == {"en": "Side door"}
    assert table.get("DEMO", "301") is None  # not given: not known


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id,notes_en\n999,x\n", "row 2 (id 999): no polling place or early-voting site of this election has that id"),
        ("address,notes_en\n1 Nowhere Rd,x\n", "row 2 (address '1 Nowhere Rd'): no polling place or early-voting site"),
        ("address,notes_en\n912 Main St,x\n", "that address is more than one place (PLACE 301 (301, DEMO CITY); PLACE 302 (302, RIVERTON))"),
        ("id,address,notes_en\n264,,x\n,7333 GULL ST,y\n", "row 3 (address '7333 GULL ST'): PLACE 264 (264) already has a row (details.csv row 2)"),
    ],
)  # fmt: skip
def test_a_row_naming_no_place_several_or_one_twice_is_refused(
    tmp_path: Path, text: str, expected: str
) -> None:
    with pytest.raises(DataError) as info:
        join(tmp_path, text)
    assert expected in str(info.value)


def test_texts_fall_back_to_english_and_are_labelled_for_free_text_outputs() -> None:
    from types import MappingProxyType

    d = SiteDetails(
        accessible_entrance=MappingProxyType({"en": "Ramp at door B"}),
        notes=MappingProxyType({"en": "Use the gym lot.", "es": "Use el estacionamiento."}),
        phone="704-555-0100",
    )
    assert d.said("accessible_entrance", "es") == ("Ramp at door B", "en")
    assert d.said("transit", "es") is None
    assert labelled(d, "es") == [
        "Entrada accesible: Ramp at door B.",
        "Notas: Use el estacionamiento.",
        "Teléfono el día de la votación: 704-555-0100.",
    ]
    assert SiteDetails.from_json(d.to_json()) == d


# ---- stored with the version, and the refresh's refusal ---------------------------------


def test_the_demo_version_stores_and_loads_its_details(demo_dir: Path, demo_ds) -> None:
    again = load_dataset(current_target(demo_dir))
    assert again.site_details == demo_ds.site_details
    assert set(demo_ds.site_details) == {
        ("DEMO", "102"),
        ("DEMO", "264"),
        ("DEMO", "demo-demo-city-main-library"),
        ("DEMO", "demo-demo-county-board-of-elections"),
    }
    office = demo_ds.site_details.get("DEMO", "demo-demo-county-board-of-elections")
    assert office.phone == "919-555-0199"
    assert "fictional" in office.notes["en"]


def test_a_refused_details_file_fails_the_refresh_and_leaves_live_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    good = refresh(replace(demo_request(DEMO_SOURCES, data), version="v1"), NOW)
    assert good.published, good.lines()
    live = current_target(data)
    bad = details_file(tmp_path, "id,notes_en,phone\n264,Back door,555-0100\n")
    req = replace(demo_request(DEMO_SOURCES, data), version="v2", site_details=(bad,))
    report = refresh(req, NOW)
    assert not report.published
    errors = [line for line in report.lines() if line.startswith("ERROR")]
    assert errors == [
        "ERROR: details.csv: row 2 (id 264): phone '555-0100' is not a US phone number "
        "(ten digits, e.g. 704-555-0100)"
    ]
    assert current_target(data) == live
    assert not (data / "versions" / "v2").exists()


def test_a_version_without_details_writes_no_details_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    req = replace(demo_request(DEMO_SOURCES, data), version="plain", site_details=())
    assert refresh(req, NOW).published
    version = current_target(data)
    assert not (version / "site_details.json").exists()
    assert len(load_dataset(version).site_details) == 0
    assert SITE_DETAILS == ("demo-site-details.csv",)


# ---- VIP ---------------------------------------------------------------------------------


def test_the_vip_export_carries_directions_and_photo_uri(demo_ds, tmp_path: Path) -> None:
    export_vip(demo_ds, tmp_path / "vip", NOW)
    with (tmp_path / "vip" / "polling_location.txt").open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    office = rows["ev-DEMO-demo-demo-county-board-of-elections"]
    assert office["directions"] == (
        "Accessible entrance: Level entrance at the main doors on Main Street. "
        "Accessible parking: Four accessible spaces beside the main doors. "
        "Curbside voting: Curbside voting at the covered drop-off lane; press the call button. "
        "Transit: Demo Transit route 3, stop Main St & 2nd St. "
        "Notes: Example details of the fictional Demo County."
    )
    assert office["photo_uri"] == "https://example.org/demo-county/board-office-entrance.jpg"
    college_park = rows["pl-DEMO-264"]
    assert college_park["directions"].startswith("Accessible entrance: Gym entrance at the back")
    assert college_park["photo_uri"] == ""
    # The phone has no VIP column on a polling location; a place without details, nothing.
    assert rows["pl-DEMO-102"]["directions"] == "" and rows["pl-DEMO-158"]["directions"] == ""
