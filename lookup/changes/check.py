"""A change against the live dataset: what the model alone cannot refuse.

- ``close_site``: the id must be an early-voting site's or a polling place's in any
  election the dataset holds (ids are the BOE's, stable across its elections, and the
  answer path matches a closure by id whichever election it shows); with ``county``, a
  place of that county.
- ``relocate`` and ``notice``: the county must be the dataset's (none given: its only
  county), every precinct id one of that county's; a relocation's point must fall inside
  one of that county's precincts, and no other relocation of the same precinct may
  overlap its window.
- Every kind: a window already over is refused (nothing would ever show it).

``recheck_changes`` says, for the refresh's change report, which stored changes a candidate
version no longer has the site or precinct of.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lookup.dataset.model import Dataset
from lookup.domain.changes import CLOSE_SITE, RELOCATE, Change, ChangeRefused


def check_change(change: Change, ds: Dataset, stored: Iterable[Change], now: datetime) -> None:
    """Raise ``ChangeRefused`` unless ``change`` can apply to ``ds`` beside ``stored``."""
    if change.window.end <= now:
        raise ChangeRefused("the window is already over", "to", "in_the_past")
    _check_targets(change, ds)
    if change.kind == RELOCATE:
        _check_point(change, ds)
        _check_overlap(change, ds, stored)


def _check_targets(change: Change, ds: Dataset) -> None:
    """The site, county and precincts the change names exist in ``ds``."""
    if change.kind == CLOSE_SITE:
        if change.county and change.county not in ds.counties:
            raise ChangeRefused(f"no county {change.county!r} in the data", "county", "unknown")
        if change.site_id not in _place_ids(ds, change.county):
            raise ChangeRefused(
                f"no early-voting site or polling place has id {change.site_id!r}",
                "site_id",
                "unknown_id",
            )
        return
    field = "precinct_id" if change.kind == RELOCATE else "precincts"
    if change.precincts is None:  # a notice for every precinct (of one county or all)
        if change.county and change.county not in ds.counties:
            raise ChangeRefused(f"no county {change.county!r} in the data", "county", "unknown")
        return
    county = county_of(change, ds)
    known = {p.id for p in ds.precincts if p.county == county}
    missing = [p for p in change.precincts if p not in known]
    if missing:
        raise ChangeRefused(f"no precinct {missing[0]!r} in {county}", field, "unknown_id")


def county_of(change: Change, ds: Dataset) -> str:
    """The county a change names, else the dataset's only one."""
    if change.county:
        if change.county not in ds.counties:
            raise ChangeRefused(f"no county {change.county!r} in the data", "county", "unknown")
        return change.county
    if len(ds.counties) != 1:
        counties = ", ".join(ds.counties)
        raise ChangeRefused(f"county is required: the data holds {counties}", "county", "missing")
    return ds.counties[0]


def _place_ids(ds: Dataset, county: str) -> set[str]:
    ids = {
        p.id
        for places in ds.polling.values()
        for (c, _pid), p in places.items()
        if not county or c == county
    }
    ids |= {
        s.id
        for sites in ds.early_voting.values()
        for s in sites
        if not county or s.county == county
    }
    return ids


def _check_point(change: Change, ds: Dataset) -> None:
    assert change.place is not None  # the model requires a place for a relocation
    county = county_of(change, ds)
    point = change.place.point
    hit = ds.index.locate(point.lon, point.lat)
    if hit is None or ds.precincts[hit.index].county != county:
        raise ChangeRefused(
            f"the new place's point is outside {county}'s precincts", "place", "outside_county"
        )


def _check_overlap(change: Change, ds: Dataset, stored: Iterable[Change]) -> None:
    """No two relocations of one precinct at once: an answer could name only one place."""
    only = ds.counties[0] if len(ds.counties) == 1 else ""
    key = (county_of(change, ds), change.precincts)
    for other in stored:
        if other.kind != RELOCATE or not other.window.overlaps(change.window):
            continue
        if (other.county or only, other.precincts) == key:
            raise ChangeRefused(
                f"this precinct is already relocated in an overlapping window ({other.id})",
                "from",
                "overlap",
            )


@dataclass(frozen=True)
class Rechecked:
    """A stored change still open, and why the candidate version no longer has what it
    names ("" when it still applies)."""

    change: Change
    problem: str


def recheck_changes(stored: Iterable[Change], ds: Dataset, now: datetime) -> list[Rechecked]:
    """The stored changes whose window is not over, each checked against ``ds``."""
    out = []
    for change in stored:
        if change.window.end <= now:
            continue
        try:
            _check_targets(change, ds)
            if change.kind == RELOCATE:
                _check_point(change, ds)
        except ChangeRefused as exc:
            out.append(Rechecked(change, str(exc)))
        else:
            out.append(Rechecked(change, ""))
    return out
