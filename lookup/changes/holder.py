"""Each worker's view of the changes on the day: ``changes.json`` read again when it has
changed, looked at no more often than every ``check_interval`` seconds.

A look is one ``stat``: the file is only ever replaced by a rename (``store``), so a new
inode, mtime, ctime or size means new contents, and the same ones mean nothing to read
(ctime too: a freed inode number is reused at once, and a rename sets the ctime). A file
that does not parse is logged once and skipped: the last good changes stay applied.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

from lookup.changes.store import CHANGES, read_changes
from lookup.domain.changes import Change
from lookup.errors import DataError

log = logging.getLogger(__name__)

MAX_INTERVAL = 2.0  # seconds: with the poster's own worker at once, every worker within 5 s

Signature = tuple[int, int, int, int] | None  # (inode, mtime, ctime ns, size); None: no file
_NOTHING: Signature = (-1, -1, -1, -1)  # no file ever has it


class ChangesHolder:
    """The changes as this process applies them: an immutable tuple, swapped whole."""

    def __init__(self, data_dir: Path, check_interval: float = MAX_INTERVAL) -> None:
        self.data_dir = data_dir
        self.check_interval = min(check_interval, MAX_INTERVAL)
        self._changes: tuple[Change, ...] = ()
        self._seen: Signature = None  # the file the tuple was read from
        self._failed: Signature = _NOTHING  # the last file that did not parse (logged once)
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def current(self) -> tuple[Change, ...]:
        """The changes stored, as of at most ``check_interval`` seconds ago."""
        if time.monotonic() - self._checked >= self.check_interval:
            self.poll_now()
        return self._changes

    def poll_now(self) -> tuple[Change, ...]:
        """Look at the file now (after this process wrote it, or at start-up)."""
        with self._lock:  # one reader per process parses a new file, the others wait for it
            self._checked = time.monotonic()
            sig = self._signature()
            if sig != self._seen and sig != self._failed:
                self._read(sig)
        return self._changes

    @property
    def version(self) -> str:
        """A short token of the file applied ("none" without one): equal tokens, equal
        changes (``X-Changes-Version``)."""
        sig = self._seen
        return "none" if sig is None else ".".join(f"{n:x}" for n in sig)

    def _signature(self) -> Signature:
        try:
            st = os.stat(self.data_dir / CHANGES)
        except FileNotFoundError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_size)

    def _read(self, sig: Signature) -> None:
        try:
            changes = read_changes(self.data_dir) if sig is not None else ()
        except (DataError, OSError) as exc:
            self._failed = sig
            log.error("changes file unreadable, keeping the %d applied: %s", len(self), exc)
            return
        self._changes, self._seen, self._failed = changes, sig, _NOTHING
        log.info("changes on the day: %d stored", len(changes))

    def __len__(self) -> int:
        return len(self._changes)
