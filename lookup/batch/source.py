"""The caller's CSV for ``lookup batch``, read a line at a time: memory stays bounded
whatever the file's size (a statewide voter file is 500 MB, some 7.5 million rows).

The encoding is settled first, the whole file checked a block at a time as
``textfile.decode_bytes`` checks it whole: the same encodings, refusals and messages. The
rows are then those ``csv.DictReader`` reads from the decoded text, with only the cells the
answers use."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lookup.errors import DataError
from lookup.ingest.formats.textfile import NO_LIMIT, decode_bytes, file_encoding

# The cells the answers read (``id`` with ``address``, or with ``lat`` and ``lon``): the
# other cells of a voter file, some 70, are never kept.
COLUMNS = ("id", "address", "lat", "lon")
Row = dict[str, Any]  # a cell is None where a short row has none, as in csv.DictReader


@dataclass(frozen=True, slots=True)
class BatchInput:
    """An input file whose encoding is settled, read as often as needed."""

    path: Path
    encoding: str
    text: str | None = None  # a pipe's text, held whole: a pipe cannot be read twice

    @classmethod
    def open(cls, path: Path) -> BatchInput:
        """``path`` with its encoding found; ``DataError`` for what ``decode_bytes`` refuses,
        in its words. The caller's own file: no size limit."""
        if not path.is_file():  # a pipe, e.g. ``<(zcat voters.csv.gz)``
            text, encoding = decode_bytes(path.read_bytes(), path.name, max_bytes=None)
            return cls(path, encoding, text)
        encoding, _head = file_encoding(path, NO_LIMIT)
        return cls(path, encoding)

    @contextmanager
    def rows(self) -> Iterator[tuple[list[str], Iterator[Row]]]:
        """The header (empty for an empty file) and the rows after it, as ``csv.DictReader``
        gives them (blank lines skipped, the last of a repeated column name winning), with
        only the ``COLUMNS`` the header has."""
        with self._lines() as lines:
            records = _records(lines, self.path.name)
            fields = next(records, [])
            yield fields, _picked(records, fields)

    def count(self) -> int:
        """The number of rows ``rows`` gives, in a pass of its own: a progress bar's total
        (a count of line ends is wrong by quoted line breaks and blank lines)."""
        with self._lines() as lines:
            records = _records(lines, self.path.name)
            next(records, None)
            return sum(1 for record in records if record)

    @contextmanager
    def _lines(self) -> Iterator[Iterator[str]]:
        if self.text is not None:
            yield _without_boms(io.StringIO(self.text, newline=""))
            return
        with self.path.open(encoding=self.encoding, errors="strict", newline="") as f:
            yield _without_boms(f)


def _without_boms(lines: Iterable[str]) -> Iterator[str]:
    """The lines as read (their ends kept: ``csv`` joins a quoted line break), the BOMs
    before the header dropped (a second one is a stray one Excel left, not a character)."""
    first = True
    for line in lines:
        if first:
            line, first = line.lstrip("\ufeff"), False
        yield line


def _records(lines: Iterable[str], name: str) -> Iterator[list[str]]:
    """``csv.reader``'s rows; what it cannot read is a ``DataError`` naming the line its
    row starts on (where ``csv`` gives up may be thousands of lines further on)."""
    reader = csv.reader(lines)
    start = 1
    try:
        for record in reader:
            yield record
            start = reader.line_num + 1
    except csv.Error as exc:
        end = reader.line_num
        runs = f" (its cells run to line {end}: a quote never closed?)" if end > start else ""
        raise DataError(f"{name}: line {start}: {exc}{runs}") from None
    except UnicodeDecodeError:  # it decoded whole a moment ago
        raise DataError(f"{name}: changed while being read") from None


def _picked(records: Iterator[list[str]], fields: list[str]) -> Iterator[Row]:
    at = {name: k for k, name in enumerate(fields) if name in COLUMNS}
    for record in records:
        if record:  # a blank line is no row
            n = len(record)
            yield {name: record[k] if k < n else None for name, k in at.items()}
