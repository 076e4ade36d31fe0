"""One JSON line per request: what staff need to run the service, nothing about who asked.

Fields: time, request id (the caller's ``X-Request-ID`` if it is a plain token, else a new
one; echoed in the response), method, route (the URL rule, e.g. ``/api/v1/lookup``: never
the query string, which holds addresses and coordinates), status, outcome code (``ok`` or
the error code), latency, data version. No address, coordinate, IP or phone number.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from flask import Response, request

from lookup.config import ROUTE_ENVIRON
from lookup.web.context import Exchange, exchange, state

log = logging.getLogger("lookup.requests")


class JsonFormatter(logging.Formatter):
    """A record's ``fields`` (or its message) as one JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None) or {"message": record.getMessage()}
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return json.dumps({"ts": f"{stamp}Z", "level": record.levelname.lower(), **fields})


def configure(stream: Any = None) -> None:
    """JSON lines on stderr for the request log (idempotent: one handler only)."""
    if any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def route() -> str:
    """The URL rule that answered (never the path with its query string)."""
    return request.url_rule.rule if request.url_rule is not None else "(no route)"


def outcome(ex: Exchange, status: int) -> str:
    """``ok``, the error code the handlers recorded, or ``http_<status>`` for a failure
    that went through none of them."""
    return f"http_{status}" if status >= 400 and ex.outcome == "ok" else ex.outcome


def log_request(resp: Response) -> Response:
    """The after-request hook: echo the request id, write the line."""
    ex = exchange()
    resp.headers["X-Request-ID"] = ex.request_id
    # gunicorn's access log, when on, names the rule too, never the path (``serving``).
    request.environ[ROUTE_ENVIRON] = route()
    ds = state().holder.get()
    log.info(
        "request",
        extra={
            "fields": {
                "request_id": ex.request_id,
                "method": request.method,
                "route": route(),
                "status": resp.status_code,
                "outcome": outcome(ex, resp.status_code),
                "latency_ms": round((time.perf_counter() - ex.started) * 1e3, 2),
                "data_version": ds.version if ds is not None else None,
                "lang": ex.lang,
            }
        },
    )
    return resp
