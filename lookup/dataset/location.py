"""Where the live data is: the configured folder, or the demo county's."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lookup.config import Settings


def resolve_data_dir(settings: Settings, now: datetime) -> Path:
    """The configured data folder, or the demo county built on first use."""
    if settings.data_dir is not None:
        return settings.data_dir
    # The refresh pipeline the demo is built with loads only when there is no data folder.
    from lookup.dataset.demo import ensure_demo_dataset

    return ensure_demo_dataset(settings, now)
