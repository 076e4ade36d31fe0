"""Benchmark the polling-place lookup: point -> precinct, sjoin, start-up, HTTP, geocoding.

Usage (from the repository root)::

    .venv/bin/python scripts/bench.py [--quick] [--json OUT.json] [--real-dir ../shared/data/nc]

Every figure is measured in the same run, on datasets built by the real code: the demo
county through ``lookup.demo.ensure_demo_dataset`` and, where ``--real-dir`` holds them,
the real 195 Mecklenburg precincts through ``lookup.refresh.refresh``. Both are written
to a temporary folder that is removed at the end. The HTTP figures come from a real
gunicorn (``python -m lookup.cli serve``) on 127.0.0.1, always stopped before exit.

Exit status: 0, or 1 when a correctness check fails (the indexes or sjoin disagree, or
the HTTP run had errors). Missed performance targets are reported, not fatal.
"""

from __future__ import annotations

import argparse
import csv
import gc
import http.client
import http.server
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from bench_geocode import bench_geocoding
from bench_postgis import bench_postgis, ensure_postgis, postgis_targets
from bench_report import Report, Row, Target, _row_line, _si, check, fmt_value, ratio

from lookup.config import Settings
from lookup.dataset import Dataset
from lookup.demo import ensure_demo_dataset
from lookup.errors import ServiceError
from lookup.holder import DatasetHolder
from lookup.refresh import RefreshRequest, refresh
from lookup.service import AddressQuery, PointQuery, find_polling_place
from lookup.spatial import GridIndex, PrecinctIndex
from lookup.store import current_target, load_dataset
from lookup.trees import RtreeIndex, StrTreeIndex

REPO = Path(__file__).resolve().parent.parent
DEMO_ADDRESSES = REPO / "data" / "precincts" / "demo" / "Master_Address_Table_demo.csv"
MECK_PRECINCTS = Path("mecklenburg/precincts/Voter_Precinct_20241003.zip")
MECK_POLLING = Path("statewide/polling_places/polling_place_20201103.csv")
MECK_EARLY = Path("mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt")
MECK_ELECTION = date(2020, 11, 3)

CONNECTIONS = 8
HTTP_WORKERS = 2
URLS_PER_ENDPOINT = 2000


@dataclass(frozen=True)
class Plan:
    single_points: int  # points per single-lookup run
    single_runs: int
    batch_points: int
    compare_points: int  # batch points for the comparison trees (strtree, rtree)
    batch_runs: int
    sjoin_runs: int
    startup_runs: int
    http_seconds: float  # per endpoint
    warmup_seconds: float  # per endpoint, not counted
    service_calls: int  # in-process find_polling_place calls per kind
    check_points: int  # single look-ups compared with the batch answers, per index


FULL = Plan(50_000, 3, 1_000_000, 1_000_000, 3, 3, 3, 10.0, 1.0, 3000, 5000)
QUICK = Plan(10_000, 3, 1_000_000, 250_000, 1, 1, 1, 4.0, 0.5, 1000, 2000)


# ---- formatting ---------------------------------------------------------------------


# ---- timing helpers -----------------------------------------------------------------


def median_seconds(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median wall time of ``runs`` calls of ``fn`` and the last call's result."""
    times: list[float] = []
    result: object = None
    for _ in range(runs):
        gc.collect()
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def time_loop(call: Callable[[float, float], object], xs: list[float], ys: list[float]) -> float:
    """Seconds for ``call(x, y)`` over every point, in a plain Python loop."""
    t0 = time.perf_counter()
    for x, y in zip(xs, ys, strict=True):
        call(x, y)
    return time.perf_counter() - t0


def single_us(
    call: Callable[[float, float], object], xs: list[float], ys: list[float], runs: int
) -> float:
    times = []
    for _ in range(runs):
        gc.collect()
        times.append(time_loop(call, xs, ys))
    return statistics.median(times) / len(xs) * 1e6


# ---- datasets -----------------------------------------------------------------------


def build_demo(tmp: Path, now: datetime) -> tuple[Path, Dataset]:
    data_dir = ensure_demo_dataset(Settings(cache_dir=tmp / "cache"), now)
    return data_dir, DatasetHolder(data_dir).load_now()


def build_meck(real_dir: Path, tmp: Path, now: datetime) -> tuple[Path, Dataset] | str:
    """The real Mecklenburg dataset, or the reason it cannot be built."""
    paths = [real_dir / p for p in (MECK_PRECINCTS, MECK_POLLING, MECK_EARLY)]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        return "real Mecklenburg files not found: " + ", ".join(missing)
    data_dir = tmp / "meck"
    req = RefreshRequest(
        precincts=paths[0],
        polling_places=(paths[1],),
        early_voting=(paths[2],),
        election_day=MECK_ELECTION,
        county="MECKLENBURG",
        data_dir=data_dir,
    )
    report = refresh(req, now)
    if not report.published:
        return "the Mecklenburg refresh did not publish: " + "; ".join(report.problems.errors)
    return data_dir, DatasetHolder(data_dir).load_now()


def bench_refresh(real_dir: Path, tmp: Path, quick: bool, report: Report) -> list[Target]:
    """Refresh timings: Mecklenburg from local files, the statewide 2018 KMZ (full runs
    only), and a no-change refresh from URLs, which must download nothing."""
    import functools

    from lookup.fetch import fetch

    targets: list[Target] = []
    paths = [real_dir / p for p in (MECK_PRECINCTS, MECK_POLLING, MECK_EARLY)]
    if not all(p.exists() for p in paths):
        report.skip("refresh rows: real Mecklenburg files not found")
        return targets
    t0 = time.perf_counter()
    req = RefreshRequest(
        precincts=paths[0],
        polling_places=(paths[1],),
        early_voting=(paths[2],),
        election_day=MECK_ELECTION,
        county="MECKLENBURG",
        data_dir=tmp / "refresh-meck",
    )
    ok = refresh(req, datetime.now(UTC)).published
    meck_s = time.perf_counter() - t0
    report.add(Row("refresh, Mecklenburg, local files", meck_s, "s", f"published: {ok}"))
    targets.append(check("Mecklenburg refresh < 30 s", ok and meck_s < 30, f"{meck_s:.1f} s"))

    kmz = [real_dir / f"statewide/precincts/vtds{i}.kmz" for i in range(4)]
    kml = [real_dir / f"statewide/polling_places/pp{i}.kml" for i in (1, 2, 3)]
    sites = real_dir / "statewide/early_voting/ossite_2018.kml"
    if quick or not all(p.exists() for p in [*kmz, *kml, sites]):
        targets.append(check("statewide 2018 refresh < 120 s", None, "full runs only"))
    else:
        t0 = time.perf_counter()
        state_req = RefreshRequest(
            precincts=tuple(kmz),
            polling_places=tuple(kml),
            early_voting=(sites,),
            election_day=date(2018, 11, 6),
            data_dir=tmp / "refresh-state",
        )
        ok = refresh(state_req, datetime.now(UTC)).published
        state_s = time.perf_counter() - t0
        report.add(Row("refresh, statewide 2018 KMZ/KML", state_s, "s", f"published: {ok}"))
        targets.append(
            check("statewide 2018 refresh < 120 s", ok and state_s < 120, f"{state_s:.1f} s")
        )

    # The same three files over HTTP twice: the second time, conditional GETs only.
    handler = functools.partial(_QuietHandler, directory=str(real_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        rels = [MECK_PRECINCTS, MECK_POLLING, MECK_EARLY]
        first = [fetch(base + str(r), tmp / "downloads") for r in rels]
        second = [fetch(base + str(r), tmp / "downloads") for r in rels]
    finally:
        httpd.shutdown()
        httpd.server_close()
    again = sum(f.size for f in second if f.downloaded)
    report.add(
        Row(
            "no-change refresh from URLs, bytes downloaded",
            float(again),
            "bytes",
            f"first run {sum(f.size for f in first):,} bytes; second run: "
            f"{sum(not f.downloaded for f in second)} of {len(second)} answered 304",
        )
    )
    targets.append(check("no-change refresh downloads nothing", again == 0, f"{again} bytes"))
    return targets


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Python's file server (it answers If-Modified-Since with 304), without its log."""

    def log_message(self, *args: object) -> None:
        pass


def uniform_points(
    rng: np.random.Generator, bounds: Sequence[float], n: int
) -> tuple[np.ndarray, np.ndarray]:
    minx, miny, maxx, maxy = bounds
    return rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)


# ---- 1 and 2: point -> precinct, in process, and geopandas.sjoin --------------------


def median_vertex_precinct(geoms: np.ndarray) -> int:
    counts = shapely.get_num_coordinates(geoms)
    return int(np.argsort(counts, kind="stable")[len(counts) // 2])


def bench_floor(geoms: np.ndarray, rng: np.random.Generator, plan: Plan) -> tuple[float, int]:
    """µs for ``shapely.Point(lon, lat)`` plus one prepared ``contains`` on one precinct.

    The precinct is the one with the median vertex count; the points are uniform in its
    bounding box, so the exact test is really done (not rejected by the envelope).
    """
    k = median_vertex_precinct(geoms)
    g = geoms[k]
    shapely.prepare(g)
    xs, ys = uniform_points(rng, g.bounds, plan.single_points)
    contains, make = g.contains, shapely.Point
    us = single_us(lambda x, y: contains(make(x, y)), xs.tolist(), ys.tolist(), plan.single_runs)
    return us, int(shapely.get_num_coordinates(g))


def hit_index(hit: object) -> int:
    return -1 if hit is None else int(hit.index)  # type: ignore[attr-defined]


def bench_points(
    label: str, ds: Dataset, plan: Plan, rng: np.random.Generator, report: Report
) -> dict[str, Any]:
    """Single and batch look-ups with the three indexes, the floor and geopandas.sjoin."""
    geoms = ds.geoms
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms))
    indexes: list[tuple[str, PrecinctIndex]] = [("grid", ds.index)]
    for cls in (StrTreeIndex, RtreeIndex):
        t0 = time.perf_counter()
        idx = cls(geoms)
        indexes.append((cls.name, idx))
        print(
            f"  ({cls.name} index over {len(geoms)} precincts built in "
            f"{time.perf_counter() - t0:.2f} s)"
        )
    grid = ds.index
    assert isinstance(grid, GridIndex)
    ny, nx = grid.grid.shape
    cells = grid.grid.cells
    full_share = float((cells >= 0).sum()) / max(1, int((cells != -1).sum()))
    print(
        f"  ({label}: {len(geoms)} precincts, grid {nx}x{ny} cells, "
        f"{full_share:.1%} of non-empty cells answer without a geometry test)"
    )

    sx, sy = uniform_points(rng, bounds, plan.single_points)
    sxl, syl = sx.tolist(), sy.tolist()
    floor_us, floor_vertices = bench_floor(geoms, rng, plan)
    single: dict[str, float] = {}
    for name, idx in indexes:
        single[name] = single_us(idx.locate, sxl, syl, plan.single_runs)
    for name, _idx in indexes:
        note = (
            f"floor {floor_us:.2f} us (Point+contains, {floor_vertices}-vertex precinct)"
            if name == "grid"
            else f"{ratio(single[name], single['grid'])} grid's time"
        )
        report.add(Row(f"point->precinct single, {name}, {label}", single[name], "us/lookup", note))
    report.add(
        Row(
            f"floor Point+prepared contains, {label}",
            floor_us,
            "us",
            f"one prepared precinct of {floor_vertices} vertices",
        )
    )

    bx, by = uniform_points(rng, bounds, plan.batch_points)
    batch_rate: dict[str, float] = {}
    answers: dict[str, np.ndarray] = {}
    for name, idx in indexes:
        # --quick gives the slow comparison trees a prefix of the same points.
        n = plan.batch_points if name == "grid" else min(plan.compare_points, plan.batch_points)
        x, y = bx[:n], by[:n]
        secs, out = median_seconds(lambda idx=idx, x=x, y=y: idx.locate_many(x, y), plan.batch_runs)
        batch_rate[name] = n / secs
        answers[name] = np.asarray(out)
    ref = answers["grid"]
    inside = int((ref >= 0).sum())

    # Agreement: batch answers of the three indexes, and single vs batch on a sample.
    mismatches = {k: int((a != ref[: len(a)]).sum()) for k, a in answers.items() if k != "grid"}
    compared = min(len(a) for a in answers.values())
    sample = min(plan.check_points, plan.batch_points)
    single_vs_batch = 0
    for _name, idx in indexes:
        got = np.array(
            [hit_index(idx.locate(x, y)) for x, y in zip(bx[:sample], by[:sample], strict=True)]
        )
        single_vs_batch += int((got != ref[:sample]).sum())
    total_mismatch = sum(mismatches.values())
    if total_mismatch or single_vs_batch:
        report.failures.append(
            f"{label}: index answers differ ({mismatches}, single vs batch {single_vs_batch})"
        )

    # geopandas.sjoin on the same points and precincts.
    sjoin_rate, sjoin_note, sjoin_extra = bench_sjoin(geoms, bx, by, ref, plan)
    if sjoin_extra.get("mismatch"):
        report.failures.append(f"{label}: sjoin disagrees with the grid: {sjoin_note}")

    for name, _idx in indexes:
        note = (
            f"{ratio(batch_rate['grid'], sjoin_rate)} sjoin"
            if name == "grid"
            else f"{ratio(batch_rate[name], batch_rate['grid'])} grid"
            f" ({len(answers[name]):,} points)"
        )
        row = Row(f"point->precinct batch, {name}, {label}", batch_rate[name], "points/s", note)
        report.add(row)
    report.add(
        Row(
            f"index agreement (batch), {label}",
            float(total_mismatch),
            "points",
            f"mismatches: strtree {mismatches['strtree']}, rtree {mismatches['rtree']} vs grid "
            f"on {compared:,} points ({inside:,} of {plan.batch_points:,} in a precinct); "
            f"single vs batch {single_vs_batch} on {sample:,} x3",
            {"mismatches": mismatches, "single_vs_batch": single_vs_batch, "inside": inside},
        )
    )
    report.add(
        Row(f"geopandas.sjoin within, {label}", sjoin_rate, "points/s", sjoin_note, sjoin_extra)
    )
    return {"single": single, "floor": floor_us, "batch": batch_rate, "sjoin": sjoin_rate}


def bench_sjoin(
    geoms: np.ndarray, lon: np.ndarray, lat: np.ndarray, ref: np.ndarray, plan: Plan
) -> tuple[float, str, dict[str, Any]]:
    import geopandas

    polygons = geopandas.GeoDataFrame(
        {"precinct": np.arange(len(geoms))}, geometry=list(geoms), crs="EPSG:4326"
    )

    def run() -> Any:
        points = geopandas.GeoDataFrame(
            geometry=geopandas.points_from_xy(lon, lat), crs="EPSG:4326"
        )
        return geopandas.sjoin(points, polygons, predicate="within", how="inner")

    secs, joined = median_seconds(run, plan.sjoin_runs)
    rate = len(lon) / secs
    # A point in two polygons (overlapping data) would appear twice: keep the lowest, as
    # the grid does.
    point_ix = np.asarray(joined.index, dtype=np.int64)
    precinct = joined["precinct"].to_numpy(dtype=np.int64)
    order = np.argsort(-precinct, kind="stable")
    assigned = np.full(len(lon), -1, dtype=np.int64)
    assigned[point_ix[order]] = precinct[order]
    has = assigned >= 0
    mismatch = int((assigned[has] != ref[has]).sum())
    only_grid = int(((assigned < 0) & (ref >= 0)).sum())
    note = (
        f"{mismatch} mismatches vs grid on {int(has.sum()):,} points sjoin assigns"
        f" ({only_grid} only the grid assigns: on a boundary); median of {plan.sjoin_runs}"
    )
    return rate, note, {"mismatch": mismatch, "assigned": int(has.sum()), "only_grid": only_grid}


# ---- 3: start-up --------------------------------------------------------------------

_CHILD = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from lookup.store import load_dataset
t1 = time.perf_counter()
ds = load_dataset(Path(sys.argv[1]))
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, len(ds.precincts))
"""


def bench_startup(label: str, data_dir: Path, plan: Plan, report: Report) -> float:
    folder = current_target(data_dir)
    assert folder is not None
    walls, imports, loads = [], [], []
    for _ in range(plan.startup_runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(folder)],
            check=True,
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        walls.append(time.perf_counter() - t0)
        imp, load, _n = out.stdout.split()
        imports.append(float(imp))
        loads.append(float(load))
    wall = statistics.median(walls)
    report.add(
        Row(
            f"dataset load, fresh process, {label}",
            wall,
            "s",
            f"python start + imports + load_dataset; in the child: imports "
            f"{statistics.median(imports):.3f} s, load {statistics.median(loads):.3f} s",
            {"imports_s": statistics.median(imports), "child_load_s": statistics.median(loads)},
        )
    )
    warm, _ = median_seconds(lambda: load_dataset(folder), 3)
    report.add(
        Row(f"dataset load call alone, {label}", warm, "s", "load_dataset() in this process, med 3")
    )
    return wall


# ---- in-process service (no HTTP), to read the HTTP figures against -------------------


def bench_address_points(
    ds: Dataset, points: list[tuple[float, float]], plan: Plan, report: Report
) -> float:
    """Single grid look-ups on real address points: they cluster along streets, which are
    often precinct boundaries, so more of them fall in mixed cells than uniform points."""
    grid = ds.index
    reps = plan.single_points // max(1, len(points)) + 1
    n = plan.single_points
    xs = ([x for x, _ in points] * reps)[:n]
    ys = ([y for _, y in points] * reps)[:n]
    us = single_us(grid.locate, xs, ys, plan.single_runs)
    x0, y0, dx, dy = (float(v) for v in grid.grid.origin)
    _ny, nx = grid.grid.shape
    px, py = np.array([x for x, _ in points]), np.array([y for _, y in points])
    cell = ((py - y0) // dy).astype(np.int64) * nx + ((px - x0) // dx).astype(np.int64)
    mixed = float((grid.grid.cells[cell] <= -2).mean())
    report.add(
        Row(
            "point->precinct single, grid, demo addr pts",
            us,
            "us/lookup",
            f"{len(points):,} real address points, {mixed:.0%} of them in mixed cells",
            {"mixed_share": mixed},
        )
    )
    return us


def bench_service(
    ds: Dataset, points: list[tuple[float, float]], addresses: list[str], plan: Plan
) -> dict[str, float]:
    now = datetime.now(UTC)
    out: dict[str, float] = {}
    queries: dict[str, list[Any]] = {
        "coordinates": [PointQuery(lon=x, lat=y) for x, y in points],
        "address": [AddressQuery(a) for a in addresses],
    }
    for kind, qs in queries.items():
        qs = (qs * (plan.service_calls // max(1, len(qs)) + 1))[: plan.service_calls]

        def run(qs: list[Any] = qs) -> None:
            for q in qs:
                with suppress(ServiceError):
                    find_polling_place(ds, q, now)

        secs, _ = median_seconds(run, 3)
        out[kind] = secs / len(qs) * 1e6
    return out


# ---- 4: HTTP under gunicorn ---------------------------------------------------------


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


@contextmanager
def gunicorn(data_dir: Path, log_path: Path) -> Iterator[int]:
    """Run ``lookup serve`` on a free port until the block exits (even on error)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "lookup.cli", "serve", "--data-dir", str(data_dir),
        "--port", str(port), "--workers", str(HTTP_WORKERS),
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{tail}")
            try:
                if http_get(port, "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn not ready after 60 s")
            time.sleep(0.1)
        yield port
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):  # its own session: master and workers
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    closed: int  # responses that closed the connection (no keep-alive)
    statuses: dict[int, int]
    round_rps: tuple[float, ...] = ()  # requests/s of each round, in order

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


HTTP_ROUNDS = 5


def merge_rounds(runs: list[LoadResult]) -> LoadResult:
    """Requests over time summed across rounds; latencies the median of the rounds'."""
    statuses: dict[int, int] = {}
    for r in runs:
        for s, c in r.statuses.items():
            statuses[s] = statuses.get(s, 0) + c
    return LoadResult(
        requests=sum(r.requests for r in runs),
        seconds=sum(r.seconds for r in runs),
        errors=sum(r.errors for r in runs),
        p50_ms=statistics.median(r.p50_ms for r in runs),
        p99_ms=statistics.median(r.p99_ms for r in runs),
        closed=sum(r.closed for r in runs),
        statuses=dict(sorted(statuses.items())),
        round_rps=tuple(r.rps for r in runs),
    )


def paired_ratio(x: LoadResult, base: LoadResult) -> tuple[float, float, float]:
    """Median, min and max of the per-round ratios x/base. Rounds next to each other in
    time share the machine's noise, so their ratio is steadier than a ratio of totals."""
    ratios = [a / b for a, b in zip(x.round_rps, base.round_rps, strict=True) if b] or [0.0]
    return statistics.median(ratios), min(ratios), max(ratios)


def generate_load(
    port: int, paths: Sequence[str], seconds: float, ok: frozenset[int]
) -> LoadResult:
    """``CONNECTIONS`` threads, each one keep-alive ``http.client`` connection, for
    ``seconds``; every thread stops by itself at the deadline."""
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    statuses: list[dict[int, int]] = [{} for _ in range(CONNECTIONS)]
    closed = [0] * CONNECTIONS
    start = time.perf_counter()
    deadline = start + seconds

    def worker(k: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        lat, st = latencies[k], statuses[k]
        i = k
        try:
            while time.perf_counter() < deadline:
                path = paths[i % len(paths)]
                i += CONNECTIONS
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path)
                    resp = conn.getresponse()
                    resp.read()
                    status = resp.status
                    closed[k] += bool(resp.will_close)
                except (OSError, http.client.HTTPException):
                    status = 0  # connection error: counted as an error
                    conn.close()
                lat.append(time.perf_counter() - t0)
                st[status] = st.get(status, 0) + 1
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.perf_counter()) + 20)
    elapsed = time.perf_counter() - start
    all_lat = np.array([x for lat in latencies for x in lat]) * 1e3
    merged: dict[int, int] = {}
    for st in statuses:
        for s, c in st.items():
            merged[s] = merged.get(s, 0) + c
    errors = sum(c for s, c in merged.items() if s not in ok)
    return LoadResult(
        requests=len(all_lat),
        seconds=elapsed,
        errors=errors,
        p50_ms=float(np.percentile(all_lat, 50)) if len(all_lat) else float("nan"),
        p99_ms=float(np.percentile(all_lat, 99)) if len(all_lat) else float("nan"),
        closed=sum(closed),
        statuses=dict(sorted(merged.items())),
    )


WRK_SCRIPT = r"""
paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH {\"requests\": %d, \"us\": %d, \"p50\": %d, \"p99\": %d, \"bad\": %d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def ensure_wrk() -> str | None:
    """Debian's wrk (a C load generator: it leaves the cores to the server under test),
    installed by the benchmark itself where it may; None to use the Python generator."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("  (installing Debian's wrk for the HTTP load)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        if subprocess.run(cmd, capture_output=True, env=env, timeout=300).returncode != 0:
            return None
    return shutil.which("wrk")


def generate_load_wrk(
    wrk: str, port: int, paths: Sequence[str], seconds: float, tmp: Path
) -> LoadResult:
    """``CONNECTIONS`` connections from 2 wrk threads for ``seconds`` (wrk stops itself)."""
    script, listing = tmp / "bench.lua", tmp / "paths.txt"
    script.write_text(WRK_SCRIPT)
    listing.write_text("\n".join(paths) + "\n")
    out = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(seconds))}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        env=dict(os.environ, BENCH_PATHS=str(listing)),
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no summary: {out.stdout[-500:]} {out.stderr[-500:]}")
    r = json.loads(line.removeprefix("BENCH "))
    return LoadResult(
        requests=r["requests"],
        seconds=r["us"] / 1e6,
        errors=r["bad"],
        p50_ms=r["p50"] / 1e3,
        p99_ms=r["p99"] / 1e3,
        closed=0,
        statuses={},
    )


def demo_lookup_points(ds: Dataset, data_dir: Path, rng: np.random.Generator) -> list[tuple]:
    """Coordinates of real demo address points (the published address columns) that the
    serving index places in a precinct; random points in the precincts if unavailable."""
    folder = current_target(data_dir)
    lon = lat = np.array([])
    if folder is not None and (folder / "addresses" / "lon.npy").exists():
        lon = np.load(folder / "addresses" / "lon.npy")
        lat = np.load(folder / "addresses" / "lat.npy")
    if len(lon) == 0:
        lon, lat = uniform_points(rng, ds.bbox, 20 * URLS_PER_ENDPOINT)
    pick = rng.permutation(len(lon))
    out: list[tuple[float, float]] = []
    for k in pick:
        x, y = float(lon[k]), float(lat[k])
        if ds.index.locate(x, y) is not None:
            out.append((x, y))
            if len(out) == URLS_PER_ENDPOINT:
                break
    return out


def street_line(r: dict[str, str]) -> str:
    """ADDRNUM ADDRNUMSUF STDIR STREETNAME STREETTYPE SUFDIR, as a resident writes it: a
    letter suffix is part of the number ("114A"), a fraction is its own word ("205 1/2")."""
    number, suffix = r["ADDRNUM"].strip(), r["ADDRNUMSUF"].strip()
    if suffix.isalpha():
        number, suffix = number + suffix, ""
    parts = (number, suffix, *(r[c].strip() for c in ("STDIR", "STREETNAME", "STREETTYPE")))
    return " ".join(p for p in (*parts, r["SUFDIR"].strip()) if p)


def demo_addresses(seed: int) -> list[str]:
    """One-line addresses of active, unit-less rows of the demo Master Address Table."""
    with DEMO_ADDRESSES.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["STATUS_CODE"] == "A" and not r["UNITID"]]
    lines = [f"{street_line(r)}, {r['ZIPCODE'].strip()}" for r in rows]
    random.Random(seed).shuffle(lines)
    return lines[:URLS_PER_ENDPOINT]


def bench_http(
    data_dir: Path,
    points: list[tuple[float, float]],
    addresses: list[str],
    plan: Plan,
    tmp: Path,
    report: Report,
) -> dict[str, LoadResult]:
    endpoints: list[tuple[str, str, list[str], frozenset[int]]] = [
        ("a", "/healthz", ["/healthz"], frozenset({200})),
        (
            "b",
            "/api/v1/lookup?lat=..&lon=..",
            [f"/api/v1/lookup?lat={y:.6f}&lon={x:.6f}" for x, y in points],
            frozenset({200}),
        ),
        (
            "c",
            "/api/v1/lookup?address=..",
            ["/api/v1/lookup?" + urllib.parse.urlencode({"address": a}) for a in addresses],
            frozenset({200, 422}),
        ),
    ]
    results: dict[str, LoadResult] = {}
    log_path = tmp / "gunicorn.log"
    wrk = ensure_wrk()

    def load(paths: list[str], seconds: float, ok: frozenset[int]) -> LoadResult:
        if wrk:
            return generate_load_wrk(wrk, port, paths, seconds, tmp)
        return generate_load(port, paths, seconds, ok)

    t0 = time.perf_counter()
    with gunicorn(data_dir, log_path) as port:
        print(f"  (gunicorn ready on 127.0.0.1:{port} in {time.perf_counter() - t0:.1f} s)")
        for _key, _label, paths, ok in endpoints:
            load(paths, plan.warmup_seconds, ok)  # warm-up, not counted
        # Endpoints take turns in short rounds, so that a noisy neighbour on this shared
        # machine slows all of them alike instead of whichever ran at the time.
        rounds: dict[str, list[LoadResult]] = {key: [] for key, *_ in endpoints}
        for _ in range(HTTP_ROUNDS):
            for key, _label, paths, ok in endpoints:
                rounds[key].append(load(paths, plan.http_seconds / HTTP_ROUNDS, ok))
        results = {key: merge_rounds(runs) for key, runs in rounds.items()}
        for key, label, _paths, ok in endpoints:
            r = results[key]
            if key == "a":
                vs = ""
            else:
                med, lo, hi = paired_ratio(r, results["a"])
                vs = f"{med:.2f}x /healthz (rounds {lo:.2f}-{hi:.2f}); "
            accepted = "/".join(str(s) for s in sorted(ok))
            report.add(
                Row(
                    f"HTTP ({key}) {label}",
                    r.rps,
                    "req/s",
                    f"{vs}p50 {r.p50_ms:.2f} ms, p99 {r.p99_ms:.2f} ms, "
                    f"errors {r.errors} (non-{accepted}) of {r.requests:,}",
                    asdict(r) | {"rps": r.rps},
                )
            )
            if r.errors:
                report.failures.append(f"HTTP {label}: {r.errors} errors, statuses {r.statuses}")
    if "c" in results and results["c"].statuses:
        c = results["c"]
        report.footnotes.append(
            f"HTTP (c) statuses: {c.statuses} (422 = the address did not resolve to one point)"
        )
    n_closed = sum(r.closed for r in results.values())
    n_total = sum(r.requests for r in results.values())
    client = (
        f"wrk (2 threads, {CONNECTIONS} connections)"
        if wrk
        else f"{CONNECTIONS} Python client threads (wrk not available)"
    )
    report.footnotes.append(
        f"HTTP: {client} on the same {os.cpu_count()} cores as the {HTTP_WORKERS} gunicorn "
        "workers; requests/s are a lower bound of what the server alone can do, and the "
        "ratios between endpoints in the same run matter more."
    )
    if n_closed:
        report.footnotes.append(
            f"HTTP: {n_closed:,} of {n_total:,} responses closed the connection (gunicorn's "
            "sync worker has no keep-alive), so those requests each paid a new TCP connect."
        )
    return results


# ---- targets and output -------------------------------------------------------------


def evaluate_targets(
    points: dict[str, dict[str, Any]],
    http: dict[str, LoadResult],
    load_s: float | None,
    load_label: str,
) -> list[Target]:
    meck = points.get("meck")
    targets = []
    if meck:
        us, rate, sj = meck["single"]["grid"], meck["batch"]["grid"], meck["sjoin"]
        targets += [
            check("single <= 15 us (meck, grid)", us <= 15, f"{us:.2f} us"),
            check("batch >= 1,000,000 points/s (meck, grid)", rate >= 1e6, f"{_si(rate)} pts/s"),
            check("grid batch >= 2x sjoin (meck)", rate >= 2 * sj, ratio(rate, sj)),
        ]
    else:
        for name in (
            "single <= 15 us (meck, grid)",
            "batch >= 1,000,000 points/s (meck, grid)",
            "grid batch >= 2x sjoin (meck)",
        ):
            targets.append(check(name, None, "real Mecklenburg data absent"))
    if "a" in http and "b" in http:
        r, lo, hi = paired_ratio(http["b"], http["a"])
        targets.append(
            check(
                "lookup by coordinates >= 0.7x /healthz req/s",
                r >= 0.7,
                f"{r:.2f}x (median of {len(http['b'].round_rps)} paired rounds, {lo:.2f}-{hi:.2f})",
            )
        )
    else:
        targets.append(check("lookup by coordinates >= 0.7x /healthz req/s", None, "not run"))
    if load_s is not None:
        targets.append(
            check(
                f"dataset load < 1 s ({load_label}, fresh process)",
                load_s < 1.0,
                f"{load_s:.3f} s",
            )
        )
    else:
        targets.append(check("dataset load < 1 s", None, "not run"))
    return targets


def print_table(report: Report, header: str) -> None:
    print()
    print(header)
    print(f"{'benchmark':<44} {'value':<10} {'unit':<10} ratio / note")
    for row in report.rows:
        print(_row_line(row))
    print()
    print("targets")
    for t in report.targets:
        print(f"  [{t.status}] {t.name}: {t.detail}")
    for note in report.footnotes:
        print(f"* {note}")
    for reason in report.skipped:
        print(f"* skipped: {reason}")
    for failure in report.failures:
        print(f"! check failed: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter HTTP load")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--real-dir",
        type=Path,
        default=REPO.parent / "shared" / "data" / "nc",
        help="the real NC data folder (default: ../shared/data/nc from the repository)",
    )
    parser.add_argument("--seed", type=int, default=20241003)
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    rng = np.random.default_rng(args.seed)
    report = Report()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    now = datetime.now(UTC)
    header = (
        f"lookup benchmark ({'quick' if args.quick else 'full'}), {datetime.now():%Y-%m-%d %H:%M}"
        f", python {platform.python_version()}, shapely {shapely.__version__}, "
        f"numpy {np.__version__}, {os.cpu_count()} cores"
    )
    print(header, flush=True)

    with tempfile.TemporaryDirectory(prefix="lookup-bench-") as tmp_name:
        tmp = Path(tmp_name)
        print("building datasets with the real refresh ...", flush=True)
        demo_dir, demo = build_demo(tmp, now)
        meck = build_meck(args.real_dir, tmp, now)
        datasets: list[tuple[str, Path, Dataset]] = []
        if isinstance(meck, str):
            report.skip(f"Mecklenburg rows: {meck}")
        else:
            datasets.append(("meck", *meck))
        datasets.append(("demo", demo_dir, demo))

        points: dict[str, dict[str, Any]] = {}
        for label, _dir, ds in datasets:
            print(f"point -> precinct and sjoin, {label} ...", flush=True)
            points[label] = bench_points(label, ds, plan, rng, report)

        print("PostGIS side by side (same precincts, uniform points) ...", flush=True)
        postgis: dict[str, dict[str, float]] = {}
        server = ensure_postgis()
        if isinstance(server, str):
            report.skip(f"PostGIS rows: {server}")
        else:
            pg_rng = np.random.default_rng(args.seed + 1)  # leaves rng's later draws unchanged
            try:
                for label, _dir, ds in datasets:
                    bounds = tuple(float(v) for v in shapely.total_bounds(ds.geoms))
                    lon, lat = uniform_points(pg_rng, bounds, plan.batch_points)
                    postgis[label] = bench_postgis(
                        label, ds, lon, lat, plan.single_points, plan.single_runs, report,
                        server=server, grid_single_us=points[label]["single"]["grid"],
                    )  # fmt: skip
            finally:
                server.stop()

        print("start-up ...", flush=True)
        load_label, load_dir = ("demo", demo_dir) if isinstance(meck, str) else ("meck", meck[0])
        load_s = bench_startup(load_label, load_dir, plan, report)

        lookup_points = demo_lookup_points(demo, demo_dir, rng)
        addresses = demo_addresses(args.seed)
        print("in-process service calls (no HTTP), demo ...", flush=True)
        bench_address_points(demo, lookup_points, plan, report)
        svc = bench_service(demo, lookup_points, addresses, plan)
        for kind, us in svc.items():
            report.add(
                Row(
                    f"find_polling_place, {kind}, demo",
                    us,
                    "us/call",
                    "the service call alone, in process (no Flask, no JSON)",
                )
            )

        print(f"HTTP under gunicorn, {plan.http_seconds:g} s per endpoint ...", flush=True)
        http_results: dict[str, LoadResult] = {}
        try:
            http_results = bench_http(demo_dir, lookup_points, addresses, plan, tmp, report)
        except (RuntimeError, OSError) as exc:
            report.skip(f"HTTP rows: {exc}")
            report.failures.append(f"HTTP benchmark did not run: {exc}")

        print("refresh timings ...", flush=True)
        refresh_targets = bench_refresh(args.real_dir, tmp, args.quick, report)

        print("geocoding: 700,000 address points, suggest, lookup batch ...", flush=True)
        geocode_targets = bench_geocoding(tmp, demo_dir, args.quick, report)

    meck_grid = points.get("meck")
    report.targets = (
        evaluate_targets(points, http_results, load_s, load_label)
        + postgis_targets(
            meck_grid["single"]["grid"] if meck_grid else None,
            meck_grid["batch"]["grid"] if meck_grid else None,
            postgis.get("meck"),
        )
        + refresh_targets
        + geocode_targets
    )
    report.footnotes.append(
        f"1-minute load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end: "
        "anything else running on these cores (a test suite, another server) skews every figure."
    )
    elapsed = time.perf_counter() - started
    print_table(report, f"{header}; took {elapsed:.0f} s")
    if args.json:
        body = {
            "header": header,
            "quick": args.quick,
            "seconds": round(elapsed, 1),
            "plan": asdict(plan),
            "rows": [asdict(r) | {"display": fmt_value(r.value, r.unit)} for r in report.rows],
            "targets": [asdict(t) for t in report.targets],
            "footnotes": report.footnotes,
            "skipped": report.skipped,
            "failures": report.failures,
        }
        args.json.write_text(json.dumps(body, indent=1, default=str) + "\n")
        print(f"wrote {args.json}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
