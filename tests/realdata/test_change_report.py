"""The change report (``changes.md``, the summary line, ``changes.png``) tells staff what
really changed: site renames and new addresses, which days' hours changed, dropped
places counted, and a map that draws moves over reshaping and nothing it cannot show."""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image
from shapely import affinity
from support.builders import ELECTION, lonlat, place, site, tiny_dataset, tiny_geoms

from lookup.dataset.model import Dataset
from lookup.domain.models import Address, DaySchedule, OpenHours
from lookup.ingest.change_map import (
    MOVED,
    OUTLINE,
    RESHAPED,
    _pale,
    arrows,
    draw_changes,
    legend,
    shaded,
)
from lookup.ingest.change_report import diff
from lookup.spatial.grid import GridIndex

DAY = ELECTION.day


def _ds(version: str, *, sites=(), polling=None, geoms=None) -> Dataset:
    ds = tiny_dataset(
        version=version,
        elections=(ELECTION,),
        sites={DAY: tuple(sites)},
        polling={DAY: polling if polling is not None else _polling()},
        addresses=(),
    )
    if geoms is None:
        return ds
    return replace(ds, index=GridIndex(np.array(geoms, dtype=object)))


def _polling():
    return {
        ("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1),
        ("TEST", "002"): place("20", "SECOND SCHOOL", 1.5, 0.5, line1="2 MAIN ST"),
        ("TEST", "003"): place("30", "THIRD HALL", 0.5, 0.5, line1="3 MAIN ST"),
    }


def test_a_site_renamed_at_the_same_address_is_a_rename() -> None:
    old = _ds("v1", sites=[site("a", 0.2, 0.2)])
    renamed = replace(site("a", 0.2, 0.2), name="NEW NAME CENTER")
    ch = diff(old, _ds("v2", sites=[renamed]), DAY)
    assert ch.sites_renamed == ["TEST: SITE A -> NEW NAME CENTER at 9 SITE RD, TESTVILLE, NC 28999"]
    assert ch.sites_added == [] and ch.sites_removed == [] and ch.sites_rehoured == []
    assert "## Early-voting sites renamed (same address) (1)" in ch.markdown()
    assert "1 early-voting sites renamed" in ch.summary()[0]


def test_a_completed_site_name_is_no_rename() -> None:
    old = _ds("v1", sites=[site("a", 0.2, 0.2)])
    full = replace(site("a", 0.2, 0.2), name="SITE A FULL", published_name="SITE A")
    ch = diff(old, _ds("v2", sites=[replace(full, name_source="pp1.kml")]), DAY)
    assert ch.sites_renamed == [] and ch.sites_added == [] and ch.sites_removed == []
    assert ch.names_completed == ["| TEST early-voting site | 'SITE A' | 'SITE A FULL' | pp1.kml |"]


def test_a_site_given_its_address_after_tbd_is_reported() -> None:
    tbd = replace(site("sp", 0.2, 0.2), address=Address(""), lon=None, lat=None)
    real = site("sp", 0.2, 0.2)
    ch = diff(_ds("v1", sites=[tbd]), _ds("v2", sites=[real]), DAY)
    assert ch.sites_readdressed == [
        "TEST: SITE SP: no address (TBD) -> 9 SITE RD, TESTVILLE, NC 28999"
    ]
    assert ch.sites_added == [] and ch.sites_removed == [] and ch.sites_renamed == []
    # A site without an address is never paired with another by its (empty) address.
    other = replace(tbd, name="OTHER TBD", id="other")
    ch = diff(_ds("v1", sites=[tbd]), _ds("v2", sites=[other]), DAY)
    assert ch.sites_added == ["TEST: OTHER TBD"] and ch.sites_removed == ["TEST: SITE SP"]


def test_new_hours_say_which_days_and_what_changed() -> None:
    old = site("a", 0.2, 0.2)
    days = list(old.schedule)
    days[0] = DaySchedule(days[0].day, (OpenHours(time(8), time(15)),))  # Thu: shorter
    days[1] = DaySchedule(days[1].day, (OpenHours(time(13), time(17)),))  # Sun: now open
    days.append(DaySchedule(date(2028, 10, 24), (OpenHours(time(8), time(19, 30)),)))
    new = replace(old, schedule=tuple(days))
    same = site("b", 0.3, 0.3)
    ch = diff(_ds("v1", sites=[old, same]), _ds("v2", sites=[new, same]), DAY)
    assert ch.sites_rehoured == [
        (
            "TEST: SITE A",
            [
                "2028-10-19 (Thu): 8:00AM - 7:30PM -> 8:00AM - 3:00PM",
                "2028-10-22 (Sun): closed -> 1:00PM - 5:00PM",
                "2028-10-24 (Tue): not open -> 8:00AM - 7:30PM",
            ],
        )
    ]
    md = ch.markdown()
    assert "- TEST: SITE A:\n  - 2028-10-19 (Thu): 8:00AM - 7:30PM -> 8:00AM - 3:00PM\n" in md


def test_hours_of_two_elections_are_compared_day_for_day_before_election_day() -> None:
    """2026's site open 8-7:30 on the Thursday 19 days before; 2028's the same: no change."""
    early = replace(ELECTION, day=date(2026, 11, 3))
    old_site = replace(
        site("a", 0.2, 0.2),
        schedule=(DaySchedule(date(2026, 10, 15), (OpenHours(time(8), time(19, 30)),)),),
    )
    new_site = replace(site("a", 0.2, 0.2), schedule=(site("a", 0, 0).schedule[0],))
    old = replace(_ds("v1"), elections=(early,), early_voting={early.day: (old_site,)})
    ch = diff(old, _ds("v2", sites=[new_site]), DAY)
    assert ch.sites_rehoured == []
    later = replace(new_site.schedule[0], hours=(OpenHours(time(7), time(19)),))
    ch = diff(old, _ds("v2", sites=[replace(new_site, schedule=(later,))]), DAY)
    assert ch.sites_rehoured == [
        ("TEST: SITE A", ["2028-10-19 (Thu) (was 2026-10-15): 8:00AM - 7:30PM -> 7:00AM - 7:00PM"])
    ]


def test_the_summary_counts_places_added_and_dropped() -> None:
    old = _ds("v1")
    new = _ds("v2", polling={k: v for k, v in _polling().items() if k[1] != "003"}
              | {("TEST", "004"): place("40", "FOURTH", 3.7, 0.5, line1="4 MAIN ST")})  # fmt: skip
    ch = diff(old, new, DAY)
    line = ch.summary()[0]
    assert "1 polling places added" in line and "1 polling places dropped" in line
    assert [(c.precinct, c.kind) for c in ch.places] == [("003", "dropped"), ("004", "added")]


def test_a_renamed_polling_place_at_the_same_address_is_one_rename() -> None:
    old = _ds("v1")
    new = _ds("v2", polling=_polling() | {("TEST", "002"): place("20", "NEW NAME", 1.5, 0.5, line1="2 MAIN ST")})  # fmt: skip
    ch = diff(old, new, DAY)
    assert [(c.precinct, c.kind) for c in ch.places] == [("002", "renamed")]


def test_an_address_given_where_there_was_none_is_no_move() -> None:
    """A polling place first published without its address (not yet known), then with
    it: reported as given its address; a respelt street on the same building is a
    corrected address, not a move."""
    unknown = place("20", "SECOND SCHOOL", 1.5, 0.5, line1="")
    old = _ds("v1", polling=_polling() | {("TEST", "002"): unknown})
    respelt = place("30", "THIRD HALL", 0.5, 0.5, line1="3 MAIN STREET")
    new = _ds("v2", polling=_polling() | {("TEST", "003"): respelt})
    ch = diff(old, new, DAY)
    assert [(c.precinct, c.kind) for c in ch.places] == [("002", "located"), ("003", "corrected")]
    assert "1 polling places given their address" in ch.summary()[0]
    md = ch.markdown()
    assert "## Polling places given their address (none before) (1)" in md
    assert "| TEST 002 | SECOND SCHOOL, " in md and "## Polling places moved" in md
    assert ch.moved() == []
    # The other way, an address withdrawn, is what staff must check: a move.
    back = diff(new, old, DAY)
    assert [(c.precinct, c.kind) for c in back.places] == [("002", "moved"), ("003", "corrected")]


def _grown(share: float) -> list:
    """The tiny precincts with 002 widened eastwards by ``share`` of its area."""
    geoms = tiny_geoms()
    geoms[1] = affinity.scale(geoms[1], xfact=1 + share, origin=(lonlat(1, 0)[0], 0))
    return geoms


def test_a_different_source_map_is_one_line_not_a_reshape() -> None:
    ch = diff(_ds("v1"), _ds("v2", geoms=_grown(0.004)), DAY)
    assert ch.precincts_reshaped == [] and ch.precincts_redrawn == 1
    assert (
        "1 precincts differ by under 1 % of their area: a different source map, not a change."
        in ch.markdown()
    )
    ch = diff(_ds("v1"), _ds("v2", geoms=_grown(0.05)), DAY)
    assert [p for p, _ in ch.precincts_reshaped] == ["TEST 002"] and ch.precincts_redrawn == 0
    assert "different source map" not in ch.markdown()


def _pixel(png: bytes, ds: Dataset, x: float, y: float) -> tuple[int, int, int]:
    """The map's colour at unit-square point (x, y), as ``draw_changes`` projects it."""
    import math

    img = Image.open(io.BytesIO(png)).convert("RGB")
    minx, miny, maxx, maxy = ds.bbox
    kx = math.cos(math.radians((miny + maxy) / 2))
    scale = (1400 - 40) / max((maxx - minx) * kx, maxy - miny)
    lon, lat = lonlat(x, y)
    return img.getpixel((int(20 + (lon - minx) * kx * scale), int(20 + (maxy - lat) * scale)))


def test_the_map_draws_a_move_over_a_reshape_and_labels_the_precincts() -> None:
    old = _ds("v1")
    moved = place("20", "SECOND SCHOOL", 1.5, 0.5, line1="99 OTHER RD")
    new = _ds("v2", polling=_polling() | {("TEST", "002"): moved}, geoms=_grown(0.05))
    ch = diff(old, new, DAY)
    assert [c.precinct for c in ch.moved()] == ["002"]
    assert [p for p, _ in ch.precincts_reshaped] == ["TEST 002"]
    png = draw_changes(new, ch)
    assert _pixel(png, new, 1.1, 0.1) == _pale(MOVED)  # the move wins
    assert _pale(RESHAPED) not in {c for _n, c in Image.open(io.BytesIO(png)).getcolors(1 << 20)}
    assert _pixel(png, new, 0.1, 0.9) == (255, 255, 255)  # unchanged: outline only
    # The label "002" is drawn at the precinct's inside point (dark text on a white halo).
    spot = shapely.point_on_surface(new.geoms[1])
    sx, sy = (spot.x - lonlat(0, 0)[0]) / 0.01, (spot.y - lonlat(0, 0)[1]) / 0.01
    around = {
        _pixel(png, new, sx + dx / 100, sy + dy / 100) for dx in range(-3, 4) for dy in (-1, 0, 1)
    }
    assert (255, 255, 255) in around and any(sum(c) < 400 for c in around)


def test_the_legend_promises_only_what_is_drawn() -> None:
    """Without coordinates for a moved place no arrow is drawn, and none is promised;
    with them, the legend says how many arrows there are."""
    old = _ds("v1")
    moved = place("20", "SECOND SCHOOL", 1.8, 0.5, line1="99 OTHER RD")
    bare = _ds("v2", polling=_polling() | {("TEST", "002"): replace(moved, lon=None, lat=None)})
    ch = diff(old, bare, DAY)
    assert arrows(ch) == []
    assert legend(bare, ch) == [
        (MOVED, "polling place moved (1), labelled with the precinct number")
    ]
    placed = _ds("v2", polling=_polling() | {("TEST", "002"): moved})
    ch = diff(old, placed, DAY)
    assert arrows(ch) == [(lonlat(1.5, 0.5), lonlat(1.8, 0.5))]
    ((_c, line),) = legend(placed, ch)
    assert line.endswith("; arrow from the old building to the new (1 of 1)")
    assert Image.open(io.BytesIO(draw_changes(placed, ch))).format == "PNG"
    nothing = diff(old, _ds("v2"), DAY)
    assert legend(_ds("v2"), nothing) == [
        (OUTLINE, "no polling place moved and no precinct added or reshaped")
    ]
    # A moved and reshaped precinct is drawn (and counted in the legend) as moved only.
    both = _ds("v2", polling=_polling() | {("TEST", "002"): moved}, geoms=_grown(0.05))
    ch = diff(old, both, DAY)
    assert shaded(both, ch) == {"TEST 002": MOVED}
    assert [c for c, _t in legend(both, ch)] == [MOVED]


@pytest.mark.realdata
def test_real_2018_to_2020_mecklenburg_change_report(real: Path, tmp_path: Path) -> None:
    """2018's files, then 2020's, on the county's precinct map: the report lists the
    11 moved places, the renames, the ZIP fixed at McKee Road, the new hours by day, and
    writes the map (kept at /tmp/changes_2018_2020.png)."""
    from lookup.ingest.refresh import RefreshRequest, refresh

    polling = real / "statewide/polling_places"
    first = RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(polling / "polling_place_20181106.csv",),
        early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
        county="MECKLENBURG",
        election_day=date(2018, 11, 6),
        data_dir=tmp_path,
        version="v2018",
    )
    assert refresh(first, datetime(2018, 9, 1, tzinfo=UTC)).published
    second = replace(
        first,
        polling_places=(polling / "polling_place_20201103.csv",),
        early_voting=(real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",),
        election_day=date(2020, 11, 3),
        version="v2020",
    )
    report = refresh(second, datetime(2020, 9, 1, tzinfo=UTC))
    assert report.published, report.lines()
    ch = report.changes
    assert ch is not None and ch.old_election == date(2018, 11, 6)
    assert [c.precinct for c in ch.moved()] == [
        "044", "050", "061", "063", "096", "100", "101", "137", "203", "206", "230",
    ]  # fmt: skip
    renamed = {c.precinct: c for c in ch.places if c.kind == "renamed"}
    assert sorted(renamed) == ["028", "038", "049", "055", "110", "126", "243"]
    assert renamed["110"].after is not None and renamed["110"].after.name == "NEW CITY CHURCH"
    assert [c.precinct for c in ch.places if c.kind == "corrected"] == ["227"]
    assert (len(ch.sites_added), len(ch.sites_removed), len(ch.sites_rehoured)) == (27, 13, 6)
    assert ch.precincts_reshaped == [] and ch.precincts_redrawn == 0  # the same map
    beatties = dict(ch.sites_rehoured)["MECKLENBURG: BEATTIES FORD LIBRARY"]
    assert "2020-10-17 (Sat) (was 2018-10-20): closed -> 8:00AM - 3:00PM" in beatties
    line = next(x for x in report.lines() if x.startswith("changes against v2018"))
    assert "11 polling places moved, 7 polling places renamed" in line
    assert "0 polling places dropped" in line
    folder = tmp_path / "versions" / "v2020"
    md = (folder / "changes.md").read_text()
    assert (
        "## Polling places moved (11)" in md
        and "## Polling places renamed (same address) (7)" in md
    )
    png = (folder / "changes.png").read_bytes()
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG" and img.size[0] > 800
    colors = {c for _n, c in img.convert("RGB").getcolors(1 << 22)}
    assert _pale(MOVED) in colors and _pale(RESHAPED) not in colors
    shutil.copyfile(folder / "changes.png", "/tmp/changes_2018_2020.png")


@pytest.mark.realdata
def test_real_2018_statewide_map_to_2020_county_map(real: Path, tmp_path: Path) -> None:
    """2018 on the State Board's vtds map, 2020 on the county's own: 135 precincts differ
    by under 1 % (two drawings of one map) and are one line; 9 differ by more."""
    from lookup.ingest.refresh import RefreshRequest, refresh

    polling = real / "statewide/polling_places"
    first = RefreshRequest(
        precincts=tuple(real / f"statewide/precincts/vtds{k}.kmz" for k in range(3)),
        polling_places=(polling / "polling_place_20181106.csv",),
        early_voting=(real / "statewide/early_voting/ossite_2018.kml",),
        county="MECKLENBURG",
        election_day=date(2018, 11, 6),
        data_dir=tmp_path,
        version="v2018",
    )
    assert refresh(first, datetime(2018, 9, 1, tzinfo=UTC)).published
    second = replace(
        first,
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(polling / "polling_place_20201103.csv",),
        early_voting=(real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",),
        election_day=date(2020, 11, 3),
        version="v2020",
    )
    report = refresh(second, datetime(2020, 9, 1, tzinfo=UTC))
    assert report.published, report.lines()
    ch = report.changes
    assert ch is not None and ch.precincts_redrawn == 135
    assert [p for p, _share in ch.precincts_reshaped] == [
        "MECKLENBURG 127", "MECKLENBURG 139", "MECKLENBURG 145", "MECKLENBURG 206",
        "MECKLENBURG 208", "MECKLENBURG 237", "MECKLENBURG 239", "MECKLENBURG 242",
        "MECKLENBURG 243",
    ]  # fmt: skip
    md = (tmp_path / "versions" / "v2020" / "changes.md").read_text()
    assert (
        "135 precincts differ by under 1 % of their area: a different source map, not a "
        "change." in md
    )
    assert "## Precincts reshaped (more than 1 % of the area) (9)" in md
    assert len(ch.moved()) == 11


@pytest.mark.realdata
def test_real_2020_preliminary_to_final_one_stop_list(real: Path, tmp_path: Path) -> None:
    """Mecklenburg's preliminary 2020 one-stop list, then NCSBE's final one: SouthPark's
    address goes from TBD to 123 SOUTHPARK, the site at 7601 Pineville-Matthews Rd is
    renamed (not added and removed), and Spectrum Center's first day is closed."""
    from lookup.ingest.refresh import RefreshRequest, refresh

    ev = real / "mecklenburg/early_voting"
    first = RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(real / "statewide/polling_places/polling_place_20201103.csv",),
        early_voting=(ev / "one-stop-absentee-mecklenburg_2020_preliminary.csv",),
        county="MECKLENBURG",
        election_day=date(2020, 11, 3),
        data_dir=tmp_path,
        version="preliminary",
    )
    assert refresh(first, datetime(2020, 9, 1, tzinfo=UTC)).published
    final = replace(first, early_voting=(ev / "StatewideList_20201103_mecklenburg.txt",))
    report = refresh(replace(final, version="final"), datetime(2020, 9, 2, tzinfo=UTC))
    ch = report.changes
    assert report.published and ch is not None
    assert ch.sites_readdressed == [
        "MECKLENBURG: SOUTHPARK AREA: no address (TBD) -> 123 SOUTHPARK, CHARLOTTE, NC 28210"
    ]
    assert ch.sites_renamed == [
        "MECKLENBURG: CARMEL COMMONS SHOPPING CENTER -> SOUTH CHARLOTTE at "
        "7601 PINEVILLE-MATTHEWS RD, CHARLOTTE, NC 28226"
    ]
    assert ch.sites_added == [] and ch.sites_removed == []
    assert ch.sites_rehoured == [
        ("MECKLENBURG: SPECTRUM CENTER", ["2020-10-15 (Thu): 8:00AM - 7:30PM -> closed"])
    ]
    md = (tmp_path / "versions" / "final" / "changes.md").read_text()
    assert "## Early-voting sites with a new address (1)" in md
