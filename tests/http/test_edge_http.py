"""The web edge under real gunicorn (``lookup serve --access-log``): a forged Host gets no
redirect, a request line or header over gunicorn's limits is answered in the one JSON
shape, the access log names routes (never a path, a query or a forged line) and the
start-up warns about counters kept in each worker's memory."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.asserts import assert_error_shape
from support.cases import ADDRESS, BEFORE
from support.servers import Server

pytestmark = pytest.mark.http

FORGED = "127.0.0.1 - - forged"


@pytest.fixture(scope="module")
def edge(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers counting rate limits in memory (the warning's case), access log on."""
    log = tmp_path_factory.mktemp("edge") / "server.log"
    srv = Server(demo_dir, log, workers=2, args=("--access-log",))
    yield srv
    srv.stop()


def raw_get(srv: Server, target: str, headers: str = "") -> bytes:
    """One request sent as typed (``requests`` would normalise the path and the Host)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\n{headers}Connection: close\r\n\r\n".encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_a_forged_host_gets_no_redirect(edge: Server) -> None:
    target = f"/api/v1//lookup?address={requests.utils.quote(ADDRESS)}"
    answer = raw_get(edge, target, "Host: evil.example\r\n")
    head = answer.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert head.startswith("HTTP/1.1 404"), head
    assert "location:" not in head.lower() and "evil.example" not in answer.decode()


def test_a_request_line_over_gunicorns_limit_gets_the_json_400(edge: Server) -> None:
    r = requests.get(f"{edge.url}/api/v1/lookup", params={"address": "9" * 9000}, timeout=10)
    body = assert_error_shape(r, 400, "invalid_parameter")
    assert body["error"]["details"]["reason"] == "too_long"
    # An answer of the app's: its headers too.
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Request-ID"]


def test_a_header_over_gunicorns_limit_gets_the_json_400(edge: Server) -> None:
    r = requests.get(f"{edge.url}/healthz", headers={"X-Big": "x" * 9000}, timeout=10)
    assert_error_shape(r, 400, "invalid_parameter")


def test_answers_are_not_stored_and_vary_on_origin(edge: Server) -> None:
    r = edge.get("/api/v1/lookup", address=ADDRESS, date=BEFORE)
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store" and r.headers["Vary"] == "Origin"
    strings = edge.get("/api/v1/strings")
    assert strings.headers["Cache-Control"].startswith("public")
    assert strings.headers["Vary"] == "Origin"


def test_the_access_log_names_routes_and_forges_no_line(edge: Server) -> None:
    quoted = requests.utils.quote(ADDRESS)
    raw_get(edge, f"/api/v1/lookup?address={quoted}&date={BEFORE}")
    raw_get(edge, f"/api/v1/lookup%0a{requests.utils.quote(FORGED)}?address={quoted}")
    raw_get(edge, f"/{quoted}")  # a path that is an address
    time.sleep(0.5)  # gunicorn writes the lines after the answers
    lines = [ln for ln in edge.log_path.read_text().splitlines() if '"GET ' in ln]
    assert any('"GET /api/v1/lookup" 200' in ln for ln in lines), lines
    assert any('"GET (no route)" 404' in ln for ln in lines), lines
    text = edge.log_path.read_text()
    assert "forged" not in text and "13186" not in text and "5th" not in text


def test_start_up_warns_of_counters_in_each_workers_memory(edge: Server) -> None:
    text = edge.log_path.read_text()
    assert text.count("each worker counts its own") == 1, text[:2000]
    assert "X-Forwarded-For" not in text  # no proxies trusted: nothing to forge
