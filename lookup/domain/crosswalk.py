"""Precinct identifiers as the BOE and the county write them, brought to one canonical form.

NCSBE polling-place files say ``PCT 001``; the NCSBE shapefile says ``001``; the county
GIS layer says ``1.0``. All three mean precinct ``001``. Names that are not numbers
(``DAVIDSON #2-B``) are kept, upper-cased and with single spaces.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

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


def build_crosswalk(precincts: Iterable[tuple[str, str, str]]) -> dict[tuple[str, str], str]:
    """``(county, key) -> precinct id`` for joining polling-place rows to the map.

    Counties differ in what their polling-place rows name: Mecklenburg writes the number
    (``PCT 001``), others the precinct's name (``DAVIDSON #2-B``) where the map's
    ``prec_id`` is a code. Ids are matched first; a name is used only when it is unique
    in its county and does not collide with an id, so no row can silently join the
    wrong precinct.
    """
    rows = list(precincts)
    table = {(county, precinct_key(pid)): pid for county, pid, _name in rows}
    names = Counter((county, precinct_key(name)) for county, _pid, name in rows if name)
    for county, pid, name in rows:
        key = (county, precinct_key(name))
        if name and names[key] == 1 and key not in table:
            table[key] = pid
    return table


def join_cut_names(
    precincts: Iterable[tuple[str, str, str]], cut: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str, str]]:
    """``(county, key of a cut name) -> (precinct id, the map's name)`` for each cut
    precinct name (NCSBE cuts them at 30 characters: ``GLOBE/JOHNS RIVER/MULBERRY/WIL``)
    that begins the name of exactly one precinct of its county on the map. A cut name
    two map names begin with joins neither: the refresh reports it as unknown."""
    by_county: dict[str, list[tuple[str, str, str]]] = {}
    for county, pid, name in precincts:
        if name:
            by_county.setdefault(county, []).append((precinct_key(name), pid, name))
    joined: dict[tuple[str, str], tuple[str, str]] = {}
    for county, text in cut:
        key = precinct_key(text)
        fits = [(pid, name) for k, pid, name in by_county.get(county, ()) if k.startswith(key)]
        if key and len(fits) == 1:
            joined[(county, key)] = fits[0]
    return joined
