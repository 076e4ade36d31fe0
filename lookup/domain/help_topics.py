"""The Board's answers to what callers ask around "where do I vote" (photo ID, same-day
registration, mail ballots...), and which of them apply at a moment.

One file per language, ``<lang>/help.json`` (the bundled North Carolina set in
``lookup/locales/``, or the folder ``LOOKUP_HELP_DIR`` names)::

    {"topics": [{"id": "photo_id", "title": "...", "body": "...",
                 "source_url": "https://www.ncsbe.gov/voting/voter-id",
                 "reviewed": "2026-12-07"}, ...]}

Read once at start-up and refused there, naming the file and the topic, when a topic is
missing in one language, an id is repeated or malformed, a title or body is empty, the
source is not an https URL or ``reviewed`` is not a date: an answer a representative
reads aloud must say where it comes from and when it was last checked.

Which answers apply (``applicable``) follows the State Board's rules: same-day
registration only while early voting is open in the voter's county, mail-ballot return
until ballots must be received (7:30 p.m. on Election Day), the rest while an election is
ahead. Pure: the moment comes in as an argument.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lookup.domain.models import DaySchedule, Election
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import DataError

FILE_NAME = "help.json"
_KEYS = ("id", "title", "body", "source_url", "reviewed")
# Ids are counted as question topics (insights) and sent back by clients: keep them tame.
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_URL = re.compile(r"^https://[^\s/]+\.[^\s/]+(/\S*)?$")

# The answers the rules below link, in the order a look-up lists them (the most asked
# first). Every help file must have them all; the Board may add others (listed by
# ``/api/v1/help`` only).
SAME_DAY_REGISTRATION = "same_day_registration"
MAIL_BALLOT_RETURN = "mail_ballot_return"
TOPIC_IDS = (
    "photo_id",
    "what_to_bring",
    SAME_DAY_REGISTRATION,
    MAIL_BALLOT_RETURN,
    "curbside_voting",
    "accessibility",
    "am_i_registered",
    "sample_ballot",
    "moved",
)
# What stays true with no election ahead: whether one is registered, and where.
BETWEEN_ELECTIONS = ("am_i_registered", "moved", "photo_id")
# Mail ballots must be *received* by 7:30 p.m. on Election Day (ncsbe.gov/voting/vote-mail).
MAIL_RETURN_DEADLINE = time(19, 30)


@dataclass(frozen=True, slots=True)
class HelpTopic:
    id: str
    title: str
    body: str  # plain text, read aloud as written
    source_url: str  # the official page it is written from (https)
    reviewed: date  # when the Board last checked it against that page

    def as_json(self) -> dict[str, str]:
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "source_url": self.source_url,
            "reviewed": self.reviewed.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class HelpBase:
    """Every language's topics in file order; every language has the same ids."""

    topics: Mapping[str, tuple[HelpTopic, ...]]  # language -> its topics

    @property
    def ids(self) -> frozenset[str]:
        return frozenset(t.id for t in next(iter(self.topics.values()), ()))

    def of(self, lang: str) -> tuple[HelpTopic, ...]:
        return self.topics[lang]


def load_help(folder: Path | None, languages: Sequence[str]) -> HelpBase:
    """The help files of ``languages`` from ``folder`` (``<folder>/<lang>/help.json``), or
    the bundled ones; raises ``DataError`` with one line naming the file and the topic."""
    topics: dict[str, tuple[HelpTopic, ...]] = {}
    for lang in languages:
        source = _where(folder, lang)
        try:
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"{_name(folder, lang)}: cannot read the help file ({exc})") from None
        topics[lang] = parse_help(text, _name(folder, lang))
    _same_ids(topics, languages, folder)
    return HelpBase(MappingProxyType(topics))


def _where(folder: Path | None, lang: str) -> Path | Traversable:
    if folder is not None:
        return folder / lang / FILE_NAME
    return resources.files("lookup").joinpath("locales", lang, FILE_NAME)


def _name(folder: Path | None, lang: str) -> str:
    """The file as refusals name it: the Board's path, or the bundled file's in the repo."""
    return str(folder / lang / FILE_NAME) if folder else f"lookup/locales/{lang}/{FILE_NAME}"


def parse_help(text: str, name: str) -> tuple[HelpTopic, ...]:
    """One language's file (``name`` says where it came from in refusals)."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or set(doc) != {"topics"} or not isinstance(doc["topics"], list):
        raise DataError(f'{name}: expected {{"topics": [...]}} and nothing else')
    seen: set[str] = set()
    out = []
    for k, entry in enumerate(doc["topics"], 1):
        topic = _topic(entry, name, k)
        if topic.id in seen:
            raise DataError(f"{name}: topic {topic.id!r}: the id is used twice")
        seen.add(topic.id)
        out.append(topic)
    missing = [i for i in TOPIC_IDS if i not in seen]
    if missing:
        raise DataError(f"{name}: topic {missing[0]!r} is missing (required: {', '.join(missing)})")
    return tuple(out)


def _topic(entry: Any, name: str, k: int) -> HelpTopic:
    """Topic ``k`` (from 1) of file ``name``; refusals name it by its id once it has one."""
    if not isinstance(entry, dict):
        raise DataError(f"{name}: topic {k}: not an object")
    raw_id = entry.get("id")
    if not isinstance(raw_id, str) or not _ID.match(raw_id):
        raise DataError(
            f"{name}: topic {k}: id must be lowercase letters, digits and _ (not {raw_id!r})"
        )
    where = f"{name}: topic {raw_id!r}"
    unknown = sorted(set(entry) - set(_KEYS))
    if unknown:
        raise DataError(f"{where}: unknown keys {unknown} (expected {', '.join(_KEYS)})")
    texts = {}
    for key in ("title", "body"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise DataError(f"{where}: the {key} is empty")
        texts[key] = " ".join(value.split())  # one paragraph, read aloud as written
    url = entry.get("source_url")
    if not isinstance(url, str) or not _URL.match(url.strip()):
        raise DataError(f"{where}: source_url must be the official page's https:// URL")
    try:
        reviewed = date.fromisoformat(str(entry.get("reviewed", "")))
    except ValueError:
        raise DataError(
            f"{where}: reviewed must be the date last checked (YYYY-MM-DD), "
            f"not {entry.get('reviewed')!r}"
        ) from None
    return HelpTopic(raw_id, texts["title"], texts["body"], url.strip(), reviewed)


def _same_ids(
    topics: Mapping[str, tuple[HelpTopic, ...]], languages: Sequence[str], folder: Path | None
) -> None:
    """A topic in one language must be in every other: a caller must not lose an answer
    by speaking Spanish."""
    every = {t.id for lang in languages for t in topics[lang]}
    for lang in languages:
        have = {t.id for t in topics[lang]}
        lacking = [i for i in sorted(every) if i not in have]
        if lacking:
            raise DataError(
                f"{_name(folder, lang)}: topic {lacking[0]!r} is missing (other languages have it)"
            )


# ---- which answers apply when ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EarlyVotingSpan:
    """When early voting is open in one county: from the start of the first day any of
    its sites opens to the last site's close on the last day (nights between included:
    a caller at 9 p.m. can still register tomorrow)."""

    start: datetime
    end: datetime

    def holds(self, now: datetime) -> bool:
        return self.start <= now < self.end


def early_voting_span(schedules: Iterable[Sequence[DaySchedule]]) -> EarlyVotingSpan | None:
    """The span of a county's sites' schedules; None when none of them ever opens."""
    days = [d for schedule in schedules for d in schedule if d.hours]
    if not days:
        return None
    first = min(d.day for d in days)
    last = max(datetime.combine(d.day, h.end, tzinfo=LOCAL_TZ) for d in days for h in d.hours)
    return EarlyVotingSpan(datetime.combine(first, time(0), tzinfo=LOCAL_TZ), last)


def polls_closed(now: datetime, election: Election) -> bool:
    return now >= datetime.combine(election.day, election.polls_close, tzinfo=LOCAL_TZ)


def mail_return_open(now: datetime, election: Election | None, *, over: bool = False) -> bool:
    """Whether a mail ballot for ``election`` can still be returned by hand at ``now``."""
    if election is None or over:
        return False
    return now < datetime.combine(election.day, MAIL_RETURN_DEADLINE, tzinfo=LOCAL_TZ)


def early_voting_open(now: datetime, span: EarlyVotingSpan | None) -> bool:
    return span is not None and span.holds(now)


def applicable(
    now: datetime,
    election: Election | None,
    span: EarlyVotingSpan | None,
    *,
    over: bool = False,
) -> tuple[str, ...]:
    """The ids of the answers that apply at ``now`` (aware), in display order: for the
    voter's ``election`` (``over``: the last one, already past) and their county's
    early-voting ``span``. With no election ahead (none, over, or its polls closed):
    ``BETWEEN_ELECTIONS``."""
    ahead = election is not None and not over and not polls_closed(now, election)
    return _ids(
        ahead,
        ahead and early_voting_open(now, span),
        mail_return_open(now, election, over=over),
    )


@lru_cache(maxsize=8)  # three flags: every answer shares one of eight tuples
def _ids(ahead: bool, early_voting: bool, mail_return: bool) -> tuple[str, ...]:
    if not ahead:
        keep = set(BETWEEN_ELECTIONS) | ({MAIL_BALLOT_RETURN} if mail_return else set())
        return tuple(i for i in TOPIC_IDS if i in keep)
    drop = {SAME_DAY_REGISTRATION} if not early_voting else set()
    if not mail_return:
        drop.add(MAIL_BALLOT_RETURN)
    return tuple(i for i in TOPIC_IDS if i not in drop)
