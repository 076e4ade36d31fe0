"""``/api/v1`` and the health probes: parse the request, call ``service``, serialise."""

from __future__ import annotations

from flask import Blueprint, Response, request

from lookup.domain.schedule import active_election, election_window, parse_moment, to_local
from lookup.errors import InvalidParameter
from lookup.geocode.chain import check_text
from lookup.geocode.normalize import MAX_ADDRESS_CHARS
from lookup.geocode.suggest import suggest
from lookup.outputs.api_json import answer_bytes, answer_json, board_json
from lookup.outputs.ics import early_voting_ics, election_day_ics
from lookup.outputs.openapi import spec
from lookup.web.context import exchange, json_response, require_dataset, state
from lookup.web.params import (
    answer_for,
    parse_channel,
    parse_include,
    parse_lang,
    parse_limit,
    parse_now,
    parse_repeat,
)

bp = Blueprint("api", __name__)


@bp.get("/api/v1/lookup")
def lookup() -> Response:
    args = request.args.to_dict()
    ex = exchange()
    ex.lang = lang = parse_lang(args.get("lang"))
    ex.channel = parse_channel(args.get("channel"))
    ex.repeat = parse_repeat(args.get("repeat"), ex.channel)
    ds = require_dataset()  # one snapshot for the whole request
    schedule = "schedule" in parse_include(args.get("include"))
    answer = answer_for(ds, args)
    body = answer_bytes(answer, ds.board, lang, state().fragments.get(ds), schedule=schedule)
    return Response(body, status=200, mimetype="application/json")


@bp.get("/api/v1/early-voting")
def early_voting() -> Response:
    """The early-voting sites of the voter's county alone, nearest first, with status."""
    args = request.args.to_dict()
    ex = exchange()
    ex.lang = lang = parse_lang(args.get("lang"))
    ex.channel = parse_channel(args.get("channel"))
    schedule = "schedule" in parse_include(args.get("include"))
    ds = require_dataset()
    fragments = state().fragments.get(ds)
    full = answer_json(answer_for(ds, args), ds.board, lang, fragments, schedule=schedule)
    keys = ("ok", "demo", "data_version", "as_of", "match", "precinct", "election")
    body = {k: full[k] for k in keys} | {
        "early_voting_sites": full["early_voting_sites"],
        "early_voting_outlook": full["early_voting_outlook"],
        "open_instead": full["open_instead"],  # a site closed by the staff: open ones
        "notices": full["notices"],
        "board_of_elections": full["board_of_elections"],
    }
    return json_response(body)


@bp.get("/api/v1/calendar.ics")
def calendar() -> Response:
    """Election Day at the voter's polling place; with ``site=`` and ``day=``, that
    early-voting site's hours that day."""
    args = request.args.to_dict()
    ex = exchange()
    ex.lang = lang = parse_lang(args.get("lang"))
    ex.channel = parse_channel(args.get("channel"))
    ds = require_dataset()
    answer = answer_for(ds, args)
    stamp = state().clock()
    if args.get("site") or args.get("day"):
        day = parse_moment(args.get("day"), None)
        if not args.get("site") or day is None:
            raise InvalidParameter("site and day go together", parameter="site")
        body = early_voting_ics(answer, ds.board, lang, stamp, args["site"], day.date())
        name = f"early-voting-{day.date()}.ics"
    else:
        body = election_day_ics(answer, ds.board, lang, stamp)
        name = "election-day.ics"
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.get("/api/v1/elections")
def elections() -> Response:
    """Every election in the data, and the one that applies as of ``date``/``at``."""
    args = request.args.to_dict()
    exchange().lang = lang = parse_lang(args.get("lang"))
    ds = require_dataset()
    now = to_local(parse_now(args, state().clock))
    active, over = active_election(ds.elections, now.date())
    said = state().fragments.get(ds).parts(lang).elections  # display_name in lang
    body = {
        "ok": True,
        "demo": ds.demo,
        "data_version": ds.version,
        "as_of": now.date().isoformat(),
        "active": None if active is None or over else said[active.day],
        "elections": [
            said[e.day] | {"status": election_window(e, now.date())} for e in ds.elections
        ],
        "board_of_elections": board_json(ds.board),
    }
    return json_response(body)


@bp.get("/api/v1/suggest")
def suggest_addresses() -> Response:
    """Suggestions for what has been typed: addresses from the local address points, and
    (without a leading house number) the named places, each with the label that finds
    it again when sent back as ``address=``."""
    args = request.args.to_dict()
    exchange().lang = parse_lang(args.get("lang"))
    q = args.get("q", "")
    if len(q) > MAX_ADDRESS_CHARS:
        raise InvalidParameter("q too long", parameter="q", reason="too_long")
    limit = parse_limit(args.get("limit"))
    ds = require_dataset()
    typed = _typed(q)
    found = suggest(ds.addresses, typed, limit)
    suggestions: list[dict[str, object]] = [
        {"address": p.label(), "lat": p.lat, "lon": p.lon} for p in found
    ]
    if len(suggestions) < limit:  # a leading house number gives no places (an address)
        suggestions += [
            {
                "address": p.label,
                "lat": p.lat,
                "lon": p.lon,
                "place": {"name": p.name, "kind": p.kind},
            }
            for p in ds.named_places.suggest(typed, limit - len(suggestions))
        ]
    body = {"data_version": ds.version, "demo": ds.demo, "suggestions": suggestions}
    return json_response(body)


def _typed(q: str) -> str:
    """What the caller has typed so far; nothing printable (control or unassigned
    characters only) is nothing typed yet, not an error."""
    try:
        return check_text(q)
    except InvalidParameter:
        return ""  # too long was refused above; only "empty after cleaning" gets here


@bp.get("/openapi.json")
def openapi() -> Response:
    return json_response(spec())


@bp.get("/healthz")
def healthz() -> Response:
    return json_response({"ok": True})


@bp.get("/readyz")
def readyz() -> Response:
    ds = require_dataset()
    return json_response({"ok": True, "data_version": ds.version, "demo": ds.demo})
