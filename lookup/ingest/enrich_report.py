"""What completing the BOE's places did, in the refresh report's words: counts, one line
per kind of change with the files it came from, and short warnings for what staff should
check (names still cut, places still without coordinates, placeholder names) — counts
and the first few places, never a line per place."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from lookup.geocode.place_merge import POLLING_PLACE
from lookup.ingest.boe_places import Noted

FIRST = 5  # places named in a warning before "(+N more)"


def _primary(notes: Iterable[Noted], day: date) -> list[Noted]:
    return [n for n in notes if n.day == day]


def counts(notes: Iterable[Noted], day: date) -> dict[str, int]:
    """The figures of the election of ``day`` (polling places and sites together)."""
    mine = _primary(notes, day)
    return {
        "names_completed": sum(n.finding.completed for n in mine),
        "names_still_cut": sum(not n.finding.name_complete for n in mine),
        "placeholder_names": sum(not n.finding.name_plausible for n in mine),
        "coordinates_added": sum(bool(n.finding.latlng_source) for n in mine),
        "places_without_coordinates": sum(_unplaced(n) for n in mine),
    }


def _unplaced(n: Noted) -> bool:
    return n.finding.point is None and n.finding.target.lon is None


def summary(notes: Iterable[Noted], day: date) -> list[str]:
    """``names completed: 52 (pp1.kml 40, ...)`` and ``coordinates added: ...``."""
    mine = _primary(notes, day)
    names = Counter(n.finding.name_source for n in mine if n.finding.completed)
    points = Counter(n.finding.latlng_source for n in mine if n.finding.latlng_source)
    return [
        f"names completed: {sum(names.values())}{_by_file(names)}",
        f"coordinates added: {sum(points.values())}{_by_file(points)}",
    ]


def _by_file(c: Counter[str]) -> str:
    return f" ({', '.join(f'{k} {v}' for k, v in c.most_common())})" if c else ""


def _label(n: Noted) -> str:
    kind = "" if n.kind == POLLING_PLACE else " early-voting site"
    return f"{n.where}{kind} {n.finding.name!r}"


def _sample(items: list[str]) -> str:
    more = f" (+{len(items) - FIRST} more)" if len(items) > FIRST else ""
    return "; ".join(items[:FIRST]) + more


def warnings(notes: Iterable[Noted], day: date) -> list[str]:
    """What staff should look at, for the election of ``day``."""
    mine = _primary(notes, day)
    out = []
    cut = [n for n in mine if not n.finding.name_complete and not n.finding.conflicting]
    if cut:
        out.append(
            f"{len(cut)} names may still be cut short (the file's 30 characters; no source "
            f"at the address gives a name that begins with them): {_sample([_why(n) for n in cut])}"
        )
    torn = [n for n in mine if n.finding.conflicting]
    if torn:
        shown = [
            f"{_label(n)}: "
            + " / ".join(f"{name!r} ({src})" for name, src in n.finding.conflicting)
            for n in torn
        ]
        out.append(
            f"{len(torn)} cut names kept as published: the sources give different full "
            f"names: {_sample(shown)}"
        )
    unplaced = [n for n in mine if _unplaced(n)]
    if unplaced:
        shown = [
            f"{_label(n)} at {n.finding.target.address.line1 or '(no address)'}" for n in unplaced
        ]
        out.append(
            f"{len(unplaced)} polling places or early-voting sites still without coordinates "
            "(no source and no address point at their address; answers give the address "
            f"without distance or map: add an address table or a place source): {_sample(shown)}"
        )
    placeholders = [n for n in mine if not n.finding.name_plausible]
    out += [_placeholder(n) for n in placeholders[:FIRST]]
    if len(placeholders) > FIRST:
        out.append(f"(+{len(placeholders) - FIRST} more places named by a placeholder)")
    return out


def _why(n: Noted) -> str:
    f = n.finding
    at = f.target.address.line1
    if not f.records:
        return f"{_label(n)} ({at}: no source there)"
    others = ", ".join(f"{name!r} in {src}" for name, src in f.other_names[:2])
    return f"{_label(n)} ({at}: {others or 'only cut names there'})"


def _placeholder(n: Noted) -> str:
    """``MECKLENBURG 049: polling place named 'Q' at 3701 HAVEN DR (was PARK ROAD
    MONTESSORI SCHOOL in polling_place_20181106.csv)``."""
    f = n.finding
    kind = "polling place" if n.kind == POLLING_PLACE else "early-voting site"
    was = f" (was {f.earlier[0]} in {f.earlier[1]})" if f.earlier else ""
    return (
        f"{n.where}: {kind} named {f.name!r} at {f.target.address.line1 or '(no address)'}"
        f"{was}: shown as the {kind} at its address"
    )
