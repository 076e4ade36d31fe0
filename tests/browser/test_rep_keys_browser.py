"""The console's keys (issue 22, item 3), in Chromium on the demo county: Alt+N gives the
next caller the console's own language; Enter never sends half-typed text while the
suggestions say it is no address yet (it offers them instead), takes a highlighted
suggestion, and looks up text that is exactly a suggestion; an error is said once."""

from __future__ import annotations

import pytest
from support.browser import console

pytestmark = pytest.mark.browser
AT = "2028-10-25T10:00"
ADDRESS = "13186 5th St, Demo City NC 28990"


def lookups(page) -> list[str]:
    """The address texts the page sends to the look-up API, as they go."""
    from urllib.parse import parse_qs, urlparse

    sent: list[str] = []

    def seen(request) -> None:
        url = urlparse(request.url)
        if url.path == "/api/v1/lookup":
            sent.append(parse_qs(url.query).get("address", [""])[0])

    page.on("request", seen)
    return sent


def test_alt_n_resets_the_script_language(browser, server) -> None:
    with console(browser, server.url, "en", AT) as page:
        page.fill("#address", ADDRESS)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#answer:not([hidden])")
        page.click(".script-lang[data-lang=es]")
        assert page.inner_text("#script").startswith("(Datos de demostración")
        page.keyboard.press("Alt+n")
        assert page.get_attribute(".script-lang[data-lang=en]", "aria-pressed") == "true"
        assert page.get_attribute(".script-lang[data-lang=es]", "aria-pressed") == "false"
        assert page.input_value("#address") == "" and page.is_hidden("#answer")
        assert page.evaluate("document.activeElement.id") == "address"
        page.keyboard.type(ADDRESS)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#answer:not([hidden])")
        assert page.inner_text("#script").startswith("(Demo data")
        assert page.get_attribute("#script", "lang") == "en"


def test_alt_n_on_the_spanish_console_resets_to_spanish(browser, server) -> None:
    with console(browser, server.url, "es", AT) as page:
        page.fill("#address", ADDRESS)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#answer:not([hidden])")
        page.click(".script-lang[data-lang=en]")
        page.keyboard.press("Alt+n")
        assert page.get_attribute(".script-lang[data-lang=es]", "aria-pressed") == "true"


def test_enter_with_a_half_typed_address_offers_the_suggestions(browser, server) -> None:
    with console(browser, server.url, "en", AT) as page:
        sent = lookups(page)
        page.keyboard.type("13186 5t")
        page.wait_for_selector("#suggestions [role=option]")
        page.keyboard.press("Enter")  # nothing highlighted, "5t" is no street
        page.wait_for_function(
            "document.getElementById('status').textContent.startsWith('No exact match')"
        )
        assert sent == [] and page.is_visible("#suggestions")
        assert page.is_hidden("#error") and page.is_hidden("#answer")
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # takes the highlighted suggestion
        assert page.input_value("#address") == "13186 5TH ST, DEMO CITY, NC 28990"
        assert sent == []
        page.keyboard.press("Enter")  # and looks it up
        page.wait_for_selector("#answer:not([hidden])")
        assert sent == ["13186 5TH ST, DEMO CITY, NC 28990"]


def test_enter_before_the_suggestions_arrive_sends_no_half_text(browser, server) -> None:
    with console(browser, server.url, "en", AT) as page:
        sent = lookups(page)
        page.keyboard.type("13186 5t")
        page.keyboard.press("Enter")  # at once: the suggestions are asked for first
        page.wait_for_selector("#suggestions [role=option]")
        page.wait_for_timeout(300)
        assert sent == [] and page.is_hidden("#error")


def test_enter_on_text_that_is_exactly_a_suggestion_looks_it_up(browser, server) -> None:
    """Text "912 Main St" is the first line of two suggestions (Demo City, Riverton): exact, so
    Enter looks it up, and the look-up asks which one."""
    with console(browser, server.url, "en", AT) as page:
        sent = lookups(page)
        page.keyboard.type("912 Main St")
        page.wait_for_selector("#suggestions [role=option]")
        page.keyboard.press("Enter")
        page.wait_for_selector("#candidates:not([hidden])")
        assert sent == ["912 Main St"]


def test_escape_then_enter_looks_up_the_text_as_typed(browser, server) -> None:
    with console(browser, server.url, "en", AT) as page:
        sent = lookups(page)
        page.keyboard.type("13186 5t")
        page.wait_for_selector("#suggestions [role=option]")
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#error:not([hidden]), #answer:not([hidden])")
        assert sent == ["13186 5t"]


def test_an_error_is_said_once_in_one_place(browser, server) -> None:
    with console(browser, server.url, "en", AT) as page:
        page.keyboard.type("1 Nowhere Ln, Demo City")
        page.keyboard.press("Enter")  # no suggestion for it: looked up
        page.wait_for_selector("#error:not([hidden])")
        message = page.inner_text("#error-message")
        assert "919-555-0100" in message
        assert page.inner_text("main").count(message) == 1
        assert page.inner_text("#status") == ""
        assert page.evaluate("document.activeElement.id") == "error-title"
        assert page.get_attribute("#error-title", "aria-describedby") == "error-message"


def test_no_answer_from_the_service_is_an_error_said_once(browser, server) -> None:
    with console(browser, server.url, "en", AT) as page:
        page.route("**/api/v1/lookup?*", lambda r: r.fulfill(status=502, body="Bad Gateway"))
        page.fill("#address", ADDRESS)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#error:not([hidden])")
        message = page.inner_text("#error-message")
        assert message.startswith("The service did not answer") and "919-555-0100" in message
        assert page.inner_text("main").count(message) == 1
