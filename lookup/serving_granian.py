"""Serving under granian, for measuring it beside gunicorn (``scripts/bench/servers.py``).

Not offered by ``lookup serve``: one of gunicorn's promises does not hold (issue 27 item 4).
A granian worker accepts connections while its one Python thread is busy, so a request can
wait behind a slow remote look-up while another worker is idle, and a killed worker takes
down the connections it had accepted, not only its one request in flight (measured:
``tests/http/test_granian.py``). Run it with ``python -m lookup.serving_granian serve ...``
(the options of ``lookup serve``).

granian is a Rust HTTP server with a WSGI interface (the optional ``granian`` extra). What
``lookup.serving`` gives under gunicorn is kept here as follows:

- the app (and the dataset) is built once in the master and the workers are *forked* from
  it, so its pages are shared copy-on-write, as gunicorn's ``preload_app``;
- one Python thread per worker runs the app (``blocking_threads=1``), as gunicorn's sync
  worker: nothing in the app has to be thread-safe for granian;
- granian's own access log is off (it prints the path, the query and the client's IP);
  ``--access-log`` writes gunicorn's line instead, naming the Flask rule; ``RedactFilter``
  sits on granian's error log;
- a request line or header over gunicorn's limits (8,190 bytes, 100 headers) is answered
  by the app in the JSON 400 (``too_long``); beyond granian's read buffer (64 KB) granian
  itself answers 431 or 414 with an empty body and closes;
- every worker writes its metric samples in one folder; a dead worker's live gauges are
  dropped when it is replaced, as gunicorn's ``child_exit`` does;
- a killed worker is replaced at once, however often (granian would otherwise stop the
  whole server when one worker dies twice within 5.5 s);
- SIGTERM lets in-flight requests finish (10 s, gunicorn's ``graceful_timeout``).
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.server import MPServer

from lookup.config import MULTIPROC_ENV, REFUSED_ENVIRON, ROUTE_ENVIRON, Settings
from lookup.serving import NO_ROUTE, REFUSED_PATH, RedactFilter, escape_control, startup_warnings

log = logging.getLogger(__name__)
access_log = logging.getLogger("lookup.access")

# gunicorn's ceilings, kept so that both servers refuse the same requests the same way.
LIMIT_REQUEST_LINE = 8190
LIMIT_FIELD_SIZE = 8190
LIMIT_FIELDS = 100
# granian reads a request head into this buffer; a head beyond it is refused by granian
# (431/414, no body) before the app sees it. Well above the limits above.
READ_BUFFER = 64 * 1024
GRACEFUL_TIMEOUT_S = 10
BACKPRESSURE = 1

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def over_limits(environ: dict[str, Any]) -> bool:
    """Whether gunicorn would have refused this request's line or headers."""
    line = len(environ.get("RAW_URI") or environ.get("PATH_INFO", "")) + len(
        environ.get("QUERY_STRING", "")
    )
    if line + 1 > LIMIT_REQUEST_LINE:
        return True
    fields = [(k, v) for k, v in environ.items() if k.startswith("HTTP_")]
    if len(fields) > LIMIT_FIELDS:
        return True
    return any(len(k) - 5 + len(str(v)) + 2 > LIMIT_FIELD_SIZE for k, v in fields)


def edge(app: WsgiApp, access: bool) -> WsgiApp:
    """The app as granian calls it: requests over gunicorn's limits turned into the app's
    own refusal (no view runs, no rate-limit budget is spent), and, with ``access``, the
    access line gunicorn's ``PrivateLogger`` writes: method, route, status, size, time."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        if over_limits(environ):
            environ = {k: v for k, v in environ.items() if not k.startswith("HTTP_")}
            environ.update(PATH_INFO=REFUSED_PATH, QUERY_STRING="", REQUEST_METHOD="GET")
            environ[REFUSED_ENVIRON] = True
        if not access:
            return app(environ, start_response)
        seen: dict[str, str] = {}

        def recording(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen["status"] = status.split(" ", 1)[0]
            seen["size"] = next((v for k, v in headers if k.lower() == "content-length"), "-")
            return start_response(status, headers, exc_info)

        body = app(environ, recording)
        try:
            chunks = list(body)
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
        stamp = time.strftime("[%d/%b/%Y:%H:%M:%S %z]")
        method = escape_control(str(environ.get("REQUEST_METHOD", "-")))
        route = escape_control(environ.get(ROUTE_ENVIRON) or NO_ROUTE)
        millis = int((time.perf_counter() - started) * 1000)
        access_log.info(
            '%s "%s %s" %s %s %sms', stamp, method, route, seen.get("status"), seen.get("size"),
            millis,
        )  # fmt: skip
        return chunks

    return wsgi


def _configure_access_log() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


class _Server(MPServer):
    """granian's process manager, with gunicorn's handling of a dead worker."""

    def _respawn_workers(
        self, workers: Any, spawn_target: Any, target_loader: Any, delay: float = 0
    ) -> None:
        dead = [self.wrks[idx]._id() for idx in workers]
        super()._respawn_workers(workers, spawn_target, target_loader, delay)
        from lookup.web.hooks.metrics import worker_exited

        for pid in dead:
            worker_exited(pid)
        # granian shuts the whole server down when a worker dies again within 5.5 s of its
        # respawn ("crash loop"); gunicorn replaces it every time, which the service needs:
        # the app is loaded before the fork, so a worker cannot fail to start on its own.
        for idx in workers:
            self.respawned_wrks.pop(idx, None)


class GranianServer:
    """``lookup serve --server granian``: the app loaded once in this process (``preload``,
    on unless ``--no-preload``), then ``workers`` forked processes serving it."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str,
        port: int,
        workers: int,
        access_log: bool = False,
        preload: bool = True,
    ) -> None:
        self.settings = settings
        self.host, self.port, self.workers = host, port, workers
        self.access_log, self.preload = access_log, preload

    def run(self) -> None:
        # Metrics: the folder every worker writes into, set before prometheus_client is
        # first imported (it picks its storage then); stale files of a previous run removed.
        given = os.environ.get(MULTIPROC_ENV)
        folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="lookup-metrics-"))
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        os.environ[MULTIPROC_ENV] = str(folder)
        for warning in startup_warnings(self.settings, [f"{self.host}:{self.port}"], self.workers):
            log.warning(warning)
        if self.access_log:
            _configure_access_log()
        # Forked workers share the app's pages; a spawned one would rebuild everything.
        if multiprocessing.get_start_method(allow_none=True) != "fork":
            multiprocessing.set_start_method("fork", force=True)
        loader = self._preloaded() if self.preload else self._load
        server = _Server(
            "lookup.web.app:create_app",  # a label only: ``loader`` builds the app
            address=self.host,
            port=self.port,
            interface=Interfaces.WSGI,
            workers=self.workers,
            blocking_threads=1,
            # One request at a time per worker, and no keep-alive, as gunicorn's sync
            # worker: with keep-alive an idle client holds the worker's only permit (two
            # idle connections stopped a two-worker server: measured).
            backpressure=BACKPRESSURE,
            http1_settings=HTTP1Settings(keep_alive=False, max_buffer_size=READ_BUFFER),
            log_access=False,
            log_dictconfig=_log_config(),
            respawn_failed_workers=True,
            workers_kill_timeout=GRACEFUL_TIMEOUT_S,
        )
        try:
            server.serve(target_loader=lambda _label: loader(), wrap_loader=True)
        finally:
            if not given:
                shutil.rmtree(folder, ignore_errors=True)

    def _load(self) -> WsgiApp:
        from lookup.web.app import create_app
        from lookup.web.hooks.request_log import configure

        configure()
        return edge(create_app(self.settings), self.access_log)

    def _preloaded(self) -> Callable[[], WsgiApp]:
        app = self._load()
        # As under gunicorn: what is loaded now lives as long as the server, out of the
        # collector's sight, and its pages stay shared after the fork.
        gc.freeze()
        return lambda: app


def _log_config() -> dict[str, Any]:
    """granian's error log through ``RedactFilter`` (its access log is off)."""
    return {
        "filters": {"redact": {"()": RedactFilter}},
        "handlers": {
            "console": {
                "formatter": "generic",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["redact"],
            },
            "access": {"class": "logging.NullHandler"},
        },
        "loggers": {"_granian": {"handlers": ["console"], "level": "INFO", "propagate": False}},
    }


def main(argv: list[str] | None = None) -> int:
    """``lookup serve``'s command line, served by granian."""
    from datetime import datetime

    from lookup.cli import build_parser
    from lookup.dataset.location import resolve_data_dir
    from lookup.domain.schedule import LOCAL_TZ

    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    if args.command != "serve":
        print("usage: python -m lookup.serving_granian serve [lookup serve options]")
        return 2
    given = Settings.from_env(data_dir=args.data_dir)
    settings = Settings.from_env(data_dir=resolve_data_dir(given, datetime.now(LOCAL_TZ)))
    GranianServer(
        settings,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=args.access_log,
        preload=not args.no_preload,
    ).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
