"""``POST /api/v1/questions`` in-process: 204 and exact counts, every refusal in the one
error shape, insights off, the rate limit, the CORS preflight of an embedded widget, and
the topics on the staff page, in its CSV and from the command line."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from lookup.domain.schedule import LOCAL_TZ
from lookup.insights.counters import Store
from lookup.insights.report import OTHER

TOKEN = "questions-test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WIDGET_HOST = "https://county.example.gov"
DAY = date(2028, 10, 25)


def _app(demo_dir: Path, **overrides: object):
    from lookup.config import Settings
    from lookup.web.app import create_app

    values: dict[str, object] = {
        "data_dir": demo_dir,
        "admin_token": TOKEN,
        "rate_limit": "",
        "suggest_rate_limit": "",
        "cors_origins": (WIDGET_HOST,),
    }
    settings = Settings(**(values | overrides))  # type: ignore[arg-type]
    return create_app(settings, clock=lambda: datetime(2028, 10, 25, 14, 5, tzinfo=LOCAL_TZ))


@pytest.fixture
def app(demo_dir: Path, tmp_path: Path):
    app = _app(demo_dir, insights_db=str(tmp_path / "i.sqlite3"))
    yield app
    app.extensions["insights"].close()


def post(client: Any, body: object, **kw: Any):
    return client.post("/api/v1/questions", json=body, **kw)


def counted(app) -> list[tuple[Any, ...]]:
    app.extensions["insights"].flush()
    store = Store(app.extensions["lookup"].settings.insights_url)
    try:
        return sorted(store.sums("topics", ["channel", "lang", "topic"], DAY, DAY))
    finally:
        store.close()


def test_two_posts_are_counted_exactly(app) -> None:
    client = app.test_client()
    r = post(client, {"topics": ["photo_id", "registration", "photo_id"], "channel": "rep"})
    assert r.status_code == 204 and r.get_data() == b""
    r = post(client, {"topics": ["photo_id"], "channel": "widget", "lang": "es"})
    assert r.status_code == 204
    assert counted(app) == [
        ("rep", "en", "photo_id", 1),  # given twice in one post: counted once
        ("rep", "en", "registration", 1),
        ("widget", "es", "photo_id", 1),
    ]
    # Nothing of it is a look-up.
    store = Store(app.extensions["lookup"].settings.insights_url)
    assert store.sums("requests", ["channel"], DAY, DAY) == []
    store.close()


def test_the_help_topic_a_resident_opens_is_counted(app) -> None:
    client = app.test_client()
    r = post(client, {"topics": ["curbside_voting"], "channel": "widget", "lang": "es"})
    assert r.status_code == 204, r.json
    assert counted(app) == [("widget", "es", "curbside_voting", 1)]


@pytest.mark.parametrize(
    ("body", "parameter", "reason"),
    [
        ({"topics": [], "channel": "rep"}, "topics", "not_a_list"),
        ({"channel": "rep"}, "topics", "not_a_list"),
        ({"topics": "photo_id", "channel": "rep"}, "topics", "not_a_list"),
        ({"topics": ["photo_id", 3], "channel": "rep"}, "topics", "not_a_list"),
        ({"topics": ["photo_id"] * 17, "channel": "rep"}, "topics", "too_many"),
        ({"topics": ["my neighbour 704-555-1234"], "channel": "rep"}, "topics", "unknown"),
        ({"topics": ["photo_id"], "channel": "api"}, "channel", None),
        ({"topics": ["photo_id"]}, "channel", None),
        ({"topics": ["photo_id"], "channel": "rep", "lang": "fr"}, "lang", None),
        ({"topics": ["photo_id"], "channel": "rep", "lang": 7}, "lang", None),
    ],
)
def test_each_refusal_is_invalid_parameter_naming_it(app, body, parameter, reason) -> None:
    r = post(app.test_client(), body)
    assert r.status_code == 400
    error = r.json["error"]
    assert r.json["ok"] is False and error["code"] == "invalid_parameter"
    assert error["details"]["parameter"] == parameter
    assert error["details"].get("reason") == reason
    assert "704" not in r.get_data(as_text=True)  # what was sent is never echoed
    assert counted(app) == []


def test_an_unknown_topic_lists_the_allowed_ids_in_the_callers_language(app) -> None:
    r = post(app.test_client(), {"topics": ["nope"], "channel": "rep", "lang": "es"})
    details = r.json["error"]["details"]
    assert details["allowed"][:8] == [
        "where_to_vote",
        "early_voting_hours",
        "photo_id",
        "registration",
        "mail_ballot",
        "moved",
        "accessibility",
        "other",
    ]
    assert "curbside_voting" in details["allowed"]
    en = post(app.test_client(), {"topics": ["nope"], "channel": "rep"})
    assert r.json["error"]["message"] != en.json["error"]["message"]  # Spanish, then English


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ('{"topics": ["photo_id"], "channel": "rep"}', "text/plain"),  # no preflight: refused
        ("{not json", "application/json"),
        ('["photo_id"]', "application/json"),
        ("null", "application/json"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(app, data, content_type) -> None:
    r = app.test_client().post("/api/v1/questions", data=data, content_type=content_type)
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_parameter"
    assert r.json["error"]["details"] == {"parameter": "body", "reason": "not_json"}


def test_other_methods_are_refused(app) -> None:
    r = app.test_client().get("/api/v1/questions")
    assert r.status_code == 405 and r.json["error"]["code"] == "method_not_allowed"
    assert "POST" in r.headers["Allow"]


def test_with_insights_off_a_post_is_answered_and_nothing_counted(
    demo_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "i.sqlite3"
    app = _app(demo_dir, insights=False, insights_db=str(db))
    client = app.test_client()
    assert "insights" not in app.extensions
    assert post(client, {"topics": ["moved"], "channel": "rep"}).status_code == 204
    assert post(client, {"topics": ["nope"], "channel": "rep"}).status_code == 400  # still checked
    assert not db.exists()


def test_posts_share_the_lookups_rate_limit(demo_dir: Path, tmp_path: Path) -> None:
    app = _app(demo_dir, rate_limit="3 per minute", insights_db=str(tmp_path / "i.sqlite3"))
    client = app.test_client()
    body = {"topics": ["moved"], "channel": "widget"}
    preflight = {"Origin": WIDGET_HOST, "Access-Control-Request-Method": "POST"}
    assert client.options("/api/v1/questions", headers=preflight).status_code == 200  # free
    assert client.get("/api/v1/lookup", query_string={"lat": "34.9023", "lon": "-75.2834"})
    statuses = [post(client, body).status_code for _ in range(3)]
    assert statuses == [204, 204, 429]
    assert post(client, body).json["error"]["code"] == "rate_limited"
    app.extensions["insights"].close()


def test_the_preflight_of_an_allowed_origin_says_what_it_may_post(app) -> None:
    client = app.test_client()
    asks = {
        "Origin": WIDGET_HOST,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    for path in ("/api/v1/questions", "/api/v1/reports"):
        h = client.options(path, headers=asks).headers
        assert h["Access-Control-Allow-Origin"] == WIDGET_HOST, path
        assert h["Access-Control-Allow-Methods"] == "POST"
        assert h["Access-Control-Allow-Headers"] == "Content-Type"
        assert int(h["Access-Control-Max-Age"]) > 0
        assert "Origin" in h.get_all("Vary")
    r = client.options("/api/v1/questions", headers={**asks, "Origin": "https://evil.example"})
    assert not [k for k, _ in r.headers.items() if k.lower().startswith("access-control-")]
    # The post itself, from the allowed origin, may be read by it.
    r = post(client, {"topics": ["moved"], "channel": "widget"}, headers={"Origin": WIDGET_HOST})
    assert r.status_code == 204 and r.headers["Access-Control-Allow-Origin"] == WIDGET_HOST
    # A look-up's preflight is not widened: GETs need none.
    r = client.options("/api/v1/lookup", headers=asks)
    assert "Access-Control-Allow-Methods" not in r.headers


def _marked(client: Any) -> None:
    for _ in range(6):
        post(client, {"topics": ["photo_id", "where_to_vote"], "channel": "rep"})
    for _ in range(5):
        post(client, {"topics": ["photo_id"], "channel": "widget", "lang": "es"})
    post(client, {"topics": ["moved"], "channel": "rep"})


def test_the_csv_of_the_topics_table(app) -> None:
    client = app.test_client()
    _marked(client)
    app.extensions["insights"].flush()
    r = client.get("/admin/insights.csv?table=topics", headers=AUTH)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    # 18 marks: photo_id 11, where_to_vote 6; moved 1 merged with where_to_vote into 7.
    assert r.get_data(as_text=True).splitlines() == [
        "topic,requests,share_pct",
        "photo_id,11,61.1",
        f"{OTHER},7,38.9",
    ]
    assert client.get("/admin/insights.csv?table=topics").status_code == 401


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", ("What residents ask", "Photo ID", "Questions, by topic", "311 console")),
        ("es", ("Qué preguntan los residentes", "Identificación con foto", "Consola 311")),
    ],
)
def test_the_staff_page_has_the_section_in_each_language(app, lang, words) -> None:
    client = app.test_client()
    _marked(client)
    app.extensions["insights"].flush()
    html = client.get(f"/admin/insights?lang={lang}", headers=AUTH).get_data(as_text=True)
    section = html[html.index('<section aria-labelledby="topics-h"') :]
    section = section[: section.index("</section>")]
    for word in words:
        assert word in section, (lang, word)
    assert section.count("<svg") == 2 and "style=" not in section
    assert 'id="topics-title"' in section and 'id="topics-by-day-title"' in section
    for table in ("topics", "topics_by_day", "topics_by_language", "topics_by_channel"):
        assert f"table={table}&amp;" in section


def test_the_command_line_prints_the_topics(app, monkeypatch, capsys) -> None:
    from lookup.cli import main

    client = app.test_client()
    _marked(client)
    app.extensions["insights"].flush()
    monkeypatch.setenv("LOOKUP_INSIGHTS_DB", app.extensions["lookup"].settings.insights_url)
    assert main(["insights", "--from", "2028-10-01", "--to", "2028-10-31"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"^== topics\ntopic +requests +share_pct\nphoto_id +11 +61\.1\n\(other\) +7 +38\.9$",
        out,
        re.MULTILINE,
    ), out
    assert re.search(r"^== topics_by_channel\n", out, re.MULTILINE)
