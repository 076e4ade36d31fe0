"""The shown and spoken forms of the Board of Elections' names and addresses.

NCSBE publishes names in capitals, cut at 30 characters (``WEST CHARLOTTE RECREATION
CENT``), and addresses with USPS abbreviations (``2412 BEATTIES FORD RD``). A 311
representative reads them aloud and residents read them on the pages, so they get:

- names in title case with the usual exceptions (``McDowell``, ``O'Neal``, ``YMCA``,
  ``AME``, ``of``/``the`` inside a name, ``1st``, ``III``), name abbreviations spelled
  out (``ELEM``, ``REC``, ``CTR``, ``MT``, ``ST`` as Saint...: ``NAME_WORDS``); a name
  still cut is kept up to its last whole word (never half a word, never a dangling
  ``of``); a name that is no name (``Q``, ``TBD``, or a cut name without one whole word)
  becomes "the polling place at <address>", in the reader's language;
- addresses with the USPS Publication 28 abbreviations spelled out, from the tables of
  ``geocode.pub28`` (street types, directionals, unit designators): ``N`` is North only
  where it is a directional (``W T HARRIS BLVD`` is a man's initials), ``ST`` is Saint
  where a name starts (``ST JOHNS CHURCH RD``) and Street after one (``MAIN ST``).

Only names written in capitals are re-cased: a list already in mixed case (a county's own
site list) knows its spelling better than a rule does. Names and street names are proper
nouns: the Spanish forms translate only the words around them. The API keeps the BOE's
own fields beside these (they are what the files say, and what VIP exchanges).
Pure functions and tables, no Flask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from lookup.domain.models import Address
from lookup.geocode.pub28 import DIRECTIONALS, STREET_SUFFIXES, SUFFIX_OF, UNIT_DESIGNATORS, UNIT_OF
from lookup.i18n import DEFAULT_LANG, message

# Name abbreviations: the form shown and read -> the spellings the files use (the real
# NCSBE lists' own: "MT  HARMONY", "UNION CROSS CH RD", "ALL STS", "BD OF EDUCATION").
# Street types come from Pub 28 (below); ``ST`` depends on its place (``_words``).
NAME_WORDS = MappingProxyType(
    {
        "Elementary": ("ELEM", "ELEMEN"),
        "Elementary School": ("ES",),
        "Middle School": ("MS",),
        "High School": ("HS",),
        "School": ("SCH", "SCHL"),
        "Center": ("CTR", "CNTR", "CENT", "CENTR"),  # CENTRE is a spelling, kept
        "Recreation": ("REC",),
        "Church": ("CH", "CHR", "CHRCH", "CHCH"),
        "Baptist": ("BAPT",),
        "Methodist": ("METH",),
        "Presbyterian": ("PRES", "PRESB", "PRESBY"),
        "Lutheran": ("LUTH",),
        "Episcopal": ("EPIS",),
        "Mount": ("MT", "MNT"),
        "Mountain": ("MTN", "MNTN"),
        "Fort": ("FT",),
        "Saints": ("STS",),
        "Creek": ("CRK",),
        "Community": ("CMTY",),
        "University": ("UNIV",),
        "Academy": ("ACAD",),
        "Library": ("LIB", "LIBR"),
        "Memorial": ("MEM",),
        "Department": ("DEPT",),
        "Building": ("BLDG", "BLG"),
        "Board": ("BD",),
        "Township": ("TWP", "TWSP"),
        "Station": ("STA",),
        "Association": ("ASSN", "ASSOC"),
    }
)
# Street types that may stand inside a place's name ("ALBEMARLE RD ELEMENTARY"): the
# unambiguous ones (DR may be a doctor, CT a state).
_NAME_STREET_TYPES = ("RD", "AVE", "BLVD", "HWY", "PKWY", "LN", "CIR", "TRL", "EXPY", "FWY")
# Abbreviations that read otherwise as a name's first word ("MS" is also a title).
_NOT_FIRST = frozenset({"ES", "MS", "HS"})

# Initialisms kept in capitals (a word without a vowel is one anyway: CPCC, CMS, VFD).
ACRONYMS = frozenset(
    {
        "NC", "SC", "US", "USA", "YMCA", "YWCA", "CMS", "UNC", "UNCC", "NCSU", "ECU",
        "AME", "ARP", "CME", "UMC", "STEM", "STEAM", "KIPP", "IB", "PTA", "AARP",
        "NAACP", "JROTC", "WTVI", "USO",
    }
)  # fmt: skip
ROMAN_NUMERALS = frozenset({"II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "XIII"})
# Words whose spelling no rule gives: "Mac" is not a safe rule (MACHINE, MACON, MACK).
SPELLINGS = MappingProxyType(
    {"MACARTHUR": "MacArthur", "MR": "Mr", "MRS": "Mrs", "DR": "Dr", "JR": "Jr", "SR": "Sr"}
)
# Lower case inside a name ("Church of the Nazarene", "Iglesia de Dios"), capitalised
# where a name or a part of it starts ("#10 The Old Armory").
SMALL_WORDS = frozenset({"OF", "AND", "THE", "AT", "IN", "FOR", "ON", "DE", "DEL"})

_ABBREVIATION = {abbr: shown for shown, abbrs in NAME_WORDS.items() for abbr in abbrs} | {
    std: STREET_SUFFIXES[std][0].title() for std in _NAME_STREET_TYPES
}
_VOWELS = frozenset("AEIOUY")
_ORDINAL = re.compile(r"^(\d+)(ST|ND|RD|TH)$", re.IGNORECASE)
_PUNCT = re.compile(r"(\W*)(.*?)(\W*)")  # "(OLD)" -> "(", "OLD", ")"; "#742": "#", "742"
_APOSTROPHE = re.compile(r"(['\u2019])")
_DIGIT = re.compile(r"\d")
# What joins the parts of one word: PINEVILLE-MATTHEWS, 64/74A, W.T., A&T, DEPARTMENT#3.
_JOINERS = re.compile(r"([^\w'\u2019]+)")


@dataclass(frozen=True, slots=True)
class PlaceText:
    """What a place is called, shown and read. ``spoken_name`` is None when the shown
    name is also what is read."""

    display_name: str
    spoken_name: str | None
    display_address: str
    spoken_address: str


# ---- words --------------------------------------------------------------------------


def _case(part: str, first: bool) -> str:
    """One word part in capitals (letters, digits, apostrophes) in title case."""
    u = part.upper()
    if u in SPELLINGS:
        return SPELLINGS[u]
    if u in ACRONYMS or u in ROMAN_NUMERALS or len(u) == 1:
        return u
    ordinal = _ORDINAL.match(u)
    if ordinal:
        return ordinal[1] + ordinal[2].lower()  # 1ST -> 1st
    if _DIGIT.search(u):
        return u  # K8, 20A, RE3
    if u in SMALL_WORDS and not first:
        return u.lower()
    if u.isalpha() and not _VOWELS & set(u):
        return u  # an initialism: CPCC, WT, FWB
    if u.startswith("MC") and len(u) > 3 and u[2:].isalpha():
        return "Mc" + u[2] + u[3:].lower()  # McDowell, McAlpine
    if _APOSTROPHE.search(u):
        head, mark, rest = _APOSTROPHE.split(u, maxsplit=1)
        if len(head) == 1 and len(rest) >= 2:  # O'Neal, D'Angelo
            return head + mark + rest[0] + rest[1:].lower()
        return head[:1] + head[1:].lower() + mark + rest.lower()  # Governor's
    return u[0] + u[1:].lower()


def _split(word: str) -> tuple[str, str, str]:
    """Punctuation before, the word, punctuation after: ``(OLD)`` -> ``(``, ``OLD``, ``)``."""
    m = _PUNCT.fullmatch(word)
    assert m is not None  # every string matches
    return m[1], m[2], m[3]


def _core(word: str) -> str:
    return _split(word)[1].upper()


def _shape(word: str, first: bool, recase: bool) -> str:
    """One word as shown: each part (``CH-GREENSBORO``) its abbreviation spelled out or,
    in a name written in capitals, title-cased; punctuation kept, but an abbreviation's
    own full stop dropped (``MT.`` -> ``Mount``)."""
    lead, core, trail = _split(word)
    out: list[str] = []
    expanded = False
    for k, part in enumerate(_JOINERS.split(core)):
        u = part.upper()
        starts = first and k == 0
        expanded = u in _ABBREVIATION and not (starts and u in _NOT_FIRST)
        if expanded:
            out.append(_ABBREVIATION[u])
        elif part and recase and not _JOINERS.fullmatch(part):
            out.append(_case(part, starts))
        else:
            out.append(part)
    return lead + "".join(out) + (trail.removeprefix(".") if expanded else trail)


def _expanded(word: str, shown: str) -> str:
    """``shown`` in place of ``word``'s letters, its punctuation kept (the abbreviation's
    full stop dropped: ``ST.`` -> ``Street``)."""
    lead, _, trail = _split(word)
    return lead + shown + trail.removeprefix(".")


def _starts_part(words: list[str], cores: list[str], i: int) -> bool:
    """Word ``i`` starts a name or one of its parts: first, after a label or a dash
    (``#10 THE OLD ARMORY``, ``SPRING HILL - ST MARY'S``), or opening a bracket."""
    if i == 0 or words[i].startswith("("):
        return True
    before = cores[i - 1]
    return not any(c.isalpha() for c in before) or (
        any(c.isdigit() for c in before) and not _ORDINAL.match(before)
    )


def _words(words: list[str], recase: bool) -> list[str]:
    """The words of a name (or of a street's name) as shown. ``ST`` is Saint where a
    name starts or after a small word (``CHURCH OF ST PAUL``), Street after a street's
    name (``MAIN ST BAPTIST CHURCH``, ``5TH ST``)."""
    cores = [_core(w) for w in words]
    out: list[str] = []
    for i, w in enumerate(words):
        starts = _starts_part(words, cores, i)
        if cores[i] == "ST":
            saint = starts or cores[i - 1] in SMALL_WORDS
            out.append(_expanded(w, "Saint" if saint else "Street"))
        else:
            out.append(_shape(w, starts, recase))
    return out


def _recase(text: str) -> bool:
    """Only text written in capitals is re-cased: mixed case is its author's spelling."""
    return text == text.upper()


# ---- names --------------------------------------------------------------------------


# Words a polling place's name ends on, whole: a name that fills NCSBE's 30 characters
# and ends on one of them ("WESLEY UNITED METHODIST CHURCH") is shown to its end; "CENT",
# "SCHOO" or "C" are not words, so they go. (The commonest last words of the names
# shorter than 30 characters in NCSBE's 2012-2020 files.)
WHOLE_LAST_WORDS = frozenset(
    """SCHOOL CHURCH CENTER DEPARTMENT BUILDING HALL STATION GYM LIBRARY ELEMENTARY CLUB
    VFD HOUSE ACADEMY GOD CLUBHOUSE PARK AUDITORIUM COLLEGE ANNEX ARMORY YMCA RESCUE
    PRESBYTERIAN OFFICE CHRIST CREEK SQUAD LODGE AIRPORT CAMPUS CHAPEL BAPTIST ROOM
    COMPLEX RECREATION PRECINCT VILLAGE THEATER COURTHOUSE TEMPLE SYNAGOGUE MUSEUM
    MORAVIAN GYMNASIUM SCHOOLS MIDDLE METHODIST LUTHERAN EPISCOPAL CATHOLIC MINISTRIES
    FELLOWSHIP TABERNACLE CATHEDRAL UNIVERSITY ARENA PAVILION STADIUM MEMORIAL""".split()  # noqa: SIM905 - a word list
)


def _whole(words: list[str]) -> list[str]:
    """What a cut name can still show after its last whole word: no bracket left open
    (``IGLESIA DE DIOS (CHURCH``), no dangling small word or symbol (``... AT``, ``-``)."""
    depth = 0
    for k, w in enumerate(words):
        depth += w.count("(") - w.count(")")
        if depth > 0 and "(" in w:
            words = words[:k]
            break
    while words and (_core(words[-1]) in SMALL_WORDS or not _core(words[-1])):
        words = words[:-1]
    return words


def name_words(name: str, complete: bool = True) -> list[tuple[str, str]]:
    """The words of a name as (published, shown). A name still cut (``complete`` false)
    keeps only its whole words: all but the last, unless the file kept the space after
    it (``... LATTER ``)."""
    words = name.split()
    if not complete:
        if words and not name[-1:].isspace() and _core(words[-1]) not in WHOLE_LAST_WORDS:
            words.pop()
        words = _whole(words)
    shown = _words(words, _recase(name))
    if not complete and shown:
        shown[-1] = shown[-1].rstrip("-/&,:;")  # WALLACE WOMEN'S CLUB-
    return list(zip(words, shown, strict=True))


def shown_name(name: str, complete: bool = True) -> str:
    """The name as shown and read, or "" when nothing of it is left to show."""
    return " ".join(shown for _, shown in name_words(name, complete))


# ---- addresses ----------------------------------------------------------------------


def _is_house_number(word: str) -> bool:
    return word[:1].isdigit() and not _ORDINAL.match(word)


def _is_unit(words: list[str], j: int) -> bool:
    """An attached ``#4``, or a unit designator with its identifier after it, after the
    street's type or a comma (``... RD STE 100``, ``MAIN ST, # 4``): ``LOT`` and ``NO``
    are words of street names too."""
    word = words[j].upper().rstrip(".")
    if word.startswith("#") and len(word) > 1:
        return True
    before = words[j - 1]
    after_street = (
        before.endswith(",") or _core(before) in SUFFIX_OF or _core(before) in DIRECTIONALS
    )
    return word in UNIT_OF and j + 1 < len(words) and after_street


def _street(words: list[str], recase: bool) -> list[str]:
    """A street's words: its name as a name's words are (``UNION CROSS CH RD``, ``ST
    JOHNS CHURCH RD``), its directionals and type spelled out where they are ones."""
    if not words:
        return []
    shown = _words(words, recase)
    upper = [_core(w) for w in words]
    n = end = len(words)
    if n >= 3 and upper[-1] in DIRECTIONALS:  # TRYON ST N
        shown[-1] = _expanded(words[-1], DIRECTIONALS[upper[-1]][0].title())
        end = n - 1
    if end >= 2 and upper[end - 1] in SUFFIX_OF:  # ... RD, ... BLVD, MAIN ST
        long = STREET_SUFFIXES[SUFFIX_OF[upper[end - 1]]][0].title()
        shown[end - 1] = _expanded(words[end - 1], long)
        end -= 1
    # A leading directional, unless initials follow (W T HARRIS BLVD); alone before a
    # type it is the name (W BLVD: West Boulevard).
    if upper[0] in DIRECTIONALS and ((end > 1 and len(upper[1]) > 1) or end == 1 < n):
        shown[0] = _expanded(words[0], DIRECTIONALS[upper[0]][0].title())
    for k in range(n - 1):  # NC HWY 73, HWY 16
        if upper[k] in ("HWY", "HY", "HIGHWAY") and upper[k + 1][:1].isdigit():
            shown[k] = _expanded(words[k], "Highway")
    return shown


def _street_line(line: str) -> str:
    """``2412 BEATTIES FORD RD STE 100`` -> ``2412 Beatties Ford Road Suite 100``."""
    words = line.split()
    recase = _recase(line)
    i = 0
    while i < len(words) and _is_house_number(words[i]):
        i += 1
    end = next((j for j in range(i + 1, len(words)) if _is_unit(words, j)), len(words))
    out = [w.upper() for w in words[:i]] + _street(words[i:end], recase)
    if end < len(words):
        std = UNIT_OF.get(words[end].upper().rstrip("."))
        out.append(UNIT_DESIGNATORS[std][0].title() if std and std != "#" else words[end])
        out += [w.upper() if recase else w for w in words[end + 1 :]]
    return " ".join(out)


@lru_cache(maxsize=1024)  # a county has a few dozen
def town_name(city: str) -> str:
    """``MINT HILL`` -> ``Mint Hill``; ``MT HOLLY`` -> ``Mount Holly``."""
    return shown_name(city)


def spoken_address(line: str, city: str = "") -> str:
    """A street line (and its town) as read aloud and shown: ``2412 BEATTIES FORD RD`` ->
    ``2412 Beatties Ford Road``; ``STE 100`` -> ``Suite 100``."""
    return ", ".join(p for p in (_street_line(line), town_name(city)) if p)


def display_address(a: Address) -> str:
    """One line as shown: ``2412 Beatties Ford Road, Charlotte, NC 28216``."""
    return _forms("", a, True, False)[3]


# ---- a place ------------------------------------------------------------------------


def display_name(
    name: str,
    complete: bool = True,
    plausible: bool = True,
    address: Address | None = None,
    lang: str = DEFAULT_LANG,
) -> str:
    """The name as shown: title case, cut to whole words; "Polling place at 3701 Haven
    Drive" for a place without a usable name."""
    return place_text(name, address or Address(""), complete, plausible, lang).display_name


def spoken_name(
    name: str,
    complete: bool = True,
    plausible: bool = True,
    address: Address | None = None,
    lang: str = DEFAULT_LANG,
) -> str:
    """The name as read aloud: the shown name, or "the polling place at 3701 Haven Drive,
    Charlotte" for a place without a usable name."""
    text = place_text(name, address or Address(""), complete, plausible, lang)
    return text.spoken_name or text.display_name


@lru_cache(maxsize=16384)  # a statewide dataset's places, met again at every election
def _forms(name: str, address: Address, complete: bool, plausible: bool) -> tuple[str, ...]:
    """What does not depend on the language: (the shown name or "", the street line, the
    street and town, the whole address in one line)."""
    line, town = _street_line(address.line1), town_name(address.city)
    tail = " ".join(p for p in (address.state.upper(), address.zip) if p)
    said = ", ".join(p for p in (line, town) if p)
    one = ", ".join(p for p in (line, town, tail) if p)
    return (shown_name(name, complete) if plausible else ""), line, said, one


def place_text(
    name: str, address: Address, complete: bool, plausible: bool, lang: str
) -> PlaceText:
    """Every form of one place's name and address in one language (only a place without
    a usable name reads differently in another)."""
    shown, line, said, one = _forms(name, address, complete, plausible)
    # A site the county's list still says "TBD" for has no address: say so, never "".
    one = one or message(lang, "display", "address_unknown")
    if shown:
        return PlaceText(shown, None, one, said)
    key = ("place_at_title", "place_at") if line else ("place_title", "place")
    return PlaceText(
        message(lang, "display", key[0], address=line),
        message(lang, "display", key[1], address=said),
        one,
        said,
    )
