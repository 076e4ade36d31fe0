""" "This looks wrong": reports filed from the console and the widget, and their staff review.

- ``POST /api/v1/reports`` (JSON): a report on an answer, answered again at once against
  the live dataset (local data only) so that staff see what the reporter was told; 202
  with its id. A widget report spends its own per-client budget (``hooks.rate_limits``).
- ``GET /admin/reports[?status=open|resolved|withdrawn|all]``: staff only (the admin
  token); JSON by default, the page with ``?format=html`` or when the browser asks for HTML.
- ``POST /admin/reports/<id>/resolve`` and ``/withdraw``: staff only; the report as it is
  now (a form on the page is sent back to the page instead).

A report holds an address or point: it goes to its own database (``lookup.reports.store``),
never to the insight counters or a log line (the request log writes the route alone).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request

from lookup.errors import InternalError, InvalidParameter, NotFound, Unauthorized
from lookup.i18n import catalog, languages, message
from lookup.reports.filing import check_filing
from lookup.reports.model import OPEN, RESOLVED, STATUSES, WITHDRAWN, Report, new_id, stamp
from lookup.reports.recheck import answer
from lookup.service import AddressQuery, PointQuery
from lookup.web.context import exchange, json_response, require_dataset, state
from lookup.web.params import page_lang, parse_coordinate, parse_lang
from lookup.web.security import staff_only

if TYPE_CHECKING:
    from lookup.reports.store import Store

log = logging.getLogger(__name__)
bp = Blueprint("reports", __name__)

LISTED = (*STATUSES, "all")

_stores: dict[tuple[int, str, int], Store] = {}


def _store() -> Store:
    """This process's store (an engine must not cross gunicorn's fork)."""
    settings = state().settings
    key = (os.getpid(), settings.reports_url, settings.reports_retention_days)
    if key not in _stores:
        from lookup.reports.store import Store  # SQLAlchemy: loaded on the first report

        _stores[key] = Store(settings.reports_url, settings.reports_retention_days)
    return _stores[key]


@contextmanager
def _stored() -> Iterator[Store]:
    """The store, its failures answered as the one error shape. Logged by type alone: a
    database error's text holds the statement's parameters (an address, a note)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield _store()
    except (SQLAlchemyError, OSError) as exc:
        log.error("reports store unavailable (%s)", type(exc).__name__)
        raise InternalError("reports store unavailable") from None


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)  # cached: the rate limit read it first
    if not isinstance(body, dict):
        raise InvalidParameter(
            "the body must be a JSON object (Content-Type: application/json)",
            parameter="body",
            reason="not_json",
        )
    return body


def _point(body: dict[str, Any]) -> tuple[float, float] | None:
    """(lon, lat) when the body gives either, parsed as the look-up parses them."""
    if body.get("lat") is None and body.get("lon") is None:
        return None
    # JSON numbers as the query string's text; true/false are no coordinates.
    args = {
        k: "" if isinstance(v, bool) else str(v) for k in ("lat", "lon") for v in [body.get(k, "")]
    }
    return parse_coordinate(args, "lon"), parse_coordinate(args, "lat")


@bp.post("/api/v1/reports")
def file_report() -> Response:
    body = _body()
    ex = exchange()
    lang = body.get("lang")
    ex.lang = parse_lang(None if lang is None else str(lang))
    filing = check_filing(body, _point(body))
    ex.channel = filing.channel
    ds = require_dataset()  # the answer the reporter saw came from the live version
    st = state()
    now = st.clock()
    query = filing.query
    point = query if isinstance(query, PointQuery) else None
    report = Report(
        id=new_id(),
        created=now,
        channel=filing.channel,
        lang=ex.lang,
        reason=filing.reason,
        note=filing.note,
        address=query.text if isinstance(query, AddressQuery) else "",
        lat=point.lat if point else None,
        lon=point.lon if point else None,
        client_version=filing.client_version,
        data_version=ds.version,
        answered=answer(ds, query, now),
    )
    with _stored() as store:
        store.add(report, now)
    return json_response({"id": report.id}, 202)


def _wants_html() -> bool:
    if request.args.get("format") == "html":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html"


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"  # addresses and notes: no cache keeps them
    return resp


@bp.get("/admin/reports")
@staff_only
def list_reports() -> Response:
    status = request.args.get("status", OPEN)
    if status not in LISTED:
        raise InvalidParameter("unknown status", parameter="status", allowed=list(LISTED))
    with _stored() as store:
        reports, open_count = store.listing(status, state().clock())
    if not _wants_html():
        return _private(
            json_response({"reports": [r.as_json() for r in reports], "open": open_count})
        )
    lang, _explicit = page_lang()
    exchange().lang = lang
    return _private(Response(_page(lang, status, reports, open_count), mimetype="text/html"))


def _page(lang: str, status: str, reports: list[Report], open_count: int) -> str:
    ds = state().holder.get()
    t = catalog(lang)["reports"]
    names = {code: str(catalog(code)["widget"]["language_name"]) for code in languages()}
    return render_template(
        "reports.html",
        lang=lang,
        t=t,
        status=status,
        statuses=LISTED,
        reports=reports,
        open_count=open_count,
        stamp=stamp,
        config_days=state().settings.reports_retention_days,
        live_version=ds.version if ds is not None else "",
        languages=languages(),
        names=names,
        demo=bool(ds is not None and ds.demo),
        demo_notice=message(lang, "notices", "demo_data"),
    )


@bp.post("/admin/reports/<report_id>/resolve")
@staff_only
def resolve_report(report_id: str) -> Response:
    return _close(report_id, RESOLVED)


@bp.post("/admin/reports/<report_id>/withdraw")
@staff_only
def withdraw_report(report_id: str) -> Response:
    return _close(report_id, WITHDRAWN)


def _close(report_id: str, status: str) -> Response:
    """Close a report; the report as it is now, or for the page's own buttons (a form)
    a redirect back to the page as it was filtered."""
    form = request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data")
    if form and request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        # The proxy that adds the token would add it to another site's form too.
        raise Unauthorized("a staff form sent from another site")
    with _stored() as store:
        report = store.close_report(report_id, status, state().clock())
    if report is None:
        raise NotFound("no such report")
    if not form:
        return _private(json_response(report.as_json()))
    shown = request.form.get("status", OPEN)
    back = {"format": "html", "status": shown if shown in LISTED else OPEN}
    if request.form.get("lang") in languages():
        back["lang"] = request.form["lang"]
    resp = Response(status=303, headers={"Location": f"/admin/reports?{urlencode(back)}"})
    return _private(resp)
