"""granian (``python -m lookup.serving_granian serve``) against gunicorn's promises, on a
real granian on 127.0.0.1. Kept: the edge (request limits in the JSON shape, an access log of routes only, the
start-up warning), metrics added up over the workers, a killed worker replaced (however
often), a publish under load that fails no request, a graceful stop that lets in-flight
requests finish, and no resident data in any log. Not kept (why ``lookup serve`` does not
offer it): a busy worker still takes connections (``test_a_busy_worker_takes_no_connection``,
an expected failure).

The gunicorn suites' own tests run here against granian: importing them with fixtures of
the same names (``edge``, ``metered``, ``slow_remote_server``) serves them by granian.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from support.fake_census import Census, slow_census_behind
from support.servers import SERVER_LOGS, Server
from test_edge_http import (  # noqa: F401  (collected here, served by granian)
    test_a_forged_host_gets_no_redirect,
    test_a_header_over_gunicorns_limit_gets_the_json_400,
    test_a_request_line_over_gunicorns_limit_gets_the_json_400,
    test_answers_are_not_stored_and_vary_on_origin,
    test_start_up_warns_of_counters_in_each_workers_memory,
    test_the_access_log_names_routes_and_forges_no_line,
)
from test_faults import WORKERS, _wait_for
from test_metrics import (  # noqa: F401
    test_a_dead_geocoder_shows_as_down,
    test_counts_add_up_over_every_worker,
    test_no_resident_data_in_the_metrics,
)

from lookup.config import DEMO_SOURCES
from lookup.dataset.demo import demo_request
from lookup.ingest.refresh import refresh
from scripts.harness import free_port, serve_command, start, wait_ready
from scripts.harness import workers as child_pids

pytestmark = pytest.mark.http
GRANIAN = ("-m", "lookup.serving_granian")
NOW = datetime(2028, 9, 1, tzinfo=UTC)
LOOKUP_AT = {"lat": "34.902294", "lon": "-75.283443", "date": "2028-10-25"}


class Granian(Server):
    """``support.servers.Server``, served by granian: same environment, same log checks."""

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        workers: int = 2,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        SERVER_LOGS.append(log)
        env = {
            **os.environ,
            "LOOKUP_RELOAD_INTERVAL": "0.2",
            "LOOKUP_RATE_LIMIT_EXEMPT": "127.0.0.0/8",
            "LOOKUP_INSIGHTS_DB": str(log.with_suffix(".insights.sqlite3")),
            **(env or {}),
        }
        cmd = serve_command(data_dir, self.port, workers, args, launcher=GRANIAN)
        self.proc = start(cmd, log, env)
        wait_ready(self.proc, self.port, log)


@pytest.fixture(scope="module")
def edge(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("granian-edge") / "server.log"
    srv = Granian(demo_dir, log, workers=2, args=("--access-log",))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def metered(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    log = tmp_path_factory.mktemp("granian-metrics") / "server.log"
    dead = f"http://127.0.0.1:{free_port()}"
    env = {"LOOKUP_GEOCODERS": "census", "LOOKUP_CENSUS_URL": dead}
    srv = Granian(demo_dir, log, workers=2, env=env)
    yield srv
    srv.stop()


@pytest.fixture
def slow_remote_server(demo_dir: Path, demo_ds, tmp_path: Path) -> Iterator[tuple[Server, Census]]:
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    log = tmp_path / "server.log"
    with slow_census_behind(lambda env: Granian(demo_dir, log, WORKERS, env), point) as pair:
        yield pair


def test_the_same_worker_killed_twice_at_once_is_replaced_and_its_gauges_dropped(
    demo_dir: Path, tmp_path: Path
) -> None:
    """granian alone would stop the whole server here ("crash loop"); gunicorn does not."""
    folder = tmp_path / "metrics"
    env = {"PROMETHEUS_MULTIPROC_DIR": str(folder)}
    server = Granian(demo_dir, tmp_path / "server.log", workers=2, env=env)
    try:
        for _ in range(4):
            assert server.get("/api/v1/lookup", **LOOKUP_AT).status_code == 200
        for _ in range(3):
            before = child_pids(server.proc.pid)
            assert len(before) == 2
            victim = before[0]
            assert list(folder.glob(f"gauge_live*_{victim}.db"))  # its live gauges
            os.kill(victim, signal.SIGKILL)
            _wait_for(
                lambda b=before: (
                    len(set(child_pids(server.proc.pid)) - set(b)) == 1
                    and len(child_pids(server.proc.pid)) == 2
                ),
                15,
                "granian did not replace the killed worker",
            )
            # Dropped just after the replacement starts (granian spawns it first).
            _wait_for(
                lambda v=victim: not list(folder.glob(f"gauge_live*_{v}.db")),
                5,
                "the dead worker's live gauges were kept",
            )
            for _ in range(4):
                assert server.get("/api/v1/lookup", **LOOKUP_AT).status_code == 200
        assert server.proc.poll() is None
    finally:
        server.stop()


def test_sigterm_lets_in_flight_requests_finish(demo_dir: Path, demo_ds, tmp_path: Path) -> None:
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    census = Census(point.lon, point.lat)
    census.mode = "slow"  # each remote look-up takes 1.5 s
    env = {"LOOKUP_GEOCODERS": "census", "LOOKUP_CENSUS_URL": census.url}
    server = Granian(demo_dir, tmp_path / "server.log", workers=2, env=env)
    answers: list[int | None] = []

    def slow_lookup(n: int) -> None:
        try:
            r = requests.get(
                server.url + "/api/v1/lookup",
                params={"address": f"{n} Harbor View Ln, Demo City", "date": "2028-10-25"},
                timeout=15,
            )
            answers.append(r.status_code)
        except requests.RequestException:
            answers.append(None)

    try:
        threads = [threading.Thread(target=slow_lookup, args=(101,))]
        for t in threads:
            t.start()
        _wait_for(lambda: census.in_flight == 1, 10, "the worker never waited")
        started = time.monotonic()
        server.proc.send_signal(signal.SIGTERM)
        for t in threads:
            t.join(timeout=20)
        assert server.proc.wait(timeout=15) == 0
        assert time.monotonic() - started < 10
        assert answers == [200], answers
        # Stopped: the port no longer answers.
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/healthz", timeout=2)
    finally:
        server.stop()
        census.close()


def test_publish_under_load_fails_no_request(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert refresh(replace(demo_request(DEMO_SOURCES, data), version="v1"), NOW).published
    server = Granian(data, tmp_path / "server.log")
    seen: list[tuple[int, str]] = []
    stop = threading.Event()

    def hammer() -> None:
        with requests.Session() as s:
            deadline = time.monotonic() + 60  # bounded even if the test goes wrong
            while not stop.is_set() and time.monotonic() < deadline:
                r = s.get(server.url + "/api/v1/lookup", params=LOOKUP_AT, timeout=10)
                seen.append((r.status_code, r.json().get("data_version", "")))

    try:
        clients = [threading.Thread(target=hammer) for _ in range(3)]
        for t in clients:
            t.start()
        time.sleep(1.0)
        assert refresh(replace(demo_request(DEMO_SOURCES, data), version="v2"), NOW).published
        _wait_for(lambda: sum(v == "v2" for _, v in seen[-30:]) == 30, 20, "v2 never served")
        stop.set()
        for t in clients:
            t.join(timeout=30)
    finally:
        stop.set()
        server.stop()
    assert {s for s, _ in seen} == {200}
    assert {v for _, v in seen} == {"v1", "v2"}
    assert len(seen) > 50


def _quick_requests_behind_a_slow_one(server: Server, census: Census) -> list[float]:
    """One slow remote look-up in flight, then twenty quick requests, each on its own
    connection: the seconds each waited. A worker that accepts while busy holds one of
    them behind the look-up (~1.5 s); an idle one answers in milliseconds."""
    slow = threading.Thread(
        target=requests.get,
        args=(server.url + "/api/v1/lookup",),
        kwargs={"params": {"address": "201 Harbor View Ln, Demo City", "date": "2028-10-25"},
                "timeout": 15},
    )  # fmt: skip
    slow.start()
    _wait_for(lambda: census.in_flight == 1, 5, "the slow look-up never reached the geocoder")
    waits = []
    for _ in range(20):
        t0 = time.monotonic()
        assert requests.get(server.url + "/healthz", timeout=15).status_code == 200
        waits.append(time.monotonic() - t0)
    slow.join(timeout=15)
    return waits


@pytest.fixture
def slow_remote_gunicorn(
    demo_dir: Path, demo_ds, tmp_path: Path
) -> Iterator[tuple[Server, Census]]:
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    log = tmp_path / "server.log"
    with slow_census_behind(lambda env: Server(demo_dir, log, WORKERS, env), point) as pair:
        yield pair


def test_gunicorns_busy_worker_takes_no_connection(
    slow_remote_gunicorn: tuple[Server, Census],
) -> None:
    """The promise granian is held to: under gunicorn a busy sync worker accepts nothing,
    so the idle one answers every request at once."""
    waits = _quick_requests_behind_a_slow_one(*slow_remote_gunicorn)
    assert max(waits) < 0.5, waits


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="granian accepts connections while its worker's one Python thread is busy: a "
    "request waits 1.5 s behind a slow one while the other worker is idle (gunicorn's "
    "sync workers only accept when free)",
)
def test_a_busy_worker_takes_no_connection(slow_remote_server: tuple[Server, Census]) -> None:
    waits = _quick_requests_behind_a_slow_one(*slow_remote_server)
    assert max(waits) < 0.5, waits
