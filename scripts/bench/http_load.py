"""HTTP under gunicorn for ``scripts.bench``: five endpoints of one server, in turns.

* (a) ``/healthz`` — the trivial Flask route (``{"ok": true}``), the yardstick;
* (b) ``/api/v1/lookup`` by coordinates (address points that fall in a precinct);
* (c) ``/api/v1/lookup`` by address (exact one-line addresses of the dataset's points);
* (d) ``/api/v1/suggest`` for every prefix of 3+ characters of an address (the pages
  ask from the third character on), ``limit=8`` as the pages do;
* (e) (b) with ``include=schedule``: every site's day-by-day hours, as the 311 console
  asks (no target: the targets are about the default answer the API and widget get).

The load comes from Debian's ``wrk`` (C; installed by the benchmark itself where it may)
with a Lua script cycling through 2,000 varied URLs per endpoint, 8 connections, 2
threads; its own CPU time is measured and reported, so one can see it is not the
bottleneck. Endpoints alternate in short rounds; each round's share of the machine
taken by other processes is measured (``machine.CpuWatch``), and the ratios are
the median of paired rounds, taken over the undisturbed rounds when there are at least
three (extra rounds are run, up to ``MAX_EXTRA_ROUNDS``, while there are not).
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import statistics
import subprocess
import threading
import time
import urllib.parse
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lookup.dataset.model import Dataset
from lookup.geocode.local import AddressIndex
from scripts.bench.machine import (
    CLK_TCK,
    DISTURBED_SHARE,
    CacheSweep,
    CpuShare,
    CpuWatch,
)
from scripts.bench.profiles import Summary, own_table, record_pid, summarise, write_summary
from scripts.bench.report import Report, Row
from scripts.bench.serve import Running, gunicorn, server_env, smaps
from scripts.local_servers import ensure_debian_tool

CONNECTIONS = 8
WRK_THREADS = 2
HTTP_WORKERS = 2
URLS_PER_ENDPOINT = 2000
HTTP_ROUNDS = 5
MAX_EXTRA_ROUNDS = 4
MIN_CLEAN_ROUNDS = 3
SUGGEST_LIMIT = 8  # what the console and the widget ask for
PROFILE_SECONDS = 8.0  # per endpoint (--quick: half)
COLD_CALLS = 400  # in-process requests measured after a cache sweep each
WSGI_ROUNDS = 5


@dataclass(frozen=True)
class Endpoint:
    key: str
    label: str
    paths: list[str]
    ok: frozenset[int]
    profile: str | None = None  # file name under the profiles folder


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int]
    client_cpu_s: float = 0.0  # the load generator's own CPU time
    server_cpu_s: float = 0.0  # gunicorn's (master and workers) CPU time meanwhile
    cpu: CpuShare | None = None
    round_rps: tuple[float, ...] = ()

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def server_us(self) -> float:
        """Server CPU per request: unlike requests/s, barely moved by other processes."""
        return self.server_cpu_s / self.requests * 1e6 if self.requests else float("nan")


# ---- the load ---------------------------------------------------------------------

WRK_SCRIPT = r"""
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end
function init(args)
  paths = {}
  for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
  i = (id - 1) * math.floor(#paths / 2)  -- the two threads start half the list apart
  statuses = {}
end
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local e = summary.errors
  local parts = {}
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do
      parts[#parts + 1] = string.format("\"%d\": %d", code, n)
    end
  end
  io.write(string.format(
    "BENCH {\"requests\": %d, \"us\": %d, \"p50\": %d, \"p99\": %d, \"sock\": %d, "
    .. "\"statuses\": [{%s}]}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, table.concat(parts, "}, {")))
end
"""


def ensure_wrk() -> str | None:
    """Debian's wrk (a C load generator: it leaves the cores to the server under test),
    installed by the benchmark itself where it may; None to use the Python generator."""
    return ensure_debian_tool("wrk", "wrk", "for the HTTP load")


def process_cpu(pids: Sequence[int]) -> float:
    """utime + stime of live processes, in seconds."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rpartition(")")[2].split()
        except OSError:
            continue
        total += (int(rest[11]) + int(rest[12])) / CLK_TCK
    return total


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def wrk_command(wrk: str, port: int, script: Path, seconds: float) -> list[str]:
    return [
        wrk, f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s",
        "-s", str(script), f"http://127.0.0.1:{port}",
    ]  # fmt: skip


def load_wrk(
    wrk: str, port: int, paths: Sequence[str], seconds: float, ok: frozenset[int], tmp: Path
) -> LoadResult:
    """One wrk run over ``paths`` for ``seconds`` (wrk stops itself)."""
    script, listing = tmp / "bench.lua", tmp / f"paths-{os.getpid()}.txt"
    script.write_text(WRK_SCRIPT)
    listing.write_text("\n".join(paths) + "\n")
    watch = CpuWatch().start()
    cpu0 = _children_cpu()
    out = subprocess.run(
        wrk_command(wrk, port, script, seconds),
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        env=dict(os.environ, BENCH_PATHS=str(listing)),
    )
    client = _children_cpu() - cpu0
    share = watch.stop()
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(line.removeprefix("BENCH "))
    statuses: dict[int, int] = {}
    for part in r["statuses"]:
        for code, n in part.items():
            statuses[int(code)] = statuses.get(int(code), 0) + n
    bad = r["sock"] + sum(n for code, n in statuses.items() if code not in ok)
    return LoadResult(
        requests=r["requests"],
        seconds=r["us"] / 1e6,
        errors=bad,
        p50_ms=r["p50"] / 1e3,
        p99_ms=r["p99"] / 1e3,
        statuses=dict(sorted(statuses.items())),
        client_cpu_s=client,
        cpu=share,
    )


def load_python(port: int, paths: Sequence[str], seconds: float, ok: frozenset[int]) -> LoadResult:
    """Fallback without wrk: ``CONNECTIONS`` threads of ``http.client`` (slower: it takes
    CPU from the server, so its figures are lower bounds)."""
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    statuses: list[dict[int, int]] = [{} for _ in range(CONNECTIONS)]
    watch = CpuWatch().start()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    deadline = start + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        i = k
        try:
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += CONNECTIONS
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                except (OSError, http.client.HTTPException):
                    status = 0  # connection error: counted as an error
                    conn.close()
                latencies[k].append(time.perf_counter() - t0)
                statuses[k][status] = statuses[k].get(status, 0) + 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.perf_counter()) + 20)
    elapsed = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    lat = np.array([x for per in latencies for x in per]) * 1e3
    merged: dict[int, int] = {}
    for st in statuses:
        for s, c in st.items():
            merged[s] = merged.get(s, 0) + c
    return LoadResult(
        requests=len(lat),
        seconds=elapsed,
        errors=sum(c for s, c in merged.items() if s not in ok),
        p50_ms=float(np.percentile(lat, 50)) if len(lat) else float("nan"),
        p99_ms=float(np.percentile(lat, 99)) if len(lat) else float("nan"),
        statuses=dict(sorted(merged.items())),
        client_cpu_s=(cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        cpu=watch.stop(),
    )


@dataclass
class Loader:
    """wrk where available, else the Python generator."""

    tmp: Path
    wrk: str | None = field(default_factory=ensure_wrk)

    def run(
        self,
        port: int,
        paths: Sequence[str],
        seconds: float,
        ok: frozenset[int],
        server_pids: Sequence[int] = (),
    ) -> LoadResult:
        before = process_cpu(server_pids)
        if self.wrk:
            r = load_wrk(self.wrk, port, paths, seconds, ok, self.tmp)
        else:
            r = load_python(port, paths, seconds, ok)
        r.server_cpu_s = process_cpu(server_pids) - before
        return r

    def background(self, port: int, paths: Sequence[str], seconds: float) -> subprocess.Popen[str]:
        """wrk running for ``seconds`` while something else (py-spy) watches the server."""
        assert self.wrk
        script, listing = self.tmp / "bench.lua", self.tmp / f"paths-bg-{os.getpid()}.txt"
        script.write_text(WRK_SCRIPT)
        listing.write_text("\n".join(paths) + "\n")
        return subprocess.Popen(
            wrk_command(self.wrk, port, script, seconds),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=dict(os.environ, BENCH_PATHS=str(listing)),
        )

    def describe(self) -> str:
        if self.wrk:
            return f"wrk ({WRK_THREADS} threads, {CONNECTIONS} connections, Lua URL rotation)"
        return f"{CONNECTIONS} Python client threads (wrk not available)"


# ---- what to ask ------------------------------------------------------------------


def address_sample(
    folder: Path, n: int, rng: np.random.Generator
) -> list[tuple[str, float, float]]:
    """``n`` one-line addresses of buildings (rows without a unit) of a published
    version's address points, as a caller says them (street line, town, NC, ZIP), with
    their coordinates."""
    if not (folder / "addresses").is_dir():
        return []
    index = AddressIndex.load(folder / "addresses")
    out = []
    for i in rng.permutation(index.size).tolist():
        p = index.point(i)
        if p.unit:
            continue
        town = (p.municipality or p.city).title()
        parts = [p.line, town, f"NC {p.zip}".strip()]
        out.append((", ".join(x for x in parts if x), p.lon, p.lat))
        if len(out) == n:
            break
    return out


@dataclass(frozen=True)
class Workload:
    """The URLs of endpoints (b), (c), (d) for one dataset, and what they ask."""

    coords: list[str]
    address: list[str]
    suggest: list[str]
    points: list[tuple[float, float]]  # the coordinates of (b)
    texts: list[str]  # the addresses of (c)


def build_workload(
    folder: Path, ds: Dataset, rng: np.random.Generator, day: str | None, n: int = URLS_PER_ENDPOINT
) -> Workload:
    """Varied URLs from the dataset's own address points (``day``: ``date=`` for the
    look-ups, so that an election is active and the whole answer is built)."""
    # A county's address points all lie in its precincts; the synthetic table's are
    # scattered over Mecklenburg's bounding box, so those outside are left out.
    sample = [
        (text, x, y)
        for text, x, y in address_sample(folder, 3 * n, rng)
        if ds.index.locate(x, y) is not None
    ][:n]
    suffix = f"&date={day}" if day else ""
    points = [(x, y) for _text, x, y in sample]
    if not points:  # no address points (the statewide map): points in precincts
        minx, miny, maxx, maxy = ds.bbox
        xs, ys = rng.uniform(minx, maxx, 20 * n), rng.uniform(miny, maxy, 20 * n)
        inside = [ds.index.locate(x, y) is not None for x, y in zip(xs, ys, strict=True)]
        points = list(zip(xs[inside][:n].tolist(), ys[inside][:n].tolist(), strict=True))
    texts = [text for text, _x, _y in sample]
    suggest: list[str] = []
    for text in texts:
        typed = text.split(",")[0].lower()
        for k in range(3, len(typed) + 1):
            q = urllib.parse.urlencode({"q": typed[:k], "limit": SUGGEST_LIMIT})
            suggest.append(f"/api/v1/suggest?{q}")
        if len(suggest) >= n:
            break
    return Workload(
        coords=[f"/api/v1/lookup?lat={y:.6f}&lon={x:.6f}{suffix}" for x, y in points],
        address=[
            "/api/v1/lookup?" + urllib.parse.urlencode({"address": t}) + suffix for t in texts
        ],
        suggest=suggest[:n],
        points=points,
        texts=texts,
    )


def mixed_paths(w: Workload) -> list[str]:
    """Every kind of request interleaved (warming a worker up before reading its memory)."""
    kinds = [p for p in (w.coords, w.address, w.suggest) if p]
    return [
        k[i] for i in range(max((len(k) for k in kinds), default=0)) for k in kinds if i < len(k)
    ]


# ---- rounds and ratios ------------------------------------------------------------


def quiet_rounds(rounds: dict[str, list[LoadResult]]) -> list[bool]:
    """Per round: no endpoint's run was disturbed by other processes."""
    n = min(len(v) for v in rounds.values())

    def quiet(r: LoadResult) -> bool:
        return r.cpu is None or not r.cpu.disturbed

    return [all(quiet(v[i]) for v in rounds.values()) for i in range(n)]


def rounds_used(clean: list[bool]) -> list[bool]:
    return clean if sum(clean) >= MIN_CLEAN_ROUNDS else [True] * len(clean)


def merge(runs: list[LoadResult], use: list[bool]) -> LoadResult:
    """Requests over time of the rounds used; latencies the median of theirs; errors and
    statuses of every round."""
    chosen = [r for r, u in zip(runs, use, strict=True) if u]
    statuses: dict[int, int] = {}
    for r in runs:
        for s, c in r.statuses.items():
            statuses[s] = statuses.get(s, 0) + c
    shares = [r.cpu for r in chosen if r.cpu]
    return LoadResult(
        requests=sum(r.requests for r in chosen),
        seconds=sum(r.seconds for r in chosen),
        errors=sum(r.errors for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in chosen),
        p99_ms=statistics.median(r.p99_ms for r in chosen),
        statuses=dict(sorted(statuses.items())),
        client_cpu_s=sum(r.client_cpu_s for r in chosen),
        server_cpu_s=sum(r.server_cpu_s for r in chosen),
        cpu=CpuShare(
            seconds=sum(s.seconds for s in shares),
            busy=statistics.fmean(s.busy for s in shares),
            ours=statistics.fmean(s.ours for s in shares),
            foreign=statistics.fmean(s.foreign for s in shares),
        )
        if shares
        else None,
        round_rps=tuple(r.rps for r in runs),
    )


def paired_ratio(
    x: list[LoadResult], base: list[LoadResult], use: list[bool]
) -> tuple[float, float, float]:
    """Median, min and max of the per-round ratios x/base over the rounds used. Rounds
    next to each other in time share the machine's noise, so their ratio is steadier
    than a ratio of totals."""
    ratios = [a.rps / b.rps for a, b, u in zip(x, base, use, strict=True) if u and b.rps]
    ratios = ratios or [0.0]
    return statistics.median(ratios), min(ratios), max(ratios)


@dataclass
class HttpResult:
    label: str
    results: dict[str, LoadResult]
    ratios: dict[str, tuple[float, float, float]]  # vs (a), per endpoint
    rounds: int
    clean_rounds: int
    memory: dict[str, Any]
    floor_ratios: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    @property
    def disturbed(self) -> bool:
        return self.clean_rounds < MIN_CLEAN_ROUNDS

    def ratio_detail(self, key: str, *, to_floor: bool = False) -> str:
        med, lo, hi = (self.floor_ratios if to_floor else self.ratios)[key]
        used = self.rounds if self.disturbed else self.clean_rounds
        flag = "; DISTURBED: too few rounds free of other processes" if self.disturbed else ""
        return f"{med:.2f}x (median of {used} paired rounds, {lo:.2f}-{hi:.2f}{flag})"


def worker_memory(pid: int, workers: list[int]) -> dict[str, Any]:
    """smaps_rollup of the master and each worker, MB."""
    out: dict[str, Any] = {"master": smaps(pid), "workers": {}}
    for w in workers:
        try:
            out["workers"][w] = smaps(w)
        except OSError:
            continue
    return out


def memory_note(mem: dict[str, Any]) -> tuple[float, str]:
    """The largest worker RSS, and a note with every worker's RSS/PSS/USS and the master's."""
    workers = list(mem["workers"].values())
    if not workers:
        return float("nan"), "no worker found"
    per = ", ".join(f"{m['Rss']:.0f}/{m['Pss']:.0f}/{m['Uss']:.0f}" for m in workers)
    m = mem["master"]
    return max(w["Rss"] for w in workers), (
        f"workers RSS/PSS/USS MB {per}; master {m['Rss']:.0f}/{m['Pss']:.0f}/{m['Uss']:.0f}"
    )


def endpoints(work: Workload) -> list[Endpoint]:
    """The five endpoints of the module's docstring, asked with ``work``'s URLs."""
    return [
        Endpoint("a", "/healthz", ["/healthz"], frozenset({200}), "http_healthz"),
        Endpoint("b", "/api/v1/lookup by coordinates", work.coords, frozenset({200}),
                 "http_lookup_coordinates"),
        Endpoint("c", "/api/v1/lookup by address", work.address, frozenset({200, 422}),
                 "http_lookup_address"),
        Endpoint("d", "/api/v1/suggest", work.suggest, frozenset({200}), "http_suggest"),
        # What the 311 console asks: the same look-ups with every site's day-by-day hours.
        Endpoint("e", "/api/v1/lookup by coordinates, include=schedule",
                 [f"{p}&include=schedule" for p in work.coords], frozenset({200})),
    ]  # fmt: skip


def bench_http(
    label: str,
    data_dir: Path,
    work: Workload,
    seconds: float,
    warmup: float,
    tmp: Path,
    report: Report,
    *,
    py_spy: str | None = None,
    profiles: Path | None = None,
    profile_seconds: float = PROFILE_SECONDS,
    asked: Sequence[Endpoint] | None = None,
    floor: str | None = None,
    serving: AbstractContextManager[Running] | None = None,
) -> HttpResult:
    """The endpoints (``asked``, by default the five) in alternating rounds on one
    ``lookup serve`` (2 workers, preloaded, as it runs by default); then, with
    ``profiles``, a py-spy profile of the workers under each endpoint's load.

    ``floor``, the key of one of ``asked``, is a second yardstick: every other endpoint
    but (a) is also compared with it round by round (the statewide rows' "floor with its
    ranked sites", a route that only ``serving``, a ``lookup serve`` that adds it, has)."""
    eps = list(asked) if asked is not None else endpoints(work)
    loader = Loader(tmp)
    log_path = tmp / f"gunicorn-{label}.log"
    with serving or gunicorn(data_dir, log_path, workers=HTTP_WORKERS) as server:
        print(f"  (gunicorn ready on 127.0.0.1:{server.port} in {server.ready_s:.2f} s)")
        for ep in eps:
            loader.run(server.port, ep.paths, warmup, ep.ok)  # warm-up, not counted
        rounds: dict[str, list[LoadResult]] = {ep.key: [] for ep in eps}
        per_round = seconds / HTTP_ROUNDS

        pids = [server.pid, *server.workers()]

        def one_round() -> None:
            for ep in eps:
                r = loader.run(server.port, ep.paths, per_round, ep.ok, pids)
                rounds[ep.key].append(r)

        for _ in range(HTTP_ROUNDS):
            one_round()
        # Other engineers share these 2 cores: rounds they disturbed are run again.
        extra = 0
        while sum(quiet_rounds(rounds)) < MIN_CLEAN_ROUNDS and extra < MAX_EXTRA_ROUNDS:
            one_round()
            extra += 1
        mem = worker_memory(server.pid, server.workers())
        if profiles is not None and py_spy and loader.wrk:
            baseline: tuple[str, Summary, float] | None = None
            for ep in (e for e in eps if e.profile):  # (a) first: the baseline
                got = _profile_endpoint(
                    ep, label, server, loader, py_spy, tmp, profiles, baseline, profile_seconds
                )
                if ep.key == "a" and got is not None:
                    baseline = (ep.label, *got)

    clean = quiet_rounds(rounds)
    use = rounds_used(clean)
    results = {k: merge(v, use) for k, v in rounds.items()}
    ratios = {k: paired_ratio(rounds[k], rounds["a"], use) for k in rounds if k != "a"}
    to_floor = {
        k: paired_ratio(rounds[k], rounds[floor], use)
        for k in rounds
        if floor is not None and k not in ("a", floor)
    }
    out = HttpResult(label, results, ratios, len(clean), sum(clean), mem, to_floor)
    floor_label = next((ep.label for ep in eps if ep.key == floor), "")
    for ep in eps:
        r = results[ep.key]
        vs = "" if ep.key == "a" else f"{out.ratio_detail(ep.key)} /healthz; "
        if ep.key in to_floor:
            vs += f"{out.ratio_detail(ep.key, to_floor=True)} the {floor_label}; "
        accepted = "/".join(str(s) for s in sorted(ep.ok))
        client = r.client_cpu_s / r.seconds if r.seconds else 0.0
        foreign = f"; other processes {r.cpu.foreign:.0%} of the machine" if r.cpu else ""
        cpu_ratio = results["a"].server_us / r.server_us if ep.key != "a" else 1.0
        by_cpu = "" if ep.key == "a" else f" ({cpu_ratio:.2f}x /healthz's)"
        report.add(
            Row(
                f"HTTP ({ep.key}) {ep.label}, {label}",
                r.rps,
                "req/s",
                f"{vs}p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, errors {r.errors} "
                f"(non-{accepted}) of {r.requests:,}; server CPU {r.server_us:.0f} us/request"
                f"{by_cpu}; load generator {client:.0%} of one core{foreign}",
                asdict(r) | {"rps": r.rps, "server_us": r.server_us, "ratio": ratios.get(ep.key)},
            )
        )
        if r.errors:
            report.failures.append(
                f"HTTP {ep.label}, {label}: {r.errors} errors, statuses {r.statuses}"
            )
    rss, note = memory_note(mem)
    report.add(
        Row(
            f"HTTP worker RSS after the load, {label}",
            rss,
            "MB",
            f"{note} (preloaded; after {sum(r.requests for r in results.values()):,}+ requests)",
            mem,
        )
    )
    report.footnotes.append(
        f"HTTP ({label}): {loader.describe()} on the same {os.cpu_count()} cores as the "
        f"{HTTP_WORKERS} gunicorn sync workers; {out.clean_rounds} of {out.rounds} rounds "
        "free of other processes (over "
        f"{DISTURBED_SHARE:.0%} of the machine taken by them marks a round disturbed)."
    )
    if "c" in results and results["c"].statuses:
        report.footnotes.append(
            f"HTTP (c) statuses: {results['c'].statuses} (422: the address did not resolve "
            "to one point)"
        )
    return out


def _profile_endpoint(
    ep: Endpoint,
    label: str,
    server: Running,
    loader: Loader,
    py_spy: str,
    tmp: Path,
    profiles: Path,
    baseline: tuple[str, Summary, float] | None,
    seconds: float,
) -> tuple[Summary, float] | None:
    """py-spy on the master and its workers while wrk loads one endpoint; its summary and
    sampled µs per request."""
    assert ep.profile
    wrk_seconds = seconds + 3
    bg = loader.background(server.port, ep.paths, wrk_seconds)
    pids = [server.pid, *server.workers()]
    try:
        time.sleep(1.0)
        watch = CpuWatch().start()
        cpu0, t0 = process_cpu(pids), time.perf_counter()
        raw = record_pid(py_spy, server.pid, seconds, tmp / f"{ep.profile}.raw")
        cpu, wall = process_cpu(pids) - cpu0, time.perf_counter() - t0
        share = watch.stop()
    finally:
        out, _ = bg.communicate(timeout=wrk_seconds + 60)
    if raw is None:
        print(f"  (py-spy could not profile {ep.label})")
        return None
    s = summarise(raw)
    # The server's CPU time while py-spy sampled (from /proc: samples would also count
    # time spent runnable but waiting for a core) over the requests answered meanwhile
    # (wrk's rate over its whole run): the CPU cost of one request, shared out by samples.
    line = next((x for x in out.splitlines() if x.startswith("BENCH ")), None)
    per_request = None
    if line and s.samples:
        r = json.loads(line.removeprefix("BENCH "))
        answered = r["requests"] / (r["us"] / 1e6) * wall
        per_request = cpu / answered * 1e6 if answered else None
    how = [
        f"GET {ep.label} under wrk ({CONNECTIONS} connections, {len(ep.paths):,} URL(s)), "
        f"lookup serve with {HTTP_WORKERS} gunicorn sync workers (preloaded), dataset {label}.",
        f"py-spy record --subprocesses --nonblocking --rate 250 --nolineno for "
        f"{seconds:.0f} s on the master and its workers; idle samples (a worker "
        "waiting in accept) are not recorded, so shares are of the time spent running.",
        f"Machine meanwhile: {share.describe()}.",
    ]
    if per_request:
        how.append(
            "us/req: gunicorn's CPU time meanwhile (/proc) per request answered (wrk's "
            "rate), shared out by the samples: approximate, for comparing endpoints."
        )
    title = f"Profile: HTTP {ep.label}"
    write_summary(profiles / f"{ep.profile}.txt", title, how, s, per_request, baseline)
    print(f"  profile {ep.profile} ({s.samples:,} samples), top functions by own time:")
    for line in own_table(s, 8):
        print(f"    {line}")
    return (s, per_request) if per_request else None


def bench_wsgi(
    label: str, data_dir: Path, work: Workload, tmp: Path, report: Report, n: int = 2000
) -> dict[str, float]:
    """Each endpoint inside the Flask app alone, called as WSGI in this process: no
    gunicorn, no socket. CPU µs per request of the calling thread (``time.thread_time``:
    other processes barely move it, and the insight writer's one-time start in its own
    thread, SQLAlchemy's import, is not counted as the requests'); the server's CPU per
    request minus this is gunicorn's and the kernel's share. The request log goes to
    /dev/null; the metrics use the process's own registry (gunicorn's workers share files
    instead)."""
    import gc

    from scripts.bench.cache_probe import answer, environ, in_process_app, warm_up

    app = in_process_app(server_env(tmp), data_dir)
    sweep = CacheSweep()
    cold_calls = min(n, COLD_CALLS)
    kinds = {"/healthz": ["/healthz"], "lookup by coordinates": work.coords,
             "lookup by address": work.address, "suggest": work.suggest}  # fmt: skip
    environs = {
        name: [environ(p) for p in (paths * (n // len(paths) + 1))[:n]]
        for name, paths in kinds.items()
    }
    # Warm-up: one pass over every URL, as a long-lived worker would have seen them
    # (each precinct's shrunk outlines for the verify test are built on its first
    # visit, ~1.5-3.5 ms once per precinct and worker: not a per-request cost).
    warm_up(app, [e for es in environs.values() for e in es])
    # The endpoints take turns in short rounds: this machine's speed drifts within
    # minutes, and a difference between endpoints is the figure wanted.
    warm_s = dict.fromkeys(kinds, 0.0)
    cold_s = dict.fromkeys(kinds, 0.0)
    for r in range(WSGI_ROUNDS):
        for name, es in environs.items():
            t0 = time.thread_time()
            for e in es[r::WSGI_ROUNDS]:
                answer(app, e)
            warm_s[name] += time.thread_time() - t0
            cold_s[name] += sweep.cold_seconds(
                lambda e: answer(app, e), es[:cold_calls][r::WSGI_ROUNDS]
            )
    out = {name: warm_s[name] / n * 1e6 for name in kinds}
    cold = {name: cold_s[name] / cold_calls * 1e6 for name in kinds}
    gc.unfreeze()
    for name, us in out.items():
        note = "Flask app called as WSGI in process (no gunicorn, no socket), thread CPU time, warm"
        cold_note = (
            f"the same, each request after a {sweep.bytes / 1024**2:.0f} MB cache sweep (as a "
            "gunicorn worker finds its caches between requests)"
        )
        if name != "/healthz":
            note += f"; {us - out['/healthz']:.0f} us more than /healthz"
            cold_note += f"; {cold[name] - cold['/healthz']:.0f} us more than /healthz"
        report.add(Row(f"WSGI in process, {name}, {label}", us, "us/request", note))
        report.add(
            Row(
                f"WSGI in process, cold caches, {name}, {label}",
                cold[name],
                "us/request",
                cold_note,
            )
        )
    return out
