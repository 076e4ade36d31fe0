"""A filed report's fields, checked: each refusal is 400 ``invalid_parameter`` naming the
parameter and a reason, as the look-up's own checks do (the address goes through the
same ``readings.clean``, the point through the same finite-and-in-range rule)."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lookup.domain.models import Point
from lookup.errors import InvalidParameter
from lookup.geocode.readings import clean
from lookup.reports.model import CHANNELS, MAX_NOTE_CHARS, MAX_VERSION_CHARS, REASONS
from lookup.service import AddressQuery, PointQuery

_VERSION = re.compile(r"^[A-Za-z0-9._-]+$")
_LINE_BREAKS = str.maketrans({"\n": " ", "\r": " ", "\t": " "})


@dataclass(frozen=True, slots=True)
class Filing:
    reason: str
    note: str
    channel: str
    query: AddressQuery | PointQuery
    client_version: str


def check_filing(body: Mapping[str, Any], point: tuple[float, float] | None) -> Filing:
    """The report in ``body`` (a decoded JSON object); ``point`` is its (lon, lat) already
    parsed as numbers, or None when it gave no lat/lon."""
    has_address = body.get("address") not in (None, "")
    if has_address and point is not None:
        raise InvalidParameter(
            "give either address or lat/lon, not both", parameter="address", reason="combined"
        )
    if point is not None:
        query: AddressQuery | PointQuery = _point(*point)
    elif has_address:
        query = AddressQuery(clean(_text(body["address"], "address")))
    else:
        raise InvalidParameter(
            "address or lat/lon is required", parameter="address", reason="missing"
        )
    return Filing(
        reason=_choice(body.get("reason"), "reason", REASONS),
        note=check_note(body.get("note")),
        channel=_choice(body.get("channel"), "channel", CHANNELS),
        query=query,
        client_version=_version(body.get("data_version")),
    )


def check_note(value: object) -> str:
    """An optional note: at most ``MAX_NOTE_CHARS``, one line on the staff page (line
    breaks become spaces), and no other control or format character (a bidi override
    would make the note read otherwise than it is stored)."""
    if value is None:
        return ""
    note = _text(value, "note").translate(_LINE_BREAKS).strip()
    if len(note) > MAX_NOTE_CHARS:
        raise InvalidParameter(
            "note too long", parameter="note", reason="too_long", max_chars=MAX_NOTE_CHARS
        )
    if any(unicodedata.category(c)[0] == "C" for c in note):
        raise InvalidParameter("note has control characters", parameter="note", reason="control")
    return note


def _point(lon: float, lat: float) -> PointQuery:
    """The look-up's rule (``service.check_point``): finite, and on the globe."""
    try:
        Point(lon=lon, lat=lat)
    except ValueError as exc:
        finite = math.isfinite(lon) and math.isfinite(lat)
        reason = "out_of_range" if finite else "not_finite"
        raise InvalidParameter(str(exc), parameter="lat/lon", reason=reason) from None
    return PointQuery(lon=lon, lat=lat)


def _text(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidParameter(f"{name} must be a string", parameter=name, reason="not_a_string")
    return value


def _choice(value: object, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise InvalidParameter(f"unknown {name}", parameter=name, allowed=list(allowed))
    return str(value)


def _version(value: object) -> str:
    """The data version the reporter's answer named: a plain token, or absent."""
    if value is None or value == "":
        return ""
    text = _text(value, "data_version")
    if len(text) > MAX_VERSION_CHARS or not _VERSION.match(text):
        raise InvalidParameter("not a data version", parameter="data_version", reason="malformed")
    return text
