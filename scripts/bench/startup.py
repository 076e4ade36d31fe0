"""Start-up time and memory per worker of ``lookup serve``, with and without ``--preload``.

For each dataset and mode, ``runs`` fresh servers (2 workers), each through
``serve``'s stamping launcher:

* spawn -> the first ``/readyz`` 200 (what an orchestrator waits for), and -> the last
  worker initialised; split into interpreter start, the master's imports and gunicorn
  set-up, ``Server.load`` (the app and the dataset; in the master when preloaded, in
  each worker with ``--no-preload``) and each worker's own initialisation (fork ->
  ``post_worker_init``: the worker's own load time);
* memory of each worker from ``/proc/<pid>/smaps_rollup`` right after start-up and after
  a short warm-up load of every kind of request: RSS (resident, shared pages counted in
  full), PSS (shared pages divided among the processes sharing them: the real cost per
  worker) and USS (private pages only).

With ``--profiles``, the preloaded start of a county and of the statewide map is sampled
with py-spy, and the master's imports are timed with ``python -X importtime``.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import time
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.bench.http_load import Loader, memory_note, worker_memory
from scripts.bench.profiles import own_table, summarise, write_summary
from scripts.bench.report import Report, Row
from scripts.bench.serve import gunicorn, server_env
from scripts.harness import free_port, serve_command, start, wait_ready

WORKERS = 2
WARM_SECONDS = 2.0
ANY_STATUS = frozenset(range(100, 600))  # warm-up only: every answer counts
PROFILE_READY_S = 120.0  # under py-spy or -X importtime, start-up is slower
TIMES = ("ready_s", "all_ready_s", "python_s", "master_s", "load_s", "worker_init_s")


@dataclass
class StartRun:
    ready_s: float  # spawn -> first /readyz 200
    all_ready_s: float  # spawn -> the last worker's post_worker_init
    python_s: float  # spawn -> the launcher's first line (interpreter start)
    master_s: float  # interpreter up -> Server.load (preload) or the first fork
    load_s: float  # Server.load: app + dataset (master, or median over workers)
    worker_init_s: float  # median over workers: fork -> post_worker_init
    idle: dict[str, Any]
    warm: dict[str, Any]


def _run_once(
    data_dir: Path, preload: bool, warm_paths: list[str], loader: Loader, tmp: Path
) -> StartRun:
    stamps = tmp / "stamps.jsonl"
    with gunicorn(
        data_dir, tmp / "startup.log", workers=WORKERS, preload=preload, stamps=stamps
    ) as server:
        idle = worker_memory(server.pid, server.workers())
        if warm_paths:
            loader.run(server.port, warm_paths, WARM_SECONDS, ANY_STATUS)
        warm = worker_memory(server.pid, server.workers())
        st, t0 = server.stamps, server.started
    master = server.pid

    def at(kind: str, pid: int | None = None) -> list[float]:
        return [s["t"] for s in st if s["kind"] == kind and (pid is None or s["pid"] == pid)]

    python = at("python", master)[0]
    forks = {s["pid"]: s["t"] for s in st if s["kind"] == "fork"}
    ready = {s["pid"]: s["t"] for s in st if s["kind"] == "worker_ready"}
    starts = {s["pid"]: s["t"] for s in st if s["kind"] == "load_start"}
    ends = {s["pid"]: s["t"] for s in st if s["kind"] == "load_end"}
    loads = [ends[p] - starts[p] for p in starts if p in ends]
    master_end = starts[master] if preload and master in starts else min(forks.values())
    return StartRun(
        ready_s=server.ready_s,
        all_ready_s=max(ready.values()) - t0,
        python_s=python - t0,
        master_s=master_end - python,
        load_s=statistics.median(loads) if loads else float("nan"),
        worker_init_s=statistics.median(ready[p] - forks[p] for p in ready if p in forks),
        idle=idle,
        warm=warm,
    )


@dataclass
class StartSummary:
    label: str
    preload: bool
    runs: list[StartRun]

    def med(self, name: str) -> float:
        return statistics.median(getattr(r, name) for r in self.runs)

    @property
    def max_worker_rss(self) -> float:
        """The largest worker RSS after the warm-up, over all runs (MB)."""
        return max(max(w["Rss"] for w in r.warm["workers"].values()) for r in self.runs)

    @property
    def mode(self) -> str:
        return "preload" if self.preload else "no-preload"


def bench_startup(
    datasets: list[tuple[str, Path, list[str]]],
    runs: int,
    tmp: Path,
    report: Report,
) -> dict[tuple[str, bool], StartSummary]:
    """Every (dataset, mode) ``runs`` times; one row of times and one of memory each."""
    loader = Loader(tmp)
    out: dict[tuple[str, bool], StartSummary] = {}
    for label, data_dir, warm_paths in datasets:
        for preload in (True, False):
            try:
                started = [
                    _run_once(data_dir, preload, warm_paths, loader, tmp) for _ in range(runs)
                ]
            except (RuntimeError, OSError) as exc:  # a server that does not start: say so, go on
                report.failures.append(f"start-up, {label}, preload={preload}: {exc}")
                continue
            s = StartSummary(label, preload, started)
            out[label, preload] = s
            where = "in the master" if preload else "in each worker"
            report.add(
                Row(
                    f"start-up to /readyz, {label}, {s.mode}",
                    s.med("ready_s"),
                    "s",
                    f"all {WORKERS} workers ready {s.med('all_ready_s'):.3f} s; python start "
                    f"{s.med('python_s'):.3f} s, master imports + gunicorn set-up "
                    f"{s.med('master_s'):.3f} s, app + dataset load {where} "
                    f"{s.med('load_s'):.3f} s, worker's own init (fork -> ready) "
                    f"{s.med('worker_init_s'):.3f} s; median of {runs}",
                    {k: s.med(k) for k in TIMES},
                )
            )
            last = s.runs[-1]
            rss, note = memory_note(last.warm)
            idle_rss = max((w["Rss"] for w in last.idle["workers"].values()), default=0.0)
            report.add(
                Row(
                    f"worker memory, {label}, {s.mode}",
                    s.max_worker_rss,
                    "MB",
                    f"largest worker RSS over {runs} run(s), after {WARM_SECONDS:g} s of mixed "
                    f"requests; last run {note}; right after start-up RSS {idle_rss:.0f}",
                    {"warm": last.warm, "idle": last.idle, "last_rss": rss},
                )
            )
    return out


# ---- profiles of the start-up -----------------------------------------------------


def profile_startup(
    py_spy: str, label: str, data_dir: Path, tmp: Path, profiles: Path, name: str
) -> None:
    """py-spy over a preloaded ``lookup serve`` from spawn until /readyz answers, plus the
    master's imports by package (``-X importtime``)."""
    port = free_port()
    raw = tmp / f"{name}.raw"
    serve = serve_command(data_dir, port, WORKERS)
    env = server_env(tmp)
    cmd = [py_spy, "record", "--subprocesses", "--nonblocking", "--rate", "1000",
           "--format", "raw", "--nolineno", "--output", str(raw), "--", *serve]  # fmt: skip
    t0 = time.monotonic()
    proc = start(cmd, tmp / f"{name}.log", env)
    ready = _wait_ready(proc, port, tmp / f"{name}.log", t0)
    time.sleep(0.3)  # the second worker's init
    proc.send_signal(signal.SIGINT)  # py-spy writes the profile; the server keeps running
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    _kill_group(proc)
    imports = _import_times(serve, env, port, tmp / f"{name}.importtime")
    if not raw.exists():
        print(f"  (py-spy could not profile the start-up of {label})")
        return
    s = summarise(raw)
    how = [
        f"lookup serve --workers {WORKERS} (preloaded) on dataset {label}, from spawn until "
        f"/readyz answered ({ready:.2f} s under the profiler) plus 0.3 s.",
        "py-spy record --subprocesses --nonblocking --rate 1000 --nolineno; shares are of "
        "the samples of the master and its workers.",
    ]
    text = write_summary(profiles / f"{name}.txt", f"Profile: start-up, {label}", how, s)
    if imports:
        total, by_package, top = imports
        extra = [
            "",
            f"imports of the master (python -X importtime, same command): {total:.3f} s in all",
            "self time by top-level package",
            *(f"{sec:7.3f} s  {pkg}" for pkg, sec in by_package),
            "largest cumulative imports",
            *(f"{sec:7.3f} s  {mod}" for mod, sec in top),
        ]
        text += "\n".join(extra) + "\n"
        (profiles / f"{name}.txt").write_text(text)
    print(f"  profile {name} ({s.samples:,} samples), top functions by own time:")
    for line in own_table(s, 8):
        print(f"    {line}")


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path, t0: float) -> float:
    """Seconds from ``t0`` to the first /readyz 200; NaN when the server exits or never
    gets there (a profile is still worth writing: it shows where the start-up went)."""
    try:
        return wait_ready(proc, port, log, PROFILE_READY_S, poll=0.01, since=t0)
    except RuntimeError:
        return float("nan")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """End the session the profiled server runs in (it was started in its own), and
    reap our child (a zombie would still count as a member of the group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            proc.poll()
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


_IMPORT = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _import_times(
    serve: list[str], env: dict[str, str], port: int, log: Path
) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]] | None:
    """Self import time by top-level package and the largest cumulative imports of the
    master of ``serve`` run with ``-X importtime`` until ready (the workers are forked
    after the imports, so the lines are the master's)."""
    cmd = [serve[0], "-X", "importtime", *serve[1:]]
    proc = start(cmd, log, env)  # the import times go to stderr, into the log
    try:
        _wait_ready(proc, port, log, time.monotonic())
    finally:
        _kill_group(proc)
    err = log.read_text(errors="replace")
    own: Counter[str] = Counter()
    top: list[tuple[str, float]] = []
    for m in _IMPORT.finditer(err):
        self_us, cum_us, indent, module = int(m[1]), int(m[2]), len(m[3]), m[4]
        own[module.split(".")[0]] += self_us
        if indent <= 2:  # imported by the program or one level down: the big names
            top.append((module, cum_us / 1e6))
    if not own:
        return None
    top.sort(key=lambda t: -t[1])
    by_package = [(p, us / 1e6) for p, us in own.most_common(15)]
    return sum(own.values()) / 1e6, by_package, top[:15]
