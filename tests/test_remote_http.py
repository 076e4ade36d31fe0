"""A remote geocoder configured by environment, end to end: gunicorn on 127.0.0.1 asks a
local server that speaks the US Census geocoder's wire format."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import Server

pytestmark = pytest.mark.http
BEFORE = "2028-10-25"


class Census:
    """``/geocoder/locations/onelineaddress``: "1 Harbor View Ln" is at a demo point; any
    other address has no match; while ``failing`` is set, every request gets a 500."""

    def __init__(self, lon: float, lat: float) -> None:
        self.failing = False
        self.asked: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                q = parse_qs(url.query)
                owner.asked.append(q.get("address", [""])[0])
                if owner.failing or url.path != "/geocoder/locations/onelineaddress":
                    return self._send(500, b"Internal Server Error", "text/plain")
                matches = []
                if q.get("address", [""])[0].lower().startswith("1 harbor view"):
                    matches.append(
                        {
                            "tigerLine": {"side": "L", "tigerLineId": "999"},
                            "coordinates": {"x": lon, "y": lat},
                            "addressComponents": {"fromAddress": "1", "streetName": "HARBOR VIEW"},
                            "matchedAddress": "1 HARBOR VIEW LN, DEMO CITY, NC, 28990",
                        }
                    )
                body = {"result": {"input": {"address": {"address": q["address"][0]}},
                                   "addressMatches": matches}}  # fmt: skip
                self._send(200, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def census(demo_ds) -> Iterator[Census]:
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    c = Census(point.lon, point.lat)
    yield c
    c.httpd.shutdown()
    c.httpd.server_close()


@pytest.fixture(scope="module")
def remote_server(demo_dir: Path, census: Census, tmp_path_factory) -> Iterator[Server]:
    env = {"LOOKUP_GEOCODERS": "census", "LOOKUP_CENSUS_URL": census.url}
    srv = Server(demo_dir, tmp_path_factory.mktemp("remote") / "server.log", env=env)
    yield srv
    srv.stop()


def test_local_first_then_the_census(remote_server: Server, census: Census) -> None:
    census.asked.clear()
    local = remote_server.get("/api/v1/lookup", address="13186 5th St, Demo City", date=BEFORE)
    assert local.json()["match"]["source"] == "address_point" and census.asked == []
    r = remote_server.get("/api/v1/lookup", address="1 Harbor View Ln, Demo City", date=BEFORE)
    body = r.json()
    assert r.status_code == 200, r.text
    assert body["match"]["source"] == "census" and body["match"]["score"] == 0.8
    assert body["precinct"]["id"] == local.json()["precinct"]["id"]
    assert census.asked == ["1 Harbor View Ln, Demo City"]


def test_census_knows_nothing_is_not_found(remote_server: Server) -> None:
    r = remote_server.get("/api/v1/lookup", address="2 Nowhere Ln, Demo City", date=BEFORE)
    assert r.status_code == 404 and r.json()["error"]["code"] == "address_not_found"


def test_census_down_is_unavailable_not_not_found(remote_server: Server, census: Census) -> None:
    census.failing = True
    try:
        r = remote_server.get("/api/v1/lookup", address="3 Nowhere Ln, Demo City", date=BEFORE)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "geocoder_unavailable"
        # Local answers do not depend on the remote one.
        ok = remote_server.get("/api/v1/lookup", address="13186 5th St, Demo City", date=BEFORE)
        assert ok.status_code == 200
    finally:
        census.failing = False
