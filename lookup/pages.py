"""The resident page ``/``: a plain form answered on the server (works without JavaScript).

Jinja autoescaping covers every BOE-supplied name and address shown here.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from .api import answer_for, parse_lang, require_dataset
from .app import state
from .errors import ServiceError
from .i18n import catalog, message
from .serialize import answer_json, error_json

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> str:
    args = request.args.to_dict()
    g.lang = parse_lang(args.get("lang"))
    ds = require_dataset()
    answer = error = None
    if args.get("address") or "lat" in args:
        try:
            found = answer_for(ds, args)
            answer = answer_json(found, ds.board, g.lang, state().fragments.get(ds))
        except ServiceError as exc:
            error = error_json(exc, g.lang, ds.board, ds.demo)
    return render_template(
        "index.html",
        lang=g.lang,
        t=catalog(g.lang)["page"],
        demo=ds.demo,
        demo_notice=message(g.lang, "notices", "demo_data"),
        address=args.get("address", ""),
        as_of=args.get("date", ""),
        answer=answer,
        error=error,
        board=ds.board,
    )
