"""Answer and error -> the JSON shapes of ``/api/v1`` (one error shape everywhere).

The parts of an answer that depend only on the data (a site's 17-day schedule, its
address, the directions links) are built once per dataset version in ``Fragments``;
a request only fills in what varies (distances, notices). The profile showed those
static parts were two thirds of a coordinate look-up's time.

Every place and site carries the BOE's own ``name`` and ``address`` and, beside them, the
forms people read and say (``display``: title case, a cut name to its last whole word,
abbreviations spelled out). Those depend on the language only for a place without a
usable name ("the polling place at ..."): ``Fragments`` holds one set of parts per
language, sharing every part that reads the same in both.

A site's day-by-day ``schedule`` is sent only on request (``include=schedule``): with it
a Mecklenburg answer is ~46 KB (33 sites x 17 days), without it ~15 KB, and today's
hours, whether the site is open now, when it next opens and its ``state`` (``site_state``:
what the console and the widget say of it) are in every answer, with the answer's
``early_voting_outlook`` over its sites. The states are worked out once per stretch of
time in which none can change (``StatusBoard``), not per request.

``help_topics`` links the Board's answers that apply at the answer's moment
(``help_topics.applicable``): each county's early-voting span is worked out once per
version, and the few lists an answer can carry are serialised once each.

The staff's changes (``service.Applied``) touch few answers and never the caches: an
answer they leave alone (``applied`` None) is served as before; a relocated or closed
polling place is built for its answer, and a county with a closed site answers through
``answer_json`` (no ready-made bytes or stretch), so no cached part can outlive a
closure's window.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import quote_plus

import orjson

from lookup.dataset.model import Dataset
from lookup.domain.changes import Change
from lookup.domain.closures import trimmed
from lookup.domain.election_kinds import election_name
from lookup.domain.help_topics import EarlyVotingSpan, applicable, early_voting_span
from lookup.domain.models import (
    Address,
    BoardOfElections,
    DaySchedule,
    EarlyVotingSite,
    Election,
    PollingPlace,
)
from lookup.domain.schedule import SiteStatus, to_local
from lookup.domain.site_details import TEXT_FIELDS, SiteDetails
from lookup.domain.site_state import Outlook, SiteState, closed_state, outlook, site_state
from lookup.errors import ServiceError
from lookup.i18n import DEFAULT_LANG, languages, message
from lookup.outputs.display import PlaceText, place_text
from lookup.service import Answer, Applied, RankedSites, SiteDistance


def board_json(board: BoardOfElections) -> dict[str, str]:
    return {"name": board.name, "phone": board.phone, "url": board.url, "address": board.address}


def directions_url(a: Address) -> str:
    """A maps link by address text (no coordinates needed, works for every place)."""
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(a.one_line())


def election_json(e: Election, lang: str = DEFAULT_LANG) -> dict[str, Any]:
    """``name`` as published (English, the data's own: what clients match on);
    ``display_name`` what to show and read in ``lang`` (``election_kinds``); ``kind``
    null for a name staff typed freely, which every language shows as typed."""
    return {
        "date": e.day.isoformat(),
        "name": e.name,
        "kind": e.kind.value if e.kind else None,
        "display_name": election_name(e.name, e.kind, lang),
        "polls_open": e.polls_open.isoformat("minutes"),
        "polls_close": e.polls_close.isoformat("minutes"),
        "early_voting_start": e.early_voting_start.isoformat() if e.early_voting_start else None,
        "early_voting_end": e.early_voting_end.isoformat() if e.early_voting_end else None,
    }


def schedule_json(days: tuple[DaySchedule, ...]) -> list[dict[str, Any]]:
    """One entry per opening span (a split day gives two); a closed day has null hours."""
    out: list[dict[str, Any]] = []
    for d in days:
        if d.closed:
            out.append({"date": d.day.isoformat(), "open": None, "close": None})
        for h in d.hours:
            out.append(
                {
                    "date": d.day.isoformat(),
                    "open": h.start.isoformat("minutes"),
                    "close": h.end.isoformat("minutes"),
                }
            )
    return out


def text_of(p: PollingPlace | EarlyVotingSite, lang: str) -> PlaceText:
    """The shown and spoken forms of a place's name and address (``display``)."""
    return place_text(p.name, p.address, p.name_complete, p.name_plausible, lang)


def name_json(t: PlaceText, complete: bool) -> dict[str, Any]:
    """The display fields: what to show and read for the BOE's name and address."""
    return {
        "display_name": t.display_name,
        "spoken_name": t.spoken_name,
        "name_complete": complete,
        "display_address": t.display_address,
        "spoken_address": t.spoken_address,
    }


def details_json(d: SiteDetails | None, lang: str) -> dict[str, Any]:
    """The county's details of a building (``site_details``) in ``lang``, a text given
    only in English in English; ``null`` is not known. ``text_lang`` says which language
    each text given is in (a page marks an English text inside a Spanish answer so that a
    screen reader reads it as English)."""
    out: dict[str, Any] = {}
    text_lang: dict[str, str] = {}
    for name in TEXT_FIELDS:
        said = d.said(name, lang) if d is not None else None
        out[name] = said[0] if said else None
        if said:
            text_lang[name] = said[1]
    out["photo_url"] = d.photo_url if d is not None else None
    out["phone"] = d.phone if d is not None else None
    out["text_lang"] = text_lang
    return out


def polling_place_json(
    p: PollingPlace, e: Election, lang: str = DEFAULT_LANG, details: SiteDetails | None = None
) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "address": p.address.as_dict(),
        **name_json(text_of(p, lang), p.name_complete),
        "lat": p.lat,
        "lon": p.lon,
        "hours": {
            "date": e.day.isoformat(),
            "open": e.polls_open.isoformat("minutes"),
            "close": e.polls_close.isoformat("minutes"),
        },
        "directions_url": directions_url(p.address),
        "details": details_json(details, lang),
    }


def previous_json(p: PollingPlace, lang: str) -> dict[str, Any]:
    """The precinct's place at the previous election (in few answers: built per answer,
    from the display forms ``display`` memoises)."""
    return {
        "name": p.name,
        "address": p.address.as_dict(),
        **name_json(text_of(p, lang), p.name_complete),
    }


def site_json(
    s: EarlyVotingSite, lang: str = DEFAULT_LANG, details: SiteDetails | None = None
) -> dict[str, Any]:
    """A site without its distance (``distance_miles`` is filled in per answer)."""
    return {
        "id": s.id,
        "name": s.name,
        "address": s.address.as_dict(),
        **name_json(text_of(s, lang), s.name_complete),
        "lat": s.lat,
        "lon": s.lon,
        "distance_miles": None,
        "schedule": schedule_json(s.schedule),
        # A site still "TBD" in the county's list: no address, so no directions to it.
        "directions_url": directions_url(s.address) if s.address.line1 else None,
        "details": details_json(details, lang),
    }


_DISTANCE = "\x00distance\x00"  # a placeholder no real value can equal


def _split_at_distance(site: dict[str, Any]) -> tuple[bytes, bytes]:
    """A site's JSON as the bytes before and after its distance value."""
    head, tail = orjson.dumps({**site, "distance_miles": _DISTANCE}).split(orjson.dumps(_DISTANCE))
    return head, tail


class Moment(NamedTuple):
    """What an answer's sites are doing at its moment: their states, nearest first, and
    the outlook over them (what ``state`` and ``early_voting_outlook`` serve)."""

    states: tuple[SiteState, ...]
    outlook: Outlook


class Stretch:
    """A county's sites in one stretch of time (``StatusBoard``), in which no status and
    so no state can change: each site's state by table position, the outlook over all of
    them, and the bytes after each distance, per schedule flag, made on first use."""

    __slots__ = ("after", "outlook", "outlook_part", "states", "statuses")

    def __init__(self, statuses: Mapping[str, SiteStatus], states: tuple[SiteState, ...]):
        self.statuses = statuses  # kept alive: its id keys this stretch (``TableBytes``)
        self.states = states
        self.outlook = outlook(states)
        self.outlook_part = orjson.Fragment(orjson.dumps(outlook_json(self.outlook)))
        self.after: dict[bool, tuple[bytes, ...]] = {}

    def outlook_of(self, positions: Sequence[int]) -> Outlook:
        """The outlook over the sites at ``positions``: an ``open=`` filter keeps fewer,
        and says nothing of the others (the pages and the clients count what is listed)."""
        if len(positions) == len(self.states):
            return self.outlook
        return outlook([self.states[i] for i in positions])

    def outlook_part_of(self, positions: Sequence[int]) -> object:
        """``outlook_of`` for the API's bytes: a whole list's is ready-made."""
        if len(positions) == len(self.states):
            return self.outlook_part
        return outlook_json(self.outlook_of(positions))


class TableBytes:
    """One county's early-voting sites as bytes, by position in its ``SiteTable``: the
    JSON before each distance, and after it (with and without the day-by-day schedule).
    The status and state of every site are fixed within a stretch of time
    (``StatusBoard``): the bytes after each distance, both included, are kept per
    stretch, so an answer is a join of ready-made parts around its own distances."""

    MAX_STRETCHES = 64

    def __init__(
        self,
        sites: list[dict[str, Any]],
        schedules: Sequence[tuple[DaySchedule, ...]],
        like: TableBytes | None = None,
    ) -> None:
        # The same table in the default language, when this one's words differ (details
        # in Spanish): states do not depend on the language, so they are worked out once.
        self.like = like
        split_full = [_split_at_distance(site) for site in sites]
        split_lean = [_split_at_distance(_without_schedule(site)) for site in sites]
        self.ids: tuple[str, ...] = tuple(site["id"] for site in sites)
        # Each site's days: the close of its next opening on another day (a lean answer
        # has no schedule for a client to look it up in).
        self.schedules = tuple(schedules)
        self.heads = tuple(head for head, _ in split_full)
        self._comma_heads = tuple(b"," + head for head in self.heads)
        self.tails = {True: tuple(t for _, t in split_full), False: tuple(t for _, t in split_lean)}
        # id of a statuses mapping -> its stretch, which keeps the mapping alive so that
        # the id cannot be reused while the entry exists
        self._stretches: dict[int, Stretch] = {}

    def stretch(self, statuses: Mapping[str, SiteStatus], today: date) -> Stretch:
        """The stretch of ``statuses`` (the ``StatusBoard``'s mapping for a moment of the
        local date ``today``; every moment of a stretch shares it, and its states)."""
        found = self._stretches.get(id(statuses))
        if found is not None and found.statuses is statuses:
            return found
        if len(self._stretches) >= self.MAX_STRETCHES:
            self._stretches.clear()
        if self.like is not None:
            states = self.like.stretch(statuses, today).states
        else:
            states = tuple(
                site_state(statuses[sid], today, days)
                for sid, days in zip(self.ids, self.schedules, strict=True)
            )
        found = self._stretches[id(statuses)] = Stretch(statuses, states)
        return found

    def after(self, stretch: Stretch, schedule: bool) -> tuple[bytes, ...]:
        """The bytes after each site's distance in ``stretch``: status, state, the rest."""
        parts = stretch.after.get(schedule)
        if parts is None:
            statuses = stretch.statuses
            parts = stretch.after[schedule] = tuple(
                b"," + orjson.dumps(status_json(statuses[sid], state))[1:-1] + tail
                for sid, state, tail in zip(
                    self.ids, stretch.states, self.tails[schedule], strict=True
                )
            )
        return parts

    def parts(self, ranked: RankedSites, schedule: bool, stretch: Stretch) -> list[bytes]:
        """The JSON array of ``ranked``'s sites, nearest first, as ready-made parts for
        the caller's one join (measured A/B in one process: 13 % faster than joining each
        site's bytes built first); ``stretch``: ``stretch(ranked.statuses, ...)``."""
        positions = ranked.positions
        if not positions:
            return [b"[]"]
        heads, after = self._comma_heads, self.after(stretch, schedule)
        # One serialisation for every distance: numbers and nulls hold no comma.
        distances = orjson.dumps(list(ranked.distances))[1:-1].split(b",")
        parts: list[bytes] = []
        add = parts.extend
        for i, d in zip(positions, distances, strict=True):
            add((heads[i], d, after[i]))
        parts[0] = b"[" + self.heads[positions[0]]  # the first site: no comma before it
        parts.append(b"]")
        return parts


def _without_schedule(site: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in site.items() if k != "schedule"}


class Parts:
    """One language's static JSON of a dataset version: the elections by day (their
    ``display_name`` is the language's), the sites by (election day, id),
    each county's ``TableBytes`` by (election day, county), the polling places by
    (election day, county, id) — keyed by county too: NCSBE reuses polling_place_id
    across counties. ``like``: the default language's parts, whose dicts and bytes are
    shared wherever this language reads the same (all but nameless places and places
    with details: ``details_json``)."""

    def __init__(self, ds: Dataset, lang: str, like: Parts | None = None) -> None:
        elections = {e.day: e for e in ds.elections}
        self.elections: dict[date, dict[str, Any]] = {}
        for e in ds.elections:
            said = election_json(e, lang)
            shared = like is not None and like.elections[e.day] == said
            self.elections[e.day] = like.elections[e.day] if like and shared else said
        self.sites: dict[tuple[date, str], dict[str, Any]] = {}
        for day, sites in ds.early_voting.items():
            for s in sites:
                key = (day, s.id)
                known = ds.site_details.get(s.county, s.id)
                self.sites[key] = (
                    _relabelled(like.sites[key], s, lang, known)
                    if like
                    else site_json(s, lang, known)
                )
        self.tables: dict[tuple[date, str], TableBytes] = {}
        for key, table in ds.site_tables.items():
            mine = [self.sites[(key[0], s.id)] for s in table.sites]
            same = like is not None and all(
                d is like.sites[(key[0], s.id)] for d, s in zip(mine, table.sites, strict=True)
            )
            self.tables[key] = (
                like.tables[key]
                if like and same
                else TableBytes(
                    mine, [s.schedule for s in table.sites], like.tables[key] if like else None
                )
            )
        self.places: dict[tuple[date, str, str], dict[str, Any]] = {}
        for day, places in ds.polling.items():
            if day not in elections:
                continue
            for (county, _pid), p in places.items():
                where = (day, county, p.id)
                known = ds.site_details.get(county, p.id)
                self.places[where] = (
                    _relabelled(like.places[where], p, lang, known)
                    if like
                    else polling_place_json(p, elections[day], lang, known)
                )


def _relabelled(
    base: dict[str, Any], p: PollingPlace | EarlyVotingSite, lang: str, known: SiteDetails | None
) -> dict[str, Any]:
    """``base`` (the default language's JSON of ``p``) itself when ``p`` reads the same
    in ``lang``, else a copy with this language's words (same key order)."""
    fields = name_json(text_of(p, lang), p.name_complete) | {"details": details_json(known, lang)}
    if all(base[k] == v for k, v in fields.items()):
        return base
    return base | fields


class Fragments:
    """The static JSON of one dataset version, as dicts and, for the API's hot path, as
    serialised bytes, in every language (``parts(lang)``). Built once per version and
    shared by every answer; the only state that changes afterwards is ``TableBytes``'
    memo of ready-made parts. ``elections``, ``sites``, ``tables`` and ``places`` are
    the default language's."""

    def __init__(self, ds: Dataset) -> None:
        self.version = ds.version
        default = Parts(ds, DEFAULT_LANG)
        self.elections = default.elections
        self._parts = {DEFAULT_LANG: default} | {
            lang: Parts(ds, lang, like=default) for lang in languages() if lang != DEFAULT_LANG
        }
        self.sites, self.tables, self.places = default.sites, default.tables, default.places
        # When early voting is open in each county (same-day registration: ``help_ids``).
        self.spans: dict[tuple[date, str], EarlyVotingSpan | None] = {
            key: early_voting_span(s.schedule for s in table.sites)
            for key, table in ds.site_tables.items()
        }

    def parts(self, lang: str) -> Parts:
        return self._parts.get(lang) or self._parts[DEFAULT_LANG]


def help_ids(a: Answer, fragments: Fragments) -> tuple[str, ...]:
    """The ids of the Board's answers that apply at ``a``'s moment, in display order."""
    e = a.election
    span = fragments.spans.get((e.day, a.precinct.county)) if e is not None else None
    return applicable(a.moment, e, span, over="no_active_election" in a.notices)


@lru_cache(maxsize=16)  # a handful of distinct lists: each serialised once
def _help_part(ids: tuple[str, ...]) -> orjson.Fragment:
    return orjson.Fragment(orjson.dumps(ids))


def status_json(st: SiteStatus, state: SiteState) -> dict[str, Any]:
    """What varies with the moment: open now, today's hours, the next opening, and the
    state they make (``state_json``)."""
    today = None
    if st.hours_today is not None:
        today = [
            {"open": h.start.isoformat("minutes"), "close": h.end.isoformat("minutes")}
            for h in st.hours_today
        ]
    return {
        "open_now": st.open_now,
        "hours_today": today,
        "next_open": st.next_open.isoformat(timespec="minutes") if st.next_open else None,
        "state": state_json(state),
    }


def state_json(st: SiteState) -> dict[str, str | None]:
    """A site's ``SiteState`` as served (short: it is in every site of every answer)."""
    return {
        "kind": st.kind,
        "open": st.opens.isoformat("minutes") if st.opens is not None else None,
        "close": st.closes.isoformat("minutes") if st.closes is not None else None,
        "day": st.day.isoformat() if st.day is not None else None,
    }


def outlook_json(o: Outlook) -> dict[str, str | None]:
    """The ``Outlook`` as served; the count is left to the clients, which count the sites
    they list."""
    return {"when": o.when, "day": o.day.isoformat() if o.day is not None else None}


def answer_moment(a: Answer, fragments: Fragments) -> Moment:
    """The states of ``a``'s sites, nearest first, and the outlook over them: a ranked
    answer's from its county's stretch (worked out once per stretch), any other's here."""
    e, ranked = a.election, a.early_voting_sites
    if e is not None and isinstance(ranked, RankedSites):
        # States read the same in every language: the default language's tables hold them.
        stretch = fragments.tables[(e.day, a.precinct.county)].stretch(ranked.statuses, a.today)
        states = tuple(stretch.states[i] for i in ranked.positions)
        return Moment(states, stretch.outlook_of(ranked.positions))
    states = tuple(_state_of(sd, a.today) for sd in ranked)
    return Moment(states, outlook(states, a.today))


def _state_of(sd: SiteDistance, today: date) -> SiteState:
    if sd.closure is None:
        return site_state(sd.status, today, sd.site.schedule)
    return closed_state(sd.status, today, trimmed(sd.site.schedule, sd.closure.window))


def closed_json(c: Change, lang: str) -> dict[str, str]:
    """Why a site or place is closed now (in ``lang``) and until when (local ISO time)."""
    return {"closed_reason": c.text.get(lang), "closed_until": _until(c)}


def _until(c: Change) -> str:
    return to_local(c.window.end).isoformat(timespec="minutes")


def _site(
    static: dict[str, Any], sd: SiteDistance, state: SiteState, schedule: bool, lang: str
) -> dict[str, Any]:
    """A site's answer: its static JSON with the distance and, after it, its status (the
    key order of the bytes form); a site closed now adds why and until when, and its
    schedule leaves the closed hours out."""
    out: dict[str, Any] = {}
    closure = sd.closure
    for k, v in static.items():
        if k == "distance_miles":
            out[k] = sd.distance_miles
            out.update(status_json(sd.status, state))
            if closure is not None:
                out.update(closed_json(closure, lang))
        elif k == "schedule":
            if schedule:
                out[k] = (
                    v
                    if closure is None
                    else schedule_json(trimmed(sd.site.schedule, closure.window))
                )
        else:
            out[k] = v
    return out


def answer_json(
    a: Answer, board: BoardOfElections, lang: str, fragments: Fragments, *, schedule: bool
) -> dict[str, Any]:
    """The answer as plain data (for the CLI and the pages); ``schedule``: with each
    site's day-by-day hours."""
    e = a.election
    sites = []
    now = answer_moment(a, fragments)
    if e is not None:
        static = fragments.parts(lang).sites
        sites = [
            _site(static[(e.day, sd.site.id)], sd, state, schedule, lang)
            for sd, state in zip(a.early_voting_sites, now.states, strict=True)
        ]
    said = outlook_json(now.outlook)
    return _answer(a, board, lang, fragments, sites, said, list(help_ids(a, fragments)))


def answer_bytes(
    a: Answer, board: BoardOfElections, lang: str, fragments: Fragments, *, schedule: bool
) -> bytes:
    """The same answer serialised for the API: the sites are spliced in as ready-made
    bytes rather than built and serialised again (the bulk of a response)."""
    e, ranked = a.election, a.early_voting_sites
    if e is None or not isinstance(ranked, RankedSites):
        return orjson.dumps(answer_json(a, board, lang, fragments, schedule=schedule))
    table = fragments.parts(lang).tables[(e.day, a.precinct.county)]
    stretch = table.stretch(ranked.statuses, a.today)
    said = stretch.outlook_part_of(ranked.positions)
    # The rest of the answer around a marker, then one join with the sites' parts: the
    # sites' 10-15 KB are copied once, straight into the body, not first into an array
    # that orjson copies again (fewer cache misses per request: see the benchmark).
    helps = _help_part(help_ids(a, fragments))
    body = orjson.dumps(_answer(a, board, lang, fragments, _SPLICE, said, helps))
    head, _, tail = body.partition(b"\0")
    return b"".join((head, *table.parts(ranked, schedule, stretch), tail))


# A NUL byte never occurs in JSON text (orjson writes one inside a string as \u0000): the
# one in the output is where the sites go.
_SPLICE = orjson.Fragment(b"\0")


def _answer(
    a: Answer,
    board: BoardOfElections,
    lang: str,
    fragments: Fragments,
    sites: object,
    standing: object,
    helps: object,
) -> dict[str, Any]:
    e = a.election
    out = {
        "ok": True,
        "demo": a.demo,
        "data_version": a.data_version,
        "as_of": a.today.isoformat(),
        "match": {
            "address": a.match.address,
            "lat": a.match.lat,
            "lon": a.match.lon,
            "source": a.match.source,
            "score": a.match.score,
            "normalized": a.match.normalized,
            "parsed": dict(a.match.parsed),
            "points": a.match.points,
            "place": {"name": a.match.place_name, "kind": a.match.place_kind}
            if a.match.place_name
            else None,
            "picked": a.match.picked,
        },
        "precinct": {"id": a.precinct.id, "name": a.precinct.name, "county": a.precinct.county},
        # An estimated location near a precinct line: confirm with the board before answering.
        "verify": a.verify,
        "election": fragments.parts(lang).elections[e.day] if e else None,
        "polling_place": _place_part(a, lang, fragments),
        # Whether the voter's Election Day place is another building than at the
        # previous election (null: nothing earlier on file to compare with), or moved by
        # the staff for now: ``changed_reason`` says which ("since_last_election",
        # "emergency"); an emergency's reason and end are ``changed_note``/``_until``.
        "changed": a.changed,
        "changed_reason": a.changed_reason,
        "changed_note": None,
        "changed_until": None,
        "previous_polling_place": previous_json(a.previous_polling_place, lang)
        if a.previous_polling_place
        else None,
        "early_voting_sites": sites,
        # Where early voting stands for the sites listed: some open today, else the next
        # day any opens, else over (``site_state.outlook``).
        "early_voting_outlook": standing,
        # A site of the county closed by the staff: the nearest sites open now (null: none
        # is closed).
        "open_instead": None,
        "notices": [
            {"code": c, "message": _notice(lang, c, board.phone, board.address)} for c in a.notices
        ]
        + [{"code": "election_notice", "message": n.message(lang)} for n in a.staff_notices],
        # The Board's answers to link (``/api/v1/help`` has their texts), in display order.
        "help_topics": helps,
        "board_of_elections": board_json(board),
    }
    if a.applied is not None:
        _with_applied(out, a.applied, lang, fragments, e)
    return out


def _place_part(a: Answer, lang: str, fragments: Fragments) -> dict[str, Any] | None:
    """The Election Day place: the version's ready-made part, unless the staff moved it
    (built here) or closed it (why and until when added)."""
    e, p = a.election, a.polling_place
    if p is None or e is None:
        return None
    applied = a.applied
    if applied is not None and applied.relocation is not None:
        return polling_place_json(p, e, lang)
    part = fragments.parts(lang).places[(e.day, a.precinct.county, p.id)]
    if applied is not None and applied.place_closure is not None:
        return part | closed_json(applied.place_closure, lang)
    return part


def _with_applied(
    out: dict[str, Any], applied: Applied, lang: str, fragments: Fragments, e: Election | None
) -> None:
    """The staff's changes in ``out`` (its keys are in place, null)."""
    if applied.relocation is not None:
        out["changed_note"] = applied.relocation.text.get(lang)
        out["changed_until"] = _until(applied.relocation)
    if applied.open_instead is not None and e is not None:
        sites = fragments.parts(lang).sites
        out["open_instead"] = [
            {
                "id": sd.site.id,
                "name": sd.site.name,
                "display_name": sites[(e.day, sd.site.id)]["display_name"],
                "distance_mi": sd.distance_miles,
            }
            for sd in applied.open_instead
        ]
    out["notices"] += [
        {"code": "staff_change", "message": message(lang, "notices", "staff_change", text=text)}
        for text in (c.text.get(lang) for c in applied.notices)
    ]


@lru_cache(maxsize=1024)  # a few codes x languages x boards: formatted once each
def _notice(lang: str, code: str, phone: str, address: str) -> str:
    return message(lang, "notices", code, phone=phone, address=address)


def error_json(
    err: ServiceError, lang: str, board: BoardOfElections, demo: bool | None
) -> dict[str, Any]:
    """The one error shape; every error still carries the board's contact."""
    body: dict[str, Any] = {
        "ok": False,
        "status": err.status,
        "error": {
            "code": err.code,
            "message": message(lang, *err.message_id, phone=board.phone, **err.message_args),
            "details": err.details,
        },
        "board_of_elections": board_json(board),
    }
    if demo is not None:
        body["demo"] = demo
    return body
