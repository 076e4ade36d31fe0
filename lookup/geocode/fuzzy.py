"""Fuzzy street matching: which streets with the caller's house number did they mean?

Only the street *name* is compared loosely (rapidfuzz's edit distance); directionals and
street types are structured parts that must agree when the caller gave them. "E Main St"
and "W Main St" are a mile apart and differ by one letter: no edit distance may turn one
into the other.
A part the caller left out may be filled in, with a note and a lower score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from rapidfuzz import process
from rapidfuzz.distance import OSA

from lookup.geocode.normalize import StreetParts, street_parts
from lookup.geocode.pub28 import DIRECTIONALS, SUFFIX_OF

# Edits allowed in a street name (optimal string alignment: a swap of two neighbouring
# letters is one edit), by the length of the name on file. A caller's one slip in a
# name of 4+ letters is corrected, two in a long name; a 3-letter name is never guessed.
ONE_EDIT_FROM = 4
TWO_EDITS_FROM = 9
ASSUMED_PART = 0.95  # score factor for each part (directional, type) filled in for the caller


@dataclass(frozen=True, slots=True)
class StreetMatch:
    street: str  # canonical street without number, as in the index
    score: float  # 0..1
    notes: tuple[str, ...]
    edits: int = 0  # letters changed in the name
    assumed: int = 0  # parts (directional, type) filled in for the caller

    @property
    def rank(self) -> tuple[int, int]:
        return (self.edits, self.assumed)


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
    size = len(found.name.replace(" ", ""))
    allowed = 2 if size >= TWO_EDITS_FROM else 1 if size >= ONE_EDIT_FROM else 0
    edits = OSA.distance(asked.name, found.name, score_cutoff=allowed)
    if edits > allowed:
        return None
    if edits:
        notes.append("spelling_corrected")
        score *= 1 - edits / max(len(found.name), len(asked.name))
    assumed = sum(n.endswith("_assumed") for n in notes)
    return StreetMatch("", round(score, 3), tuple(notes), edits, assumed)


_TYPES = frozenset(SUFFIX_OF.values())
_DIRECTION_WORDS = tuple(words[0] for words in DIRECTIONALS.values())


def _direction_named(asked: str, streets: Sequence[tuple[str, str]]) -> list[StreetMatch]:
    """Streets named by a direction word ("West Blvd", "South St") are ``W BLVD`` and
    ``S ST`` on file: their name is the directional, so a slip in it ("Wets Blvd",
    "Souht St") is compared with the street spelled out."""
    first = asked.partition(" ")[0]
    if not any(OSA.distance(first, w, score_cutoff=2) <= 2 for w in _DIRECTION_WORDS):
        return []  # the caller's street does not start like a direction word: no such slip
    out = []
    for street, name in streets:
        if name not in _TYPES:
            continue
        parts = street_parts(street)
        if not parts.predir or parts.postdir or parts.fraction:
            continue
        word = DIRECTIONALS[parts.predir][0]
        allowed = 2 if len(word) >= TWO_EDITS_FROM else 1 if len(word) >= ONE_EDIT_FROM else 0
        spoken = f"{word} {parts.name}"
        edits = OSA.distance(asked, spoken, score_cutoff=allowed)
        if 0 < edits <= allowed:
            score = round(1 - edits / len(spoken), 3)
            out.append(StreetMatch(street, score, ("spelling_corrected",), edits, 0))
    return out


def rank_streets(asked: str, streets: Sequence[tuple[str, str]]) -> list[StreetMatch]:
    """The streets that best explain ``asked`` (canonical, no number): fewest letters
    changed, then fewest parts filled in. One entry is an answer; several are equally
    good and the caller must choose. As on the exact path, a street that needs nothing
    filled in ("6800 MONROE RD") beats one that needs a directional ("N MONROE RD")."""
    wanted = street_parts(asked)
    readings = [wanted] + [r for r in (wanted.type_as_name(),) if r is not None]
    # rapidfuzz compares every name in C (thousands of streets may share a house number);
    # only the few within two edits are looked at part by part.
    names = list(map(itemgetter(1), streets))
    near: set[int] = set()
    for reading in readings:
        hits = process.extract(reading.name, names, scorer=OSA.distance, score_cutoff=2, limit=None)
        near.update(k for _name, _d, k in hits)
    found: list[StreetMatch] = []
    for k in sorted(near):
        street = streets[k][0]
        parts = street_parts(street)
        best = None
        for reading in readings:
            m = _compare(reading, parts)
            if m is not None and (best is None or m.rank < best.rank):
                best = m
        if best is not None:
            found.append(StreetMatch(street, best.score, best.notes, best.edits, best.assumed))
    if not wanted.predir:
        found += _direction_named(asked, streets)
    if not found:
        return []
    top = min(m.rank for m in found)
    return sorted((m for m in found if m.rank == top), key=lambda m: m.street)
