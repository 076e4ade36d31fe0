"""Autocomplete: address suggestions as a representative types, from local points only.

Keys start with the house number, so "4337 glenw" is a prefix range of the sorted key
column. Words the caller has finished are normalised as the keys are ("north" -> "N",
"fourth" -> "4TH", "drive" -> "DR"); the word being typed is matched as a prefix. When the
prefix finds nothing and enough of the street is typed, the streets with that house
number are compared by their beginning, tolerating a typo.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from lookup.geocode.local import AddressIndex, AddressPoint
from lookup.geocode.normalize import canonical_street, clean_text, parse_locality
from lookup.geocode.pub28 import DIRECTIONAL_OF, ORDINAL_OF, SUFFIX_OF

MAX_SUGGESTIONS = 20
TYPO_AFTER = 4  # letters of the street typed before a typo is tolerated
TYPO_SCORE = 80.0  # rapidfuzz ratio of the typed street against the street's beginning
_SCAN_LIMIT = 2_000  # rows read per prefix range at most: one keystroke stays cheap


def _typed(q: str) -> tuple[str, str] | None:
    """(house number, street as typed and normalised) or None without a leading number."""
    text = clean_text(q).split(",", 1)[0].replace("-", " ")
    tokens = text.split()
    if not tokens or not tokens[0][:1].isdigit():
        return None
    number, words = tokens[0], tokens[1:]
    if not words:
        return number, ""
    # Finished words take their canonical form; the last word is still being typed.
    done = canonical_street(" ".join([number, *words[:-1], "X"])).split()[1:-1]
    last = words[-1]
    return number, " ".join([*done, last])


def _variants(street: str, complete: bool) -> list[str]:
    """The typed street, plus its canonical form when its last word is a whole word."""
    out = [street]
    words = street.split()
    if words:
        last = words[-1]
        whole = SUFFIX_OF.get(last) or DIRECTIONAL_OF.get(last) or ORDINAL_OF.get(last)
        if whole and whole != last:
            out.append(" ".join([*words[:-1], whole]))
    if complete:
        out = [s + " " for s in out]
    return out


def suggest(index: AddressIndex, q: str, limit: int = 10) -> list[AddressPoint]:
    """Up to ``limit`` buildings (units folded into their building), best first: in the
    counties of a town or ZIP typed after a comma first, else (or when those have none)
    in the whole table."""
    typed = _typed(q)
    if typed is None or limit <= 0:
        return []
    local = _narrowed(index, q)
    found = _suggest(local, typed, q, limit) if local is not None else []
    return found or _suggest(index, typed, q, limit)


def _narrowed(index: AddressIndex, q: str) -> AddressIndex | None:
    """The table narrowed to the town or ZIP typed after the street, if any."""
    _street, comma, after = clean_text(q).partition(",")
    if not comma:
        return None
    city, _state, zip_code = parse_locality([p.strip() for p in after.split(",")]) or ("", "", "")
    return index.within(city, zip_code) if city or zip_code else None


def _suggest(index: AddressIndex, typed: tuple[str, str], q: str, limit: int) -> list[AddressPoint]:
    number, street = typed
    complete = q.rstrip() != q and bool(street)
    found: dict[tuple[str, str, str], AddressPoint] = {}
    prefixes = [f"{number} {s}" if s else number for s in _variants(street, complete)]
    for prefix in prefixes:
        _collect(index, prefix, found, limit)
    if not found and sum(c.isalpha() for c in street) >= TYPO_AFTER:
        for rest in _close_streets(index, number, street):
            _collect(index, f"{number} {rest}", found, limit)
    return list(found.values())[:limit]


def _collect(
    index: AddressIndex,
    prefix: str,
    found: dict[tuple[str, str, str], AddressPoint],
    limit: int,
) -> None:
    for i in index.prefix_rows(prefix, _SCAN_LIMIT).tolist():
        if len(found) >= limit:
            return
        p = index.point(i)
        found.setdefault((p.line, p.city, p.zip), p if not p.unit else _building(p))


def _building(p: AddressPoint) -> AddressPoint:
    """A unit's row shown as its building (the representative picks the building)."""
    return AddressPoint(p.line, "", p.city, p.municipality, p.zip, p.lon, p.lat)


def _close_streets(index: AddressIndex, number: str, street: str) -> list[str]:
    """Streets with this number whose beginning is within a typo of what was typed."""
    scored = []
    for rest, _name in index.streets_at(number):
        score = fuzz.ratio(street, rest[: len(street)])
        if score >= TYPO_SCORE:
            scored.append((-score, rest))
    return [rest for _s, rest in sorted(scored)]
