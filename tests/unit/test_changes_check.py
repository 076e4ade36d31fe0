"""A change against the live dataset (the demo county): ids that exist, a relocation's
point inside the county, no two relocations of one precinct at once, no window already
over; and which stored changes a new version no longer has the place of."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from lookup.changes.check import check_change, recheck_changes
from lookup.domain.changes import Change, ChangeRefused, parse_change
from lookup.domain.schedule import LOCAL_TZ
from lookup.i18n import DEFAULT_LANG, languages

NOW = datetime(2028, 10, 25, 12, 0, tzinfo=LOCAL_TZ)
REASON = {DEFAULT_LANG: "Power cut"}
GYM = {
    "name": "DEMO HIGH SCHOOL GYM",
    "address": {"line1": "1 SCHOOL RD", "city": "DEMO CITY", "zip": "28990"},
    "lat": 34.917,
    "lon": -75.278,
}


def change(**doc: Any) -> Change:
    body = {"from": "2028-11-07T06:00", "to": "2028-11-07T20:00"} | doc
    created = datetime(2028, 10, 25, 16, tzinfo=UTC)
    return parse_change(body, id=doc.get("id", "new"), created=created, languages=languages())


def close(site: str, **doc: Any) -> Change:
    return change(kind="close_site", site_id=site, reason=REASON, **doc)


def relocate(precinct: str = "019", **doc: Any) -> Change:
    doc = {"place": GYM} | doc
    return change(kind="relocate", precinct_id=precinct, reason=REASON, **doc)


def notice(precincts: list[str] | None, **doc: Any) -> Change:
    return change(kind="notice", precincts=precincts, message=REASON, **doc)


def reason_of(c: Change, ds, stored: tuple[Change, ...] = ()) -> tuple[str, str]:
    with pytest.raises(ChangeRefused) as err:
        check_change(c, ds, stored, NOW)
    return err.value.field, err.value.reason


def test_changes_naming_what_the_data_holds_pass(demo_ds) -> None:
    site = demo_ds.early_voting[max(demo_ds.early_voting)][0].id
    place = next(iter(demo_ds.polling[max(demo_ds.polling)].values())).id
    for ok in (
        close(site),
        close(place),  # an Election Day polling place
        close(site, county="DEMO"),
        relocate("19"),
        relocate(county="DEMO"),
        notice(["019", "020"]),
        notice(None),
        notice(None, county="DEMO"),
        close(site, **{"from": "2028-10-25T08:00", "to": "2028-10-25T12:01"}),  # open now
    ):
        check_change(ok, demo_ds, (), NOW)


def test_unknown_ids_and_counties_are_refused(demo_ds) -> None:
    assert reason_of(close("no-such-site"), demo_ds) == ("site_id", "unknown_id")
    site = demo_ds.early_voting[max(demo_ds.early_voting)][0].id
    assert reason_of(close(site, county="WAKE"), demo_ds) == ("county", "unknown")
    assert reason_of(relocate("999"), demo_ds) == ("precinct_id", "unknown_id")
    assert reason_of(relocate(county="WAKE"), demo_ds) == ("county", "unknown")
    assert reason_of(notice(["019", "998"]), demo_ds) == ("precincts", "unknown_id")
    assert reason_of(notice(None, county="WAKE"), demo_ds) == ("county", "unknown")


def test_a_relocation_outside_the_county_is_refused(demo_ds) -> None:
    for lat, lon in ((35.2271, -80.8431), (34.917, 75.278), (34.7, -75.3)):  # Charlotte, E, sea
        moved = relocate(place=GYM | {"lat": lat, "lon": lon})
        assert reason_of(moved, demo_ds) == ("place", "outside_county")


def test_two_overlapping_relocations_of_one_precinct_are_refused(demo_ds) -> None:
    first = relocate(id="first")
    later = relocate(**{"from": "2028-11-07T19:00", "to": "2028-11-07T21:00"})
    assert reason_of(later, demo_ds, (first,)) == ("from", "overlap")
    assert reason_of(relocate(county="DEMO"), demo_ds, (first,)) == ("from", "overlap")
    after = relocate(**{"from": "2028-11-07T20:00", "to": "2028-11-07T21:00"})
    check_change(after, demo_ds, (first,), NOW)  # back to back: no overlap
    check_change(relocate("020"), demo_ds, (first,), NOW)  # another precinct


def test_a_window_already_over_is_refused(demo_ds) -> None:
    over = notice(None, **{"from": "2028-10-24T08:00", "to": "2028-10-25T12:00"})
    assert reason_of(over, demo_ds) == ("to", "in_the_past")


def test_recheck_lists_the_open_changes_and_what_no_longer_applies(demo_ds) -> None:
    site = demo_ds.early_voting[max(demo_ds.early_voting)][0].id
    stored = (
        close(site, id="a"),
        close("gone-site", id="b"),
        relocate("998", id="c"),
        notice(None, id="d", **{"from": "2028-10-01T08:00", "to": "2028-10-02T08:00"}),
    )
    rows = recheck_changes(stored, demo_ds, NOW)
    assert [(r.change.id, bool(r.problem)) for r in rows] == [
        ("a", False),
        ("b", True),
        ("c", True),
    ]
    assert "gone-site" in rows[1].problem and "998" in rows[2].problem
