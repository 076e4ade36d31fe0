"""Per-client rate limits on the public lookups (Flask-Limiter).

Limited: every request that runs a lookup (``/api/v1/lookup``, early voting, calendar,
precinct outline, Civic voterinfo, the resident page with an address), sharing one budget
per client, and ``/api/v1/suggest`` with its own, larger one (a keystroke each). Not
limited: health probes, the election list, strings, the OpenAPI document, static files.

The client is the peer address, or with ``trusted_proxies`` set the address that many
proxies back in X-Forwarded-For (``werkzeug``'s ProxyFix; a forged header from a client
is never trusted past the configured proxies). Exempt networks (the call center behind
its NAT, the city's own monitoring) are never limited. Counters live in each worker's
memory by default; a shared storage URI (``redis://…``) makes them exact across workers
and instances. A storage outage never blocks a lookup: limits are skipped, not enforced.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Settings
from .errors import RateLimited

log = logging.getLogger(__name__)

# Endpoints that run a lookup and so share the per-client budget.
LOOKUP_ENDPOINTS = (
    "api.lookup",
    "api.early_voting",
    "api.calendar",
    "widget.precinct_geojson",
    "civicinfo.voterinfo",
    "pages.index",
)
SUGGEST_ENDPOINTS = ("api.suggest_addresses",)


def install(app: Flask, settings: Settings) -> Limiter | None:
    """Wire the limits into ``app`` (after its blueprints are registered)."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    if not (settings.rate_limit or settings.suggest_rate_limit):
        return None
    limiter = Limiter(
        _client,
        app=app,
        storage_uri=settings.rate_limit_storage,
        headers_enabled=True,
        swallow_errors=True,  # a storage outage must not refuse lookups
        key_prefix="lookup",
    )
    exempt = _exempt_rule(settings.rate_limit_exempt)
    for endpoints, rate, scope in (
        (LOOKUP_ENDPOINTS, settings.rate_limit, "lookups"),
        (SUGGEST_ENDPOINTS, settings.suggest_rate_limit, "suggest"),
    ):
        if not rate:
            continue
        shared = limiter.shared_limit(rate, scope=scope, exempt_when=exempt)
        for endpoint in endpoints:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])  # type: ignore[assignment]
    return limiter


def as_service_error(err: RateLimitExceeded) -> RateLimited:
    """The 429 in the service's one error shape, saying when to try again."""
    retry_after = None
    limit = getattr(err, "limit", None)
    if limit is not None:
        retry_after = limit.limit.get_expiry()
    return RateLimited("rate limit exceeded", limit=str(err.description), retry_after=retry_after)


def _client() -> str:
    return request.remote_addr or "unknown"


def _exempt_rule(networks: tuple[str, ...]) -> Callable[[], bool]:
    nets = tuple(ipaddress.ip_network(n, strict=False) for n in networks)

    def exempt() -> bool:
        if not nets:
            return False
        try:
            addr = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        return any(addr in net for net in nets)

    return exempt
