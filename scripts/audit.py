"""Audit the project's packages: installed exactly as locked, and no known vulnerability.

First the environment against the lock file (scripts/locks/test.txt by default, the one
scripts/setup.sh --test installs): a locked package missing or at another version is a
failure; a package installed beyond the lock (a tool a benchmark added) is named, not failed.
Then pip-audit on the lock's own pins, one line per known vulnerability (with its id and the
fixed version). Exit status: 1 if the environment differs from the lock or any known
vulnerability is found; 0 otherwise. A package that could not be audited (no vulnerability
service reachable, as on a machine whose only network is a package mirror) is reported as
such, never as clean; ``--strict`` makes that a failure too (for a machine that reaches PyPI).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

VENV_BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LOCK = ROOT / "scripts" / "locks" / "test.txt"
# Installed but never locked: the installer, the venv's own setuptools and the project itself.
UNLOCKED = {"pip", "setuptools", "lookup"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


@dataclass(frozen=True)
class Pin:
    """One requirement of a lock file: ``name==version ; marker`` and its hashes."""

    name: str
    version: str
    marker: str | None
    hashes: tuple[str, ...]

    def applies(self) -> bool:
        """Whether this interpreter and platform install it (``colorama ; win32`` does not)."""
        return self.marker is None or Marker(self.marker).evaluate()


def read_lock(path: Path) -> dict[str, Pin]:
    """The pins of a lock file made by scripts/lock, by canonical name."""
    pins: dict[str, Pin] = {}
    name = version = ""
    marker: str | None = None
    hashes: list[str] = []

    def close() -> None:
        if name:
            pins[canonicalize_name(name)] = Pin(name, version, marker, tuple(hashes))

    for raw in path.read_text().splitlines():
        line = raw.strip()
        if raw[:1].isalnum():
            close()
            found = PIN.match(raw)
            if not found:
                raise ValueError(f"{path}: not an exact pin: {raw!r}")
            name, version, marker = found.group(1), found.group(2), found.group(3)
            hashes = []
        elif line.startswith("--hash="):
            hashes.append(line.removeprefix("--hash=").rstrip(" \\"))
    close()
    return pins


def installed_versions() -> dict[str, str]:
    """What this interpreter has installed, by canonical name."""
    return {
        canonicalize_name(d.metadata["Name"]): d.version
        for d in metadata.distributions()
        if d.metadata["Name"]
    }


def compare(pins: dict[str, Pin], installed: dict[str, str]) -> tuple[list[str], list[str]]:
    """(differences from the lock, packages installed beyond it), one line each."""
    differ = []
    for key, pin in sorted(pins.items()):
        if not pin.applies():
            continue
        have = installed.get(key)
        if have is None:
            differ.append(f"{pin.name}: locked {pin.version}, not installed")
        elif have != pin.version:
            differ.append(f"{pin.name}: locked {pin.version}, installed {have}")
    beyond = sorted(
        f"{key} {version}"
        for key, version in installed.items()
        if key not in pins and key not in UNLOCKED
    )
    return differ, beyond


def check_environment(lock: Path) -> bool:
    """Print how the environment differs from the lock; True if it installs exactly the lock."""
    pins = read_lock(lock)
    differ, beyond = compare(pins, installed_versions())
    for line in differ:
        print(f"NOT AS LOCKED {line}")
    if beyond:
        print(f"audit: installed beyond the lock (not audited): {', '.join(beyond)}")
    where = lock.relative_to(ROOT) if lock.is_relative_to(ROOT) else lock
    print(f"audit: {len(pins)} pins in {where}: {len(differ)} not installed as locked")
    return not differ


def run_pip_audit(lock: Path) -> dict:
    # The lock's pins, not what happens to be installed: --disable-pip audits a fully hashed
    # file as written, without resolving or installing anything.
    cmd = [str(VENV_BIN / "pip-audit"), "-r", str(lock), "--disable-pip"]
    cmd += ["--format", "json", "--progress-spinner", "off"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if not done.stdout.strip():
        sys.exit(f"audit: pip-audit produced no report (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail if any package is unaudited")
    parser.add_argument("--lock", type=Path, default=DEFAULT_LOCK, help="the lock file to check")
    args = parser.parse_args()
    as_locked = check_environment(args.lock)
    report = run_pip_audit(args.lock)
    vulnerable, clean, skipped = [], [], []
    for dep in report["dependencies"]:
        if dep.get("skip_reason"):
            skipped.append(dep)
        elif dep.get("vulns"):
            vulnerable.append(dep)
        else:
            clean.append(dep)
    for dep in vulnerable:
        for v in dep["vulns"]:
            fixed = ", ".join(v.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {v['id']} (fixed in {fixed})")
    total = len(report["dependencies"])
    print(
        f"audit: {total} packages: {len(vulnerable)} with known vulnerabilities, "
        f"{len(clean)} audited clean, {len(skipped)} not audited"
    )
    if skipped:
        reasons = {d["skip_reason"].split(":")[0] for d in skipped}
        print(f"audit: NOT AUDITED ({len(skipped)}): {'; '.join(sorted(reasons))}")
        if len(skipped) == total:
            print(
                "audit: no vulnerability service answered (PyPI's JSON API and OSV are "
                "unreachable from this machine): this run proves nothing about vulnerabilities"
            )
    if vulnerable or not as_locked:
        return 1
    return 1 if (args.strict and skipped) else 0


if __name__ == "__main__":
    sys.exit(main())
