"""The benchmark's table: rows of figures, targets, and how they print."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    benchmark: str
    value: float | None
    unit: str
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Target:
    name: str
    status: str  # PASS, FAIL or SKIP
    detail: str


class Report:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.targets: list[Target] = []
        self.footnotes: list[str] = []
        self.skipped: list[str] = []
        self.failures: list[str] = []

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(f"  {_row_line(row)}", flush=True)
        return row

    def skip(self, reason: str) -> None:
        self.skipped.append(reason)
        print(f"  SKIPPED: {reason}", flush=True)


def _si(value: float) -> str:
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "points/s":
        return _si(value)
    if unit in ("req/s", "points", "requests"):
        return f"{value:,.0f}"
    if unit == "s":
        return f"{value:.3f}"
    return f"{value:.3g}" if value < 100 else f"{value:,.0f}"


def _row_line(row: Row) -> str:
    return f"{row.benchmark:<44} {fmt_value(row.value, row.unit):<10} {row.unit:<10} {row.note}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def check(name: str, ok: bool | None, detail: str) -> Target:
    return Target(name, "SKIP" if ok is None else ("PASS" if ok else "FAIL"), detail)
