"""The Flask app called as WSGI in this process, as ``lookup serve`` builds it (used by
``bench_http.bench_wsgi``); as a script, run under cachegrind by ``bench_cachegrind``.

``cache_probe.py DATA_DIR URLS MODE N SWEEP_BYTES``: builds the app, answers every URL
once (a long-lived worker's warm state: memos filled, each precinct's verify outlines
built), then ``N`` times sweeps a ``SWEEP_BYTES`` buffer and, with ``MODE`` ``run``,
answers the next URL (``sweep``: the sweeps alone, the baseline to subtract).
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from bench_machine import CacheSweep
from flask import Flask
from werkzeug.test import EnvironBuilder

from lookup import requestlog
from lookup.app import create_app
from lookup.config import Settings


def in_process_app(env: Mapping[str, str], data_dir: Path) -> Flask:
    """The app with its request log to /dev/null, loaded and frozen out of the garbage
    collector's sight as ``lookup serve`` does (``gc.unfreeze`` when done with it)."""
    requestlog.configure(stream=open(os.devnull, "w"))  # noqa: SIM115 (lives with the logger)
    app = create_app(Settings.from_env(env, data_dir=data_dir))
    gc.freeze()
    return app


def environ(path: str) -> dict[str, Any]:
    p, _, q = path.partition("?")
    base = {"REMOTE_ADDR": "127.0.0.1"}
    return EnvironBuilder(path=p, query_string=q, environ_base=base).get_environ()


def _start_response(
    status: str, headers: list[tuple[str, str]], exc: Any = None, /
) -> Callable[[bytes], object]:
    return len  # the write() callable of WSGI, never used by Flask


def answer(app: Flask, env: dict[str, Any]) -> None:
    """One request, its body read to the end."""
    b"".join(app(dict(env), _start_response))


def warm_up(app: Flask, environs: list[dict[str, Any]]) -> None:
    """Every URL once; then the insight store opened (SQLAlchemy's import, once per
    process), so that no measured request pays for it."""
    for e in environs:
        answer(app, e)
    if "insights" in app.extensions:
        app.extensions["insights"].flush()


def main(argv: list[str]) -> None:
    data_dir, urls, mode, n, sweep_bytes = argv
    app = in_process_app(os.environ, Path(data_dir))
    environs = [environ(path) for path in Path(urls).read_text().split()]
    warm_up(app, environs)
    sweep = CacheSweep(int(sweep_bytes))
    for e in environs[: int(n)]:
        sweep()
        if mode == "run":
            answer(app, e)


if __name__ == "__main__":
    main(sys.argv[1:])
