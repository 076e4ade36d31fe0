"""schemathesis on real data: every public and staff operation of ``/openapi.json``
against Mecklenburg's 2020 general election (``conftest.meck_2020``), with more examples
per operation than the demo run (several minutes): real BOE names, cut and odd
addresses, 33 one-stop sites with their real hours, and the staff's changes on the day
posted against real ids. No 5xx, documented statuses, headers and bodies throughout."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.schemathesis import assert_clean, run_schemathesis
from support.servers import Server

pytestmark = [pytest.mark.realdata, pytest.mark.http]
# Examples per operation (SCHEMATHESIS_EXAMPLES=1000 for a longer run by hand).
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "300"))
MIN_CASES = 15 * EXAMPLES  # schemathesis drops repeats: ~30 per example at 300, ~22 at 1000


@pytest.fixture(scope="module")
def real_server(
    meck_2020, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, str]]:
    """Two workers on a copy of the published folder (the changes it posts stay there)."""
    work = tmp_path_factory.mktemp("schemathesis-real")
    data = work / "data"
    shutil.copytree(meck_2020[1], data, symlinks=True)
    token = secrets.token_urlsafe(32)
    env = {"LOOKUP_ADMIN_TOKEN": token, "LOOKUP_CACHE_DIR": str(work / "cache")}
    srv = Server(data, work / "server.log", env=env)
    yield srv, token
    srv.stop()


def test_real_mecklenburg_every_generated_request_gets_a_documented_answer(
    real_server: tuple[Server, str], tmp_path: Path
) -> None:
    srv, token = real_server
    run = run_schemathesis(srv.url, token, tmp_path, max_examples=EXAMPLES, timeout=900)
    assert_clean(run, MIN_CASES)
