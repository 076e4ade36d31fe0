"""Changes on the day, posted by the board's staff without a refresh: a site closed for a
while, a precinct's Election Day place moved to another building (an emergency
relocation), a notice for some precincts or all.

Each change holds for a window of local time, ``start <= now < end``. The model knows
nothing of where changes are stored (``lookup.changes``) or how an answer shows them
(``service``, ``outputs``); it parses the staff's JSON, refuses what cannot be right on
its own (a window that ends before it starts, a point that is no point, a reason without
English), and says which changes hold at a moment.

Wire shape (``POST /admin/changes`` and ``lookup change``; times ``YYYY-MM-DDTHH:MM``,
local to America/New_York)::

    {"kind": "close_site", "site_id", "from", "to", "reason": TEXTS}
    {"kind": "relocate", "precinct_id", "county"?, "from", "to",
     "place": {"name", "address": {"line1", "city", "zip"}, "lat", "lon"},
     "reason": TEXTS}
    {"kind": "notice", "precincts": [ids] or null, "county"?, "from", "to",
     "message": TEXTS}

TEXTS is one text per language of ``lookup/locales/`` (``{code: text}``), the default
language's required. Optional on every kind: ``"by"``, who posted it (a name or desk,
shown to staff only).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from lookup.domain.crosswalk import precinct_key
from lookup.domain.models import Address, Point
from lookup.domain.schedule import LOCAL_TZ
from lookup.i18n import DEFAULT_LANG

CLOSE_SITE, RELOCATE, NOTICE = "close_site", "relocate", "notice"
KINDS = (CLOSE_SITE, RELOCATE, NOTICE)
EMERGENCY = "emergency"  # ``changed_reason`` of a relocated polling place
MAX_TEXT = 500  # characters of a reason or message in one language
MAX_NAME = 120  # a place's name, an address line, a city
MAX_BY = 80
_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


class ChangeRefused(ValueError):
    """A change that cannot be applied; ``field`` names the part at fault, ``reason`` is a
    stable machine word (``bad_window``, ``missing``, ``too_long``...)."""

    def __init__(self, message: str, field: str, reason: str) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime  # aware, America/New_York
    end: datetime

    def holds(self, now: datetime) -> bool:
        return self.start <= now < self.end

    def overlaps(self, other: Window) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class Text:
    """One message in each language given; English always."""

    by_lang: Mapping[str, str]

    def get(self, lang: str) -> str:
        return self.by_lang.get(lang) or self.by_lang[DEFAULT_LANG]


@dataclass(frozen=True, slots=True)
class NewPlace:
    """Where a relocated precinct votes for the window: as given by staff, never guessed."""

    name: str
    address: Address
    point: Point


@dataclass(frozen=True, slots=True)
class Change:
    id: str
    kind: str  # one of KINDS
    window: Window
    text: Text  # the reason (close_site, relocate) or the message (notice)
    created: datetime  # UTC
    by: str = ""
    site_id: str = ""  # close_site: an early-voting site id or a polling-place id
    county: str = ""  # relocate/notice: "" = the dataset's only county, or any county
    precincts: tuple[str, ...] | None = None  # relocate: one id; notice: ids, None = all
    place: NewPlace | None = None  # relocate

    def holds(self, now: datetime) -> bool:
        return self.window.holds(now)

    def to_json(self) -> dict[str, Any]:
        """The wire shape, with ``id``, ``created`` and ``by``: what is stored and listed."""
        out: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.kind == CLOSE_SITE:
            out["site_id"] = self.site_id
        if self.county:
            out["county"] = self.county
        if self.kind == RELOCATE and self.precincts:
            out["precinct_id"] = self.precincts[0]
        if self.kind == NOTICE:
            out["precincts"] = list(self.precincts) if self.precincts is not None else None
        out["from"] = _moment_text(self.window.start)
        out["to"] = _moment_text(self.window.end)
        if self.place is not None:
            a = self.place.address
            out["place"] = {
                "name": self.place.name,
                "address": {"line1": a.line1, "city": a.city, "zip": a.zip},
                "lat": self.place.point.lat,
                "lon": self.place.point.lon,
            }
        out["message" if self.kind == NOTICE else "reason"] = dict(self.text.by_lang)
        out["created"] = self.created.isoformat().replace("+00:00", "Z")
        out["by"] = self.by
        return out


def parse_change(doc: Any, *, id: str, created: datetime, languages: Iterable[str]) -> Change:
    """A change from the staff's JSON; ``ChangeRefused`` naming the field otherwise.
    Checks what needs no dataset (ids and points are checked against the live data by
    ``lookup.changes``)."""
    if not isinstance(doc, Mapping):
        raise ChangeRefused("a change is a JSON object", "body", "not_json")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise ChangeRefused(f"kind must be one of {', '.join(KINDS)}", "kind", "unknown")
    langs = tuple(languages)
    allowed = {"kind", "from", "to", "by", "county"} | _FIELDS[kind]
    unknown = sorted(set(doc) - allowed - {"id", "created"})
    if unknown:
        raise ChangeRefused(f"unknown field(s) {unknown}", unknown[0], "unknown_field")
    window = _window(doc)
    by = _short(doc.get("by", ""), "by", MAX_BY, required=False)
    county = _short(doc.get("county", ""), "county", MAX_NAME, required=False).upper()
    common: dict[str, Any] = {"id": id, "kind": kind, "window": window, "created": created}
    common |= {"by": by, "county": county}
    if kind == CLOSE_SITE:
        site = _short(doc.get("site_id"), "site_id", MAX_NAME)
        return Change(**common, text=_text(doc.get("reason"), "reason", langs), site_id=site)
    if kind == RELOCATE:
        precinct = precinct_key(_short(doc.get("precinct_id"), "precinct_id", MAX_NAME))
        place = _place(doc.get("place"))
        text = _text(doc.get("reason"), "reason", langs)
        return Change(**common, text=text, precincts=(precinct,), place=place)
    raw = doc.get("precincts")
    if raw is not None and (not isinstance(raw, list) or not raw or len(raw) > 1000):
        raise ChangeRefused("precincts is a list of ids, or null for all", "precincts", "bad")
    precincts = (
        None
        if raw is None
        else tuple(sorted({precinct_key(_short(p, "precincts", MAX_NAME)) for p in raw}))
    )
    text = _text(doc.get("message"), "message", langs)
    return Change(**common, text=text, precincts=precincts)


_FIELDS = {
    CLOSE_SITE: {"site_id", "reason"},
    RELOCATE: {"precinct_id", "place", "reason"},
    NOTICE: {"precincts", "message"},
}


def parse_moment(value: Any, field: str) -> datetime:
    """``YYYY-MM-DDTHH:MM`` (seconds allowed) as local time in America/New_York."""
    if not isinstance(value, str) or not _MOMENT.match(value) or len(value) > 19:
        raise ChangeRefused(f"{field} must be local time YYYY-MM-DDTHH:MM", field, "bad_time")
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ChangeRefused(f"{field} is not a real time", field, "bad_time") from None
    return naive.replace(tzinfo=LOCAL_TZ)


def _moment_text(t: datetime) -> str:
    return t.astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")


def _window(doc: Mapping[str, Any]) -> Window:
    start, end = parse_moment(doc.get("from"), "from"), parse_moment(doc.get("to"), "to")
    if end <= start:
        raise ChangeRefused("the window ends before it starts", "to", "bad_window")
    return Window(start, end)


def _short(value: Any, field: str, limit: int, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise ChangeRefused(f"{field} is required", field, "missing")
        return ""
    if not isinstance(value, str):
        raise ChangeRefused(f"{field} must be text", field, "not_text")
    text = " ".join(value.split())
    if _CONTROL.search(text):
        raise ChangeRefused(f"{field} holds control characters", field, "control")
    if len(text) > limit:
        raise ChangeRefused(f"{field} is over {limit} characters", field, "too_long")
    if required and not text:
        raise ChangeRefused(f"{field} is required", field, "missing")
    return text


def _text(value: Any, field: str, languages: tuple[str, ...]) -> Text:
    if not isinstance(value, Mapping):
        raise ChangeRefused(f"{field} is an object of texts by language", field, "missing")
    unknown = sorted(set(value) - set(languages))
    if unknown:
        raise ChangeRefused(f"{field}: unknown language(s) {unknown}", field, "unknown_language")
    texts = {
        lang: _short(value.get(lang), f"{field}.{lang}", MAX_TEXT, required=False)
        for lang in languages
    }
    if not texts.get(DEFAULT_LANG):
        raise ChangeRefused(f"{field}.{DEFAULT_LANG} is required", field, "missing")
    return Text(MappingProxyType({k: v for k, v in texts.items() if v}))


def _place(value: Any) -> NewPlace:
    if not isinstance(value, Mapping):
        raise ChangeRefused("place is an object", "place", "missing")
    name = _short(value.get("name"), "place.name", MAX_NAME)
    address = value.get("address")
    if not isinstance(address, Mapping):
        raise ChangeRefused("place.address is an object", "place.address", "missing")
    line1 = _short(address.get("line1"), "place.address.line1", MAX_NAME)
    city = _short(address.get("city"), "place.address.city", MAX_NAME)
    zip_code = _short(address.get("zip"), "place.address.zip", 10)
    if not _ZIP.fullmatch(zip_code):
        raise ChangeRefused("place.address.zip is not a ZIP", "place.address.zip", "bad_zip")
    lat = _coordinate(value.get("lat"), "place.lat", 90)
    lon = _coordinate(value.get("lon"), "place.lon", 180)
    address_ = Address(line1=line1, city=city, state="NC", zip=zip_code)
    return NewPlace(name, address_, Point(lon, lat))


def _coordinate(value: Any, field: str, bound: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ChangeRefused(f"{field} must be a number", field, "not_number")
    number = float(value)
    if not math.isfinite(number) or abs(number) > bound:
        raise ChangeRefused(f"{field} is out of range", field, "out_of_range")
    return number


@dataclass(frozen=True)
class ActiveChanges:
    """The changes that hold at one moment, indexed for the answer path."""

    closed: Mapping[str, Change]  # site or polling-place id -> its closure
    relocated: Mapping[tuple[str, str], Change]  # (county, precinct) -> its relocation
    notices: tuple[Change, ...]

    def __bool__(self) -> bool:
        return bool(self.closed or self.relocated or self.notices)


NO_CHANGES = ActiveChanges(MappingProxyType({}), MappingProxyType({}), ())


def active_at(changes: Iterable[Change], now: datetime, only_county: str = "") -> ActiveChanges:
    """The changes holding at ``now``. ``only_county``: the dataset's county when it has
    one, filled in for changes that name none."""
    closed: dict[str, Change] = {}
    relocated: dict[tuple[str, str], Change] = {}
    notices: list[Change] = []
    for c in changes:
        if not c.holds(now):
            continue
        if c.kind == CLOSE_SITE:
            closed[c.site_id] = c
        elif c.kind == RELOCATE and c.precincts:
            relocated[(c.county or only_county, c.precincts[0])] = c
        elif c.kind == NOTICE:
            notices.append(c)
    if not (closed or relocated or notices):
        return NO_CHANGES
    return ActiveChanges(MappingProxyType(closed), MappingProxyType(relocated), tuple(notices))


def notice_applies(c: Change, county: str, precinct: str) -> bool:
    if c.county and c.county != county:
        return False
    return c.precincts is None or precinct in c.precincts
