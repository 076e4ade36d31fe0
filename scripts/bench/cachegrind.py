"""Last-level cache misses per request, counted by cachegrind: the cost a gunicorn worker
pays, measured without this shared machine's noise.

Under load, a worker finds its caches swept between two requests (wrk, the kernel and
the other worker run in between), so a request costs what its code and data take to
come back from memory, far more than a warm loop shows. Valgrind's cachegrind simulates
the caches, so its counts repeat exactly from run to run. Each endpoint runs twice in a
fresh process under it (``cache_probe``): ``N`` requests, each after a sweep of twice
the simulated last-level cache, and the same sweeps alone; the difference divided by
``N`` is that request's misses (instructions and data). The ratio of two endpoints'
misses predicts the ratio of their throughputs under gunicorn.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from scripts.bench.report import Report, Row
from scripts.bench.serve import server_env
from scripts.harness import REPO
from scripts.local_servers import ensure_debian_tool

SIM_LL = (4 * 1024**2, 16, 64)  # simulated last level: 4 MB, 16-way, 64-byte lines
REQUESTS = 200
PROBE = "scripts.bench.cache_probe"  # run as a module from the repository root
_COUNT = re.compile(r"==\d+== (I1|LLi|D1|LLd)\s+misses:\s+([\d,]+)")


def ensure_valgrind() -> str | None:
    return ensure_debian_tool("valgrind", "valgrind", "to count cache misses")


def _misses(valgrind: str, data_dir: Path, urls: Path, mode: str, tmp: Path) -> dict[str, int]:
    size, ways, line = SIM_LL
    out = subprocess.run(
        [valgrind, "--tool=cachegrind", "--cache-sim=yes", f"--LL={size},{ways},{line}",
         f"--cachegrind-out-file={tmp / f'cachegrind.{mode}.out'}",
         sys.executable, "-m", PROBE, str(data_dir), str(urls), mode, str(REQUESTS),
         str(2 * size)],
        cwd=REPO, env=server_env(tmp) | {"PYTHONHASHSEED": "0"}, capture_output=True,
        text=True, timeout=1800,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(f"cache probe failed: {out.stderr[-800:]}")
    return {m.group(1): int(m.group(2).replace(",", "")) for m in _COUNT.finditer(out.stderr)}


def _by_function(sweep_out: Path, run_out: Path) -> list[tuple[int, int, int, str]]:
    """(code, data read, data write) last-level misses and ``file:function``, for each
    function, of the run minus the sweeps (``cg_diff``, then ``cg_annotate``)."""
    diff = run_out.with_suffix(".diff")
    with diff.open("w") as f:
        subprocess.run(["cg_diff", str(sweep_out), str(run_out)], stdout=f, check=True)
    text = subprocess.run(
        ["cg_annotate", "--show=ILmr,DLmr,DLmw", "--sort=ILmr", "--threshold=0", "--auto=no",
         str(diff)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rows = []
    for line in text.splitlines():
        tokens = line.split()
        if not tokens or ":" not in tokens[-1] or "PROGRAM" in line:
            continue
        nums = [t for t in tokens[:-1] if re.fullmatch(r"-?[\d,]+", t)]
        if len(nums) == 3:
            il, dr, dw = (int(n.replace(",", "")) for n in nums)
            rows.append((il, dr, dw, tokens[-1]))
    return rows


def _group(where: str) -> str:
    file = where.rsplit(":", 1)[0]
    if "/Python-3" in file or file.startswith(("Python/", "Objects/", "Include/", "./Include")):
        return "CPython: the interpreter, its objects and allocator"
    if any(k in file for k in ("memmove", "memcpy", "memset")):
        return "copying bytes (libc)"
    if file == "???":
        return "libraries without symbols (numpy, shapely/GEOS, orjson, ...)"
    return "libc and others"


def write_profile(name: str, label: str, rows: list[tuple[int, int, int, str]], out: Path) -> None:
    """Where one endpoint's cold misses fall: by group and the top functions."""
    total = sum(il + dr + dw for il, dr, dw, _ in rows) or 1
    groups: dict[str, int] = {}
    for il, dr, dw, where in rows:
        groups[_group(where)] = groups.get(_group(where), 0) + il + dr + dw
    lines = [
        f"Cache misses: {name}, {label}",
        "=" * (len(name) + len(label) + 16),
        f"cachegrind ({SIM_LL[0] // 1024**2} MB simulated last level), {REQUESTS} requests in "
        "process, each after a cache sweep, minus the sweeps alone (scripts/bench/cache_probe.py).",
        f"last-level misses per request: {total / REQUESTS:,.0f}",
        "",
        "share by where they fall",
        *(f"{n / total:6.1%}  {g}" for g, n in sorted(groups.items(), key=lambda x: -x[1])),
        "",
        "top 25 functions: misses per request (code, data read, data write)",
    ]
    for il, dr, dw, where in sorted(rows, key=lambda r: -(r[0] + r[1] + r[2]))[:25]:
        file, _, func = where.rpartition(":")
        short = "/".join(file.split("/")[-2:])
        lines.append(
            f"{(il + dr + dw) / REQUESTS:7.0f}  ({il / REQUESTS:5.0f} {dr / REQUESTS:5.0f} "
            f"{dw / REQUESTS:5.0f})  {func} ({short})"
        )
    out.write_text("\n".join(lines) + "\n")


def bench_cachegrind(
    label: str,
    data_dir: Path,
    endpoints: dict[str, list[str]],
    tmp: Path,
    report: Report,
    profiles: Path | None = None,
) -> dict[str, float]:
    """Misses per request of each endpoint (first: the baseline the others are compared
    to), one row each; {} where valgrind is missing. With ``profiles``, where each
    endpoint's misses fall (``cache_<endpoint>.txt``)."""
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
        if profiles is not None:
            slug = re.sub(r"[^a-z]+", "_", name.lower()).strip("_")
            rows = _by_function(tmp / "cachegrind.sweep.out", tmp / "cachegrind.run.out")
            write_profile(name, label, rows, profiles / f"cache_{slug}.txt")
    return per
