"""Boundaries the design promises: a framework-free core, nothing read at import."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from support.paths import ROOT

CORE = [
    "lookup.spatial.grid",
    "lookup.service",
    "lookup.domain.schedule",
    "lookup.ingest.validate",
    "lookup.geocode.normalize",
    "lookup.geocode.local",
    "lookup.geocode.base",
    "lookup.dataset.columns",
    "lookup.geocode.fuzzy",
    "lookup.geocode.suggest",
    "lookup.geocode.interpolate",
    "lookup.geocode.readings",
    "lookup.geocode.candidates",
    "lookup.geocode.resolve",
    "lookup.geocode.places",
    "lookup.geocode.place_merge",
    "lookup.geocode.place_words",
    "lookup.ingest.formats.places",
    "lookup.geocode.chain",
    "lookup.ingest.formats.centerlines",
    "lookup.outputs.vip",
    "lookup.outputs.civic",
    "lookup.domain.staff_notices",
    "lookup.dataset.model",
    "lookup.dataset.versions",
    "lookup.dataset.holder",
    "lookup.ingest.refresh",
    "lookup.batch.local",
    "lookup.insights.events",
    "lookup.insights.counters",
    "lookup.insights.recorder",
    "lookup.insights.report",
    "lookup.insights.charts",
]


def test_core_imports_neither_flask_nor_requests() -> None:
    code = (
        "import sys\n"
        f"for m in {CORE!r}: __import__(m)\n"
        "bad = sorted(m for m in ('flask', 'requests', 'werkzeug') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_importing_the_package_reads_no_data() -> None:
    # With the demo sources and every data folder hidden, import must still succeed.
    code = (
        "import os, builtins\n"
        "real_open = builtins.open\n"
        "def guard(f, *a, **k):\n"
        "    if any(s in str(f) for s in ('data/precincts', 'manifest.json', '.npy', 'locales')):\n"
        "        raise AssertionError(f'read at import: {f}')\n"
        "    return real_open(f, *a, **k)\n"
        "builtins.open = guard\n"
        "import lookup, lookup.web.app, lookup.web.views.api, lookup.web.views.pages, lookup.cli, lookup.service\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_serving_loads_no_database_or_calendar_library_at_start(demo_dir, tmp_path) -> None:
    """SQLAlchemy (insight counters) and icalendar (exports) load when first used, in the
    worker: together they were a third of a cold start's imports."""
    code = (
        "import sys\n"
        "from lookup.web.app import create_app\n"
        "create_app()\n"
        "print(','.join(m for m in ('sqlalchemy', 'icalendar') if m in sys.modules))\n"
    )
    env = {**os.environ, "LOOKUP_DATA_DIR": str(demo_dir), "LOOKUP_CACHE_DIR": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == ""


def test_insight_store_locations_are_checked_without_sqlalchemy() -> None:
    from lookup.insights.location import check_location

    assert check_location("/var/lib/lookup/insights.sqlite3") == "sqlite"
    assert check_location("sqlite:////tmp/x.sqlite3") == "sqlite"
    assert check_location("postgresql+psycopg://u@db/insights") == "postgresql"
    for bad in ("mysql://u@db/x", "Bad Scheme://x", "://x"):
        with pytest.raises(ValueError, match="insights store"):
            check_location(bad)


def test_the_address_pass_has_no_import_cycles() -> None:
    """The stages import forwards only: readings and candidates know nothing of the
    precinct stage's callers, and no geocode module imports the address pass back."""
    import ast

    root = ROOT / "lookup" / "geocode"
    edges: dict[str, set[str]] = {}
    for f in root.glob("*.py"):
        tree = ast.parse(f.read_text())
        edges[f.stem] = {
            n.module.lstrip(".").split(".")[0]
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module and n.level == 1
        }
        assert "addressing" not in edges[f.stem], f.stem

    def reaches(a: str, b: str, seen: set[str]) -> bool:
        return any(
            n == b or (n not in seen and reaches(n, b, seen | {n})) for n in edges.get(a, ())
        )

    cycles = [m for m in edges if reaches(m, m, {m})]
    assert cycles == []
