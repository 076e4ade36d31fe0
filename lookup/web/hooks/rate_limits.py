"""Per-client rate limits on the public lookups (the ``limits`` library).

Limited: every request that runs a lookup (``/api/v1/lookup``, early voting, calendar,
precinct outline, Civic voterinfo, the resident page) and the question topics posted
(``/api/v1/questions``), sharing one budget per client, and ``/api/v1/suggest`` with
its own, larger one (a keystroke each). A report filed (``POST /api/v1/reports``) from
the widget spends a small budget of its own (``report_rate_limit``); one from the
console, the look-ups' budget. Not limited: CORS preflights, health probes,
the election list, strings, the OpenAPI document, metrics, static files.

The client is the peer address, or with ``trusted_proxies`` set the address that many
proxies back in X-Forwarded-For (werkzeug's ProxyFix: a header forged by a client is
never believed beyond the configured proxies). Exempt networks (the call center behind
its NAT, monitoring) are never limited. Counters live in each worker's memory by
default; a storage URI (``redis://…``) makes them exact across workers and instances. A
storage outage never refuses or holds a lookup: the store's client gives up after
``STORE_TIMEOUT_S``, and the limits are skipped for ``STORE_RETRY_S`` with one log line.

Why ``limits`` and not Flask-Limiter (built on it, same rate syntax and storages):
measured in-process, Flask-Limiter added ~150 µs to every request, limited or not, and
~300-500 µs to a limited one (it resolves each limit in a before-request pass and again
in the route's decorator) — several times the lookup itself (~75 µs). Here, one
dictionary look-up for an unlimited route and one fixed-window ``hit`` per limit for a
limited one.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from dataclasses import dataclass

from flask import Flask, Response, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.middleware.proxy_fix import ProxyFix

from lookup.config import RATE_LIMIT_STORES, Settings
from lookup.errors import RateLimited
from lookup.web.context import Quota, exchange

log = logging.getLogger(__name__)

# Endpoints that share the per-client budget of the lookups.
LOOKUP_ENDPOINTS = (
    "api.lookup",
    "api.early_voting",
    "api.calendar",
    "widget.precinct_geojson",
    "civicinfo.voterinfo",
    "pages.index",
    "questions.record_questions",  # no lookup, but a write any client can repeat
)
SUGGEST_ENDPOINTS = ("api.suggest_addresses",)
# A report's budget depends on who files it (the body's channel): ``budget_key``.
REPORT_ENDPOINT = "reports.file_report"
REPORT_FROM_WIDGET = f"{REPORT_ENDPOINT}:widget"
REPORT_FROM_CONSOLE = f"{REPORT_ENDPOINT}:rep"
EXEMPT_MEMO = 4096  # client addresses remembered as exempt or not (then forgotten at once)
# A shared store that does not answer must not hold a lookup: Redis clients wait forever
# by default. A round trip on a LAN is ~0.2 ms; the URL's own ?socket_timeout= wins.
STORE_TIMEOUT_S = 0.25
# After a failure the store is left alone this long: during an outage each lookup would
# otherwise wait out the timeout again, and the log would get a line per request.
STORE_RETRY_S = 10.0


def storage_options(uri: str) -> dict[str, float]:
    """Timeouts for a networked store's client (``limits`` passes them to redis-py; the
    settings accept no other networked store)."""
    scheme = uri.split("://", 1)[0].lower()
    if scheme in RATE_LIMIT_STORES and scheme != "memory":
        return {"socket_timeout": STORE_TIMEOUT_S, "socket_connect_timeout": STORE_TIMEOUT_S}
    return {}


@dataclass(frozen=True)
class Budget:
    scope: str  # the counters' name: endpoints with one scope share them
    items: tuple[RateLimitItem, ...]


class RateLimiter:
    """The budgets of the limited endpoints, checked before their view runs."""

    def __init__(self, settings: Settings) -> None:
        uri = settings.rate_limit_storage
        self.strategy = FixedWindowRateLimiter(storage_from_string(uri, **storage_options(uri)))
        self._store_down_until = 0.0  # time.monotonic(): skip the store until then
        self.exempt = tuple(
            ipaddress.ip_network(n, strict=False) for n in settings.rate_limit_exempt
        )
        self.budgets: dict[str, Budget] = {}
        # Parsing an address and testing it against every network is microseconds on
        # every request; the call center's few addresses ask thousands of times.
        self._exempt_memo: dict[str, bool] = {}
        for endpoints, rate, scope in (
            ((*LOOKUP_ENDPOINTS, REPORT_FROM_CONSOLE), settings.rate_limit, "lookups"),
            (SUGGEST_ENDPOINTS, settings.suggest_rate_limit, "suggest"),
            ((REPORT_FROM_WIDGET,), settings.report_rate_limit, "reports"),
        ):
            if rate:
                budget = Budget(scope, tuple(parse_many(rate)))
                self.budgets.update(dict.fromkeys(endpoints, budget))

    def is_exempt(self, address: str) -> bool:
        if not self.exempt:
            return False
        known = self._exempt_memo.get(address)
        if known is None:
            try:
                ip = ipaddress.ip_address(address)
                known = any(ip in net for net in self.exempt)
            except ValueError:
                known = False
            if len(self._exempt_memo) >= EXEMPT_MEMO:
                self._exempt_memo.clear()
            self._exempt_memo[address] = known
        return known

    def before_request(self) -> None:
        """The before-request hook: count this request against its client's budget (a
        CORS preflight asks nothing of the service: not counted)."""
        if request.method != "OPTIONS":
            self.check(budget_key(request.endpoint), request.remote_addr or "")

    def check(self, endpoint: str | None, client: str) -> None:
        """Count this request; raise ``RateLimited`` once a budget is spent."""
        budget = self.budgets.get(endpoint or "")
        if budget is None or self.is_exempt(client):
            return
        if self._store_down_until and time.monotonic() < self._store_down_until:
            return
        try:
            for item in budget.items:
                if not self.strategy.hit(item, budget.scope, client):
                    stats = self.strategy.get_window_stats(item, budget.scope, client)
                    retry_after = max(1, round(stats.reset_time - time.time()))
                    exchange().quota = Quota(item.amount, 0, retry_after)
                    raise RateLimited(
                        "rate limit exceeded", limit=str(item), retry_after=retry_after
                    )
            first = budget.items[0]
            stats = self.strategy.get_window_stats(first, budget.scope, client)
            reset = max(0, round(stats.reset_time - time.time()))
            exchange().quota = Quota(first.amount, stats.remaining, reset)
        except RateLimited:
            raise
        except Exception as exc:  # the store is down: answer, unlimited, and say so
            self._store_down_until = time.monotonic() + STORE_RETRY_S
            log.error(
                "rate-limit store unavailable, not limiting for %.0f s: %s",
                STORE_RETRY_S,
                type(exc).__name__,
            )


def budget_key(endpoint: str | None) -> str | None:
    """The endpoint's budget name; a report's names its channel too (the JSON body, read
    once and cached for the view). Anything but the widget counts as the console's, so a
    report cannot dodge a budget by naming no channel or a wrong one (the view then
    refuses it)."""
    if endpoint != REPORT_ENDPOINT:
        return endpoint
    body = request.get_json(silent=True)
    channel = body.get("channel") if isinstance(body, dict) else None
    return REPORT_FROM_WIDGET if channel == "widget" else REPORT_FROM_CONSOLE


def trust_proxies(app: Flask, settings: Settings) -> None:
    """Believe X-Forwarded-For and -Proto from the configured proxies only; -Host only when
    ``trust_forwarded_host`` says the proxy sets it (a client's own would otherwise name
    the host of the service's absolute links)."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        hosts = n if settings.trust_forwarded_host else 0
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=hosts)  # type: ignore[method-assign]


def limiter_for(settings: Settings) -> RateLimiter | None:
    """The configured limits, or None when every budget is off."""
    if not (settings.rate_limit or settings.suggest_rate_limit or settings.report_rate_limit):
        return None
    return RateLimiter(settings)


def quota_headers(resp: Response) -> Response:
    """The after-request hook: the budget the request left, on a limited route."""
    quota = exchange().quota
    if quota is not None:
        resp.headers["X-RateLimit-Limit"] = str(quota.limit)
        resp.headers["X-RateLimit-Remaining"] = str(quota.remaining)
        resp.headers["X-RateLimit-Reset"] = str(quota.reset_seconds)
        if resp.status_code == 429:
            resp.headers["Retry-After"] = str(quota.reset_seconds)
    return resp
