"""Message catalogs: one JSON file per language in ``locales/``; adding a language is
adding a file. Catalogs are read on first use, never at import."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

DEFAULT_LANG = "en"


@cache
def languages() -> tuple[str, ...]:
    files = resources.files("lookup").joinpath("locales").iterdir()
    return tuple(sorted(f.name.removesuffix(".json") for f in files if f.name.endswith(".json")))


@cache
def catalog(lang: str) -> dict[str, Any]:
    text = resources.files("lookup").joinpath("locales", f"{lang}.json").read_text("utf-8")
    return json.loads(text)


def message(lang: str, section: str, code: str, **fmt: str) -> str:
    """The ``section.code`` message in ``lang`` (English if the language lacks it)."""
    for candidate in (lang, DEFAULT_LANG):
        text = catalog(candidate).get(section, {}).get(code)
        if text:
            return text.format(**fmt) if fmt else text
    return code
