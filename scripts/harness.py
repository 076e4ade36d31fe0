"""Starting ``lookup serve`` on 127.0.0.1 for a test, a benchmark or a load test: one free
port, one launcher that waits for ``/readyz``, one way to stop it (tests, benchmarks and
load tests all start the server the way the county runs it)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
READY_TIMEOUT_S = 30.0


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
    data_dir: Path, port: int, workers: int = 2, args: Sequence[str] = ()
) -> list[str]:
    """``lookup serve`` as a command line, with this interpreter (the project's venv)."""
    return [
        sys.executable, "-m", "lookup.cli", "serve", "--data-dir", str(data_dir),
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
    proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float = READY_TIMEOUT_S
) -> float:
    """Seconds until ``/readyz`` answers 200; the log's tail in the error if the server
    exits or never gets ready (then it is stopped)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"server exited with {proc.returncode}:\n{tail}")
        with suppress(OSError, http.client.HTTPException):
            if http_status(port, "/readyz") == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    stop(proc)
    raise RuntimeError(f"server not ready after {timeout:.0f} s: {log.read_text()[-3000:]}")


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
