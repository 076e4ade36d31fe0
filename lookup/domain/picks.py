"""Picks: the token each candidate of a question carries, which answers that candidate.

A person who hears "which address did you mean?" chooses one line; sending its text back
as ``address=`` would only ask the same question again. So each candidate carries
``pick``, an opaque token holding exactly what answers it: its point, its address text,
its source and, for an address point, its row in the dataset's address table. The API
answers ``pick=`` at that point (``addressing.locate_pick``).

Format (version 1): ``"1"`` followed by the unpadded base64url form of the compact JSON
array ``[lat, lon, source, address, row]``: ``source`` one letter (``SOURCE_CODES``),
``row`` the address-point row or -1. Not signed: a pick is no more powerful than the
``lat``/``lon`` the API already takes, and where the data can vouch for it (an address
point's row, a named place) ``locate_pick`` checks it against the data. Decoding refuses
anything else with ``invalid_parameter``, never a crash. No Flask here.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lookup.errors import InvalidParameter
from lookup.geocode.base import ADDRESS_POINT, ARCGIS, CENSUS, INTERPOLATED, NOMINATIM, PLACE
from lookup.geocode.normalize import MAX_ADDRESS_CHARS
from lookup.geocode.readings import clean
from lookup.i18n import message

VERSION = "1"
# One letter per source keeps the token short; letters are never reused for another source.
SOURCE_CODES = {
    ADDRESS_POINT: "a",
    INTERPOLATED: "i",
    CENSUS: "c",
    ARCGIS: "g",
    NOMINATIM: "n",
    PLACE: "p",
}
_SOURCE_OF = {v: k for k, v in SOURCE_CODES.items()}
# The longest address (200 characters of up to 4 UTF-8 bytes each) with two full-precision
# coordinates fits (about 1,160 characters); anything longer is no token of ours.
MAX_PICK_CHARS = 1200
PICK_PATTERN = r"^1[A-Za-z0-9_-]+$"  # version 1, then base64url without padding
_SHAPE = re.compile(PICK_PATTERN)


@dataclass(frozen=True, slots=True)
class Pick:
    """One candidate as chosen: where it is, what it is called, where it came from."""

    lat: float
    lon: float
    source: str
    address: str
    row: int = -1  # the address point's row in the address table; -1: not an address point


def encode(p: Pick) -> str:
    """The token for ``p`` (URL-safe, no padding)."""
    body = orjson.dumps([p.lat, p.lon, SOURCE_CODES[p.source], p.address, p.row])
    return VERSION + base64.urlsafe_b64encode(body).rstrip(b"=").decode("ascii")


def _bad(detail: str, reason: str = "malformed") -> InvalidParameter:
    return InvalidParameter(detail, parameter="pick", reason=reason)


def decode(token: str) -> Pick:
    """The pick in ``token``, or ``invalid_parameter`` (reason ``too_long`` or
    ``malformed``) for anything this module did not write."""
    if len(token) > MAX_PICK_CHARS:
        raise _bad("pick too long", "too_long")
    if not _SHAPE.fullmatch(token):
        raise _bad("not a pick")
    body = token[1:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data: Any = orjson.loads(raw)
    except (binascii.Error, ValueError):  # orjson.JSONDecodeError is a ValueError
        raise _bad("pick does not decode") from None
    if not (isinstance(data, list) and len(data) == 5):
        raise _bad("pick has the wrong shape")
    lat, lon, code, address, row = data
    numbers = (lat, lon)
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in numbers):
        raise _bad("pick coordinates are not numbers")
    if not all(math.isfinite(x) for x in numbers):
        raise _bad("pick coordinates are not finite")
    if not isinstance(code, str) or code not in _SOURCE_OF:
        raise _bad("pick has an unknown source")
    if not isinstance(address, str) or len(address) > MAX_ADDRESS_CHARS:
        raise _bad("pick address is not text")
    if not isinstance(row, int) or isinstance(row, bool) or row < -1:
        raise _bad("pick row is not a row")
    source = _SOURCE_OF[code]
    if (row >= 0) != (source == ADDRESS_POINT):
        raise _bad("pick row and source disagree")
    try:
        text = clean(address)
    except InvalidParameter:
        raise _bad("pick address is empty") from None
    return Pick(lat=float(lat), lon=float(lon), source=source, address=text, row=row)


def label_candidates(candidates: Sequence[dict[str, Any]], lang: str) -> None:
    """Give each candidate of one question a ``label`` no other candidate has: its
    address and its precinct (each candidate stands for another precinct; a named
    place, for another place), so two lines never read the same even where the
    address texts barely differ ("4045 N. TRYON STREET" and "4045 N TRYON ST")."""
    labels: list[str] = []
    for c in candidates:
        pct = c.get("precinct")
        address = str(c.get("address", ""))
        text = (
            message(lang, "candidates", "label", address=address, id=pct["id"], name=pct["name"])
            if isinstance(pct, dict)
            else address
        )
        labels.append(text)
    seen: dict[str, int] = {}
    for k, text in enumerate(labels):
        key = " ".join(text.casefold().split())
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # the same text and precinct twice: not expected, never shown alike
            labels[k] = f"{text} ({seen[key]})"
    for c, text in zip(candidates, labels, strict=True):
        c["label"] = text
