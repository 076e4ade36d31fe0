"""Message catalogs: one folder per language in ``locales/`` (``en/``, ``es/``), each
holding JSON files of sections (``core.json``, ``rep.json``...) merged into one catalog.
Adding a language is adding a folder; a test fails when a key is missing in any
language. Catalogs are read on first use, never at import."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANG = "en"
# Files of a language's folder that are not message catalogs: the Board's answers to
# callers' questions (``domain.help_topics`` reads and validates them).
NOT_CATALOGS = frozenset({"help.json"})


def _root() -> Any:
    return resources.files("lookup").joinpath("locales")


@cache
def languages() -> tuple[str, ...]:
    return tuple(sorted(d.name for d in _root().iterdir() if d.is_dir() and len(d.name) == 2))


@cache
def catalog(lang: str) -> dict[str, Any]:
    """All sections of one language; a section defined twice is a packaging error."""
    merged: dict[str, Any] = {}
    files = sorted(_root().joinpath(lang).iterdir(), key=lambda f: f.name)
    for f in files:
        if not f.name.endswith(".json") or f.name in NOT_CATALOGS:
            continue
        for section, entries in json.loads(f.read_text("utf-8")).items():
            if section in merged:
                raise ValueError(f"locales/{lang}/{f.name}: section {section!r} defined twice")
            merged[section] = entries
    return merged


def locale_tag(lang: str) -> str:
    """The language's BCP 47 tag for dates, times and numbers (``es-US``: US conventions
    in Spanish), from its own catalog, so adding a language stays adding a folder."""
    return str(catalog(lang)["language"]["tag"])


def message(lang: str, section: str, code: str, **fmt: str) -> str:
    """The ``section.code`` message in ``lang`` (English if the language lacks it)."""
    for candidate in (lang, DEFAULT_LANG):
        text = catalog(candidate).get(section, {}).get(code)
        if text:
            return text.format(**fmt) if fmt else text
    return code
