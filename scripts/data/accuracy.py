"""Geocoder accuracy, scored by precinct, on a county address file shaped like the world.

    .venv/bin/python -m scripts.data.accuracy [--shared ../shared/data/nc]
        [--background 700000] [--sample 1000] [--show N] [--json] [--keep DIR]

Why: the geocoder scored 99.7 % on a table it had in effect written itself, and failed
one address in eight on one assembled from real county layers. So this harness measures
what a new county would see:

1. The table (``accuracy_table``): the county's real facility layers
   (``mecklenburg/places``: schools, libraries, fire and police stations, hospitals,
   town halls) as a county file lists them: each layer's own spelling, the same
   building in several layers and re-spelled by a second source, several points a few
   to ~60 m apart, ZIP and city on some rows only, units on some; a few near-real
   highway and small-number addresses the layers lack; the near misses real tables have
   (in another precinct); all hidden in a synthetic background (``synthetic_addresses``).
2. Run as a new user would: the table is written as the generic county CSV
   (``address, city, state, zip, lat, lon``) to a temporary folder and published by the
   real refresh with the real precinct map, polling places and early-voting list of the
   2020 general election (and the six facility layers as ``places``, for the names
   callers use, where the refresh takes them); the published dataset is loaded
   (``lookup.dataset.codec``) and every query goes through
   ``lookup.geocode.chain.locate_address``.
   A refresh that refuses the table or crashes is reported, never worked around.
3. Scored by precinct, what a voter needs: the truth is the precinct holding the
   building's point (point-in-polygon on the real map, independent of the service).
   ``right``, ``wrong_precinct``, ``ambiguous_by_precinct`` (candidates in 2+ precincts;
   ``_right_missing`` when the right one is not among them), ``ambiguous_same_precinct``
   (every candidate in one precinct: the bug this harness was written for), ``incomplete``,
   ``not_found``, other error codes. Street-only queries and facility names have lines
   of their own; the headline is over the address kinds.
4. A stress test for wrong matches: the classic variants of synthetic addresses, whose
   names come from shared word lists.

Exit 1 when a target is missed: on the address kinds right >= 98 %, wrong precinct
<= 0.5 %, no ambiguity within one precinct; street-only and facility-name queries
answered as specified >= 98 %; wrong precinct <= 0.5 % in the stress test. Exit 2 without
the real files. Nothing is written to the repository: the real files are read in place,
the table and the dataset live in a temporary folder (``--keep DIR`` keeps them).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from lookup.dataset.codec import load_dataset
from lookup.dataset.model import Dataset
from lookup.dataset.publish import current_target
from lookup.errors import AddressAmbiguous, AddressIncomplete, ServiceError
from lookup.geocode.chain import locate_address
from lookup.ingest.refresh import RefreshRequest, refresh
from scripts.data.accuracy_table import (
    LAYERS,
    UNIT_AT_END,
    Building,
    Listing,
    Parts,
    PrecinctMap,
    Table,
    build,
    highway_spellings,
    parse_line,
    words,
    write_csv,
)
from scripts.harness import REPO

DEFAULT_SHARED = REPO.parent / "shared" / "data" / "nc"
RIGHT_TARGET, WRONG_TARGET = 0.98, 0.005
STREET_ONLY_TARGET = PLACE_TARGET = 0.98
SAME_POINT_M = 1.0
ELECTION = date(2020, 11, 3)
REFRESH_AT = datetime(2020, 9, 1, tzinfo=UTC)

CLASSIC_KINDS = (
    "as_listed",
    "lower_case",
    "long_forms",
    "short_forms",
    "no_city",
    "added_unit",
    "one_letter_typo",
    "postal_city",
    "zip_only",
    "no_type",
)
NEW_KINDS = (
    "other_layer_spelling",
    "zip_row_lacks",
    "zip_plus4",
    "misspelt_town",
    "county_as_city",
    "number_word",
    "highway_form",
)
ADDRESS_KINDS = CLASSIC_KINDS + NEW_KINDS
OWN_LINES = ("street_only", "place_name")  # scored apart from the headline
STREET_ONLY_OK = ("street_only_answered", "street_only_incomplete")

MISSPELT = {
    "CHARLOTTE": "Charlote",
    "HUNTERSVILLE": "Huntersvile",
    "MATTHEWS": "Mathews",
    "CORNELIUS": "Cornelious",
    "DAVIDSON": "Davidsen",
    "PINEVILLE": "Pinevile",
    "MINT HILL": "Mint Hil",
}
NUMBER_WORDS = (
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen",
    "Nineteen", "Twenty",
)  # fmt: skip


@dataclass(frozen=True)
class Query:
    """One text to look up, and the precincts that count as right for it."""

    kind: str
    text: str
    truth: frozenset[str]
    lon: float = math.nan  # the building's point, where one point is the truth (stress)
    lat: float = math.nan


def _typo(name: str, rng: random.Random) -> str | None:
    """One slip of the finger in a name of 4+ letters: a letter swapped with its
    neighbour, dropped, doubled or replaced by a neighbouring key."""
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    if len(letters) < 4:
        return None
    i = rng.choice(letters[1:-1])
    kind = rng.choice(("swap", "drop", "double", "replace"))
    if kind == "swap" and name[i + 1].isalpha():
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == "drop":
        return name[:i] + name[i + 1 :]
    if kind == "double":
        return name[:i] + name[i] + name[i:]
    keys = "QWERTYUIOPASDFGHJKLZXCVBNM"
    k = keys.index(name[i])
    return name[:i] + keys[(k + 1) % len(keys)] + name[i + 1 :]


def classic_variants(b: Building, rng: random.Random) -> Iterator[tuple[str, str]]:
    """How callers and representatives type an address (the harness's first ten kinds)."""
    p, town, first = b.parts, b.town, b.listings[0]
    street = p.spell()
    yield "as_listed", f"{first.line}, {first.city}" if first.city else first.line
    yield "lower_case", f"{street}, {town} nc".lower()
    tail = f" {b.zip}" if b.zip else ""
    yield "long_forms", f"{words(p.spell('long', 'long'))}, {town}, North Carolina{tail}"
    dotted = Parts(p.number, f"{p.predir}." if p.predir else "", p.name, p.type, p.postdir)
    yield "short_forms", f"{words(dotted.spell())} {town}"
    yield "no_city", words(street)
    yield (
        "added_unit",
        f"{street} {rng.choice(('Apt 3', '# 12', 'Suite 100', 'Unit B', 'apt. 2'))}, {town}",
    )
    typo = _typo(p.name, rng) if p.route is None else None
    if typo:
        yield "one_letter_typo", f"{p.spell(name=typo)}, {town}"
    if b.postal and b.postal != b.municipality and b.zip:
        yield "postal_city", f"{street}, {b.postal.title()}, NC {b.zip}"
    if b.zip:
        yield "zip_only", f"{street} {b.zip}"
    if p.type and p.route is None:
        no_type = Parts(p.number, p.predir, p.name, "", p.postdir)
        yield "no_type", f"{no_type.spell()}, {town}"


def variants(b: Building) -> Iterator[tuple[str, str]]:
    """Every query of a real or near-real building: the classic kinds, the new kinds,
    the street without a number and the facility's names."""
    rng = b.rng("queries")
    yield from classic_variants(b, rng)
    p, town, street = b.parts, b.town, b.parts.spell()
    # The spellings of the building's other rows (other layers, the second source).
    seen = {_squash(b.listings[0].line)}
    others = [(x.line, x.city) for x in b.listings[1:]]
    others += [(r["address"], r["city"]) for r in b.rows if r["role"] == "second_source"]
    n = 0
    for line, city in others:
        if _squash(line) not in seen and n < 2:
            seen.add(_squash(line))
            n += 1
            yield "other_layer_spelling", f"{line}, {city}" if city else line
    if b.zip:
        zipless = [r for r in b.rows if not r["zip"]]
        if zipless:
            yield "zip_row_lacks", f"{zipless[0]['address']}, {b.zip}"
        yield "zip_plus4", f"{words(street)}, {town}, NC {b.zip}-{rng.randint(1000, 9999)}"
    bad = MISSPELT.get(town.upper()) or words(_typo(town.upper(), rng) or town)
    yield "misspelt_town", f"{words(street)}, {bad}, NC"
    yield "county_as_city", f"{words(street)}, Mecklenburg County, NC"
    if 1 <= int(p.number) <= 20:
        yield "number_word", f"{NUMBER_WORDS[int(p.number)]} {words(p.spell(number=False))}, {town}"
    if p.route is not None:
        for form in highway_spellings(p):
            yield "highway_form", f"{p.number} {form}, {town}"
    line = b.listings[0].line
    unit = UNIT_AT_END.search(line.upper())
    street_only = (line[: unit.start()] if unit else line).split(None, 1)[1].strip()
    yield "street_only", f"{street_only}, {town}"
    for x in b.listings:
        for name in place_names(x):
            yield "place_name", name


def _squash(text: str) -> str:
    return " ".join(text.upper().replace(".", " ").split())


SCHOOL_LEVELS = frozenset({"elementary", "middle", "high"})


def place_names(x: Listing) -> list[str]:
    """A facility's name as written (cleaned of ``, INC.``) and as a caller says it
    (``beatties ford library``, ``fire station 13``, ``mint hill town hall``)."""
    if not x.name:
        return []
    name = re.sub(r",? INC\.?|\s*\(.*\)", "", x.name).replace(" - ", " ")
    name = " ".join(name.replace("V.F.D.", "VFD").split())
    listed = words(name) if name.isupper() else name
    spoken = re.sub(r"(?:station )?#\s*(\d+)", r"station \1", listed.lower())
    ws = spoken.split()
    if x.layer == "schools":
        if len(ws) > 2 and ws[-1] in {"school", "sch", "schoo"} and ws[-2] in SCHOOL_LEVELS:
            ws.pop()
        spoken = " ".join(ws)
    elif x.layer == "libraries" and {"branch", "library"} & set(ws):
        core = [w for w in ws if w not in {"branch", "regional", "library"}]
        if core and core[-1] in {"road", "rd"}:
            core.pop()
        spoken = " ".join([*core, "library"])
    elif x.layer == "fire_stations":
        spoken = spoken.replace("vfd", "volunteer fire department")
    elif x.layer == "police_stations":
        spoken = f"cmpd {spoken}"
    elif x.layer == "town_halls" and x.name.upper() != "TRAINING CENTER":
        listed, spoken = f"{listed} Town Hall", f"{spoken} town hall"
    return list(dict.fromkeys((listed, spoken)))


def queries(table: Table) -> Iterator[Query]:
    for b in table.buildings:
        truth = table.truth(b)
        for kind, text in variants(b):
            yield Query(kind, text, truth)


def outcome(ds: Dataset, q: Query) -> tuple[str, str]:
    """(outcome, what the service said) for one query."""
    try:
        loc = locate_address(ds, q.text)
    except AddressAmbiguous as exc:
        cands = exc.details.get("candidates") or []
        pids = {((c.get("precinct") or {}).get("id") or "") for c in cands}
        said = "; ".join(
            f"{c.get('address')} [{(c.get('precinct') or {}).get('id')}]" for c in cands[:4]
        )
        said = f"{exc.details.get('reason')}: {said}" + (" ..." if len(cands) > 4 else "")
        if len(pids) >= 2:
            right = bool(pids & q.truth)
            return (
                "ambiguous_by_precinct" if right else "ambiguous_by_precinct_right_missing"
            ), said
        same = "right" if pids <= q.truth else "wrong"
        return "ambiguous_same_precinct", f"({same} precinct) {said}"
    except AddressIncomplete as exc:
        reason = exc.details.get("reason")
        listed = _listed_precincts(exc.details)
        said = f"{reason}; precincts {sorted(listed)[:8]}"
        if q.kind == "street_only" and reason == "no_number":
            if not listed:
                return "street_only_incomplete_no_precincts", said
            if not listed & q.truth:
                return "street_only_incomplete_right_missing", said
            return "street_only_incomplete", said
        return "incomplete", said
    except ServiceError as exc:
        name = "not_found" if exc.code == "address_not_found" else exc.code
        return name, f"{exc.code} {exc.details.get('reason') or ''}".strip()
    except Exception as exc:  # the geocoder is being rewritten: a crash is an outcome too
        return f"crash:{type(exc).__name__}", str(exc)[:120]
    pid = ds.precincts[loc.hit.index].id
    m = loc.match
    said = f"{m.address} [{pid}] {m.source} {m.score:.2f} verify={loc.verify} {list(m.notes)}"
    if pid not in q.truth:
        return "wrong_precinct", said
    if q.kind == "street_only":
        ok = loc.verify and "street_only" in m.notes
        return ("street_only_answered" if ok else "street_only_unflagged"), said
    if q.kind == "place_name" and m.source != "place":
        return "right_not_place", said
    if not math.isnan(q.lon) and _metres(m.lon, m.lat, q.lon, q.lat) > SAME_POINT_M:
        return "right_other_point", said
    return "right", said


def _listed_precincts(details: dict) -> set[str]:
    """Precinct ids anywhere in an error's details (the street's precincts)."""
    out: set[str] = set()
    for v in details.values():
        for item in v if isinstance(v, list) else [v]:
            if isinstance(item, dict):
                p = item.get("precinct", item)
                if isinstance(p, dict) and p.get("id"):
                    out.add(str(p["id"]))
    return out


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon1 - lon2) * math.cos(math.radians(lat2)) * 111_195
    return math.hypot(dx, (lat1 - lat2) * 111_195)


def score(ds: Dataset, qs: list[Query], show: int) -> dict:
    """Outcome counts by kind, the headline shares and up to ``show`` misses per outcome."""
    by_kind: dict[str, Counter[str]] = {}
    misses: dict[str, list[dict[str, str]]] = {}
    t0 = time.perf_counter()
    for q in qs:
        result, said = outcome(ds, q)
        by_kind.setdefault(q.kind, Counter())[result] += 1
        if show and result not in ("right", "street_only_answered", "street_only_incomplete"):
            truth = "/".join(sorted(q.truth))
            miss = {"kind": q.kind, "text": q.text, "truth": truth, "said": said}
            misses.setdefault(result, []).append(miss)
    seconds = time.perf_counter() - t0

    def line(kinds: tuple[str, ...]) -> dict:
        c: Counter[str] = sum((by_kind.get(k, Counter()) for k in kinds), Counter())
        n = max(1, c.total())
        right = c["right"] + c["right_other_point"]
        return {
            "queries": c.total(),
            "right_share": right / n,
            "wrong_share": c["wrong_precinct"] / n,
            "ambiguous_same_precinct": c["ambiguous_same_precinct"],
            "outcomes": dict(c.most_common()),
        }

    kinds = tuple(k for k in ADDRESS_KINDS if k in by_kind)
    return {
        "address_kinds": line(kinds),
        "street_only": line(("street_only",)),
        "place_name": line(("place_name",)),
        "by_kind": {
            k: dict(by_kind[k].most_common()) for k in (*ADDRESS_KINDS, *OWN_LINES) if k in by_kind
        },
        "ms_per_query": round(seconds / max(1, len(qs)) * 1e3, 3),
        "misses": {k: _spread(v, show) for k, v in misses.items()},
    }


def _spread(misses: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    """``n`` misses taken in turn from each kind, so one building's twenty variants do
    not fill the list."""
    by_kind: dict[str, list[dict[str, str]]] = {}
    for m in misses:
        by_kind.setdefault(m["kind"], []).append(m)
    out: list[dict[str, str]] = []
    for row in itertools.zip_longest(*by_kind.values()):
        out += [m for m in row if m is not None]
    return out[:n]


def publish(
    table: Table, shared: Path, work: Path, lap: Callable[[str], None]
) -> tuple[dict, Dataset | None]:
    """Write the table as a county CSV and publish it with the real refresh; load it."""
    csv_path = work / "county_addresses.csv"
    write_csv(table.frame, csv_path)
    lap("csv")
    data_dir = work / "data"
    election = (shared / "statewide/polling_places/polling_place_20201103.csv",)
    one_stop = (shared / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",)
    # The facility layers, for the names callers use, where the refresh takes them.
    takes_places = "places" in {f.name for f in fields(RefreshRequest)}
    layers = tuple(shared / "mecklenburg" / "places" / f"{x}.geojson" for x in LAYERS)
    req = RefreshRequest(
        precincts=shared / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=election,
        early_voting=one_stop,
        addresses=(csv_path,),
        county="MECKLENBURG",
        election_day=ELECTION,
        data_dir=data_dir,
        **({"places": layers} if takes_places else {}),
    )
    try:
        report = refresh(req, REFRESH_AT)
    except Exception as exc:  # a crash of the refresh is a finding, reported as such
        crash = f"refresh crashed: {type(exc).__name__}: {exc}"
        return {"published": False, "errors": [crash], "places": takes_places}, None
    summary = {
        "places": takes_places,
        "published": report.published,
        "version": report.version,
        "address_points": report.counts.get("address_points"),
        "errors": list(report.problems.errors),
        "warnings": [w[:160] for w in report.problems.warnings],
    }
    lap("refresh")
    target = current_target(data_dir)
    if not report.published or target is None:
        return summary, None
    ds = load_dataset(target)
    lap("load")
    return summary, ds


def stress_queries(table: Table, pmap: PrecinctMap, n: int, rng: random.Random) -> list[Query]:
    """The classic variants of ``n`` synthetic buildings (one row each, inside a precinct):
    look-alike names, one name with several types, the same street in two towns."""
    bg = table.frame[table.frame["role"] == "background"]
    bg = bg[(bg["unit"] == "") & ~bg["building"].duplicated(keep=False)]
    bg = bg.sample(n=min(len(bg), n * 2), random_state=rng.randrange(2**31))
    pids = pmap.many(bg["lon"].to_numpy(float), bg["lat"].to_numpy(float))
    bg = bg.assign(precinct=pids)[pids != ""].head(n)
    out = []
    for r in bg.itertuples():
        parsed = parse_line(r.address)
        if parsed is None:
            continue
        city = str(r.city)
        listing = Listing(
            "synthetic", "", r.address, str(r.municipality).title(), r.zip, r.lon, r.lat
        )
        b = Building(
            parsed[0], r.lon, r.lat, r.precinct, r.zip, city, str(r.municipality), [listing]
        )
        for kind, text in classic_variants(b, rng):
            out.append(Query(kind, text, frozenset({r.precinct}), r.lon, r.lat))
    return out


def run(
    shared: Path,
    background: int = 700_000,
    show: int = 0,
    sample: int = 1000,
    keep: Path | None = None,
) -> dict:
    """The whole harness; the report as a dict (see ``print_report``)."""
    wall: dict[str, float] = {}
    t = t0 = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        now = time.perf_counter()
        wall[name] = round(now - t, 2)
        t = now

    pmap = PrecinctMap(shared)
    table = build(shared, background, pmap)
    lap("table")
    work = keep or Path(tempfile.mkdtemp(prefix="accuracy-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        refreshed, ds = publish(table, shared, work, lap)
        rep: dict = {"table": table.stats(), "refresh": refreshed, "wall_s": wall}
        if ds is None:
            return rep
        ids = {p.id for p in ds.precincts}
        if ids != set(pmap.ids):
            rep["refresh"]["errors"].append(
                f"precinct ids differ from the map's: {sorted(ids)[:5]}"
            )
            return rep
        qs = list(queries(table))
        rep |= score(ds, qs, show)
        lap("queries")
        if background and sample:
            stress = stress_queries(table, pmap, sample, random.Random(7))
            s = score(ds, stress, show)
            rep["synthetic_sample"] = s["address_kinds"] | {
                "addresses": len({q.text.split(",")[0] for q in stress if q.kind == "no_city"}),
                "by_kind": s["by_kind"],
                "ms_per_query": s["ms_per_query"],
                "misses": s["misses"],
            }
            lap("stress")
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
    wall["total"] = round(time.perf_counter() - t0, 2)
    return rep


def passed(rep: dict) -> dict[str, bool]:
    """Each target and whether it is met."""
    if "address_kinds" not in rep:
        return {"refresh_published": False}
    a, so, pn = rep["address_kinds"], rep["street_only"], rep["place_name"]
    so_ok = sum(so["outcomes"].get(k, 0) for k in STREET_ONLY_OK) / max(1, so["queries"])
    out = {
        "right": a["right_share"] >= RIGHT_TARGET,
        "wrong_precinct": a["wrong_share"] <= WRONG_TARGET,
        "no_ambiguous_same_precinct": a["ambiguous_same_precinct"] == 0,
        "street_only": so_ok >= STREET_ONLY_TARGET,
        "place_name": pn["right_share"] >= PLACE_TARGET,
    }
    if "synthetic_sample" in rep:
        out["stress_wrong_precinct"] = rep["synthetic_sample"]["wrong_share"] <= WRONG_TARGET
    return out


COLUMNS = (
    ("right", ("right", "right_other_point", "street_only_answered")),
    ("wrong", ("wrong_precinct",)),
    ("amb≠p", ("ambiguous_by_precinct", "ambiguous_by_precinct_right_missing")),
    ("(miss)", ("ambiguous_by_precinct_right_missing",)),
    ("amb=p", ("ambiguous_same_precinct",)),
    ("incompl", ("incomplete", "street_only_incomplete")),
    ("notfound", ("not_found",)),
)


def print_table(by_kind: dict[str, dict[str, int]]) -> None:
    named = {o for _h, outs in COLUMNS for o in outs}
    print(f"{'kind':<22}{'n':>6}" + "".join(f"{h:>9}" for h, _o in COLUMNS) + "  other")
    for kind, c in by_kind.items():
        n = sum(c.values())
        cells = "".join(f"{sum(c.get(o, 0) for o in outs) / n:>9.1%}" for _h, outs in COLUMNS)
        other = {k: v for k, v in c.items() if k not in named}
        print(f"{kind:<22}{n:>6}{cells}  {other or ''}")


def print_report(rep: dict) -> None:
    t, r = rep["table"], rep["refresh"]
    share = {k: t[f"share_of_their_rows_with_{k}"] for k in ("zip", "city", "unit")}
    print(
        f"table: {t['rows']:,} rows = {t['real_buildings']} real buildings "
        f"({t['listings']} listings, {t['buildings_in_several_layers']} in several layers) "
        f"+ {t['near_real_buildings']} near-real, {t['rows_of_scored_buildings']} rows of "
        f"theirs (per building {t['rows_per_building']}; ZIP on {share['zip']:.0%}, city on "
        f"{share['city']:.0%}, unit on {share['unit']:.0%}), {t['near_miss_rows']} near "
        f"misses, {t['background_rows']:,} background; not scored (outside the map): "
        f"{t['outside_precincts']}; in two precincts by their own layers: "
        f"{t['buildings_whose_layers_put_it_in_two_precincts']}"
    )
    places = "the six facility layers" if r.get("places") else "none (the refresh takes none)"
    print(
        f"refresh: published={r['published']} {r.get('version', '')} "
        f"address_points={r.get('address_points')}; places: {places}"
    )
    for e in r.get("errors", []):
        print(f"  REFRESH ERROR: {e}")
    if "by_kind" not in rep:
        print(f"wall time {rep['wall_s']}")
        return
    print(f"\n{rep['address_kinds']['queries']} queries, {rep['ms_per_query']} ms each")
    print_table(rep["by_kind"])
    a = rep["address_kinds"]
    ok = passed(rep)
    print(
        f"\naddress kinds: right {a['right_share']:.2%} (target >= {RIGHT_TARGET:.0%}) "
        f"{'PASS' if ok['right'] else 'FAIL'}, wrong precinct {a['wrong_share']:.2%} "
        f"(target <= {WRONG_TARGET:.1%}) {'PASS' if ok['wrong_precinct'] else 'FAIL'}, "
        f"ambiguous within one precinct {a['ambiguous_same_precinct']} (target 0) "
        f"{'PASS' if ok['no_ambiguous_same_precinct'] else 'FAIL'}"
    )
    so, pn = rep["street_only"], rep["place_name"]
    print(
        f"street_only ({so['queries']}): {so['outcomes']} "
        f"{'PASS' if ok['street_only'] else 'FAIL'} (answered with verify and a street_only "
        f"note, or incomplete/no_number: target >= {STREET_ONLY_TARGET:.0%})"
    )
    print(
        f"place_name ({pn['queries']}): {pn['outcomes']} {'PASS' if ok['place_name'] else 'FAIL'} "
        f"(right precinct from source 'place': target >= {PLACE_TARGET:.0%})"
    )
    if "synthetic_sample" in rep:
        s = rep["synthetic_sample"]
        print(
            f"\nstress test for wrong matches: the classic variants of {s['addresses']} synthetic "
            f"addresses ({s['queries']} queries; look-alike names, so 'no_type' is often rightly "
            "ambiguous; only the wrong share has a target):"
        )
        print_table(s["by_kind"])
        print(
            f"stress: wrong precinct {s['wrong_share']:.2%} (target <= {WRONG_TARGET:.1%}) "
            f"{'PASS' if ok['stress_wrong_precinct'] else 'FAIL'}; another point in the right "
            f"precinct: {s['outcomes'].get('right_other_point', 0)}"
        )
    stress_misses = rep.get("synthetic_sample", {}).get("misses", {})
    for title, misses in (("", rep["misses"]), ("stress: ", stress_misses)):
        for outcome_name, items in misses.items():
            print(f"\n{title}{outcome_name}:")
            for m in items:
                print(f"  {m['kind']:<20} {m['text']!r:<48} truth {m['truth']:<8} -> {m['said']}")
    print(f"\nwall time (s): {rep['wall_s']}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--background", type=int, default=700_000, help="synthetic points")
    ap.add_argument("--sample", type=int, default=1000, help="synthetic addresses to stress")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--show", type=int, default=0, help="print N misses of each outcome")
    ap.add_argument("--keep", type=Path, help="write the CSV and the dataset here and keep them")
    args = ap.parse_args(argv)
    if not (args.shared / "mecklenburg" / "places").is_dir():
        print(f"accuracy: no real data at {args.shared} (../shared absent)", file=sys.stderr)
        return 2
    rep = run(args.shared, args.background, show=args.show, sample=args.sample, keep=args.keep)
    if args.json:
        print(json.dumps(rep | {"passed": passed(rep)}, indent=2, default=_json))
    else:
        print_report(rep)
    return 0 if all(passed(rep).values()) else 1


def _json(o: object) -> object:
    if isinstance(o, np.integer | np.floating):
        return o.item()
    if isinstance(o, pd.Timestamp):
        return str(o)
    raise TypeError(type(o).__name__)


if __name__ == "__main__":
    raise SystemExit(main())
