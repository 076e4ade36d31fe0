"""``lookup check --format text``: the answer as a person reads it, in ``lang``.

Rendered from the answer's JSON (``api_json.answer_json`` / ``error_json``), so the text
says exactly what the API says: the matched address, the precinct, the election, the
Election Day place with its address and hours, the early-voting sites open at the
answer's moment (nearest first, with today's hours), the notices and the Board's phone.
Every string from the BOE's files or the user passes ``_safe``: a control character in a
name must not drive the terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any

from lookup.domain.site_state import babel_locale, clock, day_name
from lookup.i18n import message

SECTION = "check_text"
OPEN_SHOWN = 5  # open sites listed by name; the rest are counted


def _safe(value: object) -> str:
    """``value`` as text with control characters written as escapes (``\\x1b``)."""
    text = "" if value is None else str(value)
    return "".join(
        c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) == "Cc" else c
        for c in text
    )


def _full_date(iso: str, lang: str) -> str:
    """``2028-11-07`` -> "Tuesday, November 7, 2028" in ``lang``."""
    from babel.dates import format_date

    return format_date(date.fromisoformat(iso), format="full", locale=babel_locale(lang))


def _hours(spans: Sequence[Mapping[str, str]], lang: str) -> str:
    return ", ".join(
        message(
            lang,
            "resident",
            "hours",
            open=clock(time.fromisoformat(s["open"]), lang),
            close=clock(time.fromisoformat(s["close"]), lang),
        )
        for s in spans
    )


def _place_lines(place: Mapping[str, Any]) -> list[str]:
    name = place.get("spoken_name") or place.get("display_name") or place.get("name")
    return [f"  {_safe(name)}", f"  {_safe(place.get('display_address'))}"]


def answer_text(body: Mapping[str, Any], lang: str) -> str:
    """A found answer (``ok: true``) as lines of text."""
    lines: list[str] = []
    match = body["match"]
    if match.get("address"):
        lines.append(f"{message(lang, 'page', 'matched')}: {_safe(match['address'])}")
    else:
        lines.append(f"{message(lang, SECTION, 'point')}: {match['lat']:.5f}, {match['lon']:.5f}")
    p = body["precinct"]
    lines.append(f"{message(lang, 'page', 'precinct')}: {_safe(p['id'])} {_safe(p['name'])}")
    election = body.get("election")
    if election:
        day = _full_date(election["date"], lang)
        lines.append(f"{_safe(election.get('display_name') or election['name'])}: {day}")
    place = body.get("polling_place")
    if place:
        lines += ["", f"{message(lang, SECTION, 'polling_place')}:", *_place_lines(place)]
        hours = place.get("hours")
        if hours:
            when = day_name(date.fromisoformat(hours["date"]), lang)
            lines.append(f"  {when}: {_hours([hours], lang)}")
    if election:
        lines += ["", *_early_voting(body.get("early_voting_sites") or [], body, lang)]
    notices = body.get("notices") or []
    if notices:
        lines += ["", message(lang, SECTION, "notices")]
        lines += [f"- {_safe(n['message'])}" for n in notices]
    lines += ["", _board(body, lang)]
    return "\n".join(lines)


def _early_voting(
    sites: Sequence[Mapping[str, Any]], body: Mapping[str, Any], lang: str
) -> list[str]:
    """The sites open now, nearest first (the answer's order); else where early voting
    stands (``early_voting_outlook``)."""
    open_now = [s for s in sites if (s.get("state") or {}).get("kind") == "open"]
    if open_now:
        lines = [message(lang, SECTION, "open_now")]
        for site in open_now[:OPEN_SHOWN]:
            miles = site.get("distance_miles")
            far = (
                message(lang, "resident", "miles", miles=f"{miles:.1f}")
                if miles is not None
                else message(lang, "resident", "distance_unknown")
            )
            lines.append(f"- {_safe(site.get('display_name') or site.get('name'))} ({far})")
            lines.append(f"  {_safe(site.get('display_address'))}")
            today = _hours(site.get("hours_today") or [], lang)
            lines.append(f"  {message(lang, 'resident', 'today_hours', hours=today)}")
        if len(open_now) > OPEN_SHOWN:
            rest = str(len(open_now) - OPEN_SHOWN)
            lines.append(message(lang, SECTION, "more_open", count=rest))
        return lines
    outlook = body.get("early_voting_outlook") or {}
    if outlook.get("when") == "today":
        # As ``site_state.outlook`` counts them: opening later, or reopening, today.
        later = sum(1 for s in sites if _later_today(s.get("state") or {}, body.get("as_of")))
        return [message(lang, SECTION, "none_now_later", count=str(later))]
    if outlook.get("when") == "next" and outlook.get("day"):
        day = day_name(date.fromisoformat(outlook["day"]), lang)
        return [message(lang, "resident", "summary_next", day=day)]
    return [message(lang, "resident", "summary_ended")]


def _later_today(state: Mapping[str, Any], today: object) -> bool:
    return state.get("kind") == "later" or (
        state.get("kind") == "closed" and state.get("day") == today
    )


def _board(body: Mapping[str, Any], lang: str) -> str:
    board = body.get("board_of_elections") or {}
    return message(
        lang, SECTION, "board", name=_safe(board.get("name")), phone=_safe(board.get("phone"))
    )


def error_text(body: Mapping[str, Any], lang: str) -> str:
    """An error answer: its message, the addresses to choose from when several matched,
    and the Board's phone."""
    error = body["error"]
    lines = [_safe(error["message"])]
    candidates = (error.get("details") or {}).get("candidates") or []
    if candidates:
        lines.append(message(lang, SECTION, "candidates"))
        for c in candidates:
            p = c.get("precinct") or {}
            label = message(
                lang,
                "candidates",
                "label",
                address=_safe(c.get("address")),
                id=_safe(p.get("id")),
                name=_safe(p.get("name")),
            )
            lines.append(f"- {label}")
    lines += ["", _board(body, lang)]
    return "\n".join(lines)
