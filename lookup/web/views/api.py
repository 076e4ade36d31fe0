"""``/api/v1`` and the health probes: parse the request, call ``service``, serialise."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, g, request

from lookup.dataset.model import Dataset
from lookup.domain.picks import decode, label_candidates
from lookup.domain.schedule import active_election, election_window, parse_moment, to_local
from lookup.errors import AddressAmbiguous, DatasetUnavailable, InvalidParameter
from lookup.geocode.chain import check_text
from lookup.geocode.normalize import MAX_ADDRESS_CHARS
from lookup.geocode.suggest import MAX_SUGGESTIONS, suggest
from lookup.i18n import DEFAULT_LANG, languages
from lookup.insights.events import API_CHANNELS
from lookup.outputs.api_json import answer_bytes, answer_json, board_json
from lookup.outputs.ics import early_voting_ics, election_day_ics
from lookup.outputs.openapi import spec
from lookup.service import AddressQuery, Answer, PickQuery, PointQuery, Query, find_polling_place
from lookup.web.app import Clock, dataset_or_none, json_response, state

bp = Blueprint("api", __name__)
DEFAULT_SUGGESTIONS = 10


def parse_lang(value: str | None) -> str:
    lang = (value or DEFAULT_LANG).strip().lower()
    if lang not in languages():
        raise InvalidParameter("unknown language", parameter="lang", allowed=list(languages()))
    return lang


def parse_channel(value: str | None) -> str:
    """Who is asking, for the insight counters: ``rep`` (the 311 console), ``widget``,
    or ``api`` (absent: any other client)."""
    channel = (value or "api").strip().lower()
    if channel not in API_CHANNELS:
        raise InvalidParameter("unknown channel", parameter="channel", allowed=list(API_CHANNELS))
    return channel


INCLUDES = ("schedule",)


def parse_include(value: str | None) -> frozenset[str]:
    """``include=schedule``: each early-voting site's day-by-day hours as well (left out
    by default: a fourfold larger answer that only the console's full list shows)."""
    names = frozenset(v.strip().lower() for v in (value or "").split(",") if v.strip())
    if not names <= set(INCLUDES):
        raise InvalidParameter("unknown include", parameter="include", allowed=list(INCLUDES))
    return names


def parse_now(args: dict[str, str], clock: Clock) -> datetime:
    """``date=`` (noon that day) or ``at=`` (local time) override the clock's now."""
    return parse_moment(args.get("date"), args.get("at")) or clock()


def parse_coordinate(args: dict[str, str], name: str) -> float:
    raw = args.get(name, "").strip()
    try:
        return float(raw)  # NaN and infinities are refused with the range checks in service
    except ValueError:
        raise InvalidParameter(
            f"{name} is not a number", parameter=name, reason="not_a_number"
        ) from None


def parse_query(args: dict[str, str]) -> Query:
    """``address=``, ``lat=&lon=`` or ``pick=`` (a candidate's token), exactly one."""
    has_address = "address" in args
    has_point = "lat" in args or "lon" in args
    if "pick" in args:
        if has_address or has_point:
            raise InvalidParameter(
                "give pick alone, without address or lat/lon", parameter="pick", reason="combined"
            )
        return PickQuery(decode(args["pick"]))
    if has_address and has_point:
        raise InvalidParameter("give either address or lat/lon, not both", parameter="address")
    if has_point:
        return PointQuery(lon=parse_coordinate(args, "lon"), lat=parse_coordinate(args, "lat"))
    if has_address:
        return AddressQuery(text=args["address"])
    raise InvalidParameter(
        "address, lat/lon or pick is required", parameter="address", reason="missing"
    )


def require_dataset() -> Dataset:
    ds = dataset_or_none()
    if ds is None:
        raise DatasetUnavailable("no dataset loaded")
    return ds


@bp.get("/api/v1/lookup")
def lookup() -> Response:
    args = request.args.to_dict()
    g.lang = parse_lang(args.get("lang"))
    g.channel = parse_channel(args.get("channel"))
    ds = require_dataset()  # one snapshot for the whole request
    schedule = "schedule" in parse_include(args.get("include"))
    answer = answer_for(ds, args)
    body = answer_bytes(answer, ds.board, g.lang, state().fragments.get(ds), schedule=schedule)
    return Response(body, status=200, mimetype="application/json")


def answer_for(ds: Dataset, args: dict[str, str]) -> Answer:
    """The answer for a request's parameters, with the app's geocoders and staff notices."""
    st = state()
    try:
        g.answer = find_polling_place(
            ds,
            parse_query(args),
            parse_now(args, st.clock),
            st.geocoders,
            only=args.get("open") or None,
            staff=st.staff_notices,
        )  # kept on g for the insight counters (``insights.web``)
    except AddressAmbiguous as exc:
        # Each line the faces show, told apart in the asker's language.
        label_candidates(exc.details.get("candidates", []), g.get("lang", DEFAULT_LANG))
        raise
    return g.answer


@bp.get("/api/v1/early-voting")
def early_voting() -> Response:
    """The early-voting sites of the voter's county alone, nearest first, with status."""
    args = request.args.to_dict()
    g.lang = parse_lang(args.get("lang"))
    g.channel = parse_channel(args.get("channel"))
    schedule = "schedule" in parse_include(args.get("include"))
    ds = require_dataset()
    fragments = state().fragments.get(ds)
    full = answer_json(answer_for(ds, args), ds.board, g.lang, fragments, schedule=schedule)
    keys = ("ok", "demo", "data_version", "as_of", "match", "precinct", "election")
    body = {k: full[k] for k in keys} | {
        "early_voting_sites": full["early_voting_sites"],
        "notices": full["notices"],
        "board_of_elections": full["board_of_elections"],
    }
    return json_response(body)


@bp.get("/api/v1/calendar.ics")
def calendar() -> Response:
    """Election Day at the voter's polling place; with ``site=`` and ``day=``, that
    early-voting site's hours that day."""
    args = request.args.to_dict()
    g.lang = parse_lang(args.get("lang"))
    g.channel = parse_channel(args.get("channel"))
    ds = require_dataset()
    answer = answer_for(ds, args)
    stamp = state().clock()
    if args.get("site") or args.get("day"):
        day = parse_moment(args.get("day"), None)
        if not args.get("site") or day is None:
            raise InvalidParameter("site and day go together", parameter="site")
        body = early_voting_ics(answer, ds.board, g.lang, stamp, args["site"], day.date())
        name = f"early-voting-{day.date()}.ics"
    else:
        body = election_day_ics(answer, ds.board, g.lang, stamp)
        name = "election-day.ics"
    resp = Response(body, mimetype="text/calendar")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return resp


@bp.get("/api/v1/elections")
def elections() -> Response:
    """Every election in the data, and the one that applies as of ``date``/``at``."""
    args = request.args.to_dict()
    g.lang = parse_lang(args.get("lang"))
    ds = require_dataset()
    now = to_local(parse_now(args, state().clock))
    active, over = active_election(ds.elections, now.date())
    said = state().fragments.get(ds).parts(g.lang).elections  # display_name in lang
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
    g.lang = parse_lang(args.get("lang"))
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


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_SUGGESTIONS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SUGGESTIONS:
        raise InvalidParameter(
            "limit must be a whole number from 1 to 20", parameter="limit", maximum=MAX_SUGGESTIONS
        )
    return int(raw)


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
