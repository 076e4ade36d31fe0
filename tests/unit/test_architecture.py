"""Boundaries the design promises: packages that follow the data path with no import cycle,
Flask only in ``lookup/web``, views that never import the factory or each other, a CLI
that works the data without Flask, languages from the catalogs alone, a framework-free
core and nothing read at import."""

from __future__ import annotations

import ast
import graphlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT

PACKAGE = ROOT / "lookup"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(f): f for f in PACKAGE.rglob("*.py")}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Line numbers of imports under ``if TYPE_CHECKING:`` (never run)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for sub in ast.walk(node):
                if isinstance(sub, ast.Import | ast.ImportFrom):
                    lines.add(sub.lineno)
    return lines


def imports_of(name: str) -> set[str]:
    """Every name a module imports at run time, at module level or inside a function: the
    ``lookup`` modules resolved (``from lookup.x import y`` is ``lookup.x.y`` when that is a
    module, else ``lookup.x``), other packages by their top-level name."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    skip = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
    return found


def lookup_graph() -> dict[str, set[str]]:
    return {m: {i for i in imports_of(m) if i in MODULES and i != m} for m in MODULES}


def test_no_import_cycles_function_level_imports_included() -> None:
    graph = lookup_graph()
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as err:
        pytest.fail(f"import cycle: {' -> '.join(err.args[1])}")


def test_only_the_web_package_imports_flask() -> None:
    outside = {
        m: sorted(i for i in imports_of(m) if i.split(".")[0] in ("flask", "werkzeug"))
        for m in MODULES
        if not m.startswith("lookup.web")
    }
    assert {m: i for m, i in outside.items() if i} == {}


def test_views_import_neither_the_factory_nor_each_other() -> None:
    views = [m for m in MODULES if m.startswith("lookup.web.views.")]
    assert views, "no views found"
    wrong = {
        v: sorted(i for i in imports_of(v) if i == "lookup.web.app" or i in views) for v in views
    }
    assert {v: i for v, i in wrong.items() if i} == {}
    hooks = [m for m in MODULES if m.startswith("lookup.web.hooks.")]
    assert {
        h: sorted(imports_of(h) & {"lookup.web.app"})
        for h in hooks
        if "lookup.web.app" in imports_of(h)
    } == {}


def test_the_core_imports_neither_flask_nor_requests() -> None:
    """Everything but the web package, the remote geocoders and the downloader (the only
    code that speaks HTTP out) and the commands that wire them: loaded together in one
    process, none pulls in Flask or requests."""
    edge = ("lookup.web", "lookup.geocode.remote", "lookup.ingest.fetch", "lookup.cli",
            "lookup.serving")  # fmt: skip
    core = sorted(m for m in MODULES if not m.startswith(edge))
    code = (
        "import sys\n"
        f"for m in {core!r}: __import__(m)\n"
        "bad = sorted(m for m in ('flask', 'requests', 'werkzeug') if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
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
        with pytest.raises(ValueError, match="database"):
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


def test_a_language_is_one_folder_of_catalogs(tmp_path: Path) -> None:
    """A copy of the package with one more folder in ``locales/`` (the English catalogs
    under a new code and locale tag) offers that language everywhere a language is chosen
    or formatted: the CLI, the OpenAPI spec, the page's links, the console's strings and
    the sites' times, with no other edit."""

    shutil.copytree(PACKAGE, tmp_path / "lookup", ignore=shutil.ignore_patterns("__pycache__"))
    added = tmp_path / "lookup" / "locales" / "fr"
    shutil.copytree(PACKAGE / "locales" / "en", added)
    core = json.loads((added / "core.json").read_text())
    core["language"]["tag"] = "fr-CA"
    (added / "core.json").write_text(json.dumps(core))
    probe = (
        "import json\n"
        "from datetime import time\n"
        "from lookup.cli import build_parser\n"
        "from lookup.domain.site_state import clock\n"
        "from lookup.outputs.openapi import spec\n"
        "from lookup.web.views.pages import language_links\n"
        "args = build_parser().parse_args(['check', '1 Main St', '--lang', 'fr'])\n"
        "params = spec()['paths']['/api/v1/lookup']['get']['parameters']\n"
        "enum = next(p['schema']['enum'] for p in params if p['name'] == 'lang')\n"
        "links = [link['lang'] for link in language_links({}, 'en')]\n"
        "print(json.dumps([args.lang, enum, links, clock(time(19, 30), 'fr')]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-3000:]
    chosen, enum, links, evening = json.loads(out.stdout)
    assert chosen == "fr" and "fr" in enum and "fr" in links
    assert evening == "19 h 30"  # Babel's fr_CA short time: the tag came from the catalog


def test_no_module_names_a_language_but_the_catalogs() -> None:
    """Language codes live in ``locales/``: no code module or script names one, but for
    the one default each side falls back to (``DEFAULT_LANG``)."""
    named = re.compile(r"""(?<![\w-])["'](?:en|es)(?:[-_]US)?["']""")
    allowed = {PACKAGE / "i18n.py"}
    found = [
        f"{f.relative_to(ROOT)}:{n}"
        for f in [*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.js")]
        if f not in allowed
        for n, line in enumerate(f.read_text().splitlines(), 1)
        if named.search(line.split("#")[0].split("//")[0]) and "DEFAULT_LANG = " not in line
    ]
    assert found == []


def test_the_cli_works_the_data_without_flask(demo_dir: Path, tmp_path: Path) -> None:
    """``lookup check``, ``batch`` and ``refresh`` (the county's scripts, cron jobs, the
    batch of a whole voter file) run without importing Flask or the web package."""
    rows = tmp_path / "in.csv"
    rows.write_text("id,address\n1,13186 5th St, Demo City NC 28990\n")
    runs = [
        ["check", "--data-dir", str(demo_dir), "13186 5th St, Demo City NC 28990"],
        ["batch", "--data-dir", str(demo_dir), str(rows), str(tmp_path / "out.csv")],
        ["refresh", "--config", str(ROOT / "data" / "sources.toml"),
         "--data-dir", str(tmp_path / "data")],
    ]  # fmt: skip
    probe = (
        "import contextlib, io, sys\n"
        "from lookup.cli import main\n"
        f"for argv in {runs!r}:\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        "        code = main(argv)\n"
        "    assert code == 0, (argv, code)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')\n"
        "             or m.startswith('lookup.web')))\n"
    )
    env = {**os.environ, "LOOKUP_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]"
