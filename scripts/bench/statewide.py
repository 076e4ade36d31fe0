"""The statewide rows of ``scripts.bench --statewide`` (issue 27): every county's address
points (5,000,000 synthetic ones by default, ``scripts.data.statewide``) on the 2018
statewide map, measured in the same run as the county's figures:

* the statewide refresh in a fresh process: wall time and peak resident memory of the
  whole process tree (``/proc`` polled, and the child's own ``VmHWM``);
* start -> ``/readyz`` and worker memory, preloaded and not (``startup.bench_startup``);
* exact, fuzzy and ``suggest`` latencies in process over the published address index,
  queries drawn from the generated table (most with town and ZIP, some with one or
  neither; a one-letter typo for fuzzy; every keystroke prefix for suggest);
* HTTP on one gunicorn (2 workers) serving the statewide dataset plus the probe's "floor
  with its ranked sites" route (``cache_probe.sites_floor``): ``/healthz``, look-ups by
  coordinates and by address (points in every county), suggest and the floor, in
  alternating rounds; the workers' PSS and USS after that mixed load;
* ``lookup batch`` on the synthetic voter file: the local engine in one process
  (``--jobs 1``) and ``--engine dask`` on a local cluster of this machine's cores.

Generated files and the data folder live in the benchmark's temporary folder, or with
``--keep-statewide DIR`` in DIR, reused by the next run with the same sizes (generation
and the refresh take minutes; the refresh figures of the run that built it are reported
again, marked as such). A section that cannot run says why and its targets are SKIP.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import pickle
import random
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from scripts.bench import http_load
from scripts.bench.cache_probe import SITES_FLOOR, floor_path
from scripts.bench.datasets import STATE_EARLY, STATE_POLLING, STATE_PRECINCTS
from scripts.bench.geocode import best_pass, one_building, typo
from scripts.bench.http_load import (
    HTTP_WORKERS,
    Endpoint,
    Workload,
    build_workload,
    memory_note,
    mixed_paths,
)
from scripts.bench.report import Report, Row, Target, check
from scripts.bench.serve import Running, gunicorn
from scripts.bench.startup import StartSummary, bench_startup
from scripts.harness import REPO

POINTS = 5_000_000
VOTERS = 7_500_000
DAY = "2018-10-25"  # early voting of the 2018 general: the whole answer is built
QUERIES = 3000
KEYSTROKE_ADDRESSES = 300  # --quick: 100
MARKER = "statewide.json"  # in a --keep-statewide folder: what it holds, how it was built

REFRESH_MAX_S = 600.0
REFRESH_MAX_MB = 4096.0
PSS_MAX_MB = 250.0
READY_MAX_S = 1.0
EXACT_P50_US = 40.0
FUZZY_P99_US = 5000.0
SUGGEST_P99_US = 10_000.0
FLOOR_RATIO = 0.95
BATCH_ROWS_PER_MIN = 1_000_000.0


@dataclass(frozen=True)
class Options:
    points: int = POINTS
    voters: int = VOTERS
    keep: Path | None = None  # reuse generated files and the data folder here


def add_statewide_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--statewide",
        action="store_true",
        help="also the statewide rows: synthetic address points in every county (minutes)",
    )
    parser.add_argument(
        "--statewide-points", type=_positive, default=POINTS, metavar="N",
        help=f"statewide address points to generate (default {POINTS:,})",
    )  # fmt: skip
    parser.add_argument(
        "--voters", type=_positive, default=VOTERS, metavar="N",
        help=f"rows of the synthetic voter file for lookup batch (default {VOTERS:,})",
    )  # fmt: skip
    parser.add_argument(
        "--keep-statewide", type=Path, metavar="DIR",
        help="keep the generated statewide files and data folder in DIR and reuse them",
    )  # fmt: skip


def statewide_options(args: argparse.Namespace) -> Options | None:
    """The statewide section's options, or None when ``--statewide`` was not given."""
    if not args.statewide:
        return None
    return Options(args.statewide_points, args.voters, args.keep_statewide)


def _positive(text: str) -> int:
    value = int(text.replace("_", "").replace(",", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def size_label(n: int) -> str:
    """``state5M``, ``state200k``: the dataset's label in row names."""
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"state{n / 1e6:g}M"
    if n >= 1000:
        return f"state{n // 1000}k"
    return f"state{n}"


# ---- targets ------------------------------------------------------------------------


def target_names(label: str) -> list[str]:
    return [
        f"statewide refresh <= {REFRESH_MAX_S / 60:g} min ({label})",
        f"statewide refresh peak RSS <= {REFRESH_MAX_MB / 1024:g} GB ({label})",
        f"statewide worker ready <= {READY_MAX_S:g} s ({label}, preload)",
        f"statewide worker ready <= {READY_MAX_S:g} s ({label}, no-preload)",
        f"statewide worker PSS <= {PSS_MAX_MB:g} MB ({label}, {HTTP_WORKERS} workers, preload)",
        f"address exact p50 <= {EXACT_P50_US:g} us ({label})",
        f"address fuzzy p99 <= {FUZZY_P99_US / 1000:g} ms ({label})",
        f"suggest p99 <= {SUGGEST_P99_US / 1000:g} ms ({label})",
        f"lookup by coordinates >= {FLOOR_RATIO}x the floor with its ranked sites ({label})",
        f"lookup batch >= {BATCH_ROWS_PER_MIN:,.0f} rows/min across the box ({label}, dask)",
    ]


def skipped(label: str, why: str) -> list[Target]:
    return [check(name, None, why) for name in target_names(label)]


@dataclass
class Figures:
    """What the section measured (None: that part did not run)."""

    refresh_s: float | None = None
    refresh_mb: float | None = None
    ready: dict[str, float] | None = None  # mode -> s
    pss_mb: float | None = None
    uss_mb: float | None = None
    exact_p50_us: float | None = None
    fuzzy_p99_us: float | None = None
    suggest_p99_us: float | None = None
    floor_ratio: tuple[float, float, float] | None = None  # median, min, max
    floor_detail: str = ""
    batch_per_min: dict[str, float] | None = None  # engine -> rows/min


def judge(label: str, f: Figures) -> list[Target]:
    """Every statewide target PASS/FAIL from the figures, SKIP where a part did not run."""
    names = iter(target_names(label))

    def at_most(value: float | None, limit: float, shown: str, why: str = "not run") -> Target:
        name = next(names)
        return check(name, None, why) if value is None else check(name, value <= limit, shown)

    out = [
        at_most(f.refresh_s, REFRESH_MAX_S, f"{f.refresh_s or 0:.1f} s"),
        at_most(f.refresh_mb, REFRESH_MAX_MB, f"{f.refresh_mb or 0:,.0f} MB"),
    ]
    for mode in ("preload", "no-preload"):
        ready = (f.ready or {}).get(mode)
        out.append(at_most(ready, READY_MAX_S, f"start -> /readyz {ready or 0:.3f} s"))
    out += [
        at_most(f.pss_mb, PSS_MAX_MB, f"largest worker PSS {f.pss_mb or 0:.0f} MB "
                f"(USS {f.uss_mb or 0:.0f} MB)"),
        at_most(f.exact_p50_us, EXACT_P50_US, f"{f.exact_p50_us or 0:.1f} us"),
        at_most(f.fuzzy_p99_us, FUZZY_P99_US, f"{(f.fuzzy_p99_us or 0) / 1000:.2f} ms"),
        at_most(f.suggest_p99_us, SUGGEST_P99_US, f"{(f.suggest_p99_us or 0) / 1000:.2f} ms"),
    ]  # fmt: skip
    name = next(names)
    if f.floor_ratio is None:
        out.append(check(name, None, "HTTP not run"))
    else:
        out.append(check(name, f.floor_ratio[0] >= FLOOR_RATIO, f.floor_detail))
    name = next(names)
    rates = f.batch_per_min or {}
    if "dask" not in rates:
        out.append(check(name, None, "lookup batch --engine dask not run"))
    else:
        others = "; ".join(f"{k} {v:,.0f}" for k, v in rates.items() if k != "dask")
        detail = f"{rates['dask']:,.0f} rows/min" + (f" ({others} rows/min)" if others else "")
        out.append(check(name, rates["dask"] >= BATCH_ROWS_PER_MIN, detail))
    return out


# ---- memory of a process tree -------------------------------------------------------


def _children() -> dict[int, list[int]]:
    """ppid -> pids of every live process, from /proc."""
    out: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                ppid = int(f.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        out.setdefault(ppid, []).append(int(entry.name))
    return out


def tree_rss_mb(root: int) -> float:
    """Resident memory of ``root`` and all its descendants now, MB."""
    kids = _children()
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo += kids.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm") as f:
                total += int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            continue
    return total


class PeakTree:
    """Polls the resident memory of a process tree in a thread; ``peak_mb`` the highest."""

    def __init__(self, pid: int, every: float = 0.25) -> None:
        self.pid, self.every, self.peak_mb = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop.wait(self.every)

    @contextmanager
    def watching(self) -> Iterator[PeakTree]:
        self._thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            self._thread.join()


def run_measured(cmd: Sequence[str], timeout: float) -> tuple[subprocess.CompletedProcess[str],
                                                              float, float]:  # fmt: skip
    """Run ``cmd`` from the repository root; its result, wall seconds and the peak resident
    memory of its process tree (MB, polled)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    with PeakTree(proc.pid).watching() as peak:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    wall = time.perf_counter() - t0
    return subprocess.CompletedProcess(list(cmd), proc.returncode, out, err), wall, peak.peak_mb


# ---- the data: generated (or kept) files and the refresh ------------------------------


def missing_inputs(real_dir: Path) -> str | None:
    """Why the section cannot run here, or None."""
    try:
        import scripts.data.statewide as generator
    except ImportError as exc:
        return f"scripts.data.statewide is not available ({exc})"
    api = ("write_statewide", "write_voters", "statewide_request")
    if lacking := [name for name in api if not hasattr(generator, name)]:
        return "scripts.data.statewide lacks " + ", ".join(lacking)
    need = [real_dir / p for p in (*STATE_PRECINCTS, *STATE_POLLING, STATE_EARLY)]
    absent = [str(p) for p in need if not p.exists()]
    return "statewide 2018 files not found: " + ", ".join(absent) if absent else None


_REFRESH_CHILD = """
import json, pickle, sys, time
from datetime import UTC, datetime
from lookup.ingest.refresh import refresh
with open(sys.argv[1], "rb") as f:
    request = pickle.load(f)
t0 = time.perf_counter()
report = refresh(request, datetime.now(UTC))
seconds = time.perf_counter() - t0
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(json.dumps({"published": report.published, "errors": list(report.problems.errors),
                  "refresh_s": seconds, "hwm_mb": int(hwm) / 1024}))
"""


@dataclass
class Prepared:
    data_dir: Path
    voters: Path
    rows: int  # address rows written
    counties: int
    refresh: dict[str, Any]  # wall_s, peak_mb, refresh_s, hwm_mb, when, reused
    generate_s: float | None  # None: reused


def _marker(folder: Path) -> dict[str, Any] | None:
    path = folder / MARKER
    if not path.exists():
        return None
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
        return loaded
    except (OSError, ValueError):
        return None


def reusable(marker: dict[str, Any] | None, options: Options) -> bool:
    """A kept folder is reused when it was built for the same sizes and its refresh
    published."""
    return (
        marker is not None
        and marker.get("points") == options.points
        and marker.get("voters") == options.voters
        and bool(marker.get("refresh", {}).get("published"))
    )


def prepare(real_dir: Path, folder: Path, options: Options, report: Report) -> Prepared | str:
    """The generated files and the refreshed data folder (kept ones when they fit), or why
    not."""
    from scripts.data.statewide import (
        StatewideFiles,
        statewide_request,
        write_statewide,
        write_voters,
    )

    marker = _marker(folder)
    data_dir = folder / "data"
    if reusable(marker, options):
        assert marker is not None
        print(f"  (reusing the statewide files and data folder kept in {folder})")
        return Prepared(
            data_dir, Path(marker["voters_csv"]), marker["rows"], marker["counties"],
            marker["refresh"] | {"reused": True}, None,
        )  # fmt: skip
    files_dir = folder / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    files: StatewideFiles = write_statewide(real_dir, files_dir, options.points)
    voters = write_voters(files, files_dir / "voters.csv", options.voters)
    generate_s = time.perf_counter() - t0
    request = statewide_request(real_dir, files, data_dir)
    pickled = folder / "request.pickle"
    pickled.write_bytes(pickle.dumps(request))
    done, wall, peak = run_measured([sys.executable, "-c", _REFRESH_CHILD, str(pickled)], 3600)
    line = done.stdout.strip().splitlines()[-1:] if done.returncode == 0 else []
    if not line:
        return f"the statewide refresh failed: {done.stderr[-800:]}"
    child = json.loads(line[0])
    if not child["published"]:
        return "the statewide refresh did not publish: " + "; ".join(child["errors"])
    refresh = {
        "published": True,
        "wall_s": wall,
        "peak_mb": max(peak, child["hwm_mb"]),
        "refresh_s": child["refresh_s"],
        "hwm_mb": child["hwm_mb"],
        "tree_peak_mb": peak,
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    body = {"points": options.points, "voters": options.voters, "rows": files.rows,
            "counties": files.counties, "voters_csv": str(voters), "refresh": refresh}  # fmt: skip
    (folder / MARKER).write_text(json.dumps(body, indent=1) + "\n")
    return Prepared(data_dir, voters, files.rows, files.counties,
                    refresh | {"reused": False}, generate_s)  # fmt: skip


def refresh_rows(label: str, p: Prepared, report: Report, figures: Figures) -> None:
    r = p.refresh
    again = f"; kept from the run of {r['when']} (--keep-statewide)" if r.get("reused") else ""
    if p.generate_s is not None:
        report.add(
            Row(
                f"statewide synthetic files, {label}",
                p.generate_s,
                "s",
                f"{p.rows:,} address points in {p.counties} counties (NENA + generic CSV) "
                "and the voter file: benchmark set-up, not a product figure",
            )
        )
    report.add(
        Row(
            f"refresh, {label}, local files",
            r["wall_s"],
            "s",
            f"fresh process (python start + imports + refresh); refresh() itself "
            f"{r['refresh_s']:.1f} s; 2018 map + polling places + one-stop + "
            f"{p.rows:,} address points{again}",
            r,
        )
    )
    report.add(
        Row(
            f"refresh peak RSS, {label}",
            r["peak_mb"],
            "MB",
            f"the refresh's process tree polled every 0.25 s ({r['tree_peak_mb']:,.0f} MB) and "
            f"its own VmHWM ({r['hwm_mb']:,.0f} MB): the larger{again}",
        )
    )
    figures.refresh_s, figures.refresh_mb = r["wall_s"], r["peak_mb"]


# ---- geocoding in process -----------------------------------------------------------


@dataclass(frozen=True)
class Spoken:
    """An address point as a caller may say it."""

    line: str
    town: str
    zip: str


def say(p: Spoken, k: int) -> str:
    """The ``k``-th way of saying an address: town and ZIP (6 in 10), the ZIP alone,
    the town alone, or the street line alone (1 in 10 each)."""
    k %= 10
    town, zip_ = p.town.title(), p.zip
    if k == 7 and zip_:
        return f"{p.line}, NC {zip_}"
    if k == 8 and town:
        return f"{p.line}, {town}"
    if k == 9:
        return p.line
    return ", ".join(x for x in (p.line, town, f"NC {zip_}" if zip_ else "") if x)


def by_form(latencies: list[float]) -> str:
    """Median of each way of saying (``say``): the i-th latency is of form ``i % 10``."""
    forms = {"town+ZIP": range(7), "ZIP only": (7,), "town only": (8,), "line only": (9,)}
    parts = []
    for name, ks in forms.items():
        picked = [v for i, v in enumerate(latencies) if i % 10 in ks]
        if picked:
            parts.append(f"{name} {statistics.median(picked):.0f} us")
    return ", ".join(parts)


def spoken_sample(index: Any, n: int, rng: np.random.Generator) -> list[Spoken]:
    """``n`` buildings (rows without a unit) of the address index, at random."""
    out: list[Spoken] = []
    size = index.size
    while len(out) < n:
        for i in rng.integers(0, size, 2 * n).tolist():
            p = index.point(i)
            if not p.unit:
                out.append(Spoken(p.line, p.municipality or p.city, p.zip))
            if len(out) == n:
                break
    return out


def bench_geocoding(
    label: str, folder: Path, quick: bool, report: Report, figures: Figures
) -> None:
    """Exact, fuzzy and suggest latencies over the published index, in this process."""
    from lookup.geocode.candidates import find_first
    from lookup.geocode.local import AddressIndex
    from lookup.geocode.readings import clean, readings
    from lookup.geocode.suggest import suggest

    index = AddressIndex.load(folder / "addresses")
    rng = np.random.default_rng(2018)
    text_rng = random.Random(2018)
    sample = spoken_sample(index, QUERIES, rng)
    exact = [say(p, k) for k, p in enumerate(sample)]
    fuzzy = [f"{typo(p.line, text_rng)}, {p.town.title()}" for p in sample]
    keystrokes = [
        p.line.lower()[:k]
        for p in sample[: 100 if quick else KEYSTROKE_ADDRESSES]
        for k in range(1, len(p.line) + 1)
    ]
    gc.freeze()  # as ``lookup serve`` does once loaded

    def geocode(text: str) -> Any:
        return find_first(index, readings(index, clean(text)))

    lat: dict[str, list[float]] = {}
    passes: dict[str, str] = {}
    for kind, queries in (("exact", exact), ("fuzzy", fuzzy)):
        lat[kind], passes[kind] = best_pass(geocode, queries)
    found = sum(one_building(geocode(q)[1]) for q in fuzzy[:500]) / 500
    lat["suggest"], passes["suggest"] = best_pass(lambda q: suggest(index, q, 10), keystrokes)
    gc.unfreeze()
    notes = {
        "exact": f"{QUERIES:,} buildings: 6 in 10 with town and ZIP, 1 ZIP only, 1 town "
        f"only, 1 street line only; p50 of each {by_form(lat['exact'])}" + passes["exact"],
        "fuzzy": f"one-letter typo in the street name, with the town; {found:.0%} found as "
        "one building" + passes["fuzzy"],
        "suggest": f"{len(keystrokes):,} keystroke prefixes" + passes["suggest"],
    }
    for kind, values in lat.items():
        med, p99 = statistics.median(values), float(np.percentile(values, 99))
        report.add(Row(f"address {kind}, {label}, p50", med, "us/call", notes[kind],
                       {"p99_us": p99, "keys": index.size}))  # fmt: skip
        report.add(Row(f"address {kind}, {label}, p99", p99, "us/call", ""))
    figures.exact_p50_us = statistics.median(lat["exact"])
    figures.fuzzy_p99_us = float(np.percentile(lat["fuzzy"], 99))
    figures.suggest_p99_us = float(np.percentile(lat["suggest"], 99))


# ---- HTTP, with the floor route, and worker memory ------------------------------------

# ``lookup serve`` with the probe's "floor with its ranked sites" route added to the app
# right after it is built (before any request): the same server answers both.
_FLOOR_LAUNCHER = """
import sys
from lookup import serving
from scripts.bench.cache_probe import sites_floor
_load = serving.Server.load
def load(self):
    app = _load(self)
    sites_floor(app)
    return app
serving.Server.load = load
from lookup.cli import main
sys.exit(main(sys.argv[1:]))
"""


def floor_server(data_dir: Path, tmp: Path) -> AbstractContextManager[Running]:
    """The bench's gunicorn with the floor route added (``_FLOOR_LAUNCHER``)."""
    log = tmp / "gunicorn-statewide.log"
    return gunicorn(data_dir, log, workers=HTTP_WORKERS, launcher=("-c", _FLOOR_LAUNCHER))


def endpoints(work: Workload) -> list[Endpoint]:
    """What the HTTP rounds ask: the county's (a) to (d) (not (e), the console's schedule:
    no statewide target) and ``f``, the floor of ``b`` (same points and date)."""
    return [
        *(ep for ep in http_load.endpoints(work) if ep.key != "e"),
        Endpoint("f", "floor with its ranked sites",
                 [floor_path(p, SITES_FLOOR) for p in work.coords], frozenset({200, 404})),
    ]  # fmt: skip


def http_rows(
    label: str,
    data_dir: Path,
    work: Workload,
    seconds: float,
    warmup: float,
    tmp: Path,
    report: Report,
    figures: Figures,
) -> None:
    """``http_load.bench_http`` on the floor server, then its figures and the workers'
    PSS after the mixed load."""
    http = http_load.bench_http(
        label, data_dir, work, seconds, warmup, tmp, report,
        asked=endpoints(work), floor="f", serving=floor_server(data_dir, tmp),
    )  # fmt: skip
    figures.floor_ratio = http.floor_ratios["b"]
    figures.floor_detail = http.ratio_detail("b", to_floor=True)
    mem = http.memory
    workers = list(mem["workers"].values())
    _rss, note = memory_note(mem)
    pss = max((w["Pss"] for w in workers), default=None)
    uss = max((w["Uss"] for w in workers), default=None)
    if pss is not None and uss is not None:
        figures.pss_mb = max(figures.pss_mb or 0.0, pss)
        figures.uss_mb = max(figures.uss_mb or 0.0, uss)
    requests = sum(r.requests for r in http.results.values())
    report.add(
        Row(
            f"worker PSS after mixed load, {label}",
            pss,
            "MB",
            f"largest of {HTTP_WORKERS} preloaded workers after {requests:,} requests "
            f"(coordinates, addresses and suggest over every county); USS {uss or 0:.0f} MB; "
            f"{note}",
            mem,
        )
    )


def startup_rows(
    label: str, data_dir: Path, work: Workload, runs: int, tmp: Path, report: Report,
    figures: Figures,
) -> None:  # fmt: skip
    got: dict[tuple[str, bool], StartSummary] = bench_startup(
        [(label, data_dir, mixed_paths(work))], runs, tmp, report
    )
    figures.ready = {s.mode: s.med("ready_s") for s in got.values()}
    # The target is the service as it runs by default: preloaded, the dataset's pages shared.
    for s in (s for s in got.values() if s.preload):
        for w in s.runs[-1].warm["workers"].values():
            figures.pss_mb = max(figures.pss_mb or 0.0, w["Pss"])
            figures.uss_mb = max(figures.uss_mb or 0.0, w["Uss"])


# ---- lookup batch on the voter file --------------------------------------------------


def batch_command(data_dir: Path, src: Path, dst: Path, engine: str) -> list[str]:
    """``lookup batch`` on the voter file: ``local`` in one process, or ``dask`` on a
    local cluster of this machine's cores."""
    how = ["--jobs", "1"] if engine == "local" else ["--engine", "dask"]
    return [sys.executable, "-m", "lookup.cli", "batch", "--quiet", "--data-dir",
            str(data_dir), "--date", DAY, *how, str(src), str(dst)]  # fmt: skip


def bench_batch(label: str, p: Prepared, tmp: Path, report: Report, figures: Figures) -> None:
    rates: dict[str, float] = {}
    engines = (
        ("local", "one process (--jobs 1)"),
        ("dask", f"--engine dask, local cluster of {os.cpu_count()} workers"),
    )
    for engine, what in engines:
        dst = tmp / f"voters_out_{engine}.csv"
        done, wall, peak = run_measured(batch_command(p.data_dir, p.voters, dst, engine), 7200)
        dst.unlink(missing_ok=True)  # gigabytes at the full size
        if done.returncode != 0:
            report.failures.append(f"lookup batch ({engine}), {label}: {done.stderr[-600:]}")
            continue
        rows = voter_rows(p.voters)
        summary = next((x for x in done.stderr.splitlines() if "rows:" in x), "").split(": ", 1)
        rates[engine] = rows / wall * 60
        report.add(
            Row(
                f"lookup batch, {label} voters, {engine}",
                rows / wall,
                "rows/s",
                f"{rows / wall * 60:,.0f} rows/min; {what}; {rows:,} rows in {wall:.1f} s incl. "
                f"start-up; peak RSS of its process tree {peak:,.0f} MB; {summary[-1]}",
                {"wall_s": wall, "rows": rows, "rows_per_min": rows / wall * 60,
                 "peak_mb": peak},
            )
        )  # fmt: skip
    figures.batch_per_min = rates


def voter_rows(path: Path) -> int:
    """Data rows of the voter CSV (lines after the header; the generator writes one line
    per row)."""
    with path.open("rb") as f:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) - 1)


# ---- the section ----------------------------------------------------------------------


def bench_statewide(
    real_dir: Path,
    tmp: Path,
    options: Options,
    report: Report,
    *,
    quick: bool,
    startup_runs: int,
    http_seconds: float,
    warmup_seconds: float,
    seed: int,
) -> list[Target]:
    """Every statewide row and its targets (SKIP, with the reason, where it cannot run)."""
    from lookup.dataset.holder import DatasetHolder
    from lookup.dataset.publish import current_target

    label = size_label(options.points)
    why = missing_inputs(real_dir)
    if why:
        report.skip(f"statewide rows: {why}")
        return skipped(label, why)
    folder = options.keep or tmp / "statewide"
    folder.mkdir(parents=True, exist_ok=True)
    prepared = prepare(real_dir, folder, options, report)
    if isinstance(prepared, str):
        report.skip(f"statewide rows: {prepared}")
        report.failures.append(prepared)
        return skipped(label, prepared)
    figures = Figures()
    refresh_rows(label, prepared, report, figures)
    version = current_target(prepared.data_dir)
    assert version is not None
    ds = DatasetHolder(prepared.data_dir).load_now()
    work = build_workload(version, ds, np.random.default_rng(seed), DAY)
    counties = {ds.precincts[h.index].county for x, y in work.points
                if (h := ds.index.locate(x, y)) is not None}  # fmt: skip
    print(f"  ({label}: {ds.addresses.size:,} address points; HTTP workload in "
          f"{len(counties)} counties)")  # fmt: skip
    del ds
    bench_geocoding(label, version, quick, report, figures)
    try:
        startup_rows(label, prepared.data_dir, work, startup_runs, tmp, report, figures)
        http_rows(label, prepared.data_dir, work, http_seconds, warmup_seconds, tmp, report,
                  figures)  # fmt: skip
    except (RuntimeError, OSError) as exc:
        report.skip(f"statewide HTTP rows: {exc}")
        report.failures.append(f"statewide HTTP benchmark did not run: {exc}")
    bench_batch(label, prepared, tmp, report, figures)
    return judge(label, figures)
