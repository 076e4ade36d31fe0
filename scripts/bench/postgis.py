"""PostGIS beside the grid index, for ``scripts.bench``: the same precincts and points.

* ``ensure_postgis`` installs (only when missing) Debian's PostgreSQL and PostGIS and
  ``psycopg[binary]``, then starts a throwaway cluster (``local_servers``: 127.0.0.1
  only, a free port, ``fsync=off``, trust auth, in a temporary folder). Its ``stop()``
  stops the server and removes the folder; on any failure ``ensure_postgis`` returns the
  reason instead, and the benchmark prints a SKIPPED row.
* ``bench_postgis`` loads the precincts (WKB, SRID 4326, with their index in
  ``ds.precincts``) into a table with a GiST index, then measures (a) single look-ups,
  one prepared ``ST_Contains`` query per point from Python over loopback, and (b) a batch
  join inside the database of points loaded with COPY; and (c) compares PostGIS's
  answers with the grid's.

PostGIS runs with its stock planner settings: on this 2-core machine the batch join may
use a parallel worker (it chose none in our runs), while the grid's batch figure is one
Python thread; JIT is off (on, it added ~1 s of compilation to a 3 s join).
"""

from __future__ import annotations

import gc
import importlib
import re
import statistics
import subprocess
import sys
import time
from typing import Any

import numpy as np
import shapely

from lookup.dataset.model import Dataset
from scripts.bench.report import Report, Row, Target, _si, check, ratio
from scripts.local_servers import PostgresServer, apt_install, postgres_bindir, start_postgres

PG_MAJOR = 15  # Debian 12's PostgreSQL
DEB_PACKAGES = ("postgresql", f"postgresql-{PG_MAJOR}-postgis-3")
BOUNDARY_DEG = 1e-9  # a mismatch this close to a precinct edge is a boundary case
SINGLE_SQL = (
    "SELECT idx FROM precincts "
    "WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) LIMIT 1"
)
# Every precinct containing each point; a point in overlapping precincts (bad data)
# appears twice and is resolved to the lowest index, as the grid does.
JOIN_SQL = (
    "INSERT INTO result SELECT p.id, g.idx FROM pts p "
    "JOIN precincts g ON ST_Contains(g.geom, p.geom)"
)


def _ensure_psycopg() -> str | None:
    try:
        importlib.import_module("psycopg")
        return None
    except ImportError:
        pass
    print("  (installing psycopg[binary] into this Python)", flush=True)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "psycopg[binary]"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    importlib.invalidate_caches()
    try:
        importlib.import_module("psycopg")
        return None
    except ImportError as exc:
        return f"psycopg not importable ({exc}); pip: {out.stderr.strip()[-300:]}"


def ensure_postgis() -> PostgresServer | str:
    """Install what is missing, start a throwaway PostGIS on 127.0.0.1; or the reason not.

    The caller must ``stop()`` the server (or use it as a context manager); it is also
    stopped at interpreter exit, as a safety net.
    """
    t0 = time.perf_counter()
    bindir = postgres_bindir("postgis")
    if bindir is None:
        reason = apt_install(DEB_PACKAGES)
        if reason:
            return reason
        bindir = postgres_bindir("postgis")
        if bindir is None:
            return "PostGIS installed, but no PostgreSQL with the postgis extension found"
    reason = _ensure_psycopg()
    if reason:
        return reason
    installed_s = time.perf_counter() - t0
    if installed_s > 5:
        print(f"  (PostGIS and psycopg ready after {installed_s:.0f} s of installing)")
    try:
        server = start_postgres(bindir)
    except Exception as exc:  # a SKIPPED row, never a crash
        return f"PostGIS server did not start: {exc}"
    try:
        import psycopg

        with psycopg.connect(server.dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute("CREATE EXTENSION postgis")
            row = conn.execute("SELECT postgis_lib_version(), version()").fetchone()
            assert row is not None
            pg = re.match(r"PostgreSQL [\d.]+", row[1])
            server.version = f"PostGIS {row[0]}, {pg.group(0) if pg else row[1][:30]}"
        return server
    except Exception as exc:  # any failure: a SKIPPED row, never a stray server
        server.stop()
        return f"PostGIS did not start: {exc}"


# ---- the benchmark ------------------------------------------------------------------


def _load_precincts(conn: Any, geoms: np.ndarray) -> float:
    """Seconds to create the precinct table, insert the WKB, index and analyse."""
    t0 = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS precincts, pts, result")
    conn.execute("CREATE TABLE precincts (idx integer PRIMARY KEY, geom geometry(Geometry, 4326))")
    wkb = shapely.to_wkb(geoms, include_srid=False)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO precincts VALUES (%s, ST_GeomFromWKB(%s, 4326))",
            [(i, bytes(w)) for i, w in enumerate(wkb)],
        )
    conn.execute("CREATE INDEX ON precincts USING gist (geom)")
    conn.execute("ANALYZE precincts")
    return time.perf_counter() - t0


# One row of a binary COPY (network byte order) into pts (id integer, geom geometry):
# 2 fields; the id; the point as EWKB (little-endian, point type with the SRID flag), the
# geometry type's binary input. Built with numpy, so the figure is the database's COPY
# and not Python formatting, and the points are the very same doubles.
_COPY_ROW = np.dtype(
    [
        ("fields", ">i2"),
        ("id_len", ">i4"),
        ("id", ">i4"),
        ("geom_len", ">i4"),
        ("order", "u1"),
        ("type", "<u4"),
        ("srid", "<u4"),
        ("x", "<f8"),
        ("y", "<f8"),
    ]
)
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, extension length
_COPY_TRAILER = b"\xff\xff"
_EWKB_POINT_SRID = 0x20000001


def _copy_stream(lon: np.ndarray, lat: np.ndarray, start: int, stop: int) -> bytes:
    rows = np.empty(stop - start, dtype=_COPY_ROW)
    rows["fields"], rows["id_len"], rows["geom_len"] = 2, 4, _COPY_ROW.itemsize - 14
    rows["id"] = np.arange(start, stop)
    rows["order"], rows["type"], rows["srid"] = 1, _EWKB_POINT_SRID, 4326
    rows["x"], rows["y"] = lon[start:stop], lat[start:stop]
    return rows.tobytes()


def _copy_points(conn: Any, lon: np.ndarray, lat: np.ndarray) -> tuple[float, float]:
    """COPY the points (binary); seconds for the COPY, and for their GiST index and
    ANALYZE (without which the join runs ~10x slower: see ``_join``)."""
    conn.execute("CREATE TABLE pts (id integer, geom geometry(Point, 4326))")
    conn.execute("CREATE TABLE result (id integer, idx integer)")
    t0 = time.perf_counter()
    chunk = 200_000
    with conn.cursor() as cur, cur.copy("COPY pts (id, geom) FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(_COPY_HEADER)
        for start in range(0, len(lon), chunk):
            copy.write(_copy_stream(lon, lat, start, min(len(lon), start + chunk)))
        copy.write(_COPY_TRAILER)
    copy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute("CREATE INDEX ON pts USING gist (geom)")
    conn.execute("ANALYZE pts")
    return copy_s, time.perf_counter() - t0


def _join(conn: Any, n: int, runs: int) -> tuple[float, np.ndarray, str]:
    """Median seconds of the join inside the database, its answers, and its plan.

    With the points indexed, the planner loops over the precincts and probes the points'
    index, so each precinct's prepared geometry is reused for all its points; without
    it, it loops over the points (~10x slower on Mecklenburg).
    """
    times = []
    for _ in range(max(1, runs)):
        conn.execute("TRUNCATE result")
        t0 = time.perf_counter()
        conn.execute(JOIN_SQL)
        times.append(time.perf_counter() - t0)
    plan = conn.execute("EXPLAIN " + JOIN_SQL).fetchall()
    shape = " / ".join(
        re.sub(r"\s*\(cost=.*", "", r[0]).strip(" ->")
        for r in plan
        if re.search(r"Join|Loop|Scan|Gather", r[0])
    )
    rows = conn.execute("SELECT id, min(idx) FROM result GROUP BY id").fetchall()
    out = np.full(n, -1, dtype=np.int64)
    if rows:
        got = np.array(rows, dtype=np.int64)
        out[got[:, 0]] = got[:, 1]
    return statistics.median(times), out, shape


def _single(conn: Any, xs: list[float], ys: list[float], runs: int) -> tuple[float, np.ndarray]:
    """Median µs per prepared single query over loopback, and the last run's answers."""
    times = []
    got: list[int] = []
    with conn.cursor() as cur:
        cur.execute(SINGLE_SQL, (xs[0], ys[0]), prepare=True)  # prepare before timing
        cur.fetchall()
        for _ in range(max(1, runs)):
            got = []
            gc.collect()
            t0 = time.perf_counter()
            for x, y in zip(xs, ys, strict=True):
                cur.execute(SINGLE_SQL, (x, y), prepare=True)
                row = cur.fetchone()
                got.append(-1 if row is None else row[0])
            times.append(time.perf_counter() - t0)
    return statistics.median(times) / len(xs) * 1e6, np.array(got, dtype=np.int64)


def _near_boundary(
    geoms: np.ndarray, lon: np.ndarray, lat: np.ndarray, a: np.ndarray, b: np.ndarray
) -> np.ndarray:
    """For each point, whether it lies within BOUNDARY_DEG of the edge of either answer."""
    near = np.zeros(len(lon), dtype=bool)
    pts = shapely.points(lon, lat)
    for answer in (a, b):
        has = answer >= 0
        if has.any():
            edges = shapely.boundary(geoms[answer[has]])
            near[has] |= shapely.dwithin(edges, pts[has], BOUNDARY_DEG)
    return near


def bench_postgis(
    label: str,
    ds: Dataset,
    lon: np.ndarray,
    lat: np.ndarray,
    single_n: int,
    runs: int,
    report: Report,
    *,
    server: PostgresServer,
    grid_single_us: float | None = None,
) -> dict[str, float]:
    """PostGIS figures for ``label``'s precincts on the points ``lon``/``lat``: the first
    ``single_n`` as single queries (median of ``runs``), all of them in the batch join
    (median of ``runs``). Adds rows to ``report``; returns {} (and a SKIPPED line) if
    the database fails."""
    import psycopg

    geoms = np.asarray(ds.geoms, dtype=object)
    lon = np.ascontiguousarray(lon, dtype=np.float64)
    lat = np.ascontiguousarray(lat, dtype=np.float64)
    n, single_n = len(lon), min(single_n, len(lon))
    try:
        with psycopg.connect(server.dsn, autocommit=True, connect_timeout=10) as conn:
            load_s = _load_precincts(conn, geoms)
            single_pg, single_ans = _single(
                conn, lon[:single_n].tolist(), lat[:single_n].tolist(), runs
            )
            copy_s, index_s = _copy_points(conn, lon, lat)
            join_s, batch_ans, plan = _join(conn, n, runs)
            conn.execute("DROP TABLE precincts, pts, result")
    except psycopg.Error as exc:
        report.skip(f"PostGIS rows, {label}: {type(exc).__name__}: {exc}")
        return {}

    # The grid on the very same points, for the notes and the agreement.
    t0 = time.perf_counter()
    ref = np.asarray(ds.index.locate_many(lon, lat), dtype=np.int64)
    grid_rate_same = n / (time.perf_counter() - t0)
    rate = n / join_s

    note = f"1 connection, prepared statement, {single_n:,} points, median of {runs}"
    if grid_single_us:
        note = f"{ratio(single_pg, grid_single_us)} grid's time; " + note
    report.add(Row(f"point->precinct single, postgis, {label}", single_pg, "us/lookup", note))
    report.add(
        Row(
            f"point->precinct batch, postgis join, {label}",
            rate,
            "points/s",
            f"grid {ratio(grid_rate_same, rate)} on the same {n:,} points "
            f"(grid {_si(grid_rate_same)} pts/s); INSERT .. JOIN ON ST_Contains, median of "
            f"{runs}; with the points' GiST index build {_si(n / (join_s + index_s))} pts/s; "
            f"plan: {plan}",
            {"join_s": join_s, "points": n, "plan": plan},
        )
    )
    report.add(
        Row(
            f"postgis load + COPY, {label}",
            load_s + copy_s,
            "s",
            f"{len(geoms)} precincts WKB + GiST + ANALYZE {load_s:.3f} s; "
            f"COPY {n:,} points {copy_s:.3f} s ({_si(n / copy_s)} pts/s); "
            f"their GiST + ANALYZE {index_s:.3f} s; {server.version}",
            {"load_s": load_s, "copy_s": copy_s, "points_index_s": index_s},
        )
    )

    diff = batch_ans != ref
    near = _near_boundary(geoms, lon[diff], lat[diff], ref[diff], batch_ans[diff])
    on_edge, off_edge = int(near.sum()), int((~near).sum())
    sdiff = single_ans != ref[:single_n]
    s_near = _near_boundary(
        geoms,
        lon[:single_n][sdiff],
        lat[:single_n][sdiff],
        ref[:single_n][sdiff],
        single_ans[sdiff],
    )
    single_diff, single_off = int(sdiff.sum()), int((~s_near).sum())
    inside = int((ref >= 0).sum())
    report.add(
        Row(
            f"postgis agreement, {label}",
            float(on_edge + off_edge),
            "points",
            f"batch join vs grid on {n:,} points ({inside:,} in a precinct): "
            f"{on_edge} within {BOUNDARY_DEG:g} deg of a boundary, {off_edge} not; "
            f"single queries vs grid: {single_diff} of {single_n:,} ({single_off} not on a "
            "boundary)",
            {
                "on_boundary": on_edge,
                "off_boundary": off_edge,
                "single_mismatch": single_diff,
                "single_off_boundary": single_off,
            },
        )
    )
    if off_edge or single_off:
        report.failures.append(
            f"{label}: PostGIS disagrees with the grid away from boundaries "
            f"({off_edge} batch points, {single_off} single queries)"
        )
    return {
        "single_us": single_pg,
        "batch_rate": rate,
        "load_s": load_s,
        "copy_s": copy_s,
        "points_index_s": index_s,
        "join_s": join_s,
        "mismatch_on_boundary": float(on_edge),
        "mismatch_off_boundary": float(off_edge),
        "single_mismatch": float(single_diff),
        "single_off_boundary": float(single_off),
        "points": float(n),
        "single_points": float(single_n),
        "grid_batch_rate_same_points": grid_rate_same,
    }


def postgis_targets(
    grid_single_us: float | None,
    grid_batch_rate: float | None,
    figures: dict[str, float] | None,
    label: str = "meck",
) -> list[Target]:
    """The issue's targets: the grid's single look-up >= 15x faster than a PostGIS single
    query, and its batch >= 3x the PostGIS join's rate; SKIP when either side is absent."""
    single_name = f"grid single >= 15x faster than a PostGIS single query ({label})"
    batch_name = f"grid batch >= 3x the PostGIS batch join ({label})"
    if grid_single_us is None or grid_batch_rate is None or not figures:
        why = f"no grid figures for {label}" if grid_single_us is None else "PostGIS did not run"
        return [check(single_name, None, why), check(batch_name, None, why)]
    pg_us, pg_rate = figures["single_us"], figures["batch_rate"]
    return [
        check(
            single_name,
            pg_us >= 15 * grid_single_us,
            f"{ratio(pg_us, grid_single_us)} ({pg_us:.1f} us vs {grid_single_us:.2f} us)",
        ),
        check(
            batch_name,
            grid_batch_rate >= 3 * pg_rate,
            f"{ratio(grid_batch_rate, pg_rate)} ({_si(grid_batch_rate)} vs {_si(pg_rate)} pts/s)",
        ),
    ]
