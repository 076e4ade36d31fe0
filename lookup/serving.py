"""Serving under gunicorn: the application, its settings, and a logger without resident data.

gunicorn's own error log would otherwise record client IPs and raw request lines
("Invalid request from ip=...: Invalid HTTP Version: 'East Blvd Apt 3 HTTP/1.1'") and
the URI, query string included, of a request that failed. ``PrivateLogger`` redacts them.
"""

from __future__ import annotations

import gc
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from lookup.config import MULTIPROC_ENV, Settings

# Access log: method, path without the query string, status, size, time. No client IP.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
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


class PrivateLogger(Logger):
    """gunicorn's logger with ``RedactFilter`` on its error log."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(RedactFilter())


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
            # Long query strings reach the app, which refuses them in the JSON error shape;
            # only request lines over 8 KB (gunicorn's ceiling) get its plain 414.
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
