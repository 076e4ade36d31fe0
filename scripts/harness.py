"""Starting ``lookup serve`` on 127.0.0.1 for a test, a benchmark, the load test or the
screenshots: one free port, one command line, one launcher that waits for ``/readyz`` (and
for the workers, where a caller measures them), one way to stop it (they all start the
server the way the county runs it); and the headless Chromium that the browser tests and
the screenshots drive against it."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 30.0
# Debian's Chromium, driven by Playwright: no sandbox (root in a container), and nothing
# that would reach beyond the machine by itself (updates, sync, background fetches).
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_status(port: int, path: str, timeout: float = 2.0) -> int:
    """The status of a GET on 127.0.0.1 (no proxies, no session: what a probe does)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def serve_command(
    data_dir: Path | None,
    port: int,
    workers: int = 2,
    args: Sequence[str] = (),
    launcher: Sequence[str] = ("-m", "lookup.cli"),
) -> list[str]:
    """``lookup serve`` as a command line, with this interpreter (the project's venv).
    ``data_dir`` None serves the demo county from the cache; ``launcher`` replaces
    ``-m lookup.cli`` by a ``-c`` program that wraps the same CLI (a benchmark's stamps, the
    load test's access-log fields)."""
    where = ["--data-dir", str(data_dir)] if data_dir is not None else []
    return [
        sys.executable, *launcher, "serve", *where,
        "--port", str(port), "--workers", str(workers), *args,
    ]  # fmt: skip


def start(
    cmd: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The server process, its output appended to ``log``, in its own session so that
    ``stop`` can reach its workers too."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(cmd),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=REPO,
            start_new_session=True,
        )


def wait_ready(
    proc: subprocess.Popen[bytes],
    port: int,
    log: Path,
    timeout: float = READY_TIMEOUT_S,
    *,
    poll: float = 0.1,
    since: float | None = None,
) -> float:
    """Seconds from ``since`` (a ``time.monotonic()`` taken before the spawn; default: now)
    until ``/readyz`` answers 200, polled every ``poll`` s (a benchmark polls often, so
    that its start-up figure is not rounded up). The log's tail in the error if the server
    exits or never gets ready (then it is stopped)."""
    started = time.monotonic() if since is None else since
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail}")
        with suppress(OSError, http.client.HTTPException):
            if http_status(port, "/readyz") == 200:
                return time.monotonic() - started
        time.sleep(poll)
    stop(proc)
    raise RuntimeError(f"server not ready after {timeout:.0f} s: {log.read_text()[-3000:]}")


def workers(pid: int) -> list[int]:
    """The live children of ``pid`` (a gunicorn master's workers), from /proc; a zombie
    (a worker that died and is not reaped yet) is not one."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            children = [int(v) for v in f.read().split()]
    except OSError:
        return []
    return sorted(c for c in children if _state(c) not in ("Z", ""))


def _state(pid: int) -> str:
    """The process state letter from ``/proc/<pid>/stat`` ("" when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat[stat.rfind(")") + 2 :][:1]  # "pid (comm) state ...": comm may hold ")"


def wait_workers(
    proc: subprocess.Popen[bytes],
    count: int,
    timeout: float = READY_TIMEOUT_S,
    *,
    poll: float = 0.1,
    also: Callable[[], bool] = lambda: True,
) -> None:
    """Until the master has ``count`` workers (and ``also()`` holds: a benchmark's own
    sign that each one finished its start-up); stops the server if they never come."""
    deadline = time.monotonic() + timeout
    while not (len(workers(proc.pid)) >= count and also()):
        if time.monotonic() > deadline or proc.poll() is not None:
            stop(proc)
            raise RuntimeError(f"{count} gunicorn workers not up after {timeout:.0f} s")
        time.sleep(poll)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the master (a graceful stop), SIGKILL to its session if it lingers."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)
