"""Hours as of a moment: open now, today's hours, next opening; DST; date/at parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from support.builders import ELECTION

from lookup.domain.models import DaySchedule, OpenHours
from lookup.domain.schedule import LOCAL_TZ, Timeline, election_window, parse_moment
from lookup.errors import InvalidParameter

H = OpenHours
SCHEDULE = (
    DaySchedule(date(2028, 11, 3), (H(time(8), time(12)), H(time(13), time(19, 30)))),  # split
    DaySchedule(date(2028, 11, 4), (H(time(8), time(15)),)),  # last Saturday, EDT
    DaySchedule(date(2028, 11, 5)),  # closed Sunday (DST ends at 2:00 that morning)
    DaySchedule(date(2028, 11, 6), (H(time(8), time(19, 30)),)),  # EST
)


def at(text: str) -> datetime:
    moment = parse_moment(None, text)
    assert moment is not None
    return moment


@pytest.mark.parametrize(
    ("moment", "open_now", "today", "next_open"),
    [
        ("2028-11-03T07:59", False, 2, "2028-11-03T08:00-04:00"),
        ("2028-11-03T08:00", True, 2, "2028-11-03T13:00-04:00"),
        ("2028-11-03T12:30", False, 2, "2028-11-03T13:00-04:00"),  # the lunch gap
        ("2028-11-03T19:30", False, 2, "2028-11-04T08:00-04:00"),  # closing time is closed
        ("2028-11-04T14:59", True, 1, "2028-11-06T08:00-05:00"),
        ("2028-11-04T15:00", False, 1, "2028-11-06T08:00-05:00"),  # Saturday closes at 3
        ("2028-11-05T12:00", False, 0, "2028-11-06T08:00-05:00"),  # closed: hours []
        ("2028-11-06T19:29", True, 1, None),
        ("2028-11-07T09:00", False, None, None),  # not a day of the schedule
        ("2028-10-01T09:00", False, None, "2028-11-03T08:00-04:00"),
    ],
)
def test_status(moment: str, open_now: bool, today: int | None, next_open: str | None) -> None:
    st = Timeline.of(SCHEDULE).status(at(moment))
    assert st.open_now is open_now
    assert (None if st.hours_today is None else len(st.hours_today)) == today
    assert (st.next_open.isoformat(timespec="minutes") if st.next_open else None) == next_open


def test_dst_instants_differ_by_the_offset_of_their_own_date() -> None:
    tl = Timeline.of(SCHEDULE)
    # 8:00 on Saturday (EDT) is 12:00 UTC; 8:00 on Monday (EST) is 13:00 UTC.
    assert datetime.fromtimestamp(tl.starts[2], UTC).hour == 12
    assert datetime.fromtimestamp(tl.starts[3], UTC).hour == 13
    # A moment given in UTC is read in local time: 12:30 UTC Monday is 7:30 EST, closed.
    assert not tl.status(datetime(2028, 11, 6, 12, 30, tzinfo=UTC)).open_now
    assert tl.status(datetime(2028, 11, 6, 13, 30, tzinfo=UTC)).open_now


@pytest.mark.parametrize(
    ("day", "window"),
    [
        (date(2028, 10, 1), "before_early_voting"),
        (date(2028, 10, 19), "early_voting"),
        (date(2028, 11, 4), "early_voting"),
        (date(2028, 11, 6), "before_election_day"),
        (date(2028, 11, 7), "election_day"),
        (date(2028, 11, 8), "over"),
    ],
)
def test_election_window(day: date, window: str) -> None:
    assert election_window(ELECTION, day) == window


def test_parse_moment() -> None:
    assert parse_moment(None, None) is None
    assert parse_moment("2028-10-25", None) == datetime(2028, 10, 25, 12, tzinfo=LOCAL_TZ)
    assert parse_moment("", "2028-10-25T07:15") == datetime(2028, 10, 25, 7, 15, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("day", "moment", "reason"),
    [
        ("2028-10-25", "2028-10-25T07:15", "both"),
        ("1066-10-14", None, "out_of_range"),
        ("9999-12-31", None, "out_of_range"),
        (None, "2028-10-25 07:15", None),
        (None, "2028-10-25T25:00", None),
        (None, "2028-10-25T07:15:00", None),
        ("2028-02-30", None, None),
        ("tomorrow", None, None),
    ],
)
def test_parse_moment_refuses(day: str | None, moment: str | None, reason: str | None) -> None:
    with pytest.raises(InvalidParameter) as e:
        parse_moment(day, moment)
    assert e.value.details.get("reason") == reason


def test_the_status_board_equals_each_sites_own_status_at_every_moment(demo_ds) -> None:
    """The memo per stretch of time gives what each timeline says, at every event, a
    second either side of it, and at random moments (with its memo cleared and not)."""
    import random

    from lookup.domain.schedule import LOCAL_TZ, StatusBoard

    rng = random.Random(7)
    for table in demo_ds.site_tables.values():
        fresh = StatusBoard(table.timelines)
        events = table.board.events
        moments = [e + d for e in events for d in (-1.0, 0.0, 1.0)]
        moments += [rng.uniform(events[0] - 86400 * 3, events[-1] + 86400 * 3) for _ in range(500)]
        for t in moments:
            today = datetime.fromtimestamp(t, UTC).astimezone(LOCAL_TZ).date()
            expected = {sid: tl.status_at(t, today) for sid, tl in table.timelines.items()}
            assert dict(table.board.at(t, today)) == expected
            assert dict(fresh.at(t, today)) == expected
        fresh.MAX_MEMO = 2  # eviction: answers stay right
        for t in rng.sample(moments, 50):
            today = datetime.fromtimestamp(t, UTC).astimezone(LOCAL_TZ).date()
            assert dict(fresh.at(t, today)) == {
                sid: tl.status_at(t, today) for sid, tl in table.timelines.items()
            }
