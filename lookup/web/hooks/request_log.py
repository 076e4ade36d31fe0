"""One JSON line per request: what staff need to run the service, nothing about who asked.

Fields: time, request id (the caller's ``X-Request-ID`` if it is a plain token, else a new
one; echoed in the response), method, route (the URL rule, e.g. ``/api/v1/lookup``: never
the query string, which holds addresses and coordinates), status, outcome code (``ok`` or
the error code), latency, data version. No address, coordinate, IP or phone number.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request

log = logging.getLogger("lookup.requests")
_TOKEN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


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


def outcome(status: int) -> str:
    """``ok``, the error code the handlers recorded, or ``http_<status>`` for a failure
    that went through none of them."""
    recorded = g.get("outcome", "ok")
    return f"http_{status}" if status >= 400 and recorded == "ok" else recorded


def install(app: Flask) -> None:
    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _TOKEN.match(given) else uuid.uuid4().hex
        g.started = time.perf_counter()
        g.outcome = "ok"

    @app.after_request
    def _finish(resp: Response) -> Response:
        resp.headers["X-Request-ID"] = g.get("request_id", "")
        ds = app.extensions["lookup"].holder.get()
        log.info(
            "request",
            extra={
                "fields": {
                    "request_id": g.get("request_id", ""),
                    "method": request.method,
                    "route": route(),
                    "status": resp.status_code,
                    "outcome": outcome(resp.status_code),
                    "latency_ms": round((time.perf_counter() - g.get("started", 0)) * 1e3, 2),
                    "data_version": ds.version if ds is not None else None,
                    "lang": g.get("lang", ""),
                }
            },
        )
        return resp
