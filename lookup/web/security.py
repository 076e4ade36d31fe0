"""What guards every answer: the response headers (``secure``) and the staff token
(``staff_only``).

Staff operations are off unless ``LOOKUP_ADMIN_TOKEN`` is set, then only with that token,
sent as ``Authorization: Bearer <token>`` and compared in constant time
(``hmac.compare_digest``). Without a configured token every staff route answers 403
``admin_disabled``; with one, a missing or wrong token answers 401 ``unauthorized``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Response, request

from lookup.config import Settings
from lookup.errors import AdminDisabled, Unauthorized
from lookup.web.context import state

P = ParamSpec("P")
R = TypeVar("R")

_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{}; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {}"
)
_EMBEDDABLE = ("/widget",)
_CROSS_ORIGIN = ("/api/v1/", "/civicinfo/")
# The JSON posts an embedded widget makes from its host page's origin: its browser first
# asks (preflight) whether it may. The answer is cached that long (Chromium's maximum).
_PREFLIGHTED = ("/api/v1/questions", "/api/v1/reports")
PREFLIGHT_MAX_AGE_S = 7200
# Answers about one resident's place, and anything posted: no cache (a browser's, a
# proxy's, the county's CDN) may keep them. Pages are kept out by their query instead
# (``holds_resident_data``): ``/`` and ``/widget`` hold an address only when asked one.
_PRIVATE_ENDPOINTS = frozenset(
    (
        "api.lookup",
        "api.early_voting",
        "api.calendar",
        "api.suggest_addresses",
        "civicinfo.voterinfo",
    )
)
_RESIDENT_PARAMS = ("address", "lat", "lon", "pick", "q")
_READS = ("GET", "HEAD", "OPTIONS")


def secure(resp: Response, settings: Settings) -> Response:
    """Headers on every response: a CSP with no inline script, no MIME sniffing, no
    Referer (a page's URL holds the resident's address; a directions link must not carry
    it to a map site), framing only of the widget and only by configured origins, HSTS
    when configured, no caching of what holds a resident's address, no redirect to the
    request's own Host, CORS only for the API and only for configured origins (with the
    preflight's answer for the JSON posts), ``Vary: Origin`` on every API answer."""
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
    if settings.hsts_max_age:
        h["Strict-Transport-Security"] = f"max-age={settings.hsts_max_age}; includeSubDomains"
    if holds_resident_data():
        h["Cache-Control"] = "no-store"
    _relative_location(resp)
    if not request.path.startswith(_CROSS_ORIGIN):
        return resp
    # Whether or not this origin is allowed: a shared cache must key every CORS-capable
    # answer by Origin, or it serves one without the CORS header to the widget's site.
    resp.vary.add("Origin")
    origin = request.headers.get("Origin")
    if origin and origin in settings.cors_origins:
        h["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS" and request.path in _PREFLIGHTED:
            h["Access-Control-Allow-Methods"] = "POST"
            h["Access-Control-Allow-Headers"] = "Content-Type"
            h["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_S)
    return resp


def holds_resident_data() -> bool:
    """Whether the answer may hold a resident's address or position: a look-up's answer, a
    post, or any page asked with an address or a point."""
    if request.method not in _READS or request.endpoint in _PRIVATE_ENDPOINTS:
        return True
    return any(name in request.args for name in _RESIDENT_PARAMS)


def _relative_location(resp: Response) -> None:
    """A redirect werkzeug builds (a rule's missing trailing slash) names this request's
    ``Host``, which a client chooses: keep only its path, so no answer sends a browser, or
    a cache's copy of it, to a forged host."""
    location = resp.headers.get("Location")
    if location and location.startswith(request.host_url):
        resp.headers["Location"] = "/" + location[len(request.host_url) :]


def check_token(configured: str, header: str) -> None:
    """Raise unless ``header`` carries the configured bearer token."""
    if not configured:
        raise AdminDisabled("no admin token configured")
    scheme, _, given = header.partition(" ")
    # Both sides as bytes: compare_digest refuses non-ASCII str, and a client may send any.
    ok = hmac.compare_digest(given.strip().encode(), configured.encode())
    if scheme.lower() != "bearer" or not ok:
        raise Unauthorized("missing or wrong admin token")


def staff_only(view: Callable[P, R]) -> Callable[P, R]:
    """Refuse ``view`` without the admin token (see the module docstring)."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        check_token(state().settings.admin_token, request.headers.get("Authorization", ""))
        return view(*args, **kwargs)

    return wrapper
