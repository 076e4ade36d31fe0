"""Progress of a long refresh on the terminal: one bar per step (download, reading,
geocoding, validating). Silent with ``--quiet`` and whenever stderr is not a terminal
(cron, CI, a log file), so that logs hold results, not bars."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any, TypeVar

T = TypeVar("T")


class Progress:
    """Quiet by default; ``Progress.for_terminal()`` gives the visible kind."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    @classmethod
    def for_terminal(cls, quiet: bool, stream: IO[str] | None = None) -> Progress:
        stream = stream if stream is not None else sys.stderr
        return cls(stream if (not quiet and stream.isatty()) else None)

    def step(self, label: str) -> None:
        """A step without a count."""
        if self.stream is not None:
            print(f"... {label}", file=self.stream, flush=True)

    def each(self, items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
        """Iterate ``items`` with a bar."""
        if self.stream is None:
            yield from items
            return
        from tqdm import tqdm

        yield from tqdm(items, desc=label, total=total, file=self.stream, leave=False)

    def bytes_bar(self, label: str, total: int | None) -> Any:
        """A bar counting bytes (``update(n)``, ``close()``); a no-op when quiet."""
        return self.bar(label, total, unit="B")

    def bar(self, label: str, total: int | None, unit: str = "rows") -> Any:
        """A bar counting ``unit`` (``update(n)``, ``close()``); a no-op when quiet."""
        if self.stream is None:
            return _NoBar()
        from tqdm import tqdm

        return tqdm(
            total=total,
            desc=label,
            unit=unit,
            unit_scale=unit == "B",
            file=self.stream,
            leave=False,
        )


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


QUIET = Progress()
