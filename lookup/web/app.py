"""The Flask application factory: state, blueprints and the one error shape."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
from flask import Flask, Response, current_app, g, request
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException

from lookup.config import Settings
from lookup.dataset.holder import DatasetHolder
from lookup.dataset.model import Dataset
from lookup.domain.boards import STATE_BOARD
from lookup.domain.schedule import LOCAL_TZ
from lookup.domain.staff_notices import StaffNotice, load_notices
from lookup.errors import (
    InternalError,
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceError,
)
from lookup.geocode.base import Geocoder
from lookup.i18n import languages
from lookup.outputs.api_json import Fragments, error_json
from lookup.web.hooks import request_log as requestlog

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
MAX_BODY_BYTES = 16 * 1024


def wall_clock() -> datetime:
    """The real clock, read only at the edge (tests pass ``date=`` or their own clock)."""
    return datetime.now(LOCAL_TZ)


class FragmentCache:
    """The static JSON of the live dataset version, rebuilt when the version changes."""

    def __init__(self) -> None:
        self._current: Fragments | None = None

    def get(self, ds: Dataset) -> Fragments:
        current = self._current
        if current is None or current.version != ds.version:
            current = self._current = Fragments(ds)
        return current


@dataclass(frozen=True)
class AppState:
    settings: Settings
    holder: DatasetHolder
    clock: Clock
    fragments: FragmentCache
    geocoders: tuple[Geocoder, ...] = ()  # remote fallbacks, in the configured order
    staff_notices: tuple[StaffNotice, ...] = ()


def resolve_data_dir(settings: Settings, now: datetime) -> Path:
    """The configured data folder, or the demo county built on first use."""
    if settings.data_dir is not None:
        return settings.data_dir
    from lookup.dataset.demo import ensure_demo_dataset

    return ensure_demo_dataset(settings, now)


def remote_geocoders(settings: Settings) -> tuple[Geocoder, ...]:
    """The configured remote backends (none by default: the service runs offline)."""
    if not settings.geocoders:
        return ()
    from lookup.geocode.remote import build_geocoders

    return tuple(build_geocoders(settings))


def create_app(
    settings: Settings | None = None,
    *,
    holder: DatasetHolder | None = None,
    clock: Clock = wall_clock,
) -> Flask:
    """Build the app. Loads the live dataset now; raises ``DataError`` if it is unusable."""
    settings = settings or Settings.from_env()
    if holder is None:
        holder = DatasetHolder(resolve_data_dir(settings, clock()), settings.reload_interval)
        holder.load_now()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # also bounds a body sent chunked
    fragments = FragmentCache()
    ds = holder.get()
    if ds is not None:
        fragments.get(ds)  # built before gunicorn forks, shared by every worker
    app.extensions["lookup"] = AppState(
        settings=settings,
        holder=holder,
        clock=clock,
        fragments=fragments,
        geocoders=remote_geocoders(settings),
        staff_notices=load_notices(settings.notices_file, languages())
        if settings.notices_file
        else (),
    )

    from lookup.web.hooks import metrics
    from lookup.web.hooks import rate_limits as limits
    from lookup.web.views import admin, api, insights, pages, rep, widget
    from lookup.web.views import civic as civic_api

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(civic_api.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(rep.bp)
    app.register_blueprint(admin.bp)
    limits.install(app, settings)
    insights.install(app, settings)  # counters of what is asked (never who or where)
    requestlog.install(app)
    metrics.install(app)

    @app.before_request
    def _limit_size() -> None:
        g.lang = "en"
        if len(request.query_string) > settings.max_request_bytes:
            raise InvalidParameter("query string too long", reason="too_long")
        # No route reads a body; a large one is refused before anything looks at it.
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise PayloadTooLarge("request body too large", maximum=MAX_BODY_BYTES)

    @app.after_request
    def _headers(resp: Response) -> Response:
        return secure(resp, settings)

    @app.errorhandler(ServiceError)
    def _service_error(err: ServiceError) -> Response:
        if err.status >= 500:
            log.error("%s on %s: %s", err.code, request.path, err.detail)
        return error_response(err)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException) -> Response:
        mapped: ServiceError
        if err.code == 404:
            mapped = NotFound("no such route")
        elif err.code == 405:
            mapped = MethodNotAllowed("method not allowed")
        elif err.code == 413:
            mapped = PayloadTooLarge("request body too large")
        elif err.code is not None and err.code < 500:
            mapped = InvalidParameter(err.description or "bad request")
        else:
            mapped = InternalError(err.description or "server error")
        resp = error_response(mapped)
        if err.code in (405, 414):
            resp.status_code = err.code
        if isinstance(err, werkzeug_exceptions.MethodNotAllowed) and err.valid_methods:
            resp.headers["Allow"] = ", ".join(err.valid_methods)  # RFC 9110: a 405 says
        return resp

    @app.errorhandler(Exception)
    def _unexpected(err: Exception) -> Response:
        # The path and the stack only: the query string, and the exception's message,
        # may hold a resident's address.
        stack = "".join(traceback.format_tb(err.__traceback__))
        log.error("unhandled %s on %s\n%s", type(err).__name__, request.path, stack)
        return error_response(InternalError("unhandled exception"))

    return app


def import_parts() -> None:
    """Import the modules ``create_app`` wires in (they import this one, so they cannot
    sit at its top). ``lookup serve --no-preload`` calls it in the master: each worker,
    forked at start or to replace one, then only builds its app and loads its data
    (measured on meck700k: 0.05 s instead of 0.18 s, two thirds of which were these
    imports; ``limits`` alone ~60 ms, with the asyncio it imports), and the workers
    share the modules' pages instead of importing them each."""
    from lookup.web.hooks import metrics, rate_limits  # noqa: F401
    from lookup.web.views import admin, api, civic, insights, pages, rep, widget  # noqa: F401


_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{}; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {}"
)
_EMBEDDABLE = ("/widget",)
_CROSS_ORIGIN = ("/api/v1/", "/civicinfo/")


def secure(resp: Response, settings: Settings) -> Response:
    """Headers on every response: a CSP with no inline script, no MIME sniffing, no
    Referer (a page's URL holds the resident's address; a directions link must not carry
    it to a map site), framing only of the widget and only by configured origins, CORS
    only for the API and only for configured origins."""
    h = resp.headers
    embeddable = request.path.startswith(_EMBEDDABLE)
    ancestors = " ".join(("'self'", *settings.frame_ancestors)) if embeddable else "'none'"
    # The widget's map tiles (LOOKUP_TILE_URL): their one origin, on the widget's page only.
    tiles = f" {settings.tile_origin}" if embeddable and settings.tile_origin else ""
    h["Content-Security-Policy"] = _CSP.format(tiles, ancestors)
    h["X-Content-Type-Options"] = "nosniff"
    h["Referrer-Policy"] = "no-referrer"
    if not embeddable:
        h["X-Frame-Options"] = "DENY"
    origin = request.headers.get("Origin")
    if origin and request.path.startswith(_CROSS_ORIGIN) and origin in settings.cors_origins:
        h["Access-Control-Allow-Origin"] = origin
        h.add("Vary", "Origin")
    return resp


def state() -> AppState:
    return current_app.extensions["lookup"]


def dataset_or_none() -> Dataset | None:
    return state().holder.get()


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def error_response(err: ServiceError) -> Response:
    g.outcome = err.code  # for the request log
    ds = dataset_or_none()
    board = ds.board if ds else STATE_BOARD
    lang = getattr(g, "lang", "en")
    body = error_json(err, lang, board, ds.demo if ds else None)
    return json_response(body, err.status)
