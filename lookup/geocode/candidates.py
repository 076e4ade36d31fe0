"""Stage 3 of the address pipeline: the address points one reading of the caller's words
leads to (``find``), before anything is decided about them.

A row *agrees* when nothing it holds contradicts what the caller said: a row without a
ZIP or a city (a facility layer, a parcel point) is not contradicted by the caller's ZIP
or city; only a different value is. Agreeing rows are not yet an answer: the next stage
(``resolve``) makes them one when they lead to one precinct. Rows that contradict the
caller (another street type, another town) are only ever offered to confirm.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from lookup.geocode.fuzzy import rank_streets
from lookup.geocode.local import AddressIndex, AddressPoint
from lookup.geocode.normalize import (
    ParsedAddress,
    StreetParts,
    canonical_street,
    street_parts,
    street_without_type,
)
from lookup.geocode.pub28 import STREET_SUFFIXES
from lookup.geocode.resolve import representative

STREET_ONLY_SCORE = 0.5  # a street without number: where on it is the caller?
SAME_PLACE_M = 250.0  # rows of one address farther apart than this are different places


@dataclass(frozen=True, slots=True)
class Found:
    """The rows one reading leads to.

    ``confirm`` empty: every row agrees with all the caller said; ``confirm`` set (the
    reason: ``street_type_mismatch``, ``locality_mismatch``): the rows contradict the
    caller and are only candidates to confirm, never an answer on their own.
    """

    rows: tuple[AddressPoint, ...]
    score: float = 0.0
    notes: tuple[str, ...] = ()
    confirm: str = ""


NOTHING = Found(())


def find(index: AddressIndex, parsed: ParsedAddress) -> Found:
    """``find_in`` the counties the caller's town or ZIP names first (a statewide table:
    the key in 40 counties is the one in the caller's), then in the whole table when that
    finds no row that agrees, or finds it only at a later stage than the whole table
    would (a fuzzy or assumed match nearby must not hide the exact key elsewhere, say on
    a row without town or ZIP): narrowing never loses an answer."""
    local = index.within(parsed.city, parsed.zip)
    if local is not None:
        found = find_in(local, parsed)
        if (
            found.rows
            and not found.confirm
            and (
                (found.score >= 1.0 and not found.notes)
                or _stage(local, parsed) <= _stage(index, parsed)
            )
        ):
            return found
    return find_in(index, parsed)


def _stage(index: AddressIndex, parsed: ParsedAddress) -> int:
    """The first stage of ``find_in`` that has rows in ``index``: 0 the key, 1 its type
    read as a name, 2 the key without its type, 3 the fuzzy match or the street."""
    if not parsed.number:
        return 3
    if index.rows_for(parsed.street):
        return 0
    named = type_as_name(parsed.street)
    if named and index.rows_by_alt_key(named):
        return 1
    return 2 if index.rows_without_type(parsed.street) else 3


def find_in(index: AddressIndex, parsed: ParsedAddress) -> Found:
    """Exactly on the key, then without the street type, then fuzzily on the street name
    among the streets with that house number; a reading without number: the street."""
    if not parsed.number:
        return street(index, parsed)
    rows = index.rows_for(parsed.street)
    if rows:
        return _agreeing(index, rows, parsed, 1.0, ())
    named = type_as_name(parsed.street)
    rows = index.rows_by_alt_key(named) if named else []
    if rows:
        # "3756 Garden Hollow": Hollow is the name's last word, the type was left out.
        return _agreeing(index, rows, parsed, 0.9, ("street_type_assumed",))
    rows = index.rows_without_type(parsed.street)
    if rows and street_without_type(parsed.street) != parsed.street:
        # "3rd Ave" given, only "3rd St" exists: a different street until confirmed.
        return Found(tuple(rows), confirm="street_type_mismatch")
    if rows:
        return _agreeing(index, rows, parsed, 0.9, ("street_type_assumed",))
    return _fuzzy(index, parsed)


def type_as_name(key: str) -> str:
    """The key with its street type read back as a word of the name (``9432 MONROE XING``
    -> ``9432 MONROE CROSSING``), or ``""`` when it does not end on a type."""
    words = key.split()
    if len(words) >= 3 and words[-1] in STREET_SUFFIXES and words[-1] != "HWY":
        return " ".join([*words[:-1], STREET_SUFFIXES[words[-1]][0]])
    return ""


def find_first(index: AddressIndex, options: list[ParsedAddress]) -> tuple[ParsedAddress, Found]:
    """The first reading whose rows agree with it; else the first with rows to confirm
    (a misreading such as town "POINTE" in "434 Cottonwood Pointe, Huntersville" must not
    hide the reading that fits); else the first reading, with nothing."""
    confirm: tuple[ParsedAddress, Found] | None = None
    for parsed in options:
        found = find(index, parsed)
        if found.rows and not found.confirm:
            return parsed, found
        if found.rows and confirm is None:
            confirm = (parsed, found)
    return confirm or (options[0], NOTHING)


def in_locality(
    index: AddressIndex, rows: list[AddressPoint], parsed: ParsedAddress
) -> list[AddressPoint]:
    """Rows the caller's ZIP and city allow. A row lacking the field is not contradicted
    by it, unless the same building's other rows (same address, within 250 m) all hold
    another value: a second source's row without a ZIP is still that building.

    A town is the row's postal city or municipality; failing both, any town the table
    lists with the row's ZIP: Mint Hill's addresses have a Charlotte postal city in ZIP
    28227, and a table may list only one of the two."""
    zip_code, city = parsed.zip, parsed.city
    if all(r.zip == zip_code or not zip_code for r in rows) and all(
        not city or city == r.city or city == r.municipality for r in rows
    ):
        return rows  # the common case: every row says what the caller said
    if zip_code:
        rows = _allowed(rows, lambda r: None if not r.zip else r.zip == zip_code)
    if city:

        def same_town(r: AddressPoint) -> bool | None:
            if not (r.city or r.municipality):
                return None
            return city in (r.city, r.municipality)

        def zip_town(r: AddressPoint) -> bool | None:
            if same_town(r) is None:
                return None
            return city in index.towns_of_zip(r.zip or parsed.zip)

        rows = _allowed(rows, same_town) or _allowed(rows, zip_town)
    return rows


def _allowed(
    rows: list[AddressPoint], agrees: Callable[[AddressPoint], bool | None]
) -> list[AddressPoint]:
    verdicts = [agrees(r) for r in rows]
    if False not in verdicts or None not in verdicts:
        return [r for r, v in zip(rows, verdicts, strict=True) if v is not False]
    out = []
    for r, v in zip(rows, verdicts, strict=True):
        if v is None:
            near = [
                w
                for s, w in zip(rows, verdicts, strict=True)
                if w is not None and metres(r, s) <= SAME_PLACE_M
            ]
            v = not near or any(near)
        if v:
            out.append(r)
    return out


def _agreeing(
    index: AddressIndex,
    rows: list[AddressPoint],
    parsed: ParsedAddress,
    score: float,
    notes: tuple[str, ...],
) -> Found:
    narrowed = in_locality(index, rows, parsed)
    if not narrowed:
        # The ZIP or the city rules out every row: maybe a slip, maybe another town.
        return Found(tuple(rows), confirm="locality_mismatch")
    if parsed.unit:
        # The unit the caller gave narrows the building to it; one not on file does not
        # stop the answer (the building's precinct is the unit's), it is noted.
        unit = [r for r in narrowed if r.unit == parsed.unit]
        if unit:
            narrowed = unit
        else:
            notes = (*notes, "unit_not_found")
    return Found(tuple(narrowed), score, notes)


def _fuzzy(index: AddressIndex, parsed: ParsedAddress) -> Found:
    number, _, rest = parsed.street.partition(" ")
    # A street name that exists is no typo: "100 Oak St" must not become "100 Oaks St"
    # because Oak St has no number 100. Only missing parts may then be filled in.
    spelled_right = index.has_street_name(street_parts(rest).name)
    rows: list[AddressPoint] = []
    score = 1.0
    notes: tuple[str, ...] = ()
    for m in rank_streets(rest, index.streets_at(number)):
        if spelled_right and "spelling_corrected" in m.notes:
            continue
        found = in_locality(index, index.rows_for(f"{number} {m.street}"), parsed)
        if found:
            rows += found
            score = min(score, m.score)
            notes = tuple(dict.fromkeys((*notes, *m.notes)))
    if not rows:
        return NOTHING
    return _agreeing(index, rows, parsed, score, notes)


def street(index: AddressIndex, parsed: ParsedAddress) -> Found:
    """Every point of the street a caller named without a house number, in the caller's
    town or ZIP. Parts the caller gave must agree; parts left out may be filled in."""
    names = [parsed.street] if index.street_rows(parsed.street) else []
    notes: tuple[str, ...] = ("street_only",)
    if not names:
        asked = street_parts(parsed.street)
        names = [s for s in index.streets_named(asked.name) if _fills(asked, street_parts(s))]
    rows = [r for s in names for r in index.street_rows(s)]
    rows = in_locality(index, rows, parsed)
    if not rows:
        return NOTHING
    return Found(tuple(rows), STREET_ONLY_SCORE, notes)


def _fills(asked: StreetParts, found: StreetParts) -> bool:
    """``found`` has every part ``asked`` gave (directional, type); others may be added."""
    if asked.directions and asked.directions != found.directions:
        return False
    return not asked.type or asked.type == found.type


def point_of(index: AddressIndex, line: str, city: str, zip_code: str) -> AddressPoint | None:
    """The point of a published street address (a polling place without coordinates),
    or ``None`` unless the address points agree on one place for it. No precinct is
    known yet when the refresh asks, so "one place" is: all rows within 250 m."""
    key = canonical_street(line)
    number = key.partition(" ")[0]
    if not number[:1].isdigit():
        return None
    found = find(index, ParsedAddress(street=key, number=number, city=city, zip=zip_code))
    if not found.rows or found.confirm:
        return None
    point = representative(list(found.rows))
    if any(metres(point, r) > SAME_PLACE_M for r in found.rows):
        return None
    return point


def metres(a: AddressPoint, b: AddressPoint) -> float:
    """Distance on the ground between two points of one county (equirectangular)."""
    dx = (a.lon - b.lon) * math.cos(math.radians((a.lat + b.lat) / 2)) * 111_195.0
    return math.hypot(dx, (a.lat - b.lat) * 111_195.0)
