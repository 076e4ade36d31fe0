"""Writes that survive a power cut: what the dataset writer, the ``current`` swap, the
refresh's rename into ``versions/`` and the VIP export make durable before reporting
success."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    """Make a folder's entries (renames, new files) durable."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
