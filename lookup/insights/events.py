"""One answered request as an ``Event``, and events reduced to counter increments.

The request path only builds an ``Event`` (references, no work); ``reduce`` runs in the
writer thread. An event of an address that was not found carries the text typed, in
memory only, until ``street_and_zip`` has kept its street name and ZIP: the text itself
is never stored, logged or counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from lookup.domain.schedule import to_local

if TYPE_CHECKING:
    from lookup.dataset.model import Dataset
    from lookup.service import Answer

# Who asked. ``channel=`` may name the first three on the API; the others are implied by
# the route: /civicinfo is ``civic``, the resident page / is ``page``.
API_CHANNELS = ("api", "rep", "widget")
CHANNELS = (*API_CHANNELS, "civic", "page")
# Who marks question topics (``POST /api/v1/questions``): the console and the widget.
QUESTION_CHANNELS = ("rep", "widget")
LOOKUP, CALENDAR, QUESTION = "lookup", "calendar", "question"

# The outcome of a lookup as reported; any other error code stands for itself.
FOUND, VERIFY = "found", "verify"
OUTCOME_OF_CODE = {
    "address_not_found": "not_found",
    "address_ambiguous": "ambiguous",
    "outside_jurisdiction": "outside",
}
YES, NO, UNKNOWN = "yes", "no", "unknown"
MAX_STREET_CHARS = 64
_STREET_TEXT = re.compile(r"[^A-Z0-9 '&/-]")
_LONG_DIGITS = re.compile(r"\d{4}")  # a phone number, a ZIP, a second house number
MAX_STREET_WORDS = 6

Key = tuple[str | int, ...]
# One Counter per store table; a key holds that table's dimension values in column order.
Counts = dict[str, Counter[Key]]


class Event(NamedTuple):
    """What the request answered. ``answer``/``dataset`` are the request's own snapshot
    (references: nothing is copied on the request path; a tuple: the cheapest to build)."""

    kind: str  # LOOKUP, CALENDAR or QUESTION
    at: datetime  # the app's clock when the request was answered (``reduce`` makes it local)
    channel: str
    lang: str
    code: str  # "ok" or the error code
    answer: Answer | None = None
    dataset: Dataset | None = None
    unmatched_text: str = ""  # address_not_found only; never stored as such
    site: str = ""  # the early-voting site of a calendar export ("" = Election Day)
    topics: tuple[str, ...] = ()  # a question's topic ids (``domain.questions``)

    def __repr__(self) -> str:  # never the text typed, should an event reach a log
        return f"Event({self.kind}, {self.channel}, {self.lang}, {self.code})"


def outcome(code: str, answer: Answer | None) -> str:
    if code == "ok":
        return VERIFY if answer is not None and answer.verify else FOUND
    return OUTCOME_OF_CODE.get(code, code)


def yes_no(value: bool | None) -> str:
    return UNKNOWN if value is None else YES if value else NO


def early_voting_open(answer: Answer, ds: Dataset | None) -> str:
    """Was any early-voting site of the voter's county open on the answer's day? Read
    from the dataset, not the answer's site list, which ``open=now`` may have emptied."""
    if answer.election is None or ds is None:
        return NO
    table = ds.site_tables.get((answer.election.day, answer.precinct.county))
    if table is None:
        return NO
    return YES if any(t.by_day.get(answer.today) for t in table.timelines.values()) else NO


def street_and_zip(text: str) -> tuple[str, str] | None:
    """The street name and ZIP of an address that was not found: no house number, unit,
    city or anything else typed. None when no street can be read."""
    from lookup.geocode.normalize import parse_address, parse_simple

    parsed = parse_address(text) or parse_simple(text)
    if parsed is None:
        return None
    # The canonical key leads with the house number ("4242 NOWHERE LN"): drop it.
    name = parsed.street.partition(" ")[2]
    name = _STREET_TEXT.sub("", name).strip()[:MAX_STREET_CHARS]
    if not looks_like_street(name):
        return None
    return name, parsed.zip


def looks_like_street(name: str) -> bool:
    """Could ``name`` be a street's name, and nothing else a caller said? A street kept
    for staff must not carry a phone number, a second house number or a sentence:
    ``12 Jane Doe 7045551234 Elm St`` parses as the "street" ``JANE DOE 7045551234 ELM ST``.
    Real names hold at most one number, of at most three digits (``NC HWY 16``,
    ``I 485``, ``W 5TH ST``), and at most ``MAX_STREET_WORDS`` words
    (``MARTIN LUTHER KING JR BLVD``)."""
    if not name or not any(c.isalpha() for c in name):
        return False
    if _LONG_DIGITS.search(name):
        return False
    words = name.split()
    return len(words) <= MAX_STREET_WORDS and sum(any(c.isdigit() for c in w) for w in words) <= 1


def reduce(events: Iterable[Event]) -> tuple[Counts, int]:
    """Counter increments for ``store.add``, and how many events went in."""
    counts: Counts = {
        name: Counter() for name in ("requests", "answers", "calendar", "unmatched", "topics")
    }
    streets: dict[str, tuple[str, str] | None] = {}  # a text asked again: parsed once per batch
    n = 0
    for e in events:
        n += 1
        at = to_local(e.at)
        day = at.date().isoformat()
        a = e.answer
        if e.kind == CALENDAR:
            if a is None:
                continue
            name = next((s.site.name for s in a.early_voting_sites if s.site.id == e.site), "")
            counts["calendar"][(day, e.channel, a.precinct.county, e.site, name)] += 1
            continue
        if e.kind == QUESTION:
            for topic in dict.fromkeys(e.topics):  # a topic marked twice in one post: once
                counts["topics"][(day, e.channel, e.lang, topic)] += 1
            continue
        result = outcome(e.code, a)
        counts["requests"][(day, at.hour, e.channel, e.lang, result)] += 1
        if a is not None:
            p = a.precinct
            key = (
                day,
                e.channel,
                e.lang,
                result,
                p.county,
                p.id,
                p.name,
                yes_no(a.changed),
                early_voting_open(a, e.dataset),
            )
            counts["answers"][key] += 1
        elif e.unmatched_text:
            text = e.unmatched_text
            if text not in streets:
                streets[text] = street_and_zip(text)
            street = streets[text]
            if street is not None:
                counts["unmatched"][(day, street[1], street[0])] += 1
    return counts, n


# The report's tables, each a CSV (``report.build`` makes exactly these); the last is
# for data staff only.
REPORT_TABLES = (
    "requests_by_day",
    "summary",
    "outcomes",
    "channels",
    "languages",
    "hours",
    "precincts",
    "changed_places",
    "changed",
    "early_voting_open",
    "calendar_sites",
    "topics",
    "topics_by_day",
    "topics_by_language",
    "topics_by_channel",
    "unmatched_streets",
)
