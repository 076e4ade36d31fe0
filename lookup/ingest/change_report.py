"""What a new dataset version changes against the live one: the report county staff read
before an election, and the source of the "your polling place changed" notice. It also
says what the refresh completed from other sources (``enrich``): names the BOE cut, and
coordinates it did not give, with how far each point is from the live version's."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, time
from typing import TYPE_CHECKING

import shapely

from lookup.dataset.model import Dataset
from lookup.domain.changes import Change
from lookup.domain.models import DaySchedule, EarlyVotingSite, PollingPlace
from lookup.geocode.normalize import canonical_street

if TYPE_CHECKING:
    from lookup.changes.check import Rechecked
    from lookup.reports.recheck import FrontLine

# Share of a precinct's area that must differ for it to count as reshaped. Below it the
# same lines were drawn by another source map (the NCSBE statewide layer against the
# county's: 0.1-0.4 % on real Mecklenburg files): reported as one line, not drawn.
RESHAPE_TOLERANCE = 0.01
SAME_SHAPE = 1e-6  # below this the two polygons are the same (floating-point noise)


@dataclass(frozen=True)
class PlaceChange:
    county: str
    precinct: str
    kind: str  # moved (another building), renamed, corrected (same building: ZIP), added, dropped
    before: PollingPlace | None
    after: PollingPlace | None


@dataclass
class Changes:
    old_version: str
    new_version: str
    old_election: date | None
    new_election: date
    precincts_added: list[str] = field(default_factory=list)
    precincts_removed: list[str] = field(default_factory=list)
    precincts_reshaped: list[tuple[str, float]] = field(default_factory=list)
    places: list[PlaceChange] = field(default_factory=list)
    sites_added: list[str] = field(default_factory=list)
    sites_removed: list[str] = field(default_factory=list)
    # "COUNTY: OLD -> NEW at ADDRESS": the same building under another name.
    sites_renamed: list[str] = field(default_factory=list)
    # "COUNTY: NAME: OLD ADDRESS -> NEW ADDRESS" ("no address (TBD)" when it had none).
    sites_readdressed: list[str] = field(default_factory=list)
    # ("COUNTY: NAME", ["2020-10-17 (Sat): 8:00AM - 7:30PM -> 8:00AM - 3:00PM", ...]).
    sites_rehoured: list[tuple[str, list[str]]] = field(default_factory=list)
    # Precincts whose area differs by under RESHAPE_TOLERANCE: another map, not a change.
    precincts_redrawn: int = 0
    # Completed from other sources, one row per building (see ``_completed``).
    names_completed: list[str] = field(default_factory=list)
    coordinates_added: list[str] = field(default_factory=list)
    names_still_cut: list[str] = field(default_factory=list)
    without_coordinates: list[str] = field(default_factory=list)
    # The open reports from the front line answered by the new version (None: no store).
    front_line: FrontLine | None = None
    # The changes on the day still open, re-checked against the new version (None: none).
    open_changes: list[Rechecked] | None = None

    def moved(self) -> list[PlaceChange]:
        return [c for c in self.places if c.kind == "moved"]

    def summary(self) -> list[str]:
        """A few lines for the terminal."""
        against = f"against {self.old_version} ({_day(self.old_election)})"
        counts = {
            "polling places moved": len(self.moved()),
            "polling places renamed": sum(c.kind == "renamed" for c in self.places),
            "polling place addresses corrected": sum(c.kind == "corrected" for c in self.places),
            "polling places given their address": sum(c.kind == "located" for c in self.places),
            "polling places added": sum(c.kind == "added" for c in self.places),
            "polling places dropped": sum(c.kind == "dropped" for c in self.places),
            "precincts added": len(self.precincts_added),
            "precincts removed": len(self.precincts_removed),
            "precincts reshaped": len(self.precincts_reshaped),
            "early-voting sites added": len(self.sites_added),
            "early-voting sites removed": len(self.sites_removed),
            "early-voting sites renamed": len(self.sites_renamed),
            "early-voting sites with a new address": len(self.sites_readdressed),
            "early-voting sites with new hours": len(self.sites_rehoured),
            "names completed from other sources": len(self.names_completed),
            "places given coordinates from other sources": len(self.coordinates_added),
        }
        out = [f"changes {against}: " + ", ".join(f"{v} {k}" for k, v in counts.items())]
        if self.open_changes:
            gone = sum(bool(r.problem) for r in self.open_changes)
            out.append(
                f"changes on the day still open, kept: {len(self.open_changes)} "
                f"({gone} no longer apply to this version: see changes.md)"
            )
        return out + ([self.front_line.summary()] if self.front_line else [])

    def markdown(self) -> str:
        out = [
            f"# Changes in {self.new_version} ({_day(self.new_election)})",
            "",
            f"Against the live version {self.old_version} ({_day(self.old_election)}).",
            "",
        ]
        for kind, title in (
            ("moved", "Polling places moved"),
            ("renamed", "Polling places renamed (same address)"),
            ("corrected", "Polling place addresses corrected (same building)"),
            ("located", "Polling places given their address (none before)"),
        ):
            rows = [
                f"| {c.county} {c.precinct} | {_place(c.before)} | {_place(c.after)} |"
                for c in self.places
                if c.kind == kind
            ]
            out += _section(title, rows, "| precinct | before | after |\n|---|---|---|")
        out += _section(
            "Polling places added or dropped",
            [
                f"| {c.county} {c.precinct} | {c.kind} | {_place(c.before or c.after)} |"
                for c in self.places
                if c.kind in ("added", "dropped")
            ],
            "| precinct | change | place |\n|---|---|---|",
        )
        out += _section("Precincts added", [f"- {p}" for p in self.precincts_added])
        out += _section("Precincts removed", [f"- {p}" for p in self.precincts_removed])
        out += _section(
            f"Precincts reshaped (more than {RESHAPE_TOLERANCE * 100:g} % of the area)",
            [f"- {p}: {share:.1%} of the area changed" for p, share in self.precincts_reshaped],
        )
        if self.precincts_redrawn:
            out += [
                f"{self.precincts_redrawn} precincts differ by under {RESHAPE_TOLERANCE * 100:g} % "
                "of their area: a different source map, not a change.",
                "",
            ]
        out += _section("Early-voting sites added", [f"- {s}" for s in self.sites_added])
        out += _section("Early-voting sites removed", [f"- {s}" for s in self.sites_removed])
        out += _section(
            "Early-voting sites renamed (same address)", [f"- {s}" for s in self.sites_renamed]
        )
        out += _section(
            "Early-voting sites with a new address", [f"- {s}" for s in self.sites_readdressed]
        )
        out += _section(
            "Early-voting sites with new hours",
            [
                f"- {site}:\n" + "\n".join(f"  - {d}" for d in days)
                for site, days in self.sites_rehoured
            ],
        )
        out += _section(
            "Names completed from other sources (the BOE's was cut)",
            self.names_completed,
            "| place | as published | completed | from |\n|---|---|---|---|",
        )
        out += _section(
            "Coordinates from other sources (the BOE's file has none)",
            self.coordinates_added,
            "| place | from | from the live version's point |\n|---|---|---|",
        )
        out += _section("Names still cut short", [f"- {s}" for s in self.names_still_cut])
        out += _section("Places without coordinates", [f"- {s}" for s in self.without_coordinates])
        if self.front_line is not None:
            out += _front_line(self.front_line)
        if self.open_changes is not None:
            out += _open_changes(self.open_changes)
        return "\n".join(out) + "\n"


def _front_line(front: FrontLine) -> list[str]:
    """The open reports whose answer the new version changes: the report's id (staff see
    its address on ``/admin/reports``; this file, in the data folder, shows none)."""
    rows = [_row(r.id, r.reason, r.then.line(), r.now.line()) for r in front.changed]
    header = "| report | reason | answered when filed | answered now |\n|---|---|---|---|"
    out = _section("Reports from the front line", rows, header)
    return [
        *out,
        f"Open reports that this version answers differently: {len(rows)}; "
        f"answered as before: {front.unchanged}.",
        "",
    ]


def _open_changes(rows: list[Rechecked]) -> list[str]:
    """The changes on the day whose window is not over: kept by the refresh (they live
    beside the versions), and whether this version still has what each one names."""
    cells = [
        _row(
            r.change.id,
            r.change.kind,
            _target(r.change),
            f"{r.change.to_json()['from']} - {r.change.to_json()['to']}",
            f"no longer applies: {r.problem}" if r.problem else "applies",
        )
        for r in rows
    ]
    header = "| change | kind | names | window | in this version |\n|---|---|---|---|---|"
    return _section("Changes on the day still open (kept)", cells, header)


def _target(c: Change) -> str:
    county = f"{c.county} " if c.county else ""
    if c.site_id:
        return f"{county}site {c.site_id}"
    if c.precincts is None:
        return f"{county}every precinct".strip()
    return f"{county}precinct {', '.join(c.precincts)}"


def _day(d: date | None) -> str:
    return d.isoformat() if d else "no election"


def _place(p: PollingPlace | None) -> str:
    if p is None:
        return "-"
    return f"{p.name}, {p.address.one_line()}".replace("|", "/")


def _section(title: str, rows: list[str], header: str = "") -> list[str]:
    if not rows:
        return [f"## {title}", "", "None.", ""]
    return [f"## {title} ({len(rows)})", "", *([header] if header else []), *rows, ""]


def compare_election(old: Dataset, new_day: date) -> date | None:
    """The old version's election to compare with: the same one, else the last before."""
    days = [e.day for e in old.elections if e.day <= new_day]
    return max(days) if days else None


def diff(old: Dataset, new: Dataset, new_day: date) -> Changes:
    old_day = compare_election(old, new_day)
    ch = Changes(old.version, new.version, old_day, new_day)
    old_idx = {p.key: i for i, p in enumerate(old.precincts)}
    new_idx = {p.key: i for i, p in enumerate(new.precincts)}
    ch.precincts_added = sorted(f"{c} {p}" for c, p in new_idx.keys() - old_idx.keys())
    ch.precincts_removed = sorted(f"{c} {p}" for c, p in old_idx.keys() - new_idx.keys())
    for key in sorted(old_idx.keys() & new_idx.keys()):
        a, b = old.geoms[old_idx[key]], new.geoms[new_idx[key]]
        changed = shapely.area(shapely.symmetric_difference(a, b)) / max(a.area, b.area)
        if changed > RESHAPE_TOLERANCE:
            ch.precincts_reshaped.append((f"{key[0]} {key[1]}", float(changed)))
        elif changed > SAME_SHAPE:
            ch.precincts_redrawn += 1

    before = old.polling.get(old_day, {}) if old_day else {}
    after = new.polling.get(new_day, {})
    for key in sorted(before.keys() | after.keys()):
        b, a = before.get(key), after.get(key)
        kind = _place_change(b, a)
        if kind:
            ch.places.append(PlaceChange(key[0], key[1], kind, b, a))

    old_sites = list(old.early_voting.get(old_day, ())) if old_day else []
    _site_changes(ch, old_sites, list(new.early_voting.get(new_day, ())), old_day, new_day)
    _completed(ch, old, new, new_day)
    return ch


Place = PollingPlace | EarlyVotingSite


def _boe_name(s: Place) -> str:
    """The BOE's own name: one completed from another source is no rename."""
    return s.published_name or s.name


def _building(s: EarlyVotingSite) -> tuple[str, str, str] | None:
    """(county, street line, town) of a site; None while its address is not known (TBD)."""
    if not s.address.line1:
        return None
    return (s.county, canonical_street(s.address.line1), s.address.city.upper())


def _site_changes(
    ch: Changes,
    old: list[EarlyVotingSite],
    new: list[EarlyVotingSite],
    old_day: date | None,
    new_day: date,
) -> None:
    """Sites are paired by name, then the unpaired by building (a rename at the same
    address); a pair reports its new address and the days whose hours changed."""
    old_by = {(s.county, _boe_name(s)): s for s in old}
    new_by = {(s.county, _boe_name(s)): s for s in new}
    pairs = [(old_by[k], new_by[k]) for k in sorted(old_by.keys() & new_by.keys())]
    gone = {k: s for k, s in old_by.items() if k not in new_by}
    came = {k: s for k, s in new_by.items() if k not in old_by}
    at = {_building(s): k for k, s in gone.items() if _building(s)}
    for k, s in sorted(came.items()):
        was = at.pop(_building(s), None)
        if was is not None:
            b = gone.pop(was)
            del came[k]
            pairs.append((b, s))
            ch.sites_renamed.append(f"{s.county}: {b.name} -> {s.name} at {_where(s)}")
    ch.sites_added = sorted(f"{c}: {n}" for c, n in came)
    ch.sites_removed = sorted(f"{c}: {n}" for c, n in gone)
    for b, a in sorted(pairs, key=lambda p: (p[1].county, p[1].name)):
        if (b.address.line1, b.address.city) != (a.address.line1, a.address.city):
            ch.sites_readdressed.append(f"{a.county}: {a.name}: {_where(b)} -> {_where(a)}")
        days = _hours_changed(b, a, old_day or new_day, new_day)
        if days:
            ch.sites_rehoured.append((f"{a.county}: {a.name}", days))


def _where(s: EarlyVotingSite) -> str:
    return s.address.one_line() if s.address.line1 else "no address (TBD)"


def _hours_changed(
    before: EarlyVotingSite, after: EarlyVotingSite, old_day: date, new_day: date
) -> list[str]:
    """``2020-10-17 (Sat): 8:00AM - 7:30PM -> 8:00AM - 3:00PM`` per day that changed.
    Days of two elections are paired by how long before Election Day they are (both
    Tuesdays: the same weekday), and say the earlier election's date."""
    was = {(old_day - d.day).days: d for d in before.schedule}
    now = {(new_day - d.day).days: d for d in after.schedule}
    out = []
    for ahead in sorted(was.keys() | now.keys(), reverse=True):
        b, a = was.get(ahead), now.get(ahead)
        if b is not None and a is not None and b.hours == a.hours:
            continue
        shown = a or b
        assert shown is not None
        when = f"{shown.day.isoformat()} ({shown.day:%a})"
        if old_day != new_day and a is not None and b is not None:
            when += f" (was {b.day.isoformat()})"
        out.append(f"{when}: {_hours(b)} -> {_hours(a)}")
    return out


def _hours(d: DaySchedule | None) -> str:
    if d is None:
        return "not open"
    if d.closed:
        return "closed"
    return ", ".join(f"{_clock(h.start)} - {_clock(h.end)}" for h in d.hours)


def _clock(t: time) -> str:
    return f"{t.hour % 12 or 12}:{t.minute:02d}{'AM' if t.hour < 12 else 'PM'}"


def _buildings(ds: Dataset, day: date) -> list[tuple[str, str, Place]]:
    """(county, label, place) per building of the election: a polling place once, with
    the precincts it serves ("MECKLENBURG 049/050"), a site with its county."""
    served: dict[tuple[str, str], tuple[list[str], PollingPlace]] = {}
    for (county, pid), p in sorted(ds.polling.get(day, {}).items()):
        served.setdefault((county, p.id), ([], p))[0].append(pid)
    out: list[tuple[str, str, Place]] = [
        (county, f"{county} {'/'.join(pids)}", p) for (county, _id), (pids, p) in served.items()
    ]
    out += [(s.county, f"{s.county} early-voting site", s) for s in ds.early_voting.get(day, ())]
    return out


def _live_points(old: Dataset) -> dict[tuple[str, str, str], tuple[float, float]]:
    """(county, street line, city) -> (lon, lat) of every place of the live version."""
    points: dict[tuple[str, str, str], tuple[float, float]] = {}
    for m in old.polling.values():
        for (county, _pid), p in m.items():
            if p.lon is not None and p.lat is not None:
                points.setdefault((county, p.address.line1, p.address.city), (p.lon, p.lat))
    for sites in old.early_voting.values():
        for s in sites:
            if s.lon is not None and s.lat is not None:
                points.setdefault((s.county, s.address.line1, s.address.city), (s.lon, s.lat))
    return points


def _completed(ch: Changes, old: Dataset, new: Dataset, day: date) -> None:
    """What the refresh completed from other sources for the election of ``day``."""
    live = _live_points(old)
    for county, label, p in _buildings(new, day):
        what = f"{label} {p.name!r}".replace("|", "/")
        if p.name_source:
            ch.names_completed.append(
                _row(label, repr(p.published_name), repr(p.name), p.name_source)
            )
        elif not p.name_complete:
            ch.names_still_cut.append(f"{what} at {p.address.line1}")
        if p.lon is None or p.lat is None:
            ch.without_coordinates.append(f"{what} at {p.address.line1 or '(no address)'}")
        elif p.latlng_source not in ("", "boe_file"):
            before = live.get((county, p.address.line1, p.address.city))
            moved = f"{_metres(before, (p.lon, p.lat)):,.0f} m" if before else "none before"
            ch.coordinates_added.append(_row(what, p.latlng_source, moved))


def _row(*cells: str) -> str:
    return "| " + " | ".join(c.replace("|", "/") for c in cells) + " |"


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2
    h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000.0 * math.asin(math.sqrt(h))


def _place_change(before: PollingPlace | None, after: PollingPlace | None) -> str:
    if before is None and after is None:
        return ""
    if before is None:
        return "added"
    if after is None:
        return "dropped"
    # The building is the street address in its town, however spelt (E BLVD, EAST BLVD);
    # a ZIP fixed on the same building (McKee Road Elementary, 28226 -> 28270 between
    # 2018 and 2020) is no move, and an address given where there was none is no move.
    was, now = _street(before), _street(after)
    if was is None and now is not None:
        return "located"
    if was != now:
        return "moved"
    # The BOE's own names: a name completed from another source is no rename.
    if (before.published_name or before.name) != (after.published_name or after.name):
        return "renamed"
    return "corrected" if before.address != after.address else ""


def _street(p: PollingPlace) -> tuple[str, str] | None:
    """(street line, town) of a polling place as one building; None while it has none."""
    a = p.address
    return (canonical_street(a.line1), a.city.upper()) if a.line1.strip() else None
