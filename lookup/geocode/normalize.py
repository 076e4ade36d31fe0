"""Address parsing and normalisation: a typed address in, a canonical street key out.

``usaddress`` splits a one-line address into labelled parts; USPS Publication 28 tables
(``pub28``) standardise directionals, suffixes and unit designators. The same
``canonical_street`` is applied to the county's address points and to what a caller
says, so both sides meet on one key however either spelled it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .pub28 import DIRECTIONAL_OF, SUFFIX_OF, UNIT_OF

MAX_ADDRESS_CHARS = 200

_STREET_LABELS = frozenset(
    {
        "AddressNumberPrefix",
        "AddressNumber",
        "AddressNumberSuffix",
        "StreetNamePreModifier",
        "StreetNamePreDirectional",
        "StreetNamePreType",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
        "StreetNamePostModifier",
    }
)
_UNIT_ID_LABELS = frozenset({"OccupancyIdentifier", "SubaddressIdentifier"})
_FRACTION = re.compile(r"^\d+/\d+$")
_HOUSE_NUMBER = re.compile(r"^(\d+)([A-Z]?)$")
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
_TRAILING_ZIP = re.compile(r"[\s,](\d{5})(?:-\d{4})?$")
_UNIT_AT_END = re.compile(
    r"\s*(?:\b(?:APARTMENT|APT|UNIT|SUITE|STE|ROOM|RM|LOT|BLDG|FL)\.?\s*|#\s*)([A-Z0-9-]+)\s*$"
)
_STATES = {"NC": "NC", "N C": "NC", "NORTH CAROLINA": "NC"}


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """What we understood of an address; ``street`` is the canonical key without the unit."""

    street: str
    number: str
    unit: str = ""
    city: str = ""
    state: str = ""
    zip: str = ""

    def normalized(self) -> str:
        unit = f" UNIT {self.unit}" if self.unit else ""
        tail = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (self.street + unit, self.city, tail) if p)


def clean_text(text: str) -> str:
    """Upper-case, drop punctuation people add at random, keep ``-``, ``/`` and ``#``."""
    text = text.upper().replace(".", " ").replace("\u2019", "'")
    text = re.sub(r"[^\w\s,#/&'-]", " ", text)
    text = text.replace("'", "").replace("#", " # ")
    return re.sub(r"\s+", " ", text).strip()


def canonical_street(street: str) -> str:
    """Canonical key of a street line without unit: ``600 East Boulevard`` -> ``600 E BLVD``.

    Hyphens between words count as spaces (``MATTHEWS-MINT HILL`` is what callers say as
    "Matthews Mint Hill"); in the house number they stay (``12-B``).
    """
    tokens = clean_text(street).replace(",", " ").split()
    tokens = tokens[:1] + " ".join(tokens[1:]).replace("-", " ").split()
    if not tokens:
        return ""
    # The house number keeps a letter suffix attached ("123A"); a "1/2" stays its own token.
    i = 0
    if _HOUSE_NUMBER.match(tokens[0]):
        # "114 A Thrush Way" is 114A: a lone letter that is no directional, with a street after.
        if (
            tokens[0].isdigit()
            and len(tokens) >= 4
            and len(tokens[1]) == 1
            and tokens[1].isalpha()
            and tokens[1] not in DIRECTIONAL_OF
        ):
            tokens[0:2] = [tokens[0] + tokens[1]]
        i = 1
        if i < len(tokens) and _FRACTION.match(tokens[i]):
            i += 1
    end = len(tokens)
    if end - i >= 2 and tokens[i] in DIRECTIONAL_OF:
        tokens[i] = DIRECTIONAL_OF[tokens[i]]
    if end - i >= 3 and tokens[end - 1] in DIRECTIONAL_OF:
        tokens[end - 1] = DIRECTIONAL_OF[tokens[end - 1]]
        end -= 1
    if end - 1 > i and tokens[end - 1] in SUFFIX_OF:
        tokens[end - 1] = SUFFIX_OF[tokens[end - 1]]
    # Highway forms ("NC HIGHWAY 16") keep their number after the type: standardise anywhere.
    tokens = [SUFFIX_OF.get(t, t) if t in ("HIGHWAY", "HIWAY", "HWAY") else t for t in tokens]
    return " ".join(tokens)


def street_without_type(key: str) -> str:
    """The key with its street suffix removed, for callers who leave it out ("310 N Tryon")."""
    tokens = key.split()
    if len(tokens) >= 3:
        if tokens[-1] in SUFFIX_OF and tokens[-1] != "HWY":
            return " ".join(tokens[:-1])
        if tokens[-1] in DIRECTIONAL_OF and len(tokens) >= 4 and tokens[-2] in SUFFIX_OF:
            return " ".join(tokens[:-2] + tokens[-1:])
    return key


def normalize_unit(unit: str) -> str:
    """``Apt. 3`` -> ``3``; ``# 4B`` -> ``4B``: the county table stores the identifier alone.
    Only the first identifier is kept (``Apt 3 # 4`` -> ``3``)."""
    tokens = clean_text(unit).replace(",", " ").split()
    while tokens and tokens[0] in UNIT_OF:
        tokens = tokens[1:]
    return tokens[0] if tokens else ""


def normalize_zip(value: str) -> str:
    m = _ZIP.match(value.strip())
    return m.group(1) if m else ""


def parse_address(text: str) -> ParsedAddress | None:
    """Parse a one-line address. ``None`` when there is no house number and street to use."""
    import usaddress  # imported here: a CRF model load the serving path should pay once, late

    cleaned = clean_text(text)
    if not cleaned:
        return None
    # A trailing ZIP the parser may take for a unit ("9011 Church St Apt 7, 28994").
    trailing_zip = ""
    m = _TRAILING_ZIP.search(cleaned)
    if m and len(cleaned[: m.start()].split()) >= 2:
        trailing_zip, cleaned = m.group(1), cleaned[: m.start()].rstrip(" ,")
    try:
        tagged, _kind = usaddress.tag(cleaned)
        parts: dict[str, list[str]] = {}
        for label, value in tagged.items():
            parts.setdefault(label, []).append(value)
    except usaddress.RepeatedLabelError as exc:
        # usaddress refuses inputs where a label repeats ("Apt 3 # 4"); keep the first of each.
        parts = {}
        for token, label in exc.parsed_string:
            parts.setdefault(label, []).append(token)
    street = " ".join(v for k, vs in parts.items() if k in _STREET_LABELS for v in vs)
    unit = " ".join(v for k, vs in parts.items() if k in _UNIT_ID_LABELS for v in vs)
    city = " ".join(parts.get("PlaceName", [])).replace(",", "").strip()
    state = _STATES.get(" ".join(parts.get("StateName", [])).replace(",", "").strip(), "")
    zip_code = normalize_zip(" ".join(parts.get("ZipCode", [])).replace(",", "")) or trailing_zip
    if not street or "AddressNumber" not in parts:
        street, unit = _fallback_street(cleaned)
    key = canonical_street(street)
    number = key.split(" ", 1)[0] if key else ""
    if not key or not number[:1].isdigit() or len(key.split()) < 2:
        return None
    return ParsedAddress(
        street=key,
        number=number,
        unit=normalize_unit(unit),
        city=city,
        state=state,
        zip=zip_code,
    )


def split_unit(line: str) -> tuple[str, str]:
    """A street line's trailing unit split off: ``600 E BLVD APT 3`` -> (``600 E BLVD``, ``3``).
    Used on both sides of a match: address-point files and callers' words."""
    m = _UNIT_AT_END.search(line)
    if m:
        return line[: m.start()].strip(), m.group(1)
    return line, ""


def _fallback_street(cleaned: str) -> tuple[str, str]:
    """When the parser found no street: the first comma part, its trailing unit split off."""
    return split_unit(cleaned.split(",", 1)[0].strip())
