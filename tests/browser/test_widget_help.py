"""Issue 24 in the resident widget, embedded by a script tag on a city's site (another
origin: the posts go through CORS and its preflight), in Chromium against a real server:
"Good to know" lists the answer's help topics with the Board's texts (folded behind one
button on a phone), an opened one is counted once per answer in the insights table
``topics``; "Something looks wrong?" files a
report staff read at ``/admin/reports``, and a report over the budget shows the service's
own message; axe on the new parts."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from support.browser import HostSite, Tab, no_axe_violations
from support.servers import Server
from support.staff import reports, staff_server, wait_for_table

pytestmark = pytest.mark.browser
AS_OF = "2028-10-25"  # a Wednesday of early voting
ADDRESS = "13186 5th St, Demo City NC 28990"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>City of Demo</title></head>
<body><main><h1>City of Demo</h1>
<div id="where-to-vote"><a href="{service}/">Where do I vote?</a></div>
<script src="{service}/static/widget.js" data-target="where-to-vote" data-lang="en"
        data-date="{as_of}" async></script>
</main></body></html>
"""


@pytest.fixture(scope="module")
def city(demo_dir, tmp_path_factory) -> Iterator[tuple[Server, HostSite]]:
    """The service, allowing the city's origin, with one widget report per client and hour
    (loopback not exempt: the budget is what is tested)."""
    pages: dict[str, str] = {}
    site = HostSite(pages)
    srv = staff_server(
        demo_dir,
        tmp_path_factory.mktemp("widget-help") / "server.log",
        env={
            "LOOKUP_CORS_ORIGINS": site.url,
            "LOOKUP_RATE_LIMIT_EXEMPT": "",
            "LOOKUP_REPORT_RATE_LIMIT": "1 per hour",
        },
    )
    pages["/vote.html"] = PAGE.format(service=srv.url, as_of=AS_OF)
    yield srv, site
    srv.stop()
    site.stop()


def look_up(page) -> None:
    box = page.locator("#where-to-vote input[role=combobox]")
    box.fill(ADDRESS)
    box.press("Escape")
    box.press("Enter")
    page.locator("#where-to-vote .wtv-place .wtv-name").wait_for()


def test_good_to_know_and_something_looks_wrong(browser, city) -> None:
    srv, site = city
    answer = srv.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()
    applies = answer["help_topics"]
    assert applies, "the demo answer during early voting links no help topic"
    english = {t["id"]: t for t in srv.get("/api/v1/help", lang="en").json()["topics"]}
    tab = Tab(browser, [srv.url, site.url])
    page = tab.page
    posted: list[dict[str, object]] = []
    page.on(
        "request",
        lambda r: (
            posted.append(json.loads(r.post_data))
            if r.url.endswith("/api/v1/questions") and r.method == "POST"
            else None
        ),
    )
    try:
        page.goto(f"{site.url}/vote.html")
        look_up(page)
        topics = page.locator("#where-to-vote .wtv-topics details")
        topics.first.wait_for()
        listed = [topics.nth(i).get_attribute("data-topic") for i in range(topics.count())]
        assert listed == applies
        # A short list: the first four that apply, the others one click away.
        assert len(applies) > 4
        titles = page.locator("#where-to-vote .wtv-topics summary:visible").all_inner_texts()
        assert titles == [english[i]["title"] for i in applies[:4]]
        more = page.locator("#where-to-vote .wtv-more-topics")
        assert more.inner_text() == f"{len(applies) - 4} more answers"
        more.click()
        assert more.get_attribute("aria-expanded") == "true"
        titles = page.locator("#where-to-vote .wtv-topics summary:visible").all_inner_texts()
        assert titles == [english[i]["title"] for i in applies]
        first = english[applies[0]]
        with page.expect_response(lambda r: r.url.endswith("/api/v1/questions")) as counted:
            topics.first.locator("summary").click()
        assert counted.value.status == 204
        opened = topics.first
        assert opened.locator(".wtv-topic-body").inner_text() == first["body"]
        assert opened.locator("a.wtv-source").get_attribute("href") == first["source_url"]
        assert "Reviewed" in opened.locator(".wtv-topic-meta").inner_text()
        opened.locator("summary").click()  # closed and opened again: counted once
        opened.locator("summary").click()
        page.wait_for_timeout(300)
        assert posted == [{"topics": [first["id"]], "channel": "widget", "lang": "en"}]
        # preload=False: axe would re-fetch widget.css by XHR, which CORS refuses from the
        # city's origin (/static is not among the CORS paths).
        no_axe_violations(page, {"include": [["#where-to-vote"]]}, preload=False)

        # Something looks wrong?
        page.locator("#where-to-vote .wtv-report-link").click()
        form = page.locator("#where-to-vote .wtv-report-form")
        assert form.locator("input[value=wrong_place]").is_checked()
        no_axe_violations(page, {"include": [["#where-to-vote"]]}, preload=False)
        form.locator("input[value=place_closed]").check()
        form.locator("textarea").fill("The doors were locked at noon")
        form.locator("button[type=submit]").click()
        result = page.locator("#where-to-vote .wtv-report-result")
        result.filter(has_text="Thank you").wait_for()
        assert form.is_hidden()
        filed = [r for r in reports(srv) if r["channel"] == "widget"]
        assert len(filed) == 1
        assert (filed[0]["reason"], filed[0]["address"], filed[0]["lang"]) == (
            "place_closed",
            ADDRESS,
            "en",
        )
        # The next answer's report is over the budget: the service's message is shown.
        look_up(page)
        page.locator("#where-to-vote .wtv-report-link").click()
        with page.expect_response(lambda r: r.url.endswith("/api/v1/reports")) as refused:
            page.locator("#where-to-vote .wtv-report-form button[type=submit]").click()
        assert refused.value.status == 429
        message = refused.value.json()["error"]["message"]
        page.locator("#where-to-vote .wtv-report-result").filter(has_text=message).wait_for()
    finally:
        tab.close()
    expected = [[first["id"], "1", "100.0"]]
    assert sorted(wait_for_table(srv, "topics", expected)) == expected


def test_on_a_phone_the_answers_start_folded(browser, city) -> None:
    srv, _site = city
    spanish = srv.get("/api/v1/help", lang="es").json()["topics"]
    applies = srv.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()["help_topics"]
    phone = {"viewport": {"width": 360, "height": 740}, "has_touch": True, "is_mobile": True}
    tab = Tab(browser, [srv.url], **phone)
    page = tab.page
    try:
        page.goto(f"{srv.url}/widget?lang=es&date={AS_OF}")
        look_up(page)
        more = page.locator("#where-to-vote .wtv-more-topics")
        more.wait_for()
        assert more.inner_text() == f"{len(applies)} respuestas"
        assert more.get_attribute("aria-expanded") == "false"
        assert page.locator("#where-to-vote .wtv-topics").is_hidden()
        no_axe_violations(page)
        more.click()
        assert more.get_attribute("aria-expanded") == "true"
        titles = page.locator("#where-to-vote .wtv-topics summary").all_inner_texts()
        by_id = {t["id"]: t["title"] for t in spanish}
        assert titles == [by_id[i] for i in applies]
        no_axe_violations(page)
    finally:
        tab.close()
