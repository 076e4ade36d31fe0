"""The names the BOE gives its polling places and sites, judged as text: a name cut short
(NCSBE's files stop at 30 characters: ``GREATER MOUNT MORIAH BAPTIST C``), the full form
another source gives for it, and placeholders that name no building (``Q``, ``TBD``).
Pure functions; names are data, compared here, never interpreted as markup."""

from __future__ import annotations

import re

_APOSTROPHES = re.compile(r"['\u2019`]")
_NOT_WORD = re.compile(r"[^A-Z0-9]+")
# Names that hold a place in a list until the real one is known.
PLACEHOLDERS = frozenset({"TBD", "TBA", "NA", "NONE", "UNKNOWN", "PENDING"})


def compare_form(name: str) -> str:
    """The form two names are compared in: upper case, apostrophes dropped, ``&`` as AND,
    any other punctuation a space, single spaces (``St. Mark's`` -> ``ST MARKS``)."""
    text = _APOSTROPHES.sub("", name.upper()).replace("&", " AND ")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def completes(published: str, full: str, cut: bool) -> bool:
    """Whether ``full`` is the whole of the BOE's ``published`` name: it begins with it
    (compared forms) and goes on, and ``published`` is cut — flagged so by its file
    (``cut``), or ending mid-word (``full`` goes on with the same word). A longer name
    after a whole word of an uncut name is another name (``BIBLE BAPTIST CHURCH - GYM``),
    and a number never grows digits (``FIRE STATION 1`` is not ``FIRE STATION 13``)."""
    p, f = compare_form(published), compare_form(full)
    if not p or len(f) <= len(p) or not f.startswith(p):
        return False
    if cut:
        return True
    after = f[len(p)]
    return after != " " and not (p[-1].isdigit() and after.isdigit())


def is_plausible(name: str) -> bool:
    """False for a name no one could look for: one or two characters (``Q``), digits
    only, or a placeholder (``TBD``)."""
    compact = compare_form(name).replace(" ", "")
    return len(compact) > 2 and not compact.isdigit() and compact not in PLACEHOLDERS


def styled(full: str, published: str) -> str:
    """``full`` written as the BOE writes: upper case when its name is (a county layer's
    ``Greenway Park Elementary School`` completes ``GREENWAY PARK ELEMENTARY SCHOO``)."""
    text = " ".join(full.split())
    return text.upper() if published == published.upper() else text
