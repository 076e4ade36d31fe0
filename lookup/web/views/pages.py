"""The resident page ``/``: a plain form answered on the server (works without JavaScript).

Jinja autoescaping covers every BOE-supplied name and address shown here.

Each early-voting site shows today's hours and what it is doing at the answer's moment
(``site_state``'s four states, as the API serves them to the console); the moment is
the clock's, or ``date=`` / ``at=`` as in the API, kept by the form and the language
links. The answer reads in order: notices asking to confirm the address or precinct, the
Election Day polling place (with the notices about it), the early-voting sites nearest
first, then every other notice (a phone shows the polling place before the rest).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, time
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from lookup.domain.site_state import (
    SECTION,
    babel_locale,
    clock,
    outlook_text,
    state_text,
    today_text,
)
from lookup.errors import ServiceError
from lookup.i18n import catalog, languages, message
from lookup.outputs.api_json import Moment, answer_json, answer_moment, error_json
from lookup.service import Answer
from lookup.web.confirm import BOARD_CONFIRM, CALLER_CONFIRM
from lookup.web.context import exchange, require_dataset, state
from lookup.web.params import answer_for, page_lang

bp = Blueprint("pages", __name__)


@bp.app_template_filter("local_date")
def local_date(iso: str) -> str:
    """``2028-11-07`` -> "Tuesday, November 7, 2028" / "martes, 7 de noviembre de 2028"."""
    from babel.dates import format_date

    lang = exchange().lang
    return format_date(date.fromisoformat(iso), format="full", locale=babel_locale(lang))


@bp.app_template_filter("local_time")
def local_time(hhmm: str) -> str:
    """``19:30`` -> "7:30 PM" / "7:30 p.m."."""
    return clock(time.fromisoformat(hhmm), exchange().lang)


# What a language link keeps of the query: the same look-up at the same moment.
KEPT = ("address", "pick", "lat", "lon", "date", "at")
# Notices read before the answer (the address or precinct to confirm) and with the
# polling place; the others come after the early-voting sites.
ABOUT_THE_PLACE = (
    "polling_place_changed",
    "polling_place_relocated",
    "polling_place_closed",
    "polling_place_unknown",
    "no_active_election",
)
# The staff's own notices (the start-up file's, and the changes on the day's) go there too.
STAFF_NOTICES = ("election_notice", "staff_change")


def language_links(args: Mapping[str, str], current: str) -> list[dict[str, Any]]:
    """One link per language, each keeping the look-up and its moment."""
    kept = {k: args[k] for k in KEPT if k in args}
    return [
        {
            "lang": lang,
            "name": message(lang, SECTION, "language_name"),
            "url": "/?" + urlencode({**kept, "lang": lang}),
            "current": lang == current,
        }
        for lang in languages()
    ]


def site_rows(
    found: Answer, sites: Sequence[dict[str, Any]], now: Moment, lang: str
) -> dict[str, Any]:
    """Each site (as serialised, nearest first) with today's hours and its state ``now``
    (the served one), and the line above them."""
    if not sites:  # no election: no sites either
        return {"rows": [], "summary": ""}
    t = catalog(lang)[SECTION]
    rows = []
    for sd, site, st in zip(found.early_voting_sites, sites, now.states, strict=True):
        miles = site["distance_miles"]
        rows.append(
            {
                "site": site,
                "kind": st.kind,
                "distance": t["distance_unknown"]
                if miles is None
                else t["miles"].format(miles=miles),
                "today": today_text(sd.status, lang),
                "state": state_text(st, lang, found.today),
            }
        )
    return {"rows": rows, "summary": outlook_text(now.outlook, len(rows), lang)}


def notice_groups(notices: Sequence[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """An answer's notices by where the page shows them (the demo notice is the banner)."""
    groups: dict[str, list[dict[str, str]]] = {"confirm": [], "place": [], "other": []}
    for n in notices:
        code = n["code"]
        if code == "demo_data":
            continue
        if code in CALLER_CONFIRM or code in BOARD_CONFIRM:
            groups["confirm"].append(n)
        elif code in ABOUT_THE_PLACE or code in STAFF_NOTICES:
            groups["place"].append(n)
        else:
            groups["other"].append(n)
    return groups


@bp.get("/")
def index() -> str:
    args = request.args.to_dict()
    lang, _explicit = page_lang()
    ex = exchange()
    ex.lang = lang
    ds = require_dataset()
    answer = error = sites = notices = None
    address = args.get("address", "")
    # pick=: a candidate's link from a question on this page (answered, not asked again).
    if address or "lat" in args or "pick" in args:
        try:
            found = answer_for(ds, args)
            fragments = state().fragments.get(ds)
            answer = answer_json(found, ds.board, lang, fragments, schedule=False)
            now = answer_moment(found, fragments)
            sites = site_rows(found, answer["early_voting_sites"], now, lang)
            notices = notice_groups(answer["notices"])
            if found.match.picked:
                address = found.match.address  # the form shows what was chosen
        except ServiceError as exc:
            ex.answer_error = exc.code  # shown, not raised: for the insight counters
            error = error_json(exc, lang, ds.board, ds.demo)
    return render_template(
        "index.html",
        lang=lang,
        t=catalog(lang)["page"],
        r=catalog(lang)[SECTION],
        languages=language_links(args, lang),
        demo=ds.demo,
        demo_notice=message(lang, "notices", "demo_data"),
        address=address,
        as_of=args.get("date", ""),
        at=args.get("at", ""),
        answer=answer,
        sites=sites,
        notices=notices,
        error=error,
        board=ds.board,
    )
