"""``/api/v1/lookup`` and ``/api/v1/early-voting`` serve each site's ``state`` and the
``early_voting_outlook`` at the request's moment (``at=``/``date=``, never the clock),
with and without the day-by-day schedule, as the OpenAPI spec describes them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lookup.config import Settings
from lookup.domain.schedule import LOCAL_TZ
from lookup.outputs.openapi import spec
from lookup.web.app import create_app

ADDRESS = "13186 5th St, Demo City NC 28990"
UNIVERSITY = "demo-university-student-center"  # closed on the first day


@pytest.fixture(scope="module")
def client(demo_dir: Path):
    settings = Settings(data_dir=demo_dir, rate_limit="", suggest_rate_limit="")
    # A clock in another stretch: the answers must follow at=/date=, not it.
    app = create_app(settings, clock=lambda: datetime(2028, 11, 30, 12, tzinfo=LOCAL_TZ))
    return app.test_client()


def validate(body: dict, schema: str) -> None:
    Draft202012Validator({"$ref": f"#/components/schemas/{schema}", **spec()}).validate(body)


def get(client, path: str, **params: str) -> dict:
    r = client.get(path, query_string={"address": ADDRESS, **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def test_the_lookup_carries_each_sites_state_and_the_outlook(client) -> None:
    body = get(client, "/api/v1/lookup", at="2028-10-19T07:00")
    validate(body, "Answer")
    states = {s["id"]: s["state"] for s in body["early_voting_sites"]}
    assert states[UNIVERSITY] == {
        "kind": "next",
        "open": "08:00",
        "close": "19:30",
        "day": "2028-10-20",
    }
    assert {frozenset(v.items()) for k, v in states.items() if k != UNIVERSITY} == {
        frozenset({"kind": "later", "open": "08:00", "close": "19:30", "day": "2028-10-19"}.items())
    }
    assert body["early_voting_outlook"] == {"when": "today", "day": None}
    assert list(body)[list(body).index("early_voting_sites") + 1] == "early_voting_outlook"
    # The same states with the schedule, and on the county's own endpoint.
    full = get(client, "/api/v1/lookup", at="2028-10-19T07:00", include="schedule")
    validate(full, "Answer")
    assert [s["state"] for s in full["early_voting_sites"]] == [
        s["state"] for s in body["early_voting_sites"]
    ]
    assert full["early_voting_outlook"] == body["early_voting_outlook"]
    early = get(client, "/api/v1/early-voting", at="2028-10-19T07:00", lang="es")
    validate(early, "EarlyVoting")
    assert [s["state"] for s in early["early_voting_sites"]] == [
        s["state"] for s in body["early_voting_sites"]
    ]
    assert early["early_voting_outlook"] == body["early_voting_outlook"]


@pytest.mark.parametrize(
    ("params", "outlook", "kinds"),
    [
        ({"date": "2028-10-10"}, {"when": "next", "day": "2028-10-19"}, {"next"}),
        ({"at": "2028-10-24T12:00"}, {"when": "today", "day": None}, {"open"}),
        ({"at": "2028-10-24T20:00"}, {"when": "next", "day": "2028-10-25"}, {"next"}),
        ({"at": "2028-11-04T16:00"}, {"when": "ended", "day": None}, {"ended"}),
    ],
)
def test_the_outlook_follows_the_requested_moment(client, params, outlook, kinds) -> None:
    for path, schema in (("/api/v1/lookup", "Answer"), ("/api/v1/early-voting", "EarlyVoting")):
        body = get(client, path, **params)
        validate(body, schema)
        assert body["early_voting_outlook"] == outlook
        assert {s["state"]["kind"] for s in body["early_voting_sites"]} == kinds
