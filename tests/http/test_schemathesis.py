"""schemathesis against the running server's own ``/openapi.json``: over a thousand
generated requests across every operation (examples, boundary "coverage" cases, random
fuzzing, stateful sequences), and for each: no 5xx, a documented status code and content
type, documented headers, and a body that validates against the documented schema (the
checks, and the two left out: ``support/schemathesis.py``). The same on real Mecklenburg
data, longer: ``tests/realdata/test_schemathesis_real.py``.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from support.schemathesis import assert_clean, run_schemathesis
from support.servers import Server

pytestmark = pytest.mark.http
MIN_CASES = 1000


@pytest.fixture(scope="module")
def admin_token() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture(scope="module")
def st_server(
    demo_dir: Path, admin_token: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Staff routes on (with a token), insights in a folder of their own, and a copy of the
    demo county: the changes on the day it posts (``changes.json``) stay in the copy."""
    work = tmp_path_factory.mktemp("schemathesis")
    data = work / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    env = {"LOOKUP_ADMIN_TOKEN": admin_token, "LOOKUP_CACHE_DIR": str(work / "cache")}
    srv = Server(data, work / "server.log", env=env)
    yield srv
    srv.stop()


def test_every_generated_request_gets_a_documented_answer(
    st_server: Server, admin_token: str, tmp_path: Path
) -> None:
    run = run_schemathesis(st_server.url, admin_token, tmp_path, max_examples=40)
    assert_clean(run, MIN_CASES)


def test_405_names_the_allowed_methods(st_server: Server) -> None:
    r = requests.request("TRACE", st_server.url + "/healthz", timeout=10)
    assert r.status_code == 405
    assert "GET" in r.headers.get("Allow", "")
