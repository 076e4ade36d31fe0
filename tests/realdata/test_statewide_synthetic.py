"""The statewide synthetic address table and voter file (issue 27, item 1), small: points
inside their precincts, towns of their county, realistic shares, both shapes read by the
ingest, and a statewide refresh that answers a generated address with its precinct."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from lookup.dataset.holder import DatasetHolder
from lookup.domain.schedule import LOCAL_TZ
from lookup.ingest.formats.addresses import read_addresses
from lookup.ingest.refresh import refresh
from lookup.service import AddressQuery, find_polling_place
from scripts.data.statewide import (
    POLLING_CSV,
    StatewideFiles,
    county_rows,
    read_plans,
    statewide_request,
    write_statewide,
    write_voters,
)

pytestmark = pytest.mark.realdata
POINTS = 20_000
SEED = 2018


@pytest.fixture(scope="module")
def files(real: Path, tmp_path_factory: pytest.TempPathFactory) -> StatewideFiles:
    return write_statewide(real, tmp_path_factory.mktemp("statewide"), POINTS, SEED)


@pytest.fixture(scope="module")
def table(files: StatewideFiles) -> pd.DataFrame:
    """Both files as one frame: county, city, ZIP, number, unit, point, and which file."""
    nena = pd.read_csv(files.nena, dtype=str, keep_default_na=False)
    generic = pd.read_csv(files.generic, dtype=str, keep_default_na=False)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "file": "nena",
                    "county": nena["County"].str.upper().str.removesuffix(" COUNTY"),
                    "city": nena["Post_Comm"].str.upper(),
                    "zip": nena["Post_Code"],
                    "number": nena["Add_Number"],
                    "street": (
                        nena["St_PreDir"]
                        + " "
                        + nena["St_PreTyp"]
                        + " "
                        + nena["St_Name"]
                        + " "
                        + nena["St_PosTyp"]
                    )
                    .str.upper()
                    .str.split()
                    .str.join(" "),
                    "unit": nena["Unit"],
                    "lon": nena["Longitude"],
                    "lat": nena["Latitude"],
                }
            ),
            pd.DataFrame(
                {
                    "file": "generic",
                    "county": generic["DISTRICT"],
                    "city": generic["CITY"],
                    "zip": generic["POSTCODE"].str.removesuffix(".0"),
                    "number": generic["NUMBER"],
                    "street": generic["STREET"],
                    "unit": generic["UNIT"],
                    "lon": generic["LON"],
                    "lat": generic["LAT"],
                }
            ),
        ],
        ignore_index=True,
    )


def test_same_seed_same_bytes(real: Path, files: StatewideFiles, tmp_path: Path) -> None:
    again = write_statewide(real, tmp_path / "again", POINTS, SEED)
    assert again.rows == files.rows and again.counties == files.counties == 100
    for a, b in ((files.nena, again.nena), (files.generic, again.generic)):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_statewide(real, tmp_path / "other", 2_000, SEED + 1)
    assert other.nena.read_bytes() != files.nena.read_bytes()


def test_every_county_and_about_the_points_asked(files: StatewideFiles, table) -> None:
    assert len(table) == files.rows
    assert abs(files.rows - POINTS) < 0.02 * POINTS
    assert table["county"].nunique() == 100
    # The counties split between the two shapes (duplicates aside).
    own = table.groupby("county")["file"].agg(lambda f: f.value_counts().idxmax())
    assert 40 <= (own == "nena").sum() <= 60


def test_points_inside_their_county(real: Path, files: StatewideFiles, table) -> None:
    """Every written point lies inside a precinct of the county the row names."""
    plans = read_plans(real, POINTS, SEED)
    polygons = [g for p in plans for g in p.precincts.geometry]
    county_of = np.array([p.name for p in plans for _ in range(len(p.precincts))])
    points = shapely.points(table["lon"].astype(float), table["lat"].astype(float))
    row, poly = shapely.STRtree(polygons).query(points, predicate="within")
    ok = np.zeros(len(table), dtype=bool)
    ok[row[county_of[poly] == table["county"].to_numpy()[row]]] = True
    assert ok.all(), table[~ok].head()


def test_points_inside_their_own_precinct(real: Path) -> None:
    """A county's rows, made alone, each stand inside the precinct they were made for."""
    plans = {p.name: p for p in read_plans(real, POINTS, SEED)}
    for name in ("MECKLENBURG", "DARE", "WAKE", "HYDE"):
        plan = plans[name]
        rows = county_rows(plan, SEED)
        # Every precinct gets at least one point, even where its share rounds to none.
        assert plan.points <= len(rows) <= plan.points + len(plan.precincts)
        assert set(rows["prec_id"]) == set(plan.precincts["prec_id"])
        polygon = dict(zip(plan.precincts["prec_id"], plan.precincts.geometry, strict=True))
        for prec_id, group in rows.groupby("prec_id"):
            inside = shapely.contains_xy(polygon[prec_id], group["lon"], group["lat"])
            assert inside.all(), (name, prec_id)
        # House numbers increase along each street, as laid.
        for _street, group in rows[rows["unit"] == ""].groupby("street"):
            assert (np.diff(group["number"].to_numpy()) >= 0).all()


def test_towns_and_zips_are_the_countys(real: Path, table) -> None:
    """Each (city, ZIP) pair is one of the county's 2018 polling places'."""
    places = pd.read_csv(
        real / POLLING_CSV, sep="\t", encoding="utf-16", dtype=str, keep_default_na=False
    )
    city = places["city"].str.split().str.join(" ")  # the file has "LAUREL  HILL"
    known = set(zip(places["county_name"], city, places["zip"], strict=True))
    cities = set(zip(places["county_name"], city, strict=True))
    with_zip = table[table["zip"] != ""]
    pairs = set(zip(with_zip["county"], with_zip["city"], with_zip["zip"], strict=True))
    assert pairs <= known, sorted(pairs - known)[:5]
    assert set(zip(table["county"], table["city"], strict=True)) <= cities


def test_realistic_shares(files: StatewideFiles, table) -> None:
    units = (table["unit"] != "").mean()
    assert 0.08 <= units <= 0.18, units
    # Duplicates: the same building (point and number) in both files.
    keys = table["lon"] + " " + table["lat"] + " " + table["number"]
    both = set(keys[table["file"] == "nena"]) & set(keys[table["file"] == "generic"])
    buildings = table.loc[table["unit"] == "", "file"].size
    assert 0.01 <= len(both) / buildings <= 0.03, len(both) / buildings
    generic = pd.read_csv(files.generic, dtype=str, keep_default_na=False)
    no_zip = (generic["POSTCODE"] == "").mean()
    assert 0.03 <= no_zip <= 0.07, no_zip
    assert generic["POSTCODE"].str.endswith(".0").any()  # a float-typed ZIP column
    nena = pd.read_csv(files.nena, dtype=str, keep_default_na=False)
    assert (nena["Inc_Muni"] == "Unincorporated").mean() > 0.03
    assert (nena["Inc_Muni"].str.upper() != nena["Post_Comm"].str.upper()).mean() < 0.3
    # The same key in dozens of counties: what per-county search must get right.
    main = table[(table["street"].isin(["MAIN ST", "MAIN STREET"])) & (table["number"] == "100")]
    assert main["county"].nunique() >= 60, main["county"].nunique()


def test_ingest_reads_both_files(files: StatewideFiles, table) -> None:
    for path, shape in ((files.nena, "nena"), (files.generic, "generic")):
        notes: list[str] = []
        frame = read_addresses(path, notes)
        assert notes == []
        assert len(frame) == (table["file"] == shape).sum()
        assert frame["key"].str.match(r"^[0-9]+ \S").all()
    generic = read_addresses(files.generic)
    assert (generic["zip"] == "").mean() < 0.08 and generic["zip"].str.len().isin([0, 5]).all()


def test_voter_file(files: StatewideFiles, tmp_path: Path) -> None:
    path = write_voters(files, tmp_path / "voters.csv", rows=6_000, seed=3)
    assert path.read_bytes() == write_voters(files, tmp_path / "again.csv", 6_000, 3).read_bytes()
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 6_000 and list(rows[0]) == ["id", "address"]
    assert len({r["id"] for r in rows}) == 6_000
    text = [r["address"] for r in rows]
    in_nc = [a for a in text if ", NC " in a or (a.count(",") == 1 and a[:1].isdigit())]
    assert 0.97 <= len(in_nc) / len(text) <= 1.0
    no_zip = sum(1 for a in text if a.count(",") == 1 and a[:1].isdigit()) / len(text)
    assert 0.03 <= no_zip <= 0.09, no_zip
    elsewhere = sum(1 for a in text if a not in in_nc) / len(text)
    assert 0.003 <= elsewhere <= 0.02, elsewhere


def test_statewide_refresh_answers_a_generated_address(
    real: Path, files: StatewideFiles, tmp_path: Path
) -> None:
    report = refresh(
        statewide_request(real, files, tmp_path / "data"), datetime(2018, 9, 1, tzinfo=UTC)
    )
    assert report.published, report.lines()
    assert report.counts["address_points"] == files.rows
    ds = DatasetHolder(tmp_path / "data").load_now()
    plan = next(p for p in read_plans(real, POINTS, SEED) if p.name == "MECKLENBURG")
    rows = county_rows(plan, SEED)
    rows = rows[(rows["unit"] == "") & (rows["predir"] == "") & (rows["pretype"] == "")]
    now = datetime(2018, 10, 20, 12, tzinfo=LOCAL_TZ)
    for r in rows.sample(5, random_state=1).itertuples():
        text = f"{r.number} {r.name} {r.type}, {r.city}, NC {r.zip}"
        a = find_polling_place(ds, AddressQuery(text), now)
        assert a.match.source == "address_point", text
        assert (a.match.lon, a.match.lat) == pytest.approx((r.lon, r.lat), abs=1e-6), text
        assert (a.precinct.county, a.precinct.id) == ("MECKLENBURG", r.prec_id), text
    # The same key in many counties: the town and ZIP say which.
    for county in ("WAKE", "BUNCOMBE", "DARE"):
        text, prec_id = _main_street_100(real, county)
        a = find_polling_place(ds, AddressQuery(text), now)
        assert (a.precinct.county, a.precinct.id) == (county, prec_id), text


def _main_street_100(real: Path, county: str) -> tuple[str, str]:
    """'100 MAIN ST, CITY, NC ZIP' of ``county`` (a key nearly every county has), and its
    precinct."""
    plan = next(p for p in read_plans(real, POINTS, SEED) if p.name == county)
    rows = county_rows(plan, SEED)
    main = rows[(rows["name"] == "MAIN") & (rows["predir"] == "") & (rows["number"] == 100)]
    r = main.iloc[0]
    return f"100 MAIN ST, {r.city}, NC {r.zip}", str(r.prec_id)
