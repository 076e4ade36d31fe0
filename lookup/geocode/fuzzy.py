"""Fuzzy street matching: which streets with the caller's house number did they mean?

Only the street *name* is compared loosely (rapidfuzz); directionals and street types are
structured parts that must agree when the caller gave them. "E Main St" and "W Main St"
are a mile apart and differ by one letter: no edit distance may turn one into the other.
A part the caller left out may be filled in, with a note and a lower score.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .normalize import StreetParts, street_parts

MIN_NAME_SCORE = 85.0  # rapidfuzz ratio (0-100): one wrong letter in a 7-letter name is 86
CLOSE_SCORE = 5.0  # streets within this of the best are equally plausible: ask, never guess
ASSUMED_PART = 0.95  # score factor for each part (directional, type) filled in for the caller


@dataclass(frozen=True, slots=True)
class StreetMatch:
    street: str  # canonical street without number, as in the index
    score: float  # 0..1
    notes: tuple[str, ...]


def _compare(asked: StreetParts, found: StreetParts) -> StreetMatch | None:
    if asked.fraction != found.fraction:
        return None
    notes: list[str] = []
    score = 1.0
    if asked.directions:
        if asked.directions != found.directions:
            return None
    elif found.directions:
        notes.append("directional_assumed")
        score *= ASSUMED_PART
    if asked.type:
        if asked.type != found.type:
            return None
    elif found.type:
        notes.append("street_type_assumed")
        score *= ASSUMED_PART
    name_score = fuzz.ratio(asked.name, found.name)
    if name_score < MIN_NAME_SCORE:
        return None
    if name_score < 100:
        notes.append("spelling_corrected")
    return StreetMatch("", round(score * name_score / 100, 3), tuple(notes))


def rank_streets(asked: str, streets: Iterable[str]) -> list[StreetMatch]:
    """Streets that could be what ``asked`` (canonical, no number) means, best first,
    keeping only those within ``CLOSE_SCORE`` of the best: one entry means one answer."""
    wanted = street_parts(asked)
    readings = [wanted] + [r for r in (wanted.type_as_name(),) if r is not None]
    found: list[StreetMatch] = []
    for street in set(streets):
        parts = street_parts(street)
        best = None
        for reading in readings:
            m = _compare(reading, parts)
            if m is not None and (best is None or m.score > best.score):
                best = m
        if best is not None:
            found.append(StreetMatch(street, best.score, best.notes))
    if not found:
        return []
    found.sort(key=lambda m: (-m.score, m.street))
    top = found[0].score
    return [m for m in found if (top - m.score) * 100 < CLOSE_SCORE]
