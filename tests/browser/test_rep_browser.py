"""The 311 console (/rep) in headless Chromium: keyboard only, ambiguous and unknown
addresses, the read-aloud script in both languages, a new call; axe-core on every state."""

from __future__ import annotations

import pytest
from support.browser import no_axe_violations
from support.paths import ARTIFACTS

pytestmark = pytest.mark.browser
ADDRESS = "13186 5th St, Demo City NC 28990"


def tab_to(page, selector: str, limit: int = 40) -> None:
    """Press Tab until ``selector`` has the focus (keyboard only, as a representative)."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"never reached {selector} with Tab")


def test_keyboard_only_call(page, server) -> None:
    page.goto(f"{server.url}/rep?lang=en&date=2028-10-25")
    assert page.evaluate("document.activeElement.id") == "address"
    assert "built-in method" not in page.inner_text("body")  # every label from the catalog
    no_axe_violations(page)
    page.keyboard.type("13186 5th")
    page.wait_for_selector("#suggestions [role=option]")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#address", "aria-activedescendant") == "suggestion-0"
    page.keyboard.press("Enter")  # takes the suggestion
    assert page.input_value("#address").startswith("13186 5TH ST")
    page.keyboard.press("Enter")  # looks it up
    page.wait_for_selector("#answer:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "answer-title"
    assert "DEMO" in page.inner_text("#demo-banner")
    precinct = page.inner_text("#precinct")
    assert precinct.startswith("019")
    script = page.inner_text("#script")
    place = page.inner_text("#election-day strong")
    assert place in script and "Your polling place on Election Day, Tuesday, November 7" in script
    assert "6:30" in script and "7:30" in script
    assert "site" in page.inner_text("#ev-summary")
    no_axe_violations(page)
    page.screenshot(path=str(ARTIFACTS / "rep-answer-en-1280.png"), full_page=True)
    tab_to(page, ".script-lang[data-lang=es]")
    page.keyboard.press("Enter")
    spanish = page.inner_text("#script")
    assert "Su lugar de votación el Día de las Elecciones, martes, 7 de noviembre" in spanish
    assert place in spanish
    tab_to(page, "#details > summary")
    page.keyboard.press("Enter")
    details = page.inner_text("#match-details")
    assert "address_point" in details and "demo-" in details
    page.keyboard.press("Alt+n")
    assert page.input_value("#address") == "" and page.is_hidden("#answer")
    assert page.evaluate("document.activeElement.id") == "address"


def test_ambiguous_address_picked_by_number(page, server) -> None:
    page.goto(f"{server.url}/rep?lang=en&date=2028-10-25")
    page.keyboard.type("912 Main St")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#candidates:not([hidden])")
    buttons = page.locator("#candidate-list button")
    assert buttons.count() >= 2
    assert page.evaluate("document.activeElement.textContent").startswith("1. ")
    no_axe_violations(page)
    second = buttons.nth(1).inner_text()
    page.keyboard.press("2")
    page.wait_for_selector("#answer:not([hidden])")
    assert page.inner_text("#matched").split(": ", 1)[1] in second


def test_unknown_address_says_who_to_call(page, server) -> None:
    page.goto(f"{server.url}/rep?lang=es&date=2028-10-25")
    page.keyboard.type("1 Nowhere Ln, Demo City")
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error:not([hidden])")
    assert "919-555-0100" in page.inner_text("#error-message")
    assert page.get_attribute("html", "lang") == "es"
    no_axe_violations(page)


def test_phone_width(browser, server) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    pg = context.new_page()
    pg.goto(f"{server.url}/rep?lang=es&date=2028-10-25")
    pg.fill("#address", ADDRESS)
    pg.keyboard.press("Escape")
    pg.keyboard.press("Enter")
    pg.wait_for_selector("#answer:not([hidden])")
    assert pg.evaluate("document.documentElement.scrollWidth") <= 360
    pg.screenshot(path=str(ARTIFACTS / "rep-answer-es-360.png"), full_page=True)
    context.close()


def test_board_data_is_shown_as_text_never_run(browser, hostile_server) -> None:
    """A polling-place name that is an HTML payload, in the console and on /: shown as
    text, no element created, no dialog."""
    from support.cases import HOSTILE

    context = browser.new_context()
    page = context.new_page()
    url = hostile_server.url
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{url}/rep?date=2028-10-25")
    page.fill("#address", ADDRESS)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")
    assert page.inner_text("#election-day strong") == HOSTILE
    assert HOSTILE in page.inner_text("#script")
    assert page.locator("img[src=x]").count() == 0
    page.goto(f"{url}/?date=2028-10-25&address=13186+5th+St,+Demo+City")
    assert HOSTILE in page.inner_text("#polling-place")
    assert page.locator("img[src=x]").count() == 0
    assert dialogs == []
    context.close()


def test_place_suggestions_are_shown_as_text(browser, hostile_server) -> None:
    """A named place (here a polling place whose name is an HTML payload) suggested as the
    representative types: listed as text, picked into the box as its label."""
    from support.cases import HOSTILE

    context = browser.new_context()
    page = context.new_page()
    url = hostile_server.url
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{url}/rep?date=2028-10-25")
    page.fill("#address", "img src")
    page.wait_for_selector("#suggestions li")
    assert page.inner_text("#suggestions li") == HOSTILE
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.input_value("#address") == HOSTILE
    assert page.locator("img[src=x]").count() == 0 and dialogs == []
    context.close()


def test_console_weighs_under_150_kb(server) -> None:
    import requests

    total = sum(
        len(requests.get(server.url + p, timeout=10).content)
        for p in ("/rep", "/static/rep.js", "/static/rep.css")
    )
    assert total < 150 * 1024, total
