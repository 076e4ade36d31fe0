"""Which counties a refresh keeps from statewide files."""

from __future__ import annotations


def wanted(county: str | None) -> frozenset[str] | None:
    """``"Mecklenburg, Union"`` -> {MECKLENBURG, UNION}; None or empty: every county."""
    if not county:
        return None
    names = frozenset(c.strip().upper() for c in county.split(",") if c.strip())
    return names or None
