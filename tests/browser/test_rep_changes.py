"""Issue 25 in the 311 console, in Chromium against a real server whose staff posted (POST
/admin/changes) an emergency relocation of the demo address's precinct and a closure of
its nearest early-voting site: the EMERGENCY CHANGE block comes first in the answer and the
script starts with it, in English and in Spanish (the staff's Spanish reason); the closed
site says "Closed now" with its reason, never open, and the script names the sites open
instead; the county's access details (the demo details file) are shown per place, "not
known" where the county gave none, and read aloud on request (Alt+A) in the script's
language; axe finds no violation in the answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.browser import console, no_axe_violations
from support.changes import DAY_ADDRESS as ADDRESS
from support.changes import DAY_AT as AT
from support.changes import DAY_CLOSE, DAY_RELOCATE
from support.paths import ARTIFACTS
from support.servers import Server
from support.staff import own_data_dir, post_change, staff_server

pytestmark = pytest.mark.browser
NEXT_DAY = "2028-10-26T10:00"  # neither holds


@pytest.fixture(scope="module")
def srv(demo_dir, tmp_path_factory) -> Iterator[Server]:
    """A server on its own copy of the demo data, with the two changes posted."""
    tmp = tmp_path_factory.mktemp("rep-changes")
    s = staff_server(own_data_dir(demo_dir, tmp), tmp / "server.log")
    post_change(s, DAY_RELOCATE)
    post_change(s, DAY_CLOSE)
    yield s
    s.stop()


def look_up(page) -> None:
    page.fill("#address", ADDRESS)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")


def access_pairs(page, selector: str) -> dict[str, str]:
    """The label -> value pairs of one place's access block."""
    pairs = page.eval_on_selector_all(
        f"{selector} dl > div",
        "ds => ds.map(d => [d.children[0].textContent, d.children[1].textContent])",
    )
    return dict(pairs)


def script(page) -> str:
    return page.inner_text("#script").replace("\u202f", " ")


def test_emergency_first_and_closed_site_in_both_languages(browser, srv) -> None:
    with console(browser, srv.url, "en", AT) as page:
        look_up(page)
        # The block is the first thing under the answer's heading, and names everything.
        first = page.evaluate("document.querySelector('#answer-title').nextElementSibling.id")
        assert first == "emergency" and page.is_visible("#emergency")
        block = page.inner_text("#emergency")
        assert block.startswith("⚠") or block.startswith("EMERGENCY CHANGE")
        for text in (
            "EMERGENCY CHANGE",
            "Demo Fire Station 4, 100 Elm Street, Demo City, NC 28990",
            "Power outage at the recreation center",
            "College Park Recreation Center, 7333 Gull Street",
            "8:00 PM",
        ):
            assert text in block.replace("\u202f", " "), (text, block)
        assert page.is_hidden("#changed")  # not also the "since the last election" flag
        said = script(page)
        assert said.startswith(
            "Important: because of an emergency, your polling place has moved to "
            "Demo Fire Station 4, at 100 Elm Street, Demo City. Power outage at the "
            "recreation center. Please do not go to your usual polling place, College Park "
            "Recreation Center, at 7333 Gull Street, Demo City. This is in effect until 8:00 PM."
        ), said
        # The closed site: its reason instead of open, listed, not counted as open.
        item = page.locator("#ev-sites > li", has_text="Demo County Board of Elections")
        text = item.inner_text()
        assert "Closed now, until 2:00" in text.replace("\u202f", " ")
        assert "Flooded parking lot" in text and "open now" not in text.lower()
        assert "5 sites open today" in page.inner_text("#ev-summary")
        assert "One site is closed now" in page.inner_text("#ev-summary")
        assert (
            "The early-voting site Demo County Board of Elections, at 3380 Main Street, Demo "
            "City is closed now. Flooded parking lot. This is in effect until 2:00 PM."
        ) in said
        assert "The nearest site open now is University Student Center" in said
        assert "Also open now: Demo City Main Library, at 1563 North Oak Street" in said
        no_axe_violations(page, "#answer")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rep-changes-en-1366.png"), full_page=True)

        # Spanish: the staff's Spanish reasons, asked for in Spanish.
        page.click(".script-lang[data-lang=es]")
        page.wait_for_function(
            "() => document.querySelector('#script').textContent.includes('Corte de luz')"
        )
        said = script(page)
        assert said.startswith(
            "Importante: por una emergencia, su lugar de votación se trasladó a Demo Fire "
            "Station 4, en 100 Elm Street, Demo City. Corte de luz en el centro."
        ), said
        assert "está cerrado ahora. Estacionamiento inundado." in said
        assert "Flooded" not in said and "Power outage" not in said


def test_access_details_shown_and_read_on_request(browser, srv) -> None:
    with console(browser, srv.url, "en", NEXT_DAY) as page:
        look_up(page)
        assert page.is_hidden("#emergency")
        place = access_pairs(page, "#election-day .access")
        assert place["Accessible entrance:"].startswith("Gym entrance at the back of the building")
        assert place["Accessible parking:"] == "not known"
        assert place["Transit:"] == "not known" and place["Phone on the day:"] == "not known"
        board = page.locator("#ev-sites > li", has_text="Demo County Board of Elections")
        assert "Level entrance at the main doors on Main Street." in board.inner_text()
        photo = board.locator(".access a[target=_blank]")
        assert photo.get_attribute("href") == (
            "https://example.org/demo-county/board-office-entrance.jpg"
        )
        assert photo.get_attribute("rel") == "noopener noreferrer"
        assert board.locator(".access a[href^='tel:']").inner_text() == "919-555-0199"
        college = page.locator("#ev-sites > li", has_text="University Student Center")
        assert college.locator(".access").inner_text() == "Access details: not known"
        assert "Access at" not in script(page)
        page.keyboard.press("Alt+a")
        assert page.get_attribute("#read-access", "aria-pressed") == "true"
        said = script(page)
        assert (
            "Access at College Park Recreation Center, at 7333 Gull Street, Demo City: "
            "Accessible entrance: Gym entrance at the back of the building; the front steps "
            "have no ramp."
        ) in said, said
        assert "Access at Demo County Board of Elections" in said
        assert "Not known: accessible parking, transit, and phone on the day." in said
        no_axe_violations(page, "#answer")
        page.click(".script-lang[data-lang=es]")
        page.wait_for_function(
            "() => document.querySelector('#script').textContent.includes('Entrada del gimnasio')"
        )
        said = script(page)
        assert "Accesibilidad en College Park Recreation Center" in said
        assert "Entrada accesible: Entrada del gimnasio en la parte trasera" in said
        page.keyboard.press("Alt+a")  # and out again
        assert "Accesibilidad en" not in script(page)
