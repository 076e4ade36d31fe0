"""Shared fixtures: the demo county built once per session, the real NC files, servers."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "nc"
sys.path.insert(0, str(Path(__file__).parent))


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
def chromium():
    """A headless Chromium for a module's page tests (each opens its own context). Per
    module: Playwright's sync API allows one instance at a time, and other modules start
    their own."""
    from playwright.sync_api import sync_playwright
    from test_browser import CHROMIUM, FLAGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Every server log of the session, read at its end by ``no_resident_data_in_any_log``.
SERVER_LOGS: list[Path] = []
# What the tests send as residents' addresses and positions: none may reach a log line.
RESIDENT_DATA = (
    "13186", "Privacy", "4242", "Nowhere", "5841", "HARBOUR", "Harbor View", "912 Main",
    "3001 Harbor", "Glenwood", "34.91234", "-75.28765", "34.902294", "-75.283443",
)  # fmt: skip


@pytest.fixture(scope="session", autouse=True)
def no_resident_data_in_any_log() -> Iterator[None]:
    """After the whole run: grep every server's log for the addresses and coordinates the
    tests used. A failure here names the file and the leaked text."""
    yield
    for path in SERVER_LOGS:
        text = path.read_text(errors="replace") if path.exists() else ""
        leaked = leaked_in(text, RESIDENT_DATA)
        assert not leaked, f"{path}: {leaked}"


# gunicorn's own fields that hold numbers the system picks: a line's process id, a worker's
# pid and the listening port. A worker that happens to get pid 4242 is no leak.
_PROCESS_FIELDS = re.compile(
    r"^(\[[^\]]*\] )\[\d+\]|\bpid:? \d+|Listening at: \S+ \(\d+\)", re.MULTILINE
)


def leaked_in(text: str, needles: Iterable[str]) -> list[str]:
    """The needles found in ``text`` as whole words: "4242" inside a random request id
    (hex) or as gunicorn's worker pid is no leak."""
    text = _PROCESS_FIELDS.sub(r"\1", text)
    return [
        s
        for s in needles
        if re.search(rf"(?<![0-9A-Za-z]){re.escape(s)}(?![0-9A-Za-z])", text, re.IGNORECASE)
    ]


class Server:
    """``lookup serve`` (gunicorn) on 127.0.0.1, as the county runs it."""

    def __init__(
        self,
        data_dir: Path,
        log: Path,
        workers: int = 2,
        env: dict[str, str] | None = None,
        args: Sequence[str] = (),
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        SERVER_LOGS.append(log)
        # The suites send far more than a resident would from 127.0.0.1: loopback is exempt
        # from the rate limits here (test_limits.py starts servers without the exemption).
        # Each server counts its insights beside its log, never in the user's cache.
        env = {
            **os.environ,
            "LOOKUP_RELOAD_INTERVAL": "0.2",
            "LOOKUP_RATE_LIMIT_EXEMPT": "127.0.0.0/8",
            "LOOKUP_INSIGHTS_DB": str(log.with_suffix(".insights.sqlite3")),
            **(env or {}),
        }
        self._log = log.open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "lookup.cli",
                "serve",
                "--data-dir",
                str(data_dir),
                "--port",
                str(self.port),
                "--workers",
                str(workers),
                *args,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()}")
            try:
                if requests.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become ready: {log.read_text()}")

    def get(self, path: str, **params: object) -> requests.Response:
        return requests.get(self.url + path, params=params, timeout=10)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


@pytest.fixture(scope="session")
def server(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(demo_dir, tmp_path_factory.mktemp("log") / "server.log")
    yield srv
    srv.stop()


HOSTILE = "<img src=x onerror=alert(1)>"


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


# Names as NCSBE's files get them wrong (``display_dir``): cut at 30 characters mid-word,
# and a placeholder (the real 2020 list has ``Q`` at 3701 HAVEN DR).
CUT_NAME = "COLLEGE PARK COMMUNITY RECREAT"
NAMELESS = "Q"
NAMELESS_PRECINCT = "004"


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


FULL_NAME = "COLLEGE PARK COMMUNITY RECREATION CENTER"  # what CUT_NAME was cut from


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
