"""The Board's answers (``domain.help_topics``): the bundled North Carolina set, the one-line
refusals of a bad file at start-up, and which answers apply at which moment."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from pathlib import Path

import pytest

from lookup.domain.help_topics import (
    TOPIC_IDS,
    EarlyVotingSpan,
    applicable,
    early_voting_span,
    load_help,
)
from lookup.domain.models import DaySchedule, Election, OpenHours
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import DataError
from lookup.i18n import catalog, languages

CONTRACT = {
    "photo_id",
    "same_day_registration",
    "curbside_voting",
    "mail_ballot_return",
    "moved",
    "am_i_registered",
    "sample_ballot",
    "accessibility",
    "what_to_bring",
}
# Where each answer's facts are published (docs: reference.md, "North Carolina facts").
SOURCES = {
    "photo_id": "https://www.ncsbe.gov/voting/voter-id",
    "what_to_bring": "https://www.ncsbe.gov/voting/voter-id",
    "same_day_registration": "https://www.ncsbe.gov/voting/vote-early-person",
    "moved": "https://www.ncsbe.gov/voting/vote-early-person",
    "mail_ballot_return": "https://www.ncsbe.gov/voting/vote-mail",
    "curbside_voting": "https://www.ncsbe.gov/voting/help-voters-disabilities",
    "accessibility": "https://www.ncsbe.gov/voting/help-voters-disabilities",
    "am_i_registered": "https://vt.ncsbe.gov/RegLkup/",
    "sample_ballot": "https://vt.ncsbe.gov/RegLkup/",
}


def at(day: str, hh: int = 12, mm: int = 0) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hh, mm), tzinfo=LOCAL_TZ)


# ---- the bundled set ------------------------------------------------------------------


def test_the_bundled_set_has_every_contract_topic_in_every_language() -> None:
    base = load_help(None, languages())
    assert set(TOPIC_IDS) == CONTRACT
    orders = {lang: [t.id for t in base.of(lang)] for lang in languages()}
    assert set(orders["en"]) == CONTRACT
    assert all(order == orders["en"] for order in orders.values()), orders
    assert base.ids == CONTRACT
    for lang in languages():
        for t in base.of(lang):
            assert t.source_url == SOURCES[t.id], (lang, t.id)
            assert t.reviewed == date(2026, 12, 7), (lang, t.id)
            # Short enough to read aloud: at most five sentences ("p.m. on" ends none).
            sentences = len(re.findall(r"[.?!]\s+[A-ZÁÉÍÓÚÑ¿]", t.body)) + 1
            assert sentences <= 5 and len(t.body) < 1400, (lang, t.id, sentences)
    # The rules a caller hears, as the State Board publishes them.
    en = {t.id: t.body for t in base.of("en")}
    assert "7:30 p.m. on Election Day" in en["mail_ballot_return"]
    assert "not available on Election Day" in en["same_day_registration"]
    assert "ID Exception Form" in en["photo_id"] and "provisional ballot" in en["photo_id"]
    es = {t.id: t.body for t in base.of("es")}
    assert "7:30 p. m. del Día de las Elecciones" in es["mail_ballot_return"]


def test_the_help_files_are_not_message_catalogs() -> None:
    """``help.json`` sits in each language's folder but is no catalog section."""
    for lang in languages():
        assert all(isinstance(section, dict) for section in catalog(lang).values())


# ---- refusals at start-up ---------------------------------------------------------------


def board_folder(tmp_path: Path, edit=None, *edited: str) -> Path:
    """A copy of the bundled files in a Board folder, the ``edited`` languages' (default:
    Spanish) changed by ``edit``."""
    for lang in languages():
        topics = [t.as_json() for t in load_help(None, languages()).of(lang)]
        if lang in (edited or ("es",)) and edit is not None:
            topics = edit(topics)
        (tmp_path / lang).mkdir(parents=True, exist_ok=True)
        (tmp_path / lang / "help.json").write_text(json.dumps({"topics": topics}), "utf-8")
    return tmp_path


def refusal(folder: Path) -> str:
    with pytest.raises(DataError) as exc:
        load_help(folder, languages())
    text = str(exc.value)
    assert "\n" not in text, text
    return text


def test_a_board_folder_replaces_the_bundled_set(tmp_path: Path) -> None:
    extra = {
        "id": "voter_card",
        "title": "Voter card",
        "body": "Read aloud.",
        "source_url": "https://www.ncsbe.gov/registering",
        "reviewed": "2026-12-01",
    }
    board_folder(tmp_path, lambda ts: [*ts, extra], *languages())
    base = load_help(tmp_path, languages())
    assert [t.id for t in base.of("es")][-1] == "voter_card"
    assert base.of("en")[-1].reviewed == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda ts: [t for t in ts if t["id"] != "moved"], "topic 'moved' is missing"),
        (lambda ts: [*ts, ts[0]], "topic 'photo_id': the id is used twice"),
        (lambda ts: [ts[0] | {"title": "  "}, *ts[1:]], "topic 'photo_id': the title is empty"),
        (lambda ts: [*ts[:2], ts[2] | {"body": ""}, *ts[3:]], "the body is empty"),
        (
            lambda ts: [{k: v for k, v in ts[0].items() if k != "source_url"}, *ts[1:]],
            "topic 'photo_id': source_url must be",
        ),
        (
            lambda ts: [ts[0] | {"source_url": "http://www.ncsbe.gov/voting/voter-id"}, *ts[1:]],
            "topic 'photo_id': source_url must be",
        ),
        (
            lambda ts: [ts[0] | {"reviewed": "12/07/2026"}, *ts[1:]],
            "topic 'photo_id': reviewed must be the date last checked (YYYY-MM-DD), not "
            "'12/07/2026'",
        ),
        (lambda ts: [ts[0] | {"reviewed": "2026-02-30"}, *ts[1:]], "reviewed must be"),
        (lambda ts: [ts[0] | {"sorce": "x"}, *ts[1:]], "topic 'photo_id': unknown keys"),
        (lambda ts: [ts[0] | {"id": "Photo ID"}, *ts[1:]], "topic 1: id must be"),
    ],
)
def test_a_bad_topic_stops_the_start_naming_file_and_topic(tmp_path: Path, edit, says) -> None:
    text = refusal(board_folder(tmp_path, edit))
    assert text.startswith(str(tmp_path / "es" / "help.json") + ": "), text
    assert says in text, text


def test_a_topic_in_one_language_only_stops_the_start(tmp_path: Path) -> None:
    extra = {
        "id": "voter_card",
        "title": "Voter card",
        "body": "Read aloud.",
        "source_url": "https://www.ncsbe.gov/registering",
        "reviewed": "2026-12-01",
    }
    text = refusal(board_folder(tmp_path, lambda ts: [*ts, extra], "en"))
    assert text == (
        f"{tmp_path / 'es' / 'help.json'}: topic 'voter_card' is missing (other languages have it)"
    )


def test_an_unreadable_or_misshapen_file_stops_the_start(tmp_path: Path) -> None:
    folder = board_folder(tmp_path)
    (folder / "es" / "help.json").write_text("{not json", "utf-8")
    assert "es/help.json: not JSON" in refusal(folder)
    (folder / "es" / "help.json").write_text('[{"id": "photo_id"}]', "utf-8")
    assert 'expected {"topics": [...]}' in refusal(folder)
    (folder / "es" / "help.json").unlink()
    assert "es/help.json: cannot read the help file" in refusal(folder)


# ---- which answers apply when -----------------------------------------------------------

ELECTION = Election(
    day=date(2028, 11, 7),
    name="General Election",
    early_voting_start=date(2028, 10, 19),
    early_voting_end=date(2028, 11, 4),
)
SCHEDULES = (
    (
        DaySchedule(date(2028, 10, 19), (OpenHours(time(8), time(19, 30)),)),
        DaySchedule(date(2028, 10, 22)),  # closed: the span still covers it
        DaySchedule(date(2028, 11, 4), (OpenHours(time(8), time(15)),)),
    ),
    (
        DaySchedule(date(2028, 10, 18)),  # listed closed before the first opening
        DaySchedule(
            date(2028, 11, 4), (OpenHours(time(8), time(12)), OpenHours(time(13), time(17)))
        ),
    ),
)
SPAN = early_voting_span(SCHEDULES)
EVERY = list(TOPIC_IDS)
WITHOUT_SDR = [i for i in TOPIC_IDS if i != "same_day_registration"]
AFTER_POLLS = ["photo_id", "am_i_registered", "moved"]


def test_the_early_voting_span_runs_from_the_first_opening_day_to_the_last_close() -> None:
    assert early_voting_span(SCHEDULES) == EarlyVotingSpan(
        at("2028-10-19", 0), at("2028-11-04", 17)
    )
    assert early_voting_span([]) is None
    assert early_voting_span([(DaySchedule(date(2028, 10, 19)),)]) is None


@pytest.mark.parametrize(
    ("moment", "ids"),
    [
        (at("2028-09-01"), WITHOUT_SDR),  # weeks before early voting: mail ballots out
        (at("2028-10-18", 23, 59), WITHOUT_SDR),
        (at("2028-10-19", 0), EVERY),  # the first day of early voting
        (at("2028-10-20", 22), EVERY),  # a night during it: register tomorrow
        (at("2028-10-22"), EVERY),  # a Sunday every site is closed, inside the period
        (at("2028-11-04", 16, 59), EVERY),  # the last site's last hour
        (at("2028-11-04", 17), WITHOUT_SDR),
        (at("2028-11-06"), WITHOUT_SDR),  # the Monday before Election Day
        (at("2028-11-07", 19, 29), WITHOUT_SDR),  # Election Day, polls open
        (at("2028-11-07", 19, 31), AFTER_POLLS),  # the polls have closed
        (at("2028-11-08"), AFTER_POLLS),
    ],
)
def test_what_applies_at_each_moment(moment: datetime, ids: list[str]) -> None:
    assert list(applicable(moment, ELECTION, SPAN)) == ids


def test_with_no_election_ahead_only_what_stays_true() -> None:
    assert list(applicable(at("2028-10-20"), None, None)) == AFTER_POLLS
    # After the last election in the data (its answer is history): the same.
    assert list(applicable(at("2028-10-20"), ELECTION, SPAN, over=True)) == AFTER_POLLS
    # An election in a county without early-voting sites: never same-day registration.
    assert "same_day_registration" not in applicable(at("2028-10-20"), ELECTION, None)
