"""Property-based tests (Hypothesis): whatever text or numbers arrive, the normaliser and
every query parameter give an answer or a ServiceError with a stable code — never
another exception, never a 5xx."""

from __future__ import annotations

import math
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.builders import tiny_dataset

from lookup.domain.schedule import LOCAL_TZ, parse_moment
from lookup.errors import ERROR_CODES, ServiceError
from lookup.geocode.chain import locate_address
from lookup.geocode.normalize import canonical_street, parse_address, parse_simple
from lookup.service import PointQuery, find_polling_place

NOW = datetime(2028, 10, 20, 9, tzinfo=LOCAL_TZ)
DS = tiny_dataset()
WORDS = st.sampled_from(
    ["N", "North", "E", "East", "St", "Street", "Rd", "Ave", "Blvd", "Hwy", "NC", "1/2",
     "Apt", "#", "Unit", "Oak", "Main", "Fourth", "Twenty-First", "Matthews-Mint", "Hill",
     "W.T.", "PO", "Box", "Charlotte", ",", "28202", "SC"]
)  # fmt: skip
ADDRESSY = st.builds(
    lambda n, ws: f"{n} {' '.join(ws)}", st.integers(0, 99999), st.lists(WORDS, max_size=7)
)
ANY_TEXT = st.text(max_size=300) | ADDRESSY
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(ANY_TEXT)
def test_parsers_never_raise(text: str) -> None:
    for parsed in (parse_address(text), parse_simple(text)):
        if parsed is not None:
            assert parsed.street[:1].isdigit() and parsed.number
            assert parsed.street == canonical_street(parsed.street)  # already canonical


@FAST
@given(ADDRESSY)
def test_canonical_street_is_idempotent(text: str) -> None:
    once = canonical_street(text)
    assert canonical_street(once) == once


@FAST
@given(ANY_TEXT)
def test_any_address_text_answers_or_says_why(text: str) -> None:
    try:
        located = locate_address(DS, text)
    except ServiceError as exc:
        assert (exc.code in ERROR_CODES and exc.status < 500) or exc.code == "geocoder_unavailable"
    else:
        assert math.isfinite(located.match.lat) and math.isfinite(located.match.lon)


@FAST
@given(
    st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True)
)
def test_any_coordinates_answer_or_say_why(lon: float, lat: float) -> None:
    try:
        a = find_polling_place(DS, PointQuery(lon=lon, lat=lat), NOW)
    except ServiceError as exc:
        assert exc.code in ("invalid_parameter", "outside_jurisdiction")
    else:
        assert a.precinct.id


@FAST
@given(st.one_of(st.none(), st.text(max_size=40)), st.one_of(st.none(), st.text(max_size=40)))
def test_any_date_or_at_parses_or_is_refused(day: str | None, at: str | None) -> None:
    try:
        moment = parse_moment(day, at)
    except ServiceError as exc:
        assert exc.code == "invalid_parameter"
    else:
        assert moment is None or moment.tzinfo is not None


@pytest.fixture(scope="module")
def client(demo_dir):
    from lookup.config import Settings
    from lookup.web.app import create_app

    return create_app(Settings(data_dir=demo_dir, rate_limit_exempt=("127.0.0.0/8",))).test_client()


PARAMS = st.dictionaries(
    st.sampled_from(["address", "lat", "lon", "date", "at", "lang", "open", "q", "limit",
                     "site", "day", "county", "id"]),
    st.text(max_size=60) | st.sampled_from(["nan", "1e309", "-0", "35.2", "-80.8", "es", "now"]),
    max_size=5,
)  # fmt: skip
ROUTES = st.sampled_from(
    ["/api/v1/lookup", "/api/v1/early-voting", "/api/v1/elections", "/api/v1/suggest",
     "/api/v1/calendar.ics", "/api/v1/precinct.geojson", "/api/v1/strings", "/", "/rep",
     "/widget"]
)  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ROUTES, PARAMS)
def test_every_parameter_of_every_route_never_5xx(client, route: str, params: dict) -> None:
    r = client.get(route, query_string=params)
    assert r.status_code < 500, (route, params, r.data[:300])
    if r.status_code >= 400 and r.mimetype == "application/json":
        body = r.get_json()
        assert body["ok"] is False and body["error"]["code"] in ERROR_CODES
