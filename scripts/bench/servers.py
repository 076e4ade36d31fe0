"""gunicorn and granian side by side (issue 27 item 4): the same dataset, two workers each,
wrk on loopback, rounds interleaved so that both servers meet the same machine noise.

Per server: ``/healthz`` and look-ups by coordinates (req/s, p99), and each worker's
RSS/PSS/USS after the load; per endpoint, the paired ratio granian/gunicorn.

    .venv/bin/python -m scripts.bench.servers DATA_DIR [--day YYYY-MM-DD] [--seconds S]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from lookup.dataset.holder import DatasetHolder
from scripts import harness
from scripts.bench.http_load import (
    HTTP_WORKERS,
    LoadResult,
    build_workload,
    ensure_wrk,
    load_wrk,
    memory_note,
    worker_memory,
)
from scripts.bench.report import Report, Row
from scripts.bench.serve import READY_POLL_S, READY_TIMEOUT_S, Running, server_env

SERVERS = ("gunicorn", "granian")
LAUNCHERS = {"gunicorn": ("-m", "lookup.cli"), "granian": ("-m", "lookup.serving_granian")}
ROUNDS = 5
OK = frozenset({200})


@contextmanager
def serving(server: str, data_dir: Path, tmp: Path) -> Iterator[Running]:
    """One server (``lookup serve`` or granian's launcher) until the block exits."""
    port = harness.free_port()
    log = tmp / f"{server}.log"
    cmd = harness.serve_command(data_dir, port, HTTP_WORKERS, (), LAUNCHERS[server])
    started = time.monotonic()
    proc = harness.start(cmd, log, server_env(tmp))
    running = Running(port, proc, started)
    try:
        running.ready_s = harness.wait_ready(
            proc, port, log, READY_TIMEOUT_S, poll=READY_POLL_S, since=started
        )
        harness.wait_workers(proc, HTTP_WORKERS, READY_TIMEOUT_S, poll=READY_POLL_S)
        yield running
    finally:
        harness.stop(proc)


def bench_servers(
    data_dir: Path,
    report: Report,
    *,
    label: str = "",
    day: str | None = None,
    seconds: float = 5.0,
    rounds: int = ROUNDS,
) -> list[Row]:
    """The side-by-side rows for the dataset published in ``data_dir``."""
    wrk = ensure_wrk()
    if wrk is None:
        report.skip("servers: wrk is not available")
        return []
    ds = DatasetHolder(data_dir).load_now()
    work = build_workload(data_dir, ds, np.random.default_rng(27), day, n=2000)
    endpoints = {"healthz": ["/healthz"], "coords": work.coords}
    runs: dict[tuple[str, str], list[LoadResult]] = {}
    name = f"{label} " if label else ""
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as t:
        tmp = Path(t)
        with serving("gunicorn", data_dir, tmp) as guni, serving("granian", data_dir, tmp) as gran:
            up = {"gunicorn": guni, "granian": gran}
            for srv in up.values():  # warm both up (caches, first imports) before measuring
                load_wrk(wrk, srv.port, work.coords, 2, OK, tmp)
            for r in range(rounds):
                for key, paths in endpoints.items():
                    order = SERVERS if r % 2 == 0 else SERVERS[::-1]
                    for server in order:
                        got = load_wrk(wrk, up[server].port, paths, seconds, OK, tmp)
                        runs.setdefault((server, key), []).append(got)
            memory = {s: worker_memory(up[s].pid, up[s].workers()) for s in SERVERS}
    rows = []
    for key in endpoints:
        for server in SERVERS:
            results = runs[(server, key)]
            rps = [x.rps for x in results]
            errors = sum(x.errors for x in results)
            p99 = statistics.median(x.p99_ms for x in results)
            rows.append(
                Row(
                    f"servers {name}{key} {server}",
                    statistics.median(rps),
                    "req/s",
                    f"median of {rounds} rounds {min(rps):,.0f}-{max(rps):,.0f}; "
                    f"p99 {p99:.1f} ms; errors {errors}",
                    {"rounds_rps": rps, "p99_ms": p99, "errors": errors},
                )
            )
        ratios = [
            a.rps / b.rps
            for a, b in zip(runs[("granian", key)], runs[("gunicorn", key)], strict=True)
            if b.rps
        ]
        rows.append(
            Row(
                f"servers {name}{key} granian/gunicorn",
                statistics.median(ratios),
                "x",
                f"paired rounds {min(ratios):.2f}-{max(ratios):.2f}",
                {"ratios": ratios},
            )
        )
    for server in SERVERS:
        _biggest, note = memory_note(memory[server])
        pss = max((m["Pss"] for m in memory[server]["workers"].values()), default=float("nan"))
        rows.append(Row(f"servers {name}worker PSS {server}", pss, "MB", note, memory[server]))
    for row in rows:
        report.add(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data_dir", type=Path, help="a published data folder")
    parser.add_argument("--day", help="date= of the look-ups (an election active)")
    parser.add_argument("--seconds", type=float, default=5.0, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--label", default="")
    args = parser.parse_args(argv)
    bench_servers(
        args.data_dir,
        Report(),
        label=args.label,
        day=args.day,
        seconds=args.seconds,
        rounds=args.rounds,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
