"""The Flask application factory: the state, the blueprints, the hooks in their order, and
the one error shape.

Views and hooks reach the state through ``context`` and never import this module, so it
imports them all here, at the top: importing it loads everything ``create_app`` wires.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, request
from werkzeug import exceptions as werkzeug_exceptions
from werkzeug.exceptions import HTTPException

from lookup.changes.holder import ChangesHolder
from lookup.config import REFUSED_ENVIRON, Settings
from lookup.dataset.holder import DatasetHolder
from lookup.dataset.location import resolve_data_dir
from lookup.domain.help_topics import load_help
from lookup.domain.staff_notices import load_notices
from lookup.errors import (
    InternalError,
    InvalidParameter,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    ServiceError,
)
from lookup.geocode.configured import configured_geocoders
from lookup.i18n import languages
from lookup.insights.recorder import Recorder
from lookup.web.context import (
    AppState,
    Clock,
    FragmentCache,
    begin_exchange,
    error_response,
    wall_clock,
)
from lookup.web.hooks import insights as insight_hook
from lookup.web.hooks import metrics, rate_limits, request_log
from lookup.web.security import secure
from lookup.web.views import (
    admin,
    affected,
    api,
    changes,
    civic,
    insights,
    knowledge,
    pages,
    questions,
    rep,
    reports,
    widget,
)

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024


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
    # No "//" merged by a redirect: werkzeug would build its Location from the request's
    # Host, which the client chooses. Set before any rule is added: each rule copies it.
    app.url_map.merge_slashes = False
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES  # also bounds a body sent chunked
    fragments = FragmentCache()
    ds = holder.get()
    if ds is not None:
        fragments.get(ds)  # built before gunicorn forks, shared by every worker
    st = AppState(
        settings=settings,
        holder=holder,
        clock=clock,
        fragments=fragments,
        help_base=load_help(settings.help_dir, languages()),
        changes=ChangesHolder(holder.data_dir, settings.reload_interval),
        geocoders=configured_geocoders(settings),
        staff_notices=load_notices(settings.notices_file, languages())
        if settings.notices_file
        else (),
    )
    app.extensions["lookup"] = st
    for view in (
        api,
        pages,
        civic,
        widget,
        rep,
        admin,
        affected,
        changes,
        insights,
        knowledge,
        questions,
        reports,
    ):
        app.register_blueprint(view.bp)
    _install_hooks(app, settings, st)
    _install_error_handlers(app)
    return app


def _install_hooks(app: Flask, settings: Settings, st: AppState) -> None:
    """Every request hook, in one place. Flask runs before-request hooks in the order they
    were registered, and after-request hooks in the reverse order (the last registered
    runs first); both lists below are in the order they run.

    Before: ``begin_exchange`` first, because every later hook and error handler reads or
    writes the ``Exchange`` (a request refused by the rate limit still gets its id and its
    latency logged); then the rate limit; then the size check.

    After: the hooks only read the ``Exchange``, so their order changes no value; it sets
    what the two timers (metrics, then the request log) count. The security headers run
    before them; the insight counting and the rate-limit headers run after, out of the
    measured latency.
    """
    rate_limits.trust_proxies(app, settings)
    limiter = rate_limits.limiter_for(settings)
    meter = metrics.Metrics()
    app.extensions["lookup.web.hooks.metrics"] = meter
    app.add_url_rule("/metrics", "prometheus", meter.scrape)
    counter = None
    if settings.insights:  # counters of what is asked (never who or where)
        recorder = Recorder(settings.insights_url, st.clock, settings.insights_retention_days)
        app.extensions["insights"] = recorder
        counter = insight_hook.counting_hook(recorder, st)

    def too_large() -> None:
        # A request line too long for gunicorn to read: ``serving.Worker`` has the app
        # answer it, in the one error shape, as it answers a long query string.
        if request.environ.get(REFUSED_ENVIRON):
            raise InvalidParameter("request line too long", reason="too_long")
        if len(request.query_string) > settings.max_request_bytes:
            raise InvalidParameter("query string too long", reason="too_long")
        # Only the small JSON posts (questions, reports) read a body; a larger one is refused
        # before anything looks at it.
        if (request.content_length or 0) > MAX_BODY_BYTES:
            raise PayloadTooLarge("request body too large", maximum=MAX_BODY_BYTES)

    def headers(resp: Response) -> Response:
        return secure(resp, settings)

    before = [begin_exchange, limiter.before_request if limiter else None, too_large]
    after = [
        headers,
        meter.observe,
        request_log.log_request,
        counter,
        rate_limits.quota_headers if limiter else None,
    ]
    for hook in before:
        if hook is not None:
            app.before_request(hook)
    for after_hook in reversed(after):
        if after_hook is not None:
            app.after_request(after_hook)


def _install_error_handlers(app: Flask) -> None:
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
