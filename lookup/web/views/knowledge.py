"""``GET /api/v1/help?lang=``: the Board's answers to what callers ask around "where do I
vote" (``domain.help_topics``), in one language, in the Board's file order.

Look-up answers carry only the ids that apply (``help_topics``); the console and the widget
fetch the texts here once per language. They change only when the service restarts with
new files, so clients may keep them a while.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from lookup.web.context import exchange, json_response, state
from lookup.web.params import parse_lang

bp = Blueprint("knowledge", __name__)

HELP_MAX_AGE = 300  # as /api/v1/strings: a restart with new files shows within minutes


@bp.get("/api/v1/help")
def help_topics() -> Response:
    exchange().lang = lang = parse_lang(request.args.get("lang"))
    topics = [t.as_json() for t in state().help_base.of(lang)]
    resp = json_response({"lang": lang, "topics": topics})
    resp.headers["Cache-Control"] = f"public, max-age={HELP_MAX_AGE}"
    return resp
