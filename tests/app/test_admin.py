"""Staff operations: only with the configured token, compared in constant time."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES, Settings
from lookup.dataset.demo import demo_request
from lookup.dataset.publish import current_target, publish
from lookup.errors import AdminDisabled, Unauthorized
from lookup.ingest.refresh import refresh
from lookup.web.app import create_app
from lookup.web.security import check_token

NOW = datetime(2028, 9, 1, tzinfo=UTC)
TOKEN = "s3cret-token-for-the-staff-only-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("admin") / "data"
    for version in ("v1", "v2"):
        assert refresh(replace(demo_request(DEMO_SOURCES, folder), version=version), NOW).published
    return folder


def _client(data: Path, token: str = TOKEN):
    # The automatic check is pushed far out: here only the staff's reload swaps versions.
    settings = Settings(data_dir=data, admin_token=token, reload_interval=3600)
    return create_app(settings).test_client()


def _code(resp) -> str:
    return resp.get_json()["error"]["code"]


def test_without_a_configured_token_staff_operations_are_off(data: Path) -> None:
    client = _client(data, token="")
    for path in ("/admin/reload", "/admin/rollback"):
        r = client.post(path, headers=AUTH)
        assert r.status_code == 403 and _code(r) == "admin_disabled"


@pytest.mark.parametrize(
    "header",
    ["", TOKEN, f"Bearer {TOKEN[:-1]}", f"Bearer {TOKEN}x", f"Basic {TOKEN}", "Bearer ñ"],
)
def test_a_missing_or_wrong_token_is_refused(data: Path, header: str) -> None:
    r = _client(data).post("/admin/reload", headers={"Authorization": header} if header else {})
    assert r.status_code == 401 and _code(r) == "unauthorized"
    assert r.get_json()["board_of_elections"]["phone"]


def test_a_large_body_is_refused_before_anything_reads_it(data: Path) -> None:
    r = _client(data).post("/admin/reload", headers=AUTH, data=b"x" * 100_000)
    assert r.status_code == 413 and _code(r) == "payload_too_large"
    assert r.get_json()["error"]["details"]["maximum"] == 16 * 1024


def test_staff_operations_are_not_reachable_by_get(data: Path) -> None:
    assert _client(data).get("/admin/reload", headers=AUTH).status_code == 405


def test_reload_and_rollback_swap_the_live_version(data: Path, tmp_path: Path) -> None:
    client = _client(data)
    assert client.get("/readyz").get_json()["data_version"] == "v2"
    r = client.post("/admin/rollback", headers=AUTH)
    assert r.status_code == 200 and r.get_json()["data_version"] == "v1"
    assert client.get("/readyz").get_json()["data_version"] == "v1"
    assert current_target(data).name == "v1"
    # Publish v2 again by hand; the staff reload makes it live at once.
    publish(data, data / "versions" / "v2")
    r = client.post("/admin/reload", headers=AUTH)
    assert r.status_code == 200 and r.get_json()["data_version"] == "v2"

    # A corrupt version published behind the service's back: the reload is refused and
    # the last good version stays live.
    broken = data / "versions" / "v3-broken"
    shutil.copytree(data / "versions" / "v2", broken)
    (broken / "manifest.json").write_text("{not json")
    live = current_target(data)
    try:
        publish(data, broken)
        r = client.post("/admin/reload", headers=AUTH)
        assert r.status_code == 409 and _code(r) == "reload_failed"
        assert r.get_json()["error"]["details"]["data_version"] == "v2"
        assert client.get("/readyz").get_json()["data_version"] == "v2"
    finally:
        assert live is not None
        publish(data, live)
        shutil.rmtree(broken)


def test_token_check_rules() -> None:
    with pytest.raises(AdminDisabled):
        check_token("", f"Bearer {TOKEN}")
    with pytest.raises(Unauthorized):
        check_token(TOKEN, f"bearer {TOKEN} extra")
    check_token(TOKEN, f"bearer {TOKEN}")  # the scheme is case-insensitive (RFC 7235)
    with pytest.raises(ValueError, match="at least"):
        Settings(admin_token="short")
