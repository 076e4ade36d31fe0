"""What every view and hook shares: the app's state, the per-request ``Exchange``, and
the JSON and error responses.

The factory (``app``) builds the state and wires views and hooks; they reach it through
this module and never import the factory, so nothing imports back into it.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import orjson
from flask import Response, current_app, g, request

from lookup.changes.holder import ChangesHolder
from lookup.config import Settings
from lookup.dataset.holder import DatasetHolder
from lookup.dataset.model import Dataset
from lookup.domain.boards import STATE_BOARD
from lookup.domain.help_topics import HelpBase
from lookup.domain.models import BoardOfElections
from lookup.domain.schedule import LOCAL_TZ
from lookup.domain.staff_notices import StaffNotice
from lookup.errors import DatasetUnavailable, ServiceError
from lookup.geocode.base import Geocoder
from lookup.i18n import DEFAULT_LANG
from lookup.outputs.api_json import Fragments, error_json
from lookup.service import Answer

Clock = Callable[[], datetime]
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def wall_clock() -> datetime:
    """The real clock, read only at the edge (tests pass ``date=`` or their own clock)."""
    return datetime.now(LOCAL_TZ)


class FragmentCache:
    """The static JSON of the live dataset version, rebuilt when the version changes."""

    def __init__(self) -> None:
        self._current: Fragments | None = None

    def get(self, ds: Dataset) -> Fragments:
        current = self._current
        if current is None or current.version != ds.version:
            current = self._current = Fragments(ds)
        return current


@dataclass(frozen=True)
class AppState:
    settings: Settings
    holder: DatasetHolder
    clock: Clock
    fragments: FragmentCache
    help_base: HelpBase  # the Board's answers to callers' questions, checked at start
    changes: ChangesHolder  # changes on the day, polled (``current()``: what applies)
    geocoders: tuple[Geocoder, ...] = ()  # remote fallbacks, in the configured order
    staff_notices: tuple[StaffNotice, ...] = ()


@dataclass(frozen=True)
class Quota:
    """A client's rate-limit budget as this request left it, for the response headers."""

    limit: int
    remaining: int
    reset_seconds: int


@dataclass
class Exchange:
    """One request as views and hooks tell each other about it. Views write what they
    decided; the after-request hooks (request log, metrics, insight counters, rate-limit
    headers) only read it. Opened by ``begin_exchange``, the app's first hook."""

    request_id: str  # the caller's X-Request-ID if a plain token, else a new one
    started: float  # time.perf_counter() when the request reached the app
    lang: str = DEFAULT_LANG  # the answer's language, once a view has parsed it
    channel: str = ""  # who asked (``params.parse_channel``); "" = the route's own
    repeat: str = ""  # an answer asked again (``params.parse_repeat``): not counted again
    outcome: str = "ok"  # the error code an error response carried
    answer: Answer | None = None  # what a look-up found (the insight counters' input)
    answer_error: str = ""  # an error a page showed instead of raising it
    quota: Quota | None = None  # the rate limit's count, on a limited route


def begin_exchange() -> None:
    """Open this request's ``Exchange`` (the first before-request hook)."""
    given = request.headers.get("X-Request-ID", "")
    g.exchange = Exchange(
        request_id=given if _REQUEST_ID.match(given) else uuid.uuid4().hex,
        started=time.perf_counter(),
    )


def exchange() -> Exchange:
    """This request's ``Exchange``."""
    return g.exchange


def state() -> AppState:
    return current_app.extensions["lookup"]


def dataset_or_none() -> Dataset | None:
    return state().holder.get()


def require_dataset() -> Dataset:
    """The live dataset: one snapshot, taken once per request."""
    ds = dataset_or_none()
    if ds is None:
        raise DatasetUnavailable("no dataset loaded")
    return ds


def current_board() -> BoardOfElections:
    """The board an error names: the dataset's county's, else the state board."""
    ds = dataset_or_none()
    return ds.board if ds else STATE_BOARD


def json_response(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def error_response(err: ServiceError) -> Response:
    """The project's one error shape, in the request's language."""
    ex = exchange()
    ex.outcome = err.code  # for the request log, metrics and insight counters
    ds = dataset_or_none()
    body = error_json(err, ex.lang, ds.board if ds else STATE_BOARD, ds.demo if ds else None)
    return json_response(body, err.status)
