"""The lock files (scripts/locks/, made by scripts/lock) against pyproject.toml and against the
environment the suite runs in: every declared dependency pinned at a version its range allows,
every pin hashed, runtime and test locks in agreement, and this interpreter installed exactly
as locked (scripts/audit.py makes the same check before every CI run)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from support.paths import ROOT

from scripts.audit import Pin, compare, installed_versions, read_lock

LOCKS = ROOT / "scripts" / "locks"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def declared(*extras: str) -> list[Requirement]:
    """The requirements pyproject.toml names for the package with these extras, following the
    project's references to its own extras (``lookup[dask]`` inside ``test``)."""
    found = [Requirement(r) for r in PROJECT["dependencies"]]
    pending, seen = list(extras), set()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        for req in map(Requirement, PROJECT["optional-dependencies"][extra]):
            if canonicalize_name(req.name) == canonicalize_name(PROJECT["name"]):
                pending.extend(req.extras)
            else:
                found.append(req)
    return found


@pytest.mark.parametrize(("lock", "extras"), [("runtime.txt", ()), ("test.txt", ("test",))])
def test_the_lock_pins_every_declared_dependency_within_its_range(lock, extras):
    pins = read_lock(LOCKS / lock)
    for req in declared(*extras):
        pin = pins.get(canonicalize_name(req.name))
        assert pin is not None, f"{lock} does not pin {req} (run scripts/lock)"
        assert req.specifier.contains(pin.version, prereleases=True), (
            f"{lock} pins {pin.name}=={pin.version}, outside pyproject's {req}"
        )


def test_the_test_lock_includes_the_extras_setup_installs():
    # setup.sh --test installs the test lock, which carries dask and the shared stores' clients.
    names = set(read_lock(LOCKS / "test.txt"))
    assert {"dask", "distributed", "redis", "psycopg", "psycopg-binary", "pytest"} <= names
    assert not {"pytest", "dask", "redis"} & set(read_lock(LOCKS / "runtime.txt"))


@pytest.mark.parametrize("lock", ["runtime.txt", "test.txt"])
def test_every_pin_carries_sha256_hashes(lock):
    pins = read_lock(LOCKS / lock)
    assert len(pins) > 20
    for pin in pins.values():
        assert pin.hashes, f"{pin.name} has no hash: pip --require-hashes would refuse the lock"
        assert all(h.startswith("sha256:") and len(h) == 7 + 64 for h in pin.hashes), pin


def test_runtime_and_test_locks_pin_the_same_versions():
    runtime, test = read_lock(LOCKS / "runtime.txt"), read_lock(LOCKS / "test.txt")
    differ = {k: (p.version, test[k].version if k in test else None) for k, p in runtime.items()}
    assert {k: v for k, v in differ.items() if v[0] != v[1]} == {}


def test_this_environment_is_installed_exactly_as_locked():
    differ, _beyond = compare(read_lock(LOCKS / "test.txt"), installed_versions())
    assert differ == [], "the environment differs from scripts/locks/test.txt: run scripts/setup.sh"


def pin(name: str, version: str, marker: str | None = None) -> Pin:
    return Pin(name, version, marker, ("sha256:" + "0" * 64,))


def test_compare_names_missing_and_other_versions_and_what_lies_beyond():
    pins = {
        "flask": pin("Flask", "3.1.3"),
        "numpy": pin("numpy", "2.4.6"),
        "colorama": pin("colorama", "0.4.6", "sys_platform == 'nonesuch'"),
    }
    installed = {"flask": "3.1.2", "py-spy": "0.4.3", "pip": "23.2.1", "lookup": "0.1.0"}
    differ, beyond = compare(pins, installed)
    assert differ == [
        "Flask: locked 3.1.3, installed 3.1.2",
        "numpy: locked 2.4.6, not installed",
    ]
    # A pin whose marker excludes this platform is not expected; pip and the project are
    # never locked; anything else installed is named.
    assert beyond == ["py-spy 0.4.3"]


def test_read_lock_refuses_a_line_that_is_not_an_exact_pin(tmp_path: Path):
    lock = tmp_path / "lock.txt"
    lock.write_text("flask>=3.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    with pytest.raises(ValueError, match="not an exact pin"):
        read_lock(lock)


def test_read_lock_keeps_markers_and_hashes(tmp_path: Path):
    lock = tmp_path / "lock.txt"
    a, b = "sha256:" + "a" * 64, "sha256:" + "b" * 64
    lock.write_text(
        "# made by scripts/lock\n"
        f"async-timeout==5.0.1 ; python_full_version < '3.11.3' \\\n"
        f"    --hash={a} \\\n    --hash={b}\n    # via redis\n"
        f"zict==3.0.0 \\\n    --hash={a}\n"
    )
    pins = read_lock(lock)
    assert pins["async-timeout"] == Pin(
        "async-timeout", "5.0.1", "python_full_version < '3.11.3'", (a, b)
    )
    assert pins["zict"] == Pin("zict", "3.0.0", None, (a,))
