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

from lookup.insights.events import API_CHANNELS, CALENDAR, LOOKUP, Event
from lookup.insights.recorder import Recorder, note_dropped
from lookup.web.context import AppState, Exchange, exchange

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


def _named(args: MultiDict[str, str], name: str) -> str:
    """A parameter as the view would read it (``params``), for a request it never read."""
    return (args.get(name) or "").strip().lower()


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
    # A rate limit refuses before the view reads ``channel`` and ``repeat`` (the /api/v1
    # routes, whose default channel is "api"): read here as the view would have.
    refused_early = ex.outcome == "rate_limited" and not ex.channel and channel == "api"
    if ex.repeat or (refused_early and _named(args, "repeat") and _named(args, "channel") == "rep"):
        # The console's answer asked again in its script's language (``repeat=lang``): its
        # caller, outcome, precinct and language were counted by the look-up it repeats.
        return
    if refused_early and _named(args, "channel") in API_CHANNELS:
        channel = _named(args, "channel")  # who was refused, not the route's default
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
            channel=ex.channel or channel,
            lang=ex.lang,
            code=code,
            answer=answer,
            dataset=st.holder.get() if answer is not None else None,
            unmatched_text=args.get("address", "") if code == "address_not_found" else "",
            site=args.get("site", "") if kind == CALENDAR else "",
        )
    )
