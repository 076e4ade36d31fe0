"""``lookup batch --engine dask``: the default engine's answers, partitioned with Dask.

For voter-file-scale jobs (1.1 million rows in Mecklenburg, 7.5 million statewide), on
this machine's cores or on an existing Dask cluster. Same file in, same file out, row for
row and byte for byte, same summary:

* this process scans the input once, reading it exactly as ``csv`` does (so a quoted
  line break never splits a row), to settle the encoding and the header the way the
  default engine would, and the byte range of every partition of ``partition_rows`` rows;
* each worker reads its byte ranges (``dask.dataframe.from_map``) and answers them with
  the default engine's own functions (``batch.answerer``: addresses row by row, points
  through the grid index's vectorised ``locate_many``), from the dataset version pinned
  at the start, loaded from its folder once per worker process, never shipped in tasks;
* this process writes the answers in input order, keeping only a few partitions in
  flight so that memory stays bounded whatever the file size.

On a cluster, workers need the ``lookup`` package, the input file and the data folder at
the same paths as this process (shared storage); the output is written here.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import logging
import os
import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lookup.batch.local import OUT_COLUMNS, answerer, election_places, write_parts
from lookup.batch.source import COLUMNS
from lookup.dataset.codec import load_dataset
from lookup.dataset.model import Dataset
from lookup.dataset.publish import CURRENT, current_target
from lookup.errors import DataError
from lookup.ingest.formats.textfile import NO_LIMIT, file_encoding
from lookup.ingest.progress import QUIET, Progress
from lookup.outputs.csv_cells import safe_row

if TYPE_CHECKING:
    from distributed import Client

PARTITION_ROWS = 20_000  # a few seconds of matching per partition: balanced, little overhead
_HEAD = 4000  # bytes ``decode_bytes`` looks at for BOM-less UTF-16


class SchedulerUnavailable(OSError):
    """``--scheduler`` is malformed or no scheduler answers there (``lookup`` exits 3)."""


@dataclass(frozen=True, slots=True)
class DaskOptions:
    scheduler: str | None = None  # None: a LocalCluster of this machine's cores
    partition_rows: int = PARTITION_ROWS


@dataclass(frozen=True, slots=True)
class Part:
    """One partition: a byte range of the input that starts and ends between rows."""

    path: str
    codec: str
    fields: tuple[str, ...]  # the header, as ``csv.DictReader`` read it
    columns: tuple[str, ...]  # the cells the answers use
    start: int
    stop: int
    first_row: int  # row number (0-based, header and blank lines not counted)
    rows: int


def load_live(data_dir: Path) -> tuple[Path, Dataset]:
    """The live version's folder, pinned (a refresh publishing meanwhile does not mix
    versions across workers), and its dataset, loaded here so a broken one fails now."""
    target = current_target(data_dir)
    if target is None:
        raise DataError(f"{data_dir}: no published dataset ('{CURRENT}' is missing)")
    return target, load_dataset(target)


def plan(in_path: Path, partition_rows: int) -> list[Part]:
    """Partitions of ``partition_rows`` rows covering the file (at least one, maybe
    empty). Raises ``DataError`` for what the default engine refuses, in its words."""
    with in_path.open("rb") as f:
        head = f.read(_HEAD)
    tried, skip = _encodings(head)
    for codec in tried:
        try:
            return _scan(in_path, codec, skip, partition_rows)
        except UnicodeDecodeError:
            continue
    # Undecodable: the default engine's check says which byte of which encoding (a block
    # at a time: the file is never held whole).
    file_encoding(in_path, NO_LIMIT)
    raise DataError(f"{in_path.name}: the file decodes whole but not line by line")


def _encodings(head: bytes) -> tuple[tuple[str, ...], int]:
    """The codecs to try in order and the BOM bytes to skip, decided as
    ``sources.textfile.decode_bytes`` decides (BOM, NUL pattern, UTF-8, then cp1252)."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if head.startswith(bom):
            return (codec,), len(bom)
    if head and head[1::2].count(0) > len(head) // 4:
        return ("utf-16-le",), 0
    if head and head[0::2].count(0) > len(head) // 4:
        return ("utf-16-be",), 0
    return ("utf-8", "cp1252"), 0


def _scan(path: Path, codec: str, skip: int, partition_rows: int) -> list[Part]:
    """One pass through ``csv.reader``; the bytes of each line consumed give the offset
    of every row boundary (valid text re-encodes to exactly its bytes)."""
    pos = skip

    def lines(text: io.TextIOWrapper) -> Iterator[str]:
        nonlocal pos
        first = True
        for line in text:
            pos += len(line.encode(codec))
            if first:  # as the default engine: stray BOMs before the header are dropped
                line, first = line.lstrip("\ufeff"), False
            yield line

    with path.open("rb") as raw:
        raw.seek(skip)
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        reader = csv.reader(lines(text))
        try:
            fields = tuple(next(reader, []))
            answerer(fields, path.name)  # refuses what the default engine refuses
            # Only the cells answers use (a voter file has some 70), enough for the
            # workers' ``answerer`` to pick what the default engine picks.
            columns = tuple(c for c in COLUMNS if c in fields)
            bounds, counts, n = [pos], [], 0
            for row in reader:
                n += bool(row)  # blank lines are no rows, as for ``csv.DictReader``
                if n == partition_rows:
                    bounds.append(pos)
                    counts.append(n)
                    n = 0
        except csv.Error as exc:
            raise DataError(f"{path.name}: line {reader.line_num}: {exc}") from None
    if n or not counts:
        bounds.append(pos)
        counts.append(n)
    firsts = itertools.accumulate(counts[:-1], initial=0)
    return [
        Part(str(path.resolve()), codec, fields, columns, a, b, first, rows)
        for (a, b), first, rows in zip(itertools.pairwise(bounds), firsts, counts, strict=True)
    ]


def read_part(part: Part) -> pd.DataFrame:
    """A partition's rows (object cells, None where a short row has none), indexed by
    row number. Runs on the workers."""
    try:
        with open(part.path, "rb") as f:
            f.seek(part.start)
            data = f.read(part.stop - part.start)
    except OSError as exc:
        raise DataError(
            f"a Dask worker cannot read the input ({exc}): workers need it at the same path"
        ) from None
    reader = csv.DictReader(io.StringIO(data.decode(part.codec), newline=""), part.fields)
    rows = [[r.get(c) for c in part.columns] for r in reader]
    if len(rows) != part.rows:
        raise DataError(f"{Path(part.path).name}: changed while being answered")
    index = pd.RangeIndex(part.first_row, part.first_row + len(rows))
    return pd.DataFrame(rows, columns=list(part.columns), index=index, dtype=object)


def answer_part(frame: pd.DataFrame, version_dir: str, now: datetime) -> pd.DataFrame:
    """The default engine's output rows for one partition. Runs on the workers."""
    ds = _dataset_at(version_dir)
    columns = [str(c) for c in frame.columns]
    answer = answerer(columns, "partition")
    # Dask may hand strings back as a string dtype: its missing value is None again.
    chunk: list[dict[str, Any]] = [
        {c: v if isinstance(v, str) else None for c, v in zip(columns, values, strict=True)}
        for values in frame.itertuples(index=False, name=None)
    ]
    rows = answer(ds, chunk, election_places(ds, now))
    for row in rows:
        if row[0] is None:  # an id cell missing from a short row: csv writes None as ""
            row[0] = ""
    return pd.DataFrame(rows, columns=list(OUT_COLUMNS), index=frame.index, dtype=object)


_loaded: dict[str, Dataset] = {}
_load_lock = threading.Lock()


def _dataset_at(version_dir: str) -> Dataset:
    """The dataset of a version folder, loaded once per worker process (the address
    index is memory-mapped, so workers on one machine share its pages)."""
    with _load_lock:  # a worker's threads wait for the one load
        ds = _loaded.get(version_dir)
        if ds is None:
            _loaded.clear()  # a long-lived cluster follows the data to newer versions
            ds = _loaded[version_dir] = load_dataset(Path(version_dir))
        return ds


def run_batch_dask(
    version_dir: Path,
    in_path: Path,
    out_path: Path,
    now: datetime,
    options: DaskOptions = DaskOptions(),
    progress: Progress = QUIET,
) -> Counter[str]:
    """``batch.run_batch`` partitioned: the same output file and counts. OUT is written
    to a temporary file and renamed, as by the default engine."""
    import dask
    import dask.dataframe as dd

    progress.step(f"reading {in_path.name}")
    parts = plan(in_path, options.partition_rows)
    rows_meta = pd.DataFrame({c: pd.Series(dtype=object) for c in parts[0].columns})
    out_meta = pd.DataFrame({c: pd.Series(dtype=object) for c in OUT_COLUMNS})
    frames = dd.from_map(read_part, parts, meta=rows_meta, enforce_metadata=False)
    answers = frames.map_partitions(
        answer_part, str(version_dir), now, meta=out_meta, enforce_metadata=False
    )
    # Encoded where answered: this process only appends text and adds up counts.
    encoded = [dask.delayed(encode_part)(frame) for frame in answers.to_delayed()]
    bar = progress.bar("answering", total=sum(p.rows for p in parts) or None)
    try:
        with _client(options.scheduler) as client:
            return write_parts(out_path, _in_order(client, encoded), bar)
    finally:
        bar.close()


def encode_part(frame: pd.DataFrame) -> tuple[str, Counter[str], int]:
    """A partition's output lines as the default engine writes them, its counts (keys
    in order of first appearance: ``summary`` breaks ties between match sources by
    that order) and its number of rows. Runs on the workers."""
    out = io.StringIO()
    csv.writer(out).writerows(map(safe_row, frame.itertuples(index=False, name=None)))
    status = frame["status"].tolist()
    counts = Counter(status)
    ok = [s == "ok" for s in status]
    counts.update("source:" + s for s in frame["match_source"][ok].tolist())
    return out.getvalue(), counts, len(frame)


def _in_order(client: Client, tasks: list[Any]) -> Iterator[Any]:
    """Task results in input order, with a window of two per worker thread in flight:
    every worker stays busy, and finished results never pile up unbounded."""
    ahead = max(2, 2 * sum(client.nthreads().values()))
    todo = iter(tasks)
    window = deque(client.compute(t) for t in itertools.islice(todo, ahead))
    while window:
        future = window.popleft()
        nxt = next(todo, None)
        if nxt is not None:
            window.append(client.compute(nxt))
        yield future.result()
        del future  # released: the worker may drop the result


def _silence_distributed() -> None:
    """Run on each local worker before the cluster stops (see ``_client``)."""
    logging.getLogger("distributed").setLevel(logging.CRITICAL)


@contextmanager
def _client(scheduler: str | None) -> Iterator[Client]:
    import dask
    from distributed import Client, LocalCluster
    from distributed.comm import resolve_address

    if scheduler is None:
        # Its start and stop are news to no one running a batch: warnings and errors only.
        quiet = logging.getLogger("distributed")
        level = quiet.level
        quiet.setLevel(logging.WARNING)
        try:
            # Processes, one thread each: matching is pure Python and holds the GIL.
            # Loopback only; no dashboard, and the scheduler's HTTP routes on a free port
            # rather than 8787, which another cluster on this machine may hold. Without a
            # dashboard no one sees the workers' profiler: off, it no longer samples the
            # matching thread 100 times a second (about half the workers' own overhead).
            with (
                dask.config.set({"distributed.worker.profile.enabled": False}),
                LocalCluster(
                    n_workers=len(os.sched_getaffinity(0)),
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.WARNING,
                ) as cluster,
                Client(cluster, set_as_default=False) as client,
            ):
                try:
                    yield client
                finally:
                    # Every row is written by now. Stopping races the workers' own
                    # heartbeats, which distributed logs as errors with a traceback
                    # (dask/distributed#9032): news to no one, so silent from here on.
                    quiet.setLevel(logging.CRITICAL)
                    with suppress(Exception):
                        client.run(_silence_distributed)
        finally:
            quiet.setLevel(level)
        return
    # Connecting, and then waiting for a first worker, each take up to the connect
    # timeout (distributed.comm.timeouts.connect; DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT).
    timeout = dask.config.get("distributed.comm.timeouts.connect")
    try:
        # A malformed address is refused here: a Client that failed to start would
        # complain again, with a traceback, when collected at exit.
        address = resolve_address(scheduler)
        client = Client(address, set_as_default=False)
    except (OSError, ValueError, TypeError) as exc:
        raise SchedulerUnavailable(f"Dask scheduler {scheduler!r}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise SchedulerUnavailable(
                f"Dask scheduler {scheduler!r}: no worker joined within {timeout}"
            ) from None
        yield client
