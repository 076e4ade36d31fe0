"""The console's re-ask in the script's language (``repeat=lang``): served with the same
answer in the other language and rate-limited as any look-up, but one caller is one
look-up in the insights (no second outcome, precinct or language); a bad value or another
channel is refused in the one JSON shape and counted like any refusal."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lookup.config import Settings
from lookup.domain.schedule import LOCAL_TZ
from lookup.insights.counters import Store
from lookup.outputs.openapi import spec
from lookup.web.app import create_app
from lookup.web.params import REPEATS

TOKEN = "repeat-insights-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADDRESS = "13186 5th St, Demo City NC 28990"  # precinct 019
DAY = date(2028, 10, 25)
# The nearest early-voting site closed by the staff at the clock's moment: the answer has a
# reason of its own in each language, so the console re-asks for it in the script's.
CLOSE: dict[str, Any] = {
    "kind": "close_site",
    "site_id": "demo-demo-county-board-of-elections",
    "from": "2028-10-25T10:00",
    "to": "2028-10-25T14:00",
    "reason": {"en": "Power cut", "es": "Sin electricidad"},
}


def _app(data: Path, tmp_path: Path, **overrides: object) -> Flask:
    values: dict[str, object] = {
        "data_dir": data,
        "admin_token": TOKEN,
        "cache_dir": tmp_path / "cache",
        "insights_db": str(tmp_path / "insights.sqlite3"),
        "rate_limit": "",
        "suggest_rate_limit": "",
    }
    settings = Settings(**(values | overrides))  # type: ignore[arg-type]
    return create_app(settings, clock=lambda: datetime(2028, 10, 25, 11, 0, tzinfo=LOCAL_TZ))


@pytest.fixture
def data(demo_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo county: the staff's change is stored beside the data."""
    return Path(shutil.copytree(demo_dir, tmp_path / "data", symlinks=True))


@pytest.fixture
def app(data: Path, tmp_path: Path) -> Iterator[Flask]:
    app = _app(data, tmp_path)
    r = app.test_client().post("/admin/changes", json=CLOSE, headers=AUTH)
    assert r.status_code == 201, r.get_data(as_text=True)
    yield app
    app.extensions["insights"].close()


def _lookup(client, **params: str):
    return client.get("/api/v1/lookup", query_string={"address": ADDRESS, **params})


def _counted(app: Flask) -> tuple[list[Any], list[Any]]:
    """The ``requests`` and ``answers`` rows of the day, once the writer has flushed."""
    app.extensions["insights"].flush()
    store = Store(app.extensions["lookup"].settings.insights_url)
    try:
        requests = store.sums("requests", ["channel", "lang", "outcome"], DAY, DAY)
        answers = store.sums("answers", ["channel", "lang", "precinct"], DAY, DAY)
    finally:
        store.close()
    return sorted(requests), sorted(answers)


def _same_answer(first: dict[str, Any], again: dict[str, Any]) -> None:
    assert again["precinct"] == first["precinct"]
    assert again["polling_place"]["id"] == first["polling_place"]["id"]
    ids = [(s["id"], s.get("closed_reason") is not None) for s in first["early_voting_sites"]]
    assert [(s["id"], s.get("closed_reason") is not None) for s in again["early_voting_sites"]] == (
        ids
    )


def test_a_reask_is_served_in_its_language_and_not_counted_again(app: Flask) -> None:
    client = app.test_client()
    first = _lookup(client, channel="rep", lang="en")
    again = _lookup(client, channel="rep", lang="es", repeat="lang")
    assert first.status_code == 200 and again.status_code == 200, again.get_data(as_text=True)
    _same_answer(first.json, again.json)
    reasons = {s.get("closed_reason") for s in again.json["early_voting_sites"]}
    assert "Sin electricidad" in reasons and "Power cut" not in reasons
    # One caller: one English look-up of the console, no Spanish one, one answer counted.
    assert _counted(app) == ([("rep", "en", "found", 1)], [("rep", "en", "019", 1)])
    # A plain look-up (the next caller) is still counted, once.
    assert _lookup(client, channel="rep", lang="es").status_code == 200
    assert _counted(app) == (
        [("rep", "en", "found", 1), ("rep", "es", "found", 1)],
        [("rep", "en", "019", 1), ("rep", "es", "019", 1)],
    )


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"channel": "rep", "repeat": "twice"}, None),
        ({"channel": "rep", "repeat": "lang,lang"}, None),
        ({"channel": "widget", "repeat": "lang"}, "needs_channel_rep"),
        ({"channel": "api", "repeat": "lang"}, "needs_channel_rep"),
        ({"repeat": "lang"}, "needs_channel_rep"),
    ],
)
def test_a_bad_repeat_is_refused_and_counted_like_any_refusal(
    app: Flask, params: dict[str, str], reason: str | None
) -> None:
    """Only the console's own re-ask leaves a look-up out: anything else is a 400 that
    counts as a refused look-up, so ``repeat`` cannot hide a widget's or a client's."""
    r = _lookup(app.test_client(), **params)
    assert r.status_code == 400 and r.json["ok"] is False
    error = r.json["error"]
    assert error["code"] == "invalid_parameter" and error["message"]
    assert error["details"]["parameter"] == "repeat"
    if reason is None:
        assert error["details"]["allowed"] == list(REPEATS)
        assert "twice" not in r.get_data(as_text=True)  # never echoed
    else:
        assert error["details"]["reason"] == reason
    assert r.json["board_of_elections"]["phone"]
    channel = params.get("channel", "api")
    assert _counted(app)[0] == [(channel, "en", "invalid_parameter", 1)]


def test_an_empty_repeat_is_a_plain_lookup(app: Flask) -> None:
    """``repeat=`` (a form's empty field) means no re-ask, as ``lang=`` means the default."""
    assert _lookup(app.test_client(), channel="widget", repeat=" ").status_code == 200
    assert _counted(app)[0] == [("widget", "en", "found", 1)]


def test_a_reask_shares_the_lookups_rate_limit(data: Path, tmp_path: Path) -> None:
    app = _app(data, tmp_path, rate_limit="2 per minute")
    try:
        client = app.test_client()
        assert _lookup(client, channel="rep").status_code == 200
        assert _lookup(client, channel="rep", lang="es", repeat="lang").status_code == 200
        refused = _lookup(client, channel="rep", lang="es", repeat="lang")
        assert refused.status_code == 429 and refused.json["error"]["code"] == "rate_limited"
        # Refused before the view read it: still the console's re-ask, counted nowhere; a
        # refused widget look-up is the widget's (not the route's default, "api").
        assert _lookup(client, channel="widget").status_code == 429
        assert _counted(app)[0] == [("rep", "en", "found", 1), ("widget", "en", "rate_limited", 1)]
    finally:
        app.extensions["insights"].close()


def test_the_openapi_document_lists_repeat_on_the_lookup_only() -> None:
    paths = spec()["paths"]

    def params(path: str) -> dict[str, Any]:
        return {p["name"]: p for p in paths[path]["get"]["parameters"]}

    repeat = params("/api/v1/lookup")["repeat"]
    assert repeat["in"] == "query" and repeat["required"] is False
    assert repeat["schema"]["enum"] == list(REPEATS)
    assert "channel=rep" in repeat["description"]
    for other in ("/api/v1/early-voting", "/api/v1/calendar.ics"):
        assert "repeat" not in params(other)
