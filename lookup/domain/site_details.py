"""What the county knows about a polling place's or early-voting site's building that the
BOE's files do not say: where the accessible entrance is, accessible parking, where
curbside voting happens, transit, other entrance notes, a photo and a phone on the day.

The county keeps them in a CSV (``lookup refresh --site-details``,
``ingest.formats.site_details``); the refresh stores them with the version, keyed by
(county, place or site id). Each text is given per language, English always when any
is; a field not given is not known, and answers say so (``null``) rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lookup.i18n import DEFAULT_LANG, message

FILE = "site_details.json"  # in a version folder; absent: no details known
# The text fields, in the order they are shown and written.
TEXT_FIELDS = ("accessible_entrance", "accessible_parking", "curbside", "transit", "notes")
MAX_TEXT = 300  # characters of one text in one language
MAX_URL = 500

Texts = Mapping[str, str]  # language -> text


def _none() -> Texts:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class SiteDetails:
    """One building's details. An empty ``Texts`` (or ``None``) is "not known"."""

    accessible_entrance: Texts = field(default_factory=_none)
    accessible_parking: Texts = field(default_factory=_none)
    curbside: Texts = field(default_factory=_none)
    transit: Texts = field(default_factory=_none)
    notes: Texts = field(default_factory=_none)
    photo_url: str | None = None  # https only (checked when read)
    phone: str | None = None  # ``704-555-0100``

    def text(self, name: str) -> Texts:
        texts: Texts = getattr(self, name)
        return texts

    def said(self, name: str, lang: str) -> tuple[str, str] | None:
        """``name`` in ``lang``, else in English, with the language it is in; ``None``
        when not known."""
        texts = self.text(name)
        for candidate in (lang, DEFAULT_LANG):
            if texts.get(candidate):
                return texts[candidate], candidate
        return None

    @property
    def empty(self) -> bool:
        return not any(self.text(n) for n in TEXT_FIELDS) and not (self.photo_url or self.phone)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {n: dict(self.text(n)) for n in TEXT_FIELDS if self.text(n)}
        if self.photo_url:
            out["photo_url"] = self.photo_url
        if self.phone:
            out["phone"] = self.phone
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SiteDetails:
        texts = {n: MappingProxyType(dict(data[n])) for n in TEXT_FIELDS if n in data}
        return cls(**texts, photo_url=data.get("photo_url"), phone=data.get("phone"))


def labelled(
    d: SiteDetails | None, lang: str, fields: tuple[str, ...] = (*TEXT_FIELDS, "photo_url", "phone")
) -> list[str]:
    """The details known, each as a sentence with its label in ``lang`` (``Accessible
    entrance: ramp at the north door.``), for outputs that have only free text (Civic's
    ``notes``, VIP's ``directions``); nothing for what is not known."""
    if d is None:
        return []
    out = []
    for name in fields:
        if name in TEXT_FIELDS:
            said = d.said(name, lang)
            text = said[0] if said else ""
        else:
            text = getattr(d, name) or ""
        if text:
            line = message(lang, "site_details", name, text=text)
            out.append(line if line[-1] in ".!?" or name == "photo_url" else line + ".")
    return out


@dataclass(frozen=True, slots=True)
class SiteDetailsTable:
    """The version's details by (county, place or site id): NCSBE reuses polling-place
    ids across counties, so the county is part of the key."""

    by_place: Mapping[tuple[str, str], SiteDetails] = field(
        default_factory=lambda: MappingProxyType({})
    )

    @classmethod
    def empty(cls) -> SiteDetailsTable:
        return cls()

    @classmethod
    def of(cls, rows: Mapping[tuple[str, str], SiteDetails]) -> SiteDetailsTable:
        return cls(MappingProxyType(dict(sorted(rows.items()))))

    def get(self, county: str, place_id: str) -> SiteDetails | None:
        return self.by_place.get((county, place_id))

    def __len__(self) -> int:
        return len(self.by_place)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self.by_place)

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"county": county, "id": pid, **d.to_json()}
            for (county, pid), d in self.by_place.items()
        ]

    @classmethod
    def from_json(cls, data: object) -> SiteDetailsTable:
        if not isinstance(data, list):
            raise ValueError("site details: a list of places expected")
        return cls.of({(r["county"], r["id"]): SiteDetails.from_json(r) for r in data})
