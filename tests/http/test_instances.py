"""Several instances: two ``lookup serve`` on different ports share one published data
folder behind a round-robin client. A refresh publishes a new version; both instances
pick it up within their reload interval, and across both every answer carries the old or
the new version, whole."""

from __future__ import annotations

import itertools
import shutil
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
POINT = {"lat": "34.9023", "lon": "-75.2834", "date": "2028-10-25"}


def test_two_instances_pick_up_one_refresh(demo_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)  # the session's folder stays as it is
    instances = [Server(data, tmp_path / f"instance{k}.log") for k in range(2)]
    seen: list[tuple[int, float, int, str]] = []  # (instance, time, status, data_version)
    stop = threading.Event()

    def round_robin() -> None:
        with requests.Session() as s:
            deadline = time.monotonic() + 60  # bounded even if the test goes wrong
            for k in itertools.cycle(range(len(instances))):
                if stop.is_set() or time.monotonic() > deadline:
                    return
                r = s.get(instances[k].url + "/api/v1/lookup", params=POINT, timeout=10)
                seen.append((k, time.monotonic(), r.status_code, r.json().get("data_version", "")))

    client = threading.Thread(target=round_robin, daemon=True)
    try:
        old = instances[0].get("/readyz").json()["data_version"]
        assert instances[1].get("/readyz").json()["data_version"] == old
        client.start()
        time.sleep(1.0)
        report = refresh(replace(demo_request(DEMO_SOURCES, data), version="v2"), datetime.now(UTC))
        assert report.published, report.lines()
        published = time.monotonic()
        # Both instances (each worker of each) answer with the new version.
        deadline = published + 20
        while time.monotonic() < deadline:
            last = [v for k in range(len(instances)) for (i, _, _, v) in seen[-40:] if i == k]
            if len(last) >= 40 and set(last) == {"v2"}:
                break
            time.sleep(0.1)
        stop.set()
        client.join(timeout=30)
    finally:
        stop.set()
        for srv in instances:
            srv.stop()
    assert not client.is_alive()
    assert {s for _, _, s, _ in seen} == {200}
    assert {v for *_, v in seen} == {old, "v2"}
    for k in range(len(instances)):
        mine = [(t, v) for i, t, _, v in seen if i == k]
        assert {v for _, v in mine} == {old, "v2"}, f"instance {k}"
        first_new = min(t for t, v in mine if v == "v2")
        # Picked up within a few reload intervals (0.2 s here) of the publication.
        assert first_new - published < 5, f"instance {k}: {first_new - published:.1f} s"
    # And the last answers of both instances are all new.
    assert {v for *_, v in seen[-40:]} == {"v2"}
