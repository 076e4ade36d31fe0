"""The words of place names and callers' queries, in the one form they are compared in.

Words are cleaned as addresses are (``clean_text``), then one table of equivalent place
words (``EQUIVALENT``) applies; USPS street suffixes, directionals and ordinals take one
spelled-out form (``RD`` -> ``ROAD``, ``N`` -> ``NORTH``, ``FIRST`` -> ``1ST``), so the
same word written two ways compares equal on both sides.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from lookup.geocode.normalize import clean_text
from lookup.geocode.pub28 import (
    DIRECTIONAL_OF,
    DIRECTIONALS,
    ORDINAL_OF,
    STREET_SUFFIXES,
    SUFFIX_OF,
)

# Equivalent place words: the form compared -> the spellings people and files use.
EQUIVALENT = MappingProxyType(
    {
        "LIBRARY": ("LIB", "LIBR", "BRANCH"),  # Charlotte's libraries are "... Branch"
        "ELEMENTARY": ("ELEM", "ES"),
        "MIDDLE": ("MS", "MID"),
        "HIGH": ("HS",),
        "SCHOOL": ("SCH", "SCHL"),
        "CENTER": ("CTR", "CNTR", "CENTRE", "CENTR"),
        "RECREATION": ("REC",),
        "CHURCH": ("CH", "CHR", "CHRCH"),
        "BAPTIST": ("BAPT",),
        "METHODIST": ("METH",),
        "PRESBYTERIAN": ("PRES", "PRESB", "PRESBY"),
        "LUTHERAN": ("LUTH",),
        "MOUNT": ("MT", "MNT"),
        "ST": ("SAINT", "STREET"),  # "St Paul" and "Tryon St": both read as ST
        "STATION": ("STA", "STN"),  # "Station 13" is "Fire Station 13" (all words in it)
        "COMMUNITY": ("COMM", "CMTY"),
        "UNIVERSITY": ("UNIV",),
        "HOSPITAL": ("HOSP",),
        "ACADEMY": ("ACAD",),
        "DEPARTMENT": ("DEPT",),
        "BUILDING": ("BLDG",),
        "GYMNASIUM": ("GYM",),
    }
)
_EQUIV = {v: k for k, vs in EQUIVALENT.items() for v in vs} | {k: k for k in EQUIVALENT}
# Never needed to name a place: dropped from names and queries alike.
STOP_WORDS = frozenset({"THE", "AT", "OF", "AND", "&", "#", "NC"})
# Said only to say where, or what for: they narrow the places that fit, never exclude
# all of them ("Hal Marshall polling place": callers call any voting site that).
LOCALITY_WORDS = frozenset({"CHARLOTTE"})
VOTING_WORDS = frozenset({"POLLING", "PLACE", "EARLY", "VOTING", "VOTE", "SITE", "LOCATION"})
OPTIONAL_WORDS = LOCALITY_WORDS | VOTING_WORDS
# Generic place words: two names sharing only these are not the same building.
GENERIC_WORDS = frozenset(EQUIVALENT)
_ORDINAL = re.compile(r"^\d+(?:ST|ND|RD|TH)$")


def kind_words(kind: str) -> tuple[str, ...]:
    """``fire_station`` -> (FIRE, STATION): the words a caller adds to a place's name."""
    return tuple(place_word(w) for w in kind.upper().replace("-", "_").split("_") if w)


def place_word(word: str) -> str:
    """The form a word is compared in (see the module docstring)."""
    w = _EQUIV.get(word)
    if w:
        return w
    if word in ORDINAL_OF:
        return ORDINAL_OF[word]
    if word in DIRECTIONAL_OF:
        return DIRECTIONALS[DIRECTIONAL_OF[word]][0]
    if word in SUFFIX_OF:
        long = STREET_SUFFIXES[SUFFIX_OF[word]][0]
        return _EQUIV.get(long, long)
    return word


def street_word(word: str) -> str:
    """A word of a street name as compared: a street's Branch is a stream, not a library."""
    return "BRANCH" if word in ("BRANCH", "BRNCH", "BR") else place_word(word)


# Initialisms of place names, as written in the layers ("LONG CREEK V.F.D., INC.") and
# said by callers ("Long Creek VFD", "CMPD North Tryon Division"): their words.
INITIALISMS = MappingProxyType(
    {
        "VFD": ("VOLUNTEER", "FIRE", "DEPARTMENT"),
        "FD": ("FIRE", "DEPARTMENT"),
        "CMPD": ("POLICE",),  # Charlotte-Mecklenburg Police Department
        "PD": ("POLICE", "DEPARTMENT"),
        "YMCA": ("YMCA",),
    }
)
_DOTTED = re.compile(r"\b([A-Z])\.\s*([A-Z])\.\s*([A-Z])\.")  # V.F.D., not W.T.
# Words of a legal name no caller says ("..., INC.").
_LEGAL = frozenset({"INC", "LLC", "CORP"})


def raw_words(text: str) -> list[str]:
    """Upper-case words as written (``clean_text``; commas, hyphens and slashes split),
    initialisms spelled out (``V.F.D.`` and ``VFD`` -> VOLUNTEER FIRE DEPARTMENT)."""
    upper = _DOTTED.sub(lambda m: "".join(m.groups()) + " ", text.upper())
    cleaned = clean_text(upper)
    for c in ",-/":
        cleaned = cleaned.replace(c, " ")
    out: list[str] = []
    for w in cleaned.split():
        if w not in _LEGAL:
            out += INITIALISMS.get(w, (w,))
    return out


def words_of(text: str) -> list[str]:
    """The compared words of a name or query, stop words dropped."""
    return [w for w in map(place_word, raw_words(text)) if w not in STOP_WORDS]


def starts_with_house_number(raw: list[str]) -> bool:
    """An address leads with its house number (2412 Beatties Ford Rd); an ordinal does
    not make one (1st Baptist Church)."""
    return bool(raw) and raw[0][:1].isdigit() and not _ORDINAL.match(raw[0])
