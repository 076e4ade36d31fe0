"""Answer and error -> the JSON shapes of ``/api/v1`` (one error shape everywhere).

The parts of an answer that depend only on the data (a site's 17-day schedule, its
address, the directions links) are built once per dataset version in ``Fragments``;
a request only fills in what varies (distances, notices). The profile showed those
static parts were two thirds of a coordinate look-up's time.

A site's day-by-day ``schedule`` is sent only on request (``include=schedule``): with it
a Mecklenburg answer is ~46 KB (33 sites x 17 days), without it ~15 KB, and today's
hours, whether the site is open now and when it next opens are in every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus

import orjson

from .dataset import Dataset
from .errors import ServiceError
from .i18n import message
from .models import (
    Address,
    BoardOfElections,
    DaySchedule,
    EarlyVotingSite,
    Election,
    PollingPlace,
)
from .schedule import SiteStatus
from .service import Answer, RankedSites


def board_json(board: BoardOfElections) -> dict[str, str]:
    return {"name": board.name, "phone": board.phone, "url": board.url, "address": board.address}


def directions_url(a: Address) -> str:
    """A maps link by address text (no coordinates needed, works for every place)."""
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(a.one_line())


def election_json(e: Election) -> dict[str, Any]:
    return {
        "date": e.day.isoformat(),
        "name": e.name,
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


def polling_place_json(p: PollingPlace, e: Election) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "address": p.address.as_dict(),
        "lat": p.lat,
        "lon": p.lon,
        "hours": {
            "date": e.day.isoformat(),
            "open": e.polls_open.isoformat("minutes"),
            "close": e.polls_close.isoformat("minutes"),
        },
        "directions_url": directions_url(p.address),
    }


def site_json(s: EarlyVotingSite) -> dict[str, Any]:
    """A site without its distance (``distance_miles`` is filled in per answer)."""
    return {
        "id": s.id,
        "name": s.name,
        "address": s.address.as_dict(),
        "lat": s.lat,
        "lon": s.lon,
        "distance_miles": None,
        "schedule": schedule_json(s.schedule),
        "directions_url": directions_url(s.address),
    }


_DISTANCE = "\x00distance\x00"  # a placeholder no real value can equal


def _split_at_distance(site: dict[str, Any]) -> tuple[bytes, bytes]:
    """A site's JSON as the bytes before and after its distance value."""
    head, tail = orjson.dumps({**site, "distance_miles": _DISTANCE}).split(orjson.dumps(_DISTANCE))
    return head, tail


class TableBytes:
    """One county's early-voting sites as bytes, by position in its ``SiteTable``: the
    JSON before each distance, and after it (with and without the day-by-day schedule).
    The status of every site is fixed within a stretch of time (``StatusBoard``): the
    bytes after each distance, status included, are kept per stretch, so an answer is a
    join of ready-made parts around its own distances."""

    MAX_STRETCHES = 64

    def __init__(self, sites: list[dict[str, Any]]) -> None:
        split_full = [_split_at_distance(site) for site in sites]
        split_lean = [_split_at_distance(_without_schedule(site)) for site in sites]
        self.ids: tuple[str, ...] = tuple(site["id"] for site in sites)
        self.heads = tuple(head for head, _ in split_full)
        self._comma_heads = tuple(b"," + head for head in self.heads)
        self.tails = {True: tuple(t for _, t in split_full), False: tuple(t for _, t in split_lean)}
        # (id of the statuses mapping, schedule) -> (that mapping, kept alive so its id
        # cannot be reused while the entry exists; the bytes after each distance)
        self._after: dict[tuple[int, bool], tuple[object, tuple[bytes, ...]]] = {}

    def after(self, statuses: Mapping[str, SiteStatus], schedule: bool) -> tuple[bytes, ...]:
        key = (id(statuses), schedule)
        entry = self._after.get(key)
        if entry is not None and entry[0] is statuses:
            return entry[1]
        if len(self._after) >= self.MAX_STRETCHES:
            self._after.clear()
        tails = self.tails[schedule]
        parts = tuple(
            b"," + orjson.dumps(status_json(statuses[sid]))[1:-1] + tail
            for sid, tail in zip(self.ids, tails, strict=True)
        )
        self._after[key] = (statuses, parts)
        return parts

    def parts(self, ranked: RankedSites, schedule: bool) -> list[bytes]:
        """The JSON array of ``ranked``'s sites, nearest first, as ready-made parts for
        the caller's one join (measured A/B in one process: 13 % faster than joining each
        site's bytes built first)."""
        positions = ranked.positions
        if not positions:
            return [b"[]"]
        heads, after = self._comma_heads, self.after(ranked.statuses, schedule)
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


class Fragments:
    """The static JSON of one dataset version, as dicts and, for the API's hot path, as
    serialised bytes. Built once per version and shared by every answer; the only state
    that changes afterwards is ``TableBytes``' memo of ready-made parts."""

    def __init__(self, ds: Dataset) -> None:
        self.version = ds.version
        elections = {e.day: e for e in ds.elections}
        self.elections = {e.day: election_json(e) for e in ds.elections}
        self.sites = {
            (day, s.id): site_json(s) for day, sites in ds.early_voting.items() for s in sites
        }
        self.tables = {
            key: TableBytes([self.sites[(key[0], s.id)] for s in table.sites])
            for key, table in ds.site_tables.items()
        }
        # Keyed by county too: NCSBE reuses polling_place_id across counties.
        self.places = {
            (day, county, p.id): polling_place_json(p, elections[day])
            for day, places in ds.polling.items()
            if day in elections
            for (county, _pid), p in places.items()
        }


def status_json(st: SiteStatus) -> dict[str, Any]:
    """What varies with the moment: open now, today's hours, the next opening."""
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
    }


def _site(
    static: dict[str, Any], distance: float | None, st: SiteStatus, schedule: bool
) -> dict[str, Any]:
    """A site's answer: its static JSON with the distance and, after it, its status (the
    key order of the bytes form)."""
    out: dict[str, Any] = {}
    for k, v in static.items():
        if k == "distance_miles":
            out[k] = distance
            out.update(status_json(st))
        elif k != "schedule" or schedule:
            out[k] = v
    return out


def answer_json(
    a: Answer, board: BoardOfElections, lang: str, fragments: Fragments, *, schedule: bool
) -> dict[str, Any]:
    """The answer as plain data (for the CLI and the pages); ``schedule``: with each
    site's day-by-day hours."""
    e = a.election
    sites = []
    if e is not None:
        sites = [
            _site(fragments.sites[(e.day, sd.site.id)], sd.distance_miles, sd.status, schedule)
            for sd in a.early_voting_sites
        ]
    return _answer(a, board, lang, fragments, sites)


def answer_bytes(
    a: Answer, board: BoardOfElections, lang: str, fragments: Fragments, *, schedule: bool
) -> bytes:
    """The same answer serialised for the API: the sites are spliced in as ready-made
    bytes rather than built and serialised again (the bulk of a response)."""
    e, ranked = a.election, a.early_voting_sites
    if e is None or not isinstance(ranked, RankedSites):
        sites = answer_json(a, board, lang, fragments, schedule=schedule)["early_voting_sites"]
        return orjson.dumps(_answer(a, board, lang, fragments, sites))
    # The rest of the answer around a marker, then one join with the sites' parts: the
    # sites' 10-15 KB are copied once, straight into the body, not first into an array
    # that orjson copies again (fewer cache misses per request: see the benchmark).
    head, _, tail = orjson.dumps(_answer(a, board, lang, fragments, _SPLICE)).partition(b"\0")
    return b"".join(
        (head, *fragments.tables[(e.day, a.precinct.county)].parts(ranked, schedule), tail)
    )


# A NUL byte never occurs in JSON text (orjson writes one inside a string as \u0000): the
# one in the output is where the sites go.
_SPLICE = orjson.Fragment(b"\0")


def _answer(
    a: Answer, board: BoardOfElections, lang: str, fragments: Fragments, sites: object
) -> dict[str, Any]:
    e = a.election
    return {
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
        },
        "precinct": {"id": a.precinct.id, "name": a.precinct.name, "county": a.precinct.county},
        # An estimated location near a precinct line: confirm with the board before answering.
        "verify": a.verify,
        "election": fragments.elections[e.day] if e else None,
        "polling_place": fragments.places[(e.day, a.precinct.county, a.polling_place.id)]
        if (a.polling_place and e)
        else None,
        # Whether the voter's Election Day place is another building than at the
        # previous election (null: nothing earlier on file to compare with).
        "changed": a.changed,
        "previous_polling_place": {
            "name": a.previous_polling_place.name,
            "address": a.previous_polling_place.address.as_dict(),
        }
        if a.previous_polling_place
        else None,
        "early_voting_sites": sites,
        "notices": [
            {"code": c, "message": _notice(lang, c, board.phone, board.address)} for c in a.notices
        ]
        + [{"code": "election_notice", "message": n.message(lang)} for n in a.staff_notices],
        "board_of_elections": board_json(board),
    }


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
            "message": message(lang, "errors", err.code, phone=board.phone),
            "details": err.details,
        },
        "board_of_elections": board_json(board),
    }
    if demo is not None:
        body["demo"] = demo
    return body
