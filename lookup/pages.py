"""The resident page ``/``: a plain form answered on the server (works without JavaScript).

Jinja autoescaping covers every BOE-supplied name and address shown here.
"""

from __future__ import annotations

from datetime import date, time

from flask import Blueprint, g, render_template, request

from .api import answer_for, require_dataset
from .app import state
from .errors import ServiceError
from .i18n import DEFAULT_LANG, catalog, languages, message
from .serialize import answer_json, error_json

bp = Blueprint("pages", __name__)


def page_lang() -> tuple[str, bool]:
    """A page's language and whether the URL chose it. A page never refuses a language
    (the API does): a stale link with ``?lang=fr`` still shows the page, in the browser's
    language (Accept-Language) if we have it, else English."""
    asked = (request.args.get("lang") or "").strip().lower()
    if asked in languages():
        return asked, True
    best = request.accept_languages.best_match(languages(), default=DEFAULT_LANG)
    return best or DEFAULT_LANG, False


_LOCALES = {"en": "en_US", "es": "es_US"}  # US conventions; another language: its own


@bp.app_template_filter("local_date")
def local_date(iso: str) -> str:
    """``2028-11-07`` -> "Tuesday, November 7, 2028" / "martes, 7 de noviembre de 2028"."""
    from babel.dates import format_date

    lang = g.get("lang", "en")
    return format_date(date.fromisoformat(iso), format="full", locale=_LOCALES.get(lang, lang))


@bp.app_template_filter("local_time")
def local_time(hhmm: str) -> str:
    """``19:30`` -> "7:30 PM" / "7:30 p.m."."""
    from babel.dates import format_time

    lang = g.get("lang", "en")
    return format_time(time.fromisoformat(hhmm), format="short", locale=_LOCALES.get(lang, lang))


@bp.get("/")
def index() -> str:
    args = request.args.to_dict()
    g.lang, _explicit = page_lang()
    ds = require_dataset()
    answer = error = None
    address = args.get("address", "")
    # pick=: a candidate's link from a question on this page (answered, not asked again).
    if address or "lat" in args or "pick" in args:
        try:
            found = answer_for(ds, args)
            answer = answer_json(found, ds.board, g.lang, state().fragments.get(ds), schedule=False)
            if found.match.picked:
                address = found.match.address  # the form shows what was chosen
        except ServiceError as exc:
            g.answer_error = exc.code  # shown, not raised: for the insight counters
            error = error_json(exc, g.lang, ds.board, ds.demo)
    return render_template(
        "index.html",
        lang=g.lang,
        t=catalog(g.lang)["page"],
        demo=ds.demo,
        demo_notice=message(g.lang, "notices", "demo_data"),
        address=address,
        as_of=args.get("date", ""),
        answer=answer,
        error=error,
        board=ds.board,
    )
