"""Choosing a candidate in headless Chromium ends on an answer, never on the same list:
the console (key 1 or 2), the widget (a tap on a touch screen) and the resident page (a
link, with and without JavaScript), on the demo county and on the real Mecklenburg
layers (skipped where ../shared is absent)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import requests
from support.browser import no_axe_violations

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Case:
    url: str
    address: str
    date: str
    candidates: list[dict]  # as the API lists them, in English


def case(srv, address: str, date: str) -> Case:
    r = requests.get(
        f"{srv.url}/api/v1/lookup", params={"address": address, "date": date}, timeout=10
    )
    assert r.status_code == 422, r.text
    cands = r.json()["error"]["details"]["candidates"]
    assert len(cands) >= 2
    return Case(srv.url, address, date, cands)


@pytest.fixture(params=["demo", "real"])
def where(request) -> Case:
    if request.param == "demo":
        return case(request.getfixturevalue("server"), "912 Main St", "2028-10-25")
    return case(request.getfixturevalue("meck_server"), "4045 N Tryon St", "2020-10-20")


def open_page(browser, where: Case, **context: object) -> tuple[object, list[str]]:
    ctx = browser.new_context(**context)
    pg = ctx.new_page()
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(where.url) else r.abort())
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    return pg, errors


def test_console_key_answers_the_candidate(browser, where: Case) -> None:
    page, errors = open_page(browser, where, viewport={"width": 1366, "height": 900})
    page.goto(f"{where.url}/rep?lang=en&date={where.date}")
    page.keyboard.type(where.address)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#candidates:not([hidden])")
    buttons = page.locator("#candidate-list button")
    texts = [buttons.nth(k).inner_text() for k in range(buttons.count())]
    assert len(set(texts)) == len(texts) == len(where.candidates)
    for k, (text, c) in enumerate(zip(texts, where.candidates, strict=True)):
        assert text.startswith(f"{k + 1}. ") and c["label"] in text
    with page.expect_response(lambda r: "pick=" in r.url) as picked:
        page.keyboard.press("2")
    assert picked.value.status == 200
    page.wait_for_selector("#answer:not([hidden])")
    assert page.is_hidden("#candidates")
    second = where.candidates[1]
    assert page.inner_text("#precinct").startswith(second["precinct"]["id"])
    assert second["address"] in page.inner_text("#matched")
    assert page.inner_text("#script")  # the read-aloud script of a normal answer
    # And 1 after a new look-up: the first candidate's precinct.
    page.fill("#address", where.address)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#candidates:not([hidden])")
    page.keyboard.press("1")
    page.wait_for_selector("#answer:not([hidden])")
    assert page.inner_text("#precinct").startswith(where.candidates[0]["precinct"]["id"])
    page.context.close()
    assert not errors, errors


def test_widget_tap_answers_the_candidate(browser, where: Case) -> None:
    page, errors = open_page(
        browser, where, viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True
    )
    page.goto(f"{where.url}/widget?lang=en&date={where.date}")
    box = page.locator("input[role=combobox]")
    box.fill(where.address)
    box.press("Escape")
    box.press("Enter")
    choices = page.locator("button.wtv-candidate")
    choices.first.wait_for()
    texts = [choices.nth(k).inner_text() for k in range(choices.count())]
    assert len(set(texts)) == len(texts) == len(where.candidates)
    with page.expect_response(lambda r: "pick=" in r.url) as picked:
        choices.nth(1).tap()
    assert picked.value.status == 200
    page.locator(".wtv-place .wtv-name").wait_for()
    second = where.candidates[1]["precinct"]
    results = page.locator(".wtv-results").inner_text()
    assert f"({second['id']})" in results
    assert page.locator("button.wtv-candidate").count() == 0
    page.context.close()
    assert not errors, errors


@pytest.mark.parametrize("javascript", [True, False])
def test_page_link_answers_the_candidate(browser, where: Case, javascript: bool) -> None:
    page, errors = open_page(
        browser, where, viewport={"width": 360, "height": 740}, java_script_enabled=javascript
    )
    page.goto(f"{where.url}/?lang=en&date={where.date}")
    page.fill("#address", where.address)
    page.press("#address", "Enter")
    links = page.locator("#candidates a")
    links.first.wait_for()
    texts = [links.nth(k).inner_text() for k in range(links.count())]
    assert texts == [c["label"] for c in where.candidates]
    if javascript:
        no_axe_violations(page)
    links.first.click()
    page.wait_for_selector("#polling-place")
    first = where.candidates[0]
    assert f"({first['precinct']['id']})" in page.inner_text("#answer")
    assert page.locator("#candidates").count() == 0
    assert page.input_value("#address") == first["address"]
    page.context.close()
    assert not errors, errors
