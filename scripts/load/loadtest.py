"""Load test: ``lookup serve`` (gunicorn) on 127.0.0.1 under mixed traffic from wrk.

Usage (from the repository root)::

    .venv/bin/python -m scripts.load.loadtest [--duration 60] [--rate R] [--workers 2]
                                              [--reload] [--json OUT.json]

The demo county is published into a temporary folder and served with loopback exempt from
the rate limits. Unless ``--rate`` is given, a short unthrottled burst of the same mix
measures capacity, and the run then holds 80 % of it for ``--duration`` seconds, paced by
``scripts/load/loadtest.lua`` in Debian's wrk (a C load generator, so the client is not the
bottleneck; installed here when missing and run as root). The mix: address look-ups (the
demo's own address points, a few unknown), coordinate look-ups (near address points, a few
at sea), ``/api/v1/suggest`` (prefixes as typed) and the widget's assets.

Every response is judged against the status the same code gives in-process for that
request: an expected 404 is no error, an unexpected one is, and so is a connection error,
a timeout, or a 200 body without exactly one ``data_version``. Each worker's RSS is read
from /proc every second; the mean of the first 10 s is compared with the last 10 s.

``--reload``: ``lookup refresh`` starts a quarter into the run and publishes a new
version. Every body must then carry the old or the new ``data_version``; a worker that
served the new one must never serve the old one again (the access log, with the request
id and the worker's pid, says which worker answered what); every worker must serve the
new one by the end.

Exit status: 0, or 1 when there were errors, memory grew past the margin or a version
check failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from lookup.config import DEMO_SOURCES
from lookup.dataset.codec import load_dataset
from lookup.dataset.demo import demo_request
from lookup.dataset.model import Dataset
from lookup.dataset.publish import current_target
from lookup.domain.schedule import parse_moment
from lookup.errors import ServiceError
from lookup.ingest.refresh import refresh
from lookup.service import AddressQuery, PointQuery, Query, find_polling_place
from scripts import harness
from scripts.local_servers import ensure_debian_tool

LUA = Path(__file__).with_name("loadtest.lua")
SOURCES_FILE = harness.REPO / "data" / "sources.toml"

AS_OF = "2028-10-25"  # during early voting: every part of an answer is built
# Shares of the traffic: residents and call-takers look up, type (a suggestion per
# keystroke) and load the widget.
MIX = {"address": 40, "point": 15, "suggest": 30, "widget": 5, "widget.js": 5, "strings": 5}
ASSETS = {"widget": "/widget", "widget.js": "/static/widget.js", "strings": "/api/v1/strings"}
VERSIONED = ("address", "point", "suggest")  # kinds whose 200 body names its data_version
PLAN_SIZE = 6000
CAPACITY_SHARE = 0.8
BURST_SECONDS = 5
BURST_CONNECTIONS = 8
WARM_UP_SECONDS = 2  # before a run at a given --rate
PER_CONNECTION_RATE = 10.0  # paced requests/s per wrk connection: room for slow answers
WRK_TIMEOUT = "5s"  # a slower answer counts as an error
RSS_WINDOW = 10.0  # seconds compared at each end of the run
# Memory is "flat" when no worker's mean RSS over the last window exceeds the first by
# more than this. A reload adds the new version, which each worker loads on its own.
RSS_MARGIN_MB = 8.0
RELOAD_RSS_MARGIN_MB = 16.0

# `lookup serve`, with the request id and the worker's pid added to gunicorn's access log:
# the one way to tell from outside which worker answered which request. Nothing else of
# the server changes.
SERVE = (
    "import sys, lookup.serving as s; "
    "s.ACCESS_LOG_FORMAT += ' rid=%({x-request-id}o)s pid=%(p)s'; "
    "from lookup.cli import main; sys.exit(main())"
)
_ACCESS = re.compile(r" rid=(\S+) pid=<(\d+)>")
READY_TIMEOUT_S = 60.0


# ---- the plan: what is sent, and the status each request must get --------------------


@dataclass(frozen=True)
class Item:
    kind: str
    path: str
    expected: int  # the status the same code gives in-process


def _status(ds: Dataset, query: Query, now: datetime) -> int:
    try:
        find_polling_place(ds, query, now)
    except ServiceError as exc:
        return exc.status
    return 200


def _lookup(params: dict[str, str]) -> str:
    return "/api/v1/lookup?" + urllib.parse.urlencode(params, quote_via=urllib.parse.quote)


def build_plan(ds: Dataset, size: int = PLAN_SIZE, seed: int = 7) -> list[Item]:
    """``size`` requests in the ``MIX`` proportions, shuffled, from the demo's address
    points (addresses as a resident types them; points within ~50 m of one)."""
    rng = random.Random(seed)
    now = parse_moment(AS_OF, None)
    assert now is not None
    plan: list[Item] = []
    for kind in rng.choices(list(MIX), weights=list(MIX.values()), k=size):
        if kind in ASSETS:
            plan.append(Item(kind, ASSETS[kind], 200))
            continue
        p = ds.addresses.point(rng.randrange(ds.addresses.size))
        if kind == "address":
            if rng.random() < 0.05:
                text = f"{rng.randint(100, 99999)} Zzyzx Rd, Demo City"  # on no street
            else:
                text = rng.choice((p.label(), p.label().lower(), f"{p.line}, {p.city}".title()))
            status = _status(ds, AddressQuery(text), now)
            plan.append(Item(kind, _lookup({"address": text, "date": AS_OF}), status))
        elif kind == "point":
            if rng.random() < 0.05:  # out at sea, east of the county
                lat, lon = 34.9 + rng.uniform(-0.2, 0.2), -74.6 + rng.uniform(-0.1, 0.1)
            else:
                lat, lon = p.lat + rng.uniform(-5e-4, 5e-4), p.lon + rng.uniform(-5e-4, 5e-4)
            status = _status(ds, PointQuery(lon=lon, lat=lat), now)
            params = {"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "date": AS_OF}
            plan.append(Item(kind, _lookup(params), status))
        else:
            label = p.label().lower()
            q = label[: rng.randint(4, len(label))]
            path = "/api/v1/suggest?" + urllib.parse.urlencode(
                {"q": q}, quote_via=urllib.parse.quote
            )
            plan.append(Item(kind, path, 200))
    unexpected = Counter(i.expected for i in plan if i.expected >= 500)
    if unexpected:
        raise RuntimeError(f"the plan holds requests the service fails in-process: {unexpected}")
    return plan


def write_plan(plan: Sequence[Item], path: Path) -> None:
    path.write_text("".join(f"{k}\t{item.path}\n" for k, item in enumerate(plan)))


# ---- the server ---------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Gunicorn:
    """``lookup serve`` on 127.0.0.1 with ``workers`` workers, logging to ``log``."""

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        *,
        workers: int = 2,
        reload_interval: float = 2.0,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        full_env = {
            **os.environ,
            "LOOKUP_RATE_LIMIT_EXEMPT": "127.0.0.0/8",
            "LOOKUP_RELOAD_INTERVAL": str(reload_interval),
            # The insight counters of this run stay in its own folder.
            "LOOKUP_CACHE_DIR": str(log.parent / "cache"),
            **(env or {}),
        }
        launcher = ("-c", SERVE)
        cmd = harness.serve_command(data_dir, self.port, workers, ("--access-log",), launcher)
        self.proc = harness.start(cmd, log, full_env)
        harness.wait_ready(self.proc, self.port, log, READY_TIMEOUT_S)
        harness.wait_workers(self.proc, workers, READY_TIMEOUT_S)

    def workers(self) -> list[int]:
        return harness.workers(self.proc.pid)

    def version(self) -> str:
        return str(requests.get(self.url + "/readyz", timeout=5).json()["data_version"])

    def stop(self) -> None:
        harness.stop(self.proc)

    def access(self) -> dict[str, tuple[int, int]]:
        """Request id -> (pid of the worker that answered it, line number in the access
        log): a sync worker logs its requests in the order it answered them."""
        text = self.log.read_text(errors="replace")
        return {m.group(1): (int(m.group(2)), n) for n, m in enumerate(_ACCESS.finditer(text))}


class RssSampler:
    """Each worker's RSS every ``every`` seconds, in a thread, until ``stop()``."""

    def __init__(self, server: Gunicorn, every: float = 1.0) -> None:
        self.samples: list[tuple[float, int, float]] = []  # (monotonic time, pid, MB)
        self._server, self._every = server, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for pid in self._server.workers():
                mb = rss_mb(pid)
                if mb is not None:
                    self.samples.append((now, pid, mb))
            self._stop.wait(self._every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


# ---- wrk --------------------------------------------------------------------------


def ensure_wrk() -> str | None:
    """Debian's wrk: ``scripts/setup.sh --test`` installs it; so does this, as root."""
    return ensure_debian_tool("wrk", "wrk")


@dataclass(frozen=True)
class Record:
    rid: str
    index: int  # into the plan
    status: int
    latency_ms: float
    version: str  # "-" when the body names none
    version_keys: int  # how many "data_version" keys the body has
    sent: float  # monotonic seconds


@dataclass
class WrkRun:
    records: list[Record]
    seconds: float
    socket_errors: dict[str, int]  # wrk's: connect, read, write, timeout


def run_wrk(
    wrk: str, url: str, plan_file: Path, out_dir: Path, seconds: int, rate: float, connections: int
) -> subprocess.Popen[str]:
    """Start wrk (it stops by itself after ``seconds``); ``rate`` 0 is unthrottled."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s"]
    cmd += ["--timeout", WRK_TIMEOUT, "-s", str(LUA), url, "--", str(plan_file), str(out_dir)]
    cmd += [f"{rate:.3f}", str(connections)]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def paced_connections(rate: float) -> int:
    """Enough connections that a slow answer or two does not hold the pace back."""
    return min(128, max(8, math.ceil(rate / PER_CONNECTION_RATE)))


def finish_wrk(proc: subprocess.Popen[str], out_dir: Path, seconds: int) -> WrkRun:
    out, err = proc.communicate(timeout=seconds + 60)
    line = next((ln for ln in out.splitlines() if ln.startswith("LOADTEST ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out[-1000:]} {err[-1000:]}")
    summary = json.loads(line.removeprefix("LOADTEST "))
    records = []
    for path in sorted(out_dir.glob("t*.tsv")):
        for row in path.read_text().splitlines():
            rid, index, status, us, version, keys, sent = row.split("\t")
            records.append(
                Record(rid, int(index), int(status), int(us) / 1e3, version, int(keys), float(sent))
            )
    errors = {k: int(summary[k]) for k in ("connect", "read", "write", "timeout")}
    return WrkRun(records, summary["duration_us"] / 1e6, errors)


# ---- the report -------------------------------------------------------------------


@dataclass
class KindStats:
    requests: int
    errors: int
    p50_ms: float
    p99_ms: float
    statuses: dict[str, int]


@dataclass
class WorkerMemory:
    pid: int
    first_mb: float
    last_mb: float

    @property
    def growth_mb(self) -> float:
        return self.last_mb - self.first_mb


@dataclass
class Report:
    duration_s: float
    workers: int
    capacity_rps: float | None  # from the burst; None when --rate was given
    burst_errors: int  # in the burst or the warm-up
    target_rps: float
    achieved_rps: float
    requests: int
    errors: int
    error_examples: list[str]
    socket_errors: dict[str, int]
    kinds: dict[str, KindStats]
    memory: list[WorkerMemory]
    rss_margin_mb: float
    # --reload only
    old_version: str = ""
    new_version: str = ""
    refresh_seconds: float | None = None
    versions: dict[str, int] = field(default_factory=dict)  # responses per data_version
    per_worker: dict[str, dict[str, int]] = field(default_factory=dict)  # pid -> counts
    went_back: int = 0  # responses of the old version after that worker served the new
    unattributed: int = 0  # versioned responses the access log did not name a worker for
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def judge(plan: Sequence[Item], run: WrkRun, allowed: set[str]) -> tuple[int, list[str]]:
    """Errors of a run: socket errors, then each response whose status or body is wrong."""
    errors = sum(run.socket_errors.values())
    examples: list[str] = []
    for r in run.records:
        item = plan[r.index]
        problem = ""
        if r.status != item.expected:
            problem = f"status {r.status}, expected {item.expected}"
        elif item.kind in VERSIONED and r.status == 200:
            if r.version_keys != 1:
                problem = f"{r.version_keys} data_version keys in one body"
            elif r.version not in allowed:
                problem = f"data_version {r.version!r} is neither {sorted(allowed)}"
        if problem:
            errors += 1
            if len(examples) < 10:
                examples.append(f"{item.kind} {item.path.split('?')[0]}: {problem}")
    return errors, examples


def memory(samples: list[tuple[float, int, float]], window: float) -> list[WorkerMemory]:
    """Per worker: mean RSS over the first and over the last ``window`` seconds."""
    by_pid: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for t, pid, mb in samples:
        by_pid[pid].append((t, mb))
    out = []
    for pid, series in sorted(by_pid.items()):
        start, end = series[0][0], series[-1][0]
        first = [mb for t, mb in series if t < start + window]
        last = [mb for t, mb in series if t > end - window]
        out.append(WorkerMemory(pid, statistics.fmean(first), statistics.fmean(last)))
    return out


def versions_by_worker(
    plan: Sequence[Item], run: WrkRun, access: dict[str, tuple[int, int]], old: str, new: str
) -> tuple[dict[str, int], dict[str, dict[str, int]], int, int]:
    """Counts per version and per worker, how often a worker went back to ``old`` after
    serving ``new``, and how many versioned responses had no worker in the access log."""
    totals: Counter[str] = Counter()
    per_worker: dict[str, Counter[str]] = defaultdict(Counter)
    sequences: dict[int, list[tuple[int, str]]] = defaultdict(list)
    unattributed = 0
    for r in run.records:
        if plan[r.index].kind not in VERSIONED or r.status != 200:
            continue
        totals[r.version] += 1
        answered_by = access.get(r.rid)
        if answered_by is None:
            unattributed += 1
            continue
        pid, order = answered_by
        per_worker[str(pid)][r.version] += 1
        sequences[pid].append((order, r.version))
    went_back = 0
    for seq in sequences.values():
        seen_new = False
        for _, version in sorted(seq):
            seen_new = seen_new or version == new
            went_back += seen_new and version == old
    return dict(totals), {k: dict(v) for k, v in per_worker.items()}, went_back, unattributed


@dataclass(frozen=True)
class Config:
    duration: int = 60
    rate: float | None = None  # None: 80 % of the measured capacity
    workers: int = 2
    reload: bool = False
    reload_interval: float = 2.0  # the service's default
    reload_at: float = 0.25  # share of the run after which the refresh starts
    # With reload: end the load this many seconds after the new version went live, instead
    # of at ``duration`` (then a bound): short test runs whatever the refresh takes.
    settle: float | None = None
    seed: int = 7


def publish_demo(data: Path) -> None:
    """The demo county, published by a real refresh (a fresh version name)."""
    report = refresh(demo_request(DEMO_SOURCES, data), datetime.now(UTC))
    if not report.published:
        raise RuntimeError("\n".join(report.lines()))


def refresh_cli(data: Path) -> subprocess.Popen[str]:
    """``lookup refresh`` of the demo sources as county staff would run it."""
    cmd = [sys.executable, "-m", "lookup.cli", "refresh", "--config", str(SOURCES_FILE)]
    # --republish: the same files again must publish a new version for the swap under load.
    cmd += ["--data-dir", str(data), "--quiet", "--republish"]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=harness.REPO
    )


@contextmanager
def serving(data: Path, log: Path, cfg: Config) -> Iterator[Gunicorn]:
    server = Gunicorn(data, log, workers=cfg.workers, reload_interval=cfg.reload_interval)
    try:
        yield server
    finally:
        server.stop()


def run(cfg: Config, work: Path, wrk: str) -> Report:
    """The whole test in ``work`` (data, plan, wrk output, ``server.log``)."""
    data = work / "data"
    publish_demo(data)
    target = current_target(data)
    assert target is not None
    plan = build_plan(load_dataset(target), seed=cfg.seed)
    plan_file = work / "plan.tsv"
    write_plan(plan, plan_file)
    with serving(data, work / "server.log", cfg) as server:
        old = server.version()
        # The burst (or, at a given rate, a short run at that rate) also warms the workers
        # up, so that the first RSS window does not count pages first touched.
        capacity = None
        if cfg.rate is None:
            proc = run_wrk(
                wrk, server.url, plan_file, work / "burst", BURST_SECONDS, 0, BURST_CONNECTIONS
            )
            burst = finish_wrk(proc, work / "burst", BURST_SECONDS)
            capacity = len(burst.records) / burst.seconds
            rate = CAPACITY_SHARE * capacity
        else:
            rate = cfg.rate
            proc = run_wrk(
                wrk,
                server.url,
                plan_file,
                work / "burst",
                WARM_UP_SECONDS,
                rate,
                paced_connections(rate),
            )
            burst = finish_wrk(proc, work / "burst", WARM_UP_SECONDS)
        burst_errors, _ = judge(plan, burst, {old})
        connections = paced_connections(rate)
        sampler = RssSampler(server)
        proc = run_wrk(wrk, server.url, plan_file, work / "load", cfg.duration, rate, connections)
        refresh_seconds, new = None, ""
        try:
            if cfg.reload:
                time.sleep(cfg.duration * cfg.reload_at)
                t0 = time.monotonic()
                refresher = refresh_cli(data)
                output, _ = refresher.communicate(timeout=cfg.duration * 3 + 60)
                refresh_seconds = time.monotonic() - t0
                if refresher.returncode != 0:
                    raise RuntimeError(f"lookup refresh failed: {output[-2000:]}")
                new_target = current_target(data)
                assert new_target is not None
                new = new_target.name
                if cfg.settle is not None:
                    with suppress(subprocess.TimeoutExpired):
                        proc.wait(timeout=cfg.settle)
                    if proc.poll() is None:
                        proc.send_signal(signal.SIGINT)  # wrk stops and reports
            load = finish_wrk(proc, work / "load", cfg.duration)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
            sampler.stop()
        access = server.access()
    allowed = {old, new} if new else {old}
    errors, examples = judge(plan, load, allowed)
    kinds = {}
    for kind in MIX:
        recs = [r for r in load.records if plan[r.index].kind == kind]
        bad, _ = judge(plan, WrkRun(recs, load.seconds, {}), allowed)
        lat = [r.latency_ms for r in recs]
        statuses = Counter(str(r.status) for r in recs)
        kinds[kind] = KindStats(len(recs), bad, _pct(lat, 50), _pct(lat, 99), dict(statuses))
    window = min(RSS_WINDOW, load.seconds / 3)
    margin = RELOAD_RSS_MARGIN_MB if cfg.reload else RSS_MARGIN_MB
    report = Report(
        duration_s=load.seconds,
        workers=cfg.workers,
        capacity_rps=capacity,
        burst_errors=burst_errors,
        target_rps=rate,
        achieved_rps=len(load.records) / load.seconds,
        requests=len(load.records),
        errors=errors,
        error_examples=examples,
        socket_errors=load.socket_errors,
        kinds=kinds,
        memory=memory(sampler.samples, window),
        rss_margin_mb=margin,
        old_version=old,
        new_version=new,
        refresh_seconds=refresh_seconds,
    )
    if errors or burst_errors:
        report.problems.append(f"{errors} errors under load, {burst_errors} in the burst")
    for m in report.memory:
        if m.growth_mb > margin:
            report.problems.append(f"worker {m.pid} RSS grew {m.growth_mb:.1f} MB (> {margin})")
    if len(report.memory) != cfg.workers:
        report.problems.append(f"RSS of {len(report.memory)} workers, expected {cfg.workers}")
    if cfg.reload:
        check_reload(report, plan, load, access)
    return report


def check_reload(
    report: Report, plan: Sequence[Item], load: WrkRun, access: dict[str, tuple[int, int]]
) -> None:
    old, new = report.old_version, report.new_version
    totals, per_worker, went_back, unattributed = versions_by_worker(plan, load, access, old, new)
    report.versions, report.per_worker = totals, per_worker
    report.went_back, report.unattributed = went_back, unattributed
    if old == new:
        report.problems.append(f"the refresh published no new version ({new})")
    if set(totals) - {old, new}:
        report.problems.append(f"versions other than old/new: {sorted(set(totals) - {old, new})}")
    if not totals.get(old) or not totals.get(new):
        report.problems.append(f"expected answers of both versions, got {totals}")
    if went_back:
        report.problems.append(f"{went_back} answers of the old version after the new one")
    if unattributed:
        report.problems.append(f"{unattributed} answers not found in the access log")
    stale = [pid for pid, counts in per_worker.items() if not counts.get(new)]
    if len(per_worker) != report.workers or stale:
        report.problems.append(f"workers that never served the new version: {stale}")


def format_report(r: Report) -> str:
    lines = []
    if r.capacity_rps is not None:
        lines.append(
            f"capacity (unthrottled {BURST_SECONDS} s burst, {BURST_CONNECTIONS} connections): "
            f"{r.capacity_rps:.0f} req/s, {r.burst_errors} errors"
        )
    lines.append(
        f"sustained {r.duration_s:.1f} s, {r.workers} workers: target {r.target_rps:.0f} req/s, "
        f"achieved {r.achieved_rps:.0f} req/s, {r.requests} requests, {r.errors} errors "
        f"(socket: {r.socket_errors})"
    )
    lines.append(
        f"{'kind':<10} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}  statuses"
    )
    for kind, k in r.kinds.items():
        lines.append(
            f"{kind:<10} {k.requests:>9} {k.errors:>7} {k.p50_ms:>8.2f} {k.p99_ms:>8.2f}  "
            + ", ".join(f"{s}: {n}" for s, n in sorted(k.statuses.items()))
        )
    lines.append(f"worker RSS, mean of the first vs the last window (margin {r.rss_margin_mb} MB):")
    for m in r.memory:
        lines.append(
            f"  pid {m.pid}: {m.first_mb:.1f} MB -> {m.last_mb:.1f} MB ({m.growth_mb:+.1f} MB)"
        )
    if r.new_version:
        lines.append(
            f"reload: {r.old_version} -> {r.new_version} (lookup refresh took "
            f"{r.refresh_seconds:.1f} s); answers per version {r.versions}; "
            f"went back {r.went_back}; unattributed {r.unattributed}"
        )
        for pid, counts in sorted(r.per_worker.items()):
            lines.append(f"  worker {pid}: {counts}")
    for e in r.error_examples:
        lines.append(f"  error: {e}")
    lines.append("PASS" if r.passed else "FAIL: " + "; ".join(r.problems))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--duration", type=int, default=60, help="seconds of sustained load")
    parser.add_argument("--rate", type=float, help="requests/s (default: 80 %% of capacity)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reload", action="store_true", help="publish a new version mid-run")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    if wrk is None:
        print("loadtest: wrk not found; run scripts/setup.sh --test", file=sys.stderr)
        return 2
    cfg = Config(duration=args.duration, rate=args.rate, workers=args.workers, reload=args.reload)
    with tempfile.TemporaryDirectory(prefix="loadtest-") as tmp:
        report = run(cfg, Path(tmp), wrk)
    print(format_report(report))
    if args.json:
        body = asdict(report) | {"passed": report.passed}
        args.json.write_text(json.dumps(body, indent=1) + "\n")
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main())
