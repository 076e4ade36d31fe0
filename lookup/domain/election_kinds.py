"""The kinds of North Carolina elections, so an election's name can be said in the
answer's language (``locales/*/elections.json``, one entry per kind).

The data's name stays as published (the State Board, the county and ``--election-name``
write English); the kind is read from it only when the whole name is a known way of
saying one kind ("General Election", "PRIMARY", "2028 Municipal Election"). Anything else
("Town of Davidson Bond Referendum") has no kind and is shown as typed in every
language: a name is never half-translated or guessed at. The kind is read from the name
whenever an ``Election`` is made, so it is not stored: every published version, older
ones included, loads with the kinds of the running code.

The kinds are those of NC's election calendar (G.S. 163 and the State Board's election
names): the November general election, the statewide primary (with the presidential
preference primary in presidential years), the second primary (NC's primary runoff),
the odd-year municipal elections with their primaries and runoffs, and special
elections. ``election`` is the default name of a day that is not in November.
"""

from __future__ import annotations

import re
from enum import StrEnum

from lookup.i18n import DEFAULT_LANG, message


class ElectionKind(StrEnum):
    GENERAL = "general"
    PRIMARY = "primary"
    PRESIDENTIAL_PRIMARY = "presidential_primary"
    SECOND_PRIMARY = "second_primary"
    RUNOFF = "runoff"
    MUNICIPAL = "municipal"
    MUNICIPAL_PRIMARY = "municipal_primary"
    MUNICIPAL_RUNOFF = "municipal_runoff"
    SPECIAL = "special"
    SPECIAL_PRIMARY = "special_primary"
    ELECTION = "election"


# The ways each kind is written, lower case, words separated by one space. The first is
# the kind's English name (``locales/en/elections.json`` says the same: a test checks).
NAMES: dict[ElectionKind, tuple[str, ...]] = {
    ElectionKind.GENERAL: ("general election", "general"),
    ElectionKind.PRIMARY: ("primary election", "primary", "statewide primary"),
    ElectionKind.PRESIDENTIAL_PRIMARY: (
        "presidential preference primary",
        "presidential preference primary election",
        "presidential primary",
    ),
    ElectionKind.SECOND_PRIMARY: ("second primary", "second primary election", "primary runoff"),
    ElectionKind.RUNOFF: ("runoff election", "runoff"),
    ElectionKind.MUNICIPAL: (
        "municipal election",
        "municipal",
        "municipal general",
        "municipal general election",
    ),
    ElectionKind.MUNICIPAL_PRIMARY: ("municipal primary", "municipal primary election"),
    ElectionKind.MUNICIPAL_RUNOFF: ("municipal runoff", "municipal runoff election"),
    ElectionKind.SPECIAL: ("special election", "special", "special general election"),
    ElectionKind.SPECIAL_PRIMARY: ("special primary", "special primary election"),
    ElectionKind.ELECTION: ("election",),
}
_BY_NAME = {name: kind for kind, names in NAMES.items() for name in names}

# A year before or after the kind ("2028 General Election", "General Election 2028"):
# said in each language's order (``elections.with_year``). Matched on ``_words``' text.
_YEAR = re.compile(r"^(?:(?P<before>(?:19|20)\d\d) )?(?P<rest>.*?)(?: (?P<after>(?:19|20)\d\d))?$")


def _words(text: str) -> str:
    """Case, hyphens ("Run-off") and spacing do not change what a name says."""
    return " ".join(text.casefold().replace("-", "").split())


def _parts(name: str) -> tuple[ElectionKind | None, str]:
    """The kind a whole name says, and the year written with it ("" without one)."""
    m = _YEAR.match(_words(name))
    if m is None:  # pragma: no cover - the pattern matches every string
        return None, ""
    before, after = m.group("before"), m.group("after")
    if before and after:
        return None, ""
    return _BY_NAME.get(m.group("rest")), before or after or ""


def kind_of(name: str) -> ElectionKind | None:
    """The kind ``name`` says as a whole, or ``None`` (a name staff typed freely)."""
    return _parts(name)[0]


def election_name(name: str, kind: ElectionKind | None, lang: str) -> str:
    """The election's name in ``lang``. In English, the language the data is written in,
    it is the published name itself (never rewritten); in another language the catalog's
    name of its kind, with the year the name carries. No kind: the name as published."""
    if kind is None or lang == DEFAULT_LANG:
        return name
    said, year = _parts(name)
    text = message(lang, "elections", kind.value)
    if year and said is kind:
        return message(lang, "elections", "with_year", name=text, year=year)
    return text
