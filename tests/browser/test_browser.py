"""The resident page in a real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(browser, server) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    pg = context.new_page()
    # Nothing on the page may reach beyond our server.
    pg.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(server.url) else route.abort()
        ),
    )
    yield pg
    context.close()


def test_demo_banner_and_keyboard_lookup(page, server) -> None:
    page.goto(server.url + "/?date=2028-10-25")
    banner = page.locator("#demo-banner")
    assert banner.is_visible() and "DEMO DATA" in banner.inner_text()
    page.locator("#address").focus()
    page.keyboard.type("13186 5th St, Demo City NC 28990")
    page.keyboard.press("Enter")
    page.wait_for_selector("#polling-place")
    assert "COLLEGE PARK" in page.locator("#answer").inner_text()
    assert page.locator("#early-voting li").count() == 6
    assert page.locator("#demo-banner").is_visible()
    # Fits a 360 px phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_ambiguous_address_offers_choices(page, server) -> None:
    page.goto(server.url + "/?address=912+Main+St")
    links = page.locator("#error a")
    assert links.count() == 2
    links.first.click()
    page.wait_for_selector("#polling-place")


def test_spanish_page(page, server) -> None:
    page.goto(server.url + "/?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert "DATOS DE DEMOSTRACIÓN" in page.locator("#demo-banner").inner_text()


def test_dates_and_times_per_locale_and_no_axe_violations(page, server) -> None:
    from axe_playwright_python.sync_playwright import Axe

    for lang, day, opens in (
        ("en", "Tuesday, November 7, 2028", "6:30 AM"),
        ("es", "martes, 7 de noviembre de 2028", "6:30 a.m."),
    ):
        page.goto(f"{server.url}/?lang={lang}&date=2028-10-25&address=13186+5th+St,+Demo+City")
        text = (
            page.locator("#polling-place").inner_text().replace("\u202f", " ")
        )  # CLDR: narrow no-break space
        assert day in text and opens in text
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
    page.goto(f"{server.url}/?address=912+Main+St")
    assert Axe().run(page).violations_count == 0
