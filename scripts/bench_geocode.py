"""The geocoder's figures for ``scripts/bench.py``, on a 700,000-point county table.

* index build: a fresh process reads the table as the county publishes it (Master
  Address Table CSV, State Plane feet) and builds and saves the index; wall time and
  peak resident memory (``ru_maxrss``) of that process;
* in-process look-ups on the saved index, memory-mapped as the service loads it: exact
  addresses, one-letter typos (fuzzy), and ``suggest`` for every keystroke of an address;
* ``lookup batch`` on the demo county: exact addresses through the whole path (parse,
  match, precinct, polling place, CSV out), one process, so one core.
"""

from __future__ import annotations

import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import numpy as np
from bench_report import Report, Row, Target, check
from synthetic_addresses import generate, mat_frame

from lookup.addressing import readings, search_points
from lookup.errors import ServiceError
from lookup.geocode.local import AddressIndex
from lookup.geocode.suggest import suggest
from lookup.sources.addresses import read_addresses

REPO = Path(__file__).resolve().parent.parent
DEMO_ADDRESSES = REPO / "data" / "precincts" / "demo" / "Master_Address_Table_demo.csv"
POINTS = 700_000
QUERIES = 3000

_BUILD_CHILD = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from lookup.sources.addresses import read_addresses
from lookup.geocode.local import AddressIndex
frame = read_addresses(Path(sys.argv[1]))
t1 = time.perf_counter()
AddressIndex.build(frame).save(Path(sys.argv[2]))
t2 = time.perf_counter()
# VmHWM, not ru_maxrss: after fork, ru_maxrss still counts the (large) parent's pages.
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(json.dumps({"read_s": t1 - t0, "build_s": t2 - t1, "rows": len(frame),
                  "maxrss_mb": int(hwm) / 1024}))
"""


def _latencies(fn: Callable[[str], object], queries: list[str]) -> list[float]:
    """Microseconds per call. The collector is paused while timing, as ``timeit`` does:
    otherwise a full collection triggered by the benchmark's own 700,000-row frame lands
    on whichever call happens to be running (the service freezes its loaded objects)."""
    out = []
    gc.collect()
    gc.disable()
    try:
        for q in queries:
            t0 = time.perf_counter()
            with suppress(ServiceError):  # a miss costs time too: it is timed, not skipped
                fn(q)
            out.append((time.perf_counter() - t0) * 1e6)
    finally:
        gc.enable()
    return out


def _best_pass(fn: Callable[[str], object], queries: list[str]) -> tuple[list[float], str]:
    """Three timed passes; the one with the lowest median is reported (as ``timeit``
    advises: slower passes measure interference from this shared 2-core machine). The
    first pass also maps the index's pages in, as a worker's first requests do."""
    passes = [_latencies(fn, queries) for _ in range(3)]
    medians = [statistics.median(p) for p in passes]
    best = passes[medians.index(min(medians))]
    return best, f"; pass medians {', '.join(f'{m:.0f}' for m in medians)} us"


def _typo(line: str, rng: random.Random) -> str:
    """One letter of the street name dropped, doubled or swapped (never the first)."""
    number, _, street = line.partition(" ")
    name = street.split()[0]
    if len(name) < 5:
        return line
    i = rng.randrange(1, len(name) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        bad = name[:i] + name[i + 1 :]
    elif kind == 1:
        bad = name[:i] + name[i] + name[i:]
    else:
        bad = name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return f"{number} {street.replace(name, bad, 1)}"


def bench_geocoding(tmp: Path, demo_dir: Path, quick: bool, report: Report) -> list[Target]:
    rng = random.Random(20241003)
    print(f"address points: generating {POINTS:,} ...", flush=True)
    frame = generate(POINTS)
    mat = tmp / "mat700k.csv"
    mat_frame(frame).to_csv(mat, index=False)
    folder = tmp / "addresses700k"
    out = subprocess.run(
        [sys.executable, "-c", _BUILD_CHILD, str(mat), str(folder)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    built = json.loads(out.stdout)
    build_s = built["read_s"] + built["build_s"]
    report.add(
        Row(
            f"address index build, {built['rows']:,} MAT rows",
            build_s,
            "s",
            f"fresh process: read CSV {built['read_s']:.1f} s, build+save {built['build_s']:.1f} s",
            built,
        )
    )
    report.add(Row("address index build, peak RSS", built["maxrss_mb"], "MB", "VmHWM"))

    index = AddressIndex.load(folder)
    # As ``lookup serve`` does once loaded: long-lived objects out of the collector's walk.
    gc.freeze()
    buildings = frame[frame["unit"] == ""].sample(n=QUERIES, random_state=1)
    exact = [f"{r.line}, {r.municipality.title()}, NC {r.zip}" for r in buildings.itertuples()]
    fuzzy = [f"{_typo(r.line, rng)}, {r.municipality.title()}" for r in buildings.itertuples()]

    notes_cold: dict[str, str] = {}

    def geocode(text: str) -> object:
        return search_points(index, readings(index, text))

    rows: dict[str, list[float]] = {}
    for kind, queries in (("exact", exact), ("fuzzy", fuzzy)):
        rows[kind], notes_cold[kind] = _best_pass(geocode, queries)
    found = sum(geocode(q)[1].best is not None for q in fuzzy[:500]) / 500
    keystrokes = []
    for r in buildings.head(100 if quick else 300).itertuples():
        text = r.line.lower()
        keystrokes += [text[:k] for k in range(1, len(text) + 1)]
    rows["suggest"], suggest_note = _best_pass(lambda q: suggest(index, q, 10), keystrokes)
    notes = {
        "exact": "parse + match, one-line address with city and ZIP" + notes_cold["exact"],
        "fuzzy": f"one-letter typo in the street name; {found:.0%} found at the right point"
        + notes_cold["fuzzy"],
        "suggest": f"{len(keystrokes):,} keystroke prefixes" + suggest_note,
    }
    stats = {}
    for kind, lat in rows.items():
        med, p99 = statistics.median(lat), float(np.percentile(lat, 99))
        stats[kind] = (med, p99)
        report.add(
            Row(f"address {kind}, 700k points, p50", med, "us/call", notes[kind], {"p99_us": p99})
        )
        report.add(Row(f"address {kind}, 700k points, p99", p99, "us/call", ""))

    rate = bench_batch(tmp, demo_dir, 20_000 if quick else 100_000, report)
    return [
        check("address exact <= 50 us (700k points, p50)", stats["exact"][0] <= 50,
              f"{stats['exact'][0]:.1f} us"),
        check("address fuzzy p99 <= 5 ms (700k points)", stats["fuzzy"][1] <= 5000,
              f"{stats['fuzzy'][1] / 1000:.2f} ms"),
        check("suggest p99 <= 10 ms (700k points)", stats["suggest"][1] <= 10_000,
              f"{stats['suggest'][1] / 1000:.2f} ms"),
        check("address index build <= 20 s (700k MAT rows)", build_s <= 20, f"{build_s:.1f} s"),
        check("address index build <= 500 MB RSS", built["maxrss_mb"] <= 500,
              f"{built['maxrss_mb']:.0f} MB"),
        check("batch >= 100,000 exact addresses/min, one core", rate >= 100_000,
              f"{rate:,.0f}/min"),
    ]  # fmt: skip


def bench_batch(tmp: Path, demo_dir: Path, n: int, report: Report) -> float:
    """``lookup batch`` over ``n`` exact demo addresses, in one process."""
    table = read_addresses(DEMO_ADDRESSES)
    lines = sorted(set(table.loc[table["unit"] == "", "line"]))
    rng = random.Random(7)
    src = tmp / "batch_in.csv"
    with src.open("w", encoding="utf-8") as f:
        f.write("id,address\n")
        for i in range(n):
            f.write(f'{i},"{rng.choice(lines)}"\n')
    dst = tmp / "batch_out.csv"
    cmd = [sys.executable, "-m", "lookup.cli", "batch", "--quiet", "--data-dir", str(demo_dir),
           "--date", "2028-10-25", str(src), str(dst)]  # fmt: skip
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        report.failures.append(f"lookup batch failed: {done.stderr[-500:]}")
        return 0.0
    rate = n / wall * 60
    report.add(
        Row(
            f"lookup batch, {n:,} exact addresses, demo",
            rate,
            "addr/min",
            f"one process, {wall:.1f} s incl. start-up; {done.stderr.strip().splitlines()[0]}",
            {"wall_s": wall, "children_cpu_s": usage.ru_utime},
        )
    )
    return rate
