"""/openapi.json: in step with the routes, and real responses validate against it."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from lookup.outputs.openapi import spec

ADDRESS = "13186 5th St, Demo City NC 28990"
BEFORE = "2028-10-25"
PAGES = {"/", "/rep", "/widget", "/static/<path:filename>", "/openapi.json"}
# Operations on the live data, left out of the spec: a fuzzer with the staff token
# (test_schemathesis) would roll the server's data back and forth.
UNDOCUMENTED = {("/admin/reload", "post"), ("/admin/rollback", "post")}


def validator(schema: str) -> Draft202012Validator:
    s = spec()
    return Draft202012Validator({"$ref": f"#/components/schemas/{schema}", **s})


def test_the_spec_is_valid_json_schema() -> None:
    for schema in spec()["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)  # raises, naming the bad keyword


def test_every_route_is_documented_and_every_documented_path_exists(demo_dir) -> None:
    from lookup.config import Settings
    from lookup.web.app import create_app

    app = create_app(Settings(data_dir=demo_dir, rate_limit_exempt=("127.0.0.0/8",)))
    # Every GET, POST and DELETE route by its OpenAPI path (Flask's <name> is {name}).
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule), method.lower())
        for r in app.url_map.iter_rules()
        if r.rule not in PAGES
        for method in ("GET", "POST", "DELETE")
        if method in (r.methods or set())
    }
    documented = {(path, method) for path, ops in spec()["paths"].items() for method in ops}
    assert routes - UNDOCUMENTED == documented, (routes - UNDOCUMENTED) ^ documented


@pytest.mark.http
@pytest.mark.parametrize(
    ("path", "params", "schema", "status"),
    [
        ("/api/v1/lookup", {"address": ADDRESS, "date": BEFORE}, "Answer", 200),
        (
            "/api/v1/lookup",
            {"address": ADDRESS, "at": "2028-10-24T10:00", "lang": "es"},
            "Answer",
            200,
        ),
        (
            "/api/v1/lookup",
            {"lat": "34.9023", "lon": "-75.2834", "date": "2029-01-01"},
            "Answer",
            200,
        ),
        (
            "/api/v1/early-voting",
            {"address": ADDRESS, "date": BEFORE, "open": "today"},
            "EarlyVoting",
            200,
        ),
        ("/api/v1/elections", {"date": BEFORE}, "Elections", 200),
        ("/api/v1/suggest", {"q": "13186 5"}, "Suggestions", 200),
        ("/api/v1/suggest", {"q": "kestrel"}, "Suggestions", 200),
        ("/healthz", {}, "Health", 200),
        ("/readyz", {}, "Ready", 200),
        ("/api/v1/lookup", {"address": "PO Box 5"}, "Error", 400),
        ("/api/v1/lookup", {"address": "1 Nowhere Ln, Demo City"}, "Error", 404),
        ("/api/v1/lookup", {"address": "912 Main St"}, "Error", 422),
        ("/api/v1/lookup", {"lat": "nan", "lon": "1"}, "Error", 400),
        ("/api/v1/suggest", {"q": "1", "limit": "99"}, "Error", 400),
        ("/no/such/route", {}, "Error", 404),
    ],
)
def test_real_responses_match_the_spec(server, path, params, schema, status) -> None:
    r = server.get(path, **params)
    assert r.status_code == status, r.text
    errors = sorted(validator(schema).iter_errors(r.json()), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.mark.http
def test_served_spec_is_the_module_spec(server) -> None:
    body = server.get("/openapi.json").json()
    assert body == spec() and body["openapi"].startswith("3.1")
    codes = body["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]
    from lookup.errors import ERROR_CODES

    assert codes["enum"] == list(ERROR_CODES)
