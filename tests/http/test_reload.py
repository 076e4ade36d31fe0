"""A refresh publishes while the server is answering: not one request fails, and every
answer comes whole from the old or the new version."""

from __future__ import annotations

import threading
import time
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


def test_publish_under_load_fails_no_request(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert refresh(replace(demo_request(DEMO_SOURCES, data), version="v1"), NOW).published
    server = Server(data, tmp_path / "server.log")
    seen: list[tuple[int, str]] = []
    stop = threading.Event()

    def hammer() -> None:
        with requests.Session() as s:
            deadline = time.monotonic() + 60  # bounded even if the test goes wrong
            while not stop.is_set() and time.monotonic() < deadline:
                r = s.get(
                    server.url + "/api/v1/lookup",
                    params={"lat": "34.902294", "lon": "-75.283443", "date": "2028-10-25"},
                    timeout=10,
                )
                body = r.json()
                seen.append((r.status_code, body.get("data_version", "")))

    try:
        worker = threading.Thread(target=hammer)
        worker.start()
        time.sleep(1.0)
        assert refresh(replace(demo_request(DEMO_SOURCES, data), version="v2"), NOW).published
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and sum(v == "v2" for _, v in seen[-20:]) < 20:
            time.sleep(0.1)
        stop.set()
        worker.join(timeout=30)
    finally:
        stop.set()
        server.stop()
    statuses = {s for s, _ in seen}
    versions = {v for _, v in seen}
    assert statuses == {200}, statuses
    assert versions == {"v1", "v2"}, versions
    assert len(seen) > 50
    # Once every worker has swapped, only the new version answers.
    assert all(v == "v2" for _, v in seen[-20:])
