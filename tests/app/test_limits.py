"""Per-client rate limits: over real HTTP under gunicorn, and the client rules in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.asserts import assert_error_shape
from support.cases import ADDRESS, BEFORE
from support.servers import Server

from lookup.config import Settings
from lookup.web.app import create_app

LOOKUP_BUDGET = 5
SUGGEST_BUDGET = 8


@pytest.fixture(scope="module")
def limited(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One worker, so its in-memory counters are the whole truth; loopback not exempt."""
    log = tmp_path_factory.mktemp("limited") / "server.log"
    srv = Server(
        demo_dir,
        log,
        workers=1,
        env={
            "LOOKUP_RATE_LIMIT_EXEMPT": "",
            "LOOKUP_RATE_LIMIT": f"{LOOKUP_BUDGET} per minute",
            "LOOKUP_SUGGEST_RATE_LIMIT": f"{SUGGEST_BUDGET} per minute",
        },
    )
    yield srv
    srv.stop()


@pytest.mark.http
def test_lookups_share_one_budget_then_get_429_in_the_common_shape(limited: Server) -> None:
    calls = [
        ("/api/v1/lookup", {"address": ADDRESS, "date": BEFORE}),
        ("/api/v1/early-voting", {"address": ADDRESS, "date": BEFORE}),
        ("/api/v1/lookup", {"lat": "35.0", "lon": "-80.0"}),  # outside: still a lookup
        ("/civicinfo/v2/voterinfo", {"address": ADDRESS}),
        ("/api/v1/lookup", {"address": ADDRESS, "date": BEFORE}),
    ]
    assert len(calls) == LOOKUP_BUDGET
    for path, params in calls:
        r = limited.get(path, **params)
        assert r.status_code != 429, (path, r.text)
        assert int(r.headers["X-RateLimit-Remaining"]) >= 0
    r = limited.get("/api/v1/lookup", address=ADDRESS, date=BEFORE)
    body = assert_error_shape(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0
    assert body["error"]["details"]["retry_after"] > 0
    assert "Board of Elections" in body["error"]["message"]
    # A forged X-Forwarded-For is not believed: no proxy is configured.
    r = requests.get(
        limited.url + "/api/v1/lookup",
        params={"address": ADDRESS},
        headers={"X-Forwarded-For": "203.0.113.9"},
        timeout=10,
    )
    assert r.status_code == 429
    # Google's clients get Google's error body for the same refusal.
    civic = limited.get("/civicinfo/v2/voterinfo", address=ADDRESS)
    assert civic.status_code == 429
    assert civic.json()["error"]["errors"][0]["reason"] == "rateLimitExceeded"
    # Cheap, lookup-free routes are never limited.
    for path in ("/healthz", "/readyz", "/api/v1/elections", "/metrics", "/openapi.json"):
        assert limited.get(path).status_code == 200, path


@pytest.mark.http
def test_suggest_has_its_own_budget(limited: Server) -> None:
    statuses = [limited.get("/api/v1/suggest", q=f"1{i}").status_code for i in range(12)]
    assert statuses[:SUGGEST_BUDGET] == [200] * SUGGEST_BUDGET
    assert set(statuses[SUGGEST_BUDGET:]) == {429}


def _client(demo_dir: Path, **settings: object):
    app = create_app(Settings(data_dir=demo_dir, **settings))  # type: ignore[arg-type]
    return app.test_client()


def _statuses(client, n: int, **environ: str) -> list[int]:
    headers = {}
    if "xff" in environ:
        headers["X-Forwarded-For"] = environ.pop("xff")
    return [
        client.get(
            "/api/v1/lookup?lat=35.0&lon=-80.0", headers=headers, environ_base=environ
        ).status_code
        for _ in range(n)
    ]


def test_exempt_networks_are_never_limited(demo_dir: Path) -> None:
    client = _client(demo_dir, rate_limit="2 per minute", rate_limit_exempt=("10.20.0.0/16",))
    assert 429 not in _statuses(client, 6, REMOTE_ADDR="10.20.3.4")  # the call center
    assert _statuses(client, 3, REMOTE_ADDR="198.51.100.7")[-1] == 429  # a resident


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(demo_dir: Path) -> None:
    client = _client(demo_dir, rate_limit="2 per minute", trusted_proxies=1)
    assert _statuses(client, 3, REMOTE_ADDR="10.0.0.1", xff="198.51.100.1")[-1] == 429
    # Another resident behind the same proxy is not refused for the first one's calls.
    assert _statuses(client, 2, REMOTE_ADDR="10.0.0.1", xff="198.51.100.2") == [404, 404]


def test_limits_can_be_turned_off(demo_dir: Path) -> None:
    client = _client(demo_dir, rate_limit="", suggest_rate_limit="")
    assert 429 not in _statuses(client, 70, REMOTE_ADDR="198.51.100.7")


def test_settings_refuse_a_bad_exempt_network() -> None:
    with pytest.raises(ValueError):
        Settings(rate_limit_exempt=("10.0.0.0/33",))
    env = Settings.from_env({"LOOKUP_RATE_LIMIT": "off", "LOOKUP_RATE_LIMIT_EXEMPT": "10.0.0.0/8"})
    assert env.rate_limit == "" and env.rate_limit_exempt == ("10.0.0.0/8",)


def test_a_redis_store_gets_timeouts_unless_its_url_sets_its_own() -> None:
    """A Redis client waits forever by default; a hung store must not hold a lookup
    (tests/http/test_shared_stores.py freezes a real one)."""
    from limits.storage import storage_from_string

    from lookup.web.hooks.rate_limits import STORE_TIMEOUT_S, storage_options

    def kwargs(uri: str) -> dict:
        storage = storage_from_string(uri, **storage_options(uri))
        return storage.storage.connection_pool.connection_kwargs

    plain = kwargs("redis://127.0.0.1:1/0")
    assert plain["socket_timeout"] == plain["socket_connect_timeout"] == STORE_TIMEOUT_S
    assert kwargs("redis://127.0.0.1:1/0?socket_timeout=2")["socket_timeout"] == 2.0
    assert storage_options("memory://") == {}


@pytest.mark.parametrize(
    "uri", ["memcached://127.0.0.1:11211", "redis+sentinel://h:26379/m", "mongodb://h", "redis"]
)
def test_settings_refuse_a_store_without_timeouts(uri: str) -> None:
    """Clients that would wait forever on a store that hangs are refused at start-up."""
    with pytest.raises(ValueError, match="LOOKUP_RATE_LIMIT_STORAGE"):
        Settings.from_env({"LOOKUP_RATE_LIMIT_STORAGE": uri})
    assert Settings.from_env({"LOOKUP_RATE_LIMIT_STORAGE": "rediss://h:6380/0"})
