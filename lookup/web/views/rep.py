"""``GET /rep``: the representative console — one page, answered by ``/api/v1`` from the
browser (``static/rep.js``), operable from the keyboard alone.

The page carries its strings (the ``rep`` catalog section of every language, for the
read-aloud script in the caller's language) as a JSON data block: not executed, so the
CSP's ``script-src 'self'`` holds; Jinja's ``tojson`` escapes ``<``, ``>`` and ``&``.

Notices that ask to confirm are shown at the top of the answer, not among the others
(``web.confirm``: which they are, and the sentence the script asks the caller with).

The topics panel, the question marks and "This looks wrong" take their fixed codes from
the services that count and file them (``domain.questions``, ``reports.model``), so the
page never offers one the service refuses.
"""

from __future__ import annotations

from flask import Blueprint, render_template

from lookup.domain.questions import QUESTION_TOPICS
from lookup.i18n import catalog, languages, locale_tag, message
from lookup.reports.model import REASONS
from lookup.web.confirm import confirm_codes
from lookup.web.context import exchange, require_dataset
from lookup.web.params import page_lang

bp = Blueprint("rep", __name__)


@bp.get("/rep")
def console() -> str:
    lang, _explicit = page_lang()
    exchange().lang = lang
    ds = require_dataset()
    strings = {code: {**catalog(code)["rep"], "locale": locale_tag(code)} for code in languages()}
    return render_template(
        "rep.html",
        lang=lang,
        t=catalog(lang)["rep"],
        strings=strings,
        confirm=confirm_codes(),
        demo=ds.demo,
        demo_notice=message(lang, "notices", "demo_data"),
        board=ds.board,
        languages=languages(),
        marks=QUESTION_TOPICS,
        report_reasons=REASONS,
    )
