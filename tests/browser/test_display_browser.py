"""The display forms of BOE names and addresses in headless Chromium: the 311 console's
read-aloud script in English and Spanish (title case, abbreviations spelled out, a cut
name to its last whole word, a nameless place by its address), the widget and the
resident page; axe-core on each."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from support.browser import no_axe_violations
from support.cases import CUT_NAME, NAMELESS_PRECINCT
from support.servers import Server

pytestmark = pytest.mark.browser
ADDRESS = "13186 5th St, Demo City NC 28990"  # PCT 019
AS_OF = "2028-10-25"
CUT_SHOWN = "College Park Community"  # COLLEGE PARK COMMUNITY RECREAT
GULL = "7333 Gull Street, Demo City"  # 7333 GULL ST, DEMO CITY: PCT 019's place


@pytest.fixture(scope="module")
def names_server(display_dir, tmp_path_factory) -> Iterator[Server]:
    srv = Server(display_dir, tmp_path_factory.mktemp("display-log") / "server.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def nameless(display_dir) -> tuple[str, str]:
    """A point in PCT 004, whose place is named ``Q``, as typed ("lat, lon"), and how its
    address is read."""
    from lookup.dataset.holder import DatasetHolder

    ds = DatasetHolder(display_dir).load_now()
    place = ds.polling[date(2028, 11, 7)][("DEMO", NAMELESS_PRECINCT)]
    assert (place.address.line1, place.address.city) == ("18117 MAGNOLIA AVE", "DEMO CITY")
    i = [p.id for p in ds.precincts].index(NAMELESS_PRECINCT)
    pt = ds.geoms[i].representative_point()
    return f"{pt.y:.6f}, {pt.x:.6f}", "18117 Magnolia Avenue, Demo City"


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.route(
        "**/*",
        lambda r: r.continue_() if r.request.url.startswith("http://127.0.0.1:") else r.abort(),
    )
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield pg
    context.close()
    assert not errors, errors  # no script error, no CSP violation


def console_answer(page, url: str, text: str, lang: str = "en") -> None:
    page.goto(f"{url}/rep?lang={lang}&date={AS_OF}")
    page.fill("#address", text)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")


def script_in(page, lang: str) -> str:
    page.click(f".script-lang[data-lang={lang}]")
    return page.inner_text("#script")


def test_the_console_reads_names_in_title_case_and_streets_in_full(page, server) -> None:
    """The demo county as shipped: the script says the place's display name and its
    street spelled out, in both languages, and nothing in the BOE's capitals."""
    a = server.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()
    pp = a["polling_place"]
    assert pp["address"]["line1"] == "7333 GULL ST" and pp["spoken_address"] == GULL
    assert pp["name"].isupper() and not pp["display_name"].isupper()
    site = next(s for s in a["early_voting_sites"] if s["hours_today"])
    console_answer(page, server.url, ADDRESS)
    assert page.inner_text("#election-day strong") == pp["display_name"]
    english = script_in(page, "en")
    assert f"is {pp['display_name']}, at {GULL}." in english
    assert f"is {site['display_name']}, at {site['spoken_address']}, from" in english
    assert "GULL ST" not in english and not re.search(r"\b[A-Z]{3,}\b", english)
    spanish = script_in(page, "es")
    assert f"es {pp['display_name']}, en {GULL}." in spanish
    assert f"es {site['display_name']}, en {site['spoken_address']}, de" in spanish
    assert not re.search(r"\b[A-Z]{3,}\b", spanish)
    assert page.inner_text("#ev-sites strong") == site["display_name"]
    no_axe_violations(page)


def test_the_console_reads_a_cut_name_to_its_last_whole_word(page, names_server) -> None:
    console_answer(page, names_server.url, ADDRESS)
    assert page.inner_text("#election-day strong") == CUT_SHOWN
    assert f"is {CUT_SHOWN}, at {GULL}. It is open" in script_in(page, "en")
    spanish = script_in(page, "es")
    assert f"es {CUT_SHOWN}, en {GULL}. Está abierto" in spanish
    assert not re.search(r"\brecreat\b", page.inner_text("#answer"), re.I)  # no half word
    no_axe_violations(page)


def test_the_console_reads_a_nameless_place_by_its_address(page, names_server, nameless) -> None:
    point, said = nameless
    console_answer(page, names_server.url, point)
    assert page.inner_text("#election-day strong") == "Polling place at 18117 Magnolia Avenue"
    english = script_in(page, "en")
    assert f"on Election Day, Tuesday, November 7, is the polling place at {said}." in english
    spanish = script_in(page, "es")  # composed from the same answer, in Spanish
    assert f"martes, 7 de noviembre, es el lugar de votación en {said}." in spanish
    assert not re.search(r"\bQ\b", english + spanish)
    no_axe_violations(page)
    console_answer(page, names_server.url, point, lang="es")
    assert page.inner_text("#election-day strong") == "Lugar de votación en 18117 Magnolia Avenue"


def test_the_widget_shows_the_display_forms(page, names_server, nameless) -> None:
    page.goto(f"{names_server.url}/widget?lang=en&date={AS_OF}")
    box = page.locator("input[role=combobox]")
    box.fill(ADDRESS)
    box.press("Escape")
    box.press("Enter")
    name = page.locator(".wtv-place .wtv-name")
    name.wait_for()
    assert name.inner_text() == CUT_SHOWN
    assert page.inner_text(".wtv-place .wtv-address") == f"{GULL}, NC 28990"
    page.locator("svg.wtv-svg").wait_for()
    assert CUT_SHOWN in page.locator("g.wtv-mk-place title").text_content()
    no_axe_violations(page)
    page.click(".wtv-lang[data-lang=es]")
    page.locator(".wtv-place .wtv-when", has_text="noviembre").wait_for()
    box = page.locator("input[role=combobox]")
    box.fill(nameless[0])
    box.press("Escape")
    box.press("Enter")
    page.locator(".wtv-place .wtv-name", has_text="Lugar").wait_for()
    assert page.inner_text(".wtv-place .wtv-name") == "Lugar de votación en 18117 Magnolia Avenue"


def test_the_resident_page_shows_the_display_forms(page, names_server, nameless) -> None:
    page.goto(f"{names_server.url}/?date={AS_OF}&address=13186+5th+St,+Demo+City")
    place = page.inner_text("#polling-place")
    assert CUT_SHOWN in place and f"{GULL}, NC 28990" in place
    assert not re.search(r"\brecreat\b", place, re.I)
    assert all(
        s == s.strip() and not s.isupper()
        for s in page.locator("#early-voting strong").all_inner_texts()
    )
    no_axe_violations(page)
    lat, lon = nameless[0].split(", ")
    page.goto(f"{names_server.url}/?lang=es&date={AS_OF}&lat={lat}&lon={lon}")
    assert "Lugar de votación en 18117 Magnolia Avenue" in page.inner_text("#polling-place")


def test_the_cut_and_nameless_places_are_flagged_in_the_api(names_server, nameless) -> None:
    """What the pages read: the BOE's own fields, and beside them the display forms."""
    cut = names_server.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()["polling_place"]
    assert (cut["name"], cut["name_complete"], cut["display_name"]) == (CUT_NAME, False, CUT_SHOWN)
    assert cut["spoken_name"] is None
    lat, lon = nameless[0].split(", ")
    q = names_server.get("/api/v1/lookup", lat=lat, lon=lon, date=AS_OF, lang="es").json()
    q = q["polling_place"]
    assert q["name"] == "Q" and q["spoken_name"] == f"el lugar de votación en {nameless[1]}"


@pytest.fixture(scope="module")
def repaired_server(repaired_dir, tmp_path_factory) -> Iterator[Server]:
    srv = Server(repaired_dir, tmp_path_factory.mktemp("repaired-log") / "server.log")
    yield srv
    srv.stop()


def test_the_console_reads_a_repaired_name_in_full(page, repaired_server) -> None:
    """The cut name completed at the refresh from a place source (a facility layer naming
    the same building): the API says the name is complete, both scripts read it in full."""
    full = "College Park Community Recreation Center"
    a = repaired_server.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()
    pp = a["polling_place"]
    assert pp["display_name"] == full and pp["name_complete"] is True
    console_answer(page, repaired_server.url, ADDRESS)
    assert page.inner_text("#election-day strong") == full
    assert f"is {full}, at {GULL}. It is open" in script_in(page, "en")
    assert f"es {full}, en {GULL}. Está abierto" in script_in(page, "es")
