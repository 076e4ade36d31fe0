"""Run under cachegrind by ``bench_cachegrind``: the app on a dataset, requests with
the caches swept before each.

``cache_probe.py DATA_DIR URLS MODE N SWEEP_BYTES``: builds the Flask app as ``lookup
serve`` does (then ``gc.freeze``), answers every URL once (a long-lived worker's warm
state: memos filled, each precinct's verify outlines built), then ``N`` times sweeps a
``SWEEP_BYTES`` buffer and, with ``MODE`` ``run``, answers the next URL (``sweep``: the
sweeps alone, the baseline to subtract).
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import numpy as np
from werkzeug.test import EnvironBuilder

from lookup import requestlog
from lookup.app import create_app
from lookup.config import Settings


def main(argv: list[str]) -> None:
    data_dir, urls, mode, n, sweep_bytes = argv
    requestlog.configure(stream=open(os.devnull, "w"))  # noqa: SIM115 (lives with the logger)
    app = create_app(Settings.from_env(os.environ, data_dir=Path(data_dir)))
    gc.freeze()
    environs = []
    for path in Path(urls).read_text().split():
        p, _, q = path.partition("?")
        base = {"REMOTE_ADDR": "127.0.0.1"}
        environs.append(EnvironBuilder(path=p, query_string=q, environ_base=base).get_environ())

    def start_response(status: str, headers: object, exc: object = None, /) -> object:
        return len

    for e in environs:
        b"".join(app(dict(e), start_response))
    if "insights" in app.extensions:
        app.extensions["insights"].flush()
    buf = np.ones(int(sweep_bytes) // 8)
    for e in environs[: int(n)]:
        buf += 1.0
        if mode == "run":
            b"".join(app(dict(e), start_response))


if __name__ == "__main__":
    main(sys.argv[1:])
