"""Address parsing and normalisation: a typed address in, a canonical street key out.

``usaddress`` splits a one-line address into labelled parts; USPS Publication 28 tables
(``pub28``) standardise directionals, suffixes and unit designators. The same
``canonical_street`` is applied to the county's address points and to what a caller
says, so both sides meet on one key however either spelled it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lookup.geocode.pub28 import DIRECTIONAL_OF, ORDINAL_OF, STREET_SUFFIXES, SUFFIX_OF, UNIT_OF

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
_LEADING_DIGITS = re.compile(r"\d+")
_ORDINAL = re.compile(r"^\d+(?:ST|ND|RD|TH)$")  # a street's name (5TH ST), no house number
_ZIP = re.compile(r"^(\d{5})(?:[- ]?\d{4})?$")
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
    raw_state: str = ""  # the state as written when it is not North Carolina
    notes: tuple[str, ...] = ()  # what reading it this way assumed ("spelling_corrected")

    def parts(self) -> tuple[tuple[str, str], ...]:
        """The parse, as shown to the representative: what was read as what."""
        street = self.street.partition(" ")[2] if self.number else self.street
        pairs = (
            ("number", self.number),
            ("street", street),
            ("unit", self.unit),
            ("city", self.city),
            ("state", self.state or self.raw_state),
            ("zip", self.zip),
        )
        return tuple((k, v) for k, v in pairs if v)

    def normalized(self) -> str:
        unit = f" UNIT {self.unit}" if self.unit else ""
        tail = " ".join(p for p in (self.state, self.zip) if p)
        return ", ".join(p for p in (self.street + unit, self.city, tail) if p)


_PUNCTUATION = re.compile(r"[^\w\s,#/&'-]")
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Upper-case, drop punctuation people add at random, keep ``-``, ``/`` and ``#``."""
    text = text.upper().replace(".", " ").replace("\u2019", "'")
    text = _PUNCTUATION.sub(" ", text)
    text = text.replace("'", "").replace("#", " # ")
    return _SPACES.sub(" ", text).strip()


def canonical_street(street: str) -> str:
    """Canonical key of a street line without unit: ``600 East Boulevard`` -> ``600 E BLVD``.

    Hyphens between words count as spaces (``MATTHEWS-MINT HILL`` is what callers say as
    "Matthews Mint Hill"); in the house number they stay (``12-B``).
    """
    return _canonical(clean_text(street))


def _canonical(cleaned: str) -> str:
    """``canonical_street`` of text already through ``clean_text``."""
    tokens = cleaned.replace(",", " ").split()
    tokens = tokens[:1] + " ".join(tokens[1:]).replace("-", " ").split()
    if not tokens:
        return ""
    # The house number keeps a letter suffix attached ("123A"); a "1/2" stays its own token.
    i = 0
    if _HOUSE_NUMBER.match(tokens[0]):
        # "114 A Thrush Way" is 114A: a lone letter that is no directional, with a street
        # after that does not itself start with initials ("2000 J T Walker Rd").
        if (
            tokens[0].isdigit()
            and len(tokens) >= 4
            and len(tokens[1]) == 1
            and tokens[1].isalpha()
            and tokens[1] not in DIRECTIONAL_OF
            and not (len(tokens[2]) == 1 and tokens[2].isalpha())
        ):
            tokens[0:2] = [tokens[0] + tokens[1]]
        i = 1
        if i < len(tokens) and _FRACTION.match(tokens[i]):
            i += 1
    return " ".join(tokens[:i] + _name_words(tokens[i:]))


def canonical_name(street: str) -> str:
    """The canonical form of a street without house number (``North Tryon Street`` ->
    ``N TRYON ST``): what follows the number in a ``canonical_street`` key. Lets a table
    normalise each distinct street once instead of each of its 700,000 rows."""
    return " ".join(_name_words(clean_text(street).replace(",", " ").replace("-", " ").split()))


def _name_words(words: list[str]) -> list[str]:
    """Pub 28 forms of the words after the house number."""
    words = _numbered(words)
    end = len(words)
    if end >= 2 and words[0] in DIRECTIONAL_OF:
        words[0] = DIRECTIONAL_OF[words[0]]
    if end >= 3 and words[end - 1] in DIRECTIONAL_OF:
        words[end - 1] = DIRECTIONAL_OF[words[end - 1]]
        end -= 1
    if end > 1 and words[end - 1] in SUFFIX_OF:
        words[end - 1] = SUFFIX_OF[words[end - 1]]
    return _highway(words)


# Route systems as written before a highway number: North Carolina, US and Interstate.
_ROUTE_SYSTEM = {"NC": "NC", "US": "US", "I": "I", "INTERSTATE": "I", "IH": "I"}
_HIGHWAY_WORDS = frozenset({"HWY", "HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY", "HY"})
_ROUTE_NUMBER = re.compile(r"^\d{1,3}[A-Z]?$")


def _highway(words: list[str]) -> list[str]:
    """Every way a numbered highway is written, as one key: ``NC 73 HY``, ``NC HIGHWAY 73``
    and ``NC 73`` are ``NC HWY 73``; ``US 21`` is ``US HWY 21``; ``I-77`` and ``Interstate
    77`` are ``I 77``; ``HWY 73``/``73 HWY`` (no system) is ``HWY 73``. A number is a
    route only next to a system or a highway word: ``12 MILE RD`` stays as it is."""
    if not any(w[:1].isdigit() for w in words):
        return words
    for i in range(len(words) - 2):
        after = words[i + 2]
        if words[i : i + 2] == ["N", "C"] and (after[:1].isdigit() or after in _HIGHWAY_WORDS):
            words = [*words[:i], "NC", *words[i + 2 :]]  # "N.C. 73"
            break
    for i, w in enumerate(words):
        if not _ROUTE_NUMBER.match(w):
            continue
        start, system, typed = i, "", False
        if start > 0 and words[start - 1] in _HIGHWAY_WORDS:
            start, typed = start - 1, True
        if start > 0 and words[start - 1] in _ROUTE_SYSTEM:
            start, system = start - 1, _ROUTE_SYSTEM[words[start - 1]]
        end = i + 1
        if end < len(words) and words[end] in _HIGHWAY_WORDS:
            end, typed = end + 1, True
        if not (system or typed):
            continue
        route = [system, w] if system == "I" else [system, "HWY", w] if system else ["HWY", w]
        return words[:start] + route + words[end:]
    return words


def highway_alternatives(key: str) -> list[str]:
    """The same route with the system a caller left out or added: a table may say
    ``NC HWY 73`` where the caller says ``HWY 73``, or the reverse. North Carolina never
    gives an NC route the number of a US route, so at most one of them exists."""
    words = key.split()
    for i, w in enumerate(words):
        if w == "HWY" and i + 1 < len(words) and _ROUTE_NUMBER.match(words[i + 1]):
            if i > 0 and words[i - 1] in ("NC", "US"):
                return [" ".join(words[: i - 1] + words[i:])]
            return [" ".join([*words[:i], s, *words[i:]]) for s in ("NC", "US")]
    return []


def _numbered(words: list[str]) -> list[str]:
    """Ordinal words as numerals: ``EAST FOURTH ST`` -> ``EAST 4TH ST``."""
    if _ORDINAL_WORDS.isdisjoint(words):
        return list(words)
    out: list[str] = []
    i = 0
    while i < len(words):
        pair = " ".join(words[i : i + 2])
        if i + 1 < len(words) and pair in ORDINAL_OF:
            out.append(ORDINAL_OF[pair])
            i += 2
            continue
        out.append(ORDINAL_OF.get(words[i], words[i]))
        i += 1
    return out


_ORDINAL_WORDS = frozenset(w for key in ORDINAL_OF for w in key.split())


@dataclass(frozen=True, slots=True)
class StreetParts:
    """A canonical street (no house number) in its Pub 28 parts, for fuzzy comparison."""

    fraction: str
    predir: str
    name: str
    type: str
    postdir: str

    @property
    def directions(self) -> frozenset[str]:
        return frozenset(d for d in (self.predir, self.postdir) if d)

    def type_as_name(self) -> StreetParts | None:
        """The type read as the last word of the name ("MINT HL" -> "MINT HILL"): a caller
        who leaves out the type ends on a word like Hill, Park or Lake that is a suffix."""
        if not self.type:
            return None
        word = STREET_SUFFIXES[self.type][0]
        return StreetParts(self.fraction, self.predir, f"{self.name} {word}", "", self.postdir)


def street_parts(street: str) -> StreetParts:
    """Split a canonical street without number (``1/2 N TRYON ST``) into its parts."""
    tokens = street.split()
    fraction = tokens.pop(0) if tokens and _FRACTION.match(tokens[0]) else ""
    predir = postdir = stype = ""
    if len(tokens) >= 2 and tokens[0] in DIRECTIONAL_OF.values():
        predir = tokens.pop(0)
    if len(tokens) >= 2 and tokens[-1] in DIRECTIONAL_OF.values():
        postdir = tokens.pop()
    if len(tokens) >= 2 and tokens[-1] in SUFFIX_OF.values():
        stype = tokens.pop()
    return StreetParts(fraction, predir, " ".join(tokens), stype, postdir)


_PO_BOX = re.compile(
    r"\b(?:P\s*O|POST\s+OFFICE|POB)\s*(?:BOX|BX|DRAWER)?\s*#?\s*\d+|\bBOX\s+\d+\s*$"
)


def is_po_box(text: str) -> bool:
    """A post-office box is no residence: no precinct can be found for it."""
    upper = text.upper()
    if "BOX" not in upper and "POB" not in upper and "DRAWER" not in upper:
        return False  # the common case, without cleaning the text
    return bool(_PO_BOX.search(clean_text(text)))


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


def normalize_zip(value: object) -> str:
    """A five-digit ZIP from whatever a table holds: ``28202``, ``28202-1234``,
    ``282021234``, the number 28202 or 28202.0 (spreadsheets), NaN or None (``""``)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN, or no ZIP at all
            return ""
        value = int(value)
    if isinstance(value, int):
        # A numeric column drops leading zeros (New England ZIPs): put them back.
        text = str(value)
        return text.zfill(5) if len(text) <= 5 else text.zfill(9)[:5] if len(text) <= 9 else ""
    text = str(value).strip()
    if text.endswith(".0"):
        text = text[:-2]
    m = _ZIP.match(text)
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
    raw_state = " ".join(parts.get("StateName", [])).replace(",", "").strip()
    state = _STATES.get(raw_state, "")
    zip_code = normalize_zip(" ".join(parts.get("ZipCode", [])).replace(",", "")) or trailing_zip
    if not street or "AddressNumber" not in parts:
        street, unit = _fallback_street(cleaned)
    key = canonical_street(street)
    number = key.split(" ", 1)[0] if key else ""
    if not key or not number[:1].isdigit() or len(key.split()) < 2 or _ORDINAL.match(number):
        return None  # "5th St, Demo City": a numbered street named without a house number
    # The house number leads its part of the address; "SCRIPT ALERT 1 SCRIPT" is no address.
    digits = _LEADING_DIGITS.match(number)
    starts = [part.split()[:1] for part in cleaned.split(",")]
    if digits is None or not any(s and s[0].startswith(digits.group()) for s in starts):
        return None
    return ParsedAddress(
        street=key,
        number=number,
        unit=normalize_unit(unit),
        city=city,
        state=state,
        zip=zip_code,
        raw_state="" if state else raw_state,
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


_LOCALITY = re.compile(
    r"^(?P<city>[A-Z][A-Z ]*?)??\s*(?P<state>\bNC|\bN C|\bNORTH CAROLINA)?\s*"
    r"(?P<zip>\d{5}(?:-?\d{4})?)?$"
)


def parse_simple(text: str) -> ParsedAddress | None:
    """The common well-formed case, without the CRF parser (~250 µs a call here):
    ``street line[, city][, NC][ ZIP]``, each comma part recognised for certain.

    ``None`` whenever anything is unusual; the caller then uses ``parse_address``. Used
    only when the street key it gives is on file, so a misreading cannot match.
    """
    parts = [p.strip() for p in clean_text(text).split(",")]
    if not parts[0] or len(parts) > 4:
        return None
    street, unit = split_unit(parts[0])
    key = _canonical(street)
    number = key.split(" ", 1)[0]
    if len(key.split()) < 2 or not number[:1].isdigit() or not _HOUSE_NUMBER.match(number):
        return None
    locality = parse_locality(parts[1:])
    if locality is None:
        return None
    city, state, zip_code = locality
    return ParsedAddress(key, number, normalize_unit(unit) if unit else "", city, state, zip_code)


def parse_locality(parts: list[str]) -> tuple[str, str, str] | None:
    """(city, state, ZIP) from the comma parts after a street: ``Charlotte``, ``NC
    28202``, ``Charlotte NC 28202-1234``. ``None`` when a part is anything else."""
    city = state = zip_code = ""
    for part in parts:
        m = _LOCALITY.match(part)
        if not part or m is None:
            return None
        if m.group("city"):
            if city or state or zip_code:
                return None  # a city after the state or ZIP: not the plain form
            city = m.group("city").strip()
        if m.group("state"):
            state = "NC"
        if m.group("zip"):
            zip_code = normalize_zip(m.group("zip"))
    return city, state, zip_code


# USPS state codes and names, to tell "another state" from "a word we did not read".
US_STATES = {
    "AL": "ALABAMA", "AK": "ALASKA", "AZ": "ARIZONA", "AR": "ARKANSAS", "CA": "CALIFORNIA",
    "CO": "COLORADO", "CT": "CONNECTICUT", "DE": "DELAWARE", "DC": "DISTRICT OF COLUMBIA",
    "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "ID": "IDAHO", "IL": "ILLINOIS",
    "IN": "INDIANA", "IA": "IOWA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "ME": "MAINE", "MD": "MARYLAND", "MA": "MASSACHUSETTS", "MI": "MICHIGAN",
    "MN": "MINNESOTA", "MS": "MISSISSIPPI", "MO": "MISSOURI", "MT": "MONTANA",
    "NE": "NEBRASKA", "NV": "NEVADA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY",
    "NM": "NEW MEXICO", "NY": "NEW YORK", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA",
    "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA", "RI": "RHODE ISLAND",
    "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA", "TN": "TENNESSEE", "TX": "TEXAS",
    "UT": "UTAH", "VT": "VERMONT", "VA": "VIRGINIA", "WA": "WASHINGTON",
    "WV": "WEST VIRGINIA", "WI": "WISCONSIN", "WY": "WYOMING", "PR": "PUERTO RICO",
}  # fmt: skip
_STATE_CODE = {name: code for code, name in US_STATES.items()} | {c: c for c in US_STATES}
NC_ZIP_PREFIXES = ("27", "28")  # NC ZIP codes run 27006-28909


def other_state(parsed: ParsedAddress) -> str:
    """The other state an address names (by state or by ZIP code), else ``""``."""
    state = _STATE_CODE.get(parsed.raw_state, "")
    if state and state != "NC":
        return state
    if parsed.zip and not parsed.zip.startswith(NC_ZIP_PREFIXES):
        return "ZIP " + parsed.zip
    return ""
