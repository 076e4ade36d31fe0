"""Guards of a refresh against lists that are not this election's or arrive partial.

A truncated download or another election's file reads without a parse error: only a
comparison says it is wrong. Two kinds of comparison, each an error (live data stays
untouched):

1. a list against this election's early-voting period (``not_this_election``, called by
   ``formats.registry.read_early_voting`` as the list is read): never forced (the fix
   is the right list or ``--election-date``);
2. each list against the live version, per county — with ``--force`` the same findings
   are warnings, for a drop that is real — with thresholds set from how the real
   Mecklenburg and statewide lists change (README, "The refresh", step 3):

   - precincts dropped: more than ``PRECINCT_DROP`` of the county's (Mecklenburg: 195 in
     every vintage 2012-2024; statewide the count fell 1.6 % at most between generals);
   - precincts that lost their Election Day polling place: more than ``POLLING_DROP``
     (Mecklenburg 2012-2020: none, while 7-15 of 195 buildings moved each cycle);
   - early-voting sites of the same election gone: more than ``SITE_DROP_SAME`` of the
     live list and more than one (the 2020 preliminary -> final Mecklenburg list: 1 of 33
     replaced); of an earlier election, the count falling by more than
     ``SITE_COUNT_DROP_BETWEEN`` (2018 -> 2020: 19 -> 33 sites, 13 of 2018's gone: names
     between elections are no signal, the count is);
   - a site of the same election that lost open days: named with its days, an error when
     it lost more than ``SITE_DAYS_LOST`` of them (a cut file: 9 of 17), else a warning
     (preliminary -> final: SPECTRUM CENTER lost 1 of 17).

With no live list of this election (a first refresh), a site closing before the rest
of its list is named (``short_sites``), a warning. Address points keep the summary guard
of ``validate.check_against_live`` (10 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from lookup.dataset.model import Dataset
from lookup.domain.models import EarlyVotingSite
from lookup.ingest.early_voting_period import shared_period
from lookup.ingest.validate import Problems

PRECINCT_DROP = 0.10
POLLING_DROP = 0.10
SITE_DROP_SAME = 0.10
SITE_COUNT_DROP_BETWEEN = 0.50
SITE_DAYS_LOST = 0.25
FORCE_HINT = "refused: a truncated or wrong file? Give --force if the drop is real"


def check_lists_against_live(
    new: Dataset, live: Dataset, election_day: date, force: bool = False
) -> Problems:
    """Each list of the new version against the live one, per county (see the module).
    With ``force`` the same findings are warnings."""
    p = Problems()
    live_day = election_day if election_day in live.polling else max(live.polling, default=None)
    for county in new.counties:
        _precincts(p, county, new, live)
        new_sites = [s for s in new.early_voting.get(election_day, ()) if s.county == county]
        old_sites: list[EarlyVotingSite] = []
        if live_day is not None:
            _polling(p, county, new, live, election_day, live_day)
            old_sites = [s for s in live.early_voting.get(live_day, ()) if s.county == county]
            if old_sites:
                _sites(p, county, new_sites, old_sites, same=live_day == election_day)
        if live_day != election_day or not old_sites:
            p.warnings += short_sites(county, new_sites)
    if force:
        p.warnings += [f"--force: {e}" for e in p.errors]
        p.errors = []
    return p


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _precincts(p: Problems, county: str, new: Dataset, live: Dataset) -> None:
    before = {pr.id for pr in live.precincts if pr.county == county}
    after = {pr.id for pr in new.precincts if pr.county == county}
    gone = sorted(before - after)
    if before and len(gone) > PRECINCT_DROP * len(before):
        p.errors.append(
            f"{county}: {len(gone)} of the live version's {len(before)} precincts "
            f"({_share(len(gone), len(before))}, over the {PRECINCT_DROP:.0%} allowed) are not "
            f"in the new map: {_sample(gone)}; {FORCE_HINT}"
        )


def _polling(
    p: Problems, county: str, new: Dataset, live: Dataset, day: date, live_day: date
) -> None:
    before = {k[1] for k in live.polling.get(live_day, {}) if k[0] == county}
    after = {k[1] for k in new.polling.get(day, {}) if k[0] == county}
    gone = sorted(before - after)
    if before and len(gone) > POLLING_DROP * len(before):
        p.errors.append(
            f"{county}: {len(gone)} of the {len(before)} precincts with an Election Day polling "
            f"place in the live version ({live_day.isoformat()}) have none in the new files "
            f"({_share(len(gone), len(before))}, over the {POLLING_DROP:.0%} allowed): "
            f"{_sample(gone)}; {FORCE_HINT}"
        )


def _site_key(s: EarlyVotingSite) -> tuple[str, str]:
    """A site is its building: the street address, else (no address yet) its name."""
    return (s.county, (s.address.line1 or s.name).upper())


def _open(s: EarlyVotingSite) -> list[date]:
    return [x.day for x in s.schedule if x.hours]


def _sites(
    p: Problems,
    county: str,
    new: Sequence[EarlyVotingSite],
    old: Sequence[EarlyVotingSite],
    same: bool,
) -> None:
    if not same:
        if len(new) < len(old) * (1 - SITE_COUNT_DROP_BETWEEN):
            p.errors.append(
                f"{county}: {len(new)} early-voting sites against {len(old)} in the live "
                f"version's earlier election (a fall of {_share(len(old) - len(new), len(old))}, "
                f"over the {SITE_COUNT_DROP_BETWEEN:.0%} allowed between elections); " + FORCE_HINT
            )
        return
    by_key = {_site_key(s): s for s in new}
    gone = sorted(s.name for s in old if _site_key(s) not in by_key)
    if gone:
        msg = (
            f"{county}: {len(gone)} of the live list's {len(old)} early-voting sites are not "
            f"in the new list of {len(new)}: {_sample(gone, 40)}"
        )
        if len(gone) > max(1, SITE_DROP_SAME * len(old)):
            p.errors.append(
                f"{msg} (over the {SITE_DROP_SAME:.0%} and 1 site allowed); {FORCE_HINT}"
            )
        else:
            p.warnings.append(msg)
    for s in old:
        now = by_key.get(_site_key(s))
        if now is None:
            continue
        had, has = _open(s), set(_open(now))
        lost = [d for d in had if d not in has]
        if not lost:
            continue
        msg = (
            f"{county}: early-voting site {s.name!r} keeps {len(had) - len(lost)} of its "
            f"{len(had)} open days; no longer open on {_days(lost)}"
        )
        if len(lost) > SITE_DAYS_LOST * len(had):
            p.errors.append(f"{msg} (over the {SITE_DAYS_LOST:.0%} allowed); {FORCE_HINT}")
        else:
            p.warnings.append(msg)


def short_sites(county: str, sites: Sequence[EarlyVotingSite]) -> list[str]:
    """With no live list of this election to compare with, the sites whose open days end
    before the last day most of the list's sites share: the last site of a cut file looks
    like this (MT. ISLAND LIBRARY keeps 8 of 17 days in the 2020 list cut at line 280), so
    does a site that truly closes early (2018: OCRACOKE VOLUNTEER FIRE DEPARTMENT, 2 days):
    a warning to confirm, never a refusal."""
    period = shared_period(sites)
    if period is None:
        return []
    short = sorted(
        f"{s.name} ({len(days)} open days, the last {max(days).isoformat()})"
        for s in sites
        if (days := _open(s)) and max(days) < period.last
    )
    if not short:
        return []
    return [
        f"{county}: {len(short)} early-voting sites close before {period.last.isoformat()}, "
        f"the last day most of the list's {period.sites} sites are open (the last site of a "
        f"cut file looks like this; there is no live list of this election to compare with): "
        + _sample(short)
    ]


def _days(days: list[date]) -> str:
    """Days as runs: ``2020-10-25..2020-10-31, 2020-11-02``."""
    runs: list[list[date]] = []
    for d in sorted(days):
        if runs and (d - runs[-1][-1]).days == 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ", ".join(
        r[0].isoformat() if len(r) == 1 else f"{r[0].isoformat()}..{r[-1].isoformat()}"
        for r in runs
    )


def live_problems(
    new: Dataset, previous: Dataset | None, election_day: date, force: bool
) -> Problems:
    """The list guards against the live version (``None``: there is none, or it does not
    load, which the refresh reports itself)."""
    if previous is None:  # the first refresh: only the list's own shape can say it is cut
        sites = new.early_voting.get(election_day, ())
        warnings = [
            w for c in new.counties for w in short_sites(c, [s for s in sites if s.county == c])
        ]
        return Problems(warnings=warnings)
    return check_lists_against_live(new, previous, election_day, force)


def _sample(items: list[str], n: int = 10) -> str:
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(items[:n]) + more


__all__ = ["check_lists_against_live", "live_problems"]
