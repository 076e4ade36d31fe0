"""Staff operations on the live data: reload it, roll it back. Both need the admin token
(``security.staff_only``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response

from lookup.errors import DataError, ReloadFailed
from lookup.web.context import json_response, state
from lookup.web.security import staff_only

bp = Blueprint("admin", __name__)


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
    # The refresh pipeline's modules load only when staff roll back, not in every worker.
    from lookup.ingest.refresh import rollback as roll_back

    holder = state().holder
    try:
        roll_back(holder.data_dir, datetime.now(UTC))
        ds = holder.reload_now()
    except (DataError, OSError) as exc:
        raise ReloadFailed(str(exc), data_version=holder.version) from None
    return json_response({"ok": True, "data_version": ds.version, "demo": ds.demo})
