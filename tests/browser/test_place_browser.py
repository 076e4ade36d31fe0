"""Place names in headless Chromium, as callers say them: the 311 console (suggested as
typed, then looked up), the framed resident widget and the plain resident page. Each
answers at the place's point, with the place's name shown before its street address."""

from __future__ import annotations

import pytest
import requests

pytestmark = pytest.mark.browser
AS_OF = "2028-10-25"
PLACE = "COLLEGE PARK RECREATION CENTER"  # a demo polling place, 7333 Gull St
SAID = "college park rec center"  # how a caller names it


@pytest.fixture(scope="module")
def expected(server) -> dict:
    """What the API answers for the place, and for a point lookup at its coordinates:
    the pages must show the same precinct."""
    a = requests.get(
        f"{server.url}/api/v1/lookup", params={"address": SAID, "date": AS_OF}, timeout=10
    ).json()
    assert a["match"]["source"] == "place" and a["match"]["place"]["name"] == PLACE
    by_point = requests.get(
        f"{server.url}/api/v1/lookup",
        params={"lat": a["match"]["lat"], "lon": a["match"]["lon"], "date": AS_OF},
        timeout=10,
    ).json()
    assert by_point["precinct"] == a["precinct"]
    return a


def test_console_suggests_a_place_and_answers_at_it(page, server, expected) -> None:
    page.goto(f"{server.url}/rep?lang=en&date={AS_OF}")
    page.keyboard.type("college park re")
    option = page.locator("#suggestions [role=option]", has_text=PLACE)
    option.wait_for()
    option.click()
    assert page.input_value("#address") == expected["match"]["place"]["name"]
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")
    matched = page.inner_text("#matched")
    assert PLACE in matched and "7333 GULL ST" in matched
    assert page.inner_text("#precinct").startswith(expected["precinct"]["id"])


def test_console_answers_a_place_typed_in_full(page, server, expected) -> None:
    page.goto(f"{server.url}/rep?lang=es&date={AS_OF}")
    page.fill("#address", SAID)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")
    assert PLACE in page.inner_text("#matched")
    assert page.inner_text("#precinct").startswith(expected["precinct"]["id"])


def test_widget_answers_a_place(page, server, expected) -> None:
    page.goto(f"{server.url}/widget?lang=en&date={AS_OF}")
    page.fill("input[type=search], input[type=text]", SAID)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    found = page.locator(".wtv-found")
    found.wait_for()
    assert PLACE in found.inner_text()
    assert expected["precinct"]["name"] in page.inner_text(".wtv-precinct")


def test_resident_page_answers_a_place(page, server, expected) -> None:
    page.goto(f"{server.url}/?date={AS_OF}&address=college+park+rec+center")
    text = page.inner_text("#answer")
    assert PLACE in text and expected["precinct"]["name"] in text
