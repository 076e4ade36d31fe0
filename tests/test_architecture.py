"""Boundaries the design promises: a framework-free core, nothing read at import."""

from __future__ import annotations

import subprocess
import sys

CORE = [
    "lookup.spatial",
    "lookup.service",
    "lookup.schedule",
    "lookup.validate",
    "lookup.geocode.normalize",
    "lookup.geocode.local",
    "lookup.geocode.base",
    "lookup.columns",
    "lookup.geocode.fuzzy",
    "lookup.geocode.suggest",
    "lookup.geocode.interpolate",
    "lookup.addressing",
    "lookup.sources.centerlines",
    "lookup.vip",
    "lookup.civic",
    "lookup.staff_notices",
    "lookup.dataset",
    "lookup.store",
    "lookup.holder",
    "lookup.refresh",
    "lookup.batch",
    "lookup.insights.events",
    "lookup.insights.store",
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
        "import lookup, lookup.app, lookup.api, lookup.pages, lookup.cli, lookup.service\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
