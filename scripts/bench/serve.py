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

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(v) for v in f.read().split()]
    except OSError:
        return []


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
        return children(self.proc.pid)


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
) -> Iterator[Running]:
    """Run ``lookup serve`` until the block exits (even on error): yields once /readyz
    answers 200 and all ``workers`` exist (with ``stamps``: have run their init hook)."""
    port = free_port()
    serve = ["serve", "--data-dir", str(data_dir), "--port", str(port), "--workers", str(workers)]
    if not preload:
        serve.append("--no-preload")
    env = server_env(log_path.parent)
    if stamps is not None:
        stamps.unlink(missing_ok=True)
        env["BENCH_STAMPS"] = str(stamps)
        cmd = [sys.executable, "-c", _TIMED, *serve]
    else:
        cmd = [sys.executable, "-m", "lookup.cli", *serve]
    with open(log_path, "ab") as log:
        started = time.monotonic()
        proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    running = Running(port, proc, started)
    try:
        deadline = started + READY_TIMEOUT_S
        while not running.ready_s:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail}")
            with suppress(OSError):
                if http_get(port, "/readyz", timeout=2)[0] == 200:
                    running.ready_s = time.monotonic() - started
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn not ready after {READY_TIMEOUT_S:.0f} s")
            time.sleep(READY_POLL_S)
        while True:  # every worker up (and, when stamped, initialised)
            done = len(running.workers()) >= workers
            if stamps is not None:
                running.stamps = _stamps(stamps)
                done &= sum(s["kind"] == "worker_ready" for s in running.stamps) >= workers
            if done:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{workers} gunicorn workers not up after {READY_TIMEOUT_S} s")
            time.sleep(READY_POLL_S)
        yield running
    finally:
        stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (graceful), SIGKILL to its whole session if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):  # its own session: master and workers
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
