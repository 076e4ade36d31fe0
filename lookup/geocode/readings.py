"""Stages 1 and 2 of the address pipeline: the caller's text made safe to parse
(``clean``), then the ways to read it, most likely first (``readings``).

A reading is a ``ParsedAddress``. One with a house number is a building; one without
(``number == ""``) is a street the caller named without saying where on it, or a place
name, for the later stages to tell apart. Each reading's town is checked against the
towns on file: the county's own name in the city slot is no town, and a town one slip
away from a town on file is that town (with a note); any other town is kept as said, so
that no later stage answers for another town.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from rapidfuzz import process
from rapidfuzz.distance import OSA

from lookup.errors import (
    AddressIncomplete,
    AddressPoBox,
    InvalidParameter,
    OutsideJurisdiction,
)
from lookup.geocode.local import AddressIndex
from lookup.geocode.normalize import (
    MAX_ADDRESS_CHARS,
    ParsedAddress,
    canonical_name,
    canonical_street,
    clean_text,
    highway_alternatives,
    is_po_box,
    other_state,
    parse_address,
    parse_locality,
    parse_simple,
    split_unit,
)

_ONLY_NUMBER = re.compile(r"^\d+[A-Z]?$")
_ONLY_ZIP = re.compile(r"^(?:(?:NC|NORTH CAROLINA)\s*)?\d{5}(?:-?\d{4})?$")
_TRAILING_LOCALITY = re.compile(r"(?:\s+(?:NC|N C|NORTH CAROLINA))?(?:\s+(\d{5})(?:-?\d{4})?)?$")
# House numbers callers and building names write as words ("One Independence Center").
NUMBER_WORDS = {
    w: str(i + 1)
    for i, w in enumerate(
        [
            "ONE",
            "TWO",
            "THREE",
            "FOUR",
            "FIVE",
            "SIX",
            "SEVEN",
            "EIGHT",
            "NINE",
            "TEN",
            "ELEVEN",
            "TWELVE",
            "THIRTEEN",
            "FOURTEEN",
            "FIFTEEN",
            "SIXTEEN",
            "SEVENTEEN",
            "EIGHTEEN",
            "NINETEEN",
            "TWENTY",
        ]
    )
}
_COUNTY_WORDS = ("", " COUNTY", " CO", " CNTY")


def clean(text: str) -> str:
    """Refuse what no parser should see; return the text without control characters."""
    if len(text) > MAX_ADDRESS_CHARS:
        raise InvalidParameter(
            "address too long", parameter="address", reason="too_long", max_chars=MAX_ADDRESS_CHARS
        )
    # Control and format characters (a pasted tab, a zero-width space) are noise, not words.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = text.strip()
    if not text:
        raise InvalidParameter("empty address", parameter="address", reason="empty")
    return text


def readings(index: AddressIndex, text: str, counties: Sequence[str] = ()) -> list[ParsedAddress]:
    """The ways to read ``text`` (already ``clean``), most likely first.

    A plainly formed address whose street is on file is read without the CRF parser
    (~250 µs here); otherwise the parser's reading comes first and the plain one, if
    different, second; then the house number written as a word; then the same route
    with or without its highway system. Text with no house number at all is read as a
    street alone. Raises for what no reading can help: a PO box, a ZIP or a number
    alone, another state.
    """
    if is_po_box(text):
        raise AddressPoBox("post-office box")
    simple = parse_simple(text)
    if simple is not None and index.has_key(simple.street):
        return [town_checked(index, simple, counties)]
    parsed = parse_address(text)
    if parsed is None and simple is not None:
        parsed, simple = simple, None
    if parsed is None:
        worded = _number_in_words(text)
        parsed = parse_address(worded) if worded else None
    if parsed is None:
        return [_street_alone(index, text, counties)]
    state = other_state(parsed)
    if state:
        raise OutsideJurisdiction("address in another state", reason="other_state", state=state)
    out = [parsed] + ([simple] if simple is not None and simple != parsed else [])
    out = [town_checked(index, _trailing_city(index, r), counties) for r in out]
    out += [replace(r, street=alt) for r in out for alt in highway_alternatives(r.street)]
    return list(dict.fromkeys(out))


def town_checked(
    index: AddressIndex, parsed: ParsedAddress, counties: Sequence[str]
) -> ParsedAddress:
    """The reading with its town as the table knows it (see the module docstring)."""
    city = parsed.city
    if not city or index.has_city(city):
        return parsed
    if any(city == f"{c}{w}" for c in counties for w in _COUNTY_WORDS):
        return replace(parsed, city="")  # "Mecklenburg County": the whole county, no town
    fixed = closest_town(index, city)
    if fixed:
        return replace(parsed, city=fixed, notes=(*parsed.notes, "town_corrected"))
    return parsed


def closest_town(index: AddressIndex, city: str) -> str:
    """The one town on file a slip away (one letter in 4+, two in 9+), else ``""``."""
    allowed = 2 if len(city) >= 9 else 1 if len(city) >= 4 else 0
    if not allowed:
        return ""
    hits = process.extract(
        city, index.city_names(), scorer=OSA.distance, score_cutoff=allowed, limit=None
    )
    if not hits:
        return ""
    best = min(d for _c, d, _k in hits)
    towns = [c for c, d, _k in hits if d == best]
    return towns[0] if len(towns) == 1 else ""


def _trailing_city(index: AddressIndex, parsed: ParsedAddress) -> ParsedAddress:
    """``600 East Blvd Charlotte`` (no comma) read as street "E BLVD CHARLOTTE": when
    that street is unknown and its last words are a city on file, they are the city."""
    tokens = parsed.street.split()
    if parsed.city or index.has_key(parsed.street):
        return parsed
    for n in (3, 2, 1):
        city = " ".join(tokens[-n:])
        if len(tokens) - n >= 2 and index.has_city(city):
            return replace(parsed, street=canonical_street(" ".join(tokens[:-n])), city=city)
    return parsed


def _number_in_words(text: str) -> str:
    """``One Independence Ctr`` -> ``1 Independence Ctr``; ``""`` when it does not start
    with a number word followed by at least a street name and type."""
    words = clean_text(text).split(" ", 1)
    if len(words) == 2 and words[0] in NUMBER_WORDS and len(words[1].split()) >= 2:
        return f"{NUMBER_WORDS[words[0]]} {words[1]}"
    return ""


def _street_alone(index: AddressIndex, text: str, counties: Sequence[str]) -> ParsedAddress:
    """The reading of text without a house number: ``Sunset Rd, Huntersville``.
    A ZIP or a number alone is no street: those are refused here."""
    cleaned = clean_text(text)
    flat = cleaned.replace(",", " ").strip()
    if _ONLY_ZIP.match(flat):
        raise AddressIncomplete("a ZIP code alone", reason="zip_only")
    if _ONLY_NUMBER.match(flat):
        raise AddressIncomplete("a house number alone", reason="number_only")
    parts = [p.strip() for p in cleaned.split(",")]
    locality = parse_locality(parts[1:]) or ("", "", "")
    street, unit = split_unit(parts[0])
    city, state, zip_code = locality
    if len(parts) == 1:
        # No comma: a trailing ZIP and state, then a trailing town on file.
        m = _TRAILING_LOCALITY.search(street)
        if m and m.start() > 0:
            zip_code, street = m.group(1) or "", street[: m.start()]
        tokens = street.split()
        for n in (3, 2, 1):
            town = " ".join(tokens[-n:])
            if len(tokens) > n and index.has_city(town):
                street, city = " ".join(tokens[:-n]), town
                break
    parsed = ParsedAddress(
        street=canonical_name(street), number="", unit=unit, city=city, state=state, zip=zip_code
    )
    return town_checked(index, parsed, counties)
