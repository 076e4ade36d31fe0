"""One refresh (or rollback) at a time per data folder: the lock they hold while they
write and publish."""

from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from lookup.errors import DataError

LOCK = "refresh.lock"


class RefreshBusy(DataError):
    """Another refresh (or rollback) holds the data folder's lock."""


@contextmanager
def refresh_lock(
    data_dir: Path, now: datetime, on_busy: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold ``DIR/refresh.lock`` for one refresh or rollback at a time per data folder.

    ``flock`` on an open file: the kernel releases it when the holder's file is closed or
    its process dies, so a killed run never leaves a stale lock behind. The file (never
    deleted: unlinking a flock'ed file races) holds the holder's pid, host and start time
    for the message. Busy: raise ``RefreshBusy`` naming the holder, or with ``on_busy``,
    tell it the message and wait.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            message = f"another refresh ({_holder(fd)}) is publishing into {data_dir}"
            if on_busy is None:
                raise RefreshBusy(message) from None
            on_busy(message)
            fcntl.flock(fd, fcntl.LOCK_EX)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": now.isoformat()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        os.fsync(fd)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)  # no stale holder named to the next one who waits
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """'pid 1234 on host, started 2026-12-07 12:01:07 UTC' from the lock file's text."""
    try:
        h = json.loads(os.pread(fd, 4096, 0))
        started = datetime.fromisoformat(h["started"]).strftime("%Y-%m-%d %H:%M:%S %Z")
        return f"pid {h['pid']} on {h['host']}, started {started.strip()}"
    except (OSError, ValueError, KeyError, TypeError):
        return "holder not yet recorded"  # it has the lock but has not written its name
