"""``lookup doctor``: each check's ok, warn and FAIL, driven by a data folder and an
environment; every network address is 127.0.0.1."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lookup.doctor import Finding, failed, freshness, run_checks
from lookup.domain.schedule import LOCAL_TZ
from scripts.harness import free_port

BEFORE_ELECTION = datetime(2028, 10, 25, 10, 0, tzinfo=LOCAL_TZ)  # the demo's: 2028-11-07
TOKEN = "t" * 32


def by_check(findings: list[Finding]) -> dict[str, Finding]:
    """The findings by check (a check reported twice keeps its last line)."""
    return {f.check: f for f in findings}


def base_env(tmp_path: Path) -> dict[str, str]:
    """A quiet, valid environment: the stores under ``tmp_path``, a staff token."""
    return {"LOOKUP_CACHE_DIR": str(tmp_path / "cache"), "LOOKUP_ADMIN_TOKEN": TOKEN}


@pytest.fixture(autouse=True)
def no_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """``requests`` would send 127.0.0.1 through a proxy named in the environment."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def test_a_sound_setup_is_all_ok(demo_dir: Path, tmp_path: Path) -> None:
    findings = run_checks(BEFORE_ELECTION, data_dir=demo_dir, env=base_env(tmp_path))
    checks = by_check(findings)
    assert [f.check for f in findings] == [
        "configuration",
        "live version",
        "election",
        "data age",
        "rate-limit store",
        "insights database",
        "reports database",
        "remote geocoders",
        "trusted proxies",
        "admin token",
    ]
    assert checks["election"] == Finding(
        "ok", "election", "General Election on 2028-11-07: in 13 days"
    )
    assert checks["live version"].level == "warn" and "DEMO DATA" in checks["live version"].text
    assert checks["remote geocoders"].text == "none configured (offline)"
    ok = {"configuration", "election", "rate-limit store", "insights database"}
    ok |= {"reports database", "remote geocoders", "trusted proxies", "admin token"}
    assert {f.check for f in findings if f.level == "ok"} >= ok
    assert not failed(findings)
    assert all(f.line().startswith(("ok   ", "warn ", "FAIL ")) for f in findings)


def test_a_setting_that_cannot_be_used_is_the_one_fail(tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "LOOKUP_TRUSTED_PROXIES": "two"}
    findings = run_checks(BEFORE_ELECTION, env=env)
    assert findings == [
        Finding(
            "FAIL",
            "configuration",
            "LOOKUP_TRUSTED_PROXIES must be a whole number, 0 or more, not 'two'",
        )
    ]
    assert failed(findings)


def test_a_folder_without_a_published_version_fails(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    checks = by_check(run_checks(BEFORE_ELECTION, data_dir=empty, env=base_env(tmp_path)))
    assert checks["data folder"].level == "FAIL"
    assert "no published dataset" in checks["data folder"].text
    assert "election" not in checks  # nothing to read it from
    assert checks["rate-limit store"].level == "ok"  # the other checks still run


def test_a_version_that_does_not_load_fails(demo_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "data"
    shutil.copytree(demo_dir, broken, symlinks=True)
    live = (broken / "current").resolve()
    (live / "manifest.json").write_text("{not json")
    checks = by_check(run_checks(BEFORE_ELECTION, data_dir=broken, env=base_env(tmp_path)))
    assert checks["data folder"].level == "FAIL"


def test_no_election_ahead_warns(demo_dir: Path, tmp_path: Path) -> None:
    after = datetime(2028, 12, 1, 12, 0, tzinfo=LOCAL_TZ)
    checks = by_check(run_checks(after, data_dir=demo_dir, env=base_env(tmp_path)))
    assert checks["election"].level == "warn"
    assert "none ahead" in checks["election"].text and "2028-11-07" in checks["election"].text


def test_data_age_against_the_election() -> None:
    made = datetime(2028, 10, 1, 3, 0, tzinfo=UTC)
    stale = freshness(made, made + timedelta(days=8), days_ahead=30)
    assert stale.level == "warn"
    assert "8 days ago" in stale.text and "refresh at least every 7 days" in stale.text
    assert "within 60 days of an election" in stale.text  # the rule is said
    assert freshness(made, made + timedelta(days=6), days_ahead=30).level == "ok"
    assert freshness(made, made + timedelta(days=30), days_ahead=90).level == "ok"  # far off
    assert freshness(made, made + timedelta(days=30), days_ahead=None).level == "ok"
    assert freshness(None, made, days_ahead=30).level == "warn"


def test_old_demo_data_before_its_election_warns(demo_dir: Path, tmp_path: Path) -> None:
    # The fixture builds the demo as of 2028-01-01: 298 days old 13 days before its election.
    checks = by_check(run_checks(BEFORE_ELECTION, data_dir=demo_dir, env=base_env(tmp_path)))
    assert checks["data age"].level == "warn"
    assert "made 2028-01-01, 298 days ago, election in 13 days" in checks["data age"].text


def test_an_unreachable_redis_fails(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    env = {**base_env(tmp_path), "LOOKUP_RATE_LIMIT_STORAGE": f"redis://:pw@127.0.0.1:{port}/0"}
    started = time.monotonic()
    finding = by_check(run_checks(BEFORE_ELECTION, env=env))["rate-limit store"]
    assert time.monotonic() - started < 30
    assert finding == Finding(
        "FAIL", "rate-limit store", f"redis://127.0.0.1:{port}: no answer to PING within 1 s"
    )


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (scripts/setup.sh installs it)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        from redis import Redis

        deadline = time.monotonic() + 10
        while True:
            try:
                Redis(host="127.0.0.1", port=port, socket_timeout=0.5).ping()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_a_running_redis_is_ok(redis_port: int, tmp_path: Path) -> None:
    env = {**base_env(tmp_path), "LOOKUP_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{redis_port}"}
    finding = by_check(run_checks(BEFORE_ELECTION, env=env))["rate-limit store"]
    assert finding.level == "ok" and finding.text.endswith("answers PING")


def test_databases_sqlite_folder_and_server(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    port = free_port()
    env = {
        **base_env(tmp_path),
        "LOOKUP_INSIGHTS_DB": str(blocker / "insights.sqlite3"),  # under a file: no folder
        "LOOKUP_REPORTS_DB": f"postgresql+psycopg://staff:secret@127.0.0.1:{port}/reports",
    }
    checks = by_check(run_checks(BEFORE_ELECTION, env=env))
    insights, reports = checks["insights database"], checks["reports database"]
    assert insights.level == "FAIL" and "cannot be created" in insights.text
    assert reports.level == "FAIL" and f"127.0.0.1:{port}" in reports.text
    assert "secret" not in reports.text  # the password is never printed
    env = {**base_env(tmp_path), "LOOKUP_INSIGHTS": "off"}
    checks = by_check(run_checks(BEFORE_ELECTION, env=env))
    assert checks["insights database"] == Finding(
        "ok", "insights database", "off (LOOKUP_INSIGHTS)"
    )
    assert checks["reports database"].level == "ok"
    assert not (tmp_path / "cache" / "reports.sqlite3").exists()  # checked, not created


class _Answers(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def geocoder_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_remote_geocoders_are_asked_only_when_configured(geocoder_url: str, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    env = {
        **base_env(tmp_path),
        "LOOKUP_GEOCODERS": "census,nominatim",
        "LOOKUP_CENSUS_URL": geocoder_url,
        "LOOKUP_NOMINATIM_URL": closed,
    }
    checks = by_check(run_checks(BEFORE_ELECTION, env=env))
    assert checks["geocoder census"] == Finding(
        "ok", "geocoder census", f"{geocoder_url}: HTTP 200"
    )
    assert checks["geocoder nominatim"].level == "FAIL"
    assert checks["geocoder nominatim"].text.startswith(f"{closed}: unreachable")
    assert "remote geocoders" not in checks


def test_proxies_and_the_staff_token(tmp_path: Path) -> None:
    env = {"LOOKUP_CACHE_DIR": str(tmp_path), "LOOKUP_TRUSTED_PROXIES": "1"}
    checks = by_check(run_checks(BEFORE_ELECTION, env=env))
    assert checks["trusted proxies"].level == "ok"  # the deploy kit's one nginx
    assert "127.0.0.1" in checks["trusted proxies"].text
    env["LOOKUP_TRUSTED_PROXIES"] = "2"
    checks = by_check(run_checks(BEFORE_ELECTION, env=env))
    assert checks["trusted proxies"].level == "warn"
    assert "must equal the number of proxies in front" in checks["trusted proxies"].text
    assert checks["admin token"].level == "warn" and "403" in checks["admin token"].text
    assert not failed([checks["trusted proxies"], checks["admin token"]])  # warnings only


def doctor(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lookup.cli", "doctor", *args],
        capture_output=True,
        text=True,
        env={**env, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_the_command_prints_a_line_each_and_its_exit_code(demo_dir: Path, tmp_path: Path) -> None:
    args = ("--data-dir", str(demo_dir), "--at", "2028-10-25T10:00")
    p = doctor(*args, env=base_env(tmp_path))
    assert p.returncode == 0, p.stdout + p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == 10 and all(line.split()[0] in ("ok", "warn") for line in lines)
    assert "ok   election: General Election on 2028-11-07: in 13 days" in lines
    env = {**base_env(tmp_path), "LOOKUP_RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{free_port()}"}
    p = doctor(*args, env=env)
    assert p.returncode == 1
    assert any(line.startswith("FAIL rate-limit store:") for line in p.stdout.splitlines())
