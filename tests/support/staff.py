"""What the browser tests of issue 24 read back as staff: a server with an admin token
whose insights publish every cell (``LOOKUP_INSIGHTS_MIN_COUNT=1``) and whose reports live
beside its log, an insights CSV table, and the open reports."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path

import requests

from support.servers import Server

TOKEN = "issue24-staff-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
EVERYTHING = {"from": "2000-01-01", "to": "2100-12-31"}  # whatever day the clock says


def staff_server(demo_dir: Path, log: Path, env: dict[str, str] | None = None) -> Server:
    """One worker (its insight writer flushes every 5 s), counting every cell."""
    return Server(
        demo_dir,
        log,
        workers=1,
        env={
            "LOOKUP_ADMIN_TOKEN": TOKEN,
            "LOOKUP_INSIGHTS_MIN_COUNT": "1",
            "LOOKUP_REPORTS_DB": str(log.with_suffix(".reports.sqlite3")),
            **(env or {}),
        },
    )


def table(srv: Server, name: str) -> tuple[list[str], list[list[str]]]:
    """An insights CSV table: its header and its rows."""
    r = requests.get(
        f"{srv.url}/admin/insights.csv",
        params={"table": name, **EVERYTHING},
        headers=AUTH,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    rows = list(csv.reader(io.StringIO(r.text)))
    return rows[0], rows[1:]


def wait_for_table(srv: Server, name: str, rows: list[list[str]]) -> list[list[str]]:
    """The table's rows once they are ``rows`` (in any order), waiting (bounded) for the
    writer's next flush; the last rows read if they never are."""
    deadline = time.monotonic() + 20
    while True:
        got = table(srv, name)[1]
        if sorted(got) == sorted(rows) or time.monotonic() > deadline:
            return got
        time.sleep(0.25)


def reports(srv: Server) -> list[dict[str, object]]:
    """The reports staff see at ``GET /admin/reports`` (JSON)."""
    r = requests.get(f"{srv.url}/admin/reports", headers=AUTH, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("reports"), list), body
    return body["reports"]


def own_data_dir(demo_dir: Path, into: Path) -> Path:
    """A copy of the demo county's data folder: the staff's changes are stored in the data
    folder (``changes.json``), and the session's shared one must stay without them."""
    import shutil

    return Path(shutil.copytree(demo_dir, into / "data", symlinks=True))


def post_change(srv: Server, doc: dict[str, object]) -> str:
    """POST a change as staff; its id."""
    r = requests.post(f"{srv.url}/admin/changes", json=doc, headers=AUTH, timeout=10)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])
