"""``lookup affected`` on the demo county: who is sent to a polling place or an early-voting
site, checked against the answers themselves (``service``) point by point, the CSV made
safe for spreadsheets, unknown counts never shown as 0, and 700,000 points in seconds."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from lookup.affected import (
    EARLY_VOTING,
    ELECTION_DAY,
    PointPrecincts,
    affected_by_site,
    affected_in_precinct,
    nearest_site,
)
from lookup.cli import EXIT_BAD_INPUT, main
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import InvalidParameter, NotFound
from lookup.geocode.local import AddressIndex
from lookup.outputs.affected import COLUMNS, to_csv, to_json, to_text
from lookup.service import nearest_sites

NOW = datetime(2028, 10, 25, 12, tzinfo=LOCAL_TZ)  # early voting for the 2028 general


@pytest.fixture(scope="module")
def election(demo_ds):
    return next(e for e in demo_ds.elections if e.day.year == 2028)


@pytest.fixture(scope="module")
def table(demo_ds, election):
    return demo_ds.site_tables[(election.day, "DEMO")]


@pytest.fixture(scope="module")
def located(demo_ds) -> np.ndarray:
    """Each address point's precinct, one point at a time (the oracle)."""
    lon, lat = demo_ds.addresses.coordinates()
    out = []
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        hit = demo_ds.index.locate(x, y)
        out.append(-1 if hit is None else hit.index)
    return np.array(out)


def test_a_polling_place_lists_the_precincts_assigned_to_it(demo_ds, election, located) -> None:
    polling = demo_ds.polling[election.day]
    # The place that serves the most precincts (the demo has one with three).
    ids = [p.id for p in polling.values()]
    place_id = max(set(ids), key=ids.count)
    result = affected_by_site(demo_ds, place_id, NOW)
    assigned = sorted(key[1] for key, p in polling.items() if p.id == place_id)
    assert sorted(r.precinct.id for r in result.rows) == assigned and len(assigned) > 1
    assert len(result.places) == 1  # one place, however many precincts it serves
    position = {p.key: i for i, p in enumerate(demo_ds.precincts)}
    for row in result.rows:
        expected = int((located == position[row.precinct.key]).sum())
        assert row.address_points == row.affected_points == expected > 0
        assert row.place.kind == ELECTION_DAY and row.place.id == place_id
    assert result.places[0].name == polling[("DEMO", assigned[0])].name
    assert result.total_points == int((located >= 0).sum())  # the county's


def test_early_voting_counts_the_points_each_site_is_nearest_to(demo_ds, table, located) -> None:
    """Every point of the county goes to exactly one site: the first the answer lists."""
    lon, lat = demo_ds.addresses.coordinates()
    first = []
    for x, y in zip(lon.tolist(), lat.tolist(), strict=True):
        first.append(nearest_sites(table, x, y, NOW)[0].site.id)
    first_arr = np.array(first)
    inside = located >= 0
    total = 0
    for site_id in table.ids:
        result = affected_by_site(demo_ds, site_id, NOW)
        assert [p.kind for p in result.places] == [EARLY_VOTING]
        mine = inside & (first_arr == site_id)
        assert sum(r.affected_points or 0 for r in result.rows) == int(mine.sum())
        for row in result.rows:
            i = demo_ds.precincts.index(row.precinct)
            assert row.affected_points == int((mine & (located == i)).sum()) > 0
            assert row.address_points == int((located == i).sum())
        counts = [r.affected_points for r in result.rows]
        assert counts == sorted(counts, reverse=True)
        total += int(mine.sum())
    assert total == int(inside.sum())


def test_nearest_site_agrees_with_the_answers_ranking_even_between_close_sites(table) -> None:
    """Points on the perpendicular bisector region of two sites, and the sites themselves."""
    xyz = np.array(table.points.xyz)
    lon = np.degrees(np.arctan2(xyz[:, 1], xyz[:, 0]))
    lat = np.degrees(np.arcsin(xyz[:, 2]))
    rng = np.random.default_rng(7)
    a, b = rng.integers(0, len(lon), 500), rng.integers(0, len(lon), 500)
    w = rng.uniform(0.45, 0.55, 500)
    qlon = np.concatenate([lon, w * lon[a] + (1 - w) * lon[b]])
    qlat = np.concatenate([lat, w * lat[a] + (1 - w) * lat[b]])
    got = nearest_site(table, qlon, qlat)
    for k, (x, y) in enumerate(zip(qlon.tolist(), qlat.tolist(), strict=True)):
        assert table.ids[got[k]] == nearest_sites(table, x, y, NOW)[0].site.id


def test_a_precinct_its_place_and_its_nearest_sites(demo_ds, election, located) -> None:
    result = affected_in_precinct(demo_ds, "19", NOW)  # as a caller types it
    assert result.asked == "019" and result.precinct is not None
    i = demo_ds.precincts.index(result.precinct)
    n = int((located == i).sum())
    first, *sites = result.rows
    place = demo_ds.polling[election.day][("DEMO", "019")]
    assert (first.place.kind, first.place.id) == (ELECTION_DAY, place.id)
    assert first.address_points == first.affected_points == n == result.total_points
    assert {r.place.kind for r in sites} == {EARLY_VOTING}
    assert sorted(r.place.id for r in sites) == sorted(
        demo_ds.site_tables[(election.day, "DEMO")].ids
    )
    assert sum(r.affected_points or 0 for r in sites) == n


def test_unknown_ids_and_ambiguous_input_are_refused(demo_ds) -> None:
    with pytest.raises(NotFound):
        affected_by_site(demo_ds, "no-such-site", NOW)
    with pytest.raises(NotFound):
        affected_in_precinct(demo_ds, "999", NOW)
    with pytest.raises(NotFound):  # a real id, in another county than asked
        affected_by_site(demo_ds, demo_ds.polling[max(demo_ds.polling)][("DEMO", "001")].id,
                         NOW, county="WAKE")  # fmt: skip
    for bad in ("", "   ", "x" * 121):
        with pytest.raises(InvalidParameter):
            affected_by_site(demo_ds, bad, NOW)


def test_without_address_points_counts_are_unknown_not_zero(demo_ds, table) -> None:
    bare = replace(demo_ds, addresses=AddressIndex.empty())
    result = affected_by_site(bare, table.ids[0], NOW)
    assert not result.points_known and result.total_points is None
    county = [p for p in demo_ds.precincts if p.county == "DEMO"]
    assert len(result.rows) == len(county)  # countywide: every precinct may go there
    assert {(r.address_points, r.affected_points) for r in result.rows} == {(None, None)}
    body = to_json(result, bare.version, bare.demo)
    assert body["address_points_known"] is False and body["affected_points"] is None
    assert {r["affected_points"] for r in body["rows"]} == {None}
    lines = to_csv(result).splitlines()
    assert lines[1].split(",")[3:5] == ["", ""]  # empty, never 0
    assert "counts unknown" in to_text(result, bare.demo)


def test_a_site_without_coordinates_is_nearest_to_nobody_and_its_counts_unknown(
    demo_ds, election, table
) -> None:
    site = table.sites[0]
    moved = tuple(
        replace(s, lat=None, lon=None) if s.id == site.id else s
        for s in demo_ds.early_voting[election.day]
    )
    ds = replace(demo_ds, early_voting={**demo_ds.early_voting, election.day: moved})
    result = affected_by_site(ds, site.id, NOW)
    assert result.places[0].placed is False
    assert result.rows and {r.affected_points for r in result.rows} == {None}
    assert all(r.address_points is not None for r in result.rows)
    mine = affected_in_precinct(ds, "019", NOW)
    unplaced = [r for r in mine.rows if r.place.id == site.id]
    assert unplaced[0].affected_points is None


def test_the_csv_is_safe_for_spreadsheets(demo_ds, election) -> None:
    """A BOE name that starts like a formula is shown as text."""
    polling = dict(demo_ds.polling[election.day])
    key = ("DEMO", "001")
    polling[key] = replace(polling[key], name="=HYPERLINK(1)")
    ds = replace(demo_ds, polling={**demo_ds.polling, election.day: polling})
    rows = list(csv.reader(io.StringIO(to_csv(affected_by_site(ds, polling[key].id, NOW)))))
    assert tuple(rows[0]) == COLUMNS
    assert rows[1][COLUMNS.index("polling_place_name")] == "'=HYPERLINK(1)"


def test_the_command(demo_dir: Path, tmp_path: Path, capsys, table) -> None:
    out = tmp_path / "affected.csv"
    site = table.ids[0]
    args = ["affected", "--data-dir", str(demo_dir), "--date", "2028-10-25"]
    assert main([*args, "--site", site, "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert site in printed and "address points sent there" in printed
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {r["polling_place_id"] for r in rows} == {site}
    assert all(int(r["affected_points"]) > 0 for r in rows)
    assert main([*args, "--precinct", "019"]) == 0
    assert "election_day" in capsys.readouterr().out
    assert main([*args, "--site", "nope"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "nope" in err


def test_700000_points_take_seconds(demo_ds, table) -> None:
    """A county's worth of address points: vectorised, not a loop per point."""
    rng = np.random.default_rng(3)
    lon0, lat0, lon1, lat1 = demo_ds.bbox
    n = 700_000
    cols = {
        "key": np.zeros(n, dtype="S1"),
        "place_names": np.array([b""]),
        "lon": rng.uniform(lon0, lon1, n),
        "lat": rng.uniform(lat0, lat1, n),
    }
    big = replace(demo_ds, addresses=AddressIndex(cols))
    start = time.perf_counter()
    result = affected_by_site(big, table.ids[0], NOW)
    took = time.perf_counter() - start
    assert took < 5, took
    inside = PointPrecincts.of(big)
    assert result.total_points == int((inside.precinct >= 0).sum()) > 100_000
