"""Benchmark the polling-place lookup, from one county to the whole state (issue 7).

Usage (from the repository root)::

    .venv/bin/python -m scripts.bench [--quick] [--json OUT.json] [--profiles docs/profiles]
                                      [--real-dir ../shared/data/nc]
                                      [--statewide [--statewide-points N] [--voters N]
                                                   [--keep-statewide DIR]]

Every figure is measured in the same run, on datasets built by the real code in a
temporary folder removed at the end (``datasets``: the demo county, the real
Mecklenburg files, Mecklenburg with a 700,000-point synthetic address table, and the
statewide 2018 map):

* point -> precinct, single look-ups in process and batch, beside the floor (one Point
  and one prepared ``contains``), STRtree, rtree, ``geopandas.sjoin`` and PostGIS
  (``postgis``), with the number of points where the answers differ;
* start-up and memory per gunicorn worker, with and without ``--preload``
  (``startup``); the dataset load in a fresh process;
* HTTP requests/s and latency of five endpoints of one gunicorn (``http_load``);
* the geocoder on 700,000 address points and ``lookup batch`` on 1,000,000 addresses
  (``geocode``); refresh timings; the same 700,000 points read as a GeoJSON, zipped
  shapefile and GeoPackage layer (``address_layers``);
* with ``--statewide``: every county's address points (5,000,000 synthetic ones) on the
  statewide map: refresh, start-up and worker memory, geocoder latencies, HTTP beside the
  floor with its ranked sites, ``lookup batch`` on 7,500,000 voter rows (``statewide``).

Each section also records how much of this shared 2-core machine other processes took
meanwhile (``machine``); a section over 10 % is reported as disturbed. With
``--profiles DIR``, py-spy profiles of the HTTP endpoints, the start-up and ``lookup
batch`` are summarised there as plain text (``profiles``).

Exit status: 0, or 1 when a correctness check fails (the indexes, sjoin or PostGIS
disagree, or the HTTP run had errors). Missed performance targets are reported, not fatal.
"""

from __future__ import annotations

import argparse
import functools
import gc
import http.server
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from lookup.dataset.codec import load_dataset
from lookup.dataset.model import Dataset
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import ServiceError
from lookup.service import AddressQuery, PointQuery, find_polling_place
from lookup.spatial.grid import GridIndex, PrecinctIndex
from lookup.spatial.trees import RtreeIndex, StrTreeIndex
from scripts.bench.address_layers import bench_address_layers
from scripts.bench.cache_probe import SITES_FLOOR, floor_path
from scripts.bench.cachegrind import bench_cachegrind
from scripts.bench.datasets import (
    MECK_EARLY,
    MECK_POLLING,
    MECK_PRECINCTS,
    Built,
    build_demo,
    build_meck,
    build_state,
    facility_csv,
    synthetic_table,
)
from scripts.bench.geocode import bench_geocoding
from scripts.bench.http_load import (
    COLD_CALLS,
    HttpResult,
    Workload,
    bench_http,
    bench_wsgi,
    build_workload,
    mixed_paths,
)
from scripts.bench.machine import CacheSweep, CpuShare, CpuWatch, machine_line, pace
from scripts.bench.postgis import bench_postgis, ensure_postgis, postgis_targets
from scripts.bench.profiles import ensure_py_spy
from scripts.bench.report import Report, Row, Target, _row_line, _si, check, fmt_value, ratio
from scripts.bench.serve import gunicorn
from scripts.bench.servers import bench_servers
from scripts.bench.startup import StartSummary, bench_startup, profile_startup
from scripts.bench.statewide import add_statewide_arguments, bench_statewide, statewide_options
from scripts.harness import REPO


@dataclass(frozen=True)
class Plan:
    single_points: int  # points per single-lookup run
    single_runs: int
    batch_points: int
    compare_points: int  # batch points for the comparison trees (strtree, rtree)
    batch_runs: int
    sjoin_runs: int
    postgis_points: int  # points in the PostGIS batch join
    startup_runs: int  # fresh servers per dataset and mode
    http_seconds: float  # per endpoint
    warmup_seconds: float  # per endpoint, not counted
    service_calls: int  # in-process find_polling_place calls per kind
    check_points: int  # single look-ups compared with the batch answers, per index
    grid_rebuild: bool  # rebuild the statewide grid in process (timed, compared)


FULL = Plan(50_000, 3, 1_000_000, 1_000_000, 3, 3, 1_000_000, 3, 10.0, 1.0, 3000, 5000, True)
QUICK = Plan(10_000, 3, 1_000_000, 250_000, 1, 1, 250_000, 1, 4.0, 0.5, 1000, 2000, False)


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


# ---- refresh ------------------------------------------------------------------------


def refresh_rows(built: dict[str, Built], report: Report) -> list[Target]:
    """The dataset builds of this run are real refreshes: their times are the figures."""
    targets = []
    notes = {
        "meck": "real files + 160 facility addresses",
        "meck700k": "real files + 700,000 synthetic MAT rows (read, geocode index)",
        "state": "statewide 2018 KMZ/KML, 2,706 precincts",
    }
    for label, limit in (("meck", 30.0), ("meck700k", None), ("state", 120.0)):
        b = built.get(label)
        if b is None:
            if limit is not None:
                targets.append(check(f"{label} refresh < {limit:.0f} s", None, "not built"))
            continue
        report.add(Row(f"refresh, {label}, local files", b.seconds, "s", notes[label]))
        if limit is not None:
            targets.append(check(f"{label} refresh < {limit:.0f} s", b.seconds < limit,
                                 f"{b.seconds:.1f} s"))  # fmt: skip
    return targets


def bench_no_change(real_dir: Path, tmp: Path, report: Report) -> list[Target]:
    """A no-change refresh from URLs must download nothing: the Mecklenburg files over
    HTTP twice, the second time conditional GETs only."""
    from lookup.ingest.fetch import fetch

    rels = [MECK_PRECINCTS, MECK_POLLING, MECK_EARLY]
    if not all((real_dir / r).exists() for r in rels):
        report.skip("no-change refresh: real Mecklenburg files not found")
        return [check("no-change refresh downloads nothing", None, "files absent")]
    handler = functools.partial(_QuietHandler, directory=str(real_dir))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
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
    return [check("no-change refresh downloads nothing", again == 0, f"{again} bytes")]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Python's file server (it answers If-Modified-Since with 304), without its log."""

    def log_message(self, *args: object) -> None:
        pass


def bench_grid_build(state: Built, report: Report) -> None:
    """Build the statewide grid again in this process, as ``lookup.spatial.grid`` does for
    every refresh (prepare the polygons, classify the cells), and compare it with the
    published one."""
    t0 = time.perf_counter()
    fresh = GridIndex(state.ds.geoms)
    seconds = time.perf_counter() - t0
    same = np.array_equal(fresh.grid.cells, state.ds.index.grid.cells) and np.array_equal(
        fresh.grid.cand_ids, state.ds.index.grid.cand_ids
    )
    ny, nx = fresh.grid.shape
    report.add(
        Row(
            "precinct grid build, state",
            seconds,
            "s",
            f"GridIndex over {len(state.ds.geoms):,} polygons "
            f"({int(shapely.get_num_coordinates(state.ds.geoms).sum()):,} vertices): "
            f"{nx}x{ny} cells; identical to the published grid: {same}",
        )
    )
    if not same:
        report.failures.append("statewide grid rebuilt in process differs from the published one")


# ---- point -> precinct, in process, and geopandas.sjoin -----------------------------


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
        tree: PrecinctIndex = cls(geoms)
        indexes.append((cls.name, tree))
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
        secs, out = median_seconds(functools.partial(idx.locate_many, x, y), plan.batch_runs)
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
    return {
        "single": single,
        "floor": floor_us,
        "batch": batch_rate,
        "sjoin": sjoin_rate,
        "sjoin_mismatch": sjoin_extra["mismatch"],
        "sjoin_assigned": sjoin_extra["assigned"],
    }


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

    secs, result = median_seconds(run, plan.sjoin_runs)
    joined: Any = result
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


# ---- dataset load in a fresh process -------------------------------------------------

_CHILD = """
import sys, time
t0 = time.perf_counter()
from pathlib import Path
from lookup.dataset.codec import load_dataset
t1 = time.perf_counter()
ds = load_dataset(Path(sys.argv[1]))
t2 = time.perf_counter()
print(t1 - t0, t2 - t1, len(ds.precincts))
"""


def bench_load(b: Built, plan: Plan, report: Report) -> float | None:
    """Python start + imports + ``load_dataset`` in a fresh process (median), and the load
    call alone in this one; None (and a failure) if the child fails."""
    walls, imports, loads = [], [], []
    for _ in range(plan.startup_runs):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(b.folder)],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        if out.returncode != 0:
            report.failures.append(f"load_dataset in a fresh process failed: {out.stderr[-600:]}")
            return None
        walls.append(time.perf_counter() - t0)
        imp, load, _n = out.stdout.split()
        imports.append(float(imp))
        loads.append(float(load))
    wall = statistics.median(walls)
    report.add(
        Row(
            f"dataset load, fresh process, {b.label}",
            wall,
            "s",
            f"python start + imports + load_dataset; in the child: imports "
            f"{statistics.median(imports):.3f} s, load {statistics.median(loads):.3f} s",
            {"imports_s": statistics.median(imports), "child_load_s": statistics.median(loads)},
        )
    )
    warm, _ = median_seconds(lambda: load_dataset(b.folder), 3)
    report.add(
        Row(
            f"dataset load call alone, {b.label}",
            warm,
            "s",
            "load_dataset() in this process, median of 3",
        )
    )
    return wall


# What the benchmark's other subprocesses import (lookup batch, the fresh-process load,
# the address index build): compiled once, before anything is timed.
PRIMED = ("lookup.batch.local", "lookup.cli", "lookup.dataset.codec",
          "lookup.ingest.formats.addresses", "lookup.geocode.local", "pandas", "pyproj",
          "geopandas")  # fmt: skip


def prime_bytecode(demo: Built, tmp: Path, report: Report) -> None:
    """One server start, then the imports of the other subprocesses, with the bytecode
    cache empty: every later start is measured as a deployed service starts."""
    with gunicorn(demo.data_dir, tmp / "prime.log") as server:
        ready = server.ready_s
    subprocess.run(
        [sys.executable, "-c", f"import {', '.join(PRIMED)}"], cwd=REPO, timeout=300, check=False
    )
    report.add(
        Row(
            "start-up to /readyz, demo, empty bytecode cache",
            ready,
            "s",
            "the first start compiles every module (PYTHONPYCACHEPREFIX in the temporary "
            "folder); every other start-up figure is with the cache filled",
        )
    )


# ---- in-process service (no HTTP), to read the HTTP figures against -------------------


def bench_address_points(
    label: str, ds: Dataset, points: list[tuple[float, float]], plan: Plan, report: Report
) -> float:
    """Single grid look-ups on address points: they cluster along streets, which are
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
            f"point->precinct single, grid, {label} addr pts",
            us,
            "us/lookup",
            f"{len(points):,} address points, {mixed:.0%} of them in mixed cells",
            {"mixed_share": mixed},
        )
    )
    return us


def bench_service(b: Built, work: Workload, plan: Plan, report: Report) -> None:
    """``find_polling_place`` in process (no Flask, no JSON) on the HTTP run's queries."""
    now = (
        datetime.fromisoformat(b.day).replace(hour=12, tzinfo=LOCAL_TZ)
        if b.day
        else datetime.now(UTC)
    )
    queries: dict[str, list[Any]] = {
        "coordinates": [PointQuery(lon=x, lat=y) for x, y in work.points],
        "address": [AddressQuery(a) for a in work.texts],
    }
    sweep = CacheSweep()
    for kind, qs in queries.items():
        qs = (qs * (plan.service_calls // max(1, len(qs)) + 1))[: plan.service_calls]

        def run(qs: list[Any] = qs) -> None:
            for q in qs:
                with suppress(ServiceError):
                    find_polling_place(b.ds, q, now)

        secs, _ = median_seconds(run, 3)
        report.add(
            Row(
                f"find_polling_place, {kind}, {b.label}",
                secs / len(qs) * 1e6,
                "us/call",
                "the service call alone, in process (no Flask, no JSON), same queries as HTTP",
            )
        )

        def one(q: Any) -> None:
            with suppress(ServiceError):
                find_polling_place(b.ds, q, now)

        cold = qs[:COLD_CALLS]
        report.add(
            Row(
                f"find_polling_place, {kind}, {b.label}, cold caches",
                sweep.cold_seconds(one, cold) / len(cold) * 1e6,
                "us/call",
                f"the same, each call after a {sweep.bytes / 1024**2:.0f} MB cache sweep (thread "
                "CPU): what it costs inside a gunicorn worker under load",
            )
        )


# ---- targets and output -------------------------------------------------------------


def point_targets(
    label: str, single_max_us: float, figures: dict[str, Any] | None, pg: dict[str, float] | None
) -> list[Target]:
    """Single <= ``single_max_us``, batch >= 1M/s and >= 2x sjoin; PostGIS >= 15x single and
    >= 3x batch; and the answers agree with sjoin and PostGIS."""
    names = [
        f"single <= {single_max_us:g} us ({label}, grid)",
        f"batch >= 1,000,000 points/s ({label}, grid)",
        f"grid batch >= 2x sjoin ({label})",
        f"answers agree with sjoin ({label})",
        f"answers agree with PostGIS ({label})",
    ]
    if figures is None:
        out = [check(n, None, f"no {label} dataset") for n in names]
        return out + postgis_targets(None, None, None, label)
    us, rate, sj = figures["single"]["grid"], figures["batch"]["grid"], figures["sjoin"]
    sj_bad = figures["sjoin_mismatch"]
    out = [
        check(names[0], us <= single_max_us, f"{us:.2f} us"),
        check(names[1], rate >= 1e6, f"{_si(rate)} pts/s"),
        check(names[2], rate >= 2 * sj, ratio(rate, sj)),
        check(names[3], sj_bad == 0, f"{sj_bad} mismatches on {figures['sjoin_assigned']:,} pts"),
    ]
    if pg:
        off = int(pg["mismatch_off_boundary"] + pg["single_off_boundary"])
        detail = (
            f"{off} mismatches away from a boundary, {int(pg['mismatch_on_boundary'])} on one "
            f"({int(pg['points']):,} batch + {int(pg['single_points']):,} single points)"
        )
        out.append(check(names[4], off == 0, detail))
    else:
        out.append(check(names[4], None, "PostGIS did not run"))
    return out + postgis_targets(us, rate, pg, label)


def serve_targets(
    http: HttpResult | None, startup: dict[tuple[str, bool], StartSummary], county: str
) -> list[Target]:
    out = []
    for key, name, floor in (
        ("b", "lookup by coordinates >= 0.8x /healthz req/s", 0.8),
        ("c", "lookup by address >= 0.7x /healthz req/s", 0.7),
    ):
        if http is None:
            out.append(check(name, None, "HTTP not run"))
            continue
        med = http.ratios[key][0]
        out.append(check(f"{name} ({http.label})", med >= floor, http.ratio_detail(key)))
    for label, limit, kind in ((county, 0.5, "county"), ("state", 1.0, "statewide")):
        for preload in (True, False):
            mode = "preload" if preload else "no-preload"
            name = f"{kind} worker ready <= {limit:g} s ({label}, {mode})"
            s = startup.get((label, preload))
            if s is None:
                out.append(check(name, None, "not run"))
                continue
            ready, own = s.med("ready_s"), s.med("worker_init_s")
            out.append(
                check(
                    name,
                    ready <= limit,
                    f"start -> /readyz {ready:.3f} s; worker's own init {own:.3f} s",
                )
            )
    for preload in (True, False):
        mode = "preload" if preload else "no-preload"
        name = f"county worker <= 150 MB resident ({county}, {mode})"
        s = startup.get((county, preload))
        if s is None:
            out.append(check(name, None, "not run"))
            continue
        # The worst of: after the start-up warm-up, and (preloaded, as HTTP runs) after
        # the whole HTTP run, which has touched more of the memory-mapped address columns.
        seen = [*s.runs[-1].warm["workers"].values()]
        if preload and http is not None and http.label == county:
            seen += http.memory["workers"].values()
        rss = max(w["Rss"] for w in seen)
        pss = max(w["Pss"] for w in seen)
        uss = max(w["Uss"] for w in seen)
        out.append(
            check(
                name,
                rss <= 150,
                f"largest worker RSS {rss:.0f} MB (PSS {pss:.0f}, USS {uss:.0f} MB)",
            )
        )
    return out


def print_table(report: Report, header: str, machine: str) -> None:
    print()
    print(header)
    print(machine)
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


class Sections:
    """Wall time of each part of the run and the share of the machine other processes
    took meanwhile."""

    def __init__(self) -> None:
        self.done: list[tuple[str, CpuShare]] = []

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        print(f"{name} ...", flush=True)
        watch = CpuWatch().start()
        try:
            yield
        finally:
            share = watch.stop()
            self.done.append((name, share))
            flag = " DISTURBED" if share.disturbed else ""
            print(f"  ({name}: {share.seconds:.0f} s; {share.describe()}{flag})", flush=True)

    def footnote(self) -> str:
        parts = [
            f"{name} {s.foreign:.0%}{' (disturbed)' if s.disturbed else ''}"
            for name, s in self.done
        ]
        return "other processes' share of the machine per section: " + "; ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="fewer runs, shorter HTTP load")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--profiles", type=Path, help="profile with py-spy and write text summaries here"
    )
    parser.add_argument(
        "--real-dir",
        type=Path,
        default=REPO.parent / "shared" / "data" / "nc",
        help="the real NC data folder (default: ../shared/data/nc from the repository)",
    )
    parser.add_argument("--seed", type=int, default=20241003)
    add_statewide_arguments(parser)
    args = parser.parse_args(argv)
    statewide = statewide_options(args)
    plan = QUICK if args.quick else FULL
    rng = np.random.default_rng(args.seed)
    report = Report()
    section = Sections()
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    now = datetime.now(UTC)
    header = (
        f"lookup benchmark ({'quick' if args.quick else 'full'}), {datetime.now():%Y-%m-%d %H:%M}"
        f", python {platform.python_version()}, shapely {shapely.__version__}, "
        f"numpy {np.__version__}, {os.cpu_count()} cores"
    )
    machine = machine_line()
    print(header, flush=True)
    print(machine, flush=True)
    pace_start = pace()
    print(f"machine pace at start: {pace_start.note()}", flush=True)
    py_spy = ensure_py_spy() if args.profiles else None
    if args.profiles and not py_spy:
        report.skip("profiles: py-spy not available")

    with tempfile.TemporaryDirectory(prefix="lookup-bench-") as tmp_name:
        tmp = Path(tmp_name)
        built: dict[str, Built] = {}
        with section("building datasets with the real refresh"):
            built["demo"] = build_demo(tmp, now)
            real = args.real_dir
            has_meck = (real / "mecklenburg" / "places").exists()
            fac = facility_csv(real, tmp / "facilities.csv") if has_meck else None
            meck = build_meck(real, tmp, now, "meck", (fac,) if fac else ())
            state = build_state(real, tmp, now)
            table = synthetic_table(tmp)
            county = build_meck(real, tmp, now, "meck700k", (*((fac,) if fac else ()), table.mat))
            for label, b in (("meck", meck), ("state", state), ("meck700k", county)):
                if isinstance(b, str):
                    report.skip(f"{label} rows: {b}")
                else:
                    built[label] = b
                    print(f"  ({label}: built in {b.seconds:.1f} s)")
        refresh_targets = refresh_rows(built, report)
        if plan.grid_rebuild and "state" in built:
            with section("statewide grid rebuilt in process"):
                bench_grid_build(built["state"], report)

        points: dict[str, dict[str, Any]] = {}
        point_sets = [built[label] for label in ("meck", "demo", "state") if label in built]
        for ps in point_sets:
            with section(f"point -> precinct and sjoin, {ps.label}"):
                points[ps.label] = bench_points(ps.label, ps.ds, plan, rng, report)

        postgis: dict[str, dict[str, float]] = {}
        with section("PostGIS side by side (same precincts, uniform points)"):
            server = ensure_postgis()
            if isinstance(server, str):
                report.skip(f"PostGIS rows: {server}")
            else:
                pg_rng = np.random.default_rng(args.seed + 1)  # leaves rng's draws unchanged
                try:
                    for ps in point_sets:
                        bounds = tuple(float(v) for v in shapely.total_bounds(ps.ds.geoms))
                        lon, lat = uniform_points(pg_rng, bounds, plan.postgis_points)
                        postgis[ps.label] = bench_postgis(
                            ps.label, ps.ds, lon, lat, plan.single_points, plan.single_runs,
                            report, server=server,
                            grid_single_us=points[ps.label]["single"]["grid"],
                        )  # fmt: skip
                finally:
                    server.stop()

        serve_label = "meck700k" if "meck700k" in built else "demo"
        serve_set = built[serve_label]
        work = {lb: build_workload(bb.folder, bb.ds, rng, bb.day) for lb, bb in built.items()}
        # The sandbox sets PYTHONDONTWRITEBYTECODE, so modules without a cached .pyc would be
        # compiled at every start: a deployed service has its bytecode cached. Subprocesses
        # cache theirs in the temporary folder, filled by one first (reported) start.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        with section("first server start, empty bytecode cache"):
            prime_bytecode(built["demo"], tmp, report)
        load_s: float | None = None
        with section("dataset load in a fresh process"):
            for label in ("meck", "meck700k", "state"):
                if label in built:
                    wall = bench_load(built[label], plan, report)
                    load_s = wall if label == "meck" else load_s

        with section("start-up and memory per worker, preload and no-preload"):
            order = [lb for lb in ("demo", "meck", "meck700k", "state") if lb in built]
            startup = bench_startup(
                [(lb, built[lb].data_dir, mixed_paths(work[lb])) for lb in order],
                plan.startup_runs,
                tmp,
                report,
            )

        with section(f"in-process service calls (no HTTP), {serve_label}"):
            bench_address_points(serve_label, serve_set.ds, work[serve_label].points, plan, report)
            bench_service(serve_set, work[serve_label], plan, report)
            bench_wsgi(serve_label, serve_set.data_dir, work[serve_label], tmp, report,
                       plan.service_calls)  # fmt: skip

        http_result: HttpResult | None = None
        with section(f"HTTP under gunicorn, {serve_label}, {plan.http_seconds:g} s per endpoint"):
            try:
                http_result = bench_http(
                    serve_label, serve_set.data_dir, work[serve_label], plan.http_seconds,
                    plan.warmup_seconds, tmp, report, py_spy=py_spy, profiles=args.profiles,
                    profile_seconds=4.0 if args.quick else 8.0,
                )  # fmt: skip
            except (RuntimeError, OSError) as exc:
                report.skip(f"HTTP rows: {exc}")
                report.failures.append(f"HTTP benchmark did not run: {exc}")

        with section(f"gunicorn and granian side by side, {serve_label}"):
            try:
                bench_servers(serve_set.data_dir, report, label=serve_label, day=serve_set.day,
                              seconds=plan.http_seconds)  # fmt: skip
            except (RuntimeError, OSError) as exc:
                report.skip(f"servers rows: {exc}")

        if args.profiles:
            w = work[serve_label]
            with section(f"cache misses per request (cachegrind), {serve_label}"):
                bench_cachegrind(
                    serve_label,
                    serve_set.data_dir,
                    {"/healthz": ["/healthz"], "lookup by coordinates": w.coords,
                     "lookup by address": w.address,
                     "floor of a look-up": [floor_path(p) for p in w.coords],
                     "floor with its ranked sites": [floor_path(p, SITES_FLOOR)
                                                     for p in w.coords]},
                    tmp,
                    report,
                    args.profiles,
                )  # fmt: skip

        if args.profiles and py_spy:
            with section("profiles of the start-up"):
                for label, name in ((serve_label, "startup_county"), ("state", "startup_state")):
                    if label in built:
                        profile_startup(py_spy, label, built[label].data_dir, tmp,
                                        args.profiles, name)  # fmt: skip

        with section("no-change refresh from URLs"):
            refresh_targets += bench_no_change(args.real_dir, tmp, report)

        with section("geocoding: 700,000 address points, suggest, lookup batch"):
            geocode_targets = bench_geocoding(
                tmp, table, built.get("meck700k"), args.quick, report,
                py_spy=py_spy, profiles=args.profiles,
            )  # fmt: skip

        with section("address layers: GeoJSON, shapefile, GPKG, 700,000 points"):
            geocode_targets += bench_address_layers(tmp, table, report)

        statewide_targets: list[Target] = []
        if statewide is not None:
            title = f"statewide: {statewide.points:,} address points, {statewide.voters:,} voters"
            with section(title):
                statewide_targets = bench_statewide(
                    args.real_dir, tmp, statewide, report, quick=args.quick,
                    startup_runs=plan.startup_runs, http_seconds=plan.http_seconds,
                    warmup_seconds=plan.warmup_seconds, seed=args.seed,
                )  # fmt: skip

    report.targets = (
        point_targets("meck", 15, points.get("meck"), postgis.get("meck"))
        + point_targets("state", 10, points.get("state"), postgis.get("state"))
        + serve_targets(http_result, startup, serve_label)
        + [
            check("dataset load < 1 s (meck, fresh process)", load_s < 1.0, f"{load_s:.3f} s")
            if load_s is not None
            else check("dataset load < 1 s (meck, fresh process)", None, "not run")
        ]
        + refresh_targets
        + geocode_targets
        + statewide_targets
    )
    pace_end = pace()
    report.rows.insert(
        0,
        Row(
            "machine pace: python -c pass",
            pace_start.start_s,
            "s",
            f"median of 5, at the start; {pace_end.start_s:.3f} s at the end. This machine's "
            "speed drifts through the day: compare runs by these two rows",
            {"start": asdict(pace_start), "end": asdict(pace_end)},
        ),
    )
    report.rows.insert(
        1,
        Row(
            "machine pace: pure-Python reference loop",
            pace_start.loop_ms,
            "ms",
            f"best of 7, at the start; {pace_end.loop_ms:.1f} ms at the end",
        ),
    )
    report.footnotes.append(section.footnote())
    report.footnotes.append(
        f"1-minute load average {load_before:.2f} at start, {os.getloadavg()[0]:.2f} at end."
    )
    elapsed = time.perf_counter() - started
    print_table(report, f"{header}; took {elapsed:.0f} s", machine)
    if args.json:
        body = {
            "header": header,
            "machine": machine,
            "quick": args.quick,
            "seconds": round(elapsed, 1),
            "plan": asdict(plan),
            "statewide": asdict(statewide) if statewide is not None else None,
            "rows": [asdict(r) | {"display": fmt_value(r.value, r.unit)} for r in report.rows],
            "targets": [asdict(t) for t in report.targets],
            "sections": [{"name": n, **asdict(s)} for n, s in section.done],
            "footnotes": report.footnotes,
            "skipped": report.skipped,
            "failures": report.failures,
        }
        args.json.write_text(json.dumps(body, indent=1, default=str) + "\n")
        print(f"wrote {args.json}")
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
