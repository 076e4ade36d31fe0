"""The accuracy harness (scripts/accuracy.py) on the real Mecklenburg facility addresses:
messy variants among 100,000 synthetic points (the full 700,000 run is the script's)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

pytestmark = pytest.mark.realdata


def test_messy_real_addresses_are_found_and_never_wrong(real: Path) -> None:
    import accuracy

    rep = accuracy.run(real, background=100_000, sample=300)
    assert rep["addresses"] >= 150 and rep["variants"] >= 1400
    assert rep["found_share"] >= accuracy.FOUND_TARGET, rep["by_kind"]
    assert rep["wrong_share"] <= accuracy.WRONG_TARGET, rep["by_kind"]
    # Typos and postal cities are part of the score, not left out.
    assert rep["by_kind"]["one_letter_typo"]["found"] >= 140
    assert rep["by_kind"]["postal_city"]["found"] >= 20
    stress = rep["synthetic_sample"]
    assert stress["variants"] >= 2500 and stress["wrong_share"] <= accuracy.WRONG_TARGET
