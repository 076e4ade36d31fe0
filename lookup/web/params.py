"""The request parameters the views share, parsed and checked, and the look-up they ask
for (``answer_for``)."""

from __future__ import annotations

from datetime import datetime

from flask import request

from lookup.dataset.model import Dataset
from lookup.domain.changes import ActiveChanges, active_at
from lookup.domain.picks import decode, label_candidates
from lookup.domain.schedule import parse_moment, to_local
from lookup.errors import AddressAmbiguous, InvalidParameter
from lookup.geocode.suggest import MAX_SUGGESTIONS
from lookup.i18n import DEFAULT_LANG, languages
from lookup.insights.events import API_CHANNELS
from lookup.service import AddressQuery, Answer, PickQuery, PointQuery, Query, find_polling_place
from lookup.web.context import Clock, exchange, state

DEFAULT_SUGGESTIONS = 10
INCLUDES = ("schedule",)
# ``repeat=``: why a request asks again for an answer already asked and counted. ``lang``:
# the console wants it in its script's language (``parse_repeat``).
REPEATS = ("lang",)


def parse_lang(value: str | None) -> str:
    lang = (value or DEFAULT_LANG).strip().lower()
    if lang not in languages():
        raise InvalidParameter("unknown language", parameter="lang", allowed=list(languages()))
    return lang


def page_lang() -> tuple[str, bool]:
    """A page's language and whether the URL chose it. A page never refuses a language
    (the API does): a stale link with ``?lang=fr`` still shows the page, in the browser's
    language (Accept-Language) if we have it, else English."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in languages():
        return asked, True
    best = request.accept_languages.best_match(languages(), default=DEFAULT_LANG)
    return best or DEFAULT_LANG, False


def parse_channel(value: str | None) -> str:
    """Who is asking, for the insight counters: ``rep`` (the 311 console), ``widget``,
    or ``api`` (absent: any other client)."""
    channel = (value or "api").strip().lower()
    if channel not in API_CHANNELS:
        raise InvalidParameter("unknown channel", parameter="channel", allowed=list(API_CHANNELS))
    return channel


def parse_repeat(value: str | None, channel: str) -> str:
    """``repeat=lang``: the 311 console asks again, in the script's language, for the answer
    it shows (a closure reason, an emergency or access details have texts of their own in
    each language). Served, rate-limited and logged as any look-up, but not counted again in
    the insights: one caller is one look-up. Only the console re-asks, so only with
    ``channel=rep`` (the widget's own re-asks would be refused). Like ``channel`` it is what
    the client says: the counts are the staff's aggregate figures, not an audit (a client
    calling itself the console can leave its look-ups out, as it can count them as the
    console's). "" when absent."""
    repeat = (value or "").strip().lower()
    if not repeat:
        return ""
    if repeat not in REPEATS:
        raise InvalidParameter("unknown repeat", parameter="repeat", allowed=list(REPEATS))
    if channel != "rep":
        raise InvalidParameter(
            "repeat is the console's: give it with channel=rep",
            parameter="repeat",
            reason="needs_channel_rep",
        )
    return repeat


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


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_SUGGESTIONS
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SUGGESTIONS:
        raise InvalidParameter(
            "limit must be a whole number from 1 to 20", parameter="limit", maximum=MAX_SUGGESTIONS
        )
    return int(raw)


def changes_at(ds: Dataset, moment: datetime) -> ActiveChanges:
    """The staff's changes holding at the answer's ``moment`` (the clock's, or ``date=`` /
    ``at=``): what this worker read of them at most two seconds ago (``ChangesHolder``)."""
    only = ds.counties[0] if len(ds.counties) == 1 else ""
    return active_at(state().changes.current(), to_local(moment), only)


def answer_for(ds: Dataset, args: dict[str, str]) -> Answer:
    """The answer for a request's parameters, with the app's geocoders, staff notices and
    changes on the day; kept on the ``Exchange`` for the insight counters."""
    st = state()
    ex = exchange()
    now = parse_now(args, st.clock)
    try:
        answer = find_polling_place(
            ds,
            parse_query(args),
            now,
            st.geocoders,
            only=args.get("open") or None,
            staff=st.staff_notices,
            changes=changes_at(ds, now),
        )
    except AddressAmbiguous as exc:
        # Each line the faces show, told apart in the asker's language.
        label_candidates(exc.details.get("candidates", []), ex.lang)
        raise
    ex.answer = answer
    return answer
