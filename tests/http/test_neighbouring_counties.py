"""Issue 22 item 4: an address of another North Carolina county is told its county and
whom to call (``outside_jurisdiction``, reason ``other_county``), not "check the
spelling". The table of towns and ZIPs comes from the statewide polling-place file the
refresh already reads (real 2020 file, read in place; a county-only copy is written to
tmp_path); the rules themselves are checked on a small table first."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from support.servers import Server

from lookup.dataset.codec import load_dataset
from lookup.dataset.holder import DatasetHolder
from lookup.dataset.model import Dataset
from lookup.domain.boards import KNOWN_BOARDS, STATE_BOARD, county_title
from lookup.domain.neighbours import FILE, CountyPlaces, other_county
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import AddressNotFound, OutsideJurisdiction, ServiceError
from lookup.geocode.base import Candidate
from lookup.ingest.refresh import RefreshRequest, refresh
from lookup.outputs import civic
from lookup.outputs.api_json import error_json
from lookup.service import AddressQuery, find_polling_place

NOW = datetime(2020, 10, 20, 10, 0, tzinfo=LOCAL_TZ)
GASTONIA = "1 Main St, Gastonia NC 28052"
POLLING_2020 = "statewide/polling_places/polling_place_20201103.csv"


# ---- the rules, on a small table ---------------------------------------------------

TABLE = CountyPlaces.build(
    [
        ("MECKLENBURG", "CHARLOTTE", "28202"),
        ("MECKLENBURG", "MATTHEWS", "28105"),
        ("UNION", "MATTHEWS", "28104"),
        ("UNION", "MONROE", "28110"),
        ("MECKLENBURG", "CHARLOTTE", "28075"),  # a ZIP across the county line
        ("CABARRUS", "HARRISBURG", "28075"),
        ("ALAMANCE", "BURLINGTON", "27215"),
        ("CASWELL", "BURLINGTON", "27217"),
        ("WAYNE", "MT OLIVE", "28365"),
        ("MCDOWELL", "MARION", "28752"),
    ]
)
HOME = ("MECKLENBURG",)


@pytest.mark.parametrize(
    ("town", "zip_code", "expected"),
    [
        ("MONROE", "", (("UNION",), ("town",))),
        ("", "28110", (("UNION",), ("zip",))),
        ("MONROE", "28110", (("UNION",), ("town", "zip"))),
        ("Mount Olive", "", (("WAYNE",), ("town",))),  # NCSBE writes MT OLIVE
        ("BURLINGTON", "", (("ALAMANCE", "CASWELL"), ("town",))),  # a town in two counties
        ("BURLINGTON", "27217", (("CASWELL",), ("town", "zip"))),  # the ZIP tells which
        ("MATTHEWS", "28104", ((), ())),  # a town shared with this county: not another's
        ("HARRISBURG", "28075", ((), ())),  # a ZIP shared with this county
        ("CHARLOTTE", "28110", ((), ())),  # this county's town, another's ZIP
        ("NOWHERE", "", ((), ())),  # unknown: no claim
        ("", "", ((), ())),
    ],
)
def test_another_county_only_when_nothing_said_is_this_countys(
    town: str, zip_code: str, expected: tuple[tuple[str, ...], tuple[str, ...]]
) -> None:
    assert TABLE.elsewhere(town, zip_code, HOME) == expected


def test_the_countys_own_address_data_counts_as_this_county() -> None:
    # A town or ZIP the address points know is this county's, whatever the table says.
    assert TABLE.elsewhere("MONROE", "", HOME, home_town=True) == ((), ())
    assert TABLE.elsewhere("", "28110", HOME, home_zip=True) == ((), ())


def test_table_round_trips_and_knows_its_other_counties() -> None:
    again = CountyPlaces.from_json(TABLE.to_json())
    assert again == TABLE
    assert TABLE.others(HOME) >= {"UNION", "CABARRUS", "ALAMANCE"}
    assert "MECKLENBURG" not in TABLE.others(HOME)
    assert CountyPlaces.empty().others(HOME) == frozenset()
    with pytest.raises(ValueError):
        CountyPlaces.from_json({"towns": {"MONROE": "UNION"}})


def test_county_names_as_people_write_them() -> None:
    assert county_title("GASTON") == "Gaston"
    assert county_title("NEW HANOVER") == "New Hanover"
    assert county_title("MCDOWELL") == "McDowell"


def test_a_board_we_know_is_named_with_its_own_phone() -> None:
    """Served from another county (the demo one), a Mecklenburg town gets Mecklenburg's
    board and number, which boards.py knows; the State Board is not needed then."""
    err = other_county(("MECKLENBURG",), ("town",))
    board = KNOWN_BOARDS["MECKLENBURG"]
    assert err.details["board"]["phone"] == board.phone
    body = error_json(err, "en", KNOWN_BOARDS["DEMO"], True)
    assert body["error"]["message"] == (
        "That address is in Mecklenburg County, outside the area this service covers. "
        "Please call the Mecklenburg County Board of Elections at 704-336-2133."
    )
    es = error_json(err, "es", KNOWN_BOARDS["DEMO"], True)["error"]["message"]
    assert es.endswith("Junta Electoral del condado de Mecklenburg al 704-336-2133.")


# ---- on the real 2020 files ---------------------------------------------------------


def _request(real: Path, data: Path, polling: Path) -> RefreshRequest:
    places = real / "mecklenburg/places"
    return RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(polling,),
        early_voting=(real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",),
        # Real county points with addresses, so Mecklenburg addresses answer.
        addresses=(places / "town_halls.geojson", places / "libraries.geojson"),
        county="MECKLENBURG",
        election_day=date(2020, 11, 3),
        data_dir=data,
        version="v1",
    )


@pytest.fixture(scope="module")
def meck_dir(meck_2020) -> Path:
    """Mecklenburg refreshed from the statewide 2020 polling-place file (conftest)."""
    report, data = meck_2020
    assert report.counts["other_counties_known"] == 99  # every other NC county
    return data


@pytest.fixture(scope="module")
def meck(meck_dir: Path) -> Dataset:
    return DatasetHolder(meck_dir).load_now()


def _error(ds: Dataset, text: str, lang: str = "en") -> tuple[ServiceError, dict]:
    with pytest.raises(ServiceError) as exc:
        find_polling_place(ds, AddressQuery(text), NOW)
    return exc.value, error_json(exc.value, lang, ds.board, ds.demo)


def test_gastonia_is_gaston_county(meck: Dataset) -> None:
    err, body = _error(meck, GASTONIA)
    assert isinstance(err, OutsideJurisdiction)
    assert body["status"] == 404 and body["error"]["code"] == "outside_jurisdiction"
    details = body["error"]["details"]
    assert details["reason"] == "other_county"
    assert details["county"] == "GASTON" and details["counties"] == ["GASTON"]
    assert details["matched_by"] == ["town", "zip"]
    # No phone made up for Gaston's board: the State Board, which can give it, is named.
    assert details["board"] == {
        "name": "Gaston County Board of Elections",
        "phone": None,
        "url": None,
        "address": None,
    }
    assert details["state_board"]["phone"] == STATE_BOARD.phone == "919-814-0700"
    message = body["error"]["message"]
    assert "Gaston County" in message and "919-814-0700" in message
    assert "spelling" not in message
    # The answer still carries this county's own board, as every answer does.
    assert body["board_of_elections"]["phone"] == KNOWN_BOARDS["MECKLENBURG"].phone


def test_spanish_message(meck: Dataset) -> None:
    _err, body = _error(meck, GASTONIA, "es")
    message = body["error"]["message"]
    assert message.startswith("Esa dirección está en el condado de Gaston")
    assert "Junta Electoral del Estado" in message and "919-814-0700" in message


@pytest.mark.parametrize(
    ("text", "county"),
    [
        ("Concord NC", "CABARRUS"),  # a town alone
        ("12 Elm St, Concord, NC 28025", "CABARRUS"),
        ("Main St, Gastonia", "GASTON"),  # a street without number, in another town
        ("12 Elm St 28052", "GASTON"),  # a ZIP alone says it
        ("12 Elm St, Mount Holly NC", "GASTON"),  # NCSBE writes MOUNT HOLLY
    ],
)
def test_towns_and_zips_of_neighbours(meck: Dataset, text: str, county: str) -> None:
    _err, body = _error(meck, text)
    assert body["error"]["details"]["county"] == county, body


def test_a_town_of_two_other_counties_names_both(meck: Dataset) -> None:
    _err, body = _error(meck, "12 Elm St, Burlington NC")
    details = body["error"]["details"]
    assert details["counties"] == ["ALAMANCE", "CASWELL"]
    assert details["county"] is None and details["board"] is None
    assert "Alamance, Caswell" in body["error"]["message"]


@pytest.mark.parametrize(
    "text",
    [
        "123 Nosuch Rd, Matthews NC 28104",  # Matthews: Mecklenburg and Union; 28104: Union
        "123 Nosuch Rd, Stallings NC 28105",  # Stallings: Union; 28105: Mecklenburg
        "123 Nosuch Rd, Charlotte NC 28052",  # this county's town, a Gaston ZIP
        "123 Nosuch Rd, Huntersville NC 28078",
    ],
)
def test_anything_pointing_here_keeps_not_found(meck: Dataset, text: str) -> None:
    err, _body = _error(meck, text)
    assert isinstance(err, AddressNotFound), err.details


def test_mecklenburg_address_still_answers(meck: Dataset) -> None:
    a = find_polling_place(meck, AddressQuery("310 N Tryon St, Charlotte NC 28202"), NOW)
    assert a.precinct.county == "MECKLENBURG" and a.polling_place is not None


def test_no_remote_geocoder_is_asked(meck: Dataset) -> None:
    """The county is known from the town: the address is never sent elsewhere."""

    class Remote:
        name = "census"

        def __init__(self) -> None:
            self.asked: list[str] = []

        def geocode(self, text: str) -> list[Candidate]:
            self.asked.append(text)
            return []

    remote = Remote()
    with pytest.raises(OutsideJurisdiction):
        find_polling_place(meck, AddressQuery(GASTONIA), NOW, [remote])
    assert remote.asked == []


def test_civic_endpoint_names_the_county(meck: Dataset) -> None:
    err, _body = _error(meck, GASTONIA)
    google = civic.from_service_error(err, meck.board)
    assert (google.status, google.reason) == (404, "notFound")
    assert google.text.startswith("No information for this address. That address is in Gaston")
    assert "919-814-0700" in google.text


def test_published_with_the_version_and_older_versions_load(meck_dir: Path, tmp_path: Path) -> None:
    folder = (meck_dir / "current").resolve()
    assert (folder / FILE).is_file()
    assert load_dataset(folder).county_places.towns["GASTONIA"] == ("GASTON",)
    # A version written before the table existed loads with an empty one.
    older = tmp_path / folder.name
    shutil.copytree(folder, older)
    (older / FILE).unlink()
    assert load_dataset(older).county_places == CountyPlaces.empty()


def test_county_only_file_refreshes_with_an_empty_table(real: Path, tmp_path: Path) -> None:
    """A polling-place file with Mecklenburg's rows only (a county export): the refresh
    works, knows no other county, and Gastonia is "not found" as before."""
    raw = (real / POLLING_2020).read_bytes().decode("utf-16")
    rows = list(csv.reader(io.StringIO(raw), delimiter="\t"))
    kept = [rows[0]] + [r for r in rows[1:] if r[1] == "MECKLENBURG"]
    own = tmp_path / "polling_place_mecklenburg.csv"
    own.write_bytes("\r\n".join("\t".join(r) for r in kept).encode("utf-16"))
    data = tmp_path / "data"
    report = refresh(_request(real, data, own), datetime(2020, 9, 1, tzinfo=UTC))
    assert report.published, report.lines()
    assert report.counts["other_counties_known"] == 0
    ds = DatasetHolder(data).load_now()
    err, _body = _error(ds, GASTONIA)
    assert isinstance(err, AddressNotFound)


# ---- through real HTTP (gunicorn), every face that answers JSON -----------------------


@pytest.fixture(scope="module")
def meck_server(meck_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    srv = Server(meck_dir, tmp_path_factory.mktemp("neighbours-log") / "server.log")
    yield srv
    srv.stop()


def test_http_api_names_gaston_county(meck_server: Server) -> None:
    r = meck_server.get("/api/v1/lookup", address=GASTONIA)
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "outside_jurisdiction" and error["details"]["county"] == "GASTON"
    assert error["message"].startswith("That address is in Gaston County")
    es = meck_server.get("/api/v1/lookup", address=GASTONIA, lang="es").json()["error"]
    assert es["message"].startswith("Esa dirección está en el condado de Gaston")
    ok = meck_server.get("/api/v1/lookup", address="310 N Tryon St, Charlotte NC 28202")
    assert ok.status_code == 200 and ok.json()["precinct"]["county"] == "MECKLENBURG"


def test_http_page_and_civic_name_gaston_county(meck_server: Server) -> None:
    page = meck_server.get("/", address=GASTONIA)
    assert "Gaston County" in page.text
    google = meck_server.get("/civicinfo/v2/voterinfo", address=GASTONIA)
    assert google.status_code == 404
    assert "Gaston County" in google.json()["error"]["message"]


def test_no_address_in_the_server_log(meck_server: Server) -> None:
    meck_server.get("/api/v1/lookup", address=GASTONIA)
    text = meck_server.log_path.read_text(errors="replace")
    for needle in ("Gastonia", "GASTONIA", "28052", "Main St", "MAIN ST"):
        assert needle not in text, needle


@pytest.mark.browser
def test_console_and_widget_name_gaston_county(chromium, meck_server: Server) -> None:
    """Every face: the console's error and the widget's, whose call line is the State
    Board's (which gives Gaston's number), never Mecklenburg's own."""
    context = chromium.new_context()
    page = context.new_page()
    url = meck_server.url
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(f"{url}/rep?lang=en&date=2020-10-20")
        page.fill("#address", GASTONIA)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#error:not([hidden])")
        assert page.inner_text("#error-message").startswith("That address is in Gaston County")

        page.goto(f"{url}/widget?lang=es&date=2020-10-20")
        box = page.locator("input[role=combobox]")
        box.fill(GASTONIA)
        box.press("Escape")
        box.press("Enter")
        error = page.locator(".wtv-error")
        error.wait_for()
        assert "condado de Gaston" in error.inner_text()
        call = error.locator(".wtv-call").inner_text()
        assert "919-814-0700" in call and "704-336-2133" not in call
        assert call.startswith(STATE_BOARD.name)
    finally:
        context.close()
    assert not errors, errors
