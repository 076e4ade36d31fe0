"""Site details on the real Mecklenburg 2020 files (``conftest.meck_2020``): a details CSV
keyed by two real early-voting site ids and by a real polling place's id, refreshed with
the same NCSBE files, shows its texts in both languages in the answer and in the VIP
export."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lookup.config import Settings
from lookup.dataset.holder import DatasetHolder
from lookup.ingest.refresh import RefreshRequest, refresh
from lookup.outputs.vip import export_vip, place_location_id, site_location_id
from lookup.web.app import create_app

pytestmark = pytest.mark.realdata

MAIN_LIBRARY = "310 N Tryon St, Charlotte"  # a real address point (the facilities layer)
ELECTION = date(2020, 11, 3)


def client_of(data: Path):
    return create_app(Settings(data_dir=data, rate_limit="", suggest_rate_limit="")).test_client()


def answer(client, lang: str) -> dict:
    r = client.get(
        "/api/v1/lookup",
        query_string={"address": MAIN_LIBRARY, "lang": lang, "date": "2020-10-20"},
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


@pytest.fixture(scope="module")
def with_details(meck_2020, real: Path, facilities_csv: Path, tmp_path_factory) -> tuple:
    """The 2020 refresh again with a details file for the library address's polling place
    and the first two early-voting sites (ids read from the published version)."""
    _report, data = meck_2020
    ds = DatasetHolder(data).load_now()
    place = answer(client_of(data), "en")["polling_place"]["id"]
    sites = sorted(s.id for s in ds.early_voting[ELECTION])[:2]
    folder = tmp_path_factory.mktemp("details")
    details = folder / "site_details.csv"
    with details.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "accessible_entrance_en", "accessible_entrance_es", "phone"])
        w.writerow(
            [place, "Test text: ramp at door A", "Texto de prueba: rampa en la puerta A", ""]
        )
        for n, sid in enumerate(sites):
            w.writerow([sid, f"Test text: door {n}", f"Texto de prueba: puerta {n}", "7045550100"])
    req = RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(
            real / "statewide/polling_places/polling_place_20201103.csv",
            real / "statewide/polling_places/polling_place_20181106.csv",
        ),
        early_voting=(real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",),
        addresses=(facilities_csv,),
        county="Mecklenburg",
        election_day=ELECTION,
        data_dir=folder / "data",
    )
    report = refresh(replace(req, site_details=(details,)), datetime(2020, 9, 1, tzinfo=UTC))
    assert report.published, report.lines()
    assert report.counts["places_with_site_details"] == 3
    return folder / "data", place, sites


def test_the_answer_carries_the_details_in_both_languages(with_details) -> None:
    data, place, sites = with_details
    client = client_of(data)
    en, es = answer(client, "en"), answer(client, "es")
    assert en["polling_place"]["id"] == place
    assert en["polling_place"]["details"]["accessible_entrance"] == "Test text: ramp at door A"
    assert es["polling_place"]["details"]["accessible_entrance"] == (
        "Texto de prueba: rampa en la puerta A"
    )
    by_id = {s["id"]: s["details"] for s in es["early_voting_sites"]}
    assert [by_id[sid]["accessible_entrance"] for sid in sites] == [
        "Texto de prueba: puerta 0",
        "Texto de prueba: puerta 1",
    ]
    assert {by_id[sid]["phone"] for sid in sites} == {"704-555-0100"}
    others = [d for sid, d in by_id.items() if sid not in sites]
    assert len(others) == 31 and all(d["accessible_entrance"] is None for d in others)


def test_the_vip_export_carries_the_english_details(with_details, tmp_path: Path) -> None:
    data, place, sites = with_details
    ds = DatasetHolder(data).load_now()
    export_vip(ds, tmp_path / "vip", datetime(2020, 10, 1, tzinfo=UTC), ELECTION)
    with (tmp_path / "vip" / "polling_location.txt").open(encoding="utf-8", newline="") as f:
        rows = {r["id"]: r for r in csv.DictReader(f)}
    assert rows[place_location_id("MECKLENBURG", place)]["directions"] == (
        "Accessible entrance: Test text: ramp at door A."
    )
    located = {s.id: site_location_id(s) for s in ds.early_voting[ELECTION] if s.id in sites}
    assert [rows[located[sid]]["directions"] for sid in sites] == [
        "Accessible entrance: Test text: door 0.",
        "Accessible entrance: Test text: door 1.",
    ]
