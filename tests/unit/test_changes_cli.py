"""``lookup change add|list|withdraw``: the store the staff API writes, with its checks,
for staff on the server; and a refresh that keeps the changes and reports the open ones."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.changes import RELOCATE, SITE

from lookup.changes.store import CHANGES, read_changes
from lookup.cli import EXIT_BAD_INPUT, EXIT_NOT_FOUND, main
from lookup.config import DEMO_SOURCES
from lookup.dataset.demo import demo_request
from lookup.i18n import DEFAULT_LANG
from lookup.ingest.refresh import refresh, rollback

AT = ("--at", "2028-10-25T12:00")
CLOSE: dict[str, Any] = {
    "kind": "close_site",
    "site_id": SITE,
    "from": "2028-10-25T10:00",
    "to": "2028-10-25T18:00",
    "reason": {DEFAULT_LANG: "Power cut"},
    "by": "night desk",
}


@pytest.fixture
def data(demo_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(demo_dir, folder, symlinks=True)
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_and_withdraw_from_the_command_line(
    data: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    body = tmp_path / "close.json"
    body.write_text(json.dumps(CLOSE))
    code, out, _ = run(capsys, "change", "add", "--data-dir", str(data), *AT, "--json", str(body))
    assert code == 0
    closed = json.loads(out)
    assert closed["change"]["site_id"] == SITE and closed["change"]["by"] == "night desk"

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(RELOCATE)))
    code, out, _ = run(capsys, "change", "add", "--data-dir", str(data), *AT, "--json", "-")
    assert code == 0
    moved = json.loads(out)["id"]

    code, out, _ = run(capsys, "change", "list", "--data-dir", str(data), *AT)
    listed = json.loads(out)["changes"]
    assert code == 0 and [(c["id"], c["status"]) for c in listed] == [
        (closed["id"], "active"),
        (moved, "pending"),
    ]
    code, out, _ = run(capsys, "change", "list", "--data-dir", str(data), *AT, "--active-now")
    assert [c["id"] for c in json.loads(out)["changes"]] == [closed["id"]]

    code, out, _ = run(capsys, "change", "withdraw", "--data-dir", str(data), closed["id"])
    assert code == 0 and out.strip() == f"withdrawn: {closed['id']}"
    code, _, err = run(capsys, "change", "withdraw", "--data-dir", str(data), closed["id"])
    assert code == EXIT_NOT_FOUND and "no change" in err
    assert [c.id for c in read_changes(data)] == [moved]


def test_the_command_line_refuses_what_the_api_refuses(data: Path, tmp_path: Path, capsys) -> None:
    stored = tmp_path / "relocate.json"
    stored.write_text(json.dumps(RELOCATE))
    assert run(capsys, "change", "add", "--data-dir", str(data), *AT, "--json", str(stored))[0] == 0
    before = (data / CHANGES).read_bytes()
    cases = {
        "overlap": RELOCATE | {"from": "2028-11-07T07:00"},
        "outside_county": RELOCATE | {"place": RELOCATE["place"] | {"lat": 35.2, "lon": -80.8}},
        "unknown_id": CLOSE | {"site_id": "no-such-site"},
        "bad_window": CLOSE | {"to": "2028-10-25T09:00"},
    }
    for reason, doc in cases.items():
        body = tmp_path / f"{reason}.json"
        body.write_text(json.dumps(doc))
        code, out, err = run(
            capsys, "change", "add", "--data-dir", str(data), *AT, "--json", str(body)
        )
        assert code == EXIT_BAD_INPUT and out == "" and f"({reason})" in err, (reason, err)
    (tmp_path / "junk.json").write_text("close it")
    code, _, err = run(
        capsys, "change", "add", "--data-dir", str(data), "--json", str(tmp_path / "junk.json")
    )
    assert code == EXIT_BAD_INPUT and "not JSON" in err
    assert (data / CHANGES).read_bytes() == before


REFRESHED = datetime(2028, 10, 25, 14, 0, tzinfo=UTC)


def test_a_refresh_keeps_the_changes_and_reports_the_open_ones(tmp_path: Path, capsys) -> None:
    sources, data = tmp_path / "src", tmp_path / "data"
    shutil.copytree(DEMO_SOURCES, sources)
    assert refresh(replace(demo_request(sources, data), version="v1"), REFRESHED).published
    # Posted the day before, for that day: over when the refresh runs.
    over = CLOSE | {"from": "2028-10-24T13:00", "to": "2028-10-24T14:00"}
    ids = {}
    for name, doc, at in (
        ("closed", CLOSE, AT[1]),
        ("moved", RELOCATE, AT[1]),
        ("over", over, "2028-10-24T12:00"),
    ):
        body = tmp_path / f"{name}.json"
        body.write_text(json.dumps(doc))
        code, out, _ = run(
            capsys, "change", "add", "--data-dir", str(data), "--at", at, "--json", str(body)
        )
        assert code == 0
        ids[name] = json.loads(out)["id"]
    stored = (data / CHANGES).read_bytes()

    # The county drops the Riverton site from its one-stop file.
    one_stop = sources / "demo-one-stop-sites-20281107.txt"
    lines = one_stop.read_text().splitlines(keepends=True)
    one_stop.write_text("".join(line for line in lines if "RIVERTON RECREATION" not in line))
    request = replace(demo_request(sources, data), version="v2", allow_shrink=True)
    report = refresh(request, REFRESHED)  # 10 a.m. in New York
    assert report.published, report.lines()
    assert (data / CHANGES).read_bytes() == stored  # carried forward untouched
    md = (data / "versions" / "v2" / "changes.md").read_text()
    section = md[md.index("## Changes on the day still open") :].split("\n## ")[0]
    assert section.startswith("## Changes on the day still open (kept) (2)")
    rows = {line.split(" | ")[0].strip("| "): line for line in section.splitlines()[4:]}
    assert "no longer applies" in rows[ids["closed"]] and SITE in rows[ids["closed"]]
    assert rows[ids["moved"]].endswith("| applies |") and "precinct 019" in rows[ids["moved"]]
    assert ids["over"] not in md
    summary = "\n".join(report.lines())
    assert "changes on the day still open, kept: 2 (1 no longer apply" in summary

    assert rollback(data, REFRESHED) == "v1"
    assert (data / CHANGES).read_bytes() == stored  # a rollback keeps them too
