"""Where things are, for every test wherever its folder."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SCHEMAS = TESTS / "schemas"
ARTIFACTS = TESTS / "artifacts"
# The real NC files, read in place (never copied into the repository).
SHARED = ROOT.parent / "shared" / "data" / "nc"
