"""The resident widget on a phone (issue 22, item 7, and the widget's changed flag of
item 5), in headless Chromium at 360x740, on the demo county and on real Mecklenburg
2020 (``conftest.meck_2020``): the answer under 2,500 px with the default view (the
nearest three sites of the moment, "show all" for the rest, hours said once when shared),
a map with a scale bar, numbered sites and markers that never hide one another, help for
a finger on a touch screen, an iframe that sizes itself by the ``wtv:height`` message
(the README's own snippet on a host page), the host's styling of its container kept,
background tiles from a local tile server when configured (and no request anywhere else
when not), axe-core on every state."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from support.browser import HostSite, Tab, no_axe_violations
from support.paths import ARTIFACTS, ROOT
from support.servers import Server

from lookup.config import ConfigError, Settings

pytestmark = pytest.mark.browser
PHONE = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
MAX_HEIGHT = 2500

DEMO_ADDRESS = "13186 5th St, Demo City NC 28990"
DEMO_AT = "2028-10-25T12:00"  # a Wednesday of early voting: all six sites open, same hours
CHANGED_POINT = "34.9496, -75.2895"  # demo PCT whose polling place moved
# Real Mecklenburg: the Beatties Ford Road library is an address point AND an early-voting
# site (the home marker used to hide it); on a Tuesday of early voting all 33 sites open.
REAL_ADDRESS = "2412 Beatties Ford Rd, Charlotte NC 28216"
REAL_AT = "2020-10-20T10:00"
TILE_RGB = (230, 0, 230)  # what the local tile server paints: found on the map, or not

HOST_CSS = "#where-to-vote { border: 5px solid rgb(0, 128, 0); padding: 17px; margin: 23px 11px; }"


# ---- servers ---------------------------------------------------------------------------


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), TILE_RGB).save(buf, "PNG")
    return buf.getvalue()


class _Tiles(BaseHTTPRequestHandler):
    def __init__(self, seen: list[str], png: bytes, *args: object) -> None:
        self.seen, self.png = seen, png
        super().__init__(*args)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        ok = re.fullmatch(r"/tiles/\d+/\d+/\d+\.png", self.path) is not None
        self.seen.append(self.path)
        body = self.png if ok else b"no"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "image/png" if ok else "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class TileServer:
    """A tile server on 127.0.0.1: the same PNG for any /tiles/z/x/y.png, requests kept."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Tiles, self.seen, _png()))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def readme_iframe_snippet() -> str:
    """The README's iframe embed, as a county would paste it (its html block after
    **iframe**)."""
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("**iframe**") :]
    block = re.search(r"```html\n(.*?)```", section, re.S)
    assert block, "README: no html block after **iframe**"
    return block.group(1)


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>City of Demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body {{ margin: 8px; font: 16px serif; }} {css}</style></head>
<body><main><h1>City news</h1>{embed}<p id="after">Trash pickup moves to Wednesday.</p></main>
</body></html>"""


@pytest.fixture(scope="module")
def city() -> Iterator[tuple[HostSite, dict[str, str]]]:
    pages: dict[str, str] = {}
    site = HostSite(pages)
    yield site, pages
    site.stop()


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    t = TileServer()
    yield t
    t.stop()


def _server(data: Path, tmp_path_factory, label: str, city_url: str, **env: str) -> Server:
    return Server(
        data,
        tmp_path_factory.mktemp(label) / "server.log",
        workers=1,
        env={"LOOKUP_CORS_ORIGINS": city_url, "LOOKUP_FRAME_ANCESTORS": city_url, **env},
    )


@pytest.fixture(scope="module")
def demo(demo_dir, city, tmp_path_factory) -> Iterator[Server]:
    srv = _server(demo_dir, tmp_path_factory, "phone-demo", city[0].url)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def demo_tiles(demo_dir, city, tiles, tmp_path_factory) -> Iterator[Server]:
    srv = _server(
        demo_dir,
        tmp_path_factory,
        "phone-tiles",
        city[0].url,
        LOOKUP_TILE_URL=f"{tiles.url}/tiles/{{z}}/{{x}}/{{y}}.png",
        LOOKUP_TILE_ATTRIBUTION="Tiles: Demo County GIS",
    )
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def meck(meck_2020, city, tmp_path_factory) -> Iterator[Server]:
    srv = _server(meck_2020[1], tmp_path_factory, "phone-meck", city[0].url)
    yield srv
    srv.stop()


# ---- helpers ---------------------------------------------------------------------------


def answer(scope, address: str) -> None:
    """Type the address, take it as typed (Escape, Enter), wait for the answer and map."""
    box = scope.locator("input[role=combobox]")
    box.fill(address)
    box.press("Escape")
    box.press("Enter")
    scope.locator(".wtv-place .wtv-name, .wtv-error, .wtv-pick").first.wait_for()
    scope.locator("svg.wtv-svg").wait_for()


def page_height(page) -> int:
    return int(page.evaluate("document.documentElement.scrollHeight"))


def boxes_overlap(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def markers_apart(page) -> None:
    """No marker's shape overlaps another's (the home, the polling place, the sites)."""
    shapes = page.locator("svg.wtv-svg g.wtv-mk > :first-child")
    boxes = [shapes.nth(i).bounding_box() for i in range(shapes.count())]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not boxes_overlap(a, b), (a, b)


def phone_answer(chromium, srv: Server, lang: str, at: str, address: str, shot: str) -> Tab:
    t = Tab(chromium, [srv.url], **PHONE)
    t.page.goto(f"{srv.url}/widget?lang={lang}&at={at}")
    answer(t.page, address)
    t.page.wait_for_timeout(100)
    ARTIFACTS.mkdir(exist_ok=True)
    t.page.screenshot(path=str(ARTIFACTS / f"widget-phone-{shot}-{lang}.png"), full_page=True)
    return t


HEIGHTS: dict[str, int] = {}


# ---- the phone answer ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_demo_phone_answer_is_short_and_shows_all_on_demand(chromium, demo, lang) -> None:
    t = phone_answer(chromium, demo, lang, DEMO_AT, DEMO_ADDRESS, "demo")
    page = t.page
    height = page_height(page)
    HEIGHTS[f"demo-{lang}"] = height
    print(f"demo {lang}: {height} px")
    assert height < MAX_HEIGHT
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sites = page.locator(".wtv-site")
    assert sites.count() == 3
    # Every site shown has the same hours: said once above the list, not on each card.
    shared = page.locator(".wtv-shared")
    assert shared.is_visible()
    assert page.locator(".wtv-site .wtv-state").count() == 0
    assert ("8:00" in shared.inner_text()) and ("7:30" in shared.inner_text())
    assert [sites.nth(i).locator(".wtv-num").inner_text() for i in range(3)] == ["1", "2", "3"]
    # The map: a scale, the sites numbered as in the list, nothing hidden under the home.
    svg = page.locator("svg.wtv-svg")
    assert re.fullmatch(r"[\d.,]+ mi", svg.locator(".wtv-scale-text").text_content())
    assert svg.locator("text.wtv-mk-label").first.text_content() == "1"
    markers_apart(page)
    no_axe_violations(page)
    more = page.locator("button.wtv-more")
    assert more.get_attribute("aria-expanded") == "false"
    more.click()
    assert sites.count() == 6 and more.get_attribute("aria-expanded") == "true"
    no_axe_violations(page)
    more.click()
    assert sites.count() == 3
    t.close()


@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "es"])
def test_real_phone_answer_is_short_and_shows_all_on_demand(chromium, meck, lang) -> None:
    t = phone_answer(chromium, meck, lang, REAL_AT, REAL_ADDRESS, "meck")
    page = t.page
    height = page_height(page)
    HEIGHTS[f"meck-{lang}"] = height
    print(f"meck {lang}: {height} px")
    assert height < MAX_HEIGHT
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    sites = page.locator(".wtv-site")
    assert sites.count() == 3
    assert page.locator(".wtv-shared").is_visible()  # 33 sites, one set of hours
    first = sites.first.inner_text()
    assert "Beatties Ford Library" in first
    # The home is at the library that is also site 1: both drawn, neither hidden.
    svg = page.locator("svg.wtv-svg")
    assert svg.locator("g.wtv-mk-home").count() == 1
    assert svg.locator("g.wtv-mk-site").count() >= 1
    assert svg.locator(".wtv-spot").count() >= 1  # the spot they share
    markers_apart(page)
    no_axe_violations(page)
    more = page.locator("button.wtv-more")
    assert re.search(r"33", more.inner_text())
    more.click()
    assert sites.count() == 33
    no_axe_violations(page)
    page.get_by_role("button", name={"en": "Open now", "es": "Abiertos ahora"}[lang]).click()
    assert sites.count() == 33  # "show all" holds across the filters
    t.close()


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("at", "kind"), [("2020-10-24T20:00", "next"), ("2020-10-31T16:00", "ended")]
)
def test_real_after_closing_no_site_is_said_open_today(chromium, meck, at, kind) -> None:
    """Saturday night: Sunday's sites, said as such; after the last day: over."""
    t = phone_answer(chromium, meck, "en", at, REAL_ADDRESS, kind)
    page = t.page
    ev = "\n".join(page.locator(".wtv-ev > :not(.wtv-toggle):visible").all_inner_texts())
    assert "open now" not in ev.lower() and "open today" not in ev.lower(), ev
    assert page.locator(".wtv-badge.wtv-open").count() == 0
    if kind == "next":
        assert "Sites open on Sunday, October 25, nearest first." in ev
        assert "All of them open next on Sunday, October 25, 1:00" in ev.replace("\u202f", " ")
        assert page.locator(".wtv-site").count() == 3
        # The calendar link is for Sunday's opening, and the service answers it.
        ics = page.locator(".wtv-site a.wtv-calendar").first.get_attribute("href")
        assert "day=2020-10-25" in ics
        r = requests.get(ics, timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    else:
        assert page.locator(".wtv-none").inner_text() == "Early voting is over."
    assert page_height(page) < MAX_HEIGHT
    no_axe_violations(page)
    t.close()


# ---- touch help ------------------------------------------------------------------------


def test_help_speaks_of_tapping_on_a_touch_screen(chromium, demo) -> None:
    for context, lang, wanted, unwanted in (
        (PHONE, "en", "tap one", "↓"),
        (PHONE, "es", "toque una", "↓"),
        (DESKTOP, "en", "↓ and ↑", "tap"),
    ):
        t = Tab(chromium, [demo.url], **context)
        t.page.goto(f"{demo.url}/widget?lang={lang}&at={DEMO_AT}")
        help_text = t.page.locator(".wtv-form .wtv-help")
        help_text.wait_for()
        assert wanted in help_text.inner_text() and unwanted not in help_text.inner_text()
        t.close()


# ---- the changed flag, without its word twice ------------------------------------------


@pytest.mark.parametrize(
    ("lang", "flag", "stem"), [("en", "CHANGED", "chang"), ("es", "CAMBIÓ", "cambi")]
)
def test_changed_flag_says_its_word_once(chromium, demo, lang, flag, stem) -> None:
    t = Tab(chromium, [demo.url], **PHONE)
    t.page.goto(f"{demo.url}/widget?lang={lang}&at=2028-10-25T20:30")
    answer(t.page, CHANGED_POINT)
    text = t.page.locator(".wtv-changed").inner_text()
    assert text.startswith(flag)
    assert len(re.findall(stem, text, re.I)) == 1, text
    assert "Harbor Town American Legion, 6808 Church Street" in text
    t.close()


# ---- the iframe sizes itself (the README's snippet) ------------------------------------


def frame_fits(page, frame) -> tuple[int, int, int]:
    """(iframe height, its document's scrollHeight, its clientHeight), once settled."""
    page.wait_for_timeout(300)
    outer = page.evaluate("document.querySelector('iframe').clientHeight")  # no border
    scroll, client = frame.evaluate(
        "[document.documentElement.scrollHeight, document.documentElement.clientHeight]"
    )
    return int(outer), int(scroll), int(client)


@pytest.mark.parametrize("which", ["demo", "meck"])
def test_iframe_embed_has_no_inner_scroll(chromium, city, demo, request, which) -> None:
    srv = demo if which == "demo" else request.getfixturevalue("meck")
    host, pages = city
    at, address = (DEMO_AT, DEMO_ADDRESS) if which == "demo" else (REAL_AT, REAL_ADDRESS)
    snippet = readme_iframe_snippet()
    assert 'height="900"' not in snippet and "wtv:height" in snippet
    snippet = snippet.replace(
        "https://vote.example.gov/widget", f"{srv.url}/widget?lang=en&amp;at={at}"
    )
    snippet = snippet.replace("https://vote.example.gov", srv.url)
    pages[f"/frame-{which}.html"] = PAGE.format(css="", embed=snippet)
    t = Tab(chromium, [srv.url, host.url], **PHONE)
    page = t.page
    page.goto(f"{host.url}/frame-{which}.html")
    frame = page.frame_locator("iframe")
    frame.locator("input[role=combobox]").wait_for()
    inner = next(f for f in page.frames if f.url.startswith(srv.url))
    outer, scroll, client = frame_fits(page, inner)
    assert scroll <= client + 2 and abs(outer - scroll) <= 2, (outer, scroll, client)
    answer(frame, address)
    page.wait_for_timeout(300)
    outer, scroll, client = frame_fits(page, inner)
    print(f"iframe {which}: {outer} px, inner scrollHeight {scroll}, clientHeight {client}")
    assert scroll <= client + 2 and abs(outer - scroll) <= 2, (outer, scroll, client)
    assert outer > 900  # it grew to its answer (the old fixed 900 px would scroll inside)
    if which == "meck":
        assert outer < MAX_HEIGHT
    # Show all: the frame follows.
    frame.locator("button.wtv-more").click()
    page.wait_for_timeout(400)
    taller, scroll, client = frame_fits(page, inner)
    assert taller > outer and scroll <= client + 2, (taller, scroll, client)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"widget-iframe-{which}-360.png"), full_page=True)
    t.close()


def test_the_widget_page_names_the_parents_it_may_tell(demo, city) -> None:
    """The height goes only to an origin allowed to frame the page (config)."""
    r = requests.get(f"{demo.url}/widget", timeout=10)
    assert f'data-parents="{city[0].url}"' in r.text


# ---- the host's own container ---------------------------------------------------------


def test_script_embed_keeps_the_hosts_container_styling(chromium, city, demo) -> None:
    host, pages = city
    embed = (
        f'<div id="where-to-vote"></div><script src="{demo.url}/static/widget.js" '
        f'data-target="where-to-vote" data-lang="en" data-at="{DEMO_AT}" async></script>'
    )
    pages["/styled.html"] = PAGE.format(css=HOST_CSS, embed=embed)
    t = Tab(chromium, [demo.url, host.url], **PHONE)
    page = t.page
    page.goto(f"{host.url}/styled.html")
    widget = page.locator("#where-to-vote")
    widget.locator(".wtv-submit").wait_for()
    style = widget.evaluate(
        """(e) => { const s = getComputedStyle(e);
        return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.paddingLeft,
                s.marginTop, s.marginLeft, s.display]; }"""
    )
    assert style == ["5px", "solid", "rgb(0, 128, 0)", "17px", "23px", "11px", "block"]
    # Inside, the widget is its own: the host's serif 16px does not reach in.
    family = widget.locator(".wtv-title").evaluate("(e) => getComputedStyle(e).fontFamily")
    assert family != "serif" and "system-ui" in family
    answer(widget, DEMO_ADDRESS)
    assert widget.locator(".wtv-site").count() == 3
    no_axe_violations(page, {"include": [["#where-to-vote"]]}, preload=False)
    t.close()


# ---- tiles: off by default, from the configured server when set -------------------------


def tile_pixels(png: bytes) -> int:
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    r, g, b = TILE_RGB
    return sum(
        1
        for pr, pg, pb in img.get_flattened_data()
        if abs(pr - r) < 12 and abs(pg - g) < 12 and abs(pb - b) < 12
    )


def test_tiles_from_the_configured_server(chromium, demo_tiles, tiles) -> None:
    csp = requests.get(f"{demo_tiles.url}/widget", timeout=10).headers["Content-Security-Policy"]
    assert f"img-src 'self' data: {tiles.url};" in csp
    other = requests.get(f"{demo_tiles.url}/", timeout=10).headers["Content-Security-Policy"]
    assert tiles.url not in other  # only the widget's page draws tiles
    strings = requests.get(f"{demo_tiles.url}/api/v1/strings", params={"lang": "en"}, timeout=10)
    assert strings.json()["map_tiles"]["url"].startswith(tiles.url)

    before = len(tiles.seen)
    t = Tab(chromium, [demo_tiles.url, tiles.url], **PHONE)
    page = t.page
    page.goto(f"{demo_tiles.url}/widget?lang=en&at={DEMO_AT}")
    answer(page, DEMO_ADDRESS)
    images = page.locator("svg.wtv-svg .wtv-tiles image")
    assert images.count() >= 1
    page.wait_for_function(
        f"() => performance.getEntriesByType('resource')"
        f".filter((e) => e.name.startsWith('{tiles.url}/tiles/')).length >= {images.count()}"
    )
    page.wait_for_timeout(300)
    asked = tiles.seen[before:]
    assert asked and all(re.fullmatch(r"/tiles/\d+/\d+/\d+\.png", p) for p in asked), asked
    zoom = {int(p.split("/")[2]) for p in asked}
    assert len(zoom) == 1 and 10 <= zoom.pop() <= 19  # a street-level zoom
    # The tiles are drawn: their colour fills the map around the precinct.
    shot = page.locator("svg.wtv-svg").screenshot()
    assert tile_pixels(shot) > 2000
    assert page.locator(".wtv-attribution").inner_text() == "Tiles: Demo County GIS"
    no_axe_violations(page)
    t.close()  # no CSP violation, no request beyond the service and the tile server


def test_no_tiles_by_default(chromium, demo, tiles) -> None:
    assert requests.get(f"{demo.url}/api/v1/strings", timeout=10).json()["map_tiles"] is None
    csp = requests.get(f"{demo.url}/widget", timeout=10).headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in csp
    before = len(tiles.seen)
    t = Tab(chromium, [demo.url], **PHONE)
    t.page.goto(f"{demo.url}/widget?lang=en&at={DEMO_AT}")
    answer(t.page, DEMO_ADDRESS)
    assert t.page.locator("svg.wtv-svg image").count() == 0
    assert t.page.locator("svg.wtv-svg path.wtv-precinct").count() == 1
    assert tile_pixels(t.page.locator("svg.wtv-svg").screenshot()) == 0
    assert len(tiles.seen) == before
    t.close()  # asserts nothing was asked of any other server


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.gov/{z}/{x}/{y}.png",
        "https://tiles.example.gov/{z}/{x}.png",
        "https://{s}.tiles.example.gov/{z}/{x}/{y}.png",
        "tiles/{z}/{x}/{y}.png",
    ],
)
def test_a_tile_url_that_cannot_work_is_refused(url) -> None:
    with pytest.raises(ConfigError, match="LOOKUP_TILE_URL"):
        Settings.from_env({"LOOKUP_TILE_URL": url})


def test_tile_settings_from_the_environment() -> None:
    s = Settings.from_env(
        {
            "LOOKUP_TILE_URL": " https://gis.example.gov/tiles/{z}/{x}/{y}.png ",
            "LOOKUP_TILE_ATTRIBUTION": "© County GIS",
        }
    )
    assert s.tile_url == "https://gis.example.gov/tiles/{z}/{x}/{y}.png"
    assert s.tile_origin == "https://gis.example.gov" and s.tile_attribution == "© County GIS"
    assert Settings.from_env({}).tile_origin == ""
