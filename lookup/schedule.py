"""Which election applies on a given day, and what is open when. Pure functions:
"today" and "now" always come in as arguments, in or converted to America/New_York."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .models import Election

LOCAL_TZ = ZoneInfo("America/New_York")


def to_local(now: datetime) -> datetime:
    """An aware moment in local time; a naive one is taken as already local."""
    return now.replace(tzinfo=LOCAL_TZ) if now.tzinfo is None else now.astimezone(LOCAL_TZ)


def active_election(elections: Sequence[Election], today: date) -> tuple[Election | None, bool]:
    """Today's election or the next one; after the last, that one with ``over=True``."""
    for e in elections:  # sorted by day
        if e.day >= today:
            return e, False
    return (elections[-1], True) if elections else (None, False)
