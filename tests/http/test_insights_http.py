"""Insights through real gunicorn servers: a mixed set of look-ups through the 311
console and the widget (headless Chromium) and the API, the report's exact totals and
small-cell protection, the page (axe-core, CSP), the CLI's CSV, no address, coordinate
or IP in the database's bytes; and four workers under load losing no count."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
import requests
from support.paths import ARTIFACTS, ROOT
from support.servers import Server

from scripts.harness import CHROMIUM
from scripts.harness import CHROMIUM_FLAGS as FLAGS

TOKEN = "insights-http-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
AS_OF = "2028-10-25"  # a Wednesday of early voting
ADDRESS = "13186 5th St, Demo City NC 28990"  # precinct 019, same place as in 2026
NOWHERE = "4242 Nowhere Ln, Demo City NC 28990"  # not in the address points
HARBOUR = "5841 Harbour Way, Riverton NC 28993"  # not either: a street asked twice only
AMBIGUOUS = "912 Main St"
OUTSIDE = {"lat": "36.01234", "lon": "-79.05678"}  # inland NC: outside the demo county
EVERYTHING = {"from": "2000-01-01", "to": "2100-12-31"}  # whatever day the clock says


def _changed_address(demo_ds) -> tuple[str, str, str]:
    """An address point (label, precinct id and name) whose polling place moved since 2026."""
    from lookup.domain.schedule import LOCAL_TZ
    from lookup.service import AddressQuery, find_polling_place

    now = datetime(2028, 10, 25, 12, tzinfo=LOCAL_TZ)
    for i in range(0, demo_ds.addresses.size, 97):
        label = demo_ds.addresses.point(i).label()
        try:
            a = find_polling_place(demo_ds, AddressQuery(label), now)
        except Exception:
            continue
        if a.changed and not a.verify and a.precinct.id != "019":
            return label, a.precinct.id, a.precinct.name
    raise AssertionError("the demo county has no moved polling place")


def _table(srv: Server, name: str) -> list[list[str]]:
    r = requests.get(
        f"{srv.url}/admin/insights.csv",
        params={"table": name, **EVERYTHING},
        headers=AUTH,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return list(csv.reader(io.StringIO(r.text)))[1:]


def _wait_for(srv: Server, lookups: int) -> None:
    """The writers flush every 5 s: wait (bounded) until every look-up is counted."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if ["lookups", str(lookups)] in _table(srv, "summary"):
            return
        time.sleep(0.2)
    raise AssertionError(f"never counted {lookups}: {_table(srv, 'summary')}")


def _assert_no_resident_data(db: Path, needles: list[str]) -> None:
    for path in (db, db.with_name(db.name + "-wal")):
        if not path.exists():
            continue
        raw = path.read_bytes().lower()
        leaked = [s for s in needles if s.lower().encode() in raw]
        assert not leaked, f"{path.name}: {leaked}"


def _chromium(srv: Server, headers: dict[str, str] | None = None):
    """A page that may reach only ``srv`` and records script and CSP errors."""
    from playwright.sync_api import sync_playwright

    p = sync_playwright().start()
    browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, extra_http_headers=headers
    )
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(srv.url) else r.abort())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return p, page, errors


def _browse(srv: Server, site_id: str) -> None:
    """One look-up in the 311 console, one in the widget and its calendar link."""
    p, page, errors = _chromium(srv)
    try:
        page.goto(f"{srv.url}/rep?lang=en&date={AS_OF}")
        page.fill("#address", ADDRESS)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        page.wait_for_selector("#answer:not([hidden])")

        page.goto(f"{srv.url}/widget?lang=en&date={AS_OF}")
        box = page.locator("input[role=combobox]")
        box.fill(ADDRESS)
        box.press("Escape")
        box.press("Enter")
        page.locator(".wtv-place .wtv-name").wait_for()
        with page.expect_download():
            page.locator(f".wtv-site[data-site='{site_id}'] a.wtv-calendar").click()
        assert not errors, errors
    finally:
        p.stop()


def _staff_page(srv: Server) -> None:
    """The report page: six charts, axe-core clean, no CSP or script error."""
    from axe_playwright_python.sync_playwright import Axe

    p, page, errors = _chromium(srv, AUTH)
    try:
        page.goto(f"{srv.url}/admin/insights?from=2000-01-01&to=2100-12-31")
        assert page.locator("svg.chart").count() == 8  # 6 of look-ups, 2 of question topics
        results = Axe().run(page)
        assert results.violations_count == 0, results.generate_report()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "insights-en-1280.png"), full_page=True)
        assert not errors, errors  # no CSP report: no inline style or script
    finally:
        p.stop()


@pytest.mark.http
@pytest.mark.browser
def test_mixed_lookups_are_counted_exactly_and_published_protected(
    demo_dir: Path, demo_ds, tmp_path: Path
) -> None:
    moved, moved_precinct, moved_name = _changed_address(demo_ds)
    db = tmp_path / "insights.sqlite3"
    srv = Server(
        demo_dir,
        tmp_path / "server.log",
        env={"LOOKUP_ADMIN_TOKEN": TOKEN, "LOOKUP_INSIGHTS_DB": str(db)},
    )
    try:
        first = srv.get("/api/v1/lookup", address=ADDRESS, date=AS_OF).json()  # api 1
        site = next(s for s in first["early_voting_sites"] if s["hours_today"])["id"]
        _browse(srv, site)  # rep 1, widget 1, a calendar export from the widget
        calls = [
            ({"address": ADDRESS}, 7),  # api: 8 with the first
            ({"address": moved, "channel": "rep", "lang": "es"}, 5),
            ({"address": NOWHERE, "channel": "widget"}, 6),
            ({"address": HARBOUR}, 2),
            ({"address": AMBIGUOUS}, 3),
            (OUTSIDE, 2),
        ]
        for params, times in calls:
            for _ in range(times):
                srv.get("/api/v1/lookup", **params, date=AS_OF)
        for _ in range(5):
            assert (
                srv.get("/civicinfo/v2/voterinfo", address=ADDRESS, date=AS_OF).status_code == 200
            )
            ics = srv.get(
                "/api/v1/calendar.ics",
                address=ADDRESS,
                date=AS_OF,
                site=site,
                day=AS_OF,
                channel="widget",
            )
            assert ics.status_code == 200
        _wait_for(srv, 33)
        # Question topics through the two workers: counted exactly, and on the staff page.
        marks = [({"topics": ["photo_id", "where_to_vote"], "channel": "rep"}, 6),
                 ({"topics": ["moved"], "channel": "widget", "lang": "es"}, 1)]  # fmt: skip
        for body, times in marks:
            for _ in range(times):
                r = requests.post(f"{srv.url}/api/v1/questions", json=body, timeout=10)
                assert r.status_code == 204, r.text
        # 13 marks; moved 1 is too small alone: merged with the smaller of the two 6s.
        topics = [["where_to_vote", "6", "46.2"], ["(other)", "7", "53.8"]]
        deadline = time.monotonic() + 15
        while _table(srv, "topics") != topics and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _table(srv, "topics") == topics
        _staff_page(srv)

        assert _table(srv, "summary") == [
            ["lookups", "33"],
            ["changed_place", "5"],
            ["calendar_exports", "6"],
        ]
        assert _table(srv, "channels") == [
            ["api", "15", "45.5"], ["widget", "7", "21.2"], ["rep", "6", "18.2"], ["civic", "5", "15.2"]
        ]  # fmt: skip
        # ambiguous 3 and outside 2 are each under 5: published only merged, as 5.
        assert _table(srv, "outcomes") == [
            ["found", "20", "60.6"], ["not_found", "8", "24.2"], ["(other)", "5", "15.2"]
        ]  # fmt: skip
        assert _table(srv, "languages") == [["en", "28", "84.8"], ["es", "5", "15.2"]]
        assert [r[1:4] for r in _table(srv, "precincts")] == [
            ["019", "COLLEGE PARK", "15"], [moved_precinct, moved_name, "5"]
        ]  # fmt: skip
        assert [(r[1], r[3]) for r in _table(srv, "changed_places")] == [(moved_precinct, "5")]
        assert _table(srv, "changed") == [["no", "15", "75.0"], ["yes", "5", "25.0"]]
        assert _table(srv, "early_voting_open") == [["yes", "20", "100.0"]]
        assert [(r[1], r[3]) for r in _table(srv, "calendar_sites")] == [(site, "6")]
        assert sum(int(r[2]) for r in _table(srv, "requests_by_day")) == 33
        assert sum(int(r[1]) for r in _table(srv, "hours")) == 33
        # Staff only: streets asked at least 5 times, the rest added up; no number.
        assert _table(srv, "unmatched_streets") == [
            ["28990", "NOWHERE LN", "6"],
            ["(withheld)", "", "2"],
        ]

        resident = ["13186", "4242", "5841", "912 main", "36.01234", "79.05678", "34.9023", "75.2834", "127.0.0.1", moved.split(",")[0]]  # fmt: skip
        _assert_no_resident_data(db, resident)
    finally:
        srv.stop()
    _assert_no_resident_data(db, resident)

    # The command line reads the same store: its CSV is the page's.
    out = ARTIFACTS / "insights-csv"
    env = {**os.environ, "LOOKUP_INSIGHTS_DB": str(db)}
    cmd = [sys.executable, "-m", "lookup.cli", "insights", "--from", "2000-01-01", "--to", "2100-12-31", "--csv", str(out)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not (out / "unmatched_streets.csv").exists()  # staff-only: not without --staff
    outcomes = (out / "outcomes.csv").read_text().splitlines()
    assert outcomes == [
        "outcome,requests,share_pct",
        "found,20,60.6",
        "not_found,8,24.2",
        "(other),5,15.2",
    ]


@pytest.mark.http
def test_a_candidate_picked_on_the_resident_page_is_counted(demo_dir: Path, tmp_path: Path) -> None:
    """``/?pick=`` is a look-up asked on the page, counted like ``/?address=``."""
    db = tmp_path / "insights.sqlite3"
    srv = Server(
        demo_dir,
        tmp_path / "server.log",
        env={"LOOKUP_ADMIN_TOKEN": TOKEN, "LOOKUP_INSIGHTS_DB": str(db)},
    )
    try:
        for _ in range(5):  # five, so that no cell is merged into "(other)"
            asked = srv.get("/api/v1/lookup", address=AMBIGUOUS, date=AS_OF).json()
        pick = asked["error"]["details"]["candidates"][0]["pick"]
        for _ in range(5):
            assert srv.get("/", pick=pick, date=AS_OF).status_code == 200
        _wait_for(srv, 10)
        assert _table(srv, "channels") == [["api", "5", "50.0"], ["page", "5", "50.0"]]
    finally:
        srv.stop()


def _hammer(url: str, i: int) -> int:
    """One client's share of the load: found, not found and civic look-ups."""
    session = requests.Session()
    ok = 0
    for k in range(60):
        if k % 3 == 0:
            r = session.get(
                f"{url}/api/v1/lookup", params={"address": NOWHERE, "channel": "widget"}, timeout=10
            )
            ok += r.status_code == 404
        elif k % 3 == 1:
            r = session.get(
                f"{url}/civicinfo/v2/voterinfo", params={"address": ADDRESS}, timeout=10
            )
            ok += r.status_code == 200
        else:
            r = session.get(
                f"{url}/api/v1/lookup", params={"address": ADDRESS, "channel": "rep"}, timeout=10
            )
            ok += r.status_code == 200
    return ok


@pytest.mark.http
def test_four_workers_under_load_lose_no_count(demo_dir: Path, tmp_path: Path) -> None:
    from datetime import date

    from lookup.insights.counters import Store

    db = tmp_path / "insights.sqlite3"
    srv = Server(demo_dir, tmp_path / "server.log", workers=4, env={"LOOKUP_INSIGHTS_DB": str(db)})
    try:
        with ThreadPoolExecutor(8) as pool:
            answered = sum(pool.map(_hammer, [srv.url] * 8, range(8)))
        assert answered == 8 * 60
    finally:
        srv.stop()  # at once: what the writers hold in memory is written at the workers' exit
    store = Store(str(db))
    got = dict(store.sums("requests", ["channel"], date(2000, 1, 1), date(2100, 12, 31)))
    store.close()
    assert got == {"widget": 160, "civic": 160, "rep": 160}
