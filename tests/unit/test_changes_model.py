"""The change model alone (``lookup.domain.changes``): every refusal of the issue's "Bad
input" that needs no dataset, the stored shape read back, and which changes hold when."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from support.changes import OTHER
from support.changes import RELOCATE as SHARED_RELOCATE

from lookup.domain.changes import (
    NO_CHANGES,
    ChangeRefused,
    active_at,
    notice_applies,
    parse_change,
)
from lookup.domain.schedule import LOCAL_TZ
from lookup.i18n import DEFAULT_LANG, languages

CREATED = datetime(2028, 10, 25, 16, 0, tzinfo=UTC)

CLOSE: dict[str, Any] = {
    "kind": "close_site",
    "site_id": "demo-riverton-recreation-center",
    "from": "2028-10-25T10:00",
    "to": "2028-10-25T18:00",
    "reason": {DEFAULT_LANG: "Power cut", OTHER: "Sin luz"},
    "by": "desk 3",
}
RELOCATE: dict[str, Any] = SHARED_RELOCATE | {"precinct_id": "19"}  # read as 019
NOTICE: dict[str, Any] = {
    "kind": "notice",
    "precincts": ["19", "020"],
    "from": "2028-11-07T06:00",
    "to": "2028-11-07T19:30",
    "message": {DEFAULT_LANG: "Expect lines after 5 p.m."},
}


def parse(doc: Any, id: str = "c1"):
    return parse_change(doc, id=id, created=CREATED, languages=languages())


def refused(doc: Any) -> tuple[str, str]:
    with pytest.raises(ChangeRefused) as err:
        parse(doc)
    return err.value.field, err.value.reason


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**base, **changes}


def test_the_three_kinds_parse_and_read_back_from_their_stored_shape() -> None:
    for doc in (CLOSE, RELOCATE, NOTICE):
        change = parse(doc)
        stored = change.to_json()
        assert stored["created"] == "2028-10-25T16:00:00Z" and stored["id"] == "c1"
        again = parse_change(stored, id=stored["id"], created=CREATED, languages=languages())
        assert again == change
    relocation = parse(RELOCATE)
    assert relocation.precincts == ("019",)  # the canonical id, as the data holds it
    assert relocation.window.start == datetime(2028, 11, 7, 6, 0, tzinfo=LOCAL_TZ)
    assert parse(NOTICE).precincts == ("019", "020")
    assert parse(with_(NOTICE, precincts=None)).precincts is None
    assert parse(CLOSE).text.get(OTHER) == "Sin luz"
    assert parse(RELOCATE).text.get(OTHER) == "Flooded parking lot"  # English stands in


@pytest.mark.parametrize(
    ("doc", "field", "reason"),
    [
        # A window that ends before it starts, or ends as it starts.
        (with_(CLOSE, to="2028-10-25T09:00"), "to", "bad_window"),
        (with_(CLOSE, to=CLOSE["from"]), "to", "bad_window"),
        (with_(CLOSE, **{"from": "2028-10-25 10:00"}), "from", "bad_time"),
        (with_(CLOSE, to="2028-02-30T10:00"), "to", "bad_time"),
        (with_(CLOSE, to=20281025), "to", "bad_time"),
        # Fields and kinds it does not know.
        (with_(CLOSE, precinct_id="019"), "precinct_id", "unknown_field"),
        (with_(CLOSE, kind="reopen"), "kind", "unknown"),
        ([CLOSE], "body", "not_json"),
        (None, "body", "not_json"),
        # Texts.
        (with_(CLOSE, reason={OTHER: "Sin luz"}), "reason", "missing"),
        (with_(CLOSE, reason="Power cut"), "reason", "missing"),
        (with_(CLOSE, reason={DEFAULT_LANG: "x", "xx": "y"}), "reason", "unknown_language"),
        (with_(CLOSE, reason={DEFAULT_LANG: "x" * 501}), f"reason.{DEFAULT_LANG}", "too_long"),
        (with_(CLOSE, reason={DEFAULT_LANG: "a\u202eb"}), f"reason.{DEFAULT_LANG}", "control"),
        (with_(CLOSE, site_id=""), "site_id", "missing"),
        (with_(CLOSE, site_id=7), "site_id", "not_text"),
        (with_(CLOSE, by="x" * 81), "by", "too_long"),
        # A relocation's place: a point that is no point, an address that is none.
        (with_(RELOCATE, place=None), "place", "missing"),
        (with_(RELOCATE, place={**RELOCATE["place"], "lat": "34.9"}), "place.lat", "not_number"),
        (with_(RELOCATE, place={**RELOCATE["place"], "lat": True}), "place.lat", "not_number"),
        (with_(RELOCATE, place={**RELOCATE["place"], "lon": -190}), "place.lon", "out_of_range"),
        (
            with_(RELOCATE, place={**RELOCATE["place"], "address": {"line1": "1 A", "city": "B"}}),
            "place.address.zip",
            "missing",
        ),
        (
            with_(
                RELOCATE,
                place={
                    **RELOCATE["place"],
                    "address": {"line1": "1 A", "city": "B", "zip": "2899"},
                },
            ),
            "place.address.zip",
            "bad_zip",
        ),
        (with_(RELOCATE, precinct_id=None), "precinct_id", "missing"),
        # A notice's precincts: a list of ids, or null for all.
        (with_(NOTICE, precincts=[]), "precincts", "bad"),
        (with_(NOTICE, precincts="019"), "precincts", "bad"),
        (with_(NOTICE, message=None), "message", "missing"),
    ],
)
def test_what_cannot_be_right_on_its_own_is_refused_naming_the_field(
    doc: Any, field: str, reason: str
) -> None:
    assert refused(doc) == (field, reason)


def test_a_window_holds_from_its_start_until_just_before_its_end() -> None:
    close, relocation, notice = parse(CLOSE, "a"), parse(RELOCATE, "b"), parse(NOTICE, "c")
    everything = (close, relocation, notice)
    assert active_at(everything, datetime(2028, 10, 25, 9, 59, tzinfo=LOCAL_TZ)) is NO_CHANGES
    at_ten = active_at(everything, datetime(2028, 10, 25, 10, 0, tzinfo=LOCAL_TZ))
    assert dict(at_ten.closed) == {close.site_id: close} and not at_ten.relocated
    assert active_at(everything, datetime(2028, 10, 25, 18, 0, tzinfo=LOCAL_TZ)) is NO_CHANGES
    day = active_at(everything, datetime(2028, 11, 7, 12, 0, tzinfo=LOCAL_TZ), "DEMO")
    assert dict(day.relocated) == {("DEMO", "019"): relocation}
    assert day.notices == (notice,) and not day.closed
    assert notice_applies(notice, "DEMO", "019") and not notice_applies(notice, "DEMO", "021")
    everyone = parse(with_(NOTICE, precincts=None, county="demo"))
    assert notice_applies(everyone, "DEMO", "021") and not notice_applies(everyone, "X", "021")
