"""The product's server as the tests run it, and the check that no resident data reaches
its logs."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import ClassVar

import requests

from scripts.harness import free_port, serve_command, start, stop, wait_ready

# Every server log of the session, read at its end by ``no_resident_data_in_any_log``.
SERVER_LOGS: list[Path] = []
# What the tests send as residents' addresses and positions: none may reach a log line.
RESIDENT_DATA = (
    "13186", "Privacy", "4242", "Nowhere", "5841", "HARBOUR", "Harbor View", "912 Main",
    "3001 Harbor", "Glenwood", "34.91234", "-75.28765", "34.902294", "-75.283443",
)  # fmt: skip

# gunicorn's own fields that hold numbers the system picks: a line's process id, a worker's
# pid and the listening port. A worker that happens to get pid 4242 is no leak.
_PROCESS_FIELDS = re.compile(
    r"^(\[[^\]]*\] )\[\d+\]|\bpid:? \d+|Listening at: \S+ \(\d+\)", re.MULTILINE
)


def leaked_in(text: str, needles: Iterable[str]) -> list[str]:
    """The needles found in ``text`` as whole words: "4242" inside a random request id
    (hex) or as gunicorn's worker pid is no leak."""
    text = _PROCESS_FIELDS.sub(r"\1", text)
    return [
        s
        for s in needles
        if re.search(rf"(?<![0-9A-Za-z]){re.escape(s)}(?![0-9A-Za-z])", text, re.IGNORECASE)
    ]


class Server:
    """``lookup serve`` (gunicorn) on 127.0.0.1, as the county runs it. A subclass may
    change ``launcher``, what runs the ``serve`` command line (granian's module), and keep
    the rest: environment, log, readiness wait and stop."""

    launcher: ClassVar[tuple[str, ...]] = ("-m", "lookup.cli")

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        workers: int = 2,
        env: dict[str, str] | None = None,
        args: Sequence[str] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        SERVER_LOGS.append(log)
        # The suites send far more than a resident would from 127.0.0.1: loopback is exempt
        # from the rate limits here (test_limits.py starts servers without the exemption).
        # Each server counts its insights beside its log, never in the user's cache.
        env = {
            **os.environ,
            "LOOKUP_RELOAD_INTERVAL": "0.2",
            "LOOKUP_RATE_LIMIT_EXEMPT": "127.0.0.0/8",
            "LOOKUP_INSIGHTS_DB": str(log.with_suffix(".insights.sqlite3")),
            **(env or {}),
        }
        cmd = serve_command(data_dir, self.port, workers, args, self.launcher)
        self.proc = start(cmd, log, env)
        wait_ready(self.proc, self.port, log)

    def get(self, path: str, **params: object) -> requests.Response:
        return requests.get(self.url + path, params=params, timeout=10)

    def stop(self) -> None:
        stop(self.proc)
