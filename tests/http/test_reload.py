"""A refresh publishes while the server is answering: not one request fails, and every
answer comes whole from the old or the new version."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from support.servers import Server

from lookup.config import DEMO_SOURCES
from lookup.dataset.demo import demo_request
from lookup.ingest.refresh import refresh

pytestmark = pytest.mark.http
NOW = datetime(2028, 9, 1, tzinfo=UTC)
LOOKUP_AT = {"lat": "34.902294", "lon": "-75.283443", "date": "2028-10-25"}


def publish_under_load(
    tmp_path: Path, serve: Callable[[Path, Path], Server], clients: int = 1, window: int = 20
) -> None:
    """v1 served by ``serve(data_dir, log)`` to ``clients`` sessions asking without pause,
    then v2 published: every answer is a 200 of v1 or v2, and once every worker has
    swapped (the last ``window`` answers) only v2 answers. Also run by granian's suite."""
    data = tmp_path / "data"
    assert refresh(replace(demo_request(DEMO_SOURCES, data), version="v1"), NOW).published
    server = serve(data, tmp_path / "server.log")
    seen: list[tuple[int, str]] = []
    stop = threading.Event()

    def hammer() -> None:
        with requests.Session() as s:
            deadline = time.monotonic() + 60  # bounded even if the test goes wrong
            while not stop.is_set() and time.monotonic() < deadline:
                r = s.get(server.url + "/api/v1/lookup", params=LOOKUP_AT, timeout=10)
                seen.append((r.status_code, r.json().get("data_version", "")))

    def swapped() -> bool:
        return sum(v == "v2" for _, v in seen[-window:]) == window

    try:
        threads = [threading.Thread(target=hammer) for _ in range(clients)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        assert refresh(replace(demo_request(DEMO_SOURCES, data), version="v2"), NOW).published
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not swapped():
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        stop.set()
        server.stop()
    statuses = {s for s, _ in seen}
    versions = {v for _, v in seen}
    assert statuses == {200}, statuses
    assert versions == {"v1", "v2"}, versions
    assert len(seen) > 50
    assert swapped(), f"v2 was not served alone at the end: {seen[-window:]}"


def test_publish_under_load_fails_no_request(tmp_path: Path) -> None:
    publish_under_load(tmp_path, Server)
