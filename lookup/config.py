"""Settings: declared once, frozen; ``Settings.from_env()`` is the only reader of os.environ."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_SOURCES = REPO_ROOT / "data" / "precincts" / "demo"


@dataclass(frozen=True)
class Settings:
    """``data_dir`` None means: the bundled demo county, built into ``cache_dir``."""

    data_dir: Path | None = None
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "lookup")
    demo_sources: Path = DEMO_SOURCES
    reload_interval: float = 2.0  # seconds between checks of the ``current`` pointer
    max_request_bytes: int = 4096  # query strings above this are refused (400)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ) if env is None else env
        values: dict[str, object] = {}
        if env.get("LOOKUP_DATA_DIR"):
            values["data_dir"] = Path(env["LOOKUP_DATA_DIR"])
        if env.get("LOOKUP_CACHE_DIR"):
            values["cache_dir"] = Path(env["LOOKUP_CACHE_DIR"])
        elif env.get("XDG_CACHE_HOME"):
            values["cache_dir"] = Path(env["XDG_CACHE_HOME"]) / "lookup"
        if env.get("LOOKUP_RELOAD_INTERVAL"):
            values["reload_interval"] = float(env["LOOKUP_RELOAD_INTERVAL"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]
