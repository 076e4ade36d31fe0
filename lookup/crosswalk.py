"""Precinct identifiers as the BOE and the county write them, brought to one canonical form.

NCSBE polling-place files say ``PCT 001``; the NCSBE shapefile says ``001``; the county
GIS layer says ``1.0``. All three mean precinct ``001``. Names that are not numbers
(``DAVIDSON #2-B``) are kept, upper-cased and with single spaces.
"""

from __future__ import annotations

import re

_PREFIX = re.compile(r"^(?:PCT|PRECINCT|PREC)\.?\s*#?\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^0*(\d+)(?:\.0+)?$")


def precinct_key(value: object) -> str:
    """Canonical precinct id: ``PCT 001``, ``001``, ``1``, ``1.0`` and ``1`` all give ``001``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", " ", str(value).strip().upper())
    text = _PREFIX.sub("", text)
    m = _NUMBER.match(text)
    if m:
        return m.group(1).zfill(3)
    return text
