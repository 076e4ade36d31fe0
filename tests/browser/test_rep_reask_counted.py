"""One caller is one look-up in the insights, in Chromium against a real server: the
representative answers the demo address (an emergency relocation and a closed site posted
by staff, texts of their own in each language), switches the script to Spanish, and the
console asks again with ``repeat=lang``; the staff's tables then count one look-up of the
console, in English, for that address's precinct, and no Spanish one."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from support.browser import console
from support.changes import DAY_ADDRESS as ADDRESS
from support.changes import DAY_AT as AT
from support.changes import DAY_CLOSE, DAY_RELOCATE
from support.servers import Server
from support.staff import own_data_dir, post_change, staff_server, table, wait_for_table

pytestmark = pytest.mark.browser
NOWHERE = "4242 Nowhere Ln, Demo City NC 28990"  # not found: counted, but no precinct


@pytest.fixture
def srv(demo_dir, tmp_path) -> Iterator[Server]:
    """A server of its own (its insights hold this test's look-ups alone), one worker,
    with the two changes of the day posted."""
    s = staff_server(own_data_dir(demo_dir, tmp_path), tmp_path / "server.log")
    post_change(s, DAY_RELOCATE)
    post_change(s, DAY_CLOSE)
    yield s
    s.stop()


def test_a_script_language_switch_is_not_another_lookup(browser, srv) -> None:
    with console(browser, srv.url, "en", AT) as page:
        asked: list[dict[str, list[str]]] = []  # the look-ups' parameters, as sent

        def seen(request) -> None:
            url = urlsplit(request.url)
            if url.path == "/api/v1/lookup":
                asked.append(parse_qs(url.query))

        page.on("request", seen)
        page.fill("#address", ADDRESS)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#answer:not([hidden])")
        page.click(".script-lang[data-lang=es]")
        # The Spanish answer has arrived: the staff's Spanish reason is read.
        page.wait_for_function(
            "() => document.querySelector('#script').textContent.includes('Corte de luz')"
        )
    assert [(q["lang"], q.get("repeat"), q["channel"]) for q in asked] == [
        (["en"], None, ["rep"]),
        (["es"], ["lang"], ["rep"]),
    ]
    # The next request, from elsewhere: once it is counted, the re-ask (answered before it,
    # by the same single worker) has been written too, had it been counted.
    assert srv.get("/api/v1/lookup", address=NOWHERE, at=AT).status_code == 404
    channels = wait_for_table(srv, "channels", [["rep", "1", "50.0"], ["api", "1", "50.0"]])
    assert sorted(channels) == [["api", "1", "50.0"], ["rep", "1", "50.0"]]
    assert table(srv, "languages")[1] == [["en", "2", "100.0"]]
    header, precincts = table(srv, "precincts")
    assert header[:2] == ["county", "precinct"] and header[-2:] == ["requests", "share_pct"]
    assert [(row[1], row[-2]) for row in precincts] == [("019", "1")]
