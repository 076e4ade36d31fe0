"""An early-voting site closed by the board's staff for a window of time (``changes``):
its hours with the window taken out, and its status at a moment from those hours.

A closure removes opening hours and adds none: a site closed 10:00-14:00 on a day open
8:00-19:30 is open 8:00-10:00 and 14:00-19:30 that day, and a day the window covers
whole reads as closed. Everything that says what a closed site is doing (open now, its
hours today, when it opens next, its ``site_state``) is worked out from the trimmed
hours, so no answer can say it opens inside the window.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from lookup.domain.changes import Window
from lookup.domain.models import DaySchedule, OpenHours
from lookup.domain.schedule import LOCAL_TZ, SiteStatus, Timeline


def trimmed(schedule: tuple[DaySchedule, ...], window: Window) -> tuple[DaySchedule, ...]:
    """``schedule`` without the hours inside ``window``."""
    return _trimmed(schedule, window)[0]


def closed_status(schedule: tuple[DaySchedule, ...], window: Window, now: datetime) -> SiteStatus:
    """The status at ``now`` (inside ``window``) of a site whose hours are ``schedule``:
    never open now, today's hours and the next opening as the trimmed hours say."""
    return _trimmed(schedule, window)[1].status(now)


@lru_cache(maxsize=256)  # a few closures at a time, asked by every answer near them
def _trimmed(
    schedule: tuple[DaySchedule, ...], window: Window
) -> tuple[tuple[DaySchedule, ...], Timeline]:
    days = tuple(DaySchedule(d.day, _cut(d, window)) for d in schedule)
    return days, Timeline.of(days)


def _cut(d: DaySchedule, window: Window) -> tuple[OpenHours, ...]:
    kept: list[OpenHours] = []
    for h in d.hours:
        start = datetime.combine(d.day, h.start, tzinfo=LOCAL_TZ)
        end = datetime.combine(d.day, h.end, tzinfo=LOCAL_TZ)
        if end <= window.start or start >= window.end:
            kept.append(h)
            continue
        if start < window.start:  # open before the window begins
            kept.append(OpenHours(h.start, window.start.astimezone(LOCAL_TZ).time()))
        if end > window.end:  # open again after it ends
            kept.append(OpenHours(window.end.astimezone(LOCAL_TZ).time(), h.end))
    return tuple(kept)
