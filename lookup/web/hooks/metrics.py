"""``GET /metrics`` in Prometheus' text format (prometheus_client).

Requests by route (the URL rule, never the query) and outcome code, a latency histogram
by route, each remote geocoder's health (1 = its circuit breaker lets requests out, 0 =
open: the lowest over the live workers), and the live data version and its age.

Under gunicorn every worker is a process: ``lookup serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a fresh folder before the app exists, each worker writes
its samples there, and a scrape (answered by any worker) adds them up. Without that
variable (tests, ``flask run``) the process's own registry is used.
"""

from __future__ import annotations

import os
import time

from flask import Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from lookup.config import MULTIPROC_ENV
from lookup.insights import dropped_events
from lookup.web.context import exchange, state
from lookup.web.hooks.request_log import outcome, route

# Most answers take well under 5 ms; remote geocoders add up to their 2.5 s read timeout.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    """The service's instruments, registered once per app (tests build many apps)."""

    def __init__(self) -> None:
        # A registry per app: tests build many apps in one process. Under gunicorn the
        # values live in the multiprocess files whatever registry holds the instruments.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "lookup_requests", "Requests answered, by route and outcome code",
            ["route", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "lookup_request_seconds", "Time to answer, by route", ["route"],
            buckets=_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self.geocoder_up = Gauge(
            "lookup_geocoder_up",
            "1 if the remote geocoder's circuit breaker lets requests out, 0 if open",
            ["backend"], multiprocess_mode="livemin", registry=self.registry,
        )  # fmt: skip
        self.data_info = Gauge(
            "lookup_data_version_info", "The live data version (value 1)",
            ["version", "demo"], multiprocess_mode="livemax", registry=self.registry,
        )  # fmt: skip
        self.data_age = Gauge(
            "lookup_data_age_seconds", "Seconds since the live data version was built",
            multiprocess_mode="mostrecent", registry=self.registry,
        )  # fmt: skip
        self.insights_dropped = Gauge(
            "lookup_insights_dropped",
            "Insight counter events lost because their store was unavailable",
            multiprocess_mode="livesum", registry=self.registry,
        )  # fmt: skip
        self._version: tuple[str, str] | None = None
        self.multiproc = os.environ.get(MULTIPROC_ENV)  # set by ``lookup serve`` before this

    def observe_request(self, route: str, outcome: str, seconds: float) -> None:
        self.requests.labels(route, outcome).inc()
        self.latency.labels(route).observe(seconds)

    def note_state(self) -> None:
        """This worker's geocoder health and live version, after each request: a few
        comparisons, so every worker's samples are current whichever one is scraped."""
        st = state()
        for geocoder in st.geocoders:
            breaker = getattr(geocoder, "breaker", None)
            if breaker is not None:
                self.geocoder_up.labels(geocoder.name).set(0 if breaker.state == "open" else 1)
        ds = st.holder.get()
        if ds is not None and (ds.version, str(ds.demo).lower()) != self._version:
            if self._version is not None:  # 0, not removed: the worker's file keeps it
                self.data_info.labels(*self._version).set(0)
            self._version = (ds.version, str(ds.demo).lower())
            self.data_info.labels(*self._version).set(1)

    def note_scrape(self) -> None:
        """What is only worth reading when asked: the data's age, the insights' losses."""
        self.note_state()
        built = state().holder.built_at()
        if built is not None:
            self.data_age.set(max(0.0, time.time() - built))
        self.insights_dropped.set(dropped_events())

    def observe(self, resp: Response) -> Response:
        """The after-request hook: count the request and its time (not a scrape's)."""
        if request.url_rule is not None and request.url_rule.rule == "/metrics":
            return resp
        ex = exchange()
        elapsed = time.perf_counter() - ex.started
        self.observe_request(route(), outcome(ex, resp.status_code), elapsed)
        self.note_state()
        return resp

    def scrape(self) -> Response:
        """``GET /metrics``: every live worker's samples added up, under gunicorn."""
        self.note_scrape()
        registry = self.registry
        if self.multiproc:  # add up every worker's files, at scrape time
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry, path=self.multiproc)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def worker_exited(pid: int) -> None:
    """gunicorn's ``child_exit`` hook: drop a dead worker's live gauges."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)
