"""``lookup affected`` on Mecklenburg's 2020 general election (``conftest.meck_2020``: the
county's real precinct map, NCSBE's 2020 polling places and one-stop sites, the county's
facility points as address points), checked point by point against the answers."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import numpy as np
import pytest

from lookup.affected import EARLY_VOTING, ELECTION_DAY, affected_by_site, affected_in_precinct
from lookup.cli import main
from lookup.dataset.holder import DatasetHolder
from lookup.domain.schedule import LOCAL_TZ
from lookup.service import nearest_sites

pytestmark = pytest.mark.realdata

NOW = datetime(2020, 10, 20, 12, tzinfo=LOCAL_TZ)  # early voting, October 15-31
ELECTION_DAY_2020 = "2020-11-03"


@pytest.fixture(scope="module")
def meck(meck_2020):
    _report, data = meck_2020
    return DatasetHolder(data).load_now(), data


@pytest.fixture(scope="module")
def located(meck) -> np.ndarray:
    """Each address point's precinct, one look-up at a time (the oracle)."""
    ds, _data = meck
    lon, lat = ds.addresses.coordinates()
    hits = [ds.index.locate(x, y) for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]
    return np.array([-1 if h is None else h.index for h in hits])


def test_a_real_polling_place_lists_its_precincts_and_their_points(meck, located) -> None:
    ds, data = meck
    day = max(ds.polling)
    assert day.isoformat() == ELECTION_DAY_2020
    position = {p.key: i for i, p in enumerate(ds.precincts)}
    # The place whose precincts hold the most facility points (a real, busy one).
    served: dict[str, int] = {}
    for key, place in ds.polling[day].items():
        served[place.id] = served.get(place.id, 0) + int((located == position[key]).sum())
    place_id = max(served, key=served.__getitem__)
    result = affected_by_site(ds, place_id, NOW)
    assert [p.kind for p in result.places] == [ELECTION_DAY]
    assigned = {key[1] for key, p in ds.polling[day].items() if p.id == place_id}
    assert {r.precinct.id for r in result.rows} == assigned
    assert all(r.affected_points == r.address_points for r in result.rows)
    inside = sum(int((located == position[r.precinct.key]).sum()) for r in result.rows)
    assert sum(r.affected_points or 0 for r in result.rows) == inside == served[place_id] > 0

    # The command prints the same, and writes the CSV.
    out = data.parent / "affected_place.csv"
    args = ["affected", "--data-dir", str(data), "--date", "2020-10-20", "--site", place_id]
    assert main([*args, "--csv", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["precinct"] for r in rows} == assigned
    assert sum(int(r["affected_points"]) for r in rows) == inside


def test_a_real_early_voting_site_counts_the_points_it_is_nearest_to(meck, located) -> None:
    ds, _data = meck
    table = ds.site_tables[(max(ds.polling), "MECKLENBURG")]
    # Only sites the facility points or the BOE file place have coordinates (9 of 33).
    assert len(table.placed) >= 2 and table.unplaced
    lon, lat = ds.addresses.coordinates()
    inside = np.flatnonzero(located >= 0)
    # Brute force: the first site each point's answer lists.
    first = {
        int(i): nearest_sites(table, float(lon[i]), float(lat[i]), NOW)[0].site.id for i in inside
    }
    busiest = max(table.ids, key=lambda s: sum(v == s for v in first.values()))
    total = 0
    for site_id in {busiest, *table.ids[:5]}:
        result = affected_by_site(ds, site_id, NOW)
        assert [p.kind for p in result.places] == [EARLY_VOTING]
        expected = [i for i, s in first.items() if s == site_id]
        assert sum(r.affected_points or 0 for r in result.rows) == len(expected)
        for row in result.rows:
            k = ds.precincts.index(row.precinct)
            assert row.affected_points == sum(located[i] == k for i in expected)
        if site_id == busiest:
            assert result.rows and result.rows[0].affected_points
            assert result.total_points == len(inside)
        total += len(expected)
    assert total > 0
    unplaced = affected_by_site(ds, table.unplaced[0].id, NOW)  # nearest to nobody: unknown
    assert not unplaced.places[0].placed and {r.affected_points for r in unplaced.rows} == {None}


def test_a_real_precinct_its_place_and_sites(meck, located) -> None:
    ds, _data = meck
    k = int(np.bincount(located[located >= 0]).argmax())  # the precinct with most points
    precinct = ds.precincts[k]
    result = affected_in_precinct(ds, f"PCT {precinct.id}", NOW)  # as NCSBE writes it
    first, *sites = result.rows
    assert first.place.kind == ELECTION_DAY
    assert first.place.id == ds.polling[max(ds.polling)][precinct.key].id
    n = int((located == k).sum())
    assert first.affected_points == n > 0
    assert sum(r.affected_points or 0 for r in sites) == n
