"""Question topics counted: which ids count, events reduced to the ``topics`` counters,
the store's table (adding upserts, month roll-up), the report's tables exactly, and the
command line's text."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from lookup.domain.questions import QUESTION_TOPICS, allowed_topics, valid_topic
from lookup.domain.schedule import LOCAL_TZ
from lookup.insights.counters import Store
from lookup.insights.events import QUESTION, REPORT_TABLES, Counts, Event, reduce
from lookup.insights.report import OTHER, WITHHELD, build

AT = datetime(2028, 10, 25, 14, 5, tzinfo=LOCAL_TZ)
HELP = frozenset({"photo_id", "same_day_registration", "curbside_voting"})
DAY = "2028-10-25"


def question(*topics: str, channel: str = "rep", lang: str = "en", at: datetime = AT) -> Event:
    return Event(QUESTION, at, channel, lang, "ok", topics=topics)


def test_the_console_marks_are_fixed_and_help_ids_count_too() -> None:
    assert QUESTION_TOPICS == (
        "where_to_vote",
        "early_voting_hours",
        "photo_id",
        "registration",
        "mail_ballot",
        "moved",
        "accessibility",
        "other",
    )
    assert valid_topic("moved", frozenset())
    assert valid_topic("curbside_voting", HELP)
    assert not valid_topic("curbside_voting", frozenset())
    assert not valid_topic("Photo_ID", HELP)
    # Question topics first, then the other help ids, sorted; photo_id (both) once.
    assert allowed_topics(HELP) == [*QUESTION_TOPICS, "curbside_voting", "same_day_registration"]


def test_two_posts_reduce_to_exact_topic_counts_and_nothing_else() -> None:
    later = datetime(2028, 10, 26, 0, 30, tzinfo=LOCAL_TZ)
    counts, n = reduce(
        [
            question("photo_id", "where_to_vote", "photo_id"),  # twice in one post: once
            question("photo_id", channel="widget", lang="es"),
            question("photo_id", at=later),
        ]
    )
    assert n == 3
    assert counts["topics"] == Counter(
        {
            (DAY, "rep", "en", "photo_id"): 1,
            (DAY, "rep", "en", "where_to_vote"): 1,
            (DAY, "widget", "es", "photo_id"): 1,
            ("2028-10-26", "rep", "en", "photo_id"): 1,
        }
    )
    # A question is not a look-up: no request, answer or street is counted.
    assert not counts["requests"] and not counts["answers"] and not counts["unmatched"]


def test_an_event_shows_no_topic_in_its_repr() -> None:
    assert repr(question("photo_id")) == "Event(question, rep, en, ok)"


def _topics(day: str, **n: int) -> Counts:
    return {"topics": Counter({(day, "rep", "en", t): m for t, m in n.items()})}


def test_the_store_adds_topics_and_rolls_old_days_up_to_months(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "i.sqlite3"))
    store.add(_topics("2026-03-02", photo_id=2, moved=1))
    store.add(_topics("2026-03-30", photo_id=3))
    store.add(_topics("2028-10-01", photo_id=4))
    store.add(_topics("2028-10-01", photo_id=1))  # the same cell: added, not replaced
    assert store.apply_retention(date(2028, 4, 15), 730) == 3
    got = store.sums("topics", ["day", "topic"], date(2026, 1, 1), date(2028, 12, 31))
    assert sorted(got) == [
        ("2026-03", "moved", 1),
        ("2026-03", "photo_id", 5),
        ("2028-10-01", "photo_id", 5),
    ]
    store.close()


@pytest.fixture
def store(tmp_path: Path):
    store = Store(str(tmp_path / "i.sqlite3"))
    cells = {
        ("2028-10-24", "rep", "en", "photo_id"): 5,
        ("2028-10-25", "rep", "en", "photo_id"): 1,
        ("2028-10-25", "widget", "es", "photo_id"): 2,
        ("2028-10-25", "rep", "es", "where_to_vote"): 8,
        ("2028-10-25", "rep", "en", "moved"): 6,
        ("2028-10-25", "widget", "en", "curbside_voting"): 5,
        ("2028-10-25", "rep", "en", "other"): 1,
        ("2028-10-25", "rep", "en", "accessibility"): 4,
    }
    store.add({"topics": Counter(cells)})
    yield store
    store.close()


def test_the_topics_table_exactly(store: Store) -> None:
    report = build(store, date(2028, 10, 1), date(2028, 10, 31), 5)
    topics = report.tables["topics"]
    assert topics.columns == ("topic", "requests", "share_pct")
    # 32 marks: ties by topic; other (1) and accessibility (4) merged into 5.
    assert topics.rows == [
        ("photo_id", 8, 25.0),
        ("where_to_vote", 8, 25.0),
        ("moved", 6, 18.8),
        ("curbside_voting", 5, 15.6),
        (OTHER, 5, 15.6),
    ]
    assert topics.csv().splitlines() == [
        "topic,requests,share_pct",
        "photo_id,8,25.0",
        "where_to_vote,8,25.0",
        "moved,6,18.8",
        "curbside_voting,5,15.6",
        f"{OTHER},5,15.6",
    ]
    assert not topics.staff_only and "topics" in REPORT_TABLES


def test_the_breakdowns_by_day_language_and_channel(store: Store) -> None:
    report = build(store, date(2028, 10, 1), date(2028, 10, 31), 5)
    t = report.tables
    assert t["topics_by_day"].columns == ("day", "channel", "requests")
    # 10-25: rep 20, widget 7 (each at least 5); 10-24: rep 5.
    assert t["topics_by_day"].rows == [
        ("2028-10-24", "rep", 5),
        ("2028-10-25", "rep", 20),
        ("2028-10-25", "widget", 7),
    ]
    assert report.topic_days == [
        ("2028-10-24", {"rep": 5}),
        ("2028-10-25", {"rep": 20, "widget": 7}),
    ]
    assert t["topics_by_language"].columns == ("lang", "topic", "requests")
    # en: photo_id 6, moved 6, curbside 5; es: where_to_vote 8; small cells (es photo_id 2,
    # en other 1, en accessibility 4) merged into 7.
    assert t["topics_by_language"].rows == [
        ("en", "moved", 6),
        ("en", "photo_id", 6),
        ("en", "curbside_voting", 5),
        ("es", "where_to_vote", 8),
        (OTHER, "", 7),
    ]
    assert t["topics_by_channel"].rows == [
        ("rep", "where_to_vote", 8),
        ("rep", "moved", 6),
        ("rep", "photo_id", 6),
        ("widget", "curbside_voting", 5),
        (OTHER, "", 7),
    ]


def test_a_period_with_few_marks_withholds_every_topic_table(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "i.sqlite3"))
    store.add(_topics(DAY, photo_id=2, moved=1))
    report = build(store, date(2028, 10, 1), date(2028, 10, 31), 5)
    assert report.tables["topics"].rows == [(WITHHELD, "", "")]
    assert report.tables["topics_by_day"].rows == [(WITHHELD, "", "")]
    assert report.tables["topics_by_language"].rows == [(WITHHELD, "", "")]
    store.close()


def test_the_terminal_text_has_the_topics_table(store: Store) -> None:
    text = build(store, date(2028, 10, 1), date(2028, 10, 31), 5).text()
    assert re.search(
        r"^== topics\ntopic +requests +share_pct\nphoto_id +8 +25\.0\n", text, re.MULTILINE
    ), text
    for name in ("topics_by_day", "topics_by_language", "topics_by_channel"):
        assert f"== {name}\n" in text
