"""Posting and withdrawing a change, as the staff API and ``lookup change`` both do it:
parsed (the model's checks), checked against the live dataset and the changes stored,
then stored, all under the store's lock."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lookup.changes.check import check_change
from lookup.changes.store import add_change, new_id
from lookup.dataset.model import Dataset
from lookup.domain.changes import Change, parse_change
from lookup.i18n import languages


def post_change(data_dir: Path, doc: Any, ds: Dataset, now: datetime) -> Change:
    """Store the change ``doc`` describes; ``ChangeRefused`` (nothing stored) otherwise.
    ``now``: the local time its window is checked against; stored as ``created``."""

    def build(stored: tuple[Change, ...]) -> Change:
        created = now.astimezone(UTC).replace(microsecond=0)
        change = parse_change(doc, id=new_id(), created=created, languages=languages())
        check_change(change, ds, stored, now)
        return change

    return add_change(data_dir, build)


def listing(changes: tuple[Change, ...], now: datetime) -> list[dict[str, Any]]:
    """The stored shape of each change, with its ``status`` at ``now``: ``active`` (its
    window holds), ``pending`` (not yet) or ``over``."""
    return [c.to_json() | {"status": status(c, now)} for c in changes]


def status(change: Change, now: datetime) -> str:
    if change.holds(now):
        return "active"
    return "pending" if now < change.window.start else "over"
