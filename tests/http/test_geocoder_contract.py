"""The one contract every geocoder keeps (``lookup.geocode.base.Geocoder``), checked for each
backend over real HTTP against a local server (127.0.0.1) speaking that backend's format:

* a known address → a non-empty list of ``Candidate``s, best first, the first within 50 m
  of the known point, each with finite lon/lat on the globe, 0 < score <= 1, a source
  from ``base.SOURCES`` and a non-empty ``address``;
* an unknown address → ``[]``;
* a backend that cannot answer → ``GeocoderUnavailable``, never another exception type.
"""

from __future__ import annotations

import json
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from lookup.errors import GeocoderUnavailable
from lookup.geocode.base import SOURCES, Candidate, Geocoder
from lookup.geocode.chain import LocalGeocoder
from lookup.geocode.remote import (
    ArcGISGeocoder,
    CensusGeocoder,
    NominatimGeocoder,
    Policy,
    cache_key,
    make_session,
)

# The Charlotte-Mecklenburg Government Center, and where each backend puts it: Census
# interpolates along the block (~20 m off), the Master Address Table has the building
# (~2 m), OpenStreetMap a node at the entrance (~6 m).
KNOWN_TEXT = "600 E 4th St, Charlotte, NC 28202"
KNOWN_LON, KNOWN_LAT = -80.83955, 35.22120
UNKNOWN_TEXT = "99999 Nonesuch Blvd, Charlotte, NC 28299"
CENSUS_POINT = (-80.83940, 35.22135)
ARCGIS_POINT = (-80.83957, 35.22121)
NOMINATIM_POINT = (-80.83950, 35.22124)

Backend = tuple[Geocoder, str, float, float, str]  # geocoder, known text, lon, lat, unknown


# --- a local server speaking the three wire formats -------------------------------------


def census_reply(text: str) -> Any:
    matches = []
    if cache_key(text) == cache_key(KNOWN_TEXT):
        matches.append(
            {
                "tigerLine": {"side": "R", "tigerLineId": "86824702"},
                "coordinates": {"x": CENSUS_POINT[0], "y": CENSUS_POINT[1]},
                "addressComponents": {
                    "zip": "28202",
                    "streetName": "4TH",
                    "preType": "",
                    "city": "CHARLOTTE",
                    "preDirection": "E",
                    "suffixDirection": "",
                    "fromAddress": "600",
                    "state": "NC",
                    "suffixType": "ST",
                    "toAddress": "698",
                    "suffixQualifier": "",
                    "preQualifier": "",
                },
                "matchedAddress": "600 E 4TH ST, CHARLOTTE, NC, 28202",
            }
        )
    benchmark = {
        "isDefault": True,
        "benchmarkDescription": "Public Address Ranges - Current Benchmark",
        "id": "4",
        "benchmarkName": "Public_AR_Current",
    }
    return {
        "result": {
            "input": {"address": {"address": text}, "benchmark": benchmark},
            "addressMatches": matches,
        }
    }


def arcgis_reply(text: str) -> Any:
    candidates = []
    if cache_key(text) == cache_key(KNOWN_TEXT):
        x, y = ARCGIS_POINT
        candidates.append(
            {
                "address": "600 E 4TH ST",
                "location": {"x": x, "y": y},
                "score": 100,
                "attributes": {
                    "Loc_name": "MAT_Points",
                    "Status": "M",
                    "Score": 100,
                    "Match_addr": "600 E 4TH ST",
                    "Addr_type": "PointAddress",
                    "City": "CHARLOTTE",
                    "ZIP": "28202",
                },
                "extent": {
                    "xmin": x - 0.0005,
                    "ymin": y - 0.0005,
                    "xmax": x + 0.0005,
                    "ymax": y + 0.0005,
                },
            }
        )
    return {"spatialReference": {"wkid": 4326, "latestWkid": 4326}, "candidates": candidates}


def nominatim_reply(text: str) -> Any:
    if cache_key(text) != cache_key(KNOWN_TEXT):
        return []
    lon, lat = NOMINATIM_POINT
    return [
        {
            "place_id": 297113664,
            "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
            "osm_type": "node",
            "osm_id": 5520934251,
            "lat": str(lat),
            "lon": str(lon),
            "category": "place",
            "type": "house",
            "place_rank": 30,
            "importance": 9.99999999995449e-06,
            "addresstype": "place",
            "name": "",
            "display_name": "600, East 4th Street, Second Ward, Charlotte, Mecklenburg County, North Carolina, 28202, United States",
            "address": {
                "house_number": "600",
                "road": "East 4th Street",
                "neighbourhood": "Second Ward",
                "city": "Charlotte",
                "county": "Mecklenburg County",
                "state": "North Carolina",
                "ISO3166-2-lvl4": "US-NC",
                "postcode": "28202",
                "country": "United States",
                "country_code": "us",
            },
            "boundingbox": [
                str(lat - 0.00005),
                str(lat + 0.00005),
                str(lon - 0.00005),
                str(lon + 0.00005),
            ],
        }
    ]


# path → (parameter holding the address, reply builder)
ROUTES: dict[str, tuple[str, Callable[[str], Any]]] = {
    "/census/geocoder/locations/onelineaddress": ("address", census_reply),
    "/arcgis/GeocodeServer/findAddressCandidates": ("SingleLine", arcgis_reply),
    "/nominatim/search": ("q", nominatim_reply),
}
# A first path segment that makes the server fail, and how.
FAILURE_MODES = ("http_500", "invalid_json", "wrong_shape", "timeout", "refused")


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that timed out and left are part of the test


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    wbufsize = 1 << 16

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        mode, _, rest = url.path.lstrip("/").partition("/")
        route = ROUTES.get("/" + rest) if mode in FAILURE_MODES else ROUTES.get(url.path)
        if route is None:
            return self._send(404, b'{"error": "no such route"}')
        param, reply = route
        text = dict(parse_qsl(url.query)).get(param, "")
        if mode == "http_500":
            return self._send(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>")
        if mode == "invalid_json":
            return self._send(200, b'{"result": {"addressMatches": [{"matchedAdd')
        if mode == "wrong_shape":
            return self._send(200, b'{"status": "ok", "data": null}')
        if mode == "timeout":
            time.sleep(0.6)
        self._send(200, json.dumps(reply(text)).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    httpd = _QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def session() -> Iterator[requests.Session]:
    s = make_session("https://example.org/lookup-ops")
    yield s
    s.close()


def closed_port_url() -> str:
    with socket.socket() as s:  # bound, never listening: connections are refused
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


# --- the backends under contract --------------------------------------------------------

# Builds a remote backend whose root URL starts with the given prefix.
RemoteFactory = Callable[[str, requests.Session, Policy], Geocoder]
REMOTE: dict[str, RemoteFactory] = {
    "census": lambda root, s, p: CensusGeocoder(root + "/census", session=s, policy=p),
    "arcgis": lambda root, s, p: ArcGISGeocoder(
        root + "/arcgis/GeocodeServer", session=s, policy=p
    ),
    "nominatim": lambda root, s, p: NominatimGeocoder(root + "/nominatim", session=s, policy=p),
}

# A builder gets the pytest request (for whatever fixtures it needs) and yields a Backend.
Builder = Callable[[pytest.FixtureRequest], Iterator[Backend]]


def _remote(name: str) -> Builder:
    def build(request: pytest.FixtureRequest) -> Iterator[Backend]:
        root = request.getfixturevalue("server_url")
        geocoder = REMOTE[name](root, request.getfixturevalue("session"), Policy())
        yield geocoder, KNOWN_TEXT, KNOWN_LON, KNOWN_LAT, UNKNOWN_TEXT

    return build


def _local(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The demo county's address points and centerlines (no server: it is in-process)."""
    ds = request.getfixturevalue("demo_ds")
    (point,) = ds.addresses.rows_for("13186 5TH ST")
    yield LocalGeocoder(ds), "13186 5th St, Demo City NC 28990", point.lon, point.lat, UNKNOWN_TEXT


BUILDERS: dict[str, Builder] = {name: _remote(name) for name in REMOTE} | {"local": _local}

# ---------------------------------------------------------------------------------------
# THE BACKENDS UNDER CONTRACT: the local one (address points, then centerlines) and
# every remote one.
BACKENDS: list[str] = [
    "local",
    "census",
    "arcgis",
    "nominatim",
]
# ---------------------------------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from BUILDERS[request.param](request)


@pytest.fixture(params=[(n, m) for n in REMOTE for m in FAILURE_MODES], ids=lambda p: "-".join(p))
def failing_backend(
    request: pytest.FixtureRequest, server_url: str, session: requests.Session
) -> Geocoder:
    """A remote backend whose server fails in one way (the local backend has no server)."""
    name, mode = request.param
    root = closed_port_url() if mode == "refused" else f"{server_url}/{mode}"
    return REMOTE[name](root, session, Policy(read_timeout=0.2))


# --- the contract -----------------------------------------------------------------------


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def test_a_known_address(backend: Backend) -> None:
    geocoder, text, lon, lat, _ = backend
    found = geocoder.geocode(text)
    assert isinstance(found, list) and found
    for c in found:
        assert isinstance(c, Candidate)
        assert isinstance(c.lon, float) and math.isfinite(c.lon) and -180 <= c.lon <= 180
        assert isinstance(c.lat, float) and math.isfinite(c.lat) and -90 <= c.lat <= 90
        assert 0 < c.score <= 1
        assert c.source in SOURCES
        assert isinstance(c.address, str) and c.address.strip()
    assert metres(found[0].lon, found[0].lat, lon, lat) <= 50
    assert found[0].score == max(c.score for c in found)  # best first


def test_an_unknown_address(backend: Backend) -> None:
    geocoder, _, _, _, unknown = backend
    assert geocoder.geocode(unknown) == []


def test_a_failing_backend_is_unavailable(failing_backend: Geocoder) -> None:
    with pytest.raises(GeocoderUnavailable) as info:
        failing_backend.geocode(KNOWN_TEXT)
    assert type(info.value) is GeocoderUnavailable
    assert info.value.details["backend"] == failing_backend.name
