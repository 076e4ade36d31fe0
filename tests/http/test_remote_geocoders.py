"""Remote geocoders against local HTTP servers (127.0.0.1) that speak each backend's wire
format: the US Census ``onelineaddress`` JSON, Esri ``findAddressCandidates`` (f=json), and
Nominatim ``/search?format=jsonv2``. The servers fail on demand (500, slow, reset, junk).
Nothing here touches the internet; the breaker and cache clocks are injected."""

from __future__ import annotations

import json
import logging
import math
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from lookup import __version__
from lookup.config import Settings
from lookup.errors import GeocoderUnavailable
from lookup.geocode.base import ARCGIS, CENSUS, NOMINATIM, Candidate
from lookup.geocode.remote import (
    CENSUS_URL,
    CHARLOTTE_ARCGIS_URL,
    ArcGISGeocoder,
    CensusGeocoder,
    CircuitBreaker,
    NominatimGeocoder,
    Policy,
    RemoteGeocoder,
    build_geocoders,
    make_session,
)

CONTACT = "https://example.org/lookup-ops"
TEXT = "310 N Tryon St, Charlotte, NC 28202"

# --- a local server that replies from a script --------------------------------------------


@dataclass(frozen=True)
class Seen:
    path: str
    params: dict[str, str]
    headers: dict[str, str]


# Replies: ("json", status, body) | ("raw", status, bytes) | ("slow", seconds, body)
#        | ("slow_body", seconds, body) | ("reset",)
Reply = tuple[Any, ...]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a slow reply is expected, not a test failure


class FakeBackend:
    """Answers each GET with the next scripted reply, then with ``default``."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.script: deque[Reply] = deque()
        self.default: Reply = ("json", 200, {})
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = 1 << 16  # one segment per reply (unbuffered writes meet Nagle's delay)

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                with owner.lock:
                    owner.seen.append(
                        Seen(url.path, dict(parse_qsl(url.query)), dict(self.headers.items()))
                    )
                    reply = owner.script.popleft() if owner.script else owner.default
                kind = reply[0]
                if kind == "reset":  # drop the connection before any response (RST)
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                if kind == "slow_body":  # headers at once, the body after a pause
                    body = json.dumps(reply[2]).encode()
                    try:
                        self.send_response(200)
                        self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.flush()
                        time.sleep(reply[1])
                        self.wfile.write(body)
                    except OSError:
                        self.close_connection = True
                    return
                if kind == "slow":
                    time.sleep(reply[1])
                    status, body = 200, json.dumps(reply[2]).encode()
                elif kind == "json":
                    status, body = reply[1], json.dumps(reply[2]).encode()
                else:
                    status, body = reply[1], reply[2]
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=UTF-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the client timed out and left
                    self.close_connection = True

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def reset(self) -> None:
        with self.lock:
            self.seen.clear()
            self.script.clear()
            self.default = ("json", 200, {})

    def reply(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- one place, as each backend would describe it -----------------------------------------


@dataclass(frozen=True)
class Place:
    number: str
    street: str  # as Census and the Master Address Table spell it
    street_osm: str  # as OpenStreetMap spells it
    city: str
    zip: str
    lon: Any
    lat: Any
    esri_score: float = 100
    importance: float | None = 9.99999999995449e-06  # Nominatim's value for a house

    @property
    def census_label(self) -> str:
        return f"{self.number} {self.street}, {self.city.upper()}, NC, {self.zip}"


TRYON = Place("310", "N TRYON ST", "North Tryon Street", "Charlotte", "28202", -80.84263, 35.22891)
MAIN_DAVIDSON = Place(
    "100", "N MAIN ST", "North Main Street", "Davidson", "28036", -80.84858, 35.49952, 97.5, 0.5
)
MAIN_CORNELIUS = Place(
    "100", "S MAIN ST", "South Main Street", "Cornelius", "28031", -80.86012, 35.48427, 88, None
)


def census_body(places: list[Place], text: str = TEXT) -> dict[str, Any]:
    return {
        "result": {
            "input": {
                "address": {"address": text},
                "benchmark": {
                    "isDefault": True,
                    "benchmarkDescription": "Public Address Ranges - Current Benchmark",
                    "id": "4",
                    "benchmarkName": "Public_AR_Current",
                },
            },
            "addressMatches": [
                {
                    "tigerLine": {"side": "L", "tigerLineId": str(86824190 + i)},
                    "coordinates": {"x": p.lon, "y": p.lat},
                    "addressComponents": {
                        "zip": p.zip,
                        "streetName": p.street.split()[1],
                        "preType": "",
                        "city": p.city.upper(),
                        "preDirection": p.street.split()[0],
                        "suffixDirection": "",
                        "fromAddress": "300",
                        "state": "NC",
                        "suffixType": p.street.split()[-1],
                        "toAddress": "398",
                        "suffixQualifier": "",
                        "preQualifier": "",
                    },
                    "matchedAddress": p.census_label,
                }
                for i, p in enumerate(places)
            ],
        }
    }


def arcgis_body(places: list[Place], wkid: int = 4326) -> dict[str, Any]:
    def extent(p: Place) -> dict[str, Any]:
        if not isinstance(p.lon, float) or not isinstance(p.lat, float):
            return {}
        return {
            "xmin": p.lon - 0.0005,
            "ymin": p.lat - 0.0005,
            "xmax": p.lon + 0.0005,
            "ymax": p.lat + 0.0005,
        }

    return {
        "spatialReference": {"wkid": wkid, "latestWkid": wkid},
        "candidates": [
            {
                "address": f"{p.number} {p.street}",
                "location": {"x": p.lon, "y": p.lat},
                "score": p.esri_score,
                "attributes": {
                    "Loc_name": "MAT_Points",
                    "Status": "M",
                    "Score": p.esri_score,
                    "Match_addr": f"{p.number} {p.street}",
                    "Addr_type": "PointAddress",
                    "AddNum": p.number,
                    "StPreDir": p.street.split()[0],
                    "StName": p.street.split()[1],
                    "StType": p.street.split()[-1],
                    "City": p.city.upper(),
                    "ZIP": p.zip,
                    "X": p.lon,
                    "Y": p.lat,
                },
                "extent": extent(p),
            }
            for p in places
        ],
    }


def nominatim_item(p: Place, house: bool = True) -> dict[str, Any]:
    address = {
        "road": p.street_osm,
        "neighbourhood": "First Ward",
        "city": p.city,
        "county": "Mecklenburg County",
        "state": "North Carolina",
        "ISO3166-2-lvl4": "US-NC",
        "postcode": p.zip,
        "country": "United States",
        "country_code": "us",
    }
    if house:
        address = {"house_number": p.number, **address}
    item: dict[str, Any] = {
        "place_id": 298877 + int(p.number),
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "node" if house else "way",
        "osm_id": 4412736 + int(p.number),
        "lat": str(p.lat),
        "lon": str(p.lon),
        "category": "place" if house else "highway",
        "type": "house" if house else "secondary",
        "place_rank": 30 if house else 26,
        "addresstype": "place" if house else "road",
        "name": "",
        "display_name": ", ".join(
            [
                *([p.number] if house else []),
                p.street_osm,
                "First Ward",
                p.city,
                "Mecklenburg County",
                "North Carolina",
                p.zip,
                "United States",
            ]
        ),
        "address": address,
        "boundingbox": [str(p.lat), str(p.lat), str(p.lon), str(p.lon)],
    }
    if p.importance is not None:
        item["importance"] = p.importance
    return item


def nominatim_body(places: list[Place]) -> list[dict[str, Any]]:
    return [nominatim_item(p) for p in places]


# --- the three backends, described once so every case runs for each ---------------------

Clock = Callable[[], float]


@dataclass(frozen=True)
class Spec:
    name: str
    mount: str  # where the backend lives on the fake server
    path: str  # the path every request must hit
    make: Callable[[str, requests.Session, Policy, Clock], RemoteGeocoder]
    body: Callable[[list[Place]], Any]
    expect: Callable[[Place], Candidate]
    params: dict[str, str]  # expected query string, besides the address
    text_param: str
    wrong_shapes: tuple[Any, ...]


def _nominatim_score(p: Place) -> float:
    return 0.7  # one flat score: importance is prominence, not match quality


SPECS = [
    Spec(
        name=CENSUS,
        mount="",
        path="/geocoder/locations/onelineaddress",
        make=lambda url, s, pol, clk: CensusGeocoder(url, session=s, policy=pol, clock=clk),
        body=census_body,
        expect=lambda p: Candidate(p.census_label, p.lon, p.lat, 0.8, CENSUS),
        params={"benchmark": "Public_AR_Current", "format": "json"},
        text_param="address",
        wrong_shapes=(
            {
                "errors": ["Address cannot be empty and cannot exceed 100 characters"],
                "status": "400",
            },
            {"result": {"input": {}, "addressMatches": {"matchedAddress": "310 N TRYON ST"}}},
            {"result": None},
            [census_body([TRYON])],
        ),
    ),
    Spec(
        name=ARCGIS,
        mount="/arcgis/rest/services/LOC/MasterAddress/GeocodeServer",
        path="/arcgis/rest/services/LOC/MasterAddress/GeocodeServer/findAddressCandidates",
        make=lambda url, s, pol, clk: ArcGISGeocoder(url, session=s, policy=pol, clock=clk),
        body=arcgis_body,
        expect=lambda p: Candidate(
            f"{p.number} {p.street}", p.lon, p.lat, p.esri_score / 100, ARCGIS
        ),
        params={"outSR": "4326", "f": "json", "maxLocations": "10", "outFields": "*"},
        text_param="SingleLine",
        wrong_shapes=(
            {"spatialReference": {"wkid": 4326}, "candidates": {"address": "310 N TRYON ST"}},
            {"spatialReference": {"wkid": 4326}},
            # A locator that ignored outSR: State Plane feet, not degrees.
            {
                "spatialReference": {"wkid": 102719, "latestWkid": 2264},
                "candidates": [
                    {
                        "address": "310 N TRYON ST",
                        "location": {"x": 1443860.2, "y": 542270.8},
                        "score": 100,
                        "attributes": {},
                    }
                ],
            },
            [arcgis_body([TRYON])],
        ),
    ),
    Spec(
        name=NOMINATIM,
        mount="/nominatim",
        path="/nominatim/search",
        make=lambda url, s, pol, clk: NominatimGeocoder(url, session=s, policy=pol, clock=clk),
        body=nominatim_body,
        expect=lambda p: Candidate(
            f"{p.number} {p.street_osm}, {p.city}, North Carolina {p.zip}",
            p.lon,
            p.lat,
            _nominatim_score(p),
            NOMINATIM,
        ),
        params={"format": "jsonv2", "addressdetails": "1", "limit": "5", "countrycodes": "us"},
        text_param="q",
        wrong_shapes=(
            {"error": {"code": 400, "message": "Parameter 'q' is empty."}},
            ["310", "North Tryon Street"],
            {"results": nominatim_body([TRYON])},
        ),
    ),
]
BY_NAME = {s.name: s for s in SPECS}


@pytest.fixture(scope="module")
def _shared_server() -> Iterator[FakeBackend]:
    srv = FakeBackend()
    yield srv
    srv.close()


@pytest.fixture
def server(_shared_server: FakeBackend) -> FakeBackend:
    """One server for the module (starting one per test is slow), blank for each test."""
    _shared_server.reset()
    return _shared_server


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = make_session(CONTACT)
    yield s
    s.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


Factory = Callable[..., RemoteGeocoder]


@pytest.fixture(params=SPECS, ids=[s.name for s in SPECS])
def spec(request: pytest.FixtureRequest) -> Spec:
    return request.param


@pytest.fixture
def make(spec: Spec, server: FakeBackend, session: requests.Session, clock: FakeClock) -> Factory:
    """A geocoder for ``spec`` pointed at ``server``; ``policy`` fields may be overridden."""

    def build(**policy: Any) -> RemoteGeocoder:
        server.default = ("json", 200, spec.body([]))
        return spec.make(server.url + spec.mount, session, Policy(**policy), clock)

    return build


def unavailable(geocoder: RemoteGeocoder, text: str = TEXT) -> GeocoderUnavailable:
    with pytest.raises(GeocoderUnavailable) as info:
        geocoder.geocode(text)
    return info.value


# --- the cases, for each backend ------------------------------------------------------------


def test_one_match(spec: Spec, make: Factory, server: FakeBackend) -> None:
    server.reply(("json", 200, spec.body([TRYON])))
    assert make().geocode(TEXT) == [spec.expect(TRYON)]


def test_no_match_is_an_empty_list(spec: Spec, make: Factory, server: FakeBackend) -> None:
    assert make().geocode("1 Nowhere Ln, Charlotte, NC") == []
    assert len(server.seen) == 1


def test_several_matches_keep_the_backend_order(
    spec: Spec, make: Factory, server: FakeBackend
) -> None:
    server.reply(("json", 200, spec.body([MAIN_DAVIDSON, MAIN_CORNELIUS])))
    got = make().geocode("100 Main St")
    assert got == [spec.expect(MAIN_DAVIDSON), spec.expect(MAIN_CORNELIUS)]


def test_http_500_is_unavailable(spec: Spec, make: Factory, server: FakeBackend) -> None:
    server.reply(("raw", 500, b"<html><body>Internal Server Error</body></html>"))
    exc = unavailable(make())
    assert exc.status == 503 and exc.code == "geocoder_unavailable"
    assert exc.details["backend"] == spec.name and exc.details["reason"] == "http_500"
    assert len(server.seen) == 1  # no retry once the server has answered


def test_a_slow_backend_fails_fast(spec: Spec, make: Factory, server: FakeBackend) -> None:
    server.reply(("slow", 1.0, spec.body([TRYON])))
    geocoder = make(read_timeout=0.3)
    started = time.monotonic()
    exc = unavailable(geocoder)
    elapsed = time.monotonic() - started
    assert exc.details["reason"] == "timeout"
    assert 0.25 < elapsed < 0.8  # the read timeout, not the server's second; no retry
    assert len(server.seen) == 1


def test_a_body_slower_than_the_read_timeout_is_a_timeout(
    server: FakeBackend, session: requests.Session
) -> None:
    server.reply(("slow_body", 1.0, census_body([TRYON])))
    geocoder = CensusGeocoder(server.url, session=session, policy=Policy(read_timeout=0.3))
    started = time.monotonic()
    assert unavailable(geocoder).details["reason"] == "timeout"
    assert time.monotonic() - started < 0.8 and len(server.seen) == 1


@pytest.mark.parametrize(
    "junk",
    [
        b'{"result": {"addressMatches": [',
        b"<html><title>502 Proxy Error</title></html>",
        b"",
        b'{"result": "\xff"}',
    ],
    ids=["cut-short", "html", "empty", "not-utf8"],
)
def test_malformed_json_is_a_bad_response(make: Factory, server: FakeBackend, junk: bytes) -> None:
    server.reply(("raw", 200, junk))
    assert unavailable(make()).details["reason"] == "bad_response"


def test_json_of_the_wrong_shape_is_a_bad_response(
    spec: Spec, make: Factory, server: FakeBackend
) -> None:
    geocoder = make(failure_threshold=100)
    for body in spec.wrong_shapes:
        server.reply(("json", 200, body))
        assert unavailable(geocoder).details["reason"] == "bad_response", body


def test_one_retry_after_a_connection_reset(spec: Spec, make: Factory, server: FakeBackend) -> None:
    server.reply(("reset",), ("json", 200, spec.body([TRYON])))
    assert make().geocode(TEXT) == [spec.expect(TRYON)]
    assert len(server.seen) == 2


def test_no_second_retry(make: Factory, server: FakeBackend) -> None:
    server.reply(("reset",), ("reset",), ("reset",))
    assert unavailable(make()).details["reason"] == "connection"
    assert len(server.seen) == 2


def test_refused_connection_is_unavailable(spec: Spec, session: requests.Session) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    geocoder = spec.make(f"http://127.0.0.1:{port}{spec.mount}", session, Policy(), time.monotonic)
    assert unavailable(geocoder).details["reason"] == "connection"


def test_query_parameters_and_user_agent(spec: Spec, make: Factory, server: FakeBackend) -> None:
    make().geocode("  310 N Tryon St,   Charlotte, NC 28202 ")
    (seen,) = server.seen
    assert seen.path == spec.path
    assert seen.params == {spec.text_param: TEXT, **spec.params}
    assert seen.headers["User-Agent"] == f"lookup/{__version__} (polling-place lookup; +{CONTACT})"
    assert seen.headers["Accept"] == "application/json"


def test_answers_are_cached_failures_are_not(
    spec: Spec, make: Factory, server: FakeBackend, clock: FakeClock
) -> None:
    geocoder = make()
    server.reply(("raw", 500, b"busy"), ("json", 200, spec.body([TRYON])))
    assert unavailable(geocoder).details["reason"] == "http_500"
    assert geocoder.geocode(TEXT) == [spec.expect(TRYON)]  # the failure was not cached
    assert geocoder.geocode("310 n tryon st,  CHARLOTTE, nc 28202") == [spec.expect(TRYON)]
    assert len(server.seen) == 2
    assert geocoder.geocode("9 Nowhere Ln") == [] and geocoder.geocode("9 NOWHERE LN") == []
    assert len(server.seen) == 3  # "no match" is an answer too
    clock.advance(3601)  # past the TTL
    geocoder.geocode(TEXT)
    assert len(server.seen) == 4


def test_a_cached_answer_is_a_copy(spec: Spec, make: Factory, server: FakeBackend) -> None:
    server.reply(("json", 200, spec.body([TRYON])))
    geocoder = make()
    geocoder.geocode(TEXT).clear()
    assert geocoder.geocode(TEXT) == [spec.expect(TRYON)]


def test_circuit_opens_after_three_failures(spec: Spec, make: Factory, server: FakeBackend) -> None:
    geocoder = make()
    server.reply(("json", 200, spec.body([TRYON])))
    geocoder.geocode(TEXT)  # cached before the outage
    server.default = ("raw", 500, b"down")
    for _ in range(3):
        assert unavailable(geocoder, "1 Other St").details["reason"] == "http_500"
    assert geocoder.breaker.state == "open"
    assert unavailable(geocoder, "2 Other St").details["reason"] == "circuit_open"
    assert len(server.seen) == 4  # the fourth failure call made no request
    assert geocoder.geocode(TEXT) == [spec.expect(TRYON)]  # the cache still answers


def test_circuit_recovers_after_the_cool_down(
    spec: Spec, make: Factory, server: FakeBackend, clock: FakeClock
) -> None:
    geocoder = make()
    server.reply(*[("raw", 503, b"down")] * 3)
    for _ in range(3):
        unavailable(geocoder)
    clock.advance(29.9)
    assert unavailable(geocoder).details["reason"] == "circuit_open"
    assert len(server.seen) == 3
    clock.advance(0.1)
    assert geocoder.breaker.state == "half_open"
    server.reply(("json", 200, spec.body([TRYON])), ("raw", 500, b"blip"))
    assert geocoder.geocode(TEXT) == [spec.expect(TRYON)]  # the trial, let through
    assert geocoder.breaker.state == "closed"
    assert unavailable(geocoder, "1 Other St").details["reason"] == "http_500"
    assert geocoder.breaker.state == "closed"  # one failure after recovery is not three
    assert len(server.seen) == 5


def test_a_failed_trial_opens_the_circuit_again(
    make: Factory, server: FakeBackend, clock: FakeClock
) -> None:
    geocoder = make()
    server.default = ("raw", 500, b"down")
    for _ in range(3):
        unavailable(geocoder)
    clock.advance(30)
    assert unavailable(geocoder).details["reason"] == "http_500"  # the trial failed
    assert len(server.seen) == 4
    assert unavailable(geocoder).details["reason"] == "circuit_open"
    clock.advance(29)
    assert unavailable(geocoder).details["reason"] == "circuit_open"
    assert len(server.seen) == 4
    clock.advance(1)
    unavailable(geocoder)  # another trial
    assert len(server.seen) == 5


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (math.nan, 35.2),
        (-80.8, math.inf),
        (-180.5, 35.2),
        (-80.8, 91.0),
        ("west", 35.2),
        (None, None),
        (True, 35.2),
    ],
)
def test_impossible_coordinates_are_dropped(
    spec: Spec, make: Factory, server: FakeBackend, lon: Any, lat: Any
) -> None:
    bad = replace(TRYON, lon=lon, lat=lat)
    geocoder = make(failure_threshold=100)
    server.reply(("json", 200, spec.body([bad, MAIN_DAVIDSON])))
    assert geocoder.geocode(TEXT) == [spec.expect(MAIN_DAVIDSON)]
    # Only nonsense: "no match" would be a lie, so the backend is unavailable.
    server.reply(("json", 200, spec.body([bad])))
    assert unavailable(geocoder, "other text").details["reason"] == "bad_response"


def test_the_address_never_reaches_logs_or_errors(
    spec: Spec, make: Factory, server: FakeBackend, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "4417 Quail Hollow Secret Rd"
    geocoder = make()
    nonsense = spec.body([replace(TRYON, lon=999.0)])
    server.reply(("raw", 500, b""), ("raw", 200, b"junk"), ("json", 200, nonsense))
    caplog.set_level(logging.DEBUG)
    errors = [unavailable(geocoder, secret) for _ in range(3)]
    errors.append(unavailable(geocoder, secret))  # circuit open
    for exc in errors:
        assert "quail" not in (str(exc) + repr(exc.details) + exc.detail).casefold()
    assert caplog.records and all("quail" not in r.getMessage().casefold() for r in caplog.records)


# --- backend specifics ----------------------------------------------------------------------


def test_arcgis_drops_low_scores_and_scales_the_rest(
    server: FakeBackend, session: requests.Session
) -> None:
    low = replace(MAIN_CORNELIUS, esri_score=79.99)
    server.reply(
        ("json", 200, arcgis_body([TRYON, MAIN_DAVIDSON, low])), ("json", 200, arcgis_body([low]))
    )
    geocoder = ArcGISGeocoder(server.url + BY_NAME[ARCGIS].mount, session=session)
    got = geocoder.geocode(TEXT)
    assert [c.score for c in got] == [1.0, 0.975]
    assert geocoder.geocode("100 S Main St") == []  # only weak candidates: no match
    strict = ArcGISGeocoder(server.url + BY_NAME[ARCGIS].mount, session=session, min_score=98)
    server.reply(("json", 200, arcgis_body([TRYON, MAIN_DAVIDSON])))
    assert [c.address for c in strict.geocode(TEXT)] == ["310 N TRYON ST"]


def test_arcgis_error_object_in_a_200_is_unavailable(
    server: FakeBackend, session: requests.Session
) -> None:
    error = {
        "error": {
            "code": 500,
            "message": "Unable to complete operation.",
            "details": ["Geocode service error."],
        }
    }
    server.reply(("json", 200, error))
    exc = unavailable(ArcGISGeocoder(server.url + BY_NAME[ARCGIS].mount, session=session))
    assert exc.details["reason"] == "service_error" and exc.details["code"] == 500
    assert "Unable" not in repr(exc.details)  # Esri's message may echo the input


def test_arcgis_accepts_wkid_or_latest_wkid(server: FakeBackend, session: requests.Session) -> None:
    geocoder = ArcGISGeocoder(server.url + BY_NAME[ARCGIS].mount, session=session)
    for sr in ({"wkid": 4326}, {"wkid": 104199, "latestWkid": 4326}):
        body = {**arcgis_body([TRYON]), "spatialReference": sr}
        server.reply(("json", 200, body))
        assert geocoder.geocode(f"{TEXT} {sr}") == [BY_NAME[ARCGIS].expect(TRYON)]


def test_nominatim_keeps_address_level_results_only(
    server: FakeBackend, session: requests.Session
) -> None:
    street = nominatim_item(TRYON, house=False)
    server.reply(("json", 200, [street, nominatim_item(MAIN_DAVIDSON)]), ("json", 200, [street]))
    geocoder = NominatimGeocoder(server.url + "/nominatim", session=session)
    assert geocoder.geocode(TEXT) == [BY_NAME[NOMINATIM].expect(MAIN_DAVIDSON)]
    assert geocoder.geocode("North Tryon Street") == []  # a street is not an address


@pytest.mark.parametrize("importance", [0.5, 2.0, None, 9.99999999995449e-06, 0.0, -1.0])
def test_nominatim_score_ignores_importance(
    server: FakeBackend, session: requests.Session, importance: float | None
) -> None:
    server.reply(("json", 200, [nominatim_item(replace(TRYON, importance=importance))]))
    (got,) = NominatimGeocoder(server.url + "/nominatim", session=session).geocode(TEXT)
    assert got.score == 0.7
    assert (got.lon, got.lat) == (-80.84263, 35.22891)  # parsed from Nominatim's strings


def test_nominatim_needs_a_url() -> None:
    with pytest.raises(ValueError, match="self-hosted"):
        NominatimGeocoder("")


def test_blank_text_asks_nobody(make: Factory, server: FakeBackend) -> None:
    assert make().geocode("   ") == []
    assert server.seen == []


def test_half_open_lets_one_trial_through() -> None:
    clock = FakeClock()
    breaker = CircuitBreaker(threshold=2, cool_down=10, clock=clock)
    assert not breaker.failure() and breaker.failure()  # the second failure opens it
    assert not breaker.allow()
    clock.advance(10)
    assert breaker.allow() and not breaker.allow()  # one trial at a time
    breaker.success()
    assert breaker.state == "closed" and breaker.allow()


# --- settings and wiring --------------------------------------------------------------------


def test_no_remote_geocoders_by_default() -> None:
    assert Settings().geocoders == () and Settings.from_env({}).geocoders == ()
    assert build_geocoders(Settings.from_env({"LOOKUP_GEOCODERS": " , "})) == []


def test_settings_from_env() -> None:
    settings = Settings.from_env(
        {
            "LOOKUP_GEOCODERS": "arcgis, Census ,nominatim",
            "LOOKUP_CENSUS_URL": "http://127.0.0.1:9/census",
            "LOOKUP_ARCGIS_URL": "http://127.0.0.1:9/GeocodeServer",
            "LOOKUP_NOMINATIM_URL": "http://127.0.0.1:9/nominatim",
            "LOOKUP_GEOCODER_TIMEOUT": "0.75",
            "LOOKUP_GEOCODER_CONTACT": "ops@example.org",
        }
    )
    assert settings.geocoders == ("arcgis", "census", "nominatim")
    assert settings.census_url == "http://127.0.0.1:9/census"
    assert settings.arcgis_url == "http://127.0.0.1:9/GeocodeServer"
    assert settings.nominatim_url == "http://127.0.0.1:9/nominatim"
    assert (settings.geocoder_connect_timeout, settings.geocoder_read_timeout) == (1.0, 0.75)
    assert settings.geocoder_contact == "ops@example.org"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"LOOKUP_GEOCODERS": "census,google"},
            r"unknown geocoder.*'google'.*known: census, arcgis, nominatim",
        ),
        ({"LOOKUP_GEOCODERS": "nominatim"}, "LOOKUP_NOMINATIM_URL"),
        ({"LOOKUP_GEOCODERS": "census,census"}, "twice"),
        ({"LOOKUP_GEOCODER_TIMEOUT": "soon"}, "LOOKUP_GEOCODER_TIMEOUT"),
        ({"LOOKUP_GEOCODER_TIMEOUT": "0"}, "positive"),
    ],
)
def test_settings_refuse_bad_geocoder_config(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_build_geocoders_in_order_sharing_one_session() -> None:
    settings = Settings(
        geocoders=("nominatim", "census", "arcgis"),
        nominatim_url="http://127.0.0.1:9/nominatim/",
        geocoder_read_timeout=0.5,
        geocoder_contact="ops@example.org",
    )
    built = build_geocoders(settings)
    nominatim, census, arcgis = built
    try:
        assert [g.name for g in built] == ["nominatim", "census", "arcgis"]
        assert (
            isinstance(nominatim, NominatimGeocoder)
            and nominatim.url == "http://127.0.0.1:9/nominatim"
        )
        assert isinstance(census, CensusGeocoder) and census.base_url == CENSUS_URL
        assert isinstance(arcgis, ArcGISGeocoder) and arcgis.url == CHARLOTTE_ARCGIS_URL
        assert nominatim.session is census.session is arcgis.session
        assert census.session.headers["User-Agent"].endswith(
            "(polling-place lookup; +ops@example.org)"
        )
        assert census.policy.read_timeout == 0.5 and census.policy.connect_timeout == 1.0
        assert census.breaker is not arcgis.breaker  # one circuit per backend
    finally:
        assert isinstance(census, CensusGeocoder)
        census.session.close()
