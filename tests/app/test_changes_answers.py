"""Changes posted through ``POST /admin/changes`` in every answer of the app (Flask test
client): the API, the early-voting list, the resident page, the calendar and the Civic
endpoint, from the change's first minute to its last, and gone once withdrawn."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lookup.config import Settings
from lookup.domain.schedule import LOCAL_TZ
from lookup.web.app import create_app

TOKEN = "changes-answers-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADDRESS = "13186 5th St, Demo City"  # precinct 019, polling place 264
NEAREST = "demo-demo-county-board-of-elections"
CLOSE: dict[str, Any] = {
    "kind": "close_site",
    "site_id": NEAREST,
    "from": "2028-10-25T10:00",
    "to": "2028-10-25T14:00",
    "reason": {"en": "Power cut", "es": "Sin electricidad"},
}
RELOCATE: dict[str, Any] = {
    "kind": "relocate",
    "precinct_id": "019",
    "from": "2028-11-07T05:00",
    "to": "2028-11-07T20:00",
    "place": {
        "name": "GRACE CHURCH HALL <b>",
        "address": {"line1": "100 OAK ST", "city": "DEMO CITY", "zip": "28990"},
        "lat": 34.917,
        "lon": -75.278,
    },
    "reason": {"en": "Flooded gym", "es": "Gimnasio inundado"},
}
NOTICE: dict[str, Any] = {
    "kind": "notice",
    "precincts": ["019"],
    "from": "2028-10-25T00:00",
    "to": "2028-11-08T00:00",
    "message": {"en": "Road work on 5th St", "es": "Obras en la calle 5"},
}


@pytest.fixture
def client(demo_dir: Path, tmp_path: Path):
    """A copy of the demo county (the changes file is written beside it), the clock
    before every window (answers pick their moment with ``at=``)."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    settings = Settings(
        data_dir=data, admin_token=TOKEN, cache_dir=tmp_path / "cache", insights=False
    )
    app = create_app(settings, clock=lambda: datetime(2028, 10, 20, 9, 0, tzinfo=LOCAL_TZ))
    return app.test_client()


def post(client, doc: dict[str, Any]) -> str:
    r = client.post("/admin/changes", json=doc, headers=AUTH)
    assert r.status_code == 201, r.json
    return str(r.json["id"])


def lookup(client, at: str, **extra: str) -> dict[str, Any]:
    r = client.get("/api/v1/lookup", query_string={"address": ADDRESS, "at": at, **extra})
    assert r.status_code == 200
    return dict(r.json)


def first_site(body: dict[str, Any]) -> dict[str, Any]:
    site = body["early_voting_sites"][0]
    assert site["id"] == NEAREST
    return dict(site)


def test_a_closure_shows_from_its_minute_and_goes_when_withdrawn(client) -> None:
    assert first_site(lookup(client, "2028-10-25T10:01"))["open_now"]
    change_id = post(client, CLOSE)
    assert first_site(lookup(client, "2028-10-25T09:59"))["open_now"]
    body = lookup(client, "2028-10-25T10:01", lang="es")
    site = first_site(body)
    assert site["open_now"] is False and site["closed_reason"] == "Sin electricidad"
    assert site["state"]["kind"] == "closed"
    assert NEAREST not in {o["id"] for o in body["open_instead"]} and body["open_instead"]
    assert NEAREST not in {
        s["id"] for s in lookup(client, "2028-10-25T10:01", open="now")["early_voting_sites"]
    }
    early = client.get(
        "/api/v1/early-voting", query_string={"address": ADDRESS, "at": "2028-10-25T11:00"}
    ).json
    assert early["early_voting_sites"][0]["closed_reason"] == "Power cut"
    assert first_site(lookup(client, "2028-10-25T14:00"))["open_now"]  # the window's end

    assert client.delete(f"/admin/changes/{change_id}", headers=AUTH).status_code == 204
    restored = lookup(client, "2028-10-25T10:01")
    assert first_site(restored)["open_now"] and restored["open_instead"] is None


def test_a_relocation_through_the_api_the_civic_endpoint_and_the_page(client) -> None:
    post(client, RELOCATE)
    body = lookup(client, "2028-11-07T09:00")
    assert body["changed"] is True and body["changed_reason"] == "emergency"
    assert body["polling_place"]["address"]["line1"] == "100 OAK ST"
    assert body["previous_polling_place"]["address"]["line1"] == "7333 GULL ST"
    assert body["changed_note"] == "Flooded gym"
    assert lookup(client, "2028-11-07T04:59")["polling_place"]["id"] == "264"

    civic = client.get(
        "/civicinfo/v2/voterinfo", query_string={"address": ADDRESS, "at": "2028-11-07T09:00"}
    ).json
    (where,) = civic["pollingLocations"]
    assert where["address"]["line1"] == "100 OAK ST" and "Flooded gym" in where["notes"]

    page = client.get(
        "/", query_string={"address": ADDRESS, "at": "2028-11-07T09:00", "lang": "es"}
    ).get_data(as_text=True)
    assert "Trasladado por ahora: Gimnasio inundado" in page
    assert "GRACE CHURCH HALL &lt;b&gt;" in page  # the staff's text, escaped
    assert "no vaya allí ahora): College Park Recreation Center" in page
    assert "<b>" not in page.split('id="polling-place"')[1].split("</div>")[0]

    ics = client.get(
        "/api/v1/calendar.ics", query_string={"address": ADDRESS, "at": "2028-11-07T09:00"}
    ).get_data(as_text=True)
    assert "100 OAK ST" in ics.replace("\r\n ", "")


def test_a_closure_and_a_notice_on_the_resident_page(client) -> None:
    post(client, CLOSE)
    post(client, NOTICE)
    page = client.get("/", query_string={"address": ADDRESS, "at": "2028-10-25T11:00"}).get_data(
        as_text=True
    )
    assert "Closed: Power cut" in page
    assert "closed now by the Board of Elections, reopens at 2:00" in page
    assert 'id="open-instead"' in page
    assert "Notice from the Board of Elections: Road work on 5th St" in page
    civic = client.get(
        "/civicinfo/v2/voterinfo", query_string={"address": ADDRESS, "at": "2028-10-25T11:00"}
    ).json
    body = civic["state"][0]["local_jurisdiction"]["electionAdministrationBody"]
    assert "Road work on 5th St" in body["electionNoticeText"]
    closed = next(s for s in civic["earlyVoteSites"] if s["notes"].startswith("CLOSED"))
    assert "Power cut" in closed["notes"]


def test_a_closed_polling_place_tells_the_voter_to_call_the_board(client) -> None:
    post(client, CLOSE | {"site_id": "264", "from": "2028-11-07T06:00", "to": "2028-11-07T09:00"})
    body = lookup(client, "2028-11-07T07:00")
    assert body["polling_place"]["id"] == "264"
    assert body["polling_place"]["closed_reason"] == "Power cut"
    assert "polling_place_closed" in {n["code"] for n in body["notices"]}
    assert "closed_reason" not in lookup(client, "2028-11-07T09:00")["polling_place"]


def test_lookup_check_shows_the_same(client, demo_dir: Path, tmp_path: Path, capsys) -> None:
    """``lookup check`` reads the changes stored beside the data, as the service does."""
    import json

    from lookup.cli import main

    post(client, RELOCATE)
    data = tmp_path / "data"
    assert main(["check", "--data-dir", str(data), "--at", "2028-11-07T09:00", ADDRESS]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["changed_reason"] == "emergency" and body["changed_note"] == "Flooded gym"
    assert body["polling_place"]["address"]["line1"] == "100 OAK ST"
    assert body == lookup(client, "2028-11-07T09:00", include="schedule")  # the API's answer
