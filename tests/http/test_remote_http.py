"""A remote geocoder configured by environment, end to end: gunicorn on 127.0.0.1 asks a
local server that speaks the US Census geocoder's wire format."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fake_census import Census
from support.servers import Server

pytestmark = pytest.mark.http
BEFORE = "2028-10-25"


@pytest.fixture(scope="module")
def census(demo_ds) -> Iterator[Census]:
    (point,) = demo_ds.addresses.rows_for("13186 5TH ST")
    c = Census(point.lon, point.lat)
    yield c
    c.close()


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
    census.mode = "500"
    try:
        r = remote_server.get("/api/v1/lookup", address="3 Nowhere Ln, Demo City", date=BEFORE)
        assert r.status_code == 503, r.text
        assert r.json()["error"]["code"] == "geocoder_unavailable"
        # Local answers do not depend on the remote one.
        ok = remote_server.get("/api/v1/lookup", address="13186 5th St, Demo City", date=BEFORE)
        assert ok.status_code == 200
    finally:
        census.mode = "ok"
