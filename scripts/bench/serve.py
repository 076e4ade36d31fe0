"""``lookup serve`` under the benchmark: start, wait until ready, find the workers, read
their memory, stop.

Every server is ``python -m lookup.cli serve`` on a free 127.0.0.1 port with
``LOOKUP_RATE_LIMIT_EXEMPT=127.0.0.0/8`` (the load comes from 127.0.0.1 and would
otherwise be refused after 60 look-ups a minute) and its insights database in the
temporary folder (``server_env``). With ``stamps`` the same command runs
under ``_TIMED``, a launcher that adds gunicorn's ``post_fork`` and ``post_worker_init``
hooks and wraps ``lookup.serving.Server.load``; each writes a ``time.monotonic()`` stamp
(CLOCK_MONOTONIC: one clock for every process on Linux) so start-up splits into
interpreter start, the master's imports and set-up, the app and dataset load, and each
worker's own initialisation. The launcher changes nothing else in ``lookup serve``.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scripts import harness


def server_env(tmp: Path) -> dict[str, str]:
    """The environment of every server: the load comes from 127.0.0.1 (exempt from the
    rate limits), and the insights counters (on by default) go to a database in the
    benchmark's temporary folder, not the user's cache."""
    return dict(
        os.environ,
        LOOKUP_RATE_LIMIT_EXEMPT="127.0.0.0/8",
        LOOKUP_CACHE_DIR=str(tmp / "lookup-cache"),
        LOOKUP_INSIGHTS_DB=str(tmp / "insights.sqlite3"),
    )


READY_POLL_S = 0.005  # short, so the start-up figure is not rounded up by the poll
READY_TIMEOUT_S = 90.0

_TIMED = """
import json, os, sys, time
_OUT = os.environ["BENCH_STAMPS"]
def stamp(kind):
    with open(_OUT, "a") as f:
        f.write(json.dumps({"kind": kind, "pid": os.getpid(), "t": time.monotonic()}) + "\\n")
stamp("python")
from lookup import serving
_config, _load = serving.Server.load_config, serving.Server.load
def load_config(self):
    _config(self)
    self.cfg.set("post_fork", lambda server, worker: stamp("fork"))
    self.cfg.set("post_worker_init", lambda worker: stamp("worker_ready"))
def load(self):
    stamp("load_start")
    try:
        return _load(self)
    finally:
        stamp("load_end")
serving.Server.load_config, serving.Server.load = load_config, load
from lookup.cli import main
sys.exit(main(sys.argv[1:]))
"""


def smaps(pid: int) -> dict[str, float]:
    """``/proc/<pid>/smaps_rollup`` in MB: Rss, Pss, Private_* (USS), Pss_Anon, Pss_File..."""
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1]) / 1024
    out["Uss"] = out.get("Private_Clean", 0.0) + out.get("Private_Dirty", 0.0)
    return out


@dataclass
class Running:
    """A started server: its port, master process, and when it was started and ready."""

    port: int
    proc: subprocess.Popen[bytes]
    started: float  # time.monotonic() just before the master was spawned
    ready_s: float = 0.0  # spawn -> first /readyz 200
    stamps: list[dict[str, float]] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def workers(self) -> list[int]:
        return harness.workers(self.proc.pid)


def _stamps(path: Path | None) -> list[dict[str, float]]:
    if path is None or not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@contextmanager
def gunicorn(
    data_dir: Path,
    log_path: Path,
    *,
    workers: int = 2,
    preload: bool = True,
    stamps: Path | None = None,
    launcher: tuple[str, ...] = ("-m", "lookup.cli"),
) -> Iterator[Running]:
    """Run ``lookup serve`` until the block exits (even on error): yields once /readyz
    answers 200 and all ``workers`` exist (with ``stamps``: have run their init hook).
    ``launcher``: what runs the ``serve`` command line (a script adding a route)."""
    port = harness.free_port()
    env = server_env(log_path.parent)
    if stamps is not None:
        stamps.unlink(missing_ok=True)
        env["BENCH_STAMPS"] = str(stamps)
        launcher = ("-c", _TIMED)
    args = () if preload else ("--no-preload",)
    cmd = harness.serve_command(data_dir, port, workers, args, launcher)
    started = time.monotonic()
    proc = harness.start(cmd, log_path, env)
    running = Running(port, proc, started)
    try:
        running.ready_s = harness.wait_ready(
            proc, port, log_path, READY_TIMEOUT_S, poll=READY_POLL_S, since=started
        )

        def initialised() -> bool:  # with stamps, each worker's post_worker_init ran
            if stamps is None:
                return True
            running.stamps = _stamps(stamps)
            return sum(s["kind"] == "worker_ready" for s in running.stamps) >= workers

        harness.wait_workers(proc, workers, READY_TIMEOUT_S, poll=READY_POLL_S, also=initialised)
        yield running
    finally:
        harness.stop(proc)
