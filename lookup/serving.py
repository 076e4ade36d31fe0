"""Serving under gunicorn: the application, its settings, and a logger without resident data.

gunicorn's own error log would otherwise record client IPs and raw request lines
("Invalid request from ip=...: Invalid HTTP Version: 'East Blvd Apt 3 HTTP/1.1'") and
the URI, query string included, of a request that failed. ``PrivateLogger`` redacts them,
and its access log (``--access-log``) names the Flask rule that answered, never the path.

``Worker`` has the app answer a request line or header block over gunicorn's limits (its
ceiling, 8,190 bytes, is kept: 0, the only setting above it, reads a line of any length).
"""

from __future__ import annotations

import contextlib
import gc
import io
import ipaddress
import logging
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.http.errors import LimitRequestHeaders, LimitRequestLine
from gunicorn.workers.sync import SyncWorker

from lookup.config import MULTIPROC_ENV, REFUSED_ENVIRON, ROUTE_ENVIRON, Settings

log = logging.getLogger(__name__)

# Access log: method, route (the Flask rule: ``PrivateLogger.atoms``), status, size, time.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
# gunicorn's atoms kept as they are: none holds the path, the query, an address or an IP.
_SAFE_ATOMS = ("t", "m", "s", "H", "b", "B", "T", "D", "M", "L", "p")
NO_ROUTE = "(no route)"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# A request line gunicorn refused, as the app is asked to answer it: no rule matches it, so
# no view runs and no rate-limit budget is spent.
REFUSED_PATH = "/(request-line-too-long)"
_IP = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b|\b[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}\b")
_QUERY = re.compile(r"\?\S*")


class RedactFilter(logging.Filter):
    """Rewrites a record so that no IP, query string or request text survives."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if text.startswith("Invalid request from"):
            text = "Invalid request (details withheld: they may hold resident data)"
        elif text.startswith("Error handling request"):
            kind = record.exc_info[1].__class__.__name__ if record.exc_info else "error"
            text = f"Error handling request ({kind}; request withheld)"
            record.exc_info = None
            record.exc_text = None
        text = _QUERY.sub("?[withheld]", _IP.sub("[ip]", text))
        record.msg, record.args = text, None
        return True


def escape_control(text: str) -> str:
    """``text`` with every control character as ``\\xNN``: no value forges a log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class PrivateLogger(Logger):
    """gunicorn's logger with ``RedactFilter`` on its error log and an access log that
    holds no resident data."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactFilter())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        """The access log's fields: ``U`` (and the request line ``r``) is the rule the app
        matched (``/api/v1/lookup``), which the app leaves in the environ; the raw path, the
        query, the client's address and every request header are left out (``-``): each
        can hold an address. Response headers stay (the load test logs ``X-Request-ID``),
        but ``Location``, which can repeat a request's path."""
        given = super().atoms(resp, req, environ, request_time)
        route = environ.get(ROUTE_ENVIRON) or NO_ROUTE
        kept = {k: given[k] for k in _SAFE_ATOMS if k in given}
        kept.update((k, v) for k, v in given.items() if k.endswith("}o") and k != "{location}o")
        kept["U"] = route
        kept["r"] = f"{given.get('m')} {route} {given.get('H')}"
        return {k: escape_control(v) if isinstance(v, str) else v for k, v in kept.items()}


class Worker(SyncWorker):
    """gunicorn's sync worker, but a request line or header block over gunicorn's limits
    is answered by the app (400 ``invalid_parameter``, reason ``too_long``, the one JSON
    error shape, every header of an answer), not by gunicorn's HTML 414 or 431."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        app = getattr(self, "wsgi", None)  # set once the worker has loaded the app
        if isinstance(exc, (LimitRequestLine, LimitRequestHeaders)) and app is not None:
            try:
                answer = refusal(app)
            except Exception:  # the app could not answer: gunicorn's own page, then
                log.exception("answering a request over gunicorn's limits")
            else:
                with contextlib.suppress(OSError):  # the client has gone: nothing to answer
                    client.sendall(answer)
                return
        super().handle_error(req, client, addr, exc)


def refusal(app: Any) -> bytes:
    """The app's answer to a request gunicorn would not read, as bytes on the wire (the
    connection then closes: the rest of the request is never read)."""
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": REFUSED_PATH,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "0",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        REFUSED_ENVIRON: True,
    }
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    status, headers = started
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in ("connection", "content-length")]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def startup_warnings(settings: Settings, binds: Iterable[str], workers: int) -> list[str]:
    """What the set-up gets wrong about who a client is or how many requests it may make."""
    warnings = []
    exposed = [b for b in binds if not _loopback(b)]
    if settings.trusted_proxies and exposed:
        warnings.append(
            f"LOOKUP_TRUSTED_PROXIES={settings.trusted_proxies} while listening on "
            f"{', '.join(exposed)}: every client can forge X-Forwarded-For: put the proxy "
            "in front or bind 127.0.0.1"
        )
    limited = settings.rate_limit or settings.suggest_rate_limit or settings.report_rate_limit
    if limited and workers > 1 and settings.rate_limit_storage.startswith("memory"):
        warnings.append(
            f"rate limits counted in memory (memory://) by {workers} workers: each worker "
            f"counts its own, so the real budget is workers x the limit ({workers} x); use "
            "LOOKUP_RATE_LIMIT_STORAGE=redis://"
        )
    return warnings


def _loopback(bind: str) -> bool:
    """Whether a gunicorn bind address is reachable from this host only."""
    if bind.startswith(("unix:", "fd://")):
        return True
    host = bind.rsplit(":", 1)[0] if ":" in bind else bind
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name, or none (every interface)


class Server(BaseApplication):
    """``lookup serve``: the app, loaded once in the master (``preload_app``, on unless
    ``--no-preload``) so the dataset's pages are shared copy-on-write by every worker."""

    def __init__(self, settings: Settings, options: dict[str, Any]) -> None:
        self.settings = settings
        # Every worker writes its metric samples into one folder that any worker's
        # /metrics adds up. prometheus_client picks its storage when first imported, so
        # this runs before anything imports it (the app imports ``lookup.web.hooks.metrics``).
        given = os.environ.get(MULTIPROC_ENV)
        folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="lookup-metrics-"))
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        os.environ[MULTIPROC_ENV] = str(folder)
        self._made_folder = None if given else folder
        self.options = {
            "preload_app": True,
            "access_log_format": ACCESS_LOG_FORMAT,
            "logger_class": PrivateLogger,
            "worker_class": Worker,
            # Long query strings reach the app, which refuses them (over 4 KB) in the JSON
            # error shape; a request line over gunicorn's ceiling (8 KB) is refused by
            # ``Worker`` in the same shape. 0 would be "unlimited": gunicorn's parser would
            # then read a line of any size into memory.
            "limit_request_line": 8190,
            "timeout": 30,
            "graceful_timeout": 10,
            # gunicorn 27's control socket is one per user (~/.gunicorn): several
            # instances on a host would take each other's. Nothing here uses it.
            "control_socket_disable": True,
            "child_exit": _child_exit,
            "on_exit": self._on_exit,
            **options,
        }
        binds = self.options.get("bind", "127.0.0.1:8000")
        binds = [binds] if isinstance(binds, str) else list(binds)
        for warning in startup_warnings(settings, binds, int(self.options.get("workers", 1))):
            log.warning(warning)
        super().__init__()
        if not self.options["preload_app"]:
            # The web modules once, here in the master, not once per worker after the fork:
            # each worker, forked at start or to replace one, then only builds its app and
            # loads its data (measured on meck700k: 0.05 s instead of 0.18 s, two thirds of
            # which were these imports; the ``limits`` library alone ~60 ms, with the asyncio
            # it imports), and the workers share the modules' pages. After the metrics folder
            # is set above: prometheus_client reads it when first imported.
            import lookup.web.app  # noqa: F401

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from lookup.web.app import create_app
        from lookup.web.hooks.request_log import configure

        configure()
        app = create_app(self.settings)
        # Everything loaded so far lives as long as the server: out of the collector's
        # sight, full collections no longer walk it on the request path (measured: exact
        # address look-ups 36 us steady vs 55-70 us), and its pages stay shared after fork.
        gc.freeze()
        return app

    def _on_exit(self, server: Any) -> None:
        if self._made_folder is not None:
            shutil.rmtree(self._made_folder, ignore_errors=True)


def _child_exit(server: Any, worker: Any) -> None:
    from lookup.web.hooks.metrics import worker_exited

    worker_exited(worker.pid)
