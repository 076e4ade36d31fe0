"""The early-voting period an election's files show, and the two checks of a refresh
against it (pure: sites in, warning lines out).

NC's period has moved with the law (2018's began on a Wednesday, 2020's on a Thursday), so
a hard-coded window warned about 298 of 2018's 303 sites. The files say what the period
is: the first and last open day most sites share. The checks, each named in its warning:

1. sites open before or after that shared period (a typo in a date, a row of another
   election) — a county that truly opens a few sites early sees them named, to confirm;
2. the shared period itself against G.S. 163-227.6 (``nc_legislated_period``), which only
   fires when the files' own period breaks the law.

And one refusal, ``not_this_election``: a list whose open days fall mostly outside this
election's period (the statute's, or the files' own when it overlaps the statute's) is
another election's list (``formats.registry.read_early_voting``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Protocol, TypeVar

from lookup.domain.models import DaySchedule

# G.S. 163-227.6: one-stop voting ends at 3 p.m. on the last Saturday before the election.
NC_LAST_SATURDAY_CLOSE = time(15)
_T = TypeVar("_T", date, time)
# A list is another election's when more than this share of its open site-days falls
# outside this election's period: a list with a few odd days is this election's (the
# warnings name those sites), a list mostly elsewhere is not.
MAX_OUTSIDE_SHARE = 0.5


class SiteDays(Protocol):
    """A site with its days: the read ``SiteRecord`` and the assembled ``EarlyVotingSite``."""

    @property
    def name(self) -> str: ...
    @property
    def county(self) -> str: ...
    @property
    def schedule(self) -> tuple[DaySchedule, ...]: ...


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


def _open_days(site: SiteDays) -> list[date]:
    return [x.day for x in site.schedule if x.hours]


def shared_period(sites: Sequence[SiteDays]) -> SharedPeriod | None:
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


def check_early_voting_period(election_day: date, sites: Sequence[SiteDays]) -> list[str]:
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


def not_this_election(election_day: date, sites: Sequence[SiteDays]) -> str | None:
    """Why a list is not this election's (None when it is). The period is the election's
    own (G.S. 163-227.6, from its date), or the one the files agree on when it overlaps
    the statute's by half or more (the law has moved the period by a day before: the
    files then show the new one, and the separate law check warns). A list whose open
    days fall mostly outside that period is another election's: publishing it would send
    voters to last election's sites, so it is an error, not a warning."""
    period = shared_period(sites)
    if period is None:
        return None
    law = nc_legislated_period(election_day)
    first, last = law.earliest_start, law.last_day
    shared_days = (period.last - period.first).days + 1
    overlap = (min(period.last, last) - max(period.first, first)).days + 1
    if overlap * 2 >= shared_days:  # the files agree on a period of this election
        first, last = period.first, period.last
        which = (
            "the period most of the files' sites agree on, which overlaps the one "
            f"G.S. 163-227.6 sets ({law.earliest_start.isoformat()}..{law.last_day.isoformat()})"
        )
    else:
        which = (
            "taken from the election date: G.S. 163-227.6, the third Wednesday to the last "
            "Saturday before Election Day; the files agree on no period overlapping it"
        )
    days = [(s, d) for s in sites for d in _open_days(s)]
    outside = [(s, d) for s, d in days if not first <= d <= last]
    if len(outside) <= MAX_OUTSIDE_SHARE * len(days):
        return None
    off_sites = sorted({s.name for s, _d in outside})
    found = f"{min(d for _s, d in outside).isoformat()}..{max(d for _s, d in outside).isoformat()}"
    if (period.first, period.last) != (first, last):
        guess = period.last + timedelta(days=(1 - period.last.weekday()) % 7 or 7)
        shared = f"{period.first.isoformat()}..{period.last.isoformat()}"
        found += "" if shared == found else f"; most of its sites share {shared}"
        found += f", the period of an election on {guess.isoformat()}?"
    return (
        f"not this election's early-voting list: {len(off_sites)} of {period.sites} sites "
        f"({len(outside)} of {len(days)} open days) are open outside the early-voting "
        f"period of the election of {election_day.isoformat()}, "
        f"{first.isoformat()}..{last.isoformat()} ({which}). Their days: {found}"
        f"{'' if found.endswith('?') else '.'} "
        f"Give this election's list, or check --election-date. Sites: " + _sample(off_sites)
    )


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
