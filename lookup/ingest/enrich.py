"""What other sources say about the BOE's polling places and early-voting sites: the full
name where the BOE's is cut, coordinates where it gives none. Pure: records in, findings
out (the refresh reads the files and applies the findings, ``assemble``).

**The same building.** A record is the BOE place's building when it is in the same county
at the same street address — ``canonical_street`` on both sides, a unit dropped — or,
failing one spelling, the same house number and street with a directional or ``EXT``
only one side writes (NCSBE's files drop them: ``727 TRADE ST`` is ``pp1.kml``'s
``727 W TRADE ST``), when that leads to one address only; and its town agrees: the same
ZIP, else the same city, a side without either not counting against it. A record of the
place's own list (the same file and election) is no evidence about it.

**Names** (``place_names.completes``): a cut name takes the one full name the records
give that begins with it (spellings of one name, ``BLDG`` and ``BUILDING``, are one:
``place_words``); several different full names leave the BOE's, to be checked.
**Coordinates**: a place with its own keeps them; else the best record's point, else the
address points' (``geocode``). Best: the same spelling of the address, the same kind of
list (a polling place from a polling-place list), the most recent election, an election
list before a facility layer, then the order the sources were given.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from lookup.domain.models import Address
from lookup.geocode.normalize import canonical_street, split_unit
from lookup.geocode.place_merge import EARLY_VOTING_SITE, POLLING_PLACE, PlaceRecord
from lookup.geocode.place_words import words_of
from lookup.geocode.pub28 import DIRECTIONAL_OF
from lookup.ingest.place_names import compare_form, completes, is_plausible, styled

Geocode = Callable[[Address], tuple[float, float] | None]  # (lon, lat) from address points
ADDRESS_POINTS = "address_points"
_OPTIONAL = frozenset(DIRECTIONAL_OF.values()) | {"EXT"}  # words NCSBE's files drop
_ELECTION_KINDS = frozenset({POLLING_PLACE, EARLY_VOTING_SITE})


@dataclass(frozen=True, slots=True)
class Finding:
    """What the records say about one BOE place (``target``)."""

    target: PlaceRecord
    name: str  # the name to show: the BOE's, or its full form
    name_source: str = ""  # the file the full name came from; "" = the BOE's own
    name_complete: bool = True  # False: cut, and no record completed or confirmed it
    name_plausible: bool = True
    point: tuple[float, float] | None = None  # (lon, lat) given here, when the BOE had none
    latlng_source: str = ""  # the file of ``point``, or ``address_points``
    records: int = 0  # records of the same building (0: no source knows the address)
    conflicting: tuple[tuple[str, str], ...] = ()  # (full name, file) when they disagree
    other_names: tuple[tuple[str, str], ...] = ()  # (name, file) not beginning with it
    earlier: tuple[str, str] | None = None  # (name, file) at the address, for a placeholder

    @property
    def completed(self) -> bool:
        return bool(self.name_source)


def street_key(address: Address) -> str:
    """``canonical_street`` without a unit: ``1000 ANDERSON ST # C`` -> ``1000 ANDERSON ST``."""
    return split_unit(canonical_street(address.line1))[0] if address.line1.strip() else ""


def _loose(key: str) -> tuple[str, str, Counter[str]] | None:
    """(house number, the other words, the directionals and EXT) of a numbered key."""
    words = key.split()
    if len(words) < 2 or not words[0][:1].isdigit():
        return None
    rest = words[1:]
    core = " ".join(w for w in rest if w not in _OPTIONAL)
    return words[0], core, Counter(w for w in rest if w in _OPTIONAL)


def same_town(a: Address, b: Address) -> bool:
    """The same ZIP, or the same city (a ZIP fixed on one building keeps its town, and a
    Mint Hill place has a Charlotte postal city but the same ZIP); a side missing a field
    is not contradicted by it."""
    za, zb = a.zip.strip()[:5], b.zip.strip()[:5]
    ca, cb = a.city.strip().upper(), b.city.strip().upper()
    if (za and za == zb) or (ca and ca == cb):
        return True
    return not (za and zb) and not (ca and cb)


_Entry = tuple[int, PlaceRecord, Counter[str]]  # (order given, record, its directionals)


class Sources:
    """The records of every source, indexed by county and address."""

    def __init__(self, records: Iterable[PlaceRecord]) -> None:
        self._exact: dict[tuple[str, str], list[_Entry]] = {}
        self._loose: dict[tuple[str, str, str], list[_Entry]] = {}
        for n, r in enumerate(records):
            key = street_key(r.address)
            if not key or not r.county:
                continue  # no address, or no county to hold it to: nothing to match on
            loose = _loose(key)
            entry = (n, r, loose[2] if loose else Counter())
            self._exact.setdefault((r.county, key), []).append(entry)
            if loose:
                self._loose.setdefault((r.county, loose[0], loose[1]), []).append(entry)

    def at(self, target: PlaceRecord) -> list[PlaceRecord]:
        """The records of ``target``'s building, best first (see the module's doc)."""
        key = street_key(target.address)
        if not key:
            return []

        def fits(entries: Iterable[_Entry]) -> list[_Entry]:
            return [
                e
                for e in entries
                if same_town(e[1].address, target.address) and not _own_list(e[1], target)
            ]

        exact = fits(self._exact.get((target.county, key), []))
        loose: list[_Entry] = []
        parts = _loose(key)
        if parts:
            number, core, mine = parts
            loose = fits(
                e
                for e in self._loose.get((target.county, number, core), [])
                if e[2] != mine and (e[2] <= mine or mine <= e[2])  # one side writes more
            )
            if len({street_key(e[1].address) for e in loose}) != 1:
                loose = []  # 727 E and 727 W TRADE ST both fit 727 TRADE ST: neither
        ranked = sorted(
            [(self._rank(e, 0, target), e[1]) for e in exact]
            + [(self._rank(e, 1, target), e[1]) for e in loose],
            key=lambda x: x[0],
        )
        return [r for _rank, r in ranked]

    @staticmethod
    def _rank(e: _Entry, loose: int, target: PlaceRecord) -> tuple[int, bool, bool, int, bool, int]:
        n, r, _dirs = e
        recent = -r.when.toordinal() if r.when else 0
        facility = r.kind not in _ELECTION_KINDS
        return (loose, r.kind != target.kind, r.when is None, recent, facility, n)


def _own_list(r: PlaceRecord, target: PlaceRecord) -> bool:
    return (r.source, r.when, r.kind) == (target.source, target.when, target.kind)


def find(target: PlaceRecord, sources: Sources, geocode: Geocode) -> Finding:
    """What ``sources`` (and the address points, through ``geocode``) say about one BOE
    place, ``target`` as its file has it (``cut`` when the file may have cut its name)."""
    records = sources.at(target)
    finding = _name(target, records)
    if target.lon is not None and target.lat is not None:
        return finding  # never moved: the BOE's own point stands
    placed = next((r for r in records if r.lon is not None and r.lat is not None), None)
    if placed is not None:
        point: tuple[float, float] | None = (placed.lon or 0.0, placed.lat or 0.0)
        return _with_point(finding, point, placed.source)
    point = geocode(target.address)
    return _with_point(finding, point, ADDRESS_POINTS) if point else finding


def _with_point(f: Finding, point: tuple[float, float] | None, source: str) -> Finding:
    return replace(f, point=point, latlng_source=source)


def _words(name: str) -> str:
    return " ".join(words_of(name))


def _name(target: PlaceRecord, records: list[PlaceRecord]) -> Finding:
    """The name rules: a placeholder is flagged (with the building's earlier name); a cut
    name takes the one full name that begins with it; anything else keeps the BOE's."""
    own = compare_form(target.name)
    if not is_plausible(target.name):
        earlier = next(((r.name, r.source) for r in records if is_plausible(r.name)), None)
        return Finding(
            target, target.name, name_plausible=False, records=len(records), earlier=earlier
        )
    whole = [r for r in records if not r.cut]  # a cut record completes nothing
    fuller = [r for r in whole if completes(target.name, r.name, target.cut)]
    same = [r for r in whole if compare_form(r.name) == own]
    # One name however spelled (BLDG and BUILDING, "..., INC."); the best record's spelling.
    forms = {_words(r.name) for r in fuller + (same if fuller else [])}
    if len(forms) > 1:  # sources disagree: the BOE's name stays, for staff to check
        named = {_words(r.name): (r.name, r.source) for r in reversed(fuller + same)}
        return Finding(
            target,
            target.name,
            name_complete=False,
            records=len(records),
            conflicting=tuple(sorted(named.values())),
        )
    if fuller:
        best = fuller[0]
        return Finding(
            target, styled(best.name, target.name), name_source=best.source, records=len(records)
        )
    others = tuple(dict.fromkeys((r.name, r.source) for r in whole if compare_form(r.name) != own))
    return Finding(
        target,
        target.name,
        name_complete=not target.cut or bool(same),
        records=len(records),
        other_names=others,
    )
