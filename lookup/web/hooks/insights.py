"""The insight counters' request hook: after each request of a route that answers "where
do I vote?" (``COUNTED``), an ``Event`` goes to this process's ``Recorder``; building it
is the only work on the request path. It reads what the view left on the ``Exchange``:
the answer, the channel, the language, and the error code a page showed or a response
carried. A re-ask of an answer already counted (``params.parse_repeat``) counts nothing."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Request, Response, request
from werkzeug.datastructures import MultiDict

from lookup.errors import InvalidParameter
from lookup.insights.events import CALENDAR, LOOKUP, Event
from lookup.insights.recorder import Recorder, note_dropped
from lookup.web.context import AppState, Exchange, exchange
from lookup.web.params import parse_channel, parse_repeat

log = logging.getLogger(__name__)

# Endpoint -> (what it counts as, its channel when the request names none).
COUNTED = {
    "api.lookup": (LOOKUP, "api"),
    "api.early_voting": (LOOKUP, "api"),
    "api.calendar": (CALENDAR, "api"),
    "civicinfo.voterinfo": (LOOKUP, "civic"),
    "pages.index": (LOOKUP, "page"),
}


def counting_hook(recorder: Recorder, st: AppState) -> Callable[[Response], Response]:
    """The after-request hook that counts into ``recorder``."""

    def count(resp: Response) -> Response:
        # The request unwrapped once: each proxy access costs microseconds.
        req = request._get_current_object()  # type: ignore[attr-defined]
        counted = COUNTED.get(req.endpoint or "")
        if counted is not None and req.method == "GET":  # not a CORS preflight
            try:
                _record(recorder, st, req, exchange(), resp, *counted)
            except Exception as exc:  # counting never fails an answer
                note_dropped(1)
                log.warning("insights: event not counted (%s)", type(exc).__name__)
        return resp

    return count


def _asked(args: MultiDict[str, str]) -> tuple[str, str]:
    """``channel`` and ``repeat`` as the view reads them, for a request it never read;
    ("", "") where it would refuse them (then the route's channel counts)."""
    try:
        channel = parse_channel(args.get("channel"))
        return channel, parse_repeat(args.get("repeat"), channel)
    except InvalidParameter:
        return "", ""


def _record(
    recorder: Recorder,
    st: AppState,
    req: Request,
    ex: Exchange,
    resp: Response,
    kind: str,
    channel: str,
) -> None:
    args = req.args
    named, repeat = ex.channel, ex.repeat
    if not named and ex.outcome == "rate_limited" and channel == "api":
        # A rate limit refuses before the view reads them (the /api/v1 routes, whose
        # default channel is "api"): read as the view would have.
        named, repeat = _asked(args)
        repeat = repeat if req.endpoint == "api.lookup" else ""  # the one view that reads it
    if repeat:
        # The console's answer asked again in its script's language (``repeat=lang``): its
        # caller, outcome, precinct and language were counted by the look-up it repeats.
        return
    if channel == "page" and not (args.get("address") or "lat" in args or args.get("pick")):
        return  # the empty form: nothing was asked
    status = resp.status_code
    if kind == CALENDAR and status != 200:
        return  # an export that did not happen
    code = ex.answer_error or ex.outcome
    if status >= 400 and code == "ok":
        code = f"http_{status}"
    answer = ex.answer if code == "ok" else None
    recorder.record(
        Event(
            kind=kind,
            at=st.clock(),  # made local by the writer thread, not on the request path
            channel=named or channel,
            lang=ex.lang,
            code=code,
            answer=answer,
            dataset=st.holder.get() if answer is not None else None,
            unmatched_text=args.get("address", "") if code == "address_not_found" else "",
            site=args.get("site", "") if kind == CALENDAR else "",
        )
    )
