"""Cells of CSVs made for people: nothing a spreadsheet would run as a formula."""

from __future__ import annotations

import pytest

from lookup.outputs.csv_cells import safe_cell, safe_row


@pytest.mark.parametrize(
    "cell",
    ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\r=1", '=HYPERLINK("http://x")', "-", "+"],
)
def test_a_cell_that_starts_a_formula_is_shown_as_text(cell: str) -> None:
    assert safe_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["-80.8431", "+1", "-1e5", "35.2", "-.5", "ELM ST", "", "a=b"])
def test_numbers_and_plain_text_are_kept(cell: str) -> None:
    assert safe_cell(cell) == cell


def test_only_text_is_touched() -> None:
    assert safe_row([-80.84, 3, None, "=x", "ok"]) == [-80.84, 3, None, "'=x", "ok"]
