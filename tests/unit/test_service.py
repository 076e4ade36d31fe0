from __future__ import annotations

from datetime import datetime

import pytest
from support.builders import ELECTION, PREVIOUS, lonlat, tiny_dataset

from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import (
    AddressAmbiguous,
    AddressNotFound,
    AddressUnparseable,
    InvalidParameter,
    OutsideJurisdiction,
)
from lookup.service import AddressQuery, PointQuery, find_polling_place

BEFORE = datetime(2028, 10, 20, 9, 0, tzinfo=LOCAL_TZ)


@pytest.fixture(scope="module")
def ds():
    return tiny_dataset()


def point(x: float, y: float) -> PointQuery:
    lon, lat = lonlat(x, y)
    return PointQuery(lon=lon, lat=lat)


def test_point_answer(ds) -> None:
    a = find_polling_place(ds, point(1.5, 0.5), BEFORE)
    assert a.precinct.id == "002"
    assert a.election == ELECTION
    # The place lies across the line in 001: we answer the assigned one, never the nearest.
    assert a.polling_place is not None and a.polling_place.name == "SECOND SCHOOL"
    assert a.data_version == "test-1" and a.demo is False
    assert a.notices == ("mail_ballot_return",)  # during an election, nothing else to say


def test_early_voting_sorted_by_distance_and_county_only(ds) -> None:
    a = find_polling_place(ds, point(0.25, 0.25), BEFORE)
    assert [s.site.id for s in a.early_voting_sites] == ["near", "far"]
    d = [s.distance_miles for s in a.early_voting_sites]
    assert d[0] is not None and d[1] is not None and d[0] < d[1]


def test_hole_and_multipolygon(ds) -> None:
    assert find_polling_place(ds, point(0.5, 0.5), BEFORE).precinct.id == "003"
    a = find_polling_place(ds, point(3.7, 0.5), BEFORE)
    assert a.precinct.id == "004"
    assert a.polling_place is None and "polling_place_unknown" in a.notices


def test_boundary_point_is_flagged(ds) -> None:
    a = find_polling_place(ds, point(1.0, 0.5), BEFORE)
    assert "on_precinct_boundary" in a.notices


def test_previous_election_by_date(ds) -> None:
    a = find_polling_place(ds, point(0.2, 0.2), datetime(2026, 6, 1, tzinfo=LOCAL_TZ))
    assert a.election == PREVIOUS
    assert a.polling_place is not None and a.polling_place.name == "OLD HALL"


def test_after_last_election(ds) -> None:
    a = find_polling_place(ds, point(0.2, 0.2), datetime(2029, 1, 1, tzinfo=LOCAL_TZ))
    assert a.election == ELECTION
    assert "no_active_election" in a.notices
    assert a.polling_place is not None  # the last known place, flagged
    assert a.early_voting_sites == ()  # past schedules are no answer


def test_demo_dataset_says_so() -> None:
    a = find_polling_place(tiny_dataset(demo=True), point(0.2, 0.2), BEFORE)
    assert a.demo is True and a.notices[0] == "demo_data"


def test_address_exact(ds) -> None:
    a = find_polling_place(ds, AddressQuery("200 Oak Street, Testville NC 28999"), BEFORE)
    assert a.precinct.id == "002"
    assert a.match.source == "address_point" and a.match.score == 1.0
    assert a.match.normalized.startswith("200 OAK ST")


def test_address_unit_falls_back_to_building(ds) -> None:
    a = find_polling_place(ds, AddressQuery("40 Elm Ave Apt 9"), BEFORE)
    assert "unit_not_found" in a.notices
    b = find_polling_place(ds, AddressQuery("40 Elm Ave Apt 2"), BEFORE)
    assert b.match.lon != a.match.lon  # unit 2 has its own point


def test_address_without_street_type(ds) -> None:
    a = find_polling_place(ds, AddressQuery("200 oak"), BEFORE)
    assert a.precinct.id == "002" and "street_type_assumed" in a.notices


def test_ambiguous_address_lists_candidates_with_precincts(ds) -> None:
    with pytest.raises(AddressAmbiguous) as exc:
        find_polling_place(ds, AddressQuery("5 Main St"), BEFORE)
    cands = exc.value.details["candidates"]
    assert len(cands) == 2
    assert {c["precinct"]["id"] for c in cands} == {"001", "004"}
    # The city settles it.
    a = find_polling_place(ds, AddressQuery("5 Main St, Otherton"), BEFORE)
    assert a.precinct.id == "001"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        (AddressQuery(""), InvalidParameter),
        (AddressQuery("x" * 2048), InvalidParameter),
        (AddressQuery("just some words"), AddressUnparseable),
        (AddressQuery("999 Nowhere Lane"), AddressNotFound),
        (AddressQuery("7 Far Rd"), OutsideJurisdiction),
        (PointQuery(lon=float("nan"), lat=35.1), InvalidParameter),
        (PointQuery(lon=-80.9, lat=float("inf")), InvalidParameter),
        (PointQuery(lon=-200.0, lat=35.1), InvalidParameter),
        (PointQuery(lon=-80.9, lat=95.0), InvalidParameter),
        (PointQuery(lon=-75.0, lat=40.0), OutsideJurisdiction),
    ],
)
def test_bad_queries(ds, query, error) -> None:
    with pytest.raises(error):
        find_polling_place(ds, query, BEFORE)


def test_coordinates_pasted_into_the_address_box(ds) -> None:
    lon, lat = lonlat(1.5, 0.5)
    a = find_polling_place(ds, AddressQuery(f"{lat:.6f}, {lon:.6f}"), BEFORE)
    assert a.precinct.id == "002" and a.match.source == "coordinates"


def test_swapped_and_sign_dropped_coordinates(ds) -> None:
    lon, lat = lonlat(0.2, 0.2)
    with pytest.raises(InvalidParameter) as swapped:
        find_polling_place(ds, PointQuery(lon=lat, lat=lon), BEFORE)
    assert swapped.value.details["reason"] == "swapped"
    with pytest.raises(InvalidParameter) as sign:
        find_polling_place(ds, PointQuery(lon=-lon, lat=lat), BEFORE)
    assert sign.value.details["reason"] == "sign"


def test_dataset_without_address_points_says_geocoder_unavailable() -> None:
    from lookup.errors import GeocoderUnavailable

    bare = tiny_dataset(addresses=())
    with pytest.raises(GeocoderUnavailable):
        find_polling_place(bare, AddressQuery("100 Oak St"), BEFORE)
    assert find_polling_place(bare, point(0.2, 0.2), BEFORE).precinct.id == "001"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("5 Main St", "several_match"),  # Testville and Otherton
        ("200 Oak St, Otherton", "locality_mismatch"),  # only in Testville
        ("200 Oak St 28998", "locality_mismatch"),  # Testville's is 28999
        ("5 Main St, Testville 28998", "locality_mismatch"),  # city and ZIP disagree
        ("200 Oak Ave", "street_type_mismatch"),  # only Oak St exists
    ],
)
def test_never_answers_for_a_building_the_caller_did_not_describe(ds, text, reason) -> None:
    with pytest.raises(AddressAmbiguous) as exc:
        find_polling_place(ds, AddressQuery(text), BEFORE)
    assert exc.value.details["reason"] == reason
    assert exc.value.details["candidates"]


def test_two_counties_with_the_same_ids_never_mix() -> None:
    """NCSBE reuses precinct numbers and polling_place_id across counties."""
    from support.builders import place

    from lookup.domain.models import Precinct
    from lookup.outputs.api_json import Fragments, answer_json

    precincts = (
        Precinct("001", "PCT 001", "ALPHA"),
        Precinct("001", "PCT 001", "BETA"),
        Precinct("003", "PCT 003", "ALPHA"),
        Precinct("004", "PCT 004", "BETA"),
    )
    polling = {
        ELECTION.day: {
            ("ALPHA", "001"): place("10", "ALPHA SCHOOL", 0.1, 0.1),
            ("BETA", "001"): place("10", "BETA CHURCH", 1.5, 0.5),
        }
    }
    two = tiny_dataset(precincts=precincts, polling=polling)
    a = find_polling_place(two, point(1.5, 0.5), BEFORE)
    assert a.precinct.key == ("BETA", "001")
    body = answer_json(a, two.board, "en", Fragments(two), schedule=False)
    assert body["polling_place"]["name"] == "BETA CHURCH"
    b = find_polling_place(two, point(0.2, 0.2), BEFORE)
    assert (
        answer_json(b, two.board, "en", Fragments(two), schedule=False)["polling_place"]["name"]
        == "ALPHA SCHOOL"
    )
    # Early voting is countywide: BETA's voter sees no ALPHA-only site and vice versa.
    assert {s.site.county for s in a.early_voting_sites} <= {"BETA"}


def test_api_bytes_equal_the_plain_answer(ds) -> None:
    """The API's spliced bytes and the plain dict (CLI, pages) are the same answer, with
    and without the day-by-day schedules, with and without an open filter."""
    import orjson

    from lookup.outputs.api_json import Fragments, answer_bytes, answer_json

    fr = Fragments(ds)
    for q in (point(0.25, 0.25), point(3.7, 0.5), AddressQuery("200 Oak St")):
        for now in (BEFORE, datetime(2029, 1, 1, tzinfo=LOCAL_TZ)):
            for only in (None, "today", "now"):
                a = find_polling_place(ds, q, now, only=only)
                for lang, schedule in (("en", False), ("es", True)):
                    plain = answer_json(a, ds.board, lang, fr, schedule=schedule)
                    spliced = answer_bytes(a, ds.board, lang, fr, schedule=schedule)
                    assert orjson.loads(spliced) == plain
    assert plain["early_voting_sites"] == []  # after the last election
    found = find_polling_place(ds, point(0.25, 0.25), BEFORE)
    lean = answer_json(found, ds.board, "en", fr, schedule=False)["early_voting_sites"]
    assert [s["id"] for s in lean] == ["near", "far"] and lean[0]["distance_miles"] > 0
    assert all("schedule" not in s and "hours_today" in s for s in lean)
    sites = answer_json(found, ds.board, "en", fr, schedule=True)["early_voting_sites"]
    assert [s["id"] for s in sites] == ["near", "far"]
    closed = [d for d in sites[0]["schedule"] if d["open"] is None]
    assert closed == [{"date": "2028-10-22", "open": None, "close": None}]


# ---- what depends on the day: changed places, notices, open filters ----------------
def test_a_renamed_place_in_the_same_building_is_no_change(ds) -> None:
    a = find_polling_place(ds, point(0.2, 0.2), BEFORE)
    assert a.changed is False and a.previous_polling_place is None
    assert "polling_place_changed" not in a.notices
    assert find_polling_place(ds, point(1.5, 0.5), BEFORE).changed is None  # nothing earlier


def test_a_moved_place_is_flagged_with_the_previous_one() -> None:
    from support.builders import place

    polling = {
        ELECTION.day: {("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1, "1 MAIN ST")},
        PREVIOUS.day: {("TEST", "001"): place("11", "OLD HALL", 0.2, 0.1, "9 Elm Avenue")},
    }
    a = find_polling_place(tiny_dataset(polling=polling), point(0.2, 0.2), BEFORE)
    assert a.changed is True and "polling_place_changed" in a.notices
    assert a.previous_polling_place is not None and a.previous_polling_place.name == "OLD HALL"


def test_mail_ballot_notice_only_while_an_election_is_ahead(ds) -> None:
    assert "mail_ballot_return" in find_polling_place(ds, point(0.2, 0.2), BEFORE).notices
    after = find_polling_place(ds, point(0.2, 0.2), datetime(2029, 1, 1, tzinfo=LOCAL_TZ))
    assert "mail_ballot_return" not in after.notices
    day = ELECTION.day
    last_minute = datetime(day.year, day.month, day.day, 19, 29, tzinfo=LOCAL_TZ)
    closed = datetime(day.year, day.month, day.day, 19, 30, tzinfo=LOCAL_TZ)  # "by 7:30 p.m."
    assert "mail_ballot_return" in find_polling_place(ds, point(0.2, 0.2), last_minute).notices
    assert "mail_ballot_return" not in find_polling_place(ds, point(0.2, 0.2), closed).notices


def test_open_filters(ds) -> None:
    monday = datetime(2028, 10, 23, 12, 30, tzinfo=LOCAL_TZ)  # the split day's lunch gap
    every = find_polling_place(ds, point(0.25, 0.25), monday).early_voting_sites
    assert [s.status.hours_today is not None for s in every] == [True, True]
    assert (
        len(find_polling_place(ds, point(0.25, 0.25), monday, only="today").early_voting_sites) == 2
    )
    assert find_polling_place(ds, point(0.25, 0.25), monday, only="now").early_voting_sites == ()
    one = datetime(2028, 10, 23, 13, 0, tzinfo=LOCAL_TZ)
    assert len(find_polling_place(ds, point(0.25, 0.25), one, only="now").early_voting_sites) == 2
    sunday = datetime(2028, 10, 22, 12, 0, tzinfo=LOCAL_TZ)
    assert find_polling_place(ds, point(0.25, 0.25), sunday, only="today").early_voting_sites == ()
    with pytest.raises(InvalidParameter):
        find_polling_place(ds, point(0.25, 0.25), monday, only="tomorrow")


def test_staff_notices_where_and_when_they_apply(ds, tmp_path) -> None:
    from lookup.domain.staff_notices import load_notices
    from lookup.errors import DataError

    f = tmp_path / "notices.toml"
    f.write_text(
        '[[notice]]\nen = "Flooding: PCT 001 votes at the gym."\nes = "Inundación."\n'
        'precincts = ["1"]\nstarts = 2028-10-20T08:00:00\nends = 2028-11-07T19:30:00\n'
        '[[notice]]\nen = "Everywhere."\n'
    )
    staff = load_notices(f, ("en", "es"))
    a = find_polling_place(ds, point(0.2, 0.2), BEFORE, staff=staff)
    assert [n.message("es") for n in a.staff_notices] == ["Inundación.", "Everywhere."]
    b = find_polling_place(ds, point(1.5, 0.5), BEFORE, staff=staff)
    assert [n.message("en") for n in b.staff_notices] == ["Everywhere."]
    early = find_polling_place(
        ds, point(0.2, 0.2), datetime(2028, 10, 20, 7, tzinfo=LOCAL_TZ), staff=staff
    )
    assert len(early.staff_notices) == 1
    for bad in ('[[notice]]\nes = "sin inglés"\n', '[[notice]]\nen = "x"\nwhen = 1\n', "x ="):
        f.write_text(bad)
        with pytest.raises(DataError):
            load_notices(f, ("en", "es"))
