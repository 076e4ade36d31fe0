"""``lookup batch`` (the local engine) reads its input a line at a time: the same file out
as when it decoded the whole input at once, the same refusals in the same words, and a
peak memory that does not grow with the input.

The reference, ``_whole_file``, is what ``run_batch`` did before it streamed: the bytes
decoded whole by ``decode_bytes`` and ``csv.DictReader`` over the text."""

from __future__ import annotations

import codecs
import csv
import io
import os
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from support.paths import ROOT

import lookup.batch.local
import lookup.ingest.formats.textfile
from lookup.batch.local import OUT_COLUMNS, answerer, election_places, run_batch
from lookup.domain.schedule import parse_moment
from lookup.errors import DataError
from lookup.ingest.formats.addresses import read_addresses
from lookup.ingest.formats.textfile import decode_bytes
from lookup.ingest.progress import Progress
from lookup.outputs.csv_cells import safe_row

DEMO_ADDRESSES = ROOT / "data" / "precincts" / "demo" / "Master_Address_Table_demo.csv"
NOW = parse_moment("2028-10-25", None)


def _whole_file(ds: Any, src: Path, out: Path) -> None:
    """The file ``run_batch`` wrote when it read its input whole."""
    assert NOW is not None
    text, _ = decode_bytes(src.read_bytes(), src.name, max_bytes=None)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    answer = answerer(reader.fieldnames or (), src.name)
    rows = answer(ds, list(reader), election_places(ds, NOW))
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(OUT_COLUMNS)
        writer.writerows(map(safe_row, rows))


def _run(ds: Any, src: Path, out: Path, jobs: int = 1, progress: Progress | None = None) -> None:
    assert NOW is not None
    run_batch(ds, src, out, NOW, progress or Progress(), jobs=jobs)


@pytest.fixture(scope="module")
def table():
    return read_addresses(DEMO_ADDRESSES)


@pytest.fixture(scope="module")
def text(table) -> str:
    """~400 rows of every kind ``run_batch`` meets: addresses, pasted coordinates, quoted
    line breaks, accents (Windows-1252 has them), blank lines, short and long rows."""
    lines = ["id,address\n"]
    odd = [
        '"13186 5th St\nDemo City"',
        '"Café 9 Rue, 34.9023, -75.2834"',
        '"35.2271, -80.8431"',
        "999 Nowhere Ln",
        "PO Box 12",
        '5 O"Neil St',
    ]
    for k, r in enumerate(table.sample(n=300, random_state=11).itertuples()):
        lines.append(f"r{k},{r.line} {r.municipality} {r.zip}\n")
        if k % 5 == 0:
            lines.append(f"o{k},{odd[k // 5 % len(odd)]}\n")
        if k % 41 == 0:
            lines += ["\n", f"short{k}\n", f"extra{k},{r.line},surplus\n"]
    return "".join(lines)


@pytest.fixture(scope="module")
def points(table) -> str:
    out = ["id,lat,lon\n"]
    for k, r in enumerate(table.sample(n=300, random_state=12).itertuples()):
        out.append(f"p{k},{r.lat},{r.lon}\n" if k % 7 else f"p{k},{r.lat}\n")
    return "".join(out)


@pytest.mark.parametrize(
    ("encoding", "bom", "newline"),
    [
        ("utf-8", b"", "\r\n"),
        ("utf-8", codecs.BOM_UTF8, "\n"),
        ("utf-8", codecs.BOM_UTF8 * 2, "\r\n"),  # a stray BOM after the first
        ("cp1252", b"", "\r"),  # old Mac line ends
        ("utf-16-le", codecs.BOM_UTF16_LE, "\r\n"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "\n"),
        ("utf-16-le", b"", "\n"),
        ("utf-16-be", b"", "\r\n"),
    ],
)
def test_every_encoding_gives_the_whole_file_readings_bytes(
    demo_ds, text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    encoding: str, bom: bytes, newline: str,
) -> None:  # fmt: skip
    """Chunks made small so that rows, quoted line breaks and chunks cut across each
    other; one process and two."""
    src = tmp_path / "in.csv"
    src.write_bytes(bom + text.replace("\n", newline).encode(encoding))
    _whole_file(demo_ds, src, tmp_path / "whole.csv")
    expected = (tmp_path / "whole.csv").read_bytes()
    written = list(csv.DictReader(io.StringIO(expected.decode())))
    assert len(written) == 300 + 60 + 8 * 2  # blank lines are no rows
    assert any(r["status"] == "ok" for r in written)
    monkeypatch.setattr(lookup.batch.local, "CHUNK", 37)
    monkeypatch.setattr(lookup.batch.local, "JOB_CHUNK", 29)
    _run(demo_ds, src, tmp_path / "one.csv")
    assert (tmp_path / "one.csv").read_bytes() == expected
    _run(demo_ds, src, tmp_path / "two.csv", jobs=2)
    assert (tmp_path / "two.csv").read_bytes() == expected


def test_points_and_short_rows_give_the_whole_file_readings_bytes(
    demo_ds, points: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(points)
    _whole_file(demo_ds, src, tmp_path / "whole.csv")
    monkeypatch.setattr(lookup.batch.local, "CHUNK", 50)
    _run(demo_ds, src, tmp_path / "one.csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


def test_a_pipe_is_read_as_before(demo_ds, text: str, tmp_path: Path) -> None:
    """``lookup batch <(zcat voters.csv.gz) out.csv``: a pipe cannot be read twice, and is
    still answered (held whole, as before)."""
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    (tmp_path / "in.csv").write_bytes(data)
    _whole_file(demo_ds, tmp_path / "in.csv", tmp_path / "whole.csv")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(data,), daemon=True)
    writer.start()
    _run(demo_ds, fifo, tmp_path / "out.csv")
    writer.join(timeout=10)
    assert (tmp_path / "out.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()


_GOOD = "".join(f"{k},{k} Main St\n" for k in range(400))  # past the 4,000 bytes sniffed


@pytest.mark.parametrize(
    "data",
    [
        ("id,address\n" + _GOOD).encode() + b"1,\x81\x9d\n",  # no encoding reads it
        codecs.BOM_UTF8 + ("id,address\n" + _GOOD).encode() + b"1,caf\xe9\n",
        ("id,address\n" + _GOOD + "1,x\n").encode("utf-16-le") + b"\x00\xd8y\x00",
        codecs.BOM_UTF16_BE + ("id,address\n" + _GOOD).encode("utf-16-be") + b"\x00",
        b"PK\x03\x04" + b"\x81" * 64,  # a zip: said as what it is
    ],
    ids=["not-text", "utf-8-bom", "utf-16-surrogate", "utf-16-odd", "zip"],
)
def test_undecodable_input_is_refused_in_the_whole_file_readings_words(
    demo_ds, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes
) -> None:
    """The encoding is checked in blocks (made tiny here, so that the bad byte lies blocks
    in): the message names the same byte at the same offset as the whole file's."""
    src = tmp_path / "in.csv"
    src.write_bytes(data)
    with pytest.raises(DataError) as whole:
        decode_bytes(data, src.name, max_bytes=None)
    monkeypatch.setattr(lookup.ingest.formats.textfile, "BLOCK_BYTES", 64)
    with pytest.raises(DataError) as streamed:
        _run(demo_ds, src, tmp_path / "out.csv")
    assert str(streamed.value) == str(whole.value)
    assert not list(tmp_path.glob("*out*"))


@pytest.mark.parametrize(
    "content",
    ["", "\n", "\ufeff\n", "\nid,address\n1,13186 5th St\n", "name,street\nx,y\n"],
)
def test_unusable_headers_are_refused_as_before(demo_ds, tmp_path: Path, content: str) -> None:
    src = tmp_path / "in.csv"
    src.write_text(content)
    with pytest.raises(DataError) as caught:
        _run(demo_ds, src, tmp_path / "out.csv")
    assert str(caught.value) == "in.csv: columns must be id,address or id,lat,lon"


@pytest.mark.parametrize(("jobs", "shown"), [(1, False), (2, False), (1, True)])
def test_a_row_csv_cannot_read_is_a_data_error_naming_its_line(
    demo_ds, tmp_path: Path, jobs: int, shown: bool
) -> None:
    """An unclosed quote runs on past ``csv``'s field limit: no traceback, and OUT as it
    was (the rows before it are never half written over it)."""
    src = tmp_path / "in.csv"
    src.write_text(
        "id,address\n1,13186 5th St\n\n2,999 Nowhere Ln\n"
        + '3,"never closed '
        + "x" * 200_000
        + "\n4,13186 5th St\n"
    )
    out = tmp_path / "out.csv"
    out.write_text("the last run's answers\n")
    progress = Progress(io.StringIO() if shown else None)
    with pytest.raises(DataError) as caught:
        _run(demo_ds, src, out, jobs=jobs, progress=progress)
    assert str(caught.value) == "in.csv: line 5: field larger than field limit (131072)"
    assert out.read_text() == "the last run's answers\n"
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_unclosed_quote_is_named_where_its_row_starts(demo_ds, tmp_path: Path) -> None:
    """``csv`` gives up thousands of lines after the quote that was never closed: the
    message names the row's first line, and where reading stopped."""
    src = tmp_path / "in.csv"
    src.write_text('id,address\n1,13186 5th St\n2,"999 Nowhere Ln\n' + "4,13186 5th St\n" * 20_000)
    with pytest.raises(DataError) as caught:
        _run(demo_ds, src, tmp_path / "out.csv")
    message = str(caught.value)
    assert message.startswith("in.csv: line 3: field larger than field limit (131072) (its ")
    end = int(message.split("run to line ")[1].split(":")[0])
    assert 1_000 < end <= 20_003, message  # ~131,072 characters of 15-character lines
    assert message.endswith(": a quote never closed?)")


class _Recording(Progress):
    def __init__(self, stream: io.StringIO | None) -> None:
        super().__init__(stream)
        self.totals: list[int | None] = []

    def bar(self, label: str, total: int | None, unit: str = "rows") -> Any:
        self.totals.append(total)
        return super().bar(label, total, unit)


def test_a_shown_bar_counts_rows_not_line_ends(demo_ds, text: str, tmp_path: Path) -> None:
    """Quoted line breaks and blank lines make a count of line ends wrong: the total of a
    bar on the terminal is the rows answered; with no bar, no counting pass."""
    src = tmp_path / "in.csv"
    src.write_text(text)
    shown = _Recording(io.StringIO())
    _run(demo_ds, src, tmp_path / "out.csv", progress=shown)
    answered = len(list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text()))))
    assert shown.totals == [answered] and answered != text.count("\n") - 1
    quiet = _Recording(None)
    _run(demo_ds, src, tmp_path / "out.csv", progress=quiet)
    assert quiet.totals == [None]


def _peak(ds: Any, src: Path, out: Path) -> int:
    tracemalloc.start()
    try:
        _run(ds, src, out, progress=Progress(io.StringIO()))  # the counting pass too
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_does_not_grow_with_the_input(
    demo_ds, table, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten times the rows, the same peak within a small bound. Rows as wide as a voter
    file's (40 more cells); chunks and the encoding check's blocks made small so that
    both files span many. Reading the files whole peaked at 7.3 and 36 MB here."""
    monkeypatch.setattr(lookup.batch.local, "CHUNK", 500)
    monkeypatch.setattr(lookup.ingest.formats.textfile, "BLOCK_BYTES", 64 * 1024)
    header = "id,lat,lon," + ",".join(f"c{k}" for k in range(40)) + "\n"
    filler = ",".join(f"cell{k:02d}" for k in range(40))
    sample = [f"{r.lat},{r.lon},{filler}\n" for r in table.head(1000).itertuples()]
    peaks = {}
    for n in (200, 2_000, 20_000):  # the first: what a first run loads once (tqdm...)
        src = tmp_path / f"in{n}.csv"
        src.write_text(header + "".join(f"p{k}," + sample[k % 1000] for k in range(n)))
        peaks[n] = _peak(demo_ds, src, tmp_path / "out.csv")
    assert (tmp_path / "in20000.csv").stat().st_size > 6_000_000
    assert peaks[20_000] - peaks[2_000] < 256 * 1024, peaks
