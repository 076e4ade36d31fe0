"""The bundled demo county: its source files in the repository, built on first use.

The sources under ``data/precincts/demo`` are in the real published formats, so the demo
dataset goes through exactly the refresh a county runs. It is built once into the cache
folder, keyed by a hash of the sources, and reused.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from lookup.config import Settings
from lookup.dataset.codec import FORMAT, NAMED_PLACES
from lookup.dataset.publish import current_target
from lookup.domain.boards import KNOWN_BOARDS
from lookup.errors import DataError
from lookup.ingest.refresh import RefreshRequest, refresh

log = logging.getLogger(__name__)

ELECTION_DAY = date(2028, 11, 7)
PRECINCTS = "SBE_PRECINCTS_20280801.zip"
POLLING_PLACES = ("demo-polling-places-20281107.csv", "demo-polling-places-20261103.csv")
EARLY_VOTING = ("demo-one-stop-sites-20281107.txt",)
ADDRESSES = ("Master_Address_Table_demo.csv",)
CENTERLINES = ("demo-street-centerlines.zip",)
SITE_DETAILS = ("demo-site-details.csv",)


def demo_request(sources: Path, data_dir: Path) -> RefreshRequest:
    return RefreshRequest(
        precincts=sources / PRECINCTS,
        polling_places=tuple(sources / n for n in POLLING_PLACES),
        early_voting=tuple(sources / n for n in EARLY_VOTING),
        addresses=tuple(sources / n for n in ADDRESSES),
        centerlines=tuple(sources / n for n in CENTERLINES),
        site_details=tuple(sources / n for n in SITE_DETAILS),
        election_day=ELECTION_DAY,
        election_name="General Election",
        county="DEMO",
        data_dir=data_dir,
        demo=True,
        board=KNOWN_BOARDS["DEMO"],
    )


def _sources_digest(req: RefreshRequest) -> str:
    """Keyed by the stored format too, so a new layout never meets an old cached build
    (and by the named places, which versions written before them lack)."""
    h = hashlib.sha256(f"format {FORMAT} {NAMED_PLACES}".encode())
    for p in req.source_files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def ensure_demo_dataset(settings: Settings, now: datetime) -> Path:
    """The data folder of the demo county, built by a real refresh if not yet cached.

    Its version is ``demo-<hash of the sources>``: the same files give the same version.
    """
    sources = settings.demo_sources
    if not (sources / PRECINCTS).exists():
        raise DataError(
            f"the demo county's files are not in {sources}; run scripts/make_demo_data.py "
            "or pass --data-dir"
        )
    digest = _sources_digest(demo_request(sources, settings.cache_dir))
    data_dir = settings.cache_dir / f"demo-{digest}"
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.cache_dir / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one builder at a time across processes
        if current_target(data_dir) is None:
            log.info("building the demo county dataset in %s", data_dir)
            req = replace(demo_request(sources, data_dir), version=f"demo-{digest}")
            report = refresh(req, now)
            if not report.published:
                raise DataError(
                    "the demo dataset failed validation: " + "; ".join(report.problems.errors)
                )
    return data_dir
