""" "This looks wrong" in-process: filing (checks, the answer kept, the widget's budget),
the staff list and page (token, filters, escaping, closing, deletion after 90 days), the
next refresh's change report, and that no report reaches the insight tables or a log."""

from __future__ import annotations

import codecs
import json
import logging
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES, Settings
from lookup.dataset.demo import demo_request
from lookup.domain.schedule import LOCAL_TZ
from lookup.ingest.refresh import refresh
from lookup.web.app import create_app
from lookup.web.hooks.request_log import JsonFormatter

TOKEN = "reports-test-token-0123456789abc"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ADDRESS = "13186 5th St, Demo City NC 28990"  # precinct 019, COLLEGE PARK RECREATION CENTER
FILED = datetime(2028, 10, 25, 14, 5, tzinfo=LOCAL_TZ)


class Clock:
    """The app's clock, moved by the test (``state().clock``)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _app(data_dir: Path, tmp_path: Path, clock: Clock, **overrides: object):
    values: dict[str, object] = {
        "data_dir": data_dir,
        "admin_token": TOKEN,
        "rate_limit": "",
        "suggest_rate_limit": "",
        "report_rate_limit": "",
        "reports_db": str(tmp_path / "reports.sqlite3"),
        "insights_db": str(tmp_path / "insights.sqlite3"),
    }
    return create_app(Settings(**(values | overrides)), clock=clock)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock(FILED)


@pytest.fixture
def client(demo_dir: Path, tmp_path: Path, clock: Clock):
    app = _app(demo_dir, tmp_path, clock)
    yield app.test_client()
    app.extensions["insights"].close()


def _file(client, **body: object):
    return client.post("/api/v1/reports", json={"reason": "wrong_place", "channel": "rep"} | body)


def _listed(client, status: str = "open") -> dict:
    r = client.get(f"/admin/reports?status={status}", headers=AUTH)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    return r.json


def test_a_report_keeps_the_answer_it_was_given_and_both_versions(client, demo_ds) -> None:
    r = _file(client, address=ADDRESS, note="The church is closed", data_version="old-version")
    assert r.status_code == 202 and set(r.json) == {"id"} and len(r.json["id"]) >= 16
    point = _file(client, lat=34.9023, lon=-75.2834, channel="widget", reason="wrong_hours")
    nowhere = _file(client, address="4242 Nowhere Ln, Demo City NC 28990", lang="es")
    assert point.status_code == nowhere.status_code == 202
    body = _listed(client)
    assert body["open"] == 3
    by_id = {rep["id"]: rep for rep in body["reports"]}
    first = by_id[r.json["id"]]
    assert first == {
        "id": r.json["id"],
        "created": "2028-10-25T18:05:00Z",
        "channel": "rep",
        "lang": "en",
        "reason": "wrong_place",
        "note": "The church is closed",
        "address": ADDRESS,
        "lat": None,
        "lon": None,
        "client_data_version": "old-version",
        "data_version": demo_ds.version,
        "answered": {
            "outcome": "ok",
            "county": "DEMO",
            "precinct": "019",
            "precinct_name": "COLLEGE PARK",
            "place_id": "264",
            "place_name": "COLLEGE PARK RECREATION CENTER",
            "place_address": "7333 GULL ST, DEMO CITY, NC 28990",
        },
        "status": "open",
        "closed_at": None,
    }
    at_point = by_id[point.json["id"]]
    assert (at_point["lat"], at_point["lon"], at_point["address"]) == (34.9023, -75.2834, None)
    assert at_point["answered"]["precinct"] == "019" and at_point["channel"] == "widget"
    missing = by_id[nowhere.json["id"]]
    assert missing["answered"]["outcome"] == "address_not_found" and missing["lang"] == "es"
    assert missing["answered"]["precinct"] == ""


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"reason": "rude", "address": ADDRESS}, "reason"),
        ({"address": ADDRESS}, "reason"),
        ({"reason": "other", "address": ADDRESS, "channel": "fax"}, "channel"),
        ({"reason": "other", "address": ADDRESS, "note": "n" * 501}, "note"),
        ({"reason": "other", "address": ADDRESS, "note": "bell\x07"}, "note"),
        ({"reason": "other"}, "address"),
        ({"reason": "other", "address": ADDRESS, "lat": 34.9, "lon": -75.2}, "address"),
        ({"reason": "other", "address": "1" * 201}, "address"),
        ({"reason": "other", "lat": 34.9}, "lon"),
        ({"reason": "other", "lat": "north", "lon": -75.2}, "lat"),
        ({"reason": "other", "lat": True, "lon": -75.2}, "lat"),
        ({"reason": "other", "lat": 95.0, "lon": -75.2}, "lat/lon"),
        ({"reason": "other", "lat": "NaN", "lon": -75.2}, "lat/lon"),
        ({"reason": "other", "address": ADDRESS, "lang": "fr"}, "lang"),
        ({"reason": "other", "address": ADDRESS, "data_version": "<x>"}, "data_version"),
    ],
)
def test_a_bad_report_is_refused_naming_the_parameter(client, body, parameter) -> None:
    r = client.post("/api/v1/reports", json={"channel": "rep"} | body)
    assert r.status_code == 400, r.json
    assert r.json["error"]["code"] == "invalid_parameter"
    assert r.json["error"]["details"]["parameter"] == parameter
    assert _listed(client, "all")["reports"] == []


def test_a_body_that_is_not_a_json_object_is_refused(client) -> None:
    for data, mimetype in (
        ("reason=other&address=1+Main+St&channel=rep", "application/x-www-form-urlencoded"),
        ("{not json", "application/json"),
        ('["a", "list"]', "application/json"),
    ):
        r = client.post("/api/v1/reports", data=data, content_type=mimetype)
        assert r.status_code == 400 and r.json["error"]["details"]["parameter"] == "body"
    assert client.get("/api/v1/reports").status_code == 405


def test_widget_reports_have_their_own_budget(demo_dir: Path, tmp_path: Path, clock) -> None:
    app = _app(demo_dir, tmp_path, clock, report_rate_limit="2 per hour", rate_limit="100/minute")
    client = app.test_client()
    codes = [_file(client, address=ADDRESS, channel="widget").status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    refused = _file(client, address=ADDRESS, channel="widget")
    assert refused.json["error"]["code"] == "rate_limited" and refused.headers["Retry-After"]
    # The console's reports spend the look-ups' budget, not the widget's.
    rep = _file(client, address=ADDRESS, channel="rep")
    assert rep.status_code == 202 and rep.headers["X-RateLimit-Limit"] == "100"
    # Another client (another address) has its own budget.
    other = client.post(
        "/api/v1/reports",
        json={"reason": "other", "address": ADDRESS, "channel": "widget"},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert other.status_code == 202
    assert _listed(client)["open"] == 4
    app.extensions["insights"].close()


def test_staff_routes_need_the_token(demo_dir: Path, tmp_path: Path, clock, client) -> None:
    filed = _file(client, address=ADDRESS).json["id"]
    wrong = {"Authorization": "Bearer wrong-token-wrong-token-wrong"}
    for method, path in (
        ("get", "/admin/reports"),
        ("get", "/admin/reports?format=html"),
        ("post", f"/admin/reports/{filed}/resolve"),
        ("post", f"/admin/reports/{filed}/withdraw"),
    ):
        for headers in ({}, wrong):
            r = getattr(client, method)(path, headers=headers)
            assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized", path
    off = _app(demo_dir, tmp_path / "off", clock, admin_token="")
    r = off.test_client().get("/admin/reports", headers=AUTH)
    assert r.status_code == 403 and r.json["error"]["code"] == "admin_disabled"
    off.extensions["insights"].close()
    assert _listed(client)["reports"][0]["status"] == "open"


def test_resolve_withdraw_filter_and_unknown_ids(client) -> None:
    a, b = (_file(client, address=ADDRESS).json["id"] for _ in range(2))
    done = client.post(f"/admin/reports/{a}/resolve", headers=AUTH)
    assert done.status_code == 200 and done.json["status"] == "resolved"
    assert done.json["closed_at"] == "2028-10-25T18:05:00Z"
    assert client.post(f"/admin/reports/{a}/withdraw", headers=AUTH).json["status"] == "resolved"
    assert client.post(f"/admin/reports/{b}/withdraw", headers=AUTH).json["status"] == "withdrawn"
    missing = client.post("/admin/reports/nope/resolve", headers=AUTH)
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    assert _listed(client) == {"reports": [], "open": 0}
    assert [r["id"] for r in _listed(client, "resolved")["reports"]] == [a]
    assert [r["id"] for r in _listed(client, "withdrawn")["reports"]] == [b]
    assert len(_listed(client, "all")["reports"]) == 2
    bad = client.get("/admin/reports?status=closed", headers=AUTH)
    assert bad.status_code == 400 and bad.json["error"]["details"]["parameter"] == "status"


def test_closed_reports_are_deleted_90_days_after(client, clock) -> None:
    old, kept = (_file(client, address=ADDRESS).json["id"] for _ in range(2))
    client.post(f"/admin/reports/{old}/resolve", headers=AUTH)
    clock.now = FILED + timedelta(days=30)
    client.post(f"/admin/reports/{kept}/withdraw", headers=AUTH)
    clock.now = FILED + timedelta(days=90)
    assert len(_listed(client, "all")["reports"]) == 2  # 90 days to the second: still kept
    clock.now = FILED + timedelta(days=91)
    assert [r["id"] for r in _listed(client, "all")["reports"]] == [kept]
    clock.now = FILED + timedelta(days=121)
    # Filing (a write) purges too.
    assert _file(client, address=ADDRESS).status_code == 202
    assert [r["status"] for r in _listed(client, "all")["reports"]] == ["open"]


def test_the_staff_page_escapes_what_it_shows_and_its_buttons_come_back(client) -> None:
    hostile = '<script>alert("x")</script> & <img src=x>'
    filed = _file(client, address=f"{ADDRESS} <b>", note=hostile, data_version="old").json["id"]
    page = client.get("/admin/reports", headers=AUTH | {"Accept": "text/html,*/*;q=0.8"})
    html = page.get_data(as_text=True)
    assert page.mimetype == "text/html" and page.headers["Cache-Control"] == "no-store"
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x&gt;" in html
    assert "COLLEGE PARK RECREATION CENTER, 7333 GULL ST" in html
    assert "version old" in html  # the reporter's answer came from another version
    assert f'action="/admin/reports/{filed}/resolve"' in html and 'id="demo-banner"' in html
    es = client.get("/admin/reports?format=html&lang=es", headers=AUTH).get_data(as_text=True)
    assert "Lugar de votación incorrecto" in es and 'lang="es"' in es
    assert client.get("/admin/reports", headers=AUTH).mimetype == "application/json"
    # The page's button: a form, sent back to the page as it was filtered.
    form = {"status": "all", "lang": "es"}
    back = client.post(f"/admin/reports/{filed}/resolve", headers=AUTH, data=form)
    assert back.status_code == 303
    assert back.headers["Location"] == "/admin/reports?format=html&status=all&lang=es"
    assert _listed(client, "resolved")["reports"][0]["id"] == filed
    # The same form from another site (the proxy would add the token to it too): refused.
    other = _file(client, address=ADDRESS).json["id"]
    forged = client.post(
        f"/admin/reports/{other}/withdraw",
        headers=AUTH | {"Sec-Fetch-Site": "cross-site"},
        data=form,
    )
    assert forged.status_code == 401 and _listed(client)["reports"][0]["id"] == other


def test_no_address_or_note_reaches_the_insight_tables_or_a_log(
    client, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Reports filed through the app (with look-ups around them, so that the insight
    writer has something to write): neither the insights database, its WAL, nor any log
    record (the request log included, as it formats its lines) holds a report's text."""
    secrets = ["8421 Zanzibar Quokka Way", "Quokka-note-7731", "34.91777", "-75.27333"]
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(JsonFormatter().format(record))

    keep = Keep()
    requests_log = logging.getLogger("lookup.requests")
    requests_log.addHandler(keep)
    requests_log.setLevel(logging.INFO)
    logging.getLogger().addHandler(keep)
    try:
        with caplog.at_level(logging.DEBUG):
            client.get("/api/v1/lookup", query_string={"address": ADDRESS, "channel": "rep"})
            assert (
                _file(client, address=f"{secrets[0]}, Demo City", note=secrets[1]).status_code
                == 202
            )
            assert (
                _file(
                    client, lat=float(secrets[2]), lon=float(secrets[3]), note=secrets[1]
                ).status_code
                == 202
            )
            assert _file(client, address=f"{secrets[0]}\x00", reason="bogus").status_code == 400
            client.get("/api/v1/lookup", query_string={"address": ADDRESS, "channel": "widget"})
            client.application.extensions["insights"].flush()
    finally:
        requests_log.removeHandler(keep)
        logging.getLogger().removeHandler(keep)
    assert any('"route": "/api/v1/reports"' in line for line in lines)  # the log did run
    logged = "\n".join(lines + [r.getMessage() for r in caplog.records])
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("insights.sqlite3*"))
    assert stored  # the counters were written
    for text in secrets:
        assert text not in logged, text
        assert text.encode() not in stored, text
    reports_db = b"".join(p.read_bytes() for p in tmp_path.glob("reports.sqlite3*"))
    assert secrets[0].encode() in reports_db  # where they are kept instead


# ---- the next refresh ---------------------------------------------------------------------------

REFRESHED = datetime(2028, 10, 26, 12, 0, tzinfo=UTC)


def _move_place_of_019(sources: Path, number: str = "99999") -> None:
    polling = sources / "demo-polling-places-20281107.csv"
    text = polling.read_bytes().decode("utf-16")
    row = next(line for line in text.split("\r\n") if "\tPCT 019\t" in line)
    cells = row.split("\t")
    cells[5] = number  # a new house number: another building
    moved = text.replace(row, "\t".join(cells))
    polling.write_bytes(codecs.BOM_UTF16_LE + moved.encode("utf-16-le"))


def test_the_next_refresh_lists_the_reports_it_answers_differently(tmp_path: Path, clock) -> None:
    sources, data = tmp_path / "src", tmp_path / "data"
    shutil.copytree(DEMO_SOURCES, sources)
    assert refresh(replace(demo_request(sources, data), version="v1"), REFRESHED).published
    app = _app(data, tmp_path, clock)
    client = app.test_client()
    moved = _file(client, address=ADDRESS, reason="place_closed").json["id"]
    elsewhere = _file(client, address="1 Main St, Demo City NC 28990").json["id"]
    closed = _file(client, address=ADDRESS).json["id"]
    client.post(f"/admin/reports/{closed}/resolve", headers=AUTH)
    assert _listed(client)["open"] == 2
    app.extensions["insights"].close()

    _move_place_of_019(sources)
    db = str(tmp_path / "reports.sqlite3")
    report = refresh(replace(demo_request(sources, data), version="v2"), REFRESHED, reports=db)
    assert report.published and report.changes is not None
    front = report.changes.front_line
    assert front is not None and [r.id for r in front.changed] == [moved]
    assert front.unchanged == 1  # the other open report; the resolved one is not re-checked
    md = (data / "versions" / "v2" / "changes.md").read_text()
    section = md[md.index("## Reports from the front line") :]
    assert section.startswith("## Reports from the front line (1)")
    row = next(line for line in section.splitlines() if moved in line)
    before, after = row.split(" | ")[2:4]
    assert "COLLEGE PARK RECREATION CENTER, 7333 GULL ST" in before and "019" in before
    assert "COLLEGE PARK RECREATION CENTER, 99999 GULL ST" in after
    assert "answered as before: 1" in section
    assert elsewhere not in md and closed not in md
    assert "13186" not in md and "Main St" not in md  # ids and answers, never an address
    assert "1 would now be answered differently, 1 unchanged" in "\n".join(report.lines())


def test_a_refresh_without_reports_or_with_an_unreadable_store_goes_on(tmp_path: Path) -> None:
    sources, data = tmp_path / "src", tmp_path / "data"
    shutil.copytree(DEMO_SOURCES, sources)
    assert refresh(replace(demo_request(sources, data), version="v1"), REFRESHED).published
    _move_place_of_019(sources)
    none = refresh(
        replace(demo_request(sources, data), version="v2"),
        REFRESHED,
        reports=str(tmp_path / "absent.sqlite3"),
    )
    assert none.published and not (tmp_path / "absent.sqlite3").exists()
    md = (data / "versions" / "v2" / "changes.md").read_text()
    assert "## Reports from the front line\n\nNone." in md
    assert not [w for w in none.problems.warnings if "front line" in w]
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 1000)
    _move_place_of_019(sources, "88888")  # moved again: another version to publish
    broken = refresh(
        replace(demo_request(sources, data), version="v3"), REFRESHED, reports=str(bad)
    )
    assert broken.published
    assert [w for w in broken.problems.warnings if "front line" in w] == [
        "reports from the front line not re-checked: the reports database "
        "(LOOKUP_REPORTS_DB) cannot be read (DatabaseError)"
    ]
    assert (
        "Reports from the front line" not in (data / "versions" / "v3" / "changes.md").read_text()
    )
    assert json.loads((data / "versions" / "v3" / "manifest.json").read_text())["version"] == "v3"
