"""The demo county end to end, checked against independent readings of its source files."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from support.paths import ROOT

from lookup.config import DEMO_SOURCES
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import AddressAmbiguous
from lookup.service import AddressQuery, PointQuery, find_polling_place

NOW = datetime(2028, 10, 25, 10, 0, tzinfo=LOCAL_TZ)


def polling_file(name: str) -> dict[str, dict[str, str]]:
    text = (DEMO_SOURCES / name).read_bytes().decode("utf-16")
    return {r["precinct_name"]: r for r in csv.DictReader(io.StringIO(text), delimiter="\t")}


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    """Active address points with their precinct by a plain sjoin in State Plane feet —
    no reprojection, no grid: an independent path to the right answer."""
    mat = pd.read_csv(
        DEMO_SOURCES / "Master_Address_Table_demo.csv", dtype=str, keep_default_na=False
    )
    mat = mat[(mat.STATUS_CODE == "A") & (mat.UNITID == "")].sample(300, random_state=1)
    pts = gpd.GeoDataFrame(
        mat,
        geometry=gpd.points_from_xy(mat.XCOORD.astype(float), mat.YCOORD.astype(float)),
        crs=2264,
    )
    shp = gpd.read_file(f"zip://{DEMO_SOURCES / 'SBE_PRECINCTS_20280801.zip'}")
    return gpd.sjoin(pts, shp[["prec_id", "geometry"]], predicate="within")


def _street(r: pd.Series) -> str:
    parts = [
        r.ADDRNUM + (r.ADDRNUMSUF if len(r.ADDRNUMSUF) == 1 else ""),
        r.ADDRNUMSUF if "/" in r.ADDRNUMSUF else "",
        r.STDIR,
        r.STREETNAME,
        r.STREETTYPE,
        r.SUFDIR,
    ]
    return " ".join(p for p in parts if p)


def test_addresses_get_the_right_precinct_and_polling_place(demo_ds, truth) -> None:
    places = polling_file("demo-polling-places-20281107.csv")
    checked = 0
    for _, r in truth.iterrows():
        text = f"{_street(r)}, {r.PLACENAME} NC {r.ZIPCODE}"
        a = find_polling_place(demo_ds, AddressQuery(text), NOW)
        assert a.precinct.id == r.prec_id, text
        expected = places[f"PCT {r.prec_id}"]
        assert a.polling_place is not None
        assert a.polling_place.name == expected["polling_place_name"]
        assert a.polling_place.address.line1 == f"{expected['house_num']} {expected['street_name']}"
        assert a.demo and a.notices[0] == "demo_data"
        checked += 1
    assert checked >= 250


def test_every_polling_place_and_site_was_geocoded(demo_ds) -> None:
    for places in demo_ds.polling.values():
        assert all(
            p.lat is not None and p.latlng_source == "address_points" for p in places.values()
        )
    sites = demo_ds.early_voting[max(demo_ds.early_voting)]
    assert len(sites) == 6 and all(s.lat is not None for s in sites)


def test_place_outside_its_precinct_is_still_the_assigned_one(demo_ds) -> None:
    # Precinct 020's polling place stands in 019 (the donut around it).
    places = polling_file("demo-polling-places-20281107.csv")
    a = find_polling_place(demo_ds, PointQuery(lon=-75.3, lat=34.9), NOW)  # any point, for shape
    assert a.precinct.id
    p020 = demo_ds.polling[max(demo_ds.polling)][("DEMO", "020")]
    hit = demo_ds.index.locate(p020.lon, p020.lat)
    assert hit is not None and demo_ds.precincts[hit.index].id == "019"
    assert p020.name == places["PCT 020"]["polling_place_name"]


def test_moved_places_differ_between_elections(demo_ds) -> None:
    old, new = (
        polling_file("demo-polling-places-20261103.csv"),
        polling_file("demo-polling-places-20281107.csv"),
    )
    moved = sorted(k for k in new if old[k]["polling_place_name"] != new[k]["polling_place_name"])
    assert moved  # the demo deliberately moves a few
    pid = moved[0].removeprefix("PCT ")
    days = sorted(demo_ds.polling)
    key = ("DEMO", pid)
    assert demo_ds.polling[days[0]][key].name != demo_ds.polling[days[1]][key].name


def test_same_street_in_two_towns_is_ambiguous(demo_ds) -> None:
    with pytest.raises(AddressAmbiguous) as exc:
        find_polling_place(demo_ds, AddressQuery("912 Main St"), NOW)
    cities = {c["address"].split(", ")[1] for c in exc.value.details["candidates"]}
    assert cities == {"DEMO CITY", "RIVERTON"}
    a = find_polling_place(demo_ds, AddressQuery("912 Main St, Riverton"), NOW)
    assert "RIVERTON" in a.match.address


def test_postal_city_and_half_address(demo_ds) -> None:
    a = find_polling_place(demo_ds, AddressQuery("205 1/2 Plover Lane, Oak Hollow 28996"), NOW)
    assert a.match.address.startswith("205 1/2 PLOVER LN")
    b = find_polling_place(demo_ds, AddressQuery("9011 Church St Apt 7, 28994"), NOW)
    assert "UNIT 7" in b.match.address


def test_generator_is_deterministic_and_matches_the_committed_files(tmp_path: Path) -> None:
    script = ROOT / "scripts" / "make_demo_data.py"
    for out in ("a", "b"):
        subprocess.run(
            [sys.executable, str(script), "--out", str(tmp_path / out)],
            check=True,
            capture_output=True,
        )
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert set(names) <= {p.name for p in DEMO_SOURCES.iterdir()}
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    # Same content as committed (bytes may differ only if zlib/GDAL versions differ).
    for name in names:
        if name.endswith((".csv", ".txt", ".md")):
            assert (tmp_path / "a" / name).read_bytes() == (DEMO_SOURCES / name).read_bytes(), name
    new = gpd.read_file(f"zip://{tmp_path / 'a' / 'SBE_PRECINCTS_20280801.zip'}")
    old = gpd.read_file(f"zip://{DEMO_SOURCES / 'SBE_PRECINCTS_20280801.zip'}")
    assert new.drop(columns="geometry").equals(old.drop(columns="geometry"))
    assert new.geometry.geom_equals_exact(old.geometry, tolerance=0.01).all()
    total = sum(p.stat().st_size for p in DEMO_SOURCES.iterdir())
    assert total < 3 * 1024 * 1024
