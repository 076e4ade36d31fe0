"""The datasets ``scripts.bench`` measures, built by the real code in a temporary folder.

* ``demo``: the generated Demo County (``lookup.dataset.demo.ensure_demo_dataset``), 40 precincts,
  ~21,000 address points;
* ``meck``: the real Mecklenburg files through ``lookup.ingest.refresh.refresh``, as
  ``tests/realdata/test_realdata.py`` does: the 2024 precinct shapefile (195), the NCSBE polling
  places of 2020 and 2018, the 2020 one-stop list, and the county's ~160 geocoded
  facilities as address points (a generic CSV written in the temporary folder);
* ``meck700k``: the same plus the 700,000-point synthetic Master Address Table
  (``scripts/data/synthetic_addresses.py``, in Mecklenburg's bounding box): a real county's
  size, for memory, HTTP and ``lookup batch``;
* ``state``: the statewide 2018 map (``vtds0-3.kmz``, 2,706 precincts), its polling
  places (``pp1-3.kml``) and one-stop sites: the precinct grid is built by the refresh
  exactly as for a county (``lookup.spatial.grid.build_grid``).

The real files are read in place; nothing derived from them leaves the temporary folder.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from lookup.config import Settings
from lookup.dataset.demo import ensure_demo_dataset
from lookup.dataset.holder import DatasetHolder
from lookup.dataset.model import Dataset
from lookup.dataset.publish import current_target
from lookup.ingest.refresh import RefreshRequest, refresh
from scripts.data.synthetic_addresses import generate, mat_frame

MECK_PRECINCTS = Path("mecklenburg/precincts/Voter_Precinct_20241003.zip")
MECK_POLLING = Path("statewide/polling_places/polling_place_20201103.csv")
MECK_POLLING_PREV = Path("statewide/polling_places/polling_place_20181106.csv")
MECK_EARLY = Path("mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt")
MECK_ELECTION = date(2020, 11, 3)
MECK_DAY = "2020-10-20"  # early voting of the 2020 general: every part of the answer is built
STATE_PRECINCTS = tuple(Path(f"statewide/precincts/vtds{i}.kmz") for i in range(4))
STATE_POLLING = tuple(Path(f"statewide/polling_places/pp{i}.kml") for i in (1, 2, 3))
STATE_EARLY = Path("statewide/early_voting/ossite_2018.kml")
STATE_ELECTION = date(2018, 11, 6)
FACILITY_LAYERS = ("schools", "libraries", "town_halls", "fire_stations", "police_stations")
SYNTHETIC_POINTS = 700_000


@dataclass(frozen=True)
class Built:
    label: str
    data_dir: Path
    ds: Dataset
    seconds: float  # the refresh (the demo: its build) in this process
    day: str | None  # ``date=`` for requests: when an election of the data is active

    @property
    def folder(self) -> Path:
        target = current_target(self.data_dir)
        assert target is not None
        return target


@dataclass(frozen=True)
class Synthetic:
    frame: pd.DataFrame  # the columns of ``sources.addresses.COLUMNS``
    mat: Path  # the same rows as a Master Address Table CSV
    generate_s: float
    write_s: float


def build_demo(tmp: Path, now: datetime) -> Built:
    t0 = time.perf_counter()
    data_dir = ensure_demo_dataset(Settings(cache_dir=tmp / "cache"), now)
    seconds = time.perf_counter() - t0
    return Built("demo", data_dir, DatasetHolder(data_dir).load_now(), seconds, None)


def facility_csv(real_dir: Path, out: Path) -> Path:
    """The county's geocoded facilities as a generic address CSV (as the real-data tests)."""
    import geopandas as gpd

    with out.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["address", "city", "state", "zip", "lat", "lon"])
        for layer in FACILITY_LAYERS:
            frame = gpd.read_file(real_dir / "mecklenburg" / "places" / f"{layer}.geojson")
            for _, r in frame.iterrows():
                city = str(r.get("city") or r.get("city_state") or "").split(",")[0]
                w.writerow([r["address"], city, "NC", "", r.geometry.y, r.geometry.x])
    return out


def synthetic_table(tmp: Path, points: int = SYNTHETIC_POINTS) -> Synthetic:
    t0 = time.perf_counter()
    frame = generate(points)
    t1 = time.perf_counter()
    mat = tmp / f"mat{points // 1000}k.csv"
    mat_frame(frame).to_csv(mat, index=False)
    return Synthetic(frame, mat, t1 - t0, time.perf_counter() - t1)


def build_meck(
    real_dir: Path, tmp: Path, now: datetime, label: str, addresses: tuple[Path, ...]
) -> Built | str:
    """A Mecklenburg dataset from the real files (and ``addresses``), or why not."""
    paths = [real_dir / p for p in (MECK_PRECINCTS, MECK_POLLING, MECK_POLLING_PREV, MECK_EARLY)]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        return "real Mecklenburg files not found: " + ", ".join(missing)
    data_dir = tmp / label
    req = RefreshRequest(
        precincts=paths[0],
        polling_places=(paths[1], paths[2]),
        early_voting=(paths[3],),
        addresses=addresses,
        election_day=MECK_ELECTION,
        county="MECKLENBURG",
        data_dir=data_dir,
    )
    t0 = time.perf_counter()
    report = refresh(req, now)
    seconds = time.perf_counter() - t0
    if not report.published:
        return f"the {label} refresh did not publish: " + "; ".join(report.problems.errors)
    return Built(label, data_dir, DatasetHolder(data_dir).load_now(), seconds, MECK_DAY)


def build_state(real_dir: Path, tmp: Path, now: datetime) -> Built | str:
    """The statewide 2018 dataset, or why not."""
    precincts = tuple(real_dir / p for p in STATE_PRECINCTS)
    polling = tuple(real_dir / p for p in STATE_POLLING)
    early = real_dir / STATE_EARLY
    missing = [str(p) for p in (*precincts, *polling, early) if not p.exists()]
    if missing:
        return "statewide 2018 files not found: " + ", ".join(missing)
    data_dir = tmp / "state"
    req = RefreshRequest(
        precincts=precincts,
        polling_places=polling,
        early_voting=(early,),
        election_day=STATE_ELECTION,
        data_dir=data_dir,
    )
    t0 = time.perf_counter()
    report = refresh(req, now)
    seconds = time.perf_counter() - t0
    if not report.published:
        return "the statewide refresh did not publish: " + "; ".join(report.problems.errors)
    return Built("state", data_dir, DatasetHolder(data_dir).load_now(), seconds, "2018-10-25")
