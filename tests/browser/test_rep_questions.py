"""Issue 24 in the 311 console, in Chromium against a real server: a representative's call
(look-up, "photo ID" opened in Spanish and added to the script, two topics marked with
number keys, Alt+N) counted exactly in the insights table ``topics``; marks sent by a
beacon when the page is left, nothing sent when nothing is marked; "This looks wrong" on
an answer and on an unknown address, read back at ``/admin/reports``; axe on the topics
panel, the marks and the report form.

Nothing is pre-marked after a look-up: the representative marks what the caller asked."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from support.browser import console, no_axe_violations
from support.servers import Server
from support.staff import reports, staff_server, table, wait_for_table

pytestmark = pytest.mark.browser
AT = "2028-10-25T10:00"  # a Wednesday of early voting
ADDRESS = "13186 5th St, Demo City NC 28990"
NOWHERE = "4242 Nowhere Ln, Demo City NC 28990"  # not in the address points
NOTE = "Caller says the church hall moved next door"


@pytest.fixture
def srv(demo_dir, tmp_path) -> Iterator[Server]:
    """A server of its own: its topics table holds this test's marks and nothing else."""
    s = staff_server(demo_dir, tmp_path / "server.log")
    yield s
    s.stop()


def look_up(page, address: str = ADDRESS, outcome: str = "#answer") -> None:
    page.fill("#address", address)
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{outcome}:not([hidden])")


def help_of(srv: Server, lang: str) -> dict[str, dict[str, str]]:
    r = srv.get("/api/v1/help", lang=lang)
    assert r.status_code == 200, r.text
    return {t["id"]: t for t in r.json()["topics"]}


def questions_posted(page) -> list[dict[str, object]]:
    """The bodies the page posts to /api/v1/questions (fetch or beacon), as they go."""
    posted: list[dict[str, object]] = []

    def seen(request) -> None:
        if request.url.endswith("/api/v1/questions") and request.method == "POST":
            posted.append(json.loads(request.post_data))

    page.on("request", seen)
    return posted


def test_a_call_is_counted_exactly(browser, srv) -> None:
    answer = srv.get("/api/v1/lookup", address=ADDRESS, at=AT).json()
    applies = answer["help_topics"]
    spanish = help_of(srv, "es")
    photo = spanish["photo_id"]
    with console(browser, srv.url, "en", AT) as page:
        posted = questions_posted(page)
        look_up(page)
        assert page.locator("input[name=mark]:checked").count() == 0  # nothing pre-marked
        # The topics that apply at the answer's moment come first, said in words.
        listed = page.eval_on_selector_all(
            "#topic-list button", "bs => bs.map(b => b.dataset.topic)"
        )
        assert listed[: len(applies)] == applies
        assert page.locator("#topic-list .applies").count() == len(applies)
        page.click(".script-lang[data-lang=es]")
        # "/" from outside a text field: the search box; the Spanish title finds the topic.
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "topic-search"
        page.keyboard.type(photo["title"])
        assert page.get_attribute("#topic-list button >> nth=0", "data-topic") == "photo_id"
        page.keyboard.press("Enter")
        page.wait_for_selector("#topic-answer:not([hidden])")
        assert page.inner_text("#topic-answer h3") == photo["title"]
        assert page.inner_text("#topic-answer .topic-body") == photo["body"]
        assert page.get_attribute("#topic-answer .topic-body", "lang") == "es"
        assert page.get_attribute("#topic-answer a", "href") == photo["source_url"]
        assert "reviewed" in page.inner_text("#topic-answer")  # the console's own language
        # Alt+digit marks while typing; a bare digit in the box is typed, not a mark.
        page.keyboard.press("Alt+5")
        assert page.is_checked("input[name=mark][value=mail_ballot]")
        page.keyboard.press("Alt+5")
        page.keyboard.press("1")
        assert page.input_value("#topic-search").endswith("1")
        assert page.locator("input[name=mark]:checked").count() == 0
        page.focus("#add-to-script")
        page.keyboard.press("Enter")
        assert page.inner_text("#script").endswith(photo["body"])
        assert page.is_disabled("#add-to-script")
        # Outside a text field, bare number keys mark: 3 photo ID, 4 registration.
        page.keyboard.press("3")
        page.keyboard.press("4")
        checked = page.eval_on_selector_all(
            "input[name=mark]:checked", "bs => bs.map(b => b.value)"
        )
        assert checked == ["photo_id", "registration"]
        no_axe_violations(page, "#topics")
        no_axe_violations(page, "#marks")
        with page.expect_response(lambda r: r.url.endswith("/api/v1/questions")) as sent:
            page.keyboard.press("Alt+n")
        assert sent.value.status == 204
        assert posted == [{"topics": ["photo_id", "registration"], "channel": "rep", "lang": "es"}]
        assert page.locator("input[name=mark]:checked").count() == 0
        assert page.is_hidden("#topic-answer") and page.input_value("#topic-search") == ""
    expected = [["photo_id", "1", "50.0"], ["registration", "1", "50.0"]]
    assert sorted(wait_for_table(srv, "topics", expected)) == expected
    assert table(srv, "topics")[0] == ["topic", "requests", "share_pct"]


def test_marks_go_by_beacon_when_the_page_is_left(browser, srv) -> None:
    with console(browser, srv.url, "en", AT) as page:
        posted = questions_posted(page)
        look_up(page)
        page.keyboard.press("Alt+n")  # nothing marked: nothing sent
        look_up(page)
        page.keyboard.press("Alt+7")
        assert page.is_checked("input[name=mark][value=accessibility]")
        assert posted == []
        page.goto(f"{srv.url}/healthz")  # pagehide: the beacon (the page sees it no more)
    expected = [["accessibility", "1", "100.0"]]
    assert sorted(wait_for_table(srv, "topics", expected)) == expected


def test_this_looks_wrong_reaches_the_staff(browser, srv) -> None:
    with console(browser, srv.url, "en", AT) as page:
        look_up(page)
        version = page.text_content("#match-details dd:last-child")
        page.keyboard.press("Alt+w")
        page.wait_for_selector("#report:not([hidden])")
        assert page.evaluate("document.activeElement.value") == "wrong_place"
        no_axe_violations(page, "#report")
        page.keyboard.press("ArrowDown")  # the radio group: place_closed
        page.keyboard.press("Tab")
        page.keyboard.type(NOTE)
        page.click("#report-send")
        page.wait_for_selector("#report-result:not(:empty)")
        sent = page.inner_text("#report-result")
        assert sent.startswith("Report sent (")
        first = sent.split("(")[1].split(")")[0]
        # An unknown address: the report says it is missing.
        look_up(page, NOWHERE, "#error")
        page.click("#report-error")
        assert page.evaluate("document.activeElement.value") == "address_missing"
        page.keyboard.press("Escape")  # closes the form, back to its button
        assert page.is_hidden("#report")
        assert page.evaluate("document.activeElement.id") == "report-error"
        page.keyboard.press("Enter")
        page.click("#report-send")
        page.wait_for_selector("#report-result:not(:empty)")
        second = page.inner_text("#report-result").split("(")[1].split(")")[0]
    filed = {r["id"]: r for r in reports(srv)}
    assert {first, second} <= set(filed)
    one, two = filed[first], filed[second]
    assert (one["reason"], one["channel"], one["note"]) == ("place_closed", "rep", NOTE)
    assert (one["address"], one["client_data_version"]) == (ADDRESS, version)
    assert (two["reason"], two["channel"], two["address"]) == ("address_missing", "rep", NOWHERE)
    assert two["client_data_version"] is None  # a not-found address came from no answer
