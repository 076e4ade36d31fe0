"""A local HTTP server speaking the US Census geocoder's wire format, for the tests that
run gunicorn against a "remote" geocoder (no patched functions, no internet)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

PATH = "/geocoder/locations/onelineaddress"
HANG_S = 3.0  # how long a hanging remote keeps the connection before answering


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up on a hanging reply is expected


class Census:
    """``/geocoder/locations/onelineaddress``: any address on "Harbor View" is at
    (``lon``, ``lat``), any other has no match, any other path gets a 500. ``mode``:
    ``ok``; ``hang`` holds the reply for ``hang_s``; ``slow`` answers after 1.5 s (within
    the service's default 2.5 s timeout); ``500`` fails; ``garbage`` answers 200 with HTML.
    ``asked`` holds the addresses asked, ``hits`` the monotonic time of each request."""

    def __init__(self, lon: float, lat: float, hang_s: float = 3.0) -> None:
        self.mode = "ok"
        self.asked: list[str] = []
        self.hits: list[float] = []
        self.in_flight = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                url = urlparse(self.path)
                address = parse_qs(url.query).get("address", [""])[0]
                with owner.lock:
                    owner.asked.append(address)
                    owner.hits.append(time.monotonic())
                    owner.in_flight += 1
                    mode = owner.mode if url.path == PATH else "500"
                try:
                    self._answer(mode, address)
                finally:
                    with owner.lock:
                        owner.in_flight -= 1

            def _answer(self, mode: str, address: str) -> None:
                if mode == "hang":
                    time.sleep(hang_s)
                elif mode == "slow":
                    time.sleep(1.5)
                if mode == "500":
                    return self._send(500, b"Internal Server Error", "text/plain")
                if mode == "garbage":
                    return self._send(200, b"<html><body>Maintenance</body></html>", "text/html")
                matches = []
                if "harbor view" in address.lower():
                    matches.append(
                        {
                            "tigerLine": {"side": "L", "tigerLineId": "999"},
                            "coordinates": {"x": lon, "y": lat},
                            "addressComponents": {"fromAddress": "1", "streetName": "HARBOR VIEW"},
                            "matchedAddress": "1 HARBOR VIEW LN, DEMO CITY, NC, 28990",
                        }
                    )
                body = {"result": {"input": {"address": {"address": address}},
                                   "addressMatches": matches}}  # fmt: skip
                self._send(200, json.dumps(body).encode(), "application/json")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def slow_census_behind(
    start: Callable[[dict[str, str]], Any], point: Any
) -> Iterator[tuple[Any, Census]]:
    """A server (``start(env)``: gunicorn or granian) whose only geocoder is a fake Census
    answering ``point`` after 1.5 s: the set-up of the tests of a worker held by a slow
    remote look-up."""
    census = Census(point.lon, point.lat, hang_s=HANG_S)
    census.mode = "slow"
    server = start({"LOOKUP_GEOCODERS": "census", "LOOKUP_CENSUS_URL": census.url})
    try:
        yield server, census
    finally:
        server.stop()
        census.close()
