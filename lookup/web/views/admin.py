"""Staff operations: off unless ``LOOKUP_ADMIN_TOKEN`` is set, then only with that token.

The token travels as ``Authorization: Bearer <token>`` and is compared in constant time
(``hmac.compare_digest``). Without a configured token every staff route answers 403
``admin_disabled``; with one, a missing or wrong token answers 401 ``unauthorized``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import Blueprint, Response, request

from lookup.errors import AdminDisabled, DataError, ReloadFailed, Unauthorized
from lookup.web.app import json_response, state

bp = Blueprint("admin", __name__)
P = ParamSpec("P")
R = TypeVar("R")


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


@bp.post("/admin/reload")
@staff_only
def reload() -> Response:
    """Load the version ``current`` points at now, instead of at the next check."""
    try:
        ds = state().holder.reload_now()
    except DataError as exc:
        raise ReloadFailed(str(exc), data_version=state().holder.version) from None
    return json_response({"ok": True, "data_version": ds.version, "demo": ds.demo})


@bp.post("/admin/rollback")
@staff_only
def rollback() -> Response:
    """Point ``current`` back at the previously published version and make it live."""
    from datetime import UTC, datetime

    from lookup.ingest.refresh import rollback as roll_back

    holder = state().holder
    try:
        roll_back(holder.data_dir, datetime.now(UTC))
        ds = holder.reload_now()
    except (DataError, OSError) as exc:
        raise ReloadFailed(str(exc), data_version=holder.version) from None
    return json_response({"ok": True, "data_version": ds.version, "demo": ds.demo})
