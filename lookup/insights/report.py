"""The published tables, with small-number protection, and their CSV.

Protection (``protect``): in every table, a cell under ``k`` (``insights_min_count``) is
merged into one "other" cell; while that merged cell is itself under ``k``, the smallest
published cell joins it. So every published count is at least ``k``, the table still
adds up to its total, and no small cell can be recovered by subtracting the others
from the total. A table whose total is under ``k`` is withheld whole. The per-day
tables (look-ups, question topics) do this twice: days first (small days merged into one
row), then channels within each published day.

The unmatched-streets table is for data staff only (never in a partners' export): a
street asked fewer than ``k`` times is withheld (one "(withheld)" row adds them up), as
a street typed once may be a caller's own words rather than a street the map lacks.

Every CSV here is opened by people in a spreadsheet: cells that would start a formula
are escaped (``outputs.csv_cells``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from lookup.outputs.csv_cells import safe_row

if TYPE_CHECKING:
    from lookup.insights.counters import Store


K = TypeVar("K", bound=Hashable)
OTHER = "(other)"  # cells merged to protect small counts
WITHHELD = "(withheld)"  # a table whose total is under the threshold


@dataclass(frozen=True)
class Protected(Generic[K]):
    published: list[tuple[K, int]]  # every count >= k, largest first
    other: int  # the merged cells' sum: 0 or >= k (unless withheld)
    withheld: bool  # total under k: nothing of this table may be shown

    @property
    def total(self) -> int:
        return sum(n for _, n in self.published) + self.other


def protect(cells: Sequence[tuple[K, int]], k: int) -> Protected[K]:
    """Merge small cells (see the module docstring)."""
    cells = [(key, n) for key, n in cells if n > 0]
    total = sum(n for _, n in cells)
    if total < k:
        return Protected([], total, withheld=total > 0)
    ascending = sorted(cells, key=lambda c: (c[1], str(c[0])))
    big = [c for c in ascending if c[1] >= k]
    other = sum(n for _, n in ascending if n < k)
    while 0 < other < k:  # ends: all of big merged would make other == total >= k
        other += big.pop(0)[1]
    return Protected(sorted(big, key=lambda c: (-c[1], str(c[0]))), other, withheld=False)


@dataclass(frozen=True)
class Table:
    """One published table: a CSV file and a table on the page."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    staff_only: bool = False

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(map(safe_row, self.rows))
        return out.getvalue()


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    min_count: int
    tables: dict[str, Table]
    # For the charts: (day, {channel: n}) of the published days, and the other days' sum.
    days: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    other_days: int = 0
    # The same for the question topics marked (``topics_by_day``).
    topic_days: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    topic_other_days: int = 0

    def public(self) -> list[Table]:
        return [t for t in self.tables.values() if not t.staff_only]

    def text(self, staff: bool = False) -> str:
        """Every table as aligned plain text, for the terminal."""
        out = [f"{self.start} to {self.end} (counts under {self.min_count} merged or withheld)"]
        for table in self.tables.values():
            if table.staff_only and not staff:
                continue
            rows = [tuple(map(str, table.columns)), *(tuple(map(str, r)) for r in table.rows)]
            widths = [max(len(r[i]) for r in rows) for i in range(len(table.columns))]
            out += [
                "",
                f"== {table.name}"
                + (" (staff only: not for publication)" if table.staff_only else ""),
            ]
            out += [
                "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
            ]
        return "\n".join(out)

    def write_csv(self, folder: Path, staff: bool = False) -> list[Path]:
        """One CSV per table; the staff-only ones only with ``staff``."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for table in self.tables.values():
            if table.staff_only and not staff:
                continue
            path = folder / f"{table.name}.csv"
            path.write_text(table.csv(), encoding="utf-8")
            paths.append(path)
        return paths


def share(n: int, total: int) -> float:
    return round(100.0 * n / total, 1) if total else 0.0


def _one_way(name: str, label: str, rows: Sequence[tuple[Any, ...]], k: int) -> Table:
    """``label, count, share_pct`` from rows of (label, n)."""
    p = protect([(r[0], int(r[1])) for r in rows], k)
    return _table(name, (label,), p, with_share=True)


def _table(
    name: str, labels: tuple[str, ...], p: Protected[Any], *, with_share: bool = False
) -> Table:
    width = len(labels)

    def row(key: Any, n: int | None) -> tuple[Any, ...]:
        cells = key if isinstance(key, tuple) else (key,)
        out = (*cells, "" if n is None else n)
        return (*out, "" if n is None else share(n, p.total)) if with_share else out

    rows: list[tuple[Any, ...]] = [row(key, n) for key, n in p.published]
    if p.withheld:
        rows.append(row((WITHHELD,) + ("",) * (width - 1), None))
    elif p.other:
        rows.append(row((OTHER,) + ("",) * (width - 1), p.other))
    columns = (*labels, "requests", "share_pct") if with_share else (*labels, "requests")
    return Table(name, columns, rows)


def build(store: Store, start: date, end: date, k: int) -> Report:
    """Every table for the days ``start``..``end``, protected with threshold ``k``."""

    def sums(table: str, by: Sequence[str], where: dict[str, str] | None = None) -> list[Any]:
        return store.sums(table, by, start, end, where)

    tables: dict[str, Table] = {}
    by_day = sums("requests", ["day", "channel"])
    tables["requests_by_day"], series, other_days = _days_by_channel("requests_by_day", by_day, k)

    lookups = sum(int(r[-1]) for r in by_day)
    calendar = sums("calendar", ["county", "site", "site_name"])
    changed = sums("answers", ["changed"])
    summary = [
        ("lookups", lookups),
        ("changed_place", sum(int(n) for c, n in changed if c == "yes")),
        ("calendar_exports", sum(int(r[-1]) for r in calendar)),
    ]
    tables["summary"] = Table(
        "summary",
        ("measure", "requests"),
        [(m, n if n >= k else (f"<{k}" if n else 0)) for m, n in summary],
    )
    for name, column in (("outcomes", "outcome"), ("channels", "channel"), ("languages", "lang")):
        tables[name] = _one_way(name, column, sums("requests", [column]), k)
    hours = protect([(int(h), int(n)) for h, n in sums("requests", ["hour"])], k)
    by_hour = Protected(sorted(hours.published), hours.other, hours.withheld)  # as a clock reads
    tables["hours"] = _table("hours", ("hour",), by_hour)
    precinct_cols = ["county", "precinct", "precinct_name"]
    for name, where in (("precincts", None), ("changed_places", {"changed": "yes"})):
        rows = sums("answers", precinct_cols, where)
        p = protect([((c, i, nm), int(n)) for c, i, nm, n in rows], k)
        tables[name] = _table(name, ("county", "precinct", "name"), p, with_share=True)
    tables["changed"] = _one_way("changed", "changed", changed, k)
    tables["early_voting_open"] = _one_way(
        "early_voting_open", "early_voting_open", sums("answers", ["early_voting"]), k
    )
    sites = protect([((c, s or "election_day", nm), int(n)) for c, s, nm, n in calendar], k)
    cal = _table("calendar_sites", ("county", "site", "name"), sites)
    tables["calendar_sites"] = Table(cal.name, (*cal.columns[:-1], "exports"), cal.rows)
    # Only streets asked at least k times: a street typed once or twice may be someone's
    # own words; the withheld ones are added up in one row, so the total still adds up.
    streets = [(z, s, int(n)) for z, s, n in sums("unmatched", ["zip", "street"])]
    unmatched: list[tuple[Any, ...]] = sorted(
        ((z, s, n) for z, s, n in streets if n >= k), key=lambda r: (-r[2], r[0], r[1])
    )
    withheld = sum(n for _, _, n in streets if n < k)
    if withheld:
        unmatched.append((WITHHELD, "", withheld))
    tables["unmatched_streets"] = Table(
        "unmatched_streets", ("zip", "street", "requests"), unmatched, staff_only=True
    )
    topics = _topic_tables(sums, k)
    tables.update((t.name, t) for t in topics.tables)
    return Report(start, end, k, tables, series, other_days, topics.days, topics.other_days)


Series = list[tuple[str, dict[str, int]]]  # (day, {channel: n}) of the published days


def _days_by_channel(
    name: str, rows: Sequence[tuple[Any, ...]], k: int
) -> tuple[Table, Series, int]:
    """``day, channel, requests`` from rows of (day, channel, n), protected twice (days,
    then channels within each day), its chart series and the merged days' sum."""
    per_day: dict[str, list[tuple[str, int]]] = {}
    for day, channel, n in rows:
        per_day.setdefault(day, []).append((channel, int(n)))
    days = protect([(d, sum(n for _, n in cells)) for d, cells in per_day.items()], k)
    series: Series = []
    day_rows: list[tuple[Any, ...]] = []
    for day, _total in sorted(days.published):
        channels = protect(per_day[day], k)
        split = dict(channels.published)
        if channels.other:
            split[OTHER] = channels.other
        series.append((day, split))
        day_rows += [(day, c, n) for c, n in sorted(split.items())]
    if days.withheld:
        day_rows.append((WITHHELD, "", ""))
    elif days.other:
        day_rows.append((OTHER, "", days.other))
    return Table(name, ("day", "channel", "requests"), day_rows), series, days.other


@dataclass(frozen=True)
class _Topics:
    tables: list[Table]
    days: Series
    other_days: int


def _topic_tables(sums: Callable[[str, Sequence[str]], list[Any]], k: int) -> _Topics:
    """What residents ask: each topic's count (``topics``: a post marking several topics
    counts once for each), and the marks by day and channel, by language, by channel."""
    main = _one_way("topics", "topic", sums("topics", ["topic"]), k)
    by_day, days, other_days = _days_by_channel(
        "topics_by_day", sums("topics", ["day", "channel"]), k
    )
    breakdowns = []
    for name, column in (("topics_by_language", "lang"), ("topics_by_channel", "channel")):
        p = protect([((c, t), int(n)) for c, t, n in sums("topics", [column, "topic"])], k)
        # Grouped by language (channel), most asked first within each.
        grouped = sorted(p.published, key=lambda c: (str(c[0][0]), -c[1], str(c[0][1])))
        breakdowns.append(_table(name, (column, "topic"), Protected(grouped, p.other, p.withheld)))
    return _Topics([main, by_day, *breakdowns], days, other_days)
