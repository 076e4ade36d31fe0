"""Who is affected, for staff: ``GET /admin/affected?site=ID|precinct=ID`` with optional
``county=``, ``date=``/``at=``, ``lang=`` and ``format=html|csv|json`` (default ``html``;
without ``site`` or ``precinct`` the page is the form alone). The admin token guards it
(``security.staff_only``): the counts are for the board's outreach, not the public.
The work is ``lookup.affected``; the CSV and JSON are ``lookup.outputs.affected``.
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Response, render_template, request

from lookup.affected import ELECTION_DAY, Affected, affected_by_site, affected_in_precinct
from lookup.dataset.model import Dataset
from lookup.domain.election_kinds import election_name
from lookup.domain.schedule import active_election, to_local
from lookup.errors import InvalidParameter
from lookup.i18n import catalog, languages, message
from lookup.outputs.affected import COLUMNS, cells, to_csv, to_json, total_affected
from lookup.web.context import exchange, json_response, require_dataset, state
from lookup.web.params import page_lang, parse_now
from lookup.web.security import staff_only

bp = Blueprint("affected", __name__)

FORMATS = ("html", "csv", "json")
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9_-]+")


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"  # staff figures: no shared cache keeps them
    return resp


@bp.get("/admin/affected")
@staff_only
def affected() -> Response:
    args = request.args.to_dict()
    fmt = args.get("format", "html")
    if fmt not in FORMATS:
        raise InvalidParameter("unknown format", parameter="format", allowed=list(FORMATS))
    # The page's form sends its empty fields too: an empty one is not given.
    site, precinct = (args.get(k, "").strip() or None for k in ("site", "precinct"))
    if site is not None and precinct is not None:
        raise InvalidParameter("give site or precinct, not both", parameter="site", reason="both")
    ds = require_dataset()
    now = parse_now(args, state().clock)
    county = args.get("county", "")
    result: Affected | None = None
    if site is not None:
        result = affected_by_site(ds, site, now, county)
    elif precinct is not None:
        result = affected_in_precinct(ds, precinct, now, county)
    elif fmt != "html":  # the page alone may be just the form
        raise InvalidParameter("give site or precinct", parameter="site", reason="missing")
    if result is not None and fmt == "json":
        return _private(json_response(to_json(result, ds.version, ds.demo)))
    if result is not None and fmt == "csv":
        resp = Response(to_csv(result), mimetype="text/csv")
        name = _UNSAFE_IN_FILENAME.sub("_", result.asked)[:60]
        resp.headers["Content-Disposition"] = (
            f'attachment; filename="affected_{result.target}_{name}.csv"'
        )
        return _private(resp)
    lang, _explicit = page_lang()
    exchange().lang = lang
    html = _page(ds, lang, result, args, now)
    return _private(Response(html, mimetype="text/html"))


def _page(
    ds: Dataset, lang: str, result: Affected | None, args: dict[str, str], now: datetime
) -> str:
    t = catalog(lang)["affected"]
    names = {code: str(catalog(code)["widget"]["language_name"]) for code in languages()}
    unknown = str(t["unknown"])
    rows = []
    for r in result.rows if result is not None else ():
        shown = [_count(v, unknown) if not isinstance(v, str) else v for v in cells(r)]
        shown[COLUMNS.index("place_kind")] = str(t[f"kind_{r.place.kind}"])
        rows.append(shown)
    # What the form offers: the places of the election the answers use now.
    election = active_election(ds.elections, to_local(now).date())[0]
    choices: dict[str, str] = {}
    if election is not None:
        for p in ds.polling.get(election.day, {}).values():
            choices.setdefault(p.id, p.name)
        for (day, _county), table in ds.site_tables.items():
            if day == election.day:
                choices.update((s.id, s.name) for s in table.sites)
    e = result.election if result is not None else None
    when = (
        str(t["election"]).format(name=election_name(e.name, e.kind, lang), date=e.day.isoformat())
        if e is not None
        else str(t["no_election"])
    )
    keep = {
        k: v for k, v in args.items() if k in ("site", "precinct", "county", "date", "at") and v
    }
    return render_template(
        "affected.html",
        lang=lang,
        t=t,
        result=result,
        when=when,
        rows=rows,
        columns=COLUMNS,
        sent=_count(total_affected(result) if result is not None else None, unknown),
        total=_count(result.total_points if result is not None else None, unknown),
        election_day=ELECTION_DAY,
        choices=sorted(choices.items()),
        asked=keep,
        languages=languages(),
        names=names,
        demo=ds.demo,
        demo_notice=message(lang, "notices", "demo_data"),
    )


def _count(n: int | None, unknown: str) -> str:
    """A count as shown: "unknown" (never 0) where the data cannot say."""
    return unknown if n is None else str(n)
