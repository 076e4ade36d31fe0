"""Faults, with real gunicorn servers (``lookup serve``) and real processes on 127.0.0.1.

- A remote geocoder that hangs, answers 500 or answers garbage, under concurrent load:
  local answers keep their latency, remote-only addresses fail fast with
  ``geocoder_unavailable`` once the breaker is open, and the breaker closes again after
  its cool-down when the remote is healthy (the half-open trial).
- A data folder missing or corrupt at start: ``lookup serve`` exits non-zero, naming it.
  A corrupt version published while running: the last good one keeps serving, and the
  log says so.
- A disk that fills up (RLIMIT_FSIZE, so writes fail with EFBIG) or a SIGKILL in the
  middle of ``lookup refresh``: ``current`` is untouched, no half-written version is
  live, and a later refresh succeeds.
- A worker SIGKILLed mid-request: gunicorn replaces it; only what that worker had in
  flight fails.

The breaker's cool-down is the service's real 30 s: the remote faults are set off by a
module fixture at the start, and their recovery is checked by the last tests, so the other
tests run meanwhile.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from support.fake_census import HANG_S, Census, slow_census_behind
from support.paths import ROOT
from support.servers import Server

from lookup.dataset.codec import load_dataset
from lookup.dataset.publish import current_target, publish
from lookup.domain.schedule import parse_moment
from lookup.errors import ServiceError
from lookup.geocode.remote import COOL_DOWN, FAILURE_THRESHOLD
from lookup.service import AddressQuery, find_polling_place
from scripts.harness import workers as child_pids

pytestmark = pytest.mark.http
BEFORE = "2028-10-25"
WORKERS = 2
# LOOKUP_GEOCODER_TIMEOUT of the servers with a remote geocoder: short, so that a hanging
# remote opens the breakers quickly, but not so short that a healthy answer on a busy
# machine times out.
REMOTE_TIMEOUT = 1.0
HANG = HANG_S
SOURCES_FILE = ROOT / "data" / "sources.toml"


# ---- paced concurrent load --------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    kind: str  # "local" or "remote"
    rid: str  # the X-Request-ID sent: the server's request log has its latency
    started: float
    seconds: float  # as the client saw it
    status: int | None  # None: no HTTP answer (connection reset, timeout)
    code: str  # error.code, "" for a 200
    source: str = ""  # match.source of a 200


_request_ids = itertools.count()


def get_lookup(session: requests.Session, url: str, address: str, kind: str) -> Hit:
    rid = f"f{next(_request_ids):09d}"
    t0 = time.monotonic()
    try:
        r = session.get(
            url + "/api/v1/lookup",
            params={"address": address, "date": BEFORE},
            headers={"X-Request-ID": rid},
            timeout=15,
        )
    except requests.RequestException:
        return Hit(kind, rid, t0, time.monotonic() - t0, None, "connection")
    took = time.monotonic() - t0
    body = r.json()
    code = body["error"]["code"] if r.status_code != 200 else ""
    source = body["match"]["source"] if r.status_code == 200 else ""
    return Hit(kind, rid, t0, took, r.status_code, code, source)


def server_latency_ms(log: Path) -> dict[str, float]:
    """Request id -> the time the worker took (its JSON request log): the local path
    itself, without the client's or the listen queue's share."""
    out = {}
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith('{"ts"'):
            entry = json.loads(line)
            out[entry["request_id"]] = float(entry["latency_ms"])
    return out


def paced(
    url: str,
    addresses: Callable[[], str],
    kind: str,
    rate: float,
    until: float,
    out: list[Hit],
) -> None:
    """Look up ``addresses()`` at ``rate`` per second until ``until`` (monotonic)."""
    with requests.Session() as s:
        start, k = time.monotonic(), 0
        while (due := start + k / rate) < until:
            k += 1
            time.sleep(max(0.0, due - time.monotonic()))
            out.append(get_lookup(s, url, addresses(), kind))


def run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a load thread did not stop"


@pytest.fixture(scope="module")
def local_addresses(demo_ds) -> list[str]:
    """Demo address points, answered from the local data (checked in-process)."""
    now = parse_moment(BEFORE, None)
    assert now is not None
    rng = random.Random(3)
    found: list[str] = []
    while len(found) < 40:
        label = demo_ds.addresses.point(rng.randrange(demo_ds.addresses.size)).label()
        if find_polling_place(demo_ds, AddressQuery(label), now).match.source == "address_point":
            found.append(label)
    return found


class RemoteOnly:
    """A fresh "N Harbor View Ln" each call: on no local street (checked in-process), and
    never in a worker's cache of remote answers."""

    def __init__(self, demo_ds) -> None:
        now = parse_moment(BEFORE, None)
        assert now is not None
        self._lock = threading.Lock()
        self._n = 0
        for n in (1, 157, 999):
            with pytest.raises(ServiceError) as caught:
                find_polling_place(demo_ds, AddressQuery(self._text(n)), now)
            assert caught.value.code == "address_not_found"

    @staticmethod
    def _text(n: int) -> str:
        return f"{n} Harbor View Ln, Demo City"

    def __call__(self) -> str:
        with self._lock:
            self._n += 1
            return self._text(self._n)


# ---- remote geocoder faults ------------------------------------------------------------

MODES = ("hang", "500", "garbage")
BASELINE_SECONDS = 3.0
FAULT_SECONDS = 6.0
LOCAL_RATE = 12.0  # per thread, 3 threads per server
REMOTE_RATE = 4.0  # per thread, 2 threads per server


@dataclass
class FaultRun:
    server: Server
    census: Census
    baseline: list[Hit] = field(default_factory=list)
    fault: list[Hit] = field(default_factory=list)
    fault_started: float = 0.0
    fault_hits: list[float] = field(default_factory=list)  # requests the remote got

    @property
    def opened_by(self) -> float:
        """When every worker's breaker was open: the last request the remote got, plus
        the longest it could have taken to fail."""
        return max(self.fault_hits, default=self.fault_started) + REMOTE_TIMEOUT


def _load(runs: dict[str, FaultRun], local: list[str], remote: RemoteOnly, seconds: float):
    """Local and remote-only look-ups against every server at once, for ``seconds``."""
    until = time.monotonic() + seconds
    results: dict[str, list[Hit]] = {mode: [] for mode in runs}
    rng = random.Random(5)

    def pick_local() -> str:
        return rng.choice(local)

    targets: list[Callable[[], None]] = []
    for mode, run in runs.items():
        url, out = run.server.url, results[mode]
        targets += [partial(paced, url, pick_local, "local", LOCAL_RATE, until, out)] * 3
        targets += [partial(paced, url, remote, "remote", REMOTE_RATE, until, out)] * 2
    run_threads(targets)
    return results


@pytest.fixture(scope="module")
def remote_faults(
    demo_dir: Path, demo_ds, local_addresses: list[str], tmp_path_factory
) -> Iterator[dict[str, FaultRun]]:
    """One server per fault mode, each with its own Census; a healthy phase, then every
    remote fails at once (its mode) under the same load."""
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    runs: dict[str, FaultRun] = {}
    censuses = {mode: Census(point.lon, point.lat, hang_s=HANG) for mode in MODES}

    def start(mode: str) -> None:
        env = {
            "LOOKUP_GEOCODERS": "census",
            "LOOKUP_CENSUS_URL": censuses[mode].url,
            "LOOKUP_GEOCODER_TIMEOUT": str(REMOTE_TIMEOUT),
        }
        log = tmp_path_factory.mktemp(f"remote-{mode}") / "server.log"
        runs[mode] = FaultRun(Server(demo_dir, log, workers=WORKERS, env=env), censuses[mode])

    try:
        for mode in MODES:
            start(mode)
        remote = RemoteOnly(demo_ds)
        for mode, hits in _load(runs, local_addresses, remote, BASELINE_SECONDS).items():
            runs[mode].baseline = hits
        for mode, run in runs.items():
            run.census.mode = mode
            run.fault_started = time.monotonic()
            run.census.hits.clear()
        for mode, hits in _load(runs, local_addresses, remote, FAULT_SECONDS).items():
            runs[mode].fault = hits
            runs[mode].fault_hits = list(runs[mode].census.hits)
        yield runs
    finally:
        for run in runs.values():
            run.server.stop()
        for census in censuses.values():
            census.close()


def _median_ms(hits: list[Hit]) -> float:
    return statistics.median(h.seconds for h in hits) * 1e3


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@pytest.mark.parametrize("mode", MODES)
def test_remote_fault_under_load(remote_faults: dict[str, FaultRun], mode: str) -> None:
    run = remote_faults[mode]
    served = server_latency_ms(run.server.log_path)
    base_local = [h for h in run.baseline if h.kind == "local"]
    base_remote = [h for h in run.baseline if h.kind == "remote"]
    local = [h for h in run.fault if h.kind == "local"]
    remote = [h for h in run.fault if h.kind == "remote"]
    after_open = [h for h in local if h.started >= run.opened_by]
    remote_after_open = [h for h in remote if h.started >= run.opened_by]

    def worker_ms(hits: list[Hit]) -> float:
        return statistics.median(served[h.rid] for h in hits)

    figures = (
        f"{mode}: local answers, median in the worker / at the client: healthy "
        f"{worker_ms(base_local):.2f} / {_median_ms(base_local):.1f} ms, with the fault "
        f"{worker_ms(local):.2f} / {_median_ms(local):.1f} ms, once the breaker was open "
        f"{worker_ms(after_open):.2f} / {_median_ms(after_open):.1f} ms; remote-only "
        f"failures {worker_ms(remote):.1f} / {_median_ms(remote):.1f} ms, once open "
        f"{worker_ms(remote_after_open):.2f} / {_median_ms(remote_after_open):.1f} ms "
        f"(p90 in the worker {_quantile([served[h.rid] for h in remote_after_open], 0.9):.2f}"
        f" ms); the remote got {len(run.fault_hits)} requests; every breaker open after "
        f"{run.opened_by - run.fault_started:.1f} s"
    )
    print(figures)
    # Healthy: everything answered, the remote-only ones by the Census.
    assert {(h.status, h.source) for h in base_local} == {(200, "address_point")}, figures
    assert {(h.status, h.source) for h in base_remote} == {(200, "census")}, figures
    # The fault: local answers all succeed; remote-only ones are "unavailable", never
    # "not found" or a 500.
    assert {h.status for h in local} == {200}, figures
    assert {(h.status, h.code) for h in remote} == {(503, "geocoder_unavailable")}, figures
    # The breaker: each worker asked at most FAILURE_THRESHOLD times, then not at all.
    assert len(run.fault_hits) <= FAILURE_THRESHOLD * WORKERS, figures
    assert len(after_open) >= 0.4 * len(local), figures
    # Once open, a remote-only look-up fails at once: no worker waits for the remote.
    assert _quantile([served[h.rid] for h in remote_after_open], 0.9) < 50, figures
    # The local path never waits on the remote: in the worker it takes what it takes with
    # a healthy remote (a wait would cost REMOTE_TIMEOUT, 1 s). At the client the
    # margin is wider: before the breakers open, a worker stuck on the remote leaves local
    # requests queued for the other one, and this machine is shared.
    assert worker_ms(local) <= 1.5 * worker_ms(base_local) + 1, figures
    assert worker_ms(after_open) <= 1.5 * worker_ms(base_local) + 1, figures
    assert _median_ms(after_open) <= 2 * _median_ms(base_local) + 10, figures


# ---- the data folder at start and while running ----------------------------------------


def _copy(demo_dir: Path, to: Path) -> Path:
    shutil.copytree(demo_dir, to, symlinks=True)
    return to


def _serve(data: Path) -> subprocess.CompletedProcess[str]:
    """``lookup serve`` on a free port, expected to refuse to start."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "lookup.cli", "serve", "--data-dir", str(data)]
    return subprocess.run(
        [*cmd, "--port", str(port)], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def _truncate(path: Path, size: int) -> None:
    with path.open("r+b") as f:
        f.truncate(size)


def _break(data: Path, how: str) -> str:
    """Damage ``data`` in one way; returns what the message must name."""
    live = current_target(data)
    assert live is not None
    if how == "missing":
        shutil.rmtree(data)
        return "no published dataset"
    if how == "no_current":
        (data / "current").unlink()
        return "no published dataset"
    if how == "dangling_current":
        shutil.rmtree(live)
        return "manifest.json"
    if how == "manifest":
        (live / "manifest.json").write_text('{"format": 3, "vers')
        return "unreadable dataset"
    if how == "address_column":
        _truncate(live / "addresses" / "key_code.npy", 1000)
        return "unreadable dataset"
    if how == "grid":
        _truncate(live / "grid.npz", 100)
        return "unreadable dataset"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "missing",
        "no_current",
        "dangling_current",
        "manifest",
        "address_column",
        "grid",  # a truncated .npz
    ],
)
def test_serve_refuses_a_missing_or_corrupt_data_folder(
    demo_dir: Path, tmp_path: Path, how: str
) -> None:
    data = _copy(demo_dir, tmp_path / "data")
    expected = _break(data, how)
    done = _serve(data)
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("lookup: "), done.stderr
    assert str(data) in message and expected in message, message


def _second_version(good: Path, name: str) -> Path:
    """A copy of the version folder ``good`` named ``name`` (its manifest says so)."""
    folder = good.parent / name
    shutil.copytree(good, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest | {"version": name}))
    return folder


def _versions_seen(server: Server, seconds: float) -> set[str]:
    """The data versions answered (readyz and a look-up) over ``seconds``."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path, params in (
            ("/readyz", {}),
            ("/api/v1/lookup", {"lat": "34.9023", "lon": "-75.2834"}),
        ):
            r = server.get(path, **params)
            assert r.status_code == 200, r.text
            seen.add(r.json()["data_version"])
        time.sleep(0.02)
    return seen


def test_a_corrupt_version_published_while_running_is_not_served(
    demo_dir: Path, tmp_path: Path
) -> None:
    data = _copy(demo_dir, tmp_path / "data")
    log = tmp_path / "server.log"
    server = Server(data, log, workers=WORKERS)  # checks `current` every 0.2 s
    try:
        good = server.get("/readyz").json()["data_version"]
        good_folder = current_target(data)
        assert good_folder is not None
        said = f"dataset reload failed, keeping version {good}"
        for name, damage in (("broken-manifest", "manifest.json"), ("broken-grid", "grid.npz")):
            folder = _second_version(good_folder, name)
            if damage == "grid.npz":
                _truncate(folder / damage, 100)
            else:
                (folder / damage).write_text('{"format": 3, "vers')
            before = log.read_text().count(said)
            publish(data, folder)
            assert _versions_seen(server, 1.5) == {good}
            # Each worker tried it once, said so, and stays on the good version.
            text = log.read_text()
            assert text.count(said) - before == WORKERS, text[-3000:]
        # Named, as the loader wraps every error.
        assert "versions/broken-manifest: unreadable dataset" in log.read_text()
        # A good version after the broken ones is picked up by every worker.
        publish(data, _second_version(good_folder, "v2"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _versions_seen(server, 0.3) != {"v2"}:
            pass
        assert _versions_seen(server, 0.5) == {"v2"}
    finally:
        server.stop()


# ---- a refresh that runs out of disk or is killed ---------------------------------------


def _refresh_args(data: Path) -> list[str]:
    # --republish: the same files again must still publish a version (the faults hit it).
    args = ["refresh", "--config", str(SOURCES_FILE), "--data-dir", str(data), "--quiet"]
    return [*args, "--republish"]


def _refresh(
    data: Path, *, prefix: Sequence[str] = ("-m", "lookup.cli"), **popen: Any
) -> subprocess.Popen[str]:
    """``lookup refresh`` of the demo sources into ``data``, as county staff run it."""
    return subprocess.Popen(
        [sys.executable, *prefix, *_refresh_args(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        **popen,
    )


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:  # in the child, before exec
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG

    return apply


def _assert_live(data: Path, expected: Path) -> None:
    """``current`` points at ``expected``, a whole version that loads."""
    target = current_target(data)
    assert target == expected, target
    assert not target.name.startswith(".")
    load_dataset(target)  # exactly what the service does at start and on reload


def _refresh_publishes(datas: Sequence[Path]) -> None:
    """A refresh of each folder (all at once) succeeds and makes a new version live."""
    before = {data: current_target(data) for data in datas}
    procs = {data: _refresh(data) for data in datas}
    for data, proc in procs.items():
        out, _ = proc.communicate(timeout=180)
        assert proc.returncode == 0, (data, out)
        target = current_target(data)
        assert target is not None and target != before[data], (data, out)
        _assert_live(data, target)


# Where a killed refresh is stopped (SIGSTOP by itself, at that call) before the test
# SIGKILLs it: a half-written temporary folder; whole files not yet flushed; the whole
# version renamed into versions/ but not live; right after the atomic swap of `current`.
CRASH_HOOKS = """
import os, signal, sys
import lookup.ingest.refresh as refresh, lookup.dataset.codec as store

def stop(real, after=False):
    def hooked(*args, **kwargs):
        if after:
            real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGSTOP)
        return None if after else real(*args, **kwargs)
    return hooked

moment = sys.argv.pop(1)
if moment == "writing":
    store.np.savez = stop(store.np.savez, after=True)
elif moment == "flushing":
    store._fsync_tree = stop(store._fsync_tree)
elif moment == "renamed":
    refresh.publish = stop(refresh.publish)
elif moment == "swapped":
    refresh.record_publication = stop(refresh.record_publication)
from lookup.cli import main
sys.exit(main())
"""
# Two chains run at once, each on its own copy of the data folder; each interruption
# leaves its debris for the next run of the chain to live with. A full disk: the demo's
# largest file is its polygons (280 KB), written first, so a full disk stops there at any
# limit below it (its address columns are 170 KB at most since they are compact); a
# refresh stopped later in its writing is the kills' part.
CHAINS = (
    (("disk", 16 << 10), ("kill", "writing"), ("kill", "renamed")),
    (("disk", 200 << 10), ("kill", "flushing"), ("kill", "swapped")),
)


def _wait_stopped(proc: subprocess.Popen[str], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            raise AssertionError(f"the refresh ended (rc {proc.returncode}) first: {out}")
        stat = Path(f"/proc/{proc.pid}/stat").read_text()
        if stat[stat.rfind(")") + 2] == "T":
            return
        time.sleep(0.05)
    raise AssertionError("the refresh never reached its stop")


def _disk_full(data: Path, limit: int) -> str:
    """A refresh whose writes fail past ``limit`` bytes a file: it reports, changes
    nothing and leaves nothing behind."""
    live = current_target(data)
    assert live is not None
    before = sorted(p.name for p in (data / "versions").iterdir())
    proc = _refresh(data, preexec_fn=_file_size_limit(limit))
    out, _ = proc.communicate(timeout=180)
    assert proc.returncode == 1, out
    assert "publishing failed, live data untouched" in out, out
    _assert_live(data, live)
    assert sorted(p.name for p in (data / "versions").iterdir()) == before, out
    return out.strip().splitlines()[-1]


def _killed(data: Path, moment: str) -> str:
    """A refresh SIGKILLed at ``moment``: ``current`` is the old version or, killed after
    the swap (the commit point), the whole new one; either loads."""
    versions = data / "versions"
    live = current_target(data)
    assert live is not None
    before = set(versions.iterdir())
    proc = _refresh(data, prefix=("-c", CRASH_HOOKS, moment))
    try:
        _wait_stopped(proc)
        made = set(versions.iterdir()) - before
        # The state at the stop, as the hooks intend it.
        temps = [p for p in made if p.name.startswith(".tmp-")]
        whole = [p for p in made if not p.name.startswith(".")]
        if moment in ("writing", "flushing"):
            assert len(temps) == 1 and not whole, (moment, made)
            assert (temps[0] / "manifest.json").exists() == (moment == "flushing")
        else:
            assert len(whole) == 1 and not temps, (moment, made)
        assert current_target(data) == (whole[0] if moment == "swapped" else live)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
    now_live = whole[0] if moment == "swapped" else live
    _assert_live(data, now_live)
    return f"left {sorted(p.name for p in made)}, live {now_live.name}"


def test_a_refresh_out_of_disk_or_killed_leaves_no_half_version_live(
    demo_dir: Path, tmp_path: Path
) -> None:
    datas = [_copy(demo_dir, tmp_path / f"chain{k}") for k in range(len(CHAINS))]
    report: list[str] = []
    errors: list[BaseException] = []

    def chain(data: Path, steps: Sequence[tuple[str, Any]]) -> None:
        try:
            for kind, arg in steps:
                said = _disk_full(data, arg) if kind == "disk" else _killed(data, arg)
                report.append(f"{data.name} {kind} {arg}: {said}")
        except BaseException as exc:  # re-raised in the test's own thread below
            errors.append(exc)

    run_threads([partial(chain, d, c) for d, c in zip(datas, CHAINS, strict=True)])
    print("\n".join(report))
    if errors:
        raise errors[0]
    # A later refresh publishes in each folder, whatever the interruptions left there
    # (temporary folders of other version names are ignored, and stay).
    _refresh_publishes(datas)


def test_a_leftover_temp_folder_does_not_fail_a_refresh_of_the_same_version(
    demo_dir: Path, tmp_path: Path
) -> None:
    from dataclasses import replace
    from datetime import UTC, datetime

    from lookup.config import DEMO_SOURCES
    from lookup.dataset.demo import demo_request
    from lookup.ingest.refresh import refresh

    data = _copy(demo_dir, tmp_path / "data")
    leftover = data / "versions" / ".tmp-v2"
    leftover.mkdir()
    (leftover / "places.json").write_text('{"precincts": [')  # cut short by the kill
    req = replace(demo_request(DEMO_SOURCES, data), version="v2")
    report = refresh(req, datetime(2028, 9, 1, tzinfo=UTC))
    assert report.published, report.problems.errors


# ---- a worker killed mid-request ---------------------------------------------------------


@pytest.fixture
def slow_remote_server(demo_dir: Path, demo_ds, tmp_path: Path) -> Iterator[tuple[Server, Census]]:
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    log = tmp_path / "server.log"
    with slow_census_behind(lambda env: Server(demo_dir, log, WORKERS, env), point) as pair:
        yield pair


def _wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_a_worker_killed_mid_request_is_replaced(
    slow_remote_server: tuple[Server, Census], local_addresses: list[str], demo_ds
) -> None:
    server, census = slow_remote_server
    remote = RemoteOnly(demo_ds)
    rng = random.Random(11)
    background: list[Hit] = []
    kills: list[tuple[float, float]] = []  # (killed at, replacement up at)

    def kill_one_worker() -> None:
        before = child_pids(server.proc.pid)
        assert len(before) == WORKERS
        os.kill(rng.choice(before), signal.SIGKILL)
        t = time.monotonic()
        _wait_for(
            lambda: (
                len(set(child_pids(server.proc.pid)) - set(before)) == 1
                and len(child_pids(server.proc.pid)) == WORKERS
            ),
            15,
            "gunicorn did not replace the killed worker",
        )
        kills.append((t, time.monotonic()))

    until = time.monotonic() + 9
    load = threading.Thread(
        target=lambda: run_threads(
            [
                lambda: paced(
                    server.url, lambda: rng.choice(local_addresses), "local", 15, until, background
                )
                for _ in range(3)
            ]
        ),
        daemon=True,
    )
    load.start()
    # 1. Both workers busy with a slow remote look-up: the killed one had exactly that
    #    request in flight, and nothing else.
    slow: list[Hit] = []

    def slow_lookup() -> None:
        with requests.Session() as s:
            slow.append(get_lookup(s, server.url, remote(), "remote"))

    slow_threads = [threading.Thread(target=slow_lookup) for _ in range(WORKERS)]
    time.sleep(1.0)
    for t in slow_threads:
        t.start()
    _wait_for(lambda: census.in_flight == WORKERS, 10, "the workers never both waited")
    kill_one_worker()
    for t in slow_threads:
        t.join(timeout=30)
    # 2. Under the fast load alone: a worker killed at random moments.
    for _ in range(3):
        time.sleep(rng.uniform(0.5, 1.0))
        kill_one_worker()
    load.join(timeout=30)
    assert not load.is_alive()
    failed_slow = [h for h in slow if h.status is None]
    assert len(failed_slow) == 1, slow
    assert [(h.status, h.source) for h in slow if h.status is not None] == [(200, "census")]
    failures = [h for h in background if h.status != 200]
    figures = f"{len(background)} background requests, {len(failures)} failed, kills {kills}"
    print(figures)
    # Each random kill can take at most the one request its worker had in flight.
    assert len(failures) <= len(kills) - 1, figures
    for h in failures:
        assert any(h.started <= killed <= h.started + h.seconds for killed, _ in kills), figures
    # And everything sent after the last replacement succeeded.
    after = [h for h in background if h.started > kills[-1][1]]
    assert after and all(h.status == 200 for h in after), figures


# ---- the breaker recovers (last: its cool-down runs while the tests above do) -------------


@pytest.mark.parametrize("mode", MODES)
def test_breaker_recovers_when_the_remote_is_healthy(
    remote_faults: dict[str, FaultRun], mode: str
) -> None:
    run = remote_faults[mode]
    run.census.mode = "ok"
    time.sleep(max(0.0, run.opened_by + COOL_DOWN + 0.5 - time.monotonic()))
    asked = len(run.census.hits)
    with requests.Session() as s:
        # The first request each worker gets is its half-open trial; it succeeds, so the
        # circuit closes and the next ones go through too.
        hits = [
            get_lookup(s, run.server.url, f"{n} Harbor View Ln, Demo City", "remote")
            for n in range(5001, 5009)
        ]
    assert [(h.status, h.source) for h in hits] == [(200, "census")] * len(hits), hits
    assert len(run.census.hits) - asked == len(hits)
