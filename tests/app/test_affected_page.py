"""``GET /admin/affected``: staff only, the same rows as the command in HTML, CSV and JSON,
BOE text escaped, the one error shape for what cannot be answered."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from support.cases import HOSTILE

from lookup.config import Settings
from lookup.outputs.affected import COLUMNS
from lookup.web.app import create_app

TOKEN = "s3cret-token-for-the-staff-only-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DAY = "date=2028-10-25"  # early voting for the demo's 2028 general


@pytest.fixture(scope="module")
def client(demo_dir: Path):
    settings = Settings(data_dir=demo_dir, admin_token=TOKEN, rate_limit="", suggest_rate_limit="")
    return create_app(settings).test_client()


@pytest.fixture(scope="module")
def site(demo_ds) -> str:
    election = max(e.day for e in demo_ds.elections)
    return demo_ds.site_tables[(election, "DEMO")].ids[1]


def test_only_with_the_token(client, site: str) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = client.get(f"/admin/affected?site={site}", headers=headers)
        assert r.status_code == 401 and r.get_json()["error"]["code"] == "unauthorized"


def test_json_csv_and_page_carry_the_same_rows(client, site: str) -> None:
    r = client.get(f"/admin/affected?site={site}&format=json&{DAY}", headers=AUTH)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    assert body["ok"] and body["demo"] and body["target"] == "site" and body["id"] == site
    assert body["places"][0]["kind"] == "early_voting" and body["address_points_known"]
    assert body["election"]["date"] == "2028-11-07"
    rows = body["rows"]
    assert rows and all(set(row) == set(COLUMNS) for row in rows)
    assert body["affected_points"] == sum(row["affected_points"] for row in rows) > 0
    assert body["total_points"] >= body["affected_points"]

    r = client.get(f"/admin/affected?site={site}&format=csv&{DAY}", headers=AUTH)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == f'attachment; filename="affected_site_{site}.csv"'
    table = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [int(t["affected_points"]) for t in table] == [row["affected_points"] for row in rows]

    r = client.get(f"/admin/affected?site={site}&{DAY}&lang=es", headers=AUTH)
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert '<html lang="es">' in html and "Votación anticipada" in html
    assert 'id="demo-banner"' in html
    for row in rows:
        assert f'<th scope="row">{row["precinct"]}</th>' in html
    assert "format=csv" in html and "Elección General" in html  # the election in Spanish


def test_a_precinct(client) -> None:
    body = client.get(f"/admin/affected?precinct=1&format=json&{DAY}", headers=AUTH).get_json()
    assert body["target"] == "precinct" and body["precinct"]["id"] == "001"
    kinds = [row["place_kind"] for row in body["rows"]]
    assert kinds[0] == "election_day" and set(kinds[1:]) == {"early_voting"}
    points = body["rows"][0]["address_points"]
    assert body["affected_points"] == points == sum(r["affected_points"] for r in body["rows"][1:])


def test_the_form_alone_and_its_choices(client, site: str) -> None:
    r = client.get(f"/admin/affected?{DAY}", headers=AUTH)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="affected-form"' in html
    assert f'<option value="{site}">' in html and 'id="result"' not in html
    # The form sends its empty fields too.
    r = client.get(f"/admin/affected?lang=en&site=&precinct=19&county=&{DAY}", headers=AUTH)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Precinct 019: COLLEGE PARK (DEMO)" in html
    assert 'href="/admin/affected?precinct=19&amp;date=2028-10-25&amp;format=csv"' in html


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("site=no-such-site", 404, "not_found"),
        ("precinct=999", 404, "not_found"),
        ("site=x&precinct=1", 400, "invalid_parameter"),
        ("format=json", 400, "invalid_parameter"),
        ("site=x&format=pdf", 400, "invalid_parameter"),
        (f"site={'x' * 200}", 400, "invalid_parameter"),
        ("site=x&date=tomorrow", 400, "invalid_parameter"),
    ],
)
def test_what_cannot_be_answered_is_the_one_error_shape(client, query, status, code) -> None:
    r = client.get(f"/admin/affected?{query}", headers=AUTH)
    assert r.status_code == status
    body = r.get_json()
    assert body["ok"] is False and body["error"]["code"] == code
    assert body["board_of_elections"]["phone"]


def test_typed_text_is_escaped(client) -> None:
    """What staff type comes back in the form's fields escaped (an unknown id is a 404)."""
    r = client.get('/admin/affected?county=<script>"x', headers=AUTH)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<script>" not in html
    assert 'value="&lt;script&gt;&#34;x"' in html


def test_a_hostile_boe_name_is_escaped(hostile_dir: Path) -> None:
    """PCT 019's place named with an HTML payload in the BOE file: shown as text."""
    settings = Settings(data_dir=hostile_dir, admin_token=TOKEN, rate_limit="")
    client = create_app(settings).test_client()
    r = client.get(f"/admin/affected?precinct=019&{DAY}", headers=AUTH)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert HOSTILE not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
