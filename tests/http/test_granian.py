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
from pathlib import Path

import pytest
import requests
from support.fake_census import Census, slow_census_behind
from support.servers import Server
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
from test_reload import LOOKUP_AT, publish_under_load

from scripts.harness import free_port
from scripts.harness import workers as child_pids

pytestmark = pytest.mark.http
GRANIAN = ("-m", "lookup.serving_granian")


class Granian(Server):
    """``support.servers.Server``, served by granian: same environment, same log checks."""

    launcher = GRANIAN


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
    publish_under_load(tmp_path, Granian, clients=3, window=30)


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
