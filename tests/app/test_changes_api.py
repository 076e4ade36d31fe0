"""The staff API of changes on the day, in-process: post (201), list (who, when, status),
withdraw (204, 404), and every refusal of the issue's "Bad input" in the common error
shape with nothing stored: no token, a body over the limit, a window that ends before it
starts, an unknown id, a point outside the county, overlapping relocations, an unknown
field."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from support.changes import OTHER, RELOCATE, SITE

from lookup.changes.store import CHANGES, read_changes
from lookup.config import Settings
from lookup.domain.schedule import LOCAL_TZ
from lookup.i18n import DEFAULT_LANG
from lookup.web.app import MAX_BODY_BYTES, create_app

TOKEN = "changes-test-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2028, 10, 25, 12, 0, tzinfo=LOCAL_TZ)
CLOSE: dict[str, Any] = {
    "kind": "close_site",
    "site_id": SITE,
    "from": "2028-10-25T10:00",
    "to": "2028-10-25T18:00",
    "reason": {DEFAULT_LANG: "Power cut", OTHER: "Sin electricidad"},
    "by": "Desk 3",
}


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def data(demo_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo county: the session's folder never gets a changes file."""
    folder = tmp_path / "data"
    shutil.copytree(demo_dir, folder, symlinks=True)
    return folder


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def _app(data: Path, tmp_path: Path, clock: Clock, token: str = TOKEN):
    settings = Settings(
        data_dir=data, admin_token=token, cache_dir=tmp_path / "cache", insights=False
    )
    return create_app(settings, clock=clock)


@pytest.fixture
def client(data: Path, tmp_path: Path, clock: Clock):
    return _app(data, tmp_path, clock).test_client()


def _listed(client, query: str = "") -> list[dict[str, Any]]:
    r = client.get(f"/admin/changes{query}", headers=AUTH)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    return r.json["changes"]


def test_a_change_is_posted_listed_with_who_and_when_and_withdrawn(client, clock) -> None:
    r = client.post("/admin/changes", json=CLOSE, headers=AUTH)
    assert r.status_code == 201
    change_id = r.json["id"]
    assert r.json["change"] == {
        **CLOSE,
        "id": change_id,
        "created": "2028-10-25T16:00:00Z",  # noon in New York, in UTC
    }
    moved = client.post("/admin/changes", json=RELOCATE, headers=AUTH)
    assert moved.status_code == 201 and moved.json["change"]["by"] == ""
    listed = _listed(client)
    assert [(c["id"], c["status"], c["by"]) for c in listed] == [
        (change_id, "active", "Desk 3"),
        (moved.json["id"], "pending", ""),
    ]
    assert [c["id"] for c in _listed(client, "?active=now")] == [change_id]
    clock.now = datetime(2028, 10, 25, 18, 0, tzinfo=LOCAL_TZ)  # the window's end
    assert _listed(client)[0]["status"] == "over" and _listed(client, "?active=now") == []

    gone = client.delete(f"/admin/changes/{change_id}", headers=AUTH)
    assert gone.status_code == 204 and gone.data == b""
    assert [c["id"] for c in _listed(client)] == [moved.json["id"]]
    again = client.delete(f"/admin/changes/{change_id}", headers=AUTH)
    assert again.status_code == 404 and again.json["error"]["code"] == "not_found"


def test_the_posting_worker_and_a_new_one_both_apply_it(client, data, tmp_path, clock) -> None:
    """Stored beside the data: a worker started later (or restarted) reads it too."""
    before = client.get("/admin/changes", headers=AUTH).headers["X-Changes-Version"]
    assert before == "none"
    change_id = client.post("/admin/changes", json=CLOSE, headers=AUTH).json["id"]
    after = client.get("/admin/changes", headers=AUTH).headers["X-Changes-Version"]
    assert after != before
    assert [c.id for c in read_changes(data)] == [change_id]
    fresh = _app(data, tmp_path, clock).test_client()
    assert [c["id"] for c in _listed(fresh)] == [change_id]


BAD = [
    ("the window ends before it starts", CLOSE | {"to": "2028-10-25T09:00"}, "to", "bad_window"),
    ("the window is over", CLOSE | {"to": "2028-10-25T11:00"}, "to", "in_the_past"),
    ("an unknown site id", CLOSE | {"site_id": "no-such-site"}, "site_id", "unknown_id"),
    ("an unknown precinct", RELOCATE | {"precinct_id": "998"}, "precinct_id", "unknown_id"),
    (
        "a point outside the county",
        RELOCATE | {"place": RELOCATE["place"] | {"lat": 35.2271, "lon": -80.8431}},
        "place",
        "outside_county",
    ),
    ("an unknown field", CLOSE | {"reopen_at": "2028-10-25T18:00"}, "reopen_at", "unknown_field"),
    ("no English reason", CLOSE | {"reason": {OTHER: "Sin luz"}}, "reason", "missing"),
]


@pytest.mark.parametrize(("why", "body", "field", "reason"), BAD, ids=[b[0] for b in BAD])
def test_a_change_that_cannot_apply_is_refused_and_nothing_stored(
    client, data, why: str, body: dict[str, Any], field: str, reason: str
) -> None:
    r = client.post("/admin/changes", json=body, headers=AUTH)
    assert r.status_code == 400, why
    assert r.json["ok"] is False and r.json["error"]["code"] == "invalid_parameter"
    details = r.json["error"]["details"]
    assert (details["field"], details["reason"]) == (field, reason)
    assert details["problem"]  # the English explanation, for the staff who posted it
    assert "board_of_elections" in r.json  # the common error shape
    assert not (data / CHANGES).exists()


def test_a_second_relocation_of_a_precinct_in_an_overlapping_window_is_refused(
    client, data
) -> None:
    first = client.post("/admin/changes", json=RELOCATE, headers=AUTH)
    assert first.status_code == 201
    stored = (data / CHANGES).read_bytes()
    overlapping = RELOCATE | {"from": "2028-11-07T19:00", "to": "2028-11-07T21:00"}
    r = client.post("/admin/changes", json=overlapping, headers=AUTH)
    assert r.status_code == 400
    assert r.json["error"]["details"]["reason"] == "overlap"
    assert first.json["id"] in r.json["error"]["details"]["problem"]
    assert (data / CHANGES).read_bytes() == stored
    later = RELOCATE | {"from": "2028-11-07T20:00", "to": "2028-11-07T21:00"}
    assert client.post("/admin/changes", json=later, headers=AUTH).status_code == 201


def test_a_body_that_is_not_a_json_object_is_refused(client, data) -> None:
    for body in (b"close the library", b"[1, 2]", b""):
        r = client.post("/admin/changes", data=body, headers=AUTH, content_type="application/json")
        assert r.status_code == 400, body
        assert r.json["error"]["details"]["field"] == "body"
    assert not (data / CHANGES).exists()


def test_without_the_token_or_over_the_size_limit_nothing_is_applied(
    client, data, tmp_path, clock
) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong-token-wrong-token-wrong"}):
        for r in (
            client.post("/admin/changes", json=CLOSE, headers=headers),
            client.get("/admin/changes", headers=headers),
            client.delete("/admin/changes/anything", headers=headers),
        ):
            assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    big = CLOSE | {"padding": "x" * MAX_BODY_BYTES}
    r = client.post("/admin/changes", json=big, headers=AUTH)
    assert r.status_code == 413 and r.json["error"]["code"] == "payload_too_large"
    off = _app(data, tmp_path, clock, token="").test_client()
    r = off.post("/admin/changes", json=CLOSE, headers=AUTH)
    assert r.status_code == 403 and r.json["error"]["code"] == "admin_disabled"
    assert not (data / CHANGES).exists()


def test_a_bad_active_filter_is_refused(client) -> None:
    r = client.get("/admin/changes?active=soon", headers=AUTH)
    assert r.status_code == 400 and r.json["error"]["details"]["field"] == "active"


def test_a_corrupt_changes_file_refuses_a_post_and_keeps_it(client, data) -> None:
    (data / CHANGES).write_text("{broken")
    r = client.post("/admin/changes", json=CLOSE, headers=AUTH)
    assert r.status_code == 500 and r.json["error"]["code"] == "internal_error"
    assert (data / CHANGES).read_text() == "{broken"
    assert _listed(client) == []  # nothing good was ever read: nothing applied
