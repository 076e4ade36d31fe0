"""Changes on the day, posted by staff (the admin token): a site closed for a while, a
precinct's place moved, a notice. Stored beside the published data (``lookup.changes``)
and applied by every worker of every instance sharing the folder within seconds.

- ``POST /admin/changes`` (JSON, see ``lookup.domain.changes``): 201 ``{"id", "change"}``;
  a change that cannot apply is 400 ``invalid_parameter`` with ``details.field`` and
  ``details.reason``, and nothing is stored.
- ``DELETE /admin/changes/<id>``: withdraw it, 204 (404 ``not_found`` for no such id).
- ``GET /admin/changes[?active=now]``: the changes as this worker applies them, with who
  posted them and when, and each one's ``status``; ``X-Changes-Version`` names the file.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from lookup.changes.post import listing, post_change
from lookup.changes.store import ChangesCorrupt, withdraw_change
from lookup.domain.changes import ChangeRefused
from lookup.errors import InternalError, InvalidParameter, NotFound
from lookup.web.context import json_response, require_dataset, state
from lookup.web.security import staff_only

log = logging.getLogger(__name__)
bp = Blueprint("changes", __name__)


def _private(resp: Response) -> Response:
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Changes-Version"] = state().changes.version
    return resp


@bp.post("/admin/changes")
@staff_only
def post() -> Response:
    ds = require_dataset()  # checked against the version answers are built from
    st = state()
    doc = request.get_json(silent=True)  # not JSON: None, refused by the model as "body"
    try:
        change = post_change(st.changes.data_dir, doc, ds, st.clock())
    except ChangeRefused as exc:
        raise InvalidParameter(
            str(exc), field=exc.field, reason=exc.reason, problem=str(exc)
        ) from None
    except (ChangesCorrupt, OSError) as exc:
        log.error("changes not stored: %s", exc)
        raise InternalError("changes store unavailable") from None
    st.changes.poll_now()  # this worker applies it at once, the others at their next look
    log.info("change %s (%s) posted", change.id, change.kind)
    return _private(json_response({"id": change.id, "change": change.to_json()}, 201))


@bp.delete("/admin/changes/<change_id>")
@staff_only
def withdraw(change_id: str) -> Response:
    st = state()
    try:
        gone = withdraw_change(st.changes.data_dir, change_id)
    except (ChangesCorrupt, OSError) as exc:
        log.error("change not withdrawn: %s", exc)
        raise InternalError("changes store unavailable") from None
    if gone is None:
        raise NotFound("no such change")
    st.changes.poll_now()
    log.info("change %s withdrawn", change_id)
    return _private(Response(status=204))


@bp.get("/admin/changes")
@staff_only
def list_changes() -> Response:
    active = request.args.get("active")
    if active not in (None, "now"):
        raise InvalidParameter("active is 'now' or absent", field="active", allowed=["now"])
    st = state()
    now = st.clock()
    changes = st.changes.current()
    if active == "now":
        changes = tuple(c for c in changes if c.holds(now))
    return _private(json_response({"changes": listing(changes, now)}))
