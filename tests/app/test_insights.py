"""Insights without a server: small-number protection, the store's adding upserts under
concurrent processes, retention, the writer after a fork and at exit, a store that is
down, what an event keeps of an address, and the staff pages in-process."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lookup.domain.schedule import LOCAL_TZ
from lookup.insights.counters import Store
from lookup.insights.events import REPORT_TABLES, Counts, street_and_zip
from lookup.insights.report import WITHHELD, build, protect

TOKEN = "insights-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADDRESS = "13186 5th St, Demo City NC 28990"
NOWHERE = "4242 Nowhere Ln Apt 7, Demo City NC 28990"
AS_OF = "2028-10-25"


# ---- protection -------------------------------------------------------------------------


def test_small_cells_are_merged_into_other_and_it_is_never_small() -> None:
    p = protect([("found", 20), ("not_found", 8), ("ambiguous", 3), ("outside", 2)], 5)
    assert p.published == [("found", 20), ("not_found", 8)] and p.other == 5
    # A lone small cell would be recoverable from the total: the smallest big one joins it.
    p = protect([("found", 20), ("not_found", 7), ("ambiguous", 1)], 5)
    assert p.published == [("found", 20)] and p.other == 8
    p = protect([("a", 2), ("b", 2)], 5)
    assert p.published == [] and p.withheld and p.total == 4


@given(st.lists(st.integers(min_value=0, max_value=40), max_size=12), st.integers(1, 10))
def test_protection_holds_for_any_table(counts: list[int], k: int) -> None:
    p = protect(list(enumerate(counts)), k)
    assert all(n >= k for _, n in p.published)
    assert p.total == sum(counts)
    if p.withheld:
        assert p.published == [] and 0 < sum(counts) < k
    else:
        assert p.other == 0 or p.other >= k


# ---- what an event keeps of an address ----------------------------------------------------


def test_an_unmatched_address_keeps_its_street_name_and_zip_only() -> None:
    assert street_and_zip(NOWHERE) == ("NOWHERE LN", "28990")
    assert street_and_zip("77 Quail Hollow Road") == ("QUAIL HOLLOW RD", "")
    assert street_and_zip("hello") is None
    assert street_and_zip("100 NC Hwy 16 N") == ("NC HWY 16 N", "")
    assert street_and_zip("12 Martin Luther King Jr Blvd") == ("MARTIN LUTHER KING JR BLVD", "")


@pytest.mark.parametrize(
    "typed",
    [
        "12 Jane Doe 7045551234 Elm St",  # a phone number in the street
        "12 Elm 704 555 St",  # numbers that are no highway's
        "12 Elm 28202 Oak St",  # a ZIP or another house number inside
        "12 please call me back about my neighbour who moved to Elm St",  # a sentence
    ],
)
def test_text_that_is_not_a_street_is_not_kept(typed: str) -> None:
    assert street_and_zip(typed) is None


# ---- the store ---------------------------------------------------------------------------


def _counts(day: str, n: int = 1, **extra: int) -> Counts:
    counts: Counts = {"requests": Counter({(day, 10, "api", "en", "found"): n})}
    if extra:
        counts["unmatched"] = Counter({(day, "28990", s): m for s, m in extra.items()})
    return counts


def test_upserts_add_and_sums_cover_the_range(tmp_path: Path) -> None:
    location = str(tmp_path / "i.sqlite3")
    a, b = Store(location), Store(location)  # two processes' engines on one file
    a.add(_counts("2028-10-24", 2))
    b.add(_counts("2028-10-24", 3))
    a.add(_counts("2028-10-25", 4))
    jour = a.engine.connect().exec_driver_sql("PRAGMA journal_mode").scalar()
    assert jour == "wal"
    assert a.sums("requests", ["day"], date(2028, 10, 24), date(2028, 10, 24)) == [
        ("2028-10-24", 5)
    ]
    assert a.sums("requests", ["channel"], date(2028, 10, 1), date(2028, 10, 31)) == [("api", 9)]
    a.close()
    b.close()


def _add_many(location: str, worker: int, batches: int) -> None:
    store = Store(location)
    for i in range(batches):
        counts: Counts = {
            "requests": Counter(
                {
                    ("2028-10-25", i % 24, "api", "en", "found"): 1,
                    ("2028-10-25", 0, "rep", "es", "found"): 2,
                }
            )
        }
        store.add(counts)
    store.close()


def test_concurrent_processes_lose_no_counts(tmp_path: Path) -> None:
    location = str(tmp_path / "i.sqlite3")
    # No schema yet: the four race to create it too.
    with ProcessPoolExecutor(4) as pool:
        list(pool.map(_add_many, [location] * 4, range(4), [150] * 4))
    got = dict(Store(location).sums("requests", ["channel"], date(2028, 1, 1), date(2028, 12, 31)))
    assert got == {"api": 600, "rep": 1200}


def test_a_store_opened_while_another_writes_the_new_file_waits_for_it(tmp_path: Path) -> None:
    """Seen in CI as a 500 on the staff page: another worker held the write lock of the
    brand-new file (creating the tables), and SQLite refused the switch to WAL at once."""
    path = tmp_path / "i.sqlite3"
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE early (a)")  # the file exists, not yet in WAL mode
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO early VALUES (1)")
    release = threading.Timer(0.3, other.execute, ("COMMIT",))
    release.start()
    t0 = time.monotonic()
    got = Store(str(path)).sums("requests", ["channel"], date(2028, 1, 1), date(2028, 1, 2))
    waited = time.monotonic() - t0
    release.join()
    other.close()
    assert got == []
    assert waited >= 0.25  # it waited for the other writer rather than failing
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_an_in_memory_store_opens_at_once_in_its_own_mode() -> None:
    t0 = time.monotonic()
    assert (
        Store("sqlite://").sums("requests", ["channel"], date(2028, 1, 1), date(2028, 1, 2)) == []
    )
    assert time.monotonic() - t0 < 5  # no waiting for a WAL mode it cannot have


def test_retention_rolls_old_days_up_to_months_and_drops_old_streets(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "i.sqlite3"))
    for day in ("2026-03-02", "2026-03-30", "2026-04-01", "2028-10-01"):
        store.add(_counts(day, 3, **{"ELM ST": 1}))
    # Two years before 2028-04-15 is in April 2026: March is rolled up, April not yet.
    removed = store.apply_retention(date(2028, 4, 15), 730)
    assert removed == 2 + 2  # two March request days, two March street days
    days = store.sums("requests", ["day"], date(2026, 1, 1), date(2028, 12, 31))
    assert sorted(days) == [("2026-03", 6), ("2026-04-01", 3), ("2028-10-01", 3)]
    # A period that touches March counts the month; one that does not, does not.
    assert store.sums("requests", ["channel"], date(2026, 3, 31), date(2026, 3, 31)) == [("api", 6)]
    assert store.sums("requests", ["channel"], date(2026, 4, 1), date(2026, 4, 30)) == [("api", 3)]
    streets = store.sums("unmatched", ["day"], date(2026, 1, 1), date(2028, 12, 31))
    assert sorted(streets) == [("2026-04-01", 1), ("2028-10-01", 1)]
    assert store.apply_retention(date(2028, 4, 15), 730) == 0  # idempotent
    store.close()


# ---- the writer ----------------------------------------------------------------------------


def test_the_writer_starts_after_fork_and_flushes_at_exit(tmp_path: Path) -> None:
    """As under gunicorn: the recorder is built in the parent, events come in a forked
    child, which exits with sys.exit before the (hour-long) interval: atexit writes them."""
    location = tmp_path / "i.sqlite3"
    code = textwrap.dedent(
        f"""
        import os, sys
        from datetime import datetime
        from lookup.insights.events import Event
        from lookup.insights.recorder import Recorder
        from lookup.domain.schedule import LOCAL_TZ
        at = datetime(2028, 10, 25, 9, tzinfo=LOCAL_TZ)
        rec = Recorder({str(location)!r}, lambda: at, 730, interval=3600)
        pid = os.fork()
        if pid == 0:
            for _ in range(3):
                rec.record(Event("lookup", at, "api", "en", "address_ambiguous"))
            assert rec._thread is not None and rec._thread.is_alive()
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    got = Store(str(location)).sums("requests", ["outcome"], date(2028, 10, 25), date(2028, 10, 25))
    assert got == [("ambiguous", 3)]


def test_a_store_that_is_down_costs_counts_never_a_lookup(tmp_path: Path, demo_dir: Path) -> None:
    from lookup.insights import dropped_events

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    app = _app(demo_dir, insights_db=str(blocker / "insights.sqlite3"))
    recorder = app.extensions["insights"]
    recorder.max_pending = 4
    client = app.test_client()
    before = dropped_events()
    for _ in range(3):
        assert client.get("/api/v1/lookup", query_string={"address": ADDRESS}).status_code == 200
    recorder.flush()  # fails: the three stay pending for the next try
    assert dropped_events() == before
    for _ in range(3):
        assert client.get("/api/v1/lookup", query_string={"address": ADDRESS}).status_code == 200
    recorder.flush()  # fails again, now past max_pending: dropped and counted
    assert dropped_events() == before + 6
    recorder.close()


# ---- in-process app: the hook, the staff pages ------------------------------------------


def _app(demo_dir: Path, **overrides: object):
    from lookup.config import Settings
    from lookup.web.app import create_app

    values: dict[str, object] = {
        "data_dir": demo_dir,
        "admin_token": TOKEN,
        "rate_limit": "",
        "suggest_rate_limit": "",
    }
    settings = Settings(**(values | overrides))  # type: ignore[arg-type]
    return create_app(settings, clock=lambda: datetime(2028, 10, 25, 14, 5, tzinfo=LOCAL_TZ))


@pytest.fixture
def app(demo_dir: Path, tmp_path: Path):
    app = _app(demo_dir, insights_db=str(tmp_path / "i.sqlite3"))
    yield app
    app.extensions["insights"].close()


def test_channel_is_checked_and_counted(app) -> None:
    client = app.test_client()
    bad = client.get("/api/v1/lookup", query_string={"address": ADDRESS, "channel": "fax"})
    assert bad.status_code == 400 and bad.json["error"]["code"] == "invalid_parameter"
    assert bad.json["error"]["details"]["allowed"] == ["api", "rep", "widget"]
    for channel in ("rep", "widget", "api", None):
        q = {"address": ADDRESS, "date": AS_OF} | ({"channel": channel} if channel else {})
        assert client.get("/api/v1/lookup", query_string=q).status_code == 200
    assert (
        client.get("/civicinfo/v2/voterinfo", query_string={"address": ADDRESS}).status_code == 200
    )
    assert client.get("/", query_string={"address": NOWHERE}).status_code == 200
    assert client.get("/").status_code == 200  # the empty form: nothing asked, nothing counted
    app.extensions["insights"].flush()
    store = Store(app.extensions["lookup"].settings.insights_url)
    got = store.sums(
        "requests", ["channel", "outcome", "hour"], date(2028, 10, 25), date(2028, 10, 25)
    )
    assert sorted(got) == [
        ("api", "found", 14, 2),
        ("api", "invalid_parameter", 14, 1),
        ("civic", "found", 14, 1),
        ("page", "not_found", 14, 1),
        ("rep", "found", 14, 1),
        ("widget", "found", 14, 1),
    ]
    answers = store.sums(
        "answers", ["precinct", "changed", "early_voting"], date(2028, 10, 25), date(2028, 10, 25)
    )
    assert answers == [("019", "no", "yes", 5)]
    unmatched = store.sums("unmatched", ["zip", "street"], date(2028, 10, 25), date(2028, 10, 25))
    assert unmatched == [("28990", "NOWHERE LN", 1)]
    store.close()


def test_staff_pages_need_the_token(app, demo_dir: Path, tmp_path: Path) -> None:
    client = app.test_client()
    for path in ("/admin/insights", "/admin/insights.csv?table=summary"):
        for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token-wrong"}):
            r = client.get(path, headers=headers)
            assert r.status_code == 401, (path, headers)
            assert r.json["ok"] is False and r.json["error"]["code"] == "unauthorized"
            assert r.json["board_of_elections"]["phone"]
    assert client.get("/admin/insights", headers=AUTH).status_code == 200
    off = _app(demo_dir, admin_token="", insights_db=str(tmp_path / "other.sqlite3"))
    r = off.test_client().get("/admin/insights", headers=AUTH)
    assert r.status_code == 403 and r.json["error"]["code"] == "admin_disabled"


def test_staff_page_and_csv(app) -> None:
    client = app.test_client()
    for _ in range(6):
        client.get("/api/v1/lookup", query_string={"address": ADDRESS, "channel": "rep"})
    for _ in range(5):  # a missing street asked five times is shown to staff
        client.get("/api/v1/lookup", query_string={"address": NOWHERE, "channel": "widget"})
    app.extensions["insights"].flush()
    page = client.get("/admin/insights", headers=AUTH)  # default period: the 30 days to today
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "<svg" in html and "style=" not in html and "<script" not in html
    assert "NOWHERE LN" in html and not re.search(r"\b4242\b", html)
    assert 'id="demo-banner"' in html  # counts of real requests, but about the demo county
    csv = client.get("/admin/insights.csv?table=channels", headers=AUTH)
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines() == [
        "channel,requests,share_pct",
        "rep,6,54.5",
        "widget,5,45.5",
    ]
    for bad in ("table=nope", "table=summary&from=2028-13-01", "table=summary&from=2028-10-26"):
        r = client.get(f"/admin/insights.csv?{bad}", headers=AUTH)
        assert r.status_code == 400 and r.json["error"]["code"] == "invalid_parameter", bad
    es = client.get("/admin/insights?lang=es", headers=AUTH).get_data(as_text=True)
    assert "Resultados" in es


def test_every_table_is_built_and_an_empty_period_withholds_nothing(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "i.sqlite3"))
    report = build(store, date(2028, 10, 1), date(2028, 10, 31), 5)
    assert set(report.tables) == set(REPORT_TABLES)
    assert report.tables["outcomes"].rows == []
    store.add(_counts("2028-10-02", 3))
    report = build(store, date(2028, 10, 1), date(2028, 10, 31), 5)
    assert report.tables["outcomes"].rows == [(WITHHELD, "", "")]
    assert report.tables["summary"].rows[0] == ("lookups", "<5")
    store.close()


def test_the_rep_console_shows_nothing_of_it(app) -> None:
    page = app.test_client().get("/rep").get_data(as_text=True)
    script = (Path(app.static_folder) / "rep.js").read_text()
    assert "insights" not in (page + script).lower()


def test_the_command_line_prints_and_writes_csv(tmp_path: Path, monkeypatch, capsys) -> None:
    from lookup.cli import main

    db = tmp_path / "i.sqlite3"
    store = Store(str(db))
    store.add(_counts("2028-10-24", 6, **{"ELM ST": 2, "=HYPERLINK(1) ST": 7}))
    store.close()
    monkeypatch.setenv("LOOKUP_INSIGHTS_DB", str(db))
    period = ["--from", "2028-10-01", "--to", "2028-10-31"]
    assert main(["insights", *period]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^== outcomes\n.*\nfound +6 +100\.0$", out, re.MULTILINE), out
    assert "ELM ST" not in out  # staff-only: not without --staff
    folder = tmp_path / "csv"
    assert main(["insights", *period, "--csv", str(folder), "--staff"]) == 0
    streets = (folder / "unmatched_streets.csv").read_text().splitlines()
    # Asked twice: withheld; a cell that would start a formula is shown as text.
    assert streets == ["zip,street,requests", "28990,'=HYPERLINK(1) ST,7", "(withheld),,2"]
    assert (folder / "summary.csv").read_text().splitlines()[1] == "lookups,6"
    assert main(["insights", "--from", "2028-10-31", "--to", "2028-10-01"]) == 2


def test_a_postgresql_store_gives_up_on_a_server_that_stops_answering() -> None:
    """libpq's timeouts for psycopg, the URL's own kept; other drivers and SQLite get none
    (their connect functions do not take these names)."""
    from sqlalchemy.engine import make_url

    from lookup.insights.counters import PG_LIMITS, connect_limits

    assert connect_limits(make_url("postgresql+psycopg://u@db/insights")) == PG_LIMITS
    own = connect_limits(make_url("postgresql+psycopg2://u@db/i?connect_timeout=30"))
    assert "connect_timeout" not in own and own["tcp_user_timeout"] == 10_000
    assert connect_limits(make_url("postgresql+pg8000://u@db/i")) == {}
    assert connect_limits(make_url("sqlite:////tmp/x.sqlite3")) == {}
