"""The resident page ``/`` with JavaScript off (issue 22, item 6): each early-voting site
with today's hours and what it is doing at the moment (open now until…, opens later
today, closed for today with the next opening, early voting over), nearest first; a
language switch that keeps the look-up; on a phone the Election Day polling place before
the early-voting list and nothing wider than the screen; no axe-core violation.

The moment is always pinned with ``at=``: nothing here depends on the real clock. The demo
county's sites (2028) open 8:00 to 7:30 on weekdays, 8:00 to 3:00 on Saturdays, 1:00 to
5:00 on Sundays (two closed then), the last day Saturday, November 4; the real
Mecklenburg 2020 sites (where ../shared is present) closed at 3:00 PM on Saturday,
October 31, the last day, and opened at 1:00 PM on Sundays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time
from urllib.parse import parse_qs, urlparse

import pytest
from support.servers import Server

from lookup.domain.models import DaySchedule, OpenHours
from lookup.domain.schedule import LOCAL_TZ, Timeline
from lookup.domain.site_state import (
    SECTION,
    Outlook,
    SiteState,
    outlook,
    outlook_text,
    site_state,
    state_text,
    today_text,
)
from lookup.i18n import catalog, languages

DEMO_ADDRESS = "13186 5th St, Demo City NC 28990"
UPTOWN = "35.2271, -80.8431"  # a coordinate pair typed into the box is answered as a point
PHONE = {"width": 360, "height": 740}
OPEN_NOW = {"en": "open now", "es": "abierto ahora"}

# ---- the state of a site at a moment (pure) --------------------------------------------


def hours(a: str, b: str) -> OpenHours:
    return OpenHours(time.fromisoformat(a), time.fromisoformat(b))


# A split Monday, a closed Tuesday, a short Wednesday (the last day).
SCHEDULE = (
    DaySchedule(date(2028, 10, 23), (hours("08:00", "12:00"), hours("13:00", "19:30"))),
    DaySchedule(date(2028, 10, 24), ()),
    DaySchedule(date(2028, 10, 25), (hours("09:00", "15:00"),)),
)


def state_at(hhmm: str, day: date) -> SiteState:
    now = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LOCAL_TZ)
    return site_state(Timeline.of(SCHEDULE).status(now), day, SCHEDULE)


MON, TUE, WED = date(2028, 10, 23), date(2028, 10, 24), date(2028, 10, 25)


@pytest.mark.parametrize(
    ("hhmm", "day", "expected"),
    [
        ("07:00", MON, SiteState("later", time(8), time(12), MON)),
        ("08:00", MON, SiteState("open", time(8), time(12), MON)),
        ("11:59", MON, SiteState("open", time(8), time(12), MON)),
        ("12:30", MON, SiteState("later", time(13), time(19, 30), MON)),  # the lunch break
        ("13:00", MON, SiteState("open", time(13), time(19, 30), MON)),
        ("19:30", MON, SiteState("next", time(9), time(15), WED)),  # closing time: closed
        ("10:00", TUE, SiteState("next", time(9), time(15), WED)),  # a closed day
        ("14:59", WED, SiteState("open", time(9), time(15), WED)),
        ("15:00", WED, SiteState("ended")),
        ("10:00", date(2028, 11, 7), SiteState("ended")),
    ],
)
def test_site_state_at_every_hour(hhmm: str, day: date, expected: SiteState) -> None:
    assert state_at(hhmm, day) == expected


def test_next_opening_without_the_schedule_has_no_closing_time() -> None:
    now = datetime(2028, 10, 24, 10, tzinfo=LOCAL_TZ)
    st = site_state(Timeline.of(SCHEDULE).status(now), TUE)
    assert st == SiteState("next", time(9), None, WED)
    text = state_text(st, "en").replace("\u202f", " ")
    assert text == "closed for today, next open Wednesday, October 25, 9:00 AM"


def test_outlook_today_else_the_next_day_else_over() -> None:
    open_, later = SiteState("open", time(8), time(12)), SiteState("later", time(13))
    soon, sooner = SiteState("next", time(8), None, WED), SiteState("next", time(8), None, TUE)
    ended = SiteState("ended")
    assert outlook([ended, later, soon, open_]) == Outlook("today", 2)
    assert outlook([soon, sooner, ended, sooner]) == Outlook("next", 2, TUE)
    assert outlook([ended, ended]) == Outlook("ended")
    assert outlook([]) == Outlook("ended")


@pytest.mark.parametrize(
    ("lang", "hhmm", "day", "today", "state"),
    [
        ("en", "10:00", MON, "Today: 8:00 AM to 12:00 PM, 1:00 PM to 7:30 PM",
         "open now until 12:00 PM"),
        ("es", "10:00", MON, "Hoy: de 8:00 a.m. a 12:00 p.m., de 1:00 p.m. a 7:30 p.m.",
         "abierto ahora, hasta 12:00 p.m."),
        ("en", "12:30", MON, "Today: 8:00 AM to 12:00 PM, 1:00 PM to 7:30 PM",
         "opens at 1:00 PM today"),
        ("es", "12:30", MON, "Hoy: de 8:00 a.m. a 12:00 p.m., de 1:00 p.m. a 7:30 p.m.",
         "abre más tarde hoy: 1:00 p.m."),
        ("en", "10:00", TUE, "Today: closed",
         "closed for today, next open Wednesday, October 25, 9:00 AM to 3:00 PM"),
        ("es", "10:00", TUE, "Hoy: cerrado",
         "cerrado por hoy, vuelve a abrir el miércoles, 25 de octubre, de 9:00 a.m. a 3:00 p.m."),
        ("en", "16:00", WED, "Today: 9:00 AM to 3:00 PM", "early voting is over"),
        ("es", "16:00", WED, "Hoy: de 9:00 a.m. a 3:00 p.m.", "la votación anticipada terminó"),
    ],
)  # fmt: skip
def test_in_words(lang: str, hhmm: str, day: date, today: str, state: str) -> None:
    now = datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LOCAL_TZ)
    status = Timeline.of(SCHEDULE).status(now)
    nbsp = str.maketrans({"\u202f": " ", "\xa0": " "})
    assert today_text(status, lang).translate(nbsp) == today
    assert state_text(site_state(status, day, SCHEDULE), lang).translate(nbsp) == state


def test_summaries_in_every_language() -> None:
    for lang in languages():
        texts = {
            outlook_text(Outlook("today", 3), 6, lang),
            outlook_text(Outlook("next", 2, WED), 6, lang),
            outlook_text(Outlook("ended"), 6, lang),
        }
        assert len(texts) == 3 and all(texts)
        assert catalog(lang)[SECTION]["language_name"]
    assert outlook_text(Outlook("today", 3), 6, "en").startswith("Open now or later today: 3 of 6")
    assert "Wednesday, October 25" in outlook_text(Outlook("next", 2, WED), 6, "en")
    assert "miércoles, 25 de octubre" in outlook_text(Outlook("next", 2, WED), 6, "es")


# ---- the page in Chromium, JavaScript off ------------------------------------------------


def open_page(chromium, url: str, **context: object):
    """A JavaScript-less page kept to our server; ``context``: viewport and the like."""
    ctx = chromium.new_context(java_script_enabled=False, **{"viewport": PHONE, **context})
    page = ctx.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    return page


def look_up(page, url: str, address: str, at: str, lang: str = "en") -> None:
    """Type the address into the form and send it (the form keeps ``at`` and ``lang``)."""
    page.goto(f"{url}/?lang={lang}&at={at}")
    page.fill("#address", address)
    page.press("#address", "Enter")
    page.wait_for_selector("#answer")


def sites(page) -> list[dict[str, str]]:
    """Each listed site's text, today's hours and state (spaces made plain)."""
    out = []
    for li in page.locator("#early-voting > li").all():
        texts = [
            li.inner_text(),
            li.locator(".today").inner_text(),
            li.locator(".state").inner_text(),
        ]
        text, today, state = (re.sub(r"[\u202f\xa0]", " ", t) for t in texts)
        out.append({"text": text, "today": today, "state": state})
    return out


def no_axe_violations(page) -> None:
    """axe-core on the page as shown. axe runs as a script, and a page without JavaScript
    never runs it (its promise never settles): it checks the same URL in a context that
    allows scripts, where the page is the same, having none of its own."""
    from axe_playwright_python.sync_playwright import Axe

    assert page.locator("script").count() == 0
    viewport = page.viewport_size
    ctx = page.context.browser.new_context(viewport=viewport)
    try:
        checked = ctx.new_page()
        checked.goto(page.url)
        assert checked.content() == page.content()
        results = Axe().run(checked)
        assert results.violations_count == 0, results.generate_report()
    finally:
        ctx.close()


def phone_layout_holds(page) -> None:
    """The polling place above the first early-voting site; nothing wider than 360 px."""
    place = page.locator("#polling-place").bounding_box()
    first = page.locator("#early-voting > li").first.bounding_box()
    assert place and first and place["y"] + place["height"] <= first["y"], (place, first)
    width = page.evaluate(
        "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    assert width <= 360, width


def distances_ascend(listed: list[dict[str, str]]) -> None:
    """Nearest first: the known distances ascend, the unknown ones come after them."""
    miles = [
        re.search(r"\((?:([\d.]+) mi|distance unknown|distancia desconocida)\)", s["text"])
        for s in listed
    ]
    assert all(miles), listed
    known = [float(m.group(1)) for m in miles if m and m.group(1)]
    assert known == sorted(known)
    first_unknown = next((k for k, m in enumerate(miles) if m and not m.group(1)), len(miles))
    assert all(m and not m.group(1) for m in miles[first_unknown:])


def switch_language(page, url: str, lang: str, address: str, at: str) -> None:
    """The language link keeps the look-up and its moment, and answers in ``lang``."""
    link = page.locator(f"#languages a[hreflang={lang}]")
    query = parse_qs(urlparse(link.get_attribute("href") or "").query)
    assert query == {"address": [address], "at": [at], "lang": [lang]}, query
    link.click()
    page.wait_for_selector("#answer")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.input_value("#address") == address
    assert page.locator("#languages a[aria-current=page]").get_attribute("hreflang") == lang


@pytest.mark.browser
def test_demo_open_now_nearest_first_on_a_phone(chromium, server) -> None:
    page = open_page(chromium, server.url)
    look_up(page, server.url, DEMO_ADDRESS, "2028-10-24T10:00")  # a Tuesday morning
    assert page.locator("#demo-banner").is_visible()
    listed = sites(page)
    assert len(listed) == 6
    assert all(s["today"] == "Today: 8:00 AM to 7:30 PM" for s in listed), listed
    assert all(s["state"] == "open now until 7:30 PM" for s in listed), listed
    distances_ascend(listed)
    assert page.inner_text("#ev-summary") == "Open now or later today: 6 of 6 sites, nearest first."
    phone_layout_holds(page)
    # The mail-ballot notice comes after the sites, not above the polling place.
    notices = page.locator("#notices").bounding_box()
    assert notices and notices["y"] > page.locator("#early-voting").bounding_box()["y"]
    no_axe_violations(page)
    switch_language(page, server.url, "es", DEMO_ADDRESS, "2028-10-24T10:00")
    assert "DATOS DE DEMOSTRACIÓN" in page.inner_text("#demo-banner")
    assert all(s["state"] == "abierto ahora, hasta 7:30 p.m." for s in sites(page))
    assert "martes, 7 de noviembre de 2028" in page.inner_text("#polling-place").replace(
        "\u202f", " "
    )
    phone_layout_holds(page)
    no_axe_violations(page)
    switch_language(page, server.url, "en", DEMO_ADDRESS, "2028-10-24T10:00")
    page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "es"])
def test_demo_sunday_morning_saturday_night_and_the_end(chromium, server, lang: str) -> None:
    page = open_page(chromium, server.url)
    t = catalog(lang)[SECTION]
    # Sunday 10 AM: four sites open at 1 PM, two are closed all day (they open Monday).
    look_up(page, server.url, DEMO_ADDRESS, "2028-10-29T10:00", lang)
    states = [s["state"] for s in sites(page)]
    later = {"en": "opens at 1:00 PM today", "es": "abre más tarde hoy: 1:00 p.m."}[lang]
    monday = {"en": "Monday, October 30", "es": "lunes, 30 de octubre"}[lang]
    assert states.count(later) == 4, states
    assert sum(monday in s for s in states) == 2, states
    assert not any(OPEN_NOW[lang] in s for s in states)
    # Saturday 8 PM: closed for today; the next opening is Sunday.
    look_up(page, server.url, DEMO_ADDRESS, "2028-10-28T20:00", lang)
    sunday = {"en": "Sunday, October 29", "es": "domingo, 29 de octubre"}[lang]
    states = [s["state"] for s in sites(page)]
    assert not any(OPEN_NOW[lang] in s for s in states), states
    assert sunday in page.inner_text("#ev-summary")
    assert sum(sunday in s for s in states) == 4, states
    no_axe_violations(page)
    # The last day after closing: early voting is over, at every site.
    look_up(page, server.url, DEMO_ADDRESS, "2028-11-04T16:00", lang)
    assert page.inner_text("#ev-summary") == t["summary_ended"]
    assert {s["state"] for s in sites(page)} == {t["state_ended"]}
    phone_layout_holds(page)
    no_axe_violations(page)
    page.context.close()


@pytest.mark.browser
def test_demo_candidate_links_keep_the_moment(chromium, server) -> None:
    """A question's links and the language links keep ``at=``: the chosen answer is told
    at the same moment."""
    page = open_page(chromium, server.url)
    page.goto(f"{server.url}/?lang=en&at=2028-10-28T20:00&address=912+Main+St")
    links = page.locator("#candidates a")
    assert links.count() == 2
    assert all("at=2028-10-28T20%3A00" in (a.get_attribute("href") or "") for a in links.all())
    es = parse_qs(urlparse(page.locator("#languages a[hreflang=es]").get_attribute("href")).query)
    assert es == {"address": ["912 Main St"], "at": ["2028-10-28T20:00"], "lang": ["es"]}
    links.first.click()
    page.wait_for_selector("#answer")
    assert "Sunday, October 29" in page.inner_text("#ev-summary")
    pick = parse_qs(urlparse(page.locator("#languages a[hreflang=es]").get_attribute("href")).query)
    assert set(pick) == {"pick", "at", "lang"}  # Spanish answers the same candidate
    page.locator("#languages a[hreflang=es]").click()
    page.wait_for_selector("#answer")
    assert "domingo, 29 de octubre" in page.inner_text("#ev-summary")
    page.context.close()


@pytest.mark.browser
def test_data_stays_text(chromium, hostile_server) -> None:
    """A BOE name carrying markup is shown as text with the new parts of the page too."""
    from support.cases import HOSTILE

    page = open_page(chromium, hostile_server.url)
    look_up(page, hostile_server.url, DEMO_ADDRESS, "2028-10-24T10:00")
    assert HOSTILE in page.inner_text("#polling-place")
    assert page.locator("#answer img").count() == 0
    switch_language(page, hostile_server.url, "es", DEMO_ADDRESS, "2028-10-24T10:00")
    assert page.locator("#answer img").count() == 0
    page.context.close()


# ---- the real Mecklenburg 2020 files ----------------------------------------------------


@pytest.fixture(scope="module")
def meck_server(meck_2020, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Mecklenburg 2020 (``conftest.meck_2020``): 33 sites, 9 with coordinates."""
    _report, data = meck_2020
    srv = Server(data, tmp_path_factory.mktemp("meck-nojs-log") / "server.log", workers=1)
    yield srv
    srv.stop()


@pytest.mark.browser
@pytest.mark.realdata
def test_real_open_now_until_7_30(chromium, meck_server) -> None:
    """Tuesday 2020-10-20 at 10 AM, uptown: every site open until 7:30 PM, nearest first
    (the sites without a distance after the others, said as such)."""
    page = open_page(chromium, meck_server.url)
    look_up(page, meck_server.url, UPTOWN, "2020-10-20T10:00")
    assert page.locator("#demo-banner").count() == 0
    listed = sites(page)
    assert len(listed) == 33
    assert listed[0]["text"].startswith("Beatties Ford Library — ")
    assert all(s["state"] == "open now until 7:30 PM" for s in listed), listed
    assert sum("(distance unknown)" in s["text"] for s in listed) == 24
    distances_ascend(listed)
    phone_layout_holds(page)
    no_axe_violations(page)
    switch_language(page, meck_server.url, "es", UPTOWN, "2020-10-20T10:00")
    listed = sites(page)
    assert all(s["state"] == "abierto ahora, hasta 7:30 p.m." for s in listed), listed
    assert sum("(distancia desconocida)" in s["text"] for s in listed) == 24
    phone_layout_holds(page)
    no_axe_violations(page)
    page.context.close()


@pytest.mark.browser
@pytest.mark.realdata
@pytest.mark.parametrize("lang", ["en", "es"])
def test_real_after_closing(chromium, meck_server, lang: str) -> None:
    """4 PM on the last day: no site open, early voting over. 8 PM on Saturday the 24th:
    none open; they open again on Sunday the 25th at 1 PM."""
    t = catalog(lang)[SECTION]
    page = open_page(chromium, meck_server.url)
    look_up(page, meck_server.url, UPTOWN, "2020-10-31T16:00", lang)
    listed = sites(page)
    assert len(listed) == 33
    assert not any(OPEN_NOW[lang] in s["text"] for s in listed), listed
    assert {s["state"] for s in listed} == {t["state_ended"]}
    assert page.inner_text("#ev-summary") == t["summary_ended"]
    no_axe_violations(page)

    look_up(page, meck_server.url, UPTOWN, "2020-10-24T20:00", lang)
    listed = sites(page)
    sunday = {"en": "Sunday, October 25", "es": "domingo, 25 de octubre"}[lang]
    one_pm = {"en": "1:00 PM", "es": "1:00 p.m."}[lang]
    assert not any(OPEN_NOW[lang] in s["text"] for s in listed), listed
    assert sunday in page.inner_text("#ev-summary")
    assert all(sunday in s["state"] and one_pm in s["state"] for s in listed), listed
    phone_layout_holds(page)
    no_axe_violations(page)
    page.context.close()
