"""The early-voting period an election's files show, and the two checks of a refresh
against it (pure: sites in, warning lines out).

NC's period has moved with the law (2018's began on a Wednesday, 2020's on a Thursday), so
a hard-coded window warned about 298 of 2018's 303 sites. The files say what the period
is: the first and last open day most sites share. The checks, each named in its warning:

1. sites open before or after that shared period (a typo in a date, a row of another
   election) — a county that truly opens a few sites early sees them named, to confirm;
2. the shared period itself against G.S. 163-227.6 (``nc_legislated_period``), which only
   fires when the files' own period breaks the law.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import TypeVar

from .models import EarlyVotingSite

# G.S. 163-227.6: one-stop voting ends at 3 p.m. on the last Saturday before the election.
NC_LAST_SATURDAY_CLOSE = time(15)
_T = TypeVar("_T", date, time)


@dataclass(frozen=True, slots=True)
class SharedPeriod:
    """The first and last open day most of an election's sites share, and the closing
    time most share on that last day."""

    first: date
    last: date
    last_close: time | None
    sites: int  # sites with at least one open day


@dataclass(frozen=True, slots=True)
class LegislatedPeriod:
    earliest_start: date
    last_day: date
    close: time


def nc_legislated_period(election_day: date) -> LegislatedPeriod:
    """The outer bounds of NC's one-stop period (G.S. 163-227.6): it starts no earlier than
    the third Wednesday before Election Day and ends on the last Saturday before it at
    3 p.m. The law has moved within these bounds: S.L. 2018-112 began 2018's period on the
    third Wednesday (and ended it at 1 p.m.); since S.L. 2019-239 it begins on the third
    Thursday, one day later. Holding the files to the widest bounds, the check fires only
    when no recent version of the law allowed what they show."""
    days_back_to_wednesday = (election_day.weekday() - 2) % 7 or 7
    start = election_day - timedelta(days=days_back_to_wednesday + 14)
    end = election_day - timedelta(days=(election_day.weekday() - 5) % 7 or 7)
    return LegislatedPeriod(earliest_start=start, last_day=end, close=NC_LAST_SATURDAY_CLOSE)


def _most_common(counts: Counter[_T], prefer_later: bool) -> _T:
    """The value most sites share; a tie goes to the lenient side (fewer warnings)."""
    best = max(counts.values())
    tied = [value for value, n in counts.items() if n == best]
    return max(tied) if prefer_later else min(tied)


def _open_days(site: EarlyVotingSite) -> list[date]:
    return [x.day for x in site.schedule if x.hours]


def shared_period(sites: Sequence[EarlyVotingSite]) -> SharedPeriod | None:
    """The period read from the files themselves (None when no site has an open day)."""
    firsts: Counter[date] = Counter()
    lasts: Counter[date] = Counter()
    for s in sites:
        if days := _open_days(s):
            firsts[min(days)] += 1
            lasts[max(days)] += 1
    if not firsts:
        return None
    first = _most_common(firsts, prefer_later=False)
    last = _most_common(lasts, prefer_later=True)
    closes = Counter(
        max(h.end for h in x.hours) for s in sites for x in s.schedule if x.day == last and x.hours
    )
    close = _most_common(closes, prefer_later=True) if closes else None
    return SharedPeriod(first, last, close, sum(firsts.values()))


def check_early_voting_period(election_day: date, sites: Sequence[EarlyVotingSite]) -> list[str]:
    """Warnings for the sites outside the shared period, then for that period against NC's
    law. Each line names the rule it applies and the sites with their offending day."""
    period = shared_period(sites)
    if period is None:
        return []
    whose = "county's" if len({s.county for s in sites}) == 1 else "election's"
    early, late = [], []
    for s in sites:
        days = _open_days(s)
        if days and min(days) < period.first:
            early.append(f"{s.name} ({min(days).isoformat()})")
        if days and max(days) > period.last:
            late.append(f"{s.name} ({max(days).isoformat()})")
    election = election_day.isoformat()
    out = []
    if early:
        out.append(
            f"{len(early)} early-voting sites of {election} open before the first day most of "
            f"the {whose} {period.sites} sites share ({period.first.isoformat()}): "
            + _sample(sorted(early))
        )
    if late:
        out.append(
            f"{len(late)} early-voting sites of {election} open after the last day most of "
            f"the {whose} {period.sites} sites share ({period.last.isoformat()}): "
            + _sample(sorted(late))
        )
    return out + _against_the_law(election_day, period)


def _against_the_law(election_day: date, period: SharedPeriod) -> list[str]:
    law = nc_legislated_period(election_day)
    rule = "NC's legislated early-voting period (G.S. 163-227.6)"
    shared = (
        f"the early-voting period most sites of {election_day.isoformat()} share "
        f"({period.first.isoformat()}..{period.last.isoformat()})"
    )
    out = []
    if period.first < law.earliest_start:
        out.append(
            f"{shared} starts before {law.earliest_start.isoformat()}, the third Wednesday "
            f"before Election Day and the earliest start of {rule}"
        )
    if period.last > law.last_day:
        out.append(
            f"{shared} ends after {law.last_day.isoformat()}, the last Saturday before "
            f"Election Day, where {rule} ends"
        )
    elif period.last == law.last_day and period.last_close and period.last_close > law.close:
        out.append(
            f"{shared}: most sites close at {period.last_close.strftime('%H:%M')} on its last "
            f"day, the last Saturday, after the 15:00 end of {rule}"
        )
    return out


def _sample(items: list[str], n: int = 10) -> str:
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more
