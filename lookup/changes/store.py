"""``<data_dir>/changes.json``: the changes on the day, beside the published versions (not
inside one: a refresh carries them forward untouched, a rollback keeps them).

Every writer holds ``changes.lock`` (``flock``) while it reads, edits and rewrites the
file, so two staff posting at once (two workers, two instances on one shared folder, or
``lookup change`` on the server) both keep theirs. The file is replaced in one
``os.replace`` of a fsync'ed temporary file: a reader sees the old file or the new one,
never half of one, and a power cut loses nothing reported as stored.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from lookup.dataset.durable import fsync_dir
from lookup.domain.changes import Change, ChangeRefused, parse_change
from lookup.errors import DataError
from lookup.i18n import languages

CHANGES = "changes.json"
LOCK = "changes.lock"
FORMAT = 1


class ChangesCorrupt(DataError):
    """``changes.json`` cannot be read as changes (hand-edited, or a disk fault)."""


def new_id() -> str:
    return secrets.token_urlsafe(9)


def read_changes(data_dir: Path) -> tuple[Change, ...]:
    """The stored changes, oldest first; none when there is no file yet."""
    try:
        raw = (data_dir / CHANGES).read_bytes()
    except FileNotFoundError:
        return ()
    return _parse(raw, data_dir / CHANGES)


def _parse(raw: bytes, path: Path) -> tuple[Change, ...]:
    try:
        doc = json.loads(raw)
        entries = doc["changes"]
        if not isinstance(entries, list):
            raise TypeError("changes is not a list")
        return tuple(_entry(e) for e in entries)
    except (ValueError, KeyError, TypeError) as exc:  # ChangeRefused is a ValueError
        raise ChangesCorrupt(f"{path}: not a changes file ({exc})") from None


def _entry(doc: Any) -> Change:
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise TypeError("a change without an id")
    created = datetime.fromisoformat(str(doc.get("created", "")).replace("Z", "+00:00"))
    return parse_change(doc, id=doc["id"], created=created, languages=languages())


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    """One writer at a time per data folder (released by the kernel if the writer dies)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _write(data_dir: Path, changes: tuple[Change, ...]) -> None:
    body = {"format": FORMAT, "changes": [c.to_json() for c in changes]}
    tmp = data_dir / f".{CHANGES}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        with tmp.open("w", encoding="utf-8") as f:
            json.dump(body, f, ensure_ascii=False, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, data_dir / CHANGES)
    finally:
        tmp.unlink(missing_ok=True)
    fsync_dir(data_dir)


def add_change(data_dir: Path, build: Callable[[tuple[Change, ...]], Change]) -> Change:
    """Store the change ``build`` makes from the changes stored now (it checks the new one
    against them, e.g. for overlapping relocations, and raises ``ChangeRefused`` to store
    nothing). A corrupt file is refused, never overwritten: staff repair it first."""
    with _locked(data_dir):
        stored = read_changes(data_dir)
        change = build(stored)
        if any(c.id == change.id for c in stored):
            raise ChangeRefused("a change with this id is stored already", "id", "duplicate")
        _write(data_dir, (*stored, change))
        return change


def withdraw_change(data_dir: Path, change_id: str) -> Change | None:
    """Remove a change; the one removed, or None when no stored change has that id."""
    with _locked(data_dir):
        stored = read_changes(data_dir)
        gone = next((c for c in stored if c.id == change_id), None)
        if gone is not None:
            _write(data_dir, tuple(c for c in stored if c.id != change_id))
        return gone
