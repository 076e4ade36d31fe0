"""Last-minute notices written by the board's staff (VIP's ``ElectionNotice``): a polling
place flooded, a road closed, extended hours by court order.

A TOML file named by ``LOOKUP_NOTICES_FILE``, read when the service starts::

    [[notice]]
    en = "Hidden Valley Elementary is closed by flooding; PCT 046 votes at ..."
    es = "La escuela primaria Hidden Valley está cerrada por inundación; ..."
    starts = 2028-11-06T18:00:00   # local time (TOML needs the seconds), optional
    ends = 2028-11-07T19:30:00     # optional
    counties = ["MECKLENBURG"]     # optional: where it applies
    precincts = ["046", "047"]     # optional: precinct ids (with counties, or any county)

A notice without ``en`` text, with an unknown key or a bad time is refused at start,
naming the entry: a silent typo here would hide a notice meant for voters.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lookup.domain.crosswalk import precinct_key
from lookup.domain.models import Precinct
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import DataError
from lookup.i18n import DEFAULT_LANG

_KEYS = frozenset({"starts", "ends", "counties", "precincts"})


@dataclass(frozen=True, slots=True)
class StaffNotice:
    text: Mapping[str, str]  # language -> message; "en" always present
    starts: datetime | None = None
    ends: datetime | None = None
    counties: frozenset[str] = frozenset()
    precincts: frozenset[str] = frozenset()

    def applies(self, now: datetime, precinct: Precinct) -> bool:
        if self.starts is not None and now < self.starts:
            return False
        if self.ends is not None and now >= self.ends:
            return False
        if self.counties and precinct.county not in self.counties:
            return False
        return not self.precincts or precinct.id in self.precincts

    def message(self, lang: str) -> str:
        return self.text.get(lang) or self.text[DEFAULT_LANG]


def load_notices(path: Path, languages: tuple[str, ...]) -> tuple[StaffNotice, ...]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read the notices file ({exc})") from exc
    entries = doc.get("notice", [])
    if not isinstance(entries, list) or set(doc) - {"notice"}:
        raise DataError(f"{path}: expected only [[notice]] entries")
    return tuple(_notice(e, k, path, languages) for k, e in enumerate(entries, 1))


def _notice(entry: Any, k: int, path: Path, languages: tuple[str, ...]) -> StaffNotice:
    where = f"{path}: notice {k}"
    if not isinstance(entry, dict):
        raise DataError(f"{where}: not a table")
    unknown = set(entry) - _KEYS - set(languages)
    if unknown:
        raise DataError(f"{where}: unknown keys {sorted(unknown)}")
    text = {lang: str(entry[lang]).strip() for lang in languages if entry.get(lang)}
    if not text.get(DEFAULT_LANG):
        raise DataError(f"{where}: the English text (en = ...) is required")
    counties = frozenset(str(c).strip().upper() for c in entry.get("counties", []))
    precincts = frozenset(precinct_key(p) for p in entry.get("precincts", []))
    return StaffNotice(
        text=MappingProxyType(text),
        starts=_moment(entry.get("starts"), where),
        ends=_moment(entry.get("ends"), where),
        counties=counties,
        precincts=precincts,
    )


def _moment(value: Any, where: str) -> datetime | None:
    """TOML local date-times are local to the county (America/New_York)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise DataError(f"{where}: starts/ends must be a date and time (2028-11-07T06:30:00)")
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value
