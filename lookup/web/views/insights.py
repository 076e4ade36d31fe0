"""The insight counters' staff pages (the counting hook is ``hooks.insights``).

- ``GET /admin/insights[?from=&to=&lang=]``: the report page (charts and tables);
  ``GET /admin/insights.csv?table=NAME[&from=&to=]``: one table as CSV. Both need the
  admin token (``security.staff_only``); the period defaults to the last 30 days.
"""

from __future__ import annotations

import logging
import os
from datetime import date, timedelta
from typing import TYPE_CHECKING

from flask import Blueprint, Response, render_template, request

from lookup.domain.schedule import to_local
from lookup.errors import InsightsUnavailable, InvalidParameter, NotFound
from lookup.i18n import catalog, languages, message
from lookup.insights import charts
from lookup.insights.events import CHANNELS, QUESTION_CHANNELS
from lookup.insights.report import OTHER, WITHHELD, Report, build
from lookup.web.context import exchange, state
from lookup.web.params import page_lang
from lookup.web.security import staff_only

if TYPE_CHECKING:
    from lookup.insights.counters import Store

log = logging.getLogger(__name__)
bp = Blueprint("insights", __name__)

DEFAULT_DAYS = 30
TOP_PRECINCTS = 15


_stores: dict[tuple[int, str], Store] = {}


def _store(location: str) -> Store:
    """The reading store of this process (an engine must not cross gunicorn's fork)."""
    key = (os.getpid(), location)
    if key not in _stores:
        from lookup.insights.counters import Store  # SQLAlchemy: only for the staff report

        _stores[key] = Store(location)
    return _stores[key]


def parse_day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidParameter(f"{name} is not a date", parameter=name, reason="bad_date") from None


def period(args: dict[str, str], today: date) -> tuple[date, date]:
    """``from``/``to`` (YYYY-MM-DD), by default the last ``DEFAULT_DAYS`` days."""
    end = parse_day(args["to"], "to") if args.get("to") else today
    start = (
        parse_day(args["from"], "from") if args.get("from") else end - timedelta(DEFAULT_DAYS - 1)
    )
    if start > end:
        raise InvalidParameter("from is after to", parameter="from", reason="bad_range")
    return start, end


def _report() -> Report:
    st = state()
    settings = st.settings
    if not settings.insights:
        raise NotFound("insights are off (LOOKUP_INSIGHTS)")
    start, end = period(request.args.to_dict(), to_local(st.clock()).date())
    store = _store(settings.insights_url)  # loads SQLAlchemy, whose errors we catch
    from sqlalchemy.exc import SQLAlchemyError

    try:
        return build(store, start, end, settings.insights_min_count)
    except (SQLAlchemyError, OSError) as exc:
        # The type only: a database error's text holds the statement's parameters.
        log.error("insights store unavailable for the report (%s)", type(exc).__name__)
        raise InsightsUnavailable("insights store unavailable") from None


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"  # staff figures: no shared cache keeps them
    return resp


@bp.get("/admin/insights.csv")
@staff_only
def insights_csv() -> Response:
    """One table of the report as CSV (``table=``, one of the page's tables)."""
    name = request.args.get("table", "")
    report = _report()
    if name not in report.tables:
        raise InvalidParameter("unknown table", parameter="table", allowed=sorted(report.tables))
    resp = Response(report.tables[name].csv(), mimetype="text/csv")
    filename = f"{name}_{report.start}_{report.end}.csv"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(resp)


# Tables whose first column is a code to show in words (the others show data values).
CODED = {
    "outcomes",
    "channels",
    "languages",
    "changed",
    "early_voting_open",
    "summary",
    "topics_by_language",
    "topics_by_channel",
}
# Tables whose second column is a channel (the first a day).
BY_DAY = {"requests_by_day", "topics_by_day"}


@bp.get("/admin/insights")
@staff_only
def insights_page() -> Response:
    lang, _explicit = page_lang()
    exchange().lang = lang
    report = _report()
    t = catalog(lang)["insights"]
    names = {code: str(catalog(code)["widget"]["language_name"]) for code in languages()}

    def word(code: object) -> str:
        text = str(code)
        if text in (OTHER, WITHHELD):
            return str(t["other" if text == OTHER else "withheld"])
        return str(t.get(f"v_{text}") or names.get(text) or text)

    def topic(code: object) -> str:
        """A question or help topic's label (its id where the catalog has none)."""
        text = str(code)
        return word(text) if text in (OTHER, WITHHELD) else str(t.get(f"q_{text}") or text)

    def shown(name: str) -> list[tuple[str, ...]]:
        table = report.tables[name]
        rows = []
        for row in table.rows:
            cells = [str(c) for c in row]
            if name in CODED or cells[0] in (OTHER, WITHHELD):
                cells[0] = word(row[0])
            if name in BY_DAY and cells[1]:
                cells[1] = word(row[1])
            if "topic" in table.columns:
                at = table.columns.index("topic")
                cells[at] = topic(row[at]) if cells[at] else ""
            if name == "calendar_sites" and cells[1] == "election_day":
                cells[1] = word(cells[1])
            rows.append(tuple(cells))
        return rows

    def pairs(name: str) -> list[tuple[str, int]]:
        """(label, count) of a table's published rows, for its chart."""
        table = report.tables[name]
        at = table.columns.index("requests")
        out = []
        for row in table.rows:
            n = row[at]
            if not isinstance(n, int):
                continue  # withheld
            if at == 1 or row[0] in (OTHER, WITHHELD):
                out.append((word(row[0]), n))
            else:  # a precinct: id and name (the county is the same for a county's service)
                out.append((" ".join(str(c) for c in row[1:at] if c), n))
        return out

    series = [(c, word(c)) for c in CHANNELS] + [("other", word(OTHER))]
    days = [(d, {("other" if c == OTHER else c): n for c, n in v.items()}) for d, v in report.days]
    asked = [(c, word(c)) for c in QUESTION_CHANNELS] + [("other", word(OTHER))]
    asked_days = [
        (d, {("other" if c == OTHER else c): n for c, n in v.items()}) for d, v in report.topic_days
    ]
    topics = [(topic(r[0]), r[1]) for r in report.tables["topics"].rows if isinstance(r[1], int)]
    figures = {
        "requests_by_day": charts.stacked_columns("by-day", t["requests_by_day"], days, series),
        "topics": charts.bars("topics", t["topics"], topics),
        "topics_by_day": charts.stacked_columns(
            "topics-by-day", t["topics_by_day"], asked_days, asked
        ),
        "outcomes": charts.bars("outcomes", t["outcomes"], pairs("outcomes")),
        "precincts": charts.bars(
            "precincts", t["precincts"], pairs("precincts")[:TOP_PRECINCTS], percent=False
        ),
        "changed_places": charts.bars(
            "changed-places", t["changed_places"], pairs("changed_places"), percent=False
        ),
        "languages": charts.bars("languages", t["languages"], pairs("languages")),
        "channels": charts.bars("channels", t["channels"], pairs("channels")),
    }
    html = render_template(
        "insights.html",
        lang=lang,
        t=t,
        report=report,
        figures=figures,
        tables={name: shown(name) for name in report.tables},
        languages=languages(),
        names=names,
        demo=_demo(),
        demo_notice=message(lang, "notices", "demo_data"),
    )
    return _private(Response(html, mimetype="text/html"))


def _demo() -> bool:
    """Whether the live dataset is the demo county: the page then says so, as all do."""
    ds = state().holder.get()
    return bool(ds is not None and ds.demo)
