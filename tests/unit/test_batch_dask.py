"""``lookup batch --engine dask``: the default engine's file, byte for byte, partitioned.

The local engine runs in-process (``run_batch``, what ``lookup batch`` calls); the dask
engine runs as a user runs it, a ``lookup`` subprocess with its own local cluster or
connected to one this module starts. Refused ``--scheduler`` values go through
``lookup.cli.main`` in-process, except the unreachable one: only a real exit shows
whether a half-started client leaves a traceback behind.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.paths import ROOT

from lookup.batch.cluster import plan, read_part
from lookup.batch.local import run_batch, summary
from lookup.domain.schedule import parse_moment
from lookup.errors import DataError
from lookup.ingest.formats.addresses import read_addresses
from lookup.ingest.formats.textfile import decode_bytes

DEMO_ADDRESSES = ROOT / "data" / "precincts" / "demo" / "Master_Address_Table_demo.csv"
DATE = "2028-10-25"
NOW = parse_moment(DATE, None)  # noon that day: what ``--date`` means to ``lookup batch``


def cli(
    *args: str, cache: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lookup.cli", *args],
        capture_output=True,
        text=True,
        env={"LOOKUP_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin", **(env or {})},
        timeout=120,
    )


@pytest.fixture(scope="module")
def table():
    return read_addresses(DEMO_ADDRESSES)


def _typo(line: str, rng: random.Random) -> str:
    number, _, street = line.partition(" ")
    name = street.split()[0]
    if len(name) < 6:
        return line
    i = rng.randrange(1, len(name) - 1)
    return f"{number} {street.replace(name, name[:i] + name[i + 1 :], 1)}"


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("".join(lines).encode(encoding))
    return path


@pytest.fixture(scope="module")
def address_lines(table) -> list[str]:
    """~2,500 rows: exact, typos, not found, PO boxes, pasted coordinates, bad rows."""
    rng = random.Random(20281107)
    rows = table.sample(n=1500, random_state=3)
    out = ["id,address\r\n"]
    for k, r in enumerate(rows.itertuples()):
        unit = f" Apt {r.unit}" if r.unit else ""
        kind = k % 6
        if kind == 0:
            text = f'"{r.line}{unit}, {str(r.city).title()}, NC {r.zip}"'
        elif kind == 1:
            text = f"{r.line}{unit} {r.municipality} {r.zip}"
        elif kind == 2:
            text = _typo(r.line, rng)
        elif kind == 3:
            text = f'"{r.lat:.6f}, {r.lon:.6f}"'
        elif kind == 4:
            text = f"{int(r.line.split()[0]) + 1} {r.line.split(' ', 1)[1]}"
        else:
            text = r.line
        out.append(f"r{k},{text}\r\n")
    odd = [
        "999 Nowhere Ln",
        "PO Box 12",
        '"P.O. Box 7, Demo City"',
        "912 Main St",
        '"3001 Harbor Dr, Riverton"',
        "",
        "12345",
        "28990",
        "no numbers here",
        '"13186 5th St\r\nDemo City"',  # a quoted line break: never split across partitions
        '5 O"Neil St',  # a stray quote inside an unquoted cell is a plain character
        '"Café 9 Rue, 34.9023, -75.2834"',
        '"35.2271, -80.8431"',
        '"13186 5th St, Springfield, IL 62701"',
        "<script>alert(1)</script>",
        "x" * 300,
    ]
    for k in range(1000):
        text = odd[k % len(odd)]
        if k % 97 == 0:
            out.append(f"short{k}\r\n")  # no address cell at all
        elif k % 89 == 0:
            out.append(f"extra{k},{text},surplus,cells\r\n")
        elif k % 83 == 0:
            out.append("\r\n")  # blank line: no row
        else:
            out.append(f"o{k},{text}\r\n")
    body = out[1:]
    rng.shuffle(body)  # the kinds interleave; the header stays first
    return [out[0], *body]


@pytest.fixture(scope="module")
def point_lines(table) -> list[str]:
    """Points in, around and far from the county, and the usual data-entry slips."""
    out = ["id,lat,lon\n"]
    for k, r in enumerate(table.sample(n=1200, random_state=5).itertuples()):
        match k % 8:
            case 0:
                out.append(f"p{k},{r.lon},{r.lat}\n")  # swapped
            case 1:
                out.append(f"p{k},{r.lat},{-r.lon}\n")  # the minus sign dropped
            case 2:
                out.append(f"p{k},{r.lat + 0.5},{r.lon}\n")  # out at sea
            case 3:
                out.append(f"p{k},{r.lat}\n")  # short row
            case 4:
                out.append(f"p{k},nan,{r.lon}\n")
            case 5:
                out.append(f"p{k},north,west\n")
            case _:
                out.append(f"p{k},{r.lat},{r.lon}\n")
    return out


def _local(ds, src: Path, out: Path) -> str:
    """The default engine's output file; returns its summary line."""
    assert NOW is not None
    return summary(run_batch(ds, src, out, NOW))


def _rows_by_partition(path: Path, size: int) -> list[dict[str, object]]:
    return [row for part in plan(path, size) for row in read_part(part).to_dict("records")]


@pytest.mark.parametrize(
    ("encoding", "bom", "newline"),
    [
        ("utf-8", b"", "\r\n"),
        ("utf-8", codecs.BOM_UTF8, "\n"),
        ("cp1252", b"", "\r"),  # old Mac line ends
        ("utf-16-le", codecs.BOM_UTF16_LE, "\r\n"),
        ("utf-16-be", b"", "\n"),
    ],
)
def test_partitions_hold_every_row_once_as_csv_reads_it(
    address_lines: list[str], tmp_path: Path, encoding: str, bom: bytes, newline: str
) -> None:
    """Cut anywhere, in any encoding the default engine reads: the partitions' rows are
    the file's rows as ``csv.DictReader`` reads the whole decoded file, in order."""
    src = tmp_path / "in.csv"
    text = "".join(address_lines[:400]).replace("\r\n", newline)
    src.write_bytes(bom + text.encode(encoding))
    text, _ = decode_bytes(src.read_bytes(), src.name)
    expected = [
        {"id": r["id"], "address": r["address"]}
        for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    ]
    assert any(newline in (r["address"] or "") for r in expected)  # a quoted line break
    for size in (1, 7, 1000):
        parts = plan(src, size)
        assert [p.rows for p in parts][:-1] == [size] * (len(parts) - 1)
        assert [p.first_row for p in parts] == [size * k for k in range(len(parts))]
        assert _rows_by_partition(src, size) == expected


def test_plan_refuses_what_the_default_engine_refuses(tmp_path: Path) -> None:
    bad = _write(tmp_path / "bad.csv", ["name,street\n", "x,y\n"])
    with pytest.raises(DataError, match="columns must be id,address or id,lat,lon"):
        plan(bad, 10)
    undecodable = tmp_path / "undecodable.csv"
    undecodable.write_bytes(b"id,address\n1,\x81\x9d\n")
    with pytest.raises(DataError, match="not valid UTF-8, UTF-16 or Windows-1252"):
        plan(undecodable, 10)
    empty = _write(tmp_path / "empty.csv", ["id,address\n", "\n"])
    assert [(p.rows, p.start < p.stop) for p in plan(empty, 10)] == [(0, True)]


def test_default_local_cluster_gives_the_local_engines_file(
    demo_ds, demo_dir: Path, demo_cache: Path, address_lines: list[str], tmp_path: Path
) -> None:
    src = _write(tmp_path / "in.csv", address_lines, "cp1252")
    local_summary = _local(demo_ds, src, tmp_path / "local.csv")
    out = tmp_path / "dask.csv"
    p = cli(
        "batch", "--engine", "dask", "--partition-rows", "400", "--data-dir", str(demo_dir),
        "--date", DATE, str(src), str(out), cache=demo_cache,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert f"{out}: {local_summary}\n" in p.stderr and "Traceback" not in p.stderr
    statuses = {r["status"] for r in csv.DictReader(io.StringIO(out.read_text()))}
    assert {"ok", "address_not_found", "address_po_box", "address_ambiguous",
            "invalid_parameter", "address_unparseable", "outside_jurisdiction"} <= statuses  # fmt: skip
    assert not list(tmp_path.glob(".*.tmp"))


@contextmanager
def _loopback_cluster(n_workers: int) -> Iterator[str]:
    """A separate Dask cluster on loopback (worker processes, one thread each, no
    dashboard), as the county's own would be; yields its scheduler's address."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.ERROR,
    ) as c:
        yield c.scheduler_address


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """An existing cluster, as the county's would be: two worker processes on loopback."""
    with _loopback_cluster(2) as address:
        yield address


@pytest.mark.parametrize("kind", ["addresses", "points"])
def test_existing_cluster_by_address_gives_the_local_engines_file(
    demo_ds, demo_dir: Path, demo_cache: Path, cluster: str, address_lines: list[str],
    point_lines: list[str], tmp_path: Path, kind: str,
) -> None:  # fmt: skip
    lines, size = (address_lines, "500") if kind == "addresses" else (point_lines, "200")
    src = _write(tmp_path / "in.csv", lines)
    local_summary = _local(demo_ds, src, tmp_path / "local.csv")
    out = tmp_path / "dask.csv"
    p = cli(
        "batch", "--engine", "dask", "--scheduler", cluster, "--partition-rows", size,
        "--data-dir", str(demo_dir), "--date", DATE, str(src), str(out), cache=demo_cache,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == (tmp_path / "local.csv").read_bytes()
    assert f"{out}: {local_summary}\n" in p.stderr
    if kind == "points":
        statuses = [r["status"] for r in csv.DictReader(io.StringIO(out.read_text()))]
        assert {"ok", "invalid_parameter", "outside_jurisdiction"} <= set(statuses)


def test_unreachable_scheduler_is_a_clear_error(
    demo_dir: Path, demo_cache: Path, tmp_path: Path
) -> None:
    src = _write(tmp_path / "in.csv", ["id,address\n", "1,13186 5th St\n"])
    out = tmp_path / "out.csv"
    address = "tcp://127.0.0.1:9"  # the discard port: nothing listens, connections refused
    p = cli(
        "batch", "--engine", "dask", "--scheduler", address, "--data-dir", str(demo_dir),
        str(src), str(out), cache=demo_cache,
        env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"},
    )  # fmt: skip
    assert p.returncode == 3, p.stderr
    assert p.stderr == (
        f"lookup: Dask scheduler '{address}': Timed out trying to connect to {address} after 1 s\n"
    )
    assert not out.exists()


@pytest.fixture
def no_workers() -> Iterator[str]:
    """A scheduler that no worker has joined (yet)."""
    with _loopback_cluster(0) as address:
        yield address


@pytest.mark.parametrize(
    ("address", "says"),
    [
        ("nonsense://nowhere", "unknown address scheme 'nonsense'"),
        ("127.0.0.1", "missing port number"),
        (None, "no worker joined within 1s"),
    ],
)
def test_bad_scheduler_is_a_clear_error(
    demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest,
    address: str | None, says: str,
) -> None:  # fmt: skip
    """In-process, as ``lookup`` runs it: the message and exit code, no traceback."""
    import dask
    import distributed  # noqa: F401 - its config defaults in before the override below

    from lookup.cli import main

    address = address or request.getfixturevalue("no_workers")
    src = _write(tmp_path / "in.csv", ["id,address\n", "1,13186 5th St\n"])
    args = ["batch", "--engine", "dask", "--scheduler", address, "--data-dir", str(demo_dir)]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main([*args, str(src), str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert code == 3 and err.startswith(f"lookup: Dask scheduler '{address}': ") and says in err
    assert not (tmp_path / "out.csv").exists()


def test_dask_options_need_the_dask_engine(
    demo_dir: Path, demo_cache: Path, tmp_path: Path
) -> None:
    src = _write(tmp_path / "in.csv", ["id,address\n", "1,13186 5th St\n"])
    p = cli(
        "batch", "--scheduler", "tcp://127.0.0.1:8786", "--data-dir", str(demo_dir),
        str(src), str(tmp_path / "o.csv"), cache=demo_cache,
    )  # fmt: skip
    assert p.returncode == 2 and "need --engine dask" in p.stderr
    p = cli(
        "batch", "--engine", "dask", "--partition-rows", "0", str(src), "o.csv", cache=demo_cache
    )
    assert p.returncode == 2 and "not a positive whole number" in p.stderr


def test_the_service_and_the_default_engine_never_import_dask(
    demo_dir: Path, demo_cache: Path, tmp_path: Path
) -> None:
    src = _write(tmp_path / "in.csv", ["id,address\n", "1,13186 5th St\n"])
    code = (
        "import sys\n"
        "from lookup.cli import main\n"
        "import lookup.web.app, lookup.web.views.api, lookup.serving\n"
        f"assert main(['batch', '--data-dir', {str(demo_dir)!r}, {str(src)!r}, {str(tmp_path / 'o.csv')!r}]) == 0\n"
        "print(sorted(m for m in ('dask', 'distributed', 'dask_geopandas') if m in sys.modules))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
        env={"LOOKUP_CACHE_DIR": str(demo_cache), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


@pytest.mark.parametrize("kind", ["addresses", "points"])
def test_local_jobs_give_the_one_process_file(
    demo_ds, demo_cache: Path, demo_dir: Path, address_lines: list[str],
    point_lines: list[str], tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """``--jobs``: forked processes answer chunks; the file is the one process's, byte
    for byte (chunks made small here so that every process gets several)."""
    import lookup.batch.local

    assert NOW is not None
    src = _write(tmp_path / "in.csv", address_lines if kind == "addresses" else point_lines)
    one = summary(run_batch(demo_ds, src, tmp_path / "one.csv", NOW, jobs=1))
    monkeypatch.setattr(lookup.batch.local, "JOB_CHUNK", 97)
    two = summary(run_batch(demo_ds, src, tmp_path / "two.csv", NOW, jobs=2))
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert two == one
    p = cli(
        "batch", "--jobs", "2", "--data-dir", str(demo_dir), "--date", DATE, str(src),
        str(tmp_path / "cli.csv"), cache=demo_cache,
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "cli.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    refused = cli("batch", "--engine", "dask", "--jobs", "2", str(src), str(tmp_path / "x.csv"),
                  cache=demo_cache)  # fmt: skip
    assert refused.returncode == 2 and "--jobs" in refused.stderr
