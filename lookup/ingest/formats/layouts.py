"""The refusal of a file whose layout no reader knows, in one shape for every kind.

County staff meet it the night before an election: it names the file, what it found
(the first column names), every layout the readers take with the columns each needs, and
what to do next. Each reader module defines its ``KnownLayout`` from its own column
definitions and the registry lists them per kind, so the message cannot drift from what
is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lookup.errors import DataError

_SHOWN_COLUMNS = 6  # of a wrong file's header: enough to recognise it, short enough to read
_CELL_CHARS = 30


@dataclass(frozen=True, slots=True)
class KnownLayout:
    """One file layout a reader takes, as a message names it."""

    name: str  # "the State Board's polling_place_YYYYMMDD file"
    columns: tuple[str, ...] = ()  # what it must have, spelled as the files spell them
    optional: tuple[str, ...] = ()  # read when present
    how: str = ""  # what else tells it apart: "named .kml or .kmz", "no header row"

    def __str__(self) -> str:
        parts = [f"columns {', '.join(self.columns)}"] if self.columns else []
        if self.optional:
            parts.append(f"optional {', '.join(self.optional)}")
        if self.how:
            parts.append(self.how)
        return f"{self.name}: {'; '.join(parts)}" if parts else self.name


def shown_header(cells: Sequence[str], limit: int = _SHOWN_COLUMNS) -> str:
    """The first ``limit`` column names found, each cut short, and how many in all."""
    cut = [c if len(c) <= _CELL_CHARS else c[: _CELL_CHARS - 1] + "…" for c in cells[:limit]]
    shown = ", ".join(cut) or "nothing"
    return shown + (f", … ({len(cells)} columns)" if len(cells) > limit else "")


class UnknownLayout(DataError):
    """A reader's word that it does not know a file's layout, with what it found. The
    registry, which knows every layout of the file's kind, completes it into the
    ``unknown_layout`` refusal: a reader never needs to know the other readers."""

    def __init__(self, name: str, found: str) -> None:
        super().__init__(f"{name}: unknown layout ({found})")
        self.name = name
        self.found = found


def unknown_layout(
    name: str, kind: str, found: str, layouts: Iterable[KnownLayout], step: str, note: str = ""
) -> str:
    """``x.csv: unknown <kind> layout (<found>). Known layouts: (1) ...; (2) ...[; note].
    Next step: <step>.``: one line, the file first, as the refresh prints a refusal.
    ``note``: what every layout needs, said once rather than in each."""
    known = "; ".join(f"({n}) {layout}" for n, layout in enumerate(layouts, start=1))
    known += f"; {note}" if note else ""
    return f"{name}: unknown {kind} layout ({found}). Known layouts: {known}. Next step: {step}."


def missing_columns(
    name: str, missing: Sequence[str], header: Sequence[str], layout: KnownLayout, step: str
) -> str:
    """A file that is nearly ``layout``: the columns it lacks, its header, the layout's
    columns and the next step, on one line."""
    return (
        f"{name}: missing columns {', '.join(missing)} (header: {shown_header(header)}); "
        f"{layout}. Next step: {step}."
    )
