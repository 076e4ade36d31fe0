"""``lookup batch --engine dask --scheduler``: beyond one machine, as a county would run it.

A real ``dask scheduler`` and two ``dask worker`` processes, started from the command line
on loopback as the README's "Running several instances" says, not an in-process
``LocalCluster``: the batch is pointed at the scheduler's address and must give the
default engine's file byte for byte, with its partitions answered by both workers.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.paths import ROOT

from lookup.batch.local import run_batch, summary
from lookup.domain.schedule import parse_moment
from lookup.ingest.formats.addresses import read_addresses

DEMO_ADDRESSES = ROOT / "data" / "precincts" / "demo" / "Master_Address_Table_demo.csv"
DATE = "2028-10-25"
DASK = Path(sys.executable).parent / "dask"


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(DASK), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=log.parent,
            start_new_session=True,  # its own group: a worker's nanny and its child end together
        )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in reversed(procs):
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in reversed(procs):
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dask scheduler`` + two ``dask worker`` processes (one thread each) on loopback;
    yields the scheduler's address once both workers have joined."""
    from distributed import Client

    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    procs = [
        _start(
            ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(info)],
            folder / "scheduler.log",
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not info.exists() or not info.read_text().strip():
            assert procs[0].poll() is None, (folder / "scheduler.log").read_text()
            assert time.monotonic() < deadline, "the scheduler wrote no address in 60 s"
            time.sleep(0.1)
        address = json.loads(info.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for k in range(2):
            procs.append(
                _start(
                    ["worker", address, "--host", "127.0.0.1", "--nworkers", "1",
                     "--nthreads", "1", "--no-dashboard", "--name", f"w{k}"],
                    folder / f"worker{k}.log",
                )
            )  # fmt: skip
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        _stop(procs)


@pytest.fixture(scope="module")
def voters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small voter-file batch: exact addresses with their town or ZIP, typos, numbers
    not on the street, points, and rows that cannot be answered."""
    table = read_addresses(DEMO_ADDRESSES)
    rng = random.Random(27)
    lines = ["id,address\n"]
    for k, r in enumerate(table.sample(n=1800, random_state=27).itertuples()):
        match k % 5:
            case 0:
                text = f'"{r.line}, {str(r.city).title()}, NC {r.zip}"'
            case 1:
                text = f"{r.line} {r.zip}"
            case 2:
                number, _, street = r.line.partition(" ")
                text = f"{number} {street[:-1] if len(street) > 6 else street}"
            case 3:
                text = f'"{r.lat:.6f}, {r.lon:.6f}"'
            case _:
                text = f"{int(r.line.split()[0]) + rng.randrange(1, 9)} {r.line.split(' ', 1)[1]}"
        lines.append(f"v{k},{text}\n")
    lines += ["x1,PO Box 12\n", "x2,no numbers here\n", 'x3,"13186 5th St, Springfield, IL"\n']
    path = tmp_path_factory.mktemp("voters") / "voters.csv"
    path.write_text("".join(lines))
    return path


def test_batch_on_a_scheduler_and_two_worker_processes_gives_the_local_file(
    demo_ds, demo_dir: Path, demo_cache: Path, scheduler: str, voters: Path, tmp_path: Path
) -> None:
    from distributed import Client

    now = parse_moment(DATE, None)
    assert now is not None
    expected = summary(run_batch(demo_ds, voters, tmp_path / "local.csv", now))
    out = tmp_path / "dask.csv"
    p = subprocess.run(
        [sys.executable, "-m", "lookup.cli", "batch", "--engine", "dask",
         "--scheduler", scheduler, "--partition-rows", "150", "--data-dir", str(demo_dir),
         "--date", DATE, str(voters), str(out)],
        capture_output=True, text=True, timeout=300,
        env={"LOOKUP_CACHE_DIR": str(demo_cache), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert out.read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert f"{out}: {expected}\n" in p.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert len(rows) == 1803
    assert {"ok", "address_po_box", "address_unparseable"} <= {r["status"] for r in rows}

    # Both worker processes answered partitions: each loaded the pinned version once.
    def loaded() -> list[str]:
        from lookup.batch import cluster

        return list(cluster._loaded)

    with Client(scheduler, timeout=30) as client:
        per_worker = client.run(loaded)
    assert len(per_worker) == 2
    assert all(len(v) == 1 for v in per_worker.values()), per_worker
