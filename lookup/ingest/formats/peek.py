"""A source file as the registry's sniffs look at it: its name at once, its text table
(decoded, its first row split) only when a sniff asks, then kept for the next sniff."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection
from functools import cached_property
from pathlib import Path

from lookup.ingest.formats.textfile import TextFile, read_text_table


class Peek:
    """``readable``: the suffixes under which the file's kind reads other than text, so a
    text table refused as another kind says "name it .kml" (``sniff.refusal``)."""

    def __init__(self, path: Path, readable: Collection[str] = ()) -> None:
        self.path = path
        self.readable = readable

    def named(self, suffixes: Collection[str]) -> bool:
        return self.path.suffix.lower() in suffixes

    @cached_property
    def text(self) -> TextFile:
        """The file as a text table; refused (``DataError``) as what it is when it is not."""
        return read_text_table(self.path, readable=self.readable)

    @property
    def first_line(self) -> str:
        return self.text.text.partition("\n")[0]

    @cached_property
    def first_row(self) -> list[str]:
        """The first non-blank row, cells stripped (``textfile.rows``); [] when none."""
        reader = csv.reader(io.StringIO(self.text.text, newline=""), delimiter=self.text.delimiter)
        row = next((r for r in reader if any(c.strip() for c in r)), [])
        return [c.strip() for c in row]
