"""Shared fixtures: the demo county built once per session, the real NC files, servers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from support.cases import CUT_NAME, FULL_NAME, HOSTILE, NAMELESS, NAMELESS_PRECINCT
from support.paths import SHARED
from support.servers import RESIDENT_DATA, SERVER_LOGS, Server, leaked_in

from scripts.harness import CHROMIUM, CHROMIUM_FLAGS


@pytest.fixture(scope="session")
def real() -> Path:
    """The real NC files in ../shared/data/nc (read in place, never copied)."""
    if not (SHARED / "README.md").exists():
        pytest.skip(f"real NC data not present at {SHARED} (../shared is absent)")
    return SHARED


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(scope="session")
def demo_dir(demo_cache: Path) -> Path:
    """The demo county, published by a real refresh into a temporary cache."""
    from lookup.config import Settings
    from lookup.dataset.demo import ensure_demo_dataset

    return ensure_demo_dataset(Settings(cache_dir=demo_cache), datetime(2028, 1, 1))


@pytest.fixture(scope="session")
def demo_ds(demo_dir: Path):
    from lookup.dataset.holder import DatasetHolder

    return DatasetHolder(demo_dir).load_now()


@pytest.fixture(scope="session")
def facilities_csv(real: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generic address CSV (in a temp folder) of the county's facility points: the real
    address points a test can have (schools, libraries, town halls, stations)."""
    import csv

    import geopandas as gpd

    out = tmp_path_factory.mktemp("addr") / "facilities.csv"
    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["address", "city", "state", "zip", "lat", "lon"])
        for layer in ("schools", "libraries", "town_halls", "fire_stations", "police_stations"):
            frame = gpd.read_file(real / "mecklenburg" / "places" / f"{layer}.geojson")
            for _, r in frame.iterrows():
                city = str(r.get("city") or r.get("city_state") or "").split(",")[0]
                w.writerow([r["address"], city, "NC", "", r.geometry.y, r.geometry.x])
    return out


@pytest.fixture(scope="session")
def meck_2020(real: Path, facilities_csv: Path, tmp_path_factory: pytest.TempPathFactory):
    """Mecklenburg's 2020 general election from the real files (NCSBE's statewide 2020 and
    2018 polling-place lists, its final one-stop list, the county's precinct map), with
    the facility points as address points: ``(report, data folder)``, published once."""
    from datetime import UTC, date

    from lookup.ingest.refresh import RefreshRequest, refresh

    data = tmp_path_factory.mktemp("meck")
    report = refresh(
        RefreshRequest(
            precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
            polling_places=(
                real / "statewide/polling_places/polling_place_20201103.csv",
                real / "statewide/polling_places/polling_place_20181106.csv",
            ),
            early_voting=(
                real / "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",
            ),
            addresses=(facilities_csv,),
            county="Mecklenburg",
            election_day=date(2020, 11, 3),
            data_dir=data,
        ),
        datetime(2020, 9, 1, tzinfo=UTC),
    )
    assert report.published, report.lines()
    return report, data


@pytest.fixture(scope="module")
def meck_table(real: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    """The accuracy harness's table from the real county layers (no synthetic
    background): the same building in several layers and spellings, some astride a
    precinct line, published by the real refresh: ``(table, data folder)``."""
    from scripts.data import accuracy, accuracy_table

    table = accuracy_table.build(real, 0)
    work = tmp_path_factory.mktemp("picks-meck")
    summary, ds = accuracy.publish(table, real, work, lambda _name: None)
    assert ds is not None, summary
    return table, work / "data"


@pytest.fixture(scope="module")
def meck_server(meck_table, tmp_path_factory) -> Iterator[Server]:
    """``lookup serve`` (one worker) on ``meck_table``: where a candidate is picked. A
    module that wants another Mecklenburg server defines its own ``meck_server``."""
    srv = Server(meck_table[1], tmp_path_factory.mktemp("picks-log") / "server.log", workers=1)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for a module's page tests (each opens its own context). Per
    module: Playwright's sync API allows one instance at a time, and other modules start
    their own."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="module")
def browser(chromium):
    """``chromium`` by the name the page tests take (one Chromium a module either way)."""
    return chromium


@pytest.fixture(scope="session", autouse=True)
def no_resident_data_in_any_log() -> Iterator[None]:
    """After the whole run: grep every server's log for the addresses and coordinates the
    tests used. A failure here names the file and the leaked text."""
    yield
    for path in SERVER_LOGS:
        text = path.read_text(errors="replace") if path.exists() else ""
        leaked = leaked_in(text, RESIDENT_DATA)
        assert not leaked, f"{path}: {leaked}"


@pytest.fixture(scope="session")
def server(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(demo_dir, tmp_path_factory.mktemp("log") / "server.log")
    yield srv
    srv.stop()


def demo_sources_renamed(
    tmp_path_factory: pytest.TempPathFactory, label: str, names: dict[str, str]
) -> Path:
    """A copy of the demo county's source files whose 2028 polling places of the given
    precincts (``{"PCT 019": name}``) carry other names, as a BOE file might."""
    import shutil

    from lookup.config import DEMO_SOURCES

    sources = tmp_path_factory.mktemp(f"{label}-sources")
    for f in DEMO_SOURCES.iterdir():
        if f.is_file():
            shutil.copy(f, sources / f.name)
    polling = sources / "demo-polling-places-20281107.csv"
    rows = polling.read_bytes().decode("utf-16").split("\r\n")
    for k, row in enumerate(rows):
        cells = row.split("\t")
        if len(cells) > 4 and cells[4] in names:
            cells[3] = names[cells[4]]
            rows[k] = "\t".join(cells)
    polling.write_bytes("\r\n".join(rows).encode("utf-16"))
    return sources


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county with PCT 019's 2028 polling place renamed to an HTML payload (BOE
    files are untrusted input): published by a real refresh into a temporary folder."""

    from lookup.dataset.demo import demo_request
    from lookup.ingest.refresh import refresh

    sources = demo_sources_renamed(tmp_path_factory, "hostile", {"PCT 019": HOSTILE})
    data = tmp_path_factory.mktemp("hostile-data")
    report = refresh(demo_request(sources, data), datetime(2028, 1, 1))
    assert report.published, report.lines()
    return data


@pytest.fixture(scope="session")
def hostile_server(hostile_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(hostile_dir, tmp_path_factory.mktemp("hostile-log") / "server.log")
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def display_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county with PCT 019's 2028 polling place named as NCSBE cuts names (30
    characters, mid-word, no other source to complete it) and PCT 004's named ``Q``:
    published by a real refresh, which flags them (``name_complete``, ``name_plausible``)."""
    from datetime import date

    from lookup.dataset.demo import demo_request
    from lookup.dataset.holder import DatasetHolder
    from lookup.ingest.refresh import refresh

    assert len(CUT_NAME) == 30
    names = {"PCT 019": CUT_NAME, f"PCT {NAMELESS_PRECINCT}": NAMELESS}
    sources = demo_sources_renamed(tmp_path_factory, "display", names)
    data = tmp_path_factory.mktemp("display-data")
    report = refresh(demo_request(sources, data), datetime(2028, 1, 1))
    assert report.published, report.lines()
    places = DatasetHolder(data).load_now().polling[date(2028, 11, 7)]
    cut, nameless = places[("DEMO", "019")], places[("DEMO", NAMELESS_PRECINCT)]
    assert (cut.name, cut.name_complete) == (CUT_NAME, False)
    assert (nameless.name, nameless.name_plausible) == (NAMELESS, False)
    return data


@pytest.fixture(scope="session")
def repaired_dir(display_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``display_dir``'s cut name repaired by a refresh given a place source that names the
    same building in full (a county facility layer: a point at 7333 GULL ST)."""
    import json
    from dataclasses import replace
    from datetime import date

    from lookup.dataset.demo import demo_request
    from lookup.dataset.holder import DatasetHolder
    from lookup.ingest.refresh import refresh

    cut = DatasetHolder(display_dir).load_now().polling[date(2028, 11, 7)][("DEMO", "019")]
    assert FULL_NAME.startswith(cut.name) and cut.lon is not None
    sources = demo_sources_renamed(tmp_path_factory, "repaired", {"PCT 019": cut.name})
    layer = sources / "community_centers.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": FULL_NAME, "address": "7333 Gull St", "city": "Demo City"},
        "geometry": {"type": "Point", "coordinates": [cut.lon, cut.lat]},
    }
    layer.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    data = tmp_path_factory.mktemp("repaired-data")
    req = replace(demo_request(sources, data), places=(layer,))
    report = refresh(req, datetime(2028, 1, 1))
    assert report.published, report.lines()
    place = DatasetHolder(data).load_now().polling[date(2028, 11, 7)][("DEMO", "019")]
    assert (place.name, place.name_complete, place.name_source) == (
        FULL_NAME,
        True,
        layer.name,
    )
    return data
