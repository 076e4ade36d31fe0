"""The Flask app called as WSGI in this process, as ``lookup serve`` builds it (used by
``http_load.bench_wsgi``); as a module, run under cachegrind by ``cachegrind``.

``python -m scripts.bench.cache_probe DATA_DIR URLS MODE N SWEEP_BYTES``: builds the
app, answers every URL once (a long-lived worker's warm state: memos filled, each
precinct's verify outlines built), then ``N`` times sweeps a ``SWEEP_BYTES`` buffer
and, with ``MODE`` ``run``, answers the next URL (``sweep``: the sweeps alone, the
baseline to subtract).

``FLOOR`` URLs (``/_probe/floor?lat=&lon=``) go to a route only this probe adds: the
least any look-up by coordinates must do in this app (read the two numbers, find the
precinct, send a body as long as the real answer for that point, here a constant), so
that the benchmark can show how much of a look-up's cost is the answer's own work.
``SITES_FLOOR`` URLs (``/_probe/sites?lat=&lon=&date=``) add the one part of an answer
that depends on the point beyond its precinct: the county's early-voting sites, ranked
from it with their status at that moment (``service.nearest_sites``) and sent in their
ready-made bytes (``serialize.TableBytes``), as the API does, inside a constant head.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from werkzeug.test import EnvironBuilder

from lookup.config import Settings
from lookup.domain.schedule import active_election, parse_moment, to_local
from lookup.service import RankedSites, nearest_sites
from lookup.web.app import create_app
from lookup.web.context import state
from lookup.web.hooks import request_log as requestlog
from scripts.bench.machine import CacheSweep


def in_process_app(env: Mapping[str, str], data_dir: Path) -> Flask:
    """The app with its request log to /dev/null, loaded and frozen out of the garbage
    collector's sight as ``lookup serve`` does (``gc.unfreeze`` when done with it)."""
    requestlog.configure(stream=open(os.devnull, "w"))  # noqa: SIM115 (lives with the logger)
    app = create_app(Settings.from_env(env, data_dir=data_dir))
    gc.freeze()
    return app


FLOOR = "/_probe/floor"
SITES_FLOOR = "/_probe/sites"
LOOKUP = "/api/v1/lookup"


def floor_path(lookup_path: str, route: str = FLOOR) -> str:
    """A floor route at the point (and date) of a look-up by coordinates."""
    return lookup_path.replace(LOOKUP, route, 1)


class Floor:
    """The floor route's view (see the module's docstring)."""

    def __init__(self, app: Flask) -> None:
        self.body = b"{}"
        app.add_url_rule(FLOOR, "probe_floor", self.view)  # before the app's first request

    def view(self) -> Response:
        args = request.args
        ds = state().holder.get()
        if ds is None or ds.index.locate(float(args["lon"]), float(args["lat"])) is None:
            return Response(b"{}", status=404, mimetype="application/json")
        return Response(self.body, mimetype="application/json")

    def size_as(self, app: Flask, paths: list[str]) -> None:
        """A body as long as the median answer of the look-ups at the same points."""
        sizes = sorted(len(answer(app, environ(p.replace(FLOOR, LOOKUP, 1)))) for p in paths)
        n = sizes[len(sizes) // 2]
        self.body = b'{"pad":"' + b"x" * max(0, n - 10) + b'"}'


def sites_floor(app: Flask) -> None:
    """The ``SITES_FLOOR`` route (see the module's docstring)."""

    def view() -> Response:
        args = request.args
        st = state()
        ds = st.holder.get()
        lon, lat = float(args["lon"]), float(args["lat"])
        hit = None if ds is None else ds.index.locate(lon, lat)
        local = to_local(parse_moment(args.get("date"), None) or st.clock())
        election = None if ds is None else active_election(ds.elections, local.date())[0]
        if ds is None or hit is None or election is None:
            return Response(b"{}", status=404, mimetype="application/json")
        key = (election.day, ds.precincts[hit.index].county)
        ranked = nearest_sites(ds.site_tables.get(key), lon, lat, local)
        if not isinstance(ranked, RankedSites):
            return Response(b"{}", status=404, mimetype="application/json")
        table = st.fragments.get(ds).tables[key]
        parts = table.parts(ranked, False, table.stretch(ranked.statuses, local.date()))
        body = b"".join((b'{"early_voting_sites":', *parts, b"}"))
        return Response(body, mimetype="application/json")

    app.add_url_rule(SITES_FLOOR, "probe_sites", view)


def environ(path: str) -> dict[str, Any]:
    p, _, q = path.partition("?")
    base = {"REMOTE_ADDR": "127.0.0.1"}
    return EnvironBuilder(path=p, query_string=q, environ_base=base).get_environ()


def _start_response(
    status: str, headers: list[tuple[str, str]], exc: Any = None, /
) -> Callable[[bytes], object]:
    return len  # the write() callable of WSGI, never used by Flask


def answer(app: Flask, env: dict[str, Any]) -> bytes:
    """One request, its body read to the end."""
    return b"".join(app(dict(env), _start_response))


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
    paths = Path(urls).read_text().split()
    floor = Floor(app) if any(p.startswith(FLOOR) for p in paths) else None
    if any(p.startswith(SITES_FLOOR) for p in paths):
        sites_floor(app)
    environs = [environ(path) for path in paths]
    warm_up(app, environs)
    if floor is not None:
        floor.size_as(app, [p for p in paths if p.startswith(FLOOR)][:50])
    sweep = CacheSweep(int(sweep_bytes))
    for e in environs[: int(n)]:
        sweep()
        if mode == "run":
            answer(app, e)


if __name__ == "__main__":
    main(sys.argv[1:])
