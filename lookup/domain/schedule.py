"""Which election applies on a given day, and what is open when. Pure functions:
"today" and "now" always come in as arguments, in or converted to America/New_York."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo

from lookup.domain.models import DaySchedule, Election, OpenHours
from lookup.errors import InvalidParameter

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


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """A site as of one moment: open now, its hours that day (``None`` when the day is
    not in its schedule, ``()`` when it is closed), and the next time it opens."""

    open_now: bool
    hours_today: tuple[OpenHours, ...] | None
    next_open: datetime | None


@lru_cache(maxsize=16_384)
def local_instant(day: date, at: dtime) -> float:
    """POSIX seconds of a local wall-clock time. Memoised: a county's sites share their
    days and hours (statewide: 55 ms of a load went to the same conversions again)."""
    return datetime.combine(day, at, tzinfo=LOCAL_TZ).timestamp()


@dataclass(frozen=True, slots=True)
class Timeline:
    """A site's opening spans as sorted instants, built once per dataset: a status is
    then two binary searches, not a walk over 17 days per site per request.

    Hours are local wall-clock times on their own date; each span becomes an instant
    with the UTC offset of *its* date, so the 8:00 a.m. after daylight saving time ends
    (13:00 UTC) is not confused with the one before it (12:00 UTC)."""

    starts: tuple[float, ...]  # POSIX seconds, sorted
    ends: tuple[float, ...]
    by_day: Mapping[date, tuple[OpenHours, ...]]

    @classmethod
    def of(cls, schedule: Sequence[DaySchedule]) -> Timeline:
        spans = sorted(
            (local_instant(d.day, h.start), local_instant(d.day, h.end))
            for d in schedule
            for h in d.hours
        )
        by_day = MappingProxyType({d.day: d.hours for d in schedule})
        return cls(tuple(a for a, _ in spans), tuple(b for _, b in spans), by_day)

    def status(self, now: datetime) -> SiteStatus:
        local = to_local(now)
        return self.status_at(local.timestamp(), local.date())

    def status_at(self, t: float, today: date) -> SiteStatus:
        """``status`` for a moment converted once per answer, not once per site."""
        k = bisect_right(self.starts, t)
        open_now = k > 0 and t < self.ends[k - 1]
        next_open = (
            datetime.fromtimestamp(self.starts[k], LOCAL_TZ) if k < len(self.starts) else None
        )
        return SiteStatus(open_now, self.by_day.get(today), next_open)


class StatusBoard:
    """The statuses of a county's sites at once, memoised per stretch of time in which
    none of them can change: every site's status is fixed between two consecutive
    "events" (any opening, any closing, any midnight of a schedule day). Requests in the
    same stretch, most of a day's callers, share one computation and the same objects.
    A pure memo of immutable timelines: the dataset stays immutable in meaning."""

    MAX_MEMO = 256  # stretches kept; an election has a few hundred at most

    def __init__(self, timelines: Mapping[str, Timeline]) -> None:
        self.timelines = timelines
        events: set[float] = set()
        for tl in timelines.values():
            events.update(tl.starts, tl.ends)
            for day in tl.by_day:
                for d in (day, day + timedelta(days=1)):
                    events.add(local_instant(d, dtime(0)))
        self.events = tuple(sorted(events))
        self._memo: dict[int, Mapping[str, SiteStatus]] = {}

    def at(self, t: float, today: date) -> Mapping[str, SiteStatus]:
        """Every site's status at POSIX time ``t`` (``today``: its local date)."""
        stretch = bisect_right(self.events, t)
        found = self._memo.get(stretch)
        if found is None:
            if len(self._memo) >= self.MAX_MEMO:
                self._memo.clear()
            found = MappingProxyType(
                {sid: tl.status_at(t, today) for sid, tl in self.timelines.items()}
            )
            self._memo[stretch] = found
        return found


def site_status(schedule: Sequence[DaySchedule], now: datetime) -> SiteStatus:
    return Timeline.of(schedule).status(now)


def election_window(e: Election, today: date) -> str:
    """Where ``today`` stands: before early voting, during it, between it and Election
    Day, on Election Day, or after."""
    if today > e.day:
        return "over"
    if today == e.day:
        return "election_day"
    if e.early_voting_start and e.early_voting_end:
        if today < e.early_voting_start:
            return "before_early_voting"
        if today <= e.early_voting_end:
            return "early_voting"
    return "before_election_day"


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def parse_moment(day: str | None, at: str | None) -> datetime | None:
    """``date=YYYY-MM-DD`` (noon that day) or ``at=YYYY-MM-DDTHH:MM`` (local wall time),
    as an aware local moment; ``None`` when neither is given (the caller's clock then).
    A nonexistent local time (the skipped hour when DST starts) is read as zoneinfo does
    (the offset before the change), an ambiguous one (the repeated hour) as its first."""
    day, at = (day or "").strip(), (at or "").strip()
    if day and at:
        raise InvalidParameter("give date or at, not both", parameter="at", reason="both")
    if not day and not at:
        return None
    name, pattern, expected = (
        ("at", _AT, "YYYY-MM-DDTHH:MM") if at else ("date", _DAY, "YYYY-MM-DD")
    )
    raw = at or day
    try:
        if not pattern.match(raw):
            raise ValueError(raw)
        moment = datetime.fromisoformat(raw if at else f"{raw}T12:00")
    except ValueError:
        raise InvalidParameter(f"bad {name}", parameter=name, expected=expected) from None
    if not EARLIEST <= moment.date() <= LATEST:
        raise InvalidParameter(
            f"{name} out of range",
            parameter=name,
            reason="out_of_range",
            earliest=EARLIEST.isoformat(),
            latest=LATEST.isoformat(),
        )
    return moment.replace(tzinfo=LOCAL_TZ)
