"""Answer and error -> the JSON shapes of ``/api/v1`` (one error shape everywhere)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote_plus

from .errors import ServiceError
from .i18n import message
from .models import Address, BoardOfElections, DaySchedule, Election, PollingPlace
from .service import Answer, SiteDistance


def board_json(board: BoardOfElections) -> dict[str, str]:
    return {"name": board.name, "phone": board.phone, "url": board.url}


def address_json(a: Address) -> dict[str, str]:
    return {"line1": a.line1, "city": a.city, "state": a.state, "zip": a.zip}


def directions_url(a: Address) -> str:
    """A maps link by address text (no coordinates needed, works for every place)."""
    return "https://www.google.com/maps/dir/?api=1&destination=" + quote_plus(a.one_line())


def election_json(e: Election) -> dict[str, Any]:
    return {
        "date": e.day.isoformat(),
        "name": e.name,
        "early_voting_start": e.early_voting_start.isoformat() if e.early_voting_start else None,
        "early_voting_end": e.early_voting_end.isoformat() if e.early_voting_end else None,
    }


def schedule_json(days: tuple[DaySchedule, ...]) -> list[dict[str, Any]]:
    """One entry per opening span (a split day gives two); a closed day says so."""
    out: list[dict[str, Any]] = []
    for d in days:
        if d.closed:
            out.append({"date": d.day.isoformat(), "open": None, "close": None, "closed": True})
        for h in d.hours:
            out.append(
                {
                    "date": d.day.isoformat(),
                    "open": h.start.isoformat("minutes"),
                    "close": h.end.isoformat("minutes"),
                    "closed": False,
                }
            )
    return out


def polling_place_json(p: PollingPlace, e: Election) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "address": address_json(p.address),
        "lat": p.lat,
        "lon": p.lon,
        "hours": {
            "date": e.day.isoformat(),
            "open": e.polls_open.isoformat("minutes"),
            "close": e.polls_close.isoformat("minutes"),
        },
        "directions_url": directions_url(p.address),
    }


def site_json(sd: SiteDistance) -> dict[str, Any]:
    s = sd.site
    return {
        "id": s.id,
        "name": s.name,
        "address": address_json(s.address),
        "lat": s.lat,
        "lon": s.lon,
        "distance_miles": sd.distance_miles,
        "schedule": schedule_json(s.schedule),
        "directions_url": directions_url(s.address),
    }


def answer_json(a: Answer, board: BoardOfElections, lang: str) -> dict[str, Any]:
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
        },
        "precinct": {"id": a.precinct.id, "name": a.precinct.name, "county": a.precinct.county},
        "election": election_json(e) if e else None,
        "polling_place": polling_place_json(a.polling_place, e)
        if (a.polling_place and e)
        else None,
        "early_voting_sites": [site_json(s) for s in a.early_voting_sites],
        "notices": [
            {"code": c, "message": message(lang, "notices", c, phone=board.phone)}
            for c in a.notices
        ],
        "board_of_elections": board_json(board),
    }


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
