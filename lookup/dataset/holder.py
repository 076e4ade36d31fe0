"""The only mutable state of the service: which ``Dataset`` is live."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from lookup.dataset.codec import MANIFEST, load_dataset
from lookup.dataset.model import Dataset
from lookup.dataset.publish import CURRENT, current_target
from lookup.errors import DataError

log = logging.getLogger(__name__)


class DatasetHolder:
    """The only mutable state: a reference to the live ``Dataset``, swapped atomically.

    ``get()`` returns a snapshot; a request keeps using the snapshot it got even if a new
    version is swapped in meanwhile, so no answer mixes two versions. At most every
    ``check_interval`` seconds it looks at ``current``; a changed target is loaded in a
    background thread while the old version keeps serving. A version that fails to load
    is logged and skipped; the last good one stays live.
    """

    def __init__(self, data_dir: Path, check_interval: float = 2.0) -> None:
        self.data_dir = data_dir
        self.check_interval = check_interval
        self._dataset: Dataset | None = None
        self._target: Path | None = None
        self._failed: Path | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._loading = False

    def load_now(self) -> Dataset:
        """Load the current version synchronously (start-up); raises ``DataError``."""
        target = current_target(self.data_dir)
        if target is None:
            raise DataError(f"{self.data_dir}: no published dataset ('{CURRENT}' is missing)")
        ds = load_dataset(target)
        self._dataset, self._target = ds, target
        self._checked = time.monotonic()
        return ds

    def reload_now(self) -> Dataset:
        """Make the version ``current`` points at live now (staff's reload). Raises
        ``DataError`` if it does not load; the last good version then stays live."""
        target = current_target(self.data_dir)
        if target is None:
            raise DataError(f"{self.data_dir}: no published dataset ('{CURRENT}' is missing)")
        if target == self._target and self._dataset is not None:
            return self._dataset
        ds = load_dataset(target)
        self._dataset, self._target = ds, target
        log.info("dataset version %s is live (staff reload)", ds.version)
        return ds

    def get(self) -> Dataset | None:
        now = time.monotonic()
        if now - self._checked >= self.check_interval:
            self._checked = now
            target = current_target(self.data_dir)
            if target is not None and target not in (self._target, self._failed):
                self._start_reload(target)
        return self._dataset

    def _start_reload(self, target: Path) -> None:
        with self._lock:
            if self._loading:
                return
            self._loading = True
        threading.Thread(target=self._reload, args=(target,), daemon=True).start()

    def _reload(self, target: Path) -> None:
        try:
            ds = load_dataset(target)
        except Exception as exc:  # whatever broke, the last good version keeps serving
            log.error("dataset reload failed, keeping version %s: %s", self.version, exc)
            self._failed = target
        else:
            self._dataset, self._target = ds, target  # one reference assignment: atomic
            log.info("dataset version %s is live", ds.version)
        finally:
            with self._lock:
                self._loading = False

    def built_at(self) -> float | None:
        """When the live version was written (its manifest's mtime, epoch seconds)."""
        target = self._target
        if target is None:
            return None
        try:
            return (target / MANIFEST).stat().st_mtime
        except OSError:
            return None

    @property
    def version(self) -> str | None:
        return self._dataset.version if self._dataset else None
