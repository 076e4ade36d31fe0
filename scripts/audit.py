"""Audit the project's installed packages for known vulnerabilities (pip-audit).

Prints one line per package: a known vulnerability (with its id and the fixed version),
audited and clean, or not audited and why. Exit status: 1 if any known vulnerability
is found; 0 otherwise. A package that could not be audited (no vulnerability service
reachable, as on a machine whose only network is a package mirror) is reported as such,
never as clean; ``--strict`` makes that a failure too (for a machine that reaches PyPI).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

VENV_BIN = Path(sys.executable).parent


def run_pip_audit() -> dict:
    cmd = [str(VENV_BIN / "pip-audit"), "--local", "--format", "json", "--progress-spinner", "off"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if not done.stdout.strip():
        sys.exit(f"audit: pip-audit produced no report (exit {done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail if any package is unaudited")
    args = parser.parse_args()
    report = run_pip_audit()
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
    if vulnerable:
        return 1
    return 1 if (args.strict and skipped) else 0


if __name__ == "__main__":
    sys.exit(main())
