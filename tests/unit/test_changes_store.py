"""``changes.json`` beside the published data: written whole or not at all, two writers at
once keep both, a corrupt file refused (never overwritten) and, in every worker's holder,
logged once while the last good changes stay applied."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.paths import ROOT

from lookup.changes.holder import ChangesHolder
from lookup.changes.store import (
    CHANGES,
    ChangesCorrupt,
    add_change,
    new_id,
    read_changes,
    withdraw_change,
)
from lookup.domain.changes import Change, ChangeRefused, parse_change
from lookup.i18n import DEFAULT_LANG, languages

CREATED = datetime(2028, 10, 25, 16, 0, tzinfo=UTC)


def notice(text: str, change_id: str = "") -> Change:
    doc = {
        "kind": "notice",
        "precincts": None,
        "from": "2028-11-07T06:00",
        "to": "2028-11-07T19:30",
        "message": {DEFAULT_LANG: text},
    }
    return parse_change(doc, id=change_id or new_id(), created=CREATED, languages=languages())


def test_a_change_is_stored_by_replacing_the_file_whole(tmp_path: Path) -> None:
    first = add_change(tmp_path, lambda stored: notice("first"))
    before = (tmp_path / CHANGES).stat().st_ino
    second = add_change(tmp_path, lambda stored: notice(f"after {len(stored)}"))
    assert read_changes(tmp_path) == (first, second)
    assert second.text.get(DEFAULT_LANG) == "after 1"  # built from what was stored
    # A rename of a new file, never a write into the one readers have open.
    assert (tmp_path / CHANGES).stat().st_ino != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changes.json", "changes.lock"]
    assert json.loads((tmp_path / CHANGES).read_text())["changes"][0] == first.to_json()
    assert len(first.id) == 12 and first.id != second.id


def test_a_refused_change_stores_nothing(tmp_path: Path) -> None:
    kept = add_change(tmp_path, lambda stored: notice("kept"))
    text = (tmp_path / CHANGES).read_bytes()

    def refuse(stored: tuple[Change, ...]) -> Change:
        raise ChangeRefused("no", "site_id", "unknown_id")

    with pytest.raises(ChangeRefused):
        add_change(tmp_path, refuse)
    with pytest.raises(ChangeRefused, match="stored already"):
        add_change(tmp_path, lambda stored: notice("again", kept.id))
    assert (tmp_path / CHANGES).read_bytes() == text


def test_withdrawing_removes_one_change(tmp_path: Path) -> None:
    a = add_change(tmp_path, lambda stored: notice("a"))
    b = add_change(tmp_path, lambda stored: notice("b"))
    assert withdraw_change(tmp_path, a.id) == a
    assert withdraw_change(tmp_path, a.id) is None
    assert withdraw_change(tmp_path, "no-such-id") is None
    assert read_changes(tmp_path) == (b,)
    assert read_changes(tmp_path / "absent") == ()  # no file yet: no changes


WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from lookup.changes.store import add_change, new_id
from lookup.domain.changes import parse_change
from lookup.i18n import DEFAULT_LANG, languages

folder, name = Path(sys.argv[1]), sys.argv[2]
for n in range(25):
    doc = {"kind": "notice", "precincts": None, "from": "2028-11-07T06:00",
           "to": "2028-11-07T19:30", "message": {DEFAULT_LANG: f"{name} {n}"}}
    add_change(folder, lambda stored: parse_change(
        doc, id=new_id(), created=datetime.now(UTC), languages=languages()))
"""


def test_two_processes_adding_at_once_keep_every_change(tmp_path: Path) -> None:
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name], cwd=ROOT)
        for name in ("left", "right")
    ]
    assert [w.wait(timeout=60) for w in writers] == [0, 0]
    texts = sorted(c.text.get(DEFAULT_LANG) for c in read_changes(tmp_path))
    assert texts == sorted(f"{name} {n}" for name in ("left", "right") for n in range(25))


def test_a_corrupt_file_is_refused_and_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / CHANGES).write_text('{"format": 1, "changes": [{"id": "x", "kind": "no')
    with pytest.raises(ChangesCorrupt, match="not a changes file"):
        read_changes(tmp_path)
    with pytest.raises(ChangesCorrupt):
        add_change(tmp_path, lambda stored: notice("lost?"))
    with pytest.raises(ChangesCorrupt):
        withdraw_change(tmp_path, "x")
    assert (tmp_path / CHANGES).read_text().endswith('"kind": "no')
    wrong = {"format": 1, "changes": [{"id": "x", "kind": "notice", "created": "yesterday"}]}
    (tmp_path / CHANGES).write_text(json.dumps(wrong))
    with pytest.raises(ChangesCorrupt):
        read_changes(tmp_path)


def test_the_holder_reads_a_new_file_keeps_the_last_good_one_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    holder = ChangesHolder(tmp_path, check_interval=0)
    assert holder.current() == () and holder.version == "none"
    first = add_change(tmp_path, lambda stored: notice("first"))
    assert holder.current() == (first,)
    version = holder.version
    good = (tmp_path / CHANGES).read_bytes()
    caplog.set_level(logging.INFO, logger="lookup.changes.holder")
    caplog.clear()
    (tmp_path / CHANGES).write_text("{not json")
    for _ in range(3):
        assert holder.current() == (first,)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "keeping the 1 applied" in errors[0].getMessage()
    assert holder.version == version
    (tmp_path / CHANGES).write_bytes(good + b"\n")  # repaired by hand
    assert holder.current() == (first,) and holder.version != version
    (tmp_path / CHANGES).unlink()
    assert holder.current() == ()


def test_the_holder_looks_at_most_every_interval_and_never_later_than_two_seconds(
    tmp_path: Path,
) -> None:
    assert ChangesHolder(tmp_path, check_interval=30).check_interval == 2.0
    holder = ChangesHolder(tmp_path, check_interval=0.3)
    assert holder.current() == ()
    change = add_change(tmp_path, lambda stored: notice("soon"))
    assert holder.current() == ()  # looked a moment ago: not yet
    time.sleep(0.35)
    assert holder.current() == (change,)
    assert holder.poll_now() == (change,)


def test_the_holder_sees_a_rewrite_of_the_same_size_in_the_same_instant(tmp_path: Path) -> None:
    """The store renames a new file over the old: a new inode, even when mtime and size
    are the same as before (a coarse-clock file system)."""
    holder = ChangesHolder(tmp_path, check_interval=0)
    a = add_change(tmp_path, lambda stored: notice("aaaa", "id-aaaaaaaa"))
    assert holder.current() == (a,)
    stat = (tmp_path / CHANGES).stat()
    withdraw_change(tmp_path, a.id)
    b = add_change(tmp_path, lambda stored: notice("bbbb", "id-bbbbbbbb"))
    os.utime(tmp_path / CHANGES, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (tmp_path / CHANGES).stat().st_size == stat.st_size
    assert holder.current() == (b,)
