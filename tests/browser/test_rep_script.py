"""The console's read-aloud script at every hour (issue 22, item 2), in Chromium, in
English and Spanish: open now (until when), opening later today, closed for the rest of
today (when the sites open next), early voting over; "nearest" only among sites with a
distance; notices that ask to confirm at the top of the answer and read first.

The moment is always pinned with ``at=`` on the console's URL (passed on to every API
call): nothing here depends on the real clock. The demo county's sites (2028) open 8:00 to
7:30 on weekdays, 8:00 to 3:00 on Saturdays, 1:00 to 5:00 on Sundays (two closed then);
the real Mecklenburg 2020 list, where ../shared is present, closed at 3:00 PM on
Saturday, October 31, the last day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from support.browser import console
from support.servers import Server

from lookup.i18n import catalog, languages
from lookup.service import NOTICE_CODES
from lookup.web.confirm import BOARD_CONFIRM, CALLER_CONFIRM, confirm_codes

ADDRESS = "13186 5th St, Demo City NC 28990"

# Words that would send a caller to a site that is not open for the rest of the day.
OPEN_TODAY = {
    "en": re.compile(r"open today|open now", re.I),
    "es": re.compile(r"abiertos? (hoy|ahora)", re.I),
}


# ---- the codes the script reads (pure) ------------------------------------------------


def test_confirm_codes_are_notices_and_their_sentences_are_in_every_catalog() -> None:
    assert set(CALLER_CONFIRM) <= set(NOTICE_CODES)
    assert set(BOARD_CONFIRM) <= set(NOTICE_CODES)
    assert not set(CALLER_CONFIRM) & set(BOARD_CONFIRM)
    for lang in languages():
        rep = catalog(lang)["rep"]
        for key in set(CALLER_CONFIRM.values()):
            assert "{address}" in rep[key] and rep[key].strip(), (lang, key)
    assert confirm_codes() == {"caller": dict(CALLER_CONFIRM), "board": list(BOARD_CONFIRM)}


def test_every_state_has_its_sentences_in_every_language() -> None:
    """The script's early-voting sentences: one per state, with and without a distance,
    and none of them calls a site "open today"."""
    keys = [f"script_ev_{k}{s}" for k in ("open", "later", "next") for s in ("", "_any")]
    for lang in languages():
        rep = catalog(lang)["rep"]
        for key in [*keys, "script_ev_ended", "script_no_distance", "script_no_distance_one"]:
            assert rep[key].strip(), (lang, key)
        for key in [*keys[2:], "script_ev_ended"]:  # only the open-now ones say "open now"
            assert not OPEN_TODAY[lang].search(rep[key]), (lang, key, rep[key])
        assert "{close}" in rep["script_ev_open"] and "{day}" in rep["script_ev_next"]


# ---- the console in Chromium ----------------------------------------------------------


def said(text: str) -> str:
    """Times as ICU writes them in either form ("7:30 p. m." or "7:30 p.m.", a narrow
    no-break space before "PM"): one form, for the comparisons."""
    text = re.sub(r"\b([ap])\.\s?m\.", r"\1.m.", text)
    return text.replace("\u202f", " ").replace("\xa0", " ")


def text(page, selector: str) -> str:
    return said(page.inner_text(selector))


def answer(page, address: str, script_lang: str | None = None) -> str:
    page.fill("#address", address)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector("#answer:not([hidden])")
    if script_lang:
        page.click(f".script-lang[data-lang={script_lang}]")
    return text(page, "#script")


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "es"])
def test_after_the_last_day_closed_the_script_says_early_voting_is_over(
    browser, server, lang
) -> None:
    """2028-11-04 at 4 PM: the last day's sites closed at 3 PM."""
    with console(browser, server.url, lang, "2028-11-04T16:00") as page:
        script = answer(page, ADDRESS)
        summary = page.inner_text("#ev-summary")
        assert not OPEN_TODAY[lang].search(script + summary), script
        over = {
            "en": "Early voting is over for this election",
            "es": "La votación anticipada terminó",
        }
        assert over[lang] in script and over[lang] in summary
        election_day = {"en": "Tuesday, November 7", "es": "martes, 7 de noviembre"}[lang]
        assert script.count(election_day) == 2  # the place's day, and "vote on Election Day"
        assert page.locator("#ev-sites li").count() == 0
        ended = {"en": "early voting is over at this site", "es": "la votación anticipada terminó"}
        assert ended[lang] in (page.text_content("#ev-all-sites") or "")  # (closed details)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_after_closing_the_script_says_when_the_sites_open_next(browser, server, lang) -> None:
    """Saturday 2028-10-21 at 4 PM: closed since 3 PM; four sites open on Sunday at 1 PM."""
    with console(browser, server.url, lang, "2028-10-21T16:00") as page:
        script = answer(page, ADDRESS)
        summary = page.inner_text("#ev-summary")
        assert not OPEN_TODAY[lang].search(script + summary), script
        expected = {
            "en": "Early-voting sites are closed for the rest of today. They open again on "
            "Sunday, October 22: the nearest one open that day is Demo County Board of "
            "Elections, at 3380 Main Street, Demo City, from 1:00 PM to 5:00 PM.",
            "es": "Los sitios de votación anticipada ya cerraron por hoy. Vuelven a abrir el "
            "domingo, 22 de octubre: el más cercano abierto ese día es Demo County Board of "
            "Elections, en 3380 Main Street, Demo City, de 1:00 p.m. a 5:00 p.m.",
        }[lang]
        assert expected in script
        assert {
            "en": "Next opening: Sunday, October 22",
            "es": "Próxima apertura: domingo, 22 de octubre",
        }[lang] in summary
        assert page.locator("#ev-sites li").count() == 4  # two sites are closed on Sundays


def test_before_opening_the_script_says_it_opens_later_today(browser, server) -> None:
    """Sunday 2028-10-22 at 10 AM: the sites open at 1 PM."""
    with console(browser, server.url, "en", "2028-10-22T10:00") as page:
        script = answer(page, ADDRESS)
        assert "The nearest one opening later today is Demo County Board of Elections" in script
        assert script.count("No site is open at this moment.") == 1
        assert "it opens at 1:00 PM and closes at 5:00 PM." in script
        assert "open now" not in script
        assert page.inner_text("#ev-summary") == "4 sites open today, nearest first."
        assert "opens later today, 1:00 PM to 5:00 PM" in text(page, "#ev-sites li")
        spanish = page.click(".script-lang[data-lang=es]") or text(page, "#script")
        assert "El más cercano que abre más tarde hoy es Demo County Board of Elections" in spanish
        assert "abre de 1:00 p.m. a 5:00 p.m." in spanish


@pytest.mark.parametrize("lang", ["en", "es"])
def test_while_open_the_script_says_open_now_until(browser, server, lang) -> None:
    with console(browser, server.url, lang, "2028-10-25T10:00") as page:
        script = answer(page, ADDRESS)
        said = {
            "en": "The nearest site open now is Demo County Board of Elections, at 3380 Main "
            "Street, Demo City, from 8:00 AM to 7:30 PM today: it is open now until 7:30 PM.",
            "es": "El sitio más cercano abierto ahora es Demo County Board of Elections, en 3380 "
            "Main Street, Demo City, de 8:00 a.m. a 7:30 p.m. hoy: está abierto ahora, hasta "
            "7:30 p.m.",
        }[lang]
        assert said in script
        until = {"en": "open now, until 7:30 PM", "es": "abierto ahora, hasta 7:30 p.m."}[lang]
        assert until in text(page, "#ev-sites li")


def test_a_respelled_street_is_confirmed_first_and_shown_at_the_top(browser, server) -> None:
    with console(browser, server.url, "en", "2028-10-25T10:00") as page:
        script = answer(page, "7333 Gul St, Demo City")
        assert script.startswith("Please confirm: did you mean 7333 GULL ST, DEMO CITY, NC 28990?")
        confirm = page.inner_text("#confirm")
        assert "Please confirm" in confirm and "similar spelling" in confirm
        assert "similar spelling" not in page.inner_text("#notices")
        top = page.locator("#confirm").bounding_box()
        sites = page.locator("#ev-sites").bounding_box()
        assert top["y"] < sites["y"] and top["y"] < 900  # in view, above the sites
        spanish = page.click(".script-lang[data-lang=es]") or text(page, "#script")
        assert spanish.startswith(
            "Por favor, confirme: ¿se refiere a 7333 GULL ST, DEMO CITY, NC 28990?"
        )
        # The next answer, with nothing to confirm, has no box left over.
        page.keyboard.press("Alt+n")
        answer(page, ADDRESS)
        assert page.is_hidden("#confirm")
        assert not page.inner_text("#script").startswith("Please confirm")


def test_a_unit_not_found_is_confirmed_first(browser, server) -> None:
    with console(browser, server.url, "es", "2028-10-25T10:00") as page:
        script = answer(page, "13186 5th St Apt 99, Demo City")
        assert script.startswith(
            "Por favor, confirme: no encontré ese apartamento o unidad, así que respondo para "
            "el edificio en 13186 5TH ST, DEMO CITY, NC 28990. ¿Es correcto?"
        )
        assert page.is_visible("#confirm")


def test_the_page_carries_the_confirm_codes(server) -> None:
    import json

    html = server.get("/rep").text
    block = re.search(r'<script type="application/json" id="rep-confirm">(.*?)</script>', html)
    assert block and json.loads(block.group(1)) == confirm_codes()


# ---- the real Mecklenburg 2020 files ---------------------------------------------------


@pytest.fixture(scope="module")
def meck_server(meck_2020, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Mecklenburg 2020 with the county's facility points as the only address points
    (``conftest.meck_2020``): 9 of the 33 sites get coordinates, 24 have none (the
    issue's "sites lacking coordinates")."""
    _report, data = meck_2020
    srv = Server(data, tmp_path_factory.mktemp("meck-rep-log") / "server.log")
    yield srv
    srv.stop()


UPTOWN = "35.2271, -80.8431"  # a coordinate pair typed into the box is answered as a point


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("lang", "at"),
    [
        ("en", "2020-10-31T16:00"),
        ("es", "2020-10-31T16:00"),
        ("en", "2020-10-24T20:00"),
        ("es", "2020-10-24T20:00"),
    ],
)
def test_real_no_script_says_open_today_after_closing(browser, meck_server, lang, at) -> None:
    with console(browser, meck_server.url, lang, at) as page:
        for script_lang in ("en", "es"):
            script = answer(page, UPTOWN, script_lang)
            summary = page.inner_text("#ev-summary")
            assert not OPEN_TODAY[script_lang].search(script), script
            assert not OPEN_TODAY[lang].search(summary), summary
            if at.startswith("2020-10-31"):
                over = {"en": "Early voting is over", "es": "La votación anticipada terminó"}
                assert over[script_lang] in script
            else:  # Saturday night: Sunday opens at 1 PM
                again = {
                    "en": "They open again on Sunday, October 25: the nearest one open that day "
                    "is Beatties Ford Library",
                    "es": "Vuelven a abrir el domingo, 25 de octubre: el más cercano abierto ese "
                    "día es Beatties Ford Library",
                }
                assert again[script_lang] in script
                unknown = {
                    "en": "There are also 24 sites whose distance",
                    "es": "Hay además 24 sitios",
                }
                assert unknown[script_lang] in script


@pytest.mark.realdata
def test_real_open_now_and_the_sites_without_a_distance(browser, meck_server) -> None:
    """Tuesday 2020-10-20 at 10 AM, uptown: the nearest site with a distance is open until
    7:30 PM; the 24 without coordinates (Spectrum Center, a few blocks away, among them)
    are said as such, never ranked, and listed with "distance unknown"."""
    with console(browser, meck_server.url, "en", "2020-10-20T10:00") as page:
        script = answer(page, UPTOWN)
        assert "The nearest site open now is Beatties Ford Library" in script
        assert "it is open now until 7:30 PM." in script
        assert "There are also 24 sites whose distance from your address we don't know." in script
        assert page.inner_text("#ev-summary") == "33 sites open today, nearest first."
        items = page.locator("#ev-sites li").all_inner_texts()
        spectrum = next(t for t in items if t.startswith("Spectrum Center"))
        assert "(distance unknown)" in spectrum and "open now, until 7:30 PM" in spectrum
