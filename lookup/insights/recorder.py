"""Counting off the request path: a queue per process, a writer thread, batched upserts.

``record`` appends to a deque (atomic, no lock, no I/O); the writer thread wakes every
``interval`` seconds, reduces what came in to counter increments and adds them to the
store in one transaction. gunicorn forks workers from a preloaded master, so the thread
(and the store's engine) start lazily in each process, on its first event after the
fork; an ``atexit`` hook flushes what is left when the worker exits (gunicorn's graceful
shutdown ends a worker with ``sys.exit``, which runs it).

A store that cannot be written keeps its increments pending and retries; past
``max_pending`` events they are dropped and counted (``dropped_events``), so a dead
database costs counts and memory stays bounded, while lookups go on unaffected.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from lookup.insights.events import Counts, Event, reduce

if TYPE_CHECKING:
    from lookup.insights.counters import Store

log = logging.getLogger(__name__)

# Each flush upserts every counter cell touched since the last one; under load (~600
# look-ups/s per worker) flushing every second cost ~13 us per look-up in the writer
# thread (profiled), every 5 s a fraction of it. The report is at most 5 s behind.
FLUSH_SECONDS = 5.0
MAX_PENDING = 100_000  # events held while the store is failing, before dropping them
RETENTION_EVERY = 6 * 3600.0  # seconds between retention passes of one process
_WARN_EVERY = 60.0

_dropped = 0
_dropped_lock = threading.Lock()


def dropped_events() -> int:
    """Events this process could not count (store down too long, queue overflow): for
    the metrics endpoint. Lookups were answered all the same."""
    return _dropped


def note_dropped(n: int) -> None:
    global _dropped
    with _dropped_lock:
        _dropped += n


class Recorder:
    """The per-process writer for one store location."""

    def __init__(
        self,
        location: str,
        clock: Callable[[], datetime],
        retention_days: int,
        *,
        interval: float = FLUSH_SECONDS,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.location = location
        self.clock = clock
        self.retention_days = retention_days
        self.interval = interval
        self.max_pending = max_pending
        self._pid = -1  # no thread yet in any process
        self._queue: deque[Event] = deque()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._store: Store | None = None
        self._pending: Counts = {}
        self._pending_events = 0
        self._retained_at = -RETENTION_EVERY
        self._warned_at = -_WARN_EVERY

    def record(self, event: Event) -> None:
        """Queue ``event`` (the request path: no I/O, no lock)."""
        if self._pid != os.getpid():
            self._start()
        if len(self._queue) >= self.max_pending:
            note_dropped(1)
            return
        self._queue.append(event)

    def _start(self) -> None:
        with self._flush_lock:
            if self._pid == os.getpid():
                return
            # After a fork: nothing of the parent's queue, thread or engine is ours.
            self._queue = deque()
            self._pending, self._pending_events = {}, 0
            self._store = None
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, name="insights-writer", daemon=True)
            self._pid = os.getpid()
            self._thread.start()
            atexit.register(self.close)

    def _run(self) -> None:
        # SQLAlchemy loads now, in this thread, right after the worker's first counted
        # request: not at start-up (a fifth of a cold start) and not in the middle of a
        # busy minute at the first flush.
        try:
            from lookup.insights import counters as store  # noqa: F401
        except Exception as exc:  # _write says it again at each flush; the thread goes on
            self._warn("insights store module unavailable (%s)", type(exc).__name__)
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        """Write everything queued so far (the writer thread, ``close``, tests)."""
        with self._flush_lock:
            events = []
            while self._queue:
                events.append(self._queue.popleft())
            if events:
                try:
                    counts, n = reduce(events)
                except Exception as exc:  # a bug in reduce must not stop the writer
                    # The type only: a parser's message may quote the address typed.
                    self._warn("could not count %d events (%s)", len(events), type(exc).__name__)
                    note_dropped(len(events))
                    counts, n = {}, 0
                self._merge(counts, n)
            if self._pending_events:
                self._write()
            self._retain()

    def _merge(self, counts: Counts, n: int) -> None:
        for name, counter in counts.items():
            self._pending.setdefault(name, Counter()).update(counter)
        self._pending_events += n

    def _write(self) -> None:
        try:
            if self._store is None:
                from lookup.insights.counters import Store  # loaded already by ``_run``

                self._store = Store(self.location)
            self._store.add(self._pending)
        except Exception as exc:
            # The type only: a database error's text holds the statement's parameters.
            self._warn("insights store unavailable (%s); %d events pending",
                       type(exc).__name__, self._pending_events)  # fmt: skip
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._pending_events > self.max_pending:
                note_dropped(self._pending_events)
                self._pending, self._pending_events = {}, 0
            return
        self._pending, self._pending_events = {}, 0

    def _retain(self) -> None:
        now = time.monotonic()
        if self._store is None or now - self._retained_at < RETENTION_EVERY:
            return
        self._retained_at = now
        try:
            self._store.apply_retention(self.clock().date(), self.retention_days)
        except Exception as exc:
            self._warn("insights retention failed (%s)", type(exc).__name__)

    def _warn(self, fmt: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY:
            self._warned_at = now
            log.warning(fmt, *args)

    def close(self) -> None:
        """Stop the thread and write what is left; events still pending are dropped."""
        if self._pid != os.getpid():
            return
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self.flush()
        with self._flush_lock:
            if self._pending_events:
                note_dropped(self._pending_events)
                self._pending, self._pending_events = {}, 0
            if self._store is not None:
                self._store.close()
                self._store = None
        self._pid = -1
        atexit.unregister(self.close)
