"""Issue 25 in the resident widget, in Chromium against a real server whose staff posted an
emergency relocation of the demo address's precinct and a closure of its nearest
early-voting site: the relocation banner at the top of the answer (in English and in
Spanish, the staff's reason in each), the closed site listed as closed with its reason and
the sites open instead, and left out of "Open now"; the county's access details behind
each place's "Access" button ("not known" where the county gave none), the photo a link and
never an image; axe clean on every state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from support.browser import Tab, no_axe_violations
from support.changes import DAY_ADDRESS as ADDRESS
from support.changes import DAY_AT as AT
from support.changes import DAY_CLOSE, DAY_RELOCATE
from support.changes import DAY_CLOSED as CLOSED
from support.servers import Server
from support.staff import own_data_dir, post_change, staff_server

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}
OPEN = "demo-university-student-center"  # the next one, open; no details in the demo file


@pytest.fixture(scope="module")
def srv(demo_dir, tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("widget-changes")
    s = staff_server(own_data_dir(demo_dir, tmp), tmp / "server.log")
    post_change(s, DAY_RELOCATE)
    post_change(s, DAY_CLOSE)
    yield s
    s.stop()


def answer(page) -> None:
    box = page.locator("input[role=combobox]")
    box.fill(ADDRESS)
    box.press("Escape")
    box.press("Enter")
    page.locator(".wtv-place .wtv-name").wait_for()


@pytest.mark.parametrize(
    ("lang", "flag", "reason", "closed", "instead"),
    [
        ("en", "EMERGENCY CHANGE", "Power outage", "Flooded parking lot", "Open now instead"),
        ("es", "CAMBIO DE EMERGENCIA", "Corte de luz", "Estacionamiento inundado", "En cambio"),
    ],
)
def test_banner_and_closed_site(chromium, srv, lang, flag, reason, closed, instead) -> None:
    t = Tab(chromium, [srv.url], **PHONE)
    page = t.page
    page.goto(f"{srv.url}/widget?lang={lang}&at={AT}")
    answer(page)
    # The banner right under the answer's heading: the new place, the usual one, why.
    follows = page.evaluate(
        "() => document.querySelector('.wtv-found').nextElementSibling.className"
    )
    assert follows == "wtv-emergency"
    banner = page.inner_text(".wtv-emergency")
    assert banner.startswith(flag)
    assert "Demo Fire Station 4" in banner and "College Park Recreation Center" in banner
    assert reason in banner and "8:00" in banner
    assert page.inner_text(".wtv-place .wtv-name") == "Demo Fire Station 4"
    assert page.locator(".wtv-changed").count() == 0  # the banner says it, once
    # The closed site: listed, said closed and why, with the sites open instead.
    site = page.locator(f".wtv-site[data-site='{CLOSED}']")
    assert site.locator(".wtv-badge.wtv-closed").count() == 1
    assert closed in site.inner_text()
    assert instead in site.locator(".wtv-instead").inner_text()
    assert "University Student Center" in site.locator(".wtv-instead").inner_text()
    assert page.locator(f".wtv-site[data-site='{OPEN}'] .wtv-badge.wtv-open").count() == 1
    no_axe_violations(page)
    # "Open now" leaves it out.
    page.locator(".wtv-toggle button[data-filter=now]").click()
    assert page.locator(f".wtv-site[data-site='{CLOSED}']").count() == 0
    assert page.locator(f".wtv-site[data-site='{OPEN}']").count() == 1
    t.close()


def test_access_details_behind_a_button(chromium, srv) -> None:
    t = Tab(chromium, [srv.url], **PHONE)
    page = t.page
    page.goto(f"{srv.url}/widget?lang=en&at={AT}")
    answer(page)
    site = page.locator(f".wtv-site[data-site='{CLOSED}']")
    toggle = site.locator("button.wtv-access-toggle")
    assert toggle.get_attribute("aria-expanded") == "false"
    panel = site.locator(".wtv-access")
    assert panel.is_hidden()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and panel.is_visible()
    pairs = dict(
        panel.locator("dl > div").evaluate_all(
            "ds => ds.map(d => [d.children[0].textContent, d.children[1].textContent])"
        )
    )
    assert pairs["Accessible entrance:"] == "Level entrance at the main doors on Main Street."
    assert pairs["Phone on the day:"] == "919-555-0199"
    photo = panel.locator("a.wtv-photo")
    assert (
        photo.get_attribute("href") == "https://example.org/demo-county/board-office-entrance.jpg"
    )
    assert photo.get_attribute("rel") == "noopener noreferrer"
    assert page.locator("img").count() == 0  # a link, never an image from another host
    # A site, and the relocated place, the county says nothing of: "not known".
    other = page.locator(f".wtv-site[data-site='{OPEN}']")
    other.locator("button.wtv-access-toggle").click()
    assert other.locator(".wtv-access").inner_text() == "Access details: not known"
    place = page.locator(".wtv-place")
    place.locator("button.wtv-access-toggle").click()
    assert place.locator(".wtv-access").inner_text() == "Access details: not known"
    no_axe_violations(page)
    t.close()
