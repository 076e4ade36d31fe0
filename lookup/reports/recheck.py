"""A report's address or point answered against a dataset, the way a look-up answers it
but from local data only (no remote geocoder: a report is never sent out), and the open
reports compared with what a candidate version would answer now (the refresh's
"Reports from the front line")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from lookup.dataset.model import Dataset
from lookup.errors import ServiceError
from lookup.reports.model import OK, Answered, Report
from lookup.service import AddressQuery, PointQuery, find_polling_place


def query_of(report: Report) -> AddressQuery | PointQuery:
    if report.lat is not None and report.lon is not None:
        return PointQuery(lon=report.lon, lat=report.lat)
    return AddressQuery(report.address)


def answer(ds: Dataset, query: AddressQuery | PointQuery, now: datetime) -> Answered:
    """What ``ds`` answers for ``query`` as of ``now``: the precinct and Election Day
    polling place, or the code of the error a look-up would have answered with."""
    try:
        found = find_polling_place(ds, query, now)
    except ServiceError as exc:
        return Answered(outcome=exc.code)
    place = found.polling_place
    return Answered(
        outcome=OK,
        county=found.precinct.county,
        precinct=found.precinct.id,
        precinct_name=found.precinct.name,
        place_id=place.id if place else "",
        place_name=place.name if place else "",
        place_address=place.address.one_line() if place else "",
    )


@dataclass(frozen=True, slots=True)
class Rechecked:
    """An open report whose answer would now be different: ``then`` when it was filed,
    ``now`` from the candidate version."""

    id: str
    reason: str
    then: Answered
    now: Answered


@dataclass
class FrontLine:
    """The open reports re-checked against a candidate version."""

    changed: list[Rechecked] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (
            f"reports from the front line: {len(self.changed)} would now be answered "
            f"differently, {self.unchanged} unchanged"
        )


def recheck(reports: Iterable[Report], ds: Dataset, now: datetime) -> FrontLine:
    out = FrontLine()
    for report in reports:
        now_answered = answer(ds, query_of(report), now)
        if now_answered.same_as(report.answered):
            out.unchanged += 1
        else:
            out.changed.append(Rechecked(report.id, report.reason, report.answered, now_answered))
    return out
