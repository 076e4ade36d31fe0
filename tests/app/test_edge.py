"""The web edge in-process: no redirect to a forged host, ``Vary: Origin`` on every API
answer, no caching of what holds an address, HSTS when configured, X-Forwarded-Host
believed only when configured, the access log's fields (``serving.PrivateLogger``) and
the start-up warnings (``serving.startup_warnings``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from support.cases import ADDRESS, BEFORE

from lookup.config import Settings
from lookup.serving import ACCESS_LOG_FORMAT, PrivateLogger, startup_warnings
from lookup.web.app import create_app

WIDGET_SITE = "https://www.demo-city.example"
LOOKUP = f"/api/v1/lookup?address={ADDRESS}&date={BEFORE}"


def client(demo_dir: Path, **settings: object):
    base: dict[str, object] = {"rate_limit_exempt": ("127.0.0.0/8",), "insights": False}
    app = create_app(Settings(data_dir=demo_dir, **{**base, **settings}))  # type: ignore[arg-type]
    return app.test_client()


def test_doubled_slashes_get_the_json_404_and_no_redirect_to_the_host(demo_dir: Path) -> None:
    c = client(demo_dir)
    r = c.get(f"/api/v1//lookup?address={ADDRESS}", headers={"Host": "evil.example"})
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert "Location" not in r.headers


def test_a_redirect_never_names_the_requests_host(demo_dir: Path) -> None:
    """werkzeug's own redirect (a rule's trailing slash) keeps only its path."""
    app = create_app(Settings(data_dir=demo_dir, insights=False))
    app.add_url_rule("/edge-test/", "edge_test", lambda: "ok")
    r = app.test_client().get("/edge-test?x=1", headers={"Host": "evil.example"})
    assert r.status_code == 308
    assert r.headers["Location"].startswith("/edge-test/")
    assert "evil.example" not in r.headers["Location"]


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/strings", True),
        ("/api/v1/strings", False),
        ("/api/v1/precinct.geojson?county=DEMO&id=019", False),
        ("/api/v1/elections", False),
        (LOOKUP, False),
        ("/civicinfo/v2/elections", True),
        ("/api/v1/no-such-route", False),
    ],
)
def test_every_api_answer_varies_on_origin(demo_dir: Path, path: str, allowed: bool) -> None:
    origins = (WIDGET_SITE,) if allowed else ()
    r = client(demo_dir, cors_origins=origins).get(path, headers={"Origin": WIDGET_SITE})
    assert "Origin" in {v.strip() for v in r.headers.get("Vary", "").split(",")}
    assert (r.headers.get("Access-Control-Allow-Origin") == WIDGET_SITE) is allowed
    # ...and without any Origin at all: the copy a cache keeps for a same-site page.
    assert "Origin" in client(demo_dir).get(path).headers.get("Vary", "")


def test_pages_do_not_vary_on_origin(demo_dir: Path) -> None:
    assert "Vary" not in client(demo_dir).get("/healthz").headers


@pytest.mark.parametrize(
    "path",
    [
        LOOKUP,
        f"/api/v1/early-voting?address={ADDRESS}&date={BEFORE}",
        f"/api/v1/calendar.ics?address={ADDRESS}&date={BEFORE}",
        f"/civicinfo/v2/voterinfo?address={ADDRESS}&date={BEFORE}",
        "/api/v1/suggest?q=13186",
        "/api/v1/lookup?address=1+Nowhere+Ln",  # an error answer names the address too
        f"/?address={ADDRESS}",
        f"/widget?address={ADDRESS}",
        "/rep?lat=34.9&lon=-75.28",
    ],
)
def test_what_holds_an_address_is_never_stored(demo_dir: Path, path: str) -> None:
    assert client(demo_dir).get(path).headers.get("Cache-Control") == "no-store"


def test_posts_are_never_stored(demo_dir: Path) -> None:
    r = client(demo_dir).post("/api/v1/questions", json={"topics": []})
    assert r.headers.get("Cache-Control") == "no-store"


@pytest.mark.parametrize(
    "path", ["/api/v1/strings", "/api/v1/help", "/api/v1/precinct.geojson?county=DEMO&id=019"]
)
def test_shared_content_stays_publicly_cacheable(demo_dir: Path, path: str) -> None:
    r = client(demo_dir).get(path)
    assert r.status_code == 200
    assert r.headers["Cache-Control"].startswith("public, max-age=")


def test_hsts_only_when_configured(demo_dir: Path) -> None:
    assert "Strict-Transport-Security" not in client(demo_dir).get("/healthz").headers
    r = client(demo_dir, hsts_max_age=31536000).get("/healthz")
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_setting_is_read_and_checked() -> None:
    assert Settings.from_env({"LOOKUP_HSTS": "600"}).hsts_max_age == 600
    assert Settings.from_env({}).hsts_max_age == 0
    with pytest.raises(ValueError, match="LOOKUP_HSTS"):
        Settings.from_env({"LOOKUP_HSTS": "-1"})


@pytest.mark.parametrize(("trusted", "expected"), [("", "localhost"), ("on", "evil.example")])
def test_forwarded_host_is_believed_only_when_configured(
    demo_dir: Path, trusted: str, expected: str
) -> None:
    settings = Settings.from_env(
        {"LOOKUP_TRUSTED_PROXIES": "1", "LOOKUP_TRUST_FORWARDED_HOST": trusted},
        data_dir=demo_dir,
        insights=False,
    )
    app = create_app(settings)
    seen: list[str] = []

    @app.get("/edge-host")
    def host() -> str:
        from flask import request

        seen.append(request.host)
        return "ok"

    app.test_client().get("/edge-host", headers={"X-Forwarded-Host": "evil.example"})
    assert seen == [expected]


def access_line(environ: dict[str, str], headers: dict[str, str]) -> str:
    """The access log's line for one exchange, formatted by gunicorn's own code path."""
    logger = PrivateLogger.__new__(PrivateLogger)  # atoms() needs no configuration
    raw = "/api/v1/lookup?address=13186+5th+St%0a127.0.0.1+-+forged"
    base = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": raw,
        "PATH_INFO": "/api/v1/lookup\n127.0.0.1 - forged",
        "QUERY_STRING": raw.split("?")[1],
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "198.51.100.7",
        "HTTP_REFERER": f"https://www.demo-city.example/vote?address={ADDRESS}",
    }
    resp = SimpleNamespace(status="200 OK", sent=1234, headers=list(headers.items()))
    req = SimpleNamespace(headers=[("REFERER", base["HTTP_REFERER"]), ("X-NOTE", "a\nb")])
    atoms = logger.atoms(resp, req, {**base, **environ}, timedelta(milliseconds=12))
    fmt = ACCESS_LOG_FORMAT + " %(r)s %(q)s %(h)s %(f)s %({x-note}i)s %({x-request-id}o)s"
    return fmt % {k: atoms.get(k, "-") for k in _keys(fmt)}


def _keys(fmt: str) -> list[str]:
    import re

    return re.findall(r"%\(([^)]+)\)s", fmt)


def test_the_access_log_names_the_route_never_the_path() -> None:
    line = access_line({"lookup.route": "/api/v1/lookup"}, {"X-Request-ID": "abc123"})
    assert '"GET /api/v1/lookup" 200 1234 12ms' in line
    assert "GET /api/v1/lookup HTTP/1.1" in line and "abc123" in line
    for leak in ("13186", "forged", "198.51.100.7", "address", "\n"):
        assert leak not in line, line


def test_the_access_log_escapes_control_characters() -> None:
    line = access_line({"lookup.route": "/x\n/y"}, {"X-Request-ID": "a\x1bb"})
    assert "\n" not in line and "\x1b" not in line
    assert "/x\\x0a/y" in line and "a\\x1bb" in line


def test_a_request_the_app_never_saw_logs_no_route() -> None:
    assert '"GET (no route)" 200' in access_line({}, {})


LIMITED = Settings(rate_limit="60 per minute")
UNLIMITED = Settings(rate_limit="", suggest_rate_limit="", report_rate_limit="")


@pytest.mark.parametrize(
    ("settings", "binds", "workers", "expected"),
    [
        (Settings(trusted_proxies=1), ["0.0.0.0:8000"], 1, ["X-Forwarded-For"]),
        (Settings(trusted_proxies=1), ["[::]:8000"], 1, ["X-Forwarded-For"]),
        (Settings(trusted_proxies=1), ["127.0.0.1:8000"], 1, []),
        (Settings(trusted_proxies=1), ["localhost:8000"], 1, []),
        (Settings(trusted_proxies=1), ["unix:/run/lookup.sock"], 1, []),
        (Settings(), ["0.0.0.0:8000"], 1, []),
        (LIMITED, ["127.0.0.1:8000"], 4, ["workers x the limit"]),
        (LIMITED, ["127.0.0.1:8000"], 1, []),
        (UNLIMITED, ["127.0.0.1:8000"], 4, []),
        (Settings(rate_limit_storage="redis://127.0.0.1:6379"), ["127.0.0.1:8000"], 4, []),
    ],
)
def test_start_up_warnings(
    settings: Settings, binds: list[str], workers: int, expected: list[str]
) -> None:
    warnings = startup_warnings(settings, binds, workers)
    assert len(warnings) == len(expected)
    for warning, needle in zip(warnings, expected, strict=True):
        assert needle in warning
