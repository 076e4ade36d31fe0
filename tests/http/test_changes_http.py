"""Changes on the day across processes: two ``lookup serve`` instances of two workers
each share one data folder, at the default reload interval (2 s). A closure posted to one
is listed by every worker of both within 5 seconds; withdrawn through the other, it is
gone from all of them within 5 seconds. Four clients ask all along."""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from pathlib import Path

import pytest
import requests
from support.servers import Server

from lookup.i18n import DEFAULT_LANG

pytestmark = pytest.mark.http
TOKEN = "changes-http-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CLIENTS = 4
PROPAGATION_S = 5.0
CLOSE = {
    "kind": "close_site",
    "site_id": "demo-riverton-recreation-center",
    "from": "2028-10-25T10:00",
    "to": "2099-10-25T18:00",  # open whenever the test runs (the server's clock is real)
    "reason": {DEFAULT_LANG: "Power cut"},
    "by": "http test",
}


class Watch:
    """Clients listing the changes, round robin over the instances: (instance, when the
    request was sent, ids listed, X-Changes-Version)."""

    def __init__(self, instances: list[Server]) -> None:
        self.instances = instances
        self.seen: list[tuple[int, float, tuple[str, ...], str]] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._ask, daemon=True) for _ in range(CLIENTS)]

    def _ask(self) -> None:
        deadline = time.monotonic() + 90  # bounded even if the test goes wrong
        with requests.Session() as s:
            for k in itertools.cycle(range(len(self.instances))):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                sent = time.monotonic()
                r = s.get(self.instances[k].url + "/admin/changes", headers=AUTH, timeout=10)
                assert r.status_code == 200
                ids = tuple(c["id"] for c in r.json()["changes"])
                self.seen.append((k, sent, ids, r.headers["X-Changes-Version"]))

    def wait_until(self, listed: bool, change_id: str, since: float) -> None:
        """Until the last answers of every instance agree (or 20 s)."""
        deadline = since + 20
        while time.monotonic() < deadline:
            last = [(k, change_id in ids) for k, t, ids, _ in self.seen[-60:] if t > since]
            everywhere = {k for k, _ in last} == set(range(len(self.instances)))
            if len(last) >= 60 and everywhere and all(has == listed for _, has in last):
                return
            time.sleep(0.1)

    def disagree(self, listed: bool, change_id: str, start: float, end: float) -> list[float]:
        """When answers sent between ``start`` and ``end`` said otherwise."""
        return [t for _, t, ids, _ in self.seen if start < t < end and (change_id in ids) != listed]


def test_a_change_reaches_every_worker_of_every_instance_within_5_seconds(
    demo_dir: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)  # the session's folder stays as it is
    env = {"LOOKUP_ADMIN_TOKEN": TOKEN, "LOOKUP_RELOAD_INTERVAL": "2"}
    instances = [Server(data, tmp_path / f"instance{k}.log", workers=2, env=env) for k in range(2)]
    watch = Watch(instances)
    try:
        for t in watch.threads:
            t.start()
        time.sleep(1.0)
        posted_at = time.monotonic()
        r = requests.post(instances[0].url + "/admin/changes", json=CLOSE, headers=AUTH, timeout=10)
        assert r.status_code == 201, r.text
        change_id = r.json()["id"]
        watch.wait_until(True, change_id, posted_at)
        # Long enough that every client asked well after the 5 s.
        time.sleep(max(0.0, posted_at + PROPAGATION_S + 1.5 - time.monotonic()))
        withdrawn_at = time.monotonic()
        gone = requests.delete(
            f"{instances[1].url}/admin/changes/{change_id}", headers=AUTH, timeout=10
        )
        assert gone.status_code == 204
        watch.wait_until(False, change_id, withdrawn_at)
    finally:
        watch.stop.set()
        for t in watch.threads:
            t.join(timeout=30)
        for srv in instances:
            srv.stop()
    assert not any(t.is_alive() for t in watch.threads)
    before = [ids for _, t, ids, _ in watch.seen if t < posted_at]
    assert before and not any(before)  # nothing listed before the post
    listed = [(k, t) for k, t, ids, _ in watch.seen if change_id in ids]
    assert {k for k, _ in listed} == {0, 1}  # both instances listed it
    applied = posted_at + PROPAGATION_S
    assert watch.disagree(True, change_id, applied, withdrawn_at) == []
    assert watch.disagree(False, change_id, withdrawn_at + PROPAGATION_S, float("inf")) == []
    late = max(watch.disagree(True, change_id, posted_at, withdrawn_at), default=posted_at)
    print(f"last answer without the change: {late - posted_at:.2f} s after the post")
    versions = {v for _, t, _, v in watch.seen if applied < t < withdrawn_at}
    assert len(versions) == 1  # every worker applied the same file
    assert [ids for _, _, ids, _ in watch.seen[-20:]] == [()] * 20
