"""The resident widget in headless Chromium, both ways it is embedded: the framed page
``/widget`` and ``static/widget.js`` in a script tag on a page of another origin (with
hostile CSS), inside a Shadow DOM. Keyboard autocomplete, both languages, the three
outcomes, the inline-SVG map, 360 px phones, axe-core on every state, an HTML payload in
a polling-place name, framing and CORS by configuration, and the page weight."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from support.browser import HostSite, Tab, no_axe_violations
from support.paths import ARTIFACTS
from support.servers import Server

pytestmark = pytest.mark.browser
ADDRESS = "13186 5th St, Demo City NC 28990"
AMBIGUOUS = "912 Main St"
NOWHERE = "1 Nowhere Ln, Demo City"
AS_OF = "2028-10-25"
PLACE = "COLLEGE PARK RECREATION CENTER"
SHOWN = "College Park Recreation Center"  # its display form (BOE capitals re-cased)

HOSTILE_CSS = """
* { color: red !important; font-size: 40px !important; font-family: serif !important;
    line-height: 3 !important; letter-spacing: 4px !important; }
div { display: none; }
button, input { background: lime !important; border: 9px dotted red !important; width: 30px !important; }
ul, li { list-style: square !important; margin: 50px !important; }
h1, h2, h3, p { text-transform: uppercase !important; padding: 30px !important; }
.wtv, .wtv-results, .wtv-title, .wtv-submit, svg { display: none !important; }
#where-to-vote { display: none; }
"""

# A city page: its own elements wear our class names, to show our CSS does not reach them.
HOST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>City of Demo</title>
<style>{css}</style></head>
<body><main>
<h1>City news</h1>
<p id="host-text" class="wtv-help wtv-foot">Trash pickup moves to Wednesday.</p>
<button id="host-button" class="wtv-submit" type="button">Pay a bill</button>
<ul id="host-list" class="wtv-list"><li role="option" aria-selected="true">A host item</li></ul>
{embed}
</main></body></html>
"""
SCRIPT_EMBED = (
    '<div id="where-to-vote"><a id="wtv-fallback" href="{service}/">Where do I vote?</a></div>\n'
    '<script src="{service}/static/widget.js" data-target="where-to-vote" data-lang="es"'
    f' data-date="{AS_OF}" async></script>'
)
IFRAME_EMBED = (
    '<iframe id="wtv-frame" title="Where do I vote?" width="420" height="700"'
    f' src="{{service}}/widget?lang=es&amp;date={AS_OF}"></iframe>'
)
# Properties that host CSS would change if it reached in, or ours if it leaked out.
PROPS = [
    "color",
    "font-size",
    "font-family",
    "line-height",
    "letter-spacing",
    "text-transform",
    "background-color",
    "border-top-width",
    "border-top-style",
    "display",
    "padding-top",
    "margin-top",
    "width",
    "list-style-type",
]
STYLE_OF = "(e, props) => { const s = getComputedStyle(e); return props.map((p) => s.getPropertyValue(p)); }"


@pytest.fixture(scope="module")
def sites(demo_dir, tmp_path_factory) -> Iterator[tuple[Server, HostSite, HostSite]]:
    """The service configured for one city origin (CORS + framing), that city's site, and
    a site of an origin nobody configured."""
    pages: dict[str, str] = {}
    city, stranger = HostSite(pages), HostSite(pages)
    srv = Server(
        demo_dir,
        tmp_path_factory.mktemp("widget-log") / "server.log",
        workers=1,
        env={"LOOKUP_CORS_ORIGINS": city.url, "LOOKUP_FRAME_ANCESTORS": city.url},
    )
    pages["/embed.html"] = HOST_PAGE.format(
        css=HOSTILE_CSS, embed=SCRIPT_EMBED.format(service=srv.url)
    )
    pages["/control.html"] = HOST_PAGE.format(css=HOSTILE_CSS, embed="")
    pages["/frame.html"] = HOST_PAGE.format(css="", embed=IFRAME_EMBED.format(service=srv.url))
    yield srv, city, stranger
    srv.stop()
    city.stop()
    stranger.stop()


@pytest.fixture
def tab(browser, sites) -> Iterator[Tab]:
    srv, city, _ = sites
    t = Tab(browser, [srv.url, city.url])
    yield t
    t.close()


def pick_with_keyboard(scope, typed: str = "13186 5th") -> None:
    """Type, ArrowDown to the first suggestion, Enter: the answer comes (``scope``: the
    page, or the embed's host element)."""
    box = scope.locator("input[role=combobox]")
    box.click()
    box.press_sequentially(typed, delay=15)
    first = scope.locator("[role=option]").first
    first.wait_for()
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    box.press("Enter")
    scope.locator(".wtv-place .wtv-name").wait_for()


def no_style_attributes(page) -> None:
    """The CSP allows no inline style: no style attribute anywhere, no <style> of ours."""
    count = page.evaluate(
        """() => {
        const shadows = [...document.querySelectorAll('*')].map((e) => e.shadowRoot).filter(Boolean);
        const own = document.querySelector('.wtv') ? 'style, [style]' : '[style]';
        return document.querySelectorAll(own).length
          + shadows.reduce((n, r) => n + r.querySelectorAll('style, [style]').length, 0);
    }"""
    )
    assert count == 0


# ---- (a) /widget: keyboard, answer, map, Spanish ------------------------------------------


def test_widget_keyboard_answer_map_and_spanish(tab, sites) -> None:
    srv = sites[0]
    page = tab.page
    page.goto(f"{srv.url}/widget?lang=en&date={AS_OF}")
    banner = page.locator(".wtv-demo")
    assert banner.is_visible() and banner.inner_text().startswith("DEMO DATA")
    assert page.locator("[aria-live=polite]").count() >= 1
    no_axe_violations(page)  # empty state

    # Escape closes the suggestions; 2 characters ask for none.
    box = page.locator("input[role=combobox]")
    box.press_sequentially("13", delay=15)
    page.wait_for_timeout(300)
    assert page.locator("[role=listbox]").is_hidden()
    box.press_sequentially("186 5", delay=15)
    page.locator("[role=option]").first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Escape")
    assert page.locator("[role=listbox]").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    box.fill("")

    pick_with_keyboard(page)
    results = page.locator(".wtv-results")
    text = results.inner_text()
    assert SHOWN in text and "7333 Gull Street, Demo City, NC 28990" in text
    assert "Tuesday, November 7" in text and "COLLEGE PARK (019)" in text
    assert "6:30\u202fAM" in text or "6:30 AM" in text
    # All six open on a Wednesday of early voting: the nearest three, the same hours said
    # once above them (issue 22, item 7).
    assert page.locator(".wtv-site").count() == 3
    site = page.locator(".wtv-site").first
    shared = page.locator(".wtv-shared").inner_text()
    assert "Open now" in shared and "8:00" in shared
    # Directions and add-to-calendar for the polling place and each site.
    directions = page.locator(".wtv-place a.wtv-directions")
    assert directions.get_attribute("href").startswith("https://www.google.com/maps/dir/")
    assert directions.get_attribute("rel") == "noopener noreferrer"
    ics = site.locator("a.wtv-calendar").get_attribute("href")
    assert "/api/v1/calendar.ics?" in ics and f"day={AS_OF}" in ics and "site=" in ics
    assert requests.get(ics, timeout=10).headers["Content-Type"].startswith("text/calendar")
    election_ics = page.locator(".wtv-place a.wtv-calendar").get_attribute("href")
    assert requests.get(election_ics, timeout=10).status_code == 200

    # The map: an inline SVG with the precinct and the three kinds of marker, titled.
    svg = page.locator("svg.wtv-svg")
    svg.wait_for()
    assert svg.get_attribute("role") == "img" and "COLLEGE PARK" in svg.get_attribute("aria-label")
    assert len(svg.locator("path.wtv-precinct").get_attribute("d")) > 100
    for kind in ("home", "place", "site"):
        assert svg.locator(f"g.wtv-mk-{kind}").count() >= 1
    assert SHOWN in svg.locator("g.wtv-mk-place title").text_content()
    no_style_attributes(page)

    # The toggle: open now / today / all, pressed state in ARIA and in text.
    page.get_by_role("button", name="Open now").click()
    assert page.get_by_role("button", name="Open now").get_attribute("aria-pressed") == "true"
    assert page.locator(".wtv-site").count() == 3  # at noon every site is open: the nearest 3
    page.get_by_role("button", name="Show all 6 sites").click()
    assert page.locator(".wtv-site").count() == 6
    no_axe_violations(page)  # answered
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "widget-en-1280.png"), full_page=True)

    # Spanish: strings, dates, times and the API's notices.
    page.get_by_role("button", name="Español").click()
    page.get_by_text("Día de las Elecciones").first.wait_for()
    page.locator("svg.wtv-svg").wait_for()
    text = page.locator(".wtv-results").inner_text()
    assert "martes, 7 de noviembre" in text and "¿Va a devolver una boleta" in text
    assert "a.\u00a0m." in text or "a. m." in text or "a.m." in text
    assert page.locator("html").get_attribute("lang") == "es"
    assert "DATOS DE DEMOSTRACIÓN" in page.locator(".wtv-demo").inner_text()
    assert "lang=es" in page.url
    no_axe_violations(page)  # Spanish
    page.screenshot(path=str(ARTIFACTS / "widget-es-1280.png"), full_page=True)


def test_widget_language_defaults_to_the_browser(browser, sites) -> None:
    srv = sites[0]
    t = Tab(browser, [srv.url], locale="es-MX")
    t.page.goto(f"{srv.url}/widget?date={AS_OF}")
    t.page.get_by_role("heading", name="¿Dónde voto?").wait_for()
    assert t.page.locator("html").get_attribute("lang") == "es"
    t.close()


def test_widget_ambiguous_and_not_found(tab, sites) -> None:
    srv = sites[0]
    page = tab.page
    page.goto(f"{srv.url}/widget?lang=en&date={AS_OF}")
    box = page.locator("input[role=combobox]")
    box.fill(AMBIGUOUS)
    box.press("Escape")
    box.press("Enter")
    choices = page.locator("button.wtv-candidate")
    choices.first.wait_for()
    assert choices.count() == 2
    page.wait_for_timeout(250)  # a suggestion request still pending must not pop up now
    assert page.locator("[role=listbox]").is_hidden()
    assert "RIVERTON" in choices.nth(1).inner_text() and "ELM PARK" in choices.nth(1).inner_text()
    no_axe_violations(page)  # ambiguous
    choices.nth(1).focus()
    page.keyboard.press("Enter")
    page.locator(".wtv-place .wtv-name").wait_for()
    assert "ELM PARK (031)" in page.locator(".wtv-results").inner_text()
    assert page.evaluate("document.activeElement.classList.contains('wtv-found')")

    box.fill(NOWHERE)
    box.press("Escape")
    box.press("Enter")
    error = page.locator(".wtv-error")
    error.wait_for()
    assert "could not find that address" in error.inner_text()
    assert error.locator("a[href^='tel:']").inner_text() == "919-555-0100"
    no_axe_violations(page)  # error
    page.get_by_role("button", name="Español").click()  # the error follows the language
    page.get_by_text("No encontramos esa dirección").wait_for()
    no_axe_violations(page)


def test_widget_changed_place_and_sites_closed_now(tab, sites) -> None:
    """A precinct whose polling place moved (typed as coordinates, as map apps copy
    them), in the evening of an early-voting day: every site closed now, open today."""
    srv = sites[0]
    page = tab.page
    page.goto(f"{srv.url}/widget?lang=en&at=2028-10-25T20:30")
    box = page.locator("input[role=combobox]")
    box.fill("34.9496, -75.2895")
    box.press("Enter")
    changed = page.locator(".wtv-changed")
    changed.wait_for()
    assert changed.inner_text().startswith("CHANGED")  # in words, not by colour alone
    # The earlier place's name, cut by the file at 30 characters, up to its last whole word.
    assert "Harbor Town American Legion, 6808 Church Street" in changed.inner_text()
    # Closed for the day: the nearest three of Thursday's, their shared opening said once,
    # the calendar link for that opening (issue 22, item 7).
    assert page.locator(".wtv-site").count() == 3
    shared = page.locator(".wtv-shared").inner_text().replace("\u202f", " ")
    assert "Closed now" in shared and "open next on Thursday, October 26, 8:00 AM" in shared
    ics = page.locator(".wtv-site a.wtv-calendar").first.get_attribute("href")
    assert "day=2028-10-26" in ics and "at=2028-10-25T20%3A30" in ics
    page.get_by_role("button", name="Open now").click()
    assert page.locator(".wtv-none").inner_text() == "No early-voting site is open right now."
    page.get_by_role("button", name="All sites").click()
    page.get_by_role("button", name="Show all 6 sites").click()
    assert page.locator(".wtv-site").count() == 6
    page.locator("svg.wtv-svg").wait_for()
    assert "34.9496" in page.locator("g.wtv-mk-home title").text_content()
    no_axe_violations(page)


# ---- (c) 360 px ------------------------------------------------------------------------------


def test_widget_fits_a_phone(browser, sites) -> None:
    srv = sites[0]
    t = Tab(browser, [srv.url], viewport={"width": 360, "height": 740})
    page = t.page
    for lang in ("en", "es"):
        page.goto(f"{srv.url}/widget?lang={lang}&date={AS_OF}")
        box = page.locator("input[role=combobox]")
        box.press_sequentially("13186 5", delay=15)
        page.locator("[role=option]").first.wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        page.locator("svg.wtv-svg").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        width = page.locator("svg.wtv-svg").bounding_box()["width"]
        assert 200 < width <= 360
        page.screenshot(path=str(ARTIFACTS / f"widget-{lang}-360.png"), full_page=True)
    t.close()


# ---- (b) embedded on another origin ------------------------------------------------------------


def computed(locator) -> list[str]:
    return locator.evaluate(STYLE_OF, PROPS)


def test_script_embed_on_another_origin(tab, sites) -> None:
    srv, city, _ = sites
    page = tab.page
    # The same widget on its own page, as the reference for computed styles.
    page.goto(f"{srv.url}/widget?lang=es&date={AS_OF}")
    page.locator(".wtv-submit").wait_for()
    parts = [".wtv-submit", ".wtv-input", ".wtv-label", ".wtv-intro", ".wtv-demo", ".wtv-lang"]
    reference = {sel: computed(page.locator(sel).first) for sel in parts}
    page.goto(f"{city.url}/control.html")
    host_before = {
        sel: computed(page.locator(sel)) for sel in ("#host-text", "#host-button", "#host-list li")
    }

    page.goto(f"{city.url}/embed.html")
    widget = page.locator("#where-to-vote")  # locators pierce the open shadow root
    widget.locator(".wtv-submit").wait_for()
    assert page.evaluate("document.getElementById('where-to-vote').shadowRoot.mode") == "open"
    assert widget.is_visible()  # despite `div { display: none }`
    assert page.locator("#wtv-fallback").is_hidden()  # the city's no-script link gives way
    assert widget.locator(".wtv-title").inner_text() == "¿Dónde voto?"  # data-lang="es"
    # The host's CSS did not reach in ...
    for sel, values in reference.items():
        assert computed(widget.locator(sel).first) == values, sel
    title = computed(widget.locator(".wtv-title"))
    assert title[0] == "rgb(26, 26, 26)" and title[1] != "40px"
    # ... and ours did not leak out.
    for sel, values in host_before.items():
        assert computed(page.locator(sel)) == values, sel
    assert computed(page.locator("#host-text"))[0] == "rgb(255, 0, 0)"

    # It works: suggestions by keyboard, the answer, the map, over CORS.
    pick_with_keyboard(widget)
    text = widget.locator(".wtv-results").inner_text()
    assert SHOWN in text and "martes, 7 de noviembre" in text
    widget.locator("svg.wtv-svg path.wtv-precinct").wait_for()
    ics = widget.locator(".wtv-place a.wtv-calendar").get_attribute("href")
    assert ics.startswith(f"{srv.url}/api/v1/calendar.ics?")
    no_style_attributes(page)
    # preload=False: axe would otherwise re-fetch widget.css by XHR, which CORS (rightly:
    # /static is not in the CORS paths) refuses from the city's origin.
    no_axe_violations(page, {"include": [["#where-to-vote"]]}, preload=False)
    page.screenshot(path=str(ARTIFACTS / "widget-embed-es-1280.png"), full_page=True)


def test_iframe_embed_allowed_only_for_configured_origins(browser, sites) -> None:
    srv, city, stranger = sites
    csp = requests.get(f"{srv.url}/widget", timeout=10).headers
    assert f"frame-ancestors 'self' {city.url}" in csp["Content-Security-Policy"]
    assert stranger.url not in csp["Content-Security-Policy"] and "X-Frame-Options" not in csp
    other = requests.get(f"{srv.url}/", timeout=10).headers
    assert "frame-ancestors 'none'" in other["Content-Security-Policy"]

    t = Tab(browser, [srv.url, city.url, stranger.url])
    t.page.goto(f"{city.url}/frame.html")
    frame = t.page.frame_locator("#wtv-frame")
    frame.locator(".wtv-title").wait_for()
    assert frame.locator(".wtv-title").inner_text() == "¿Dónde voto?"
    frame.locator("input[role=combobox]").fill(ADDRESS)
    frame.locator("input[role=combobox]").press("Escape")
    frame.locator("input[role=combobox]").press("Enter")
    frame.locator(".wtv-place .wtv-name").wait_for()
    assert frame.locator(".wtv-place .wtv-name").inner_text() == SHOWN

    # Another origin: the browser refuses to frame the widget, and CORS keeps the script
    # embed from reading the API.
    t.page.goto(f"{stranger.url}/frame.html")
    t.page.wait_for_load_state("load")
    t.page.wait_for_timeout(300)
    assert t.page.frame_locator("#wtv-frame").locator(".wtv-title").count() == 0
    assert any("frame-ancestors" in m for m in t.console), t.console
    t.page.goto(f"{stranger.url}/embed.html")
    t.page.wait_for_load_state("load")
    t.page.wait_for_timeout(500)
    assert t.page.locator(".wtv").count() == 0
    assert any("CORS" in m or "Access-Control-Allow-Origin" in m for m in t.console), t.console
    t.close(clean=False)
    assert not t.refused and not t.dialogs


# ---- (e) an HTML payload in the data ---------------------------------------------------------


def test_polling_place_name_is_text_not_markup(browser, hostile_server) -> None:
    from support.cases import HOSTILE

    t = Tab(browser, [hostile_server.url])
    page = t.page
    page.goto(f"{hostile_server.url}/widget?lang=en&date={AS_OF}")
    box = page.locator("input[role=combobox]")
    box.fill(ADDRESS)
    box.press("Escape")
    box.press("Enter")
    name = page.locator(".wtv-place .wtv-name")
    name.wait_for()
    assert name.inner_text() == HOSTILE
    page.locator("svg.wtv-svg").wait_for()
    assert HOSTILE in page.locator("g.wtv-mk-place title").text_content()
    page.wait_for_timeout(200)
    assert page.locator("img").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    t.close()  # asserts no dialog, no script error


# ---- the endpoints it uses, and its weight ----------------------------------------------------


@pytest.mark.http
def test_precinct_geojson_and_strings_endpoints(sites) -> None:
    from jsonschema import Draft202012Validator

    from lookup.outputs.openapi import spec

    srv = sites[0]
    r = srv.get("/api/v1/precinct.geojson", county="DEMO", id="019")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/geo+json"
    assert r.headers["Cache-Control"] == "public, max-age=3600"
    feature = r.json()
    s = spec()
    schema = {"$ref": "#/components/schemas/PrecinctFeature", **s}
    assert not list(Draft202012Validator(schema).iter_errors(feature))
    assert feature["properties"] == {"id": "019", "name": "COLLEGE PARK", "county": "DEMO"}
    ring = feature["geometry"]["coordinates"][0]
    assert all(len(str(v).split(".")[-1]) <= 6 for point in ring for v in point)
    answer = srv.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()
    from shapely.geometry import Point, shape

    assert shape(feature["geometry"]).contains(
        Point(answer["match"]["lon"], answer["match"]["lat"])
    )
    for params, status, code in (
        ({"county": "DEMO"}, 400, "invalid_parameter"),
        ({"id": "019"}, 400, "invalid_parameter"),
        ({"county": "DEMO", "id": "999"}, 404, "not_found"),
    ):
        r = srv.get("/api/v1/precinct.geojson", **params)
        assert r.status_code == status and r.json()["error"]["code"] == code
        assert r.json()["board_of_elections"]["phone"]

    strings_schema = s["paths"]["/api/v1/strings"]["get"]["responses"]["200"]["content"]
    validator = Draft202012Validator(strings_schema["application/json"]["schema"])
    for lang in ("en", "es"):
        body = srv.get("/api/v1/strings", lang=lang).json()
        assert not list(validator.iter_errors(body))
        assert body["demo"] is True and body["lang"] == lang
    assert srv.get("/api/v1/strings", lang="fr").status_code == 400
    # CORS for the configured city only.
    city = sites[1].url
    h = requests.get(f"{srv.url}/api/v1/strings", headers={"Origin": city}, timeout=10).headers
    assert h["Access-Control-Allow-Origin"] == city
    h = requests.get(f"{srv.url}/api/v1/strings", headers={"Origin": sites[2].url}, timeout=10)
    assert "Access-Control-Allow-Origin" not in h.headers


@pytest.mark.http
def test_page_weight(sites) -> None:
    srv = sites[0]
    sizes = {
        p: len(srv.get(p).content) for p in ("/widget", "/static/widget.js", "/static/widget.css")
    }
    assert sum(sizes.values()) < 150_000, sizes
