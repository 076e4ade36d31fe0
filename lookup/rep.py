"""``GET /rep``: the representative console — one page, answered by ``/api/v1`` from the
browser (``static/rep.js``), operable from the keyboard alone.

The page carries its strings (the ``rep`` catalog section of every language, for the
read-aloud script in the caller's language) as a JSON data block: not executed, so the
CSP's ``script-src 'self'`` holds; Jinja's ``tojson`` escapes ``<``, ``>`` and ``&``.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template

from .api import require_dataset
from .i18n import catalog, languages, message
from .pages import page_lang

bp = Blueprint("rep", __name__)


@bp.get("/rep")
def console() -> str:
    g.lang, _explicit = page_lang()
    ds = require_dataset()
    strings = {lang: catalog(lang)["rep"] for lang in languages()}
    return render_template(
        "rep.html",
        lang=g.lang,
        t=catalog(g.lang)["rep"],
        strings=strings,
        demo=ds.demo,
        demo_notice=message(g.lang, "notices", "demo_data"),
        board=ds.board,
        languages=languages(),
    )
