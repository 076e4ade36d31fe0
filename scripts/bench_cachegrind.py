"""Last-level cache misses per request, counted by cachegrind: the cost a gunicorn worker
pays, measured without this shared machine's noise.

Under load, a worker finds its caches swept between two requests (wrk, the kernel and
the other worker run in between), so a request costs what its code and data take to
come back from memory, far more than a warm loop shows. Valgrind's cachegrind simulates
the caches, so its counts repeat exactly from run to run. Each endpoint runs twice in a
fresh process under it (``cache_probe.py``): ``N`` requests, each after a sweep of twice
the simulated last-level cache, and the same sweeps alone; the difference divided by
``N`` is that request's misses (instructions and data). The ratio of two endpoints'
misses predicts the ratio of their throughputs under gunicorn.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench_machine import ensure_debian_tool
from bench_report import Report, Row
from bench_serve import REPO, server_env

SIM_LL = (4 * 1024**2, 16, 64)  # simulated last level: 4 MB, 16-way, 64-byte lines
REQUESTS = 200
PROBE = Path(__file__).with_name("cache_probe.py")
_COUNT = re.compile(r"==\d+== (I1|LLi|D1|LLd)\s+misses:\s+([\d,]+)")


def ensure_valgrind() -> str | None:
    return ensure_debian_tool("valgrind", "valgrind", "to count cache misses")


def _misses(valgrind: str, data_dir: Path, urls: Path, mode: str, tmp: Path) -> dict[str, int]:
    size, ways, line = SIM_LL
    out = subprocess.run(
        [valgrind, "--tool=cachegrind", "--cache-sim=yes", f"--LL={size},{ways},{line}",
         f"--cachegrind-out-file={tmp / f'cachegrind.{mode}.out'}",
         sys.executable, str(PROBE), str(data_dir), str(urls), mode, str(REQUESTS),
         str(2 * size)],
        cwd=REPO, env=server_env(tmp) | {"PYTHONHASHSEED": "0"}, capture_output=True,
        text=True, timeout=1800,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"cache probe failed: {out.stderr[-800:]}")
    return {m.group(1): int(m.group(2).replace(",", "")) for m in _COUNT.finditer(out.stderr)}


def bench_cachegrind(
    label: str, data_dir: Path, endpoints: dict[str, list[str]], tmp: Path, report: Report
) -> dict[str, float]:
    """Misses per request of each endpoint (first: the baseline the others are compared
    to), one row each; {} where valgrind is missing."""
    valgrind = ensure_valgrind()
    if valgrind is None:
        report.skip("cache misses per request: valgrind not found and not installable")
        return {}
    per: dict[str, float] = {}
    for name, paths in endpoints.items():
        urls = tmp / "probe-urls.txt"
        urls.write_text("\n".join((paths * REQUESTS)[: 2 * REQUESTS]) + "\n")
        base = _misses(valgrind, data_dir, urls, "sweep", tmp)
        run = _misses(valgrind, data_dir, urls, "run", tmp)
        ll = (run["LLi"] + run["LLd"] - base["LLi"] - base["LLd"]) / REQUESTS
        per[name] = ll
        instr = (run["LLi"] - base["LLi"]) / REQUESTS
        first = next(iter(per))
        note = (
            f"cachegrind, {SIM_LL[0] // 1024**2} MB simulated last level, a cache sweep before "
            f"each of {REQUESTS} requests: {instr:,.0f} of them code, {ll - instr:,.0f} data"
        )
        if name != first:
            note += (
                f"; {per[first] / ll:.2f}x {first}'s count: the throughput ratio these "
                "misses predict under gunicorn"
            )
        report.add(Row(f"LL cache misses per request, {name}, {label}", ll, "misses", note))
    return per
