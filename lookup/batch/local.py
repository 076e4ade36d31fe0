"""``lookup batch``: a CSV of addresses or coordinates in, a CSV of precincts and polling
places out. Coordinates take the vectorised path (one grid pass per chunk).

The input is read a line at a time (``batch.source``) and answered a chunk at a time:
memory holds the dataset and a few chunks, whatever the file's size.

With ``jobs`` > 1 the chunks are answered by forked worker processes that share the
loaded dataset copy-on-write (nothing is re-loaded or pickled but the rows), and written
in input order: the same bytes as one process, about ``jobs`` times sooner."""

from __future__ import annotations

import csv
import io
import itertools
import math
import multiprocessing
from collections import Counter, deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from lookup.batch.source import BatchInput, Row
from lookup.dataset.model import Dataset
from lookup.domain.models import PollingPlace
from lookup.domain.schedule import active_election, to_local
from lookup.errors import DataError, ServiceError
from lookup.geocode.chain import locate_address
from lookup.ingest.progress import QUIET, Progress
from lookup.outputs.csv_cells import safe_row
from lookup.service import AddressQuery, PointQuery, as_point, check_point

OUT_COLUMNS = (
    "id",
    "status",
    "precinct_id",
    "precinct_name",
    "polling_place_name",
    "polling_place_address",
    "match_lat",
    "match_lon",
    "match_source",
)
CHUNK = 100_000
JOB_CHUNK = 10_000  # rows per task with several jobs: small enough to keep all busy
Places = Mapping[tuple[str, str], PollingPlace]
# A chunk of CSV rows (cells are None where a short row has none) -> output rows.
Answerer = Callable[[Dataset, list[dict[str, str]], Places], list[list[str]]]


def _float(value: str | None) -> float:
    """A cell as a number; a short row's missing cell (None) or text is NaN (rejected)."""
    try:
        return float(value) if value is not None else math.nan
    except ValueError:
        return math.nan


def run_batch(
    ds: Dataset,
    in_path: Path,
    out_path: Path,
    now: datetime,
    progress: Progress = QUIET,
    jobs: int = 1,
) -> Counter[str]:
    """Answer every row; the status column says ``ok`` or the error code. Returns counts
    by status, and by match source as ``source:<name>`` for the rows answered.

    OUT is written to a temporary file and renamed: a reader never sees half a file.
    """
    places = election_places(ds, now)
    # Excel saves cp1252 or UTF-16: decoded as the BOE readers do, never assumed.
    source = BatchInput.open(in_path)
    with source.rows() as (fields, rows):
        answer = answerer(fields, in_path.name)
        # A bar's total is the true row count: a pass of its own, a few seconds for a
        # statewide voter file, made only when the bar is shown (a terminal, no --quiet).
        total = source.count() if progress.stream is not None else None
        bar = progress.bar("answering", total=total or None)
        work = (ds, answer, places)
        try:
            if jobs > 1:
                parts = _in_parallel(work, _chunks(rows, JOB_CHUNK), jobs)
                return write_parts(out_path, parts, bar)
            return write_parts(out_path, (_encode(work, c) for c in _chunks(rows, CHUNK)), bar)
        finally:
            bar.close()


def write_parts(out_path: Path, parts: Iterable[Part], bar: Any) -> Counter[str]:
    """Write answered parts, in the order given, to a temporary file renamed to OUT at
    the end (a reader never sees half a file); the counts of all parts. Shared with
    ``batch_dask``, so both engines write the same bytes."""
    counts: Counter[str] = Counter()
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    try:
        with tmp.open("w", newline="", encoding="utf-8") as fout:
            csv.writer(fout).writerow(OUT_COLUMNS)
            for lines, part_counts, rows in parts:
                fout.write(lines)
                counts.update(part_counts)  # keys keep their order of first appearance
                bar.update(rows)
        tmp.replace(out_path)
    finally:
        tmp.unlink(missing_ok=True)
    return counts


def election_places(ds: Dataset, now: datetime) -> Places:
    """The polling places of the election active at ``now`` (none after the last one)."""
    election, _over = active_election(ds.elections, to_local(now).date())
    return ds.polling.get(election.day, {}) if election else {}


def answerer(fields: Collection[str], name: str) -> Answerer:
    """How a file with these columns is answered; lat/lon win over an address column.
    Shared with ``batch_dask`` so both engines accept and refuse the same files."""
    present = set(fields)
    if "id" not in present or not ({"address"} <= present or {"lat", "lon"} <= present):
        raise DataError(f"{name}: columns must be id,address or id,lat,lon")
    return _points if {"lat", "lon"} <= present else _addresses


NOT_FOUND = ("address_not_found", "outside_jurisdiction")


def summary(counts: Counter[str]) -> str:
    """``120 rows: 100 matched (95 address_point, 5 interpolated), 8 ambiguous,
    10 not found, 2 other errors (address_po_box 2)``."""
    total = sum(v for k, v in counts.items() if not k.startswith("source:"))
    sources = ", ".join(
        f"{v} {k.removeprefix('source:')}"
        for k, v in counts.most_common()
        if k.startswith("source:")
    )
    other = {
        k: v
        for k, v in counts.items()
        if k not in ("ok", "address_ambiguous", *NOT_FOUND) and not k.startswith("source:")
    }
    text = (
        f"{total} rows: {counts['ok']} matched"
        + (f" ({sources})" if sources else "")
        + f", {counts['address_ambiguous']} ambiguous"
        + f", {sum(counts[k] for k in NOT_FOUND)} not found"
    )
    if other:
        detail = ", ".join(f"{k} {v}" for k, v in sorted(other.items()))
        text += f", {sum(other.values())} other errors ({detail})"
    return text


Work = tuple[Dataset, Answerer, Places]
Part = tuple[str, Counter[str], int]  # CSV lines, counts, number of rows
_FORKED: Work | None = None  # what forked workers answer with (set before the fork)


def _encode(work: Work, chunk: list[dict[str, str]]) -> Part:
    """A chunk answered: its output lines and its counts (status, then ``source:``)."""
    ds, answer, places = work
    rows = answer(ds, chunk, places)
    counts: Counter[str] = Counter()
    for row in rows:
        counts[row[1]] += 1
        if row[1] == "ok":
            counts["source:" + row[-1]] += 1
    out = io.StringIO()
    csv.writer(out).writerows(map(safe_row, rows))  # opened in spreadsheets: no formulas
    return out.getvalue(), counts, len(rows)


def _encode_forked(chunk: list[dict[str, str]]) -> Part:
    assert _FORKED is not None
    return _encode(_FORKED, chunk)


def _in_parallel(work: Work, chunks: Iterable[list[dict[str, str]]], jobs: int) -> Iterator[Part]:
    """The chunks answered by ``jobs`` forked processes, yielded in input order, with at
    most two chunks per process in flight (the input is never read ahead unbounded)."""
    global _FORKED
    _FORKED = work  # inherited by the fork: the dataset is shared, never pickled
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            todo = iter(chunks)
            window = deque(pool.apply_async(_encode_forked, (c,)) for c in _take(todo, 2 * jobs))
            while window:
                done = window.popleft()
                for chunk in _take(todo, 1):
                    window.append(pool.apply_async(_encode_forked, (chunk,)))
                yield done.get()
    finally:
        _FORKED = None


def _take(it: Iterator[list[dict[str, str]]], n: int) -> list[list[dict[str, str]]]:
    return list(itertools.islice(it, n))


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ok_row(
    ds: Dataset, rid: str, idx: int, lat: float, lon: float, source: str, places: Places
) -> list[str]:
    p = ds.precincts[idx]
    place = places.get(p.key)
    return [
        rid,
        "ok",
        p.id,
        p.name,
        place.name if place else "",
        place.address.one_line() if place else "",
        f"{lat:.6f}",
        f"{lon:.6f}",
        source,
    ]


def _error_row(rid: str, code: str) -> list[str]:
    return [rid, code, "", "", "", "", "", "", ""]


def _points(ds: Dataset, chunk: list[dict[str, str]], places: Places) -> list[list[str]]:
    lat = np.array([_float(r["lat"]) for r in chunk])
    lon = np.array([_float(r["lon"]) for r in chunk])
    found = ds.index.locate_many(lon, lat)
    out = []
    for k, r in enumerate(chunk):
        if found[k] >= 0:
            out.append(_ok_row(ds, r["id"], int(found[k]), lat[k], lon[k], "coordinates", places))
            continue
        try:
            hit = check_point(ds, float(lon[k]), float(lat[k]))  # says *why* it was not found
        except ServiceError as exc:
            out.append(_error_row(r["id"], exc.code))
        else:
            out.append(_ok_row(ds, r["id"], hit.index, lat[k], lon[k], "coordinates", places))
    return out


def _addresses(ds: Dataset, chunk: list[dict[str, str]], places: Places) -> list[list[str]]:
    out = []
    for r in chunk:
        query = as_point(AddressQuery(r["address"] or ""))
        if isinstance(query, PointQuery):  # "35.22, -80.84" in the address column
            point_row = {"id": r["id"], "lat": str(query.lat), "lon": str(query.lon)}
            out += _points(ds, [point_row], places)
            continue
        try:
            found = locate_address(ds, query.text)
        except ServiceError as exc:
            out.append(_error_row(r["id"], exc.code))
            continue
        m = found.match
        out.append(_ok_row(ds, r["id"], found.hit.index, m.lat, m.lon, m.source, places))
    return out
