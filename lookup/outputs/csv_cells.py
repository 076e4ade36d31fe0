"""CSV cells that are safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula ("CSV injection"): a street name or
a polling-place name from a BOE file, or an id from a voter file, could run one on a
staff member's machine. Such a cell gets a leading apostrophe, which every one of them
shows as text. A plain number (``-80.84``, a longitude) is left as it is: it is no
formula, and quoting it would turn the number into text. Only CSVs made for people use
this; the VIP feed is read by programs and keeps its values as published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value``, with a leading apostrophe if it is text a spreadsheet would run."""
    if (
        isinstance(value, str)
        and value
        and value[0] in FORMULA_START
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]
