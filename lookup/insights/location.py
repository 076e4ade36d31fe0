"""Where the counters live: a file path (SQLite) or a SQL URL (``sqlite:///...``,
``postgresql+psycopg://...``). Checked when the service starts, without loading
SQLAlchemy: that import is a fifth of a cold start, and only the writer thread (after
gunicorn's fork) and the staff report need it."""

from __future__ import annotations

import re
from pathlib import Path

BACKENDS = ("sqlite", "postgresql")
_SCHEME = re.compile(r"^([a-z][a-z0-9]*)(?:\+[a-z0-9_]+)?$")


def engine_url(location: str) -> str:
    """A SQLAlchemy URL for ``Settings.insights_url``: a URL as it is, a path as SQLite."""
    if "://" in location:
        return location
    return f"sqlite:///{Path(location).expanduser().resolve()}"


def check_location(location: str) -> str:
    """The backend of ``location`` ("sqlite" or "postgresql"); ``ValueError`` naming
    the problem for a malformed URL or another database."""
    url = engine_url(location)
    scheme = url.split("://", 1)[0]
    m = _SCHEME.match(scheme)
    if m is None:
        raise ValueError(f"{scheme!r} is not a database URL scheme")
    if m.group(1) not in BACKENDS:
        raise ValueError(f"{m.group(1)!r} is not a supported database (sqlite or postgresql)")
    return m.group(1)
