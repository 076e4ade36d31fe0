"""``GET /rep``: the representative console — one page, answered by ``/api/v1`` from the
browser (``static/rep.js``), operable from the keyboard alone.

The page carries its strings (the ``rep`` catalog section of every language, for the
read-aloud script in the caller's language) as a JSON data block: not executed, so the
CSP's ``script-src 'self'`` holds; Jinja's ``tojson`` escapes ``<``, ``>`` and ``&``.

Notices that ask to confirm are shown at the top of the answer, not among the others:
those about the address (``CALLER_CONFIRM``) are also read first in the script, each with
the sentence (a ``rep`` catalog key) that asks the caller; those about the precinct
(``BOARD_CONFIRM``) are for the representative to check with the board.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from flask import Blueprint, g, render_template

from lookup.i18n import catalog, languages, message
from lookup.web.views.api import require_dataset
from lookup.web.views.pages import page_lang

bp = Blueprint("rep", __name__)

# Notice code -> the script's sentence asking the caller to confirm the address.
CALLER_CONFIRM: Mapping[str, str] = MappingProxyType(
    {
        "spelling_corrected": "script_confirm",
        "town_corrected": "script_confirm",
        "directional_assumed": "script_confirm",
        "unit_not_found": "script_confirm_unit",
        "street_only": "script_confirm_number",
    }
)
BOARD_CONFIRM: tuple[str, ...] = ("on_precinct_boundary", "verify_with_board")


def confirm_codes() -> dict[str, object]:
    """What the console's script reads from: ``{"caller": {code: key}, "board": [code]}``."""
    return {"caller": dict(CALLER_CONFIRM), "board": list(BOARD_CONFIRM)}


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
        confirm=confirm_codes(),
        demo=ds.demo,
        demo_notice=message(g.lang, "notices", "demo_data"),
        board=ds.board,
        languages=languages(),
    )
