"""``GET /metrics``: Prometheus text, added up over gunicorn's workers, no resident data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.cases import ADDRESS, BEFORE
from support.servers import Server

from scripts.harness import free_port

pytestmark = pytest.mark.http


def scrape(server: Server) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = server.get("/metrics")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(r.text)
        for s in family.samples
    }


def total(samples: dict, name: str, **labels: str) -> float:
    return sum(
        v for (n, lab), v in samples.items() if n == name and labels.items() <= dict(lab).items()
    )


@pytest.fixture(scope="module")
def metered(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Two workers, and a Census geocoder that nothing answers (a closed local port)."""
    log = tmp_path_factory.mktemp("metrics") / "server.log"
    dead = f"http://127.0.0.1:{free_port()}"
    srv = Server(
        demo_dir, log, workers=2, env={"LOOKUP_GEOCODERS": "census", "LOOKUP_CENSUS_URL": dead}
    )
    yield srv
    srv.stop()


def test_counts_add_up_over_every_worker(metered: Server) -> None:
    before = scrape(metered)
    for _ in range(20):
        assert metered.get("/api/v1/lookup", address=ADDRESS, date=BEFORE).status_code == 200
    for _ in range(7):
        assert metered.get("/no/such/route").status_code == 404
    after = scrape(metered)
    ok = {"route": "/api/v1/lookup", "outcome": "ok"}
    assert (
        total(after, "lookup_requests_total", **ok) - total(before, "lookup_requests_total", **ok)
        == 20
    )
    missing = {"route": "(no route)", "outcome": "not_found"}
    assert (
        total(after, "lookup_requests_total", **missing)
        - total(before, "lookup_requests_total", **missing)
        == 7
    )
    histogram = total(after, "lookup_request_seconds_count", route="/api/v1/lookup")
    assert histogram == total(after, "lookup_requests_total", route="/api/v1/lookup")
    # The live version, once, whatever worker answered.
    live = metered.get("/readyz").json()["data_version"]
    versions = {
        dict(lab)["version"]: v for (n, lab), v in after.items() if n == "lookup_data_version_info"
    }
    assert versions[live] == 1
    assert total(after, "lookup_data_age_seconds") >= 0


def test_a_dead_geocoder_shows_as_down(metered: Server) -> None:
    # Addresses not on file go to the (dead) Census backend; each worker's breaker opens
    # after three failures, and then the answer is geocoder_unavailable.
    codes = [
        metered.get("/api/v1/lookup", address=f"{n} Unlisted Rd, Demo City NC").status_code
        for n in range(101, 113)
    ]
    assert set(codes) == {503}
    samples = scrape(metered)
    assert total(samples, "lookup_geocoder_up", backend="census") == 0
    assert total(samples, "lookup_requests_total", outcome="geocoder_unavailable") >= 12


def test_no_resident_data_in_the_metrics(metered: Server) -> None:
    metered.get("/api/v1/lookup", address=ADDRESS, date=BEFORE)
    metered.get("/api/v1/lookup", lat="35.123456", lon="-80.654321")
    text = metered.get("/metrics").text
    for secret in ("13186", "5th St", "35.123456", "80.654321", "127.0.0.1"):
        assert secret not in text
