"""Several instances on their shared stores, as a county would run them behind a load
balancer: two ``lookup serve`` (two workers each) on one data folder, the rate limits in
one Redis and the insight counters in one PostgreSQL (Debian's servers, started here on
127.0.0.1). Each client has one budget across every worker of every instance; every
answer is counted once, whichever instance gave it; and when a store fails, residents
are still answered and nothing is lost that the design keeps."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
import requests
from support.asserts import assert_error_shape
from support.servers import Server

from lookup.web.hooks.rate_limits import STORE_RETRY_S
from scripts.local_servers import (
    PostgresServer,
    RedisServer,
    postgres_bindir,
    start_postgres,
    start_redis,
)

pytestmark = pytest.mark.http
BUDGET = 6  # look-ups per client per minute
TOKEN = "shared-stores-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
POINT = {"lat": "34.902294", "lon": "-75.283443", "date": "2028-10-25"}  # precinct 019
EVERYTHING = {"from": "2000-01-01", "to": "2100-12-31"}


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    try:
        srv = start_redis()
    except RuntimeError as exc:  # not installed: a failure, never a silent skip
        pytest.fail(f"{exc}; scripts/setup.sh --test installs Debian's redis-server")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    bindir = postgres_bindir()
    if bindir is None:
        pytest.fail("no PostgreSQL server; scripts/setup.sh --test installs Debian's postgresql")
    srv = start_postgres(bindir)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def pair(
    demo_dir: Path,
    redis: RedisServer,
    postgres: PostgresServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[list[Server]]:
    """Both instances behind one trusted proxy hop (the test client plays the balancer:
    X-Forwarded-For names the resident, so each test has clients of its own)."""
    logs = tmp_path_factory.mktemp("shared-stores")
    env = {
        "LOOKUP_RATE_LIMIT_EXEMPT": "",
        "LOOKUP_TRUSTED_PROXIES": "1",
        "LOOKUP_RATE_LIMIT": f"{BUDGET} per minute",
        "LOOKUP_RATE_LIMIT_STORAGE": redis.url,
        "LOOKUP_INSIGHTS_DB": postgres.url,
        "LOOKUP_INSIGHTS_MIN_COUNT": "1",
        "LOOKUP_ADMIN_TOKEN": TOKEN,
    }
    with ExitStack() as stack:  # the first instance stops even if the second fails
        servers = []
        for k in range(2):
            srv = Server(demo_dir, logs / f"instance{k}.log", env=env)
            stack.callback(srv.stop)
            servers.append(srv)
        yield servers


def ask(srv: Server, client: str, **params: str) -> requests.Response:
    """A look-up for the resident at ``client``, through the balancer. The timeout is
    the test's bound on a look-up held by a store that does not answer."""
    return requests.get(
        srv.url + "/api/v1/lookup",
        params={**POINT, **params},
        headers={"X-Forwarded-For": client},
        timeout=5,
    )


def log_lines(pair: list[Server]) -> list[str]:
    return [line for srv in pair for line in srv.log_path.read_text(errors="replace").splitlines()]


def channels(srv: Server) -> dict[str, int]:
    """The insight report's look-ups by channel, as instance ``srv`` reads them."""
    r = requests.get(
        srv.url + "/admin/insights.csv",
        params={"table": "channels", **EVERYTHING},
        headers=AUTH,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    return {row[0]: int(row[1]) for row in list(csv.reader(io.StringIO(r.text)))[1:]}


def wait_for_count(pair: list[Server], channel: str, n: int) -> None:
    """The writers flush every 5 s (and retry after an outage): wait, bounded, until
    both instances report ``n`` look-ups on ``channel``."""
    deadline = time.monotonic() + 30
    seen: list[int] = []
    while time.monotonic() < deadline:
        seen = [channels(srv).get(channel, 0) for srv in pair]
        if seen == [n, n]:
            return
        assert max(seen) <= n, f"counted more than asked: {seen}"
        time.sleep(0.25)
    raise AssertionError(f"{channel}: both instances should report {n}, they report {seen}")


def test_one_budget_per_client_across_instances_and_workers(pair: list[Server]) -> None:
    resident, neighbour = "198.51.100.10", "198.51.100.11"
    remaining = []
    for k in range(BUDGET):
        r = ask(pair[k % 2], resident)
        assert r.status_code == 200, r.text
        remaining.append(int(r.headers["X-RateLimit-Remaining"]))
    # One counter for four workers in two instances: it goes down by one each time.
    assert remaining == list(range(BUDGET - 1, -1, -1))
    for srv in pair:
        r = ask(srv, resident)
        assert_error_shape(r, 429, "rate_limited")
        assert int(r.headers["Retry-After"]) > 0
    assert ask(pair[1], neighbour).status_code == 200  # another resident's own budget
    assert not [line for line in log_lines(pair) if "198.51.100." in line]  # no client's IP


def test_every_answer_is_counted_once_in_the_one_database(
    pair: list[Server], postgres: PostgresServer
) -> None:
    import psycopg

    clients = [f"198.51.100.{20 + k}" for k in range(10)]
    for k, client in enumerate(clients):
        assert ask(pair[k % 2], client, channel="widget").status_code == 200
    # Each instance answered five; each reports all ten (a SQLite file per host: five).
    wait_for_count(pair, "widget", len(clients))
    # The shared database holds counts, never a position or a client's address.
    with psycopg.connect(postgres.dsn, connect_timeout=10) as conn:
        tables = [
            name
            for (name,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE tablename LIKE 'insight_%'"
            )
        ]
        assert "insight_answers" in tables
        dump = " ".join(
            str(row) for name in tables for row in conn.execute(f"SELECT * FROM {name}")
        )
    for needle in (POINT["lat"], POINT["lon"], "198.51.100", "127.0.0.1"):
        assert needle not in dump, needle


def test_a_rate_limit_store_that_hangs_neither_refuses_nor_holds_lookups(
    pair: list[Server], redis: RedisServer
) -> None:
    resident, later = "198.51.100.30", "198.51.100.31"
    redis.freeze()  # the process stops; its socket stays open, so clients wait
    try:
        for k in range(BUDGET + 3):  # past the budget: nothing counts while it hangs
            r = ask(pair[k % 2], resident)
            assert r.status_code == 200, r.text
            assert "X-RateLimit-Remaining" not in r.headers
            # At most the client's 0.25 s timeout (and a loaded machine's margin).
            assert r.elapsed.total_seconds() < 1.5, r.elapsed
    finally:
        redis.thaw()
    # One line per worker that met the outage, not one per request.
    lines = [line for line in log_lines(pair) if "rate-limit store unavailable" in line]
    assert 1 <= len(lines) <= 4, lines
    assert not [line for line in log_lines(pair) if "198.51.100." in line]
    # Once the pause is over the store is asked again and the budget holds.
    time.sleep(STORE_RETRY_S + 0.5)
    statuses = [ask(pair[k % 2], later).status_code for k in range(BUDGET + 1)]
    assert statuses == [200] * BUDGET + [429], statuses


def test_insight_counts_survive_a_database_outage(
    pair: list[Server], postgres: PostgresServer
) -> None:
    postgres.pause()
    try:
        for k in range(4):
            assert ask(pair[k % 2], f"198.51.100.{40 + k}", channel="rep").status_code == 200
        r = requests.get(
            pair[0].url + "/admin/insights.csv",
            params={"table": "channels", **EVERYTHING},
            headers=AUTH,
            timeout=10,
        )
        assert_error_shape(r, 503, "insights_unavailable")
    finally:
        postgres.start()
    # The writers kept the counts and add them once the database is back.
    wait_for_count(pair, "rep", 4)
