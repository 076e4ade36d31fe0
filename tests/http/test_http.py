"""The API over real HTTP: ``lookup serve`` (gunicorn, 2 workers) on 127.0.0.1."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
from support.asserts import assert_error_shape
from support.cases import ADDRESS, BEFORE
from support.paths import ROOT
from support.servers import Server, leaked_in

pytestmark = pytest.mark.http


def test_health_and_ready(server) -> None:
    assert server.get("/healthz").json() == {"ok": True}
    ready = server.get("/readyz").json()
    assert ready["ok"] and ready["demo"] is True and ready["data_version"].startswith("demo-")


def test_a_server_without_preload_answers_as_the_preloaded_one(server, demo_dir, tmp_path) -> None:
    """``--no-preload``: each worker builds its own app and loads the data itself."""
    expected = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE).json()
    lone = Server(demo_dir, tmp_path / "server.log", args=["--no-preload"])
    try:
        for _ in range(12):  # both workers, whichever the kernel hands each connection
            assert lone.get("/api/v1/lookup", address=ADDRESS, date=BEFORE).json() == expected
    finally:
        lone.stop()


def test_the_master_imports_every_part_a_worker_would(demo_dir, tmp_path) -> None:
    """What ``--no-preload``'s master imports before forking (``lookup.web.app``) is all
    that building the app imports: no worker imports a module of its own."""
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "import lookup.web.app\n"
        "from lookup.config import Settings\n"
        "before = set(sys.modules)\n"
        f"lookup.web.app.create_app(Settings(data_dir=Path({str(demo_dir)!r}), cache_dir=Path({str(tmp_path)!r})))\n"
        "print(sorted(m for m in set(sys.modules) - before if not m.startswith('encodings.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"


def test_lookup_by_address(server) -> None:
    r = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE)
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["demo"] is True
    assert body["notices"][0]["code"] == "demo_data"
    assert body["match"]["source"] == "address_point"
    assert set(body["match"]) >= {"address", "lat", "lon", "source", "score"}
    assert set(body["precinct"]) == {"id", "name", "county"}
    assert body["election"]["date"] == "2028-11-07"
    pp = body["polling_place"]
    assert set(pp) >= {"id", "name", "address", "lat", "lon", "hours"}
    assert pp["hours"] == {"date": "2028-11-07", "open": "06:30", "close": "19:30"}
    sites = body["early_voting_sites"]
    assert len(sites) == 6
    dist = [s["distance_miles"] for s in sites]
    assert dist == sorted(dist)
    # Today's hours in every answer; the day-by-day schedule only with include=schedule.
    assert all({"open_now", "hours_today", "next_open"} <= set(s) for s in sites)
    assert all("schedule" not in s for s in sites)
    full = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, include="schedule").json()
    lean = [{k: v for k, v in s.items() if k != "schedule"} for s in full["early_voting_sites"]]
    assert lean == sites  # the same sites, in the same order, with the same status
    bad = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, include="everything")
    assert assert_error_shape(bad, 400, "invalid_parameter")["error"]["details"]["allowed"] == [
        "schedule"
    ]
    sites = full["early_voting_sites"]
    assert {"date", "open", "close"} <= set(sites[0]["schedule"][0])
    assert any(d["open"] is None and d["close"] is None for s in sites for d in s["schedule"])
    assert set(body["board_of_elections"]) == {"name", "phone", "url", "address"}


def test_lookup_by_point_matches_address(server) -> None:
    a = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE).json()
    b = server.get(
        "/api/v1/lookup", lat=a["match"]["lat"], lon=a["match"]["lon"], date=BEFORE
    ).json()
    assert b["precinct"] == a["precinct"] and b["polling_place"] == a["polling_place"]
    assert b["match"]["source"] == "coordinates"


def test_date_selects_previous_election(server) -> None:
    body = server.get("/api/v1/lookup", address=ADDRESS, date="2026-10-01").json()
    assert body["election"]["date"] == "2026-11-03"


def test_spanish(server) -> None:
    body = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, lang="es").json()
    assert body["notices"][0]["message"].startswith("DATOS DE DEMOSTRACIÓN")
    err = server.get("/api/v1/lookup", address="999 Nowhere Ln", lang="es").json()
    assert "No encontramos" in err["error"]["message"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "invalid_parameter"),
        ({"address": ""}, 400, "invalid_parameter"),
        ({"address": "   "}, 400, "invalid_parameter"),
        ({"address": "9" * 2048}, 400, "invalid_parameter"),
        ({"address": "hello there"}, 400, "address_unparseable"),
        ({"address": "999 Nowhere Lane"}, 404, "address_not_found"),
        ({"address": "912 Main St"}, 422, "address_ambiguous"),
        ({"lat": "nan", "lon": "-75.3"}, 400, "invalid_parameter"),
        ({"lat": "34.9", "lon": "inf"}, 400, "invalid_parameter"),
        ({"lat": "134.9", "lon": "-75.3"}, 400, "invalid_parameter"),
        ({"lat": "34.9", "lon": "-275.3"}, 400, "invalid_parameter"),
        ({"lat": "abc", "lon": "-75.3"}, 400, "invalid_parameter"),
        ({"lat": "34.9"}, 400, "invalid_parameter"),
        ({"lat": "-75.3", "lon": "34.9"}, 400, "invalid_parameter"),  # swapped
        ({"lat": "34.9", "lon": "75.3"}, 400, "invalid_parameter"),  # sign dropped
        ({"lat": "35.2271", "lon": "-80.8431"}, 404, "outside_jurisdiction"),  # Charlotte
        ({"address": ADDRESS, "lat": "34.9", "lon": "-75.3"}, 400, "invalid_parameter"),
        ({"address": ADDRESS, "lang": "fr"}, 400, "invalid_parameter"),
        ({"address": ADDRESS, "date": "2028-13-45"}, 400, "invalid_parameter"),
        ({"address": ADDRESS, "date": "tomorrow"}, 400, "invalid_parameter"),
        ({"address": ADDRESS, "date": "20281025"}, 400, "invalid_parameter"),
        ({"address": "PO Box 1234, Demo City NC 28990"}, 400, "address_po_box"),
        ({"address": "28990"}, 400, "address_incomplete"),
        ({"address": "13186"}, 400, "address_incomplete"),
        ({"address": "13186 5th St, Fort Mill, SC 29715"}, 404, "outside_jurisdiction"),
        ({"address": "🗳️🗳️"}, 400, "address_unparseable"),
        ({"address": "1' OR '1'='1"}, 404, "address_not_found"),
        ({"address": "'; DROP TABLE voters; --"}, 400, "address_unparseable"),
        ({"address": "<img src=x onerror=alert(1)>"}, 400, "address_unparseable"),
        ({"address": "x" * 1000}, 400, "invalid_parameter"),
    ],
)
def test_bad_input_gets_one_error_shape(server, params, status, code) -> None:
    body = assert_error_shape(server.get("/api/v1/lookup", **params), status, code)
    if code == "address_ambiguous":
        cands = body["error"]["details"]["candidates"]
        assert 2 <= len(cands) <= 10 and all(c["precinct"]["id"] for c in cands)
    if code == "outside_jurisdiction":
        assert "919-555-0100" in body["error"]["message"]


def test_routing_errors_share_the_shape(server) -> None:
    assert_error_shape(server.get("/no/such/route"), 404, "not_found")
    import requests

    r = requests.post(server.url + "/api/v1/lookup", data={"address": ADDRESS}, timeout=5)
    assert_error_shape(r, 405, "method_not_allowed")
    big = server.get("/api/v1/lookup", address="1 Main St", pad="x" * 5000)
    assert_error_shape(big, 400, "invalid_parameter")


def test_no_resident_data_in_logs(server) -> None:
    secret = "4242 Privacy Lane"
    server.get("/api/v1/lookup", address=secret)
    # A badly written client sending the address unencoded: gunicorn rejects the request
    # line, and its error log must not repeat it (nor the client's IP).
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /api/v1/lookup?address=4242 Privacy Lane Apt 3 HTTP/1.1\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 400")
    server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE)
    server.get("/api/v1/lookup", lat="34.91234", lon="-75.28765")
    time.sleep(0.5)  # let the workers flush their log lines
    log = server.log_path.read_text()
    assert "Invalid request (details withheld" in log
    assert leaked_in(log, ("Privacy", "4242", "13186", "34.91234", "-75.28765", "127.0.0.1")) == []


def test_the_leak_check_tells_a_worker_pid_from_an_address() -> None:
    """A worker that happens to get pid 4242 once failed CI as a leak of "4242 Privacy Lane";
    gunicorn's pids and port are the system's numbers, an address in the same line is not."""
    gunicorn = (
        "[2026-12-07 16:13:27 +0000] [4240] [INFO] Listening at: http://[ip]:4242 (4240)\n"
        "[2026-12-07 16:13:27 +0000] [4242] [INFO] Booting worker with pid: 4242\n"
        "[2026-12-07 16:13:30 +0000] [4240] [WARNING] Worker with pid 4242 was terminated\n"
        "[2026-12-07 16:13:31 +0000] [4242] [INFO] Worker exiting (pid: 4242)\n"
    )
    assert leaked_in(gunicorn, ("4242",)) == []
    assert leaked_in(
        gunicorn + "[2026-12-07 16:13:32 +0000] [4242] [ERROR] 4242 Privacy", ("4242",)
    ) == ["4242"]


def test_request_log_is_json_with_an_id_and_no_query(server) -> None:
    import json

    r = server.get("/api/v1/lookup", address="4242 Privacy Lane")
    rid = r.headers["X-Request-ID"]
    assert len(rid) == 32
    mine = requests_get(server, "/healthz", **{"X-Request-ID": "call-0042"})
    assert mine.headers["X-Request-ID"] == "call-0042"
    bad = requests_get(server, "/healthz", **{"X-Request-ID": "<script>"})
    assert bad.headers["X-Request-ID"] != "<script>"
    time.sleep(0.5)
    lines = [json.loads(x) for x in server.log_path.read_text().splitlines() if x.startswith("{")]
    by_id = {x.get("request_id"): x for x in lines}
    entry = by_id[rid]
    assert entry["route"] == "/api/v1/lookup" and entry["status"] == 404
    assert entry["outcome"] == "address_not_found" and entry["latency_ms"] >= 0
    assert entry["data_version"].startswith("demo-")
    assert by_id["call-0042"]["outcome"] == "ok"
    # Google-shaped errors are logged with our code too, never as "ok".
    civic = requests_get(
        server, "/civicinfo/v2/voterinfo?address=1+Nowhere+Ln", **{"X-Request-ID": "civic-1"}
    )
    assert civic.status_code == 404
    time.sleep(0.5)
    lines = [json.loads(x) for x in server.log_path.read_text().splitlines() if x.startswith("{")]
    assert {x["request_id"]: x for x in lines}["civic-1"]["outcome"] == "address_not_found"
    assert set(entry) == {
        "ts", "level", "request_id", "method", "route", "status", "outcome", "latency_ms",
        "data_version", "lang",
    }  # fmt: skip


def test_resident_page_has_demo_banner_and_escapes(server) -> None:
    r = server.get("/", address="<script>alert(1)</script> 1 Main", date=BEFORE)
    assert r.status_code == 200
    assert 'id="demo-banner"' in r.text
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;" in r.text


def test_messy_address_is_matched_with_its_score(server) -> None:
    body = server.get("/api/v1/lookup", address="5841 harbour drive riverton", date=BEFORE).json()
    assert body["match"]["address"].startswith("5841 HARBOR DR")
    assert body["match"]["source"] == "address_point" and body["match"]["score"] < 1
    assert "spelling_corrected" in {n["code"] for n in body["notices"]}
    assert body["match"]["normalized"] == "5841 HARBOUR DR, RIVERTON"
    assert body["match"]["parsed"] == {"number": "5841", "street": "HARBOUR DR", "city": "RIVERTON"}


def test_number_missing_from_points_is_interpolated(server) -> None:
    body = server.get("/api/v1/lookup", address="3001 Harbor Dr, Riverton", date=BEFORE).json()
    assert body["match"]["source"] == "interpolated" and body["match"]["score"] < 1
    assert "interpolated" in {n["code"] for n in body["notices"]}
    assert isinstance(body["verify"], bool)


def test_suggest(server) -> None:
    r = server.get("/api/v1/suggest", q="5841 harb", limit=5)
    assert r.status_code == 200
    body = r.json()
    assert body["demo"] is True and body["data_version"].startswith("demo-")
    assert body["suggestions"][0]["address"] == "5841 HARBOR DR, RIVERTON, NC 28993"
    assert {"address", "lat", "lon"} == set(body["suggestions"][0])
    assert server.get("/api/v1/suggest", q="").json()["suggestions"] == []
    assert len(server.get("/api/v1/suggest", q="1", limit=3).json()["suggestions"]) == 3


def test_suggest_named_places(server) -> None:
    """Without a house number, the places whose names start as typed, with the label the
    lookup accepts back; with one, addresses only."""
    body = server.get("/api/v1/suggest", q="kestrel br", limit=5).json()
    (s,) = body["suggestions"]
    assert s["address"] == "KESTREL BRANCH LIBRARY"
    assert s["place"] == {"name": "KESTREL BRANCH LIBRARY", "kind": "polling_place"}
    assert -76 < s["lon"] < -75 and 34 < s["lat"] < 35.5
    lakewood = server.get("/api/v1/suggest", q="lakewood", limit=1).json()["suggestions"]
    assert len(lakewood) == 1  # two places fit; the limit holds
    typed = server.get("/api/v1/suggest", q="13186 5", limit=20).json()["suggestions"]
    assert typed and all(set(x) == {"address", "lat", "lon"} for x in typed)


def test_place_names_from_board_files_are_data(hostile_server) -> None:
    """A polling-place name that is an HTML payload comes back as JSON text, unchanged,
    never as markup (the pages put suggestions in with textContent)."""
    from support.cases import HOSTILE

    r = hostile_server.get("/api/v1/suggest", q="img src", limit=5)
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    (s,) = r.json()["suggestions"]
    assert s["place"]["name"] == HOSTILE and s["address"] == HOSTILE


@pytest.mark.parametrize(
    "params", [{"q": "1 Main", "limit": "0"}, {"q": "1 Main", "limit": "x"}, {"q": "9" * 300}]
)
def test_suggest_bad_input(server, params) -> None:
    assert_error_shape(server.get("/api/v1/suggest", **params), 400, "invalid_parameter")


def test_sites_carry_their_status_as_of_at(server) -> None:
    body = server.get("/api/v1/lookup", address=ADDRESS, at="2028-10-24T10:00").json()
    site = body["early_voting_sites"][0]
    assert list(site)[list(site).index("distance_miles") + 1 :][:3] == [
        "open_now", "hours_today", "next_open"
    ]  # fmt: skip
    assert any(s["open_now"] for s in body["early_voting_sites"])
    early = server.get("/api/v1/lookup", address=ADDRESS, at="2028-10-24T06:00", open="now").json()
    assert early["early_voting_sites"] == []
    assert early["as_of"] == "2028-10-24"
    nxt = server.get("/api/v1/lookup", address=ADDRESS, at="2028-10-24T06:00").json()
    assert all(
        s["next_open"].startswith("2028-10-24T")
        for s in nxt["early_voting_sites"]
        if s["hours_today"]
    )


@pytest.mark.parametrize(
    "params",
    [
        {"at": "2028-10-24 10:00"},
        {"at": "2028-10-24T10:00", "date": "2028-10-24"},
        {"date": "1066-10-14"},
        {"date": "9999-01-01"},
        {"open": "soon"},
    ],
)
def test_bad_moments_and_filters(server, params) -> None:
    r = server.get("/api/v1/lookup", address=ADDRESS, **params)
    assert_error_shape(r, 400, "invalid_parameter")


def test_elections_endpoint(server) -> None:
    body = server.get("/api/v1/elections", date="2028-10-25").json()
    assert body["demo"] is True and body["as_of"] == "2028-10-25"
    assert [e["date"] for e in body["elections"]] == ["2026-11-03", "2028-11-07"]
    assert [e["status"] for e in body["elections"]] == ["over", "early_voting"]
    assert body["active"]["date"] == "2028-11-07"
    assert body["active"]["polls_open"] == "06:30" and body["active"]["polls_close"] == "19:30"
    after = server.get("/api/v1/elections", date="2029-01-01").json()
    assert after["active"] is None and after["elections"][-1]["status"] == "over"


def test_early_voting_endpoint_lists_the_county_sites_alone(server) -> None:
    full = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE).json()
    body = server.get(
        "/api/v1/early-voting", lat=full["match"]["lat"], lon=full["match"]["lon"], date=BEFORE
    ).json()
    assert [s["id"] for s in body["early_voting_sites"]] == [
        s["id"] for s in full["early_voting_sites"]
    ]
    assert "polling_place" not in body and body["precinct"] == full["precinct"]
    assert_error_shape(server.get("/api/v1/early-voting"), 400, "invalid_parameter")


def test_a_moved_polling_place_says_so(server, demo_ds) -> None:
    pids = [p.id for p in demo_ds.precincts]
    geom = demo_ds.geoms[pids.index("005")]  # moved between 2026 and 2028 in the demo
    pt = geom.representative_point()
    body = server.get("/api/v1/lookup", lat=pt.y, lon=pt.x, date=BEFORE).json()
    assert body["changed"] is True and body["previous_polling_place"]["name"]
    assert "polling_place_changed" in {n["code"] for n in body["notices"]}
    assert body["previous_polling_place"]["address"] != body["polling_place"]["address"]


def test_calendar_for_election_day_and_an_early_voting_visit(server) -> None:
    from icalendar import Calendar

    r = server.get("/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, lang="es")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    assert "attachment" in r.headers["Content-Disposition"]
    (ev,) = Calendar.from_ical(r.content).walk("VEVENT")
    start = ev.decoded("dtstart")
    assert start.isoformat() == "2028-11-07T06:30:00-05:00"  # EST: after DST ends
    assert ev.decoded("dtend").hour == 19 and ev.decoded("dtend").minute == 30
    lookup = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, include="schedule").json()
    assert lookup["polling_place"]["name"] in str(ev["location"])
    assert str(ev["summary"]).startswith("DATOS DE DEMOSTRACIÓN") and "Votar:" in str(ev["summary"])
    site = lookup["early_voting_sites"][0]
    open_day = next(d for d in site["schedule"] if d["open"])
    r = server.get(
        "/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, site=site["id"], day=open_day["date"]
    )
    events = Calendar.from_ical(r.content).walk("VEVENT")
    spans = [d for d in site["schedule"] if d["date"] == open_day["date"]]
    assert len(events) == len(spans) and str(events[0]["location"]).startswith(site["name"])
    assert events[0].decoded("dtstart").isoformat()[11:16] == spans[0]["open"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"site": "no-such-site", "day": "2028-10-24"}, 404, "not_found"),
        ({"site": "x"}, 400, "invalid_parameter"),
        ({"day": "2028-10-24"}, 400, "invalid_parameter"),
        ({"site": "x", "day": "someday"}, 400, "invalid_parameter"),
    ],
)
def test_calendar_bad_requests(server, params, status, code) -> None:
    r = server.get("/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, **params)
    assert_error_shape(r, status, code)


def test_calendar_on_a_closed_day(server) -> None:
    lookup = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, include="schedule").json()
    site = next(
        s for s in lookup["early_voting_sites"] if any(d["open"] is None for d in s["schedule"])
    )
    closed = next(d["date"] for d in site["schedule"] if d["open"] is None)
    r = server.get(
        "/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, site=site["id"], day=closed
    )
    assert assert_error_shape(r, 400, "invalid_parameter")["error"]["details"]["reason"] == "closed"


def test_security_headers(server) -> None:
    for path in ("/", "/api/v1/lookup?address=x", "/no/such"):
        h = requests_get(server, path).headers
        csp = h["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp and h["X-Frame-Options"] == "DENY"
        assert h["X-Content-Type-Options"] == "nosniff" and h["Referrer-Policy"] == "no-referrer"
    # No origin is configured for the demo server: no page of another site may call the API.
    r = requests_get(server, "/api/v1/suggest?q=1", Origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in r.headers


def requests_get(server, path: str, **headers: str):
    import requests

    return requests.get(server.url + path, headers=headers, timeout=10)


@pytest.mark.parametrize("path", ["/", "/rep", "/widget"])
def test_pages_never_refuse_a_language(server, path) -> None:
    """A stale link with ?lang=fr shows the page, in the browser's language if we have it;
    only the API refuses an unknown language."""
    r = requests_get(server, f"{path}?lang=fr", **{"Accept-Language": "es-MX,es;q=0.9"})
    assert r.status_code == 200 and '<html lang="es">' in r.text
    assert '<html lang="en">' in requests_get(server, f"{path}?lang=fr").text
    assert '<html lang="es">' in requests_get(server, f"{path}?lang=es").text
