"""``lookup.affected``'s answer as staff take it away: a CSV for outreach, the JSON of
``GET /admin/affected?format=json`` and the plain-text table ``lookup affected`` prints.

Counts only, never names. A count that is not known (a dataset without address points,
an early-voting site without coordinates) is an empty CSV cell, ``null`` in JSON and
"unknown" in the table: never 0, which would read as "nobody".
"""

from __future__ import annotations

import csv
import io
from typing import Any

from lookup.affected import ELECTION_DAY, Affected, Row
from lookup.outputs.csv_cells import safe_row

COLUMNS = (
    "county",
    "precinct",
    "precinct_name",
    "address_points",
    "affected_points",
    "polling_place_id",
    "polling_place_name",
    "place_kind",  # election_day or early_voting: what polling_place_* names
)


def cells(row: Row) -> tuple[str, str, str, int | None, int | None, str, str, str]:
    """One row's values in ``COLUMNS`` order (``None``: not known)."""
    p, place = row.precinct, row.place
    return (
        p.county,
        p.id,
        p.name,
        row.address_points,
        row.affected_points,
        place.id,
        place.name,
        place.kind,
    )


def total_affected(result: Affected) -> int | None:
    """Address points sent to the place(s) asked about; None if any row's is unknown. For
    a precinct, its Election Day place's (each of its points also has a nearest site)."""
    rows = result.rows
    if result.target == "precinct":
        rows = tuple(r for r in rows if r.place.kind == ELECTION_DAY)
    counts = [r.affected_points for r in rows]
    if not counts or any(n is None for n in counts):
        return None
    return sum(n for n in counts if n is not None)


def to_csv(result: Affected) -> str:
    """The rows as CSV, header first; every cell through ``safe_row`` (names come from
    BOE files and a spreadsheet must not run one as a formula)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(COLUMNS)
    for row in result.rows:
        w.writerow(safe_row("" if v is None else v for v in cells(row)))
    return out.getvalue()


def to_json(result: Affected, data_version: str, demo: bool) -> dict[str, Any]:
    e = result.election
    return {
        "ok": True,
        "demo": demo,
        "data_version": data_version,
        "target": result.target,
        "id": result.asked,
        "election": {"date": e.day.isoformat(), "name": e.name} if e is not None else None,
        "places": [
            {"kind": p.kind, "id": p.id, "name": p.name, "county": p.county, "placed": p.placed}
            for p in result.places
        ],
        "precinct": (
            {"county": pr.county, "id": pr.id, "name": pr.name}
            if (pr := result.precinct) is not None
            else None
        ),
        "address_points_known": result.points_known,
        "total_points": result.total_points,
        "affected_points": total_affected(result),
        "rows": [dict(zip(COLUMNS, cells(r), strict=True)) for r in result.rows],
    }


def _shown(n: int | None) -> str:
    return "unknown" if n is None else f"{n:,}"


def _printable(value: object) -> str:
    """A cell for a terminal: a control character in a BOE name must not drive it."""
    return "".join(c if c.isprintable() else "?" for c in str(value))


def to_text(result: Affected, demo: bool) -> str:
    """The table ``lookup affected`` prints: what was asked, then one line per row."""
    e = result.election
    when = f"{e.name} {e.day.isoformat()}" if e is not None else "no election in the data"
    lines = ["DEMO DATA: a fictional county; these are not real places."] if demo else []
    if result.target == "site":
        for p in result.places:
            kind = "Election Day polling place" if p.kind == ELECTION_DAY else "early-voting site"
            lines.append(f"{kind} {p.id} {p.name} ({p.county}), {when}")
            if not p.placed:
                lines.append("  no coordinates on file: nearest to nobody, counts unknown")
    elif (pr := result.precinct) is not None:
        lines.append(f"precinct {pr.id} {pr.name} ({pr.county}), {when}")
    if result.points_known:
        sent, total = _shown(total_affected(result)), _shown(result.total_points)
        lines.append(f"address points sent there: {sent} of {total}")
    else:
        lines.append("this dataset holds no address points: counts unknown (not 0)")
    lines = [_printable(line) for line in lines]
    table = [COLUMNS] + [
        tuple("unknown" if v is None else _printable(v) for v in cells(r)) for r in result.rows
    ]
    widths = [max(len(r[k]) for r in table) for k in range(len(COLUMNS))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    if not result.rows:
        lines.append("(no precinct)")
    return "\n".join(lines)
