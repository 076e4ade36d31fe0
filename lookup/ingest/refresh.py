"""The refresh: read the BOE's files -> assemble -> validate -> publish a new version.

Nothing here touches the live data until every check has passed: the new version is
written into a hidden temporary folder, loaded back as the service would load it, renamed
into ``versions/`` and only then made live by one atomic swap of ``current``. One refresh
(or rollback) at a time per data folder (``lock.refresh_lock``), so the change report's
base is the version that is live when the new one replaces it; a dataset equal to the
live one publishes nothing.

With a reports store (``reports``: ``Settings.reports_url``), the open reports from the
front line are answered by the candidate version too, and the change report lists those
it answers differently: the front line's complaints become a regression set.

The changes on the day (``lookup.changes``: ``changes.json`` beside the versions) are
never touched: they stay applied across a refresh or rollback. The change report lists
those still open and which of them the candidate no longer has the site or precinct of.
"""

from __future__ import annotations

import filecmp
import json
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from lookup.changes.check import Rechecked, recheck_changes
from lookup.changes.store import read_changes
from lookup.dataset.codec import MANIFEST, load_dataset, save_dataset
from lookup.dataset.durable import fsync_dir
from lookup.dataset.lock import RefreshBusy, refresh_lock
from lookup.dataset.model import Dataset
from lookup.dataset.publish import (
    current_target,
    kept_version,
    previous_version,
    prune,
    publish,
    record_publication,
)
from lookup.errors import DataError
from lookup.ingest.assemble import (
    Assembled,
    RefreshReport,
    RefreshRequest,
    assemble,
    carry_over_previous_election,
)
from lookup.ingest.change_report import diff
from lookup.ingest.guards import live_problems
from lookup.ingest.progress import QUIET, Progress
from lookup.ingest.validate import check_against_live
from lookup.reports.recheck import FrontLine, recheck

__all__ = [
    "RefreshReport",
    "RefreshRequest",
    "Report",
    "refresh",
    "refresh_locked",
    "republish_locked",
    "rollback",
]

log = logging.getLogger(__name__)


@dataclass
class Report(RefreshReport):
    """The refresh's report, and the live version kept when the new files changed nothing.
    It says when nothing was live in the data folder: a misspelt ``--data-dir`` would
    otherwise publish into a new empty folder without a word."""

    kept: str = ""  # the live version, when the assembled dataset equals it
    data_dir: Path | None = None  # the folder refreshed (None: no refresh ran, e.g. busy)
    live: str = ""  # the version live when the refresh began ("" when none was)

    def lines(self) -> list[str]:
        if self.kept:
            out = [f"no change: live version {self.kept} kept"]
            out += [f"{k}: {v}" for k, v in self.counts.items()]
            return out + [f"warning: {w}" for w in self.problems.warnings]
        out = super().lines()
        if self.data_dir is not None and not self.live:
            out.insert(2, self._nothing_live())
        if self.problems.errors and self.data_dir is not None:
            out.append(self._refused())
        return out

    def _nothing_live(self) -> str:
        hint = "check --data-dir if you expected one"
        if self.published:
            return f"first version in {self.data_dir} (no live version was there: {hint})"
        return f"no live version in {self.data_dir}, nothing to compare with ({hint})"

    def _refused(self) -> str:
        kept = f" ({self.live} stays live)" if self.live else ""
        return f"not published{kept}: fix what the errors above name and run the refresh again"


def refresh(
    req: RefreshRequest, now: datetime, progress: Progress = QUIET, reports: str = ""
) -> Report:
    """Run the whole refresh under the data folder's lock. Another refresh running there
    is an error in the report (nothing read, nothing published). ``reports``: where the
    open reports to re-check are ("": none)."""
    try:
        with refresh_lock(req.data_dir, now):
            return refresh_locked(req, now, progress, reports)
    except RefreshBusy as exc:
        report = Report()
        report.problems.errors.append(str(exc))
        return report


def refresh_locked(
    req: RefreshRequest, now: datetime, progress: Progress = QUIET, reports: str = ""
) -> Report:
    """The refresh, for a caller that holds ``refresh_lock(req.data_dir)`` (the command
    line holds it over its downloads too). Publishes only when there are no errors and
    the dataset differs from the live one."""
    return _refresh(req, now, progress, _unchanged, reports)


def republish_locked(
    req: RefreshRequest, now: datetime, progress: Progress = QUIET, reports: str = ""
) -> Report:
    """``refresh_locked`` that writes a new version even when it equals the live one:
    for exercising a publish (load and fault tests), never needed for data."""
    return _refresh(req, now, progress, lambda *_: False, reports)


Same = Callable[[RefreshRequest, Assembled, Path, Path], bool]


def _refresh(
    req: RefreshRequest, now: datetime, progress: Progress, same: Same, reports: str
) -> Report:
    """The refresh; ``same(req, assembled, written, live)`` says the new version changes
    nothing (then the live one is kept)."""
    live = current_target(req.data_dir)
    report = Report(data_dir=req.data_dir, live=live.name if live else "")
    try:
        assembled = assemble(req, now, report, progress)
    except DataError as exc:
        report.problems.errors.append(str(exc))
        return report
    ds = assembled.dataset
    report.version = ds.version
    previous = _load_live(live, report)
    # Each list against the live one, per county (before the live election is carried over).
    report.problems.extend(live_problems(ds, previous, req.election_day, req.allow_shrink))
    ds = carry_over_previous_election(ds, previous, req.election_day)
    attachments: dict[str, str | bytes] = {}
    if previous is not None:
        report.changes = diff(previous, ds, req.election_day)
        report.changes.front_line = _front_line(reports, ds, now, report)
        report.changes.open_changes = _still_open(req.data_dir, ds, now, report)
        attachments["changes.md"] = report.changes.markdown()
        picture = _change_map(ds, report)
        if picture:
            attachments["changes.png"] = picture
    if live is not None and not req.allow_shrink:
        report.problems.extend(check_against_live(assembled.summary, _live_summary(live)))
    if report.problems.errors:
        return report
    versions = req.data_dir / "versions"
    final = versions / ds.version
    # Unique per run: two runs of the same sources in one second never share a folder.
    tmp = versions / f".tmp-{ds.version}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        versions.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(versions)  # a killed earlier run's half-written folders
        if live is not None and final.resolve() == live:
            return _kept(report, live)  # the live version's own name asked for again
        if final.exists():
            # Same sources, same version name (the demo): reuse it if it is whole.
            load_dataset(final)
        else:
            progress.step("writing the new version")
            save_dataset(ds, tmp, assembled.manifest(report.problems.warnings), attachments)
            if live is not None and same(req, assembled, tmp, live):
                return _kept(report, live)
            load_dataset(tmp)  # load it back exactly as the service will
            tmp.rename(final)
            fsync_dir(versions)
        publish(req.data_dir, final)
        record_publication(req.data_dir, final, now.isoformat())
    except Exception as exc:  # anything at all: report it, leave the live data as it was
        report.problems.errors.append(f"publishing failed, live data untouched: {exc}")
        return report
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report.published = True
    log.info("published dataset version %s", ds.version)
    try:
        removed = prune(req.data_dir, req.keep)
    except OSError as exc:  # the new version is live; an old folder left behind is no failure
        report.problems.warnings.append(f"could not remove old versions: {exc}")
    else:
        if removed:
            report.problems.warnings.append(f"removed old versions: {', '.join(removed)}")
    return report


def rollback(data_dir: Path, now: datetime, to: str | None = None) -> str:
    """Make a kept version live again: ``to``, or by default the one that was live before
    the current one (per ``published.log``). Takes the refresh lock: a rollback never
    interleaves with a publishing refresh. Returns the version's name."""
    with refresh_lock(data_dir, now):
        if to is None:
            target = previous_version(data_dir)
            if target is None:
                raise DataError(
                    f"{data_dir}: no earlier published version to roll back to "
                    f"(`lookup versions --data-dir {data_dir}` lists the kept ones)"
                )
        else:
            target = kept_version(data_dir, to)
            live = current_target(data_dir)
            if live is not None and target.resolve() == live:
                raise DataError(f"{data_dir}: {to} is already live")
        load_dataset(target)  # never point current at something that does not load
        publish(data_dir, target)
        record_publication(data_dir, target, now.isoformat())
        return target.name


# Manifest fields that differ between two runs of the same files without changing what
# is served: the name, the run's time, and warnings (some are relative to the live one).
_RUN_FIELDS = ("version", "created", "warnings")


def _unchanged(req: RefreshRequest, assembled: Assembled, written: Path, live: Path) -> bool:
    """Whether the version just written serves exactly what the live one does: the same
    source files (by hash) and the same files byte for byte (the manifest without its
    run fields; the change report, relative to the live version, is not content). A
    version named by the caller other than the live one is a deliberate republish."""
    if req.version is not None and req.version != live.name:
        return False
    live_manifest = _live_manifest(live)
    if live_manifest.get("sources") != assembled.source_entries():
        return False  # the common case, decided without reading the written files
    new_manifest = json.loads((written / MANIFEST).read_text())
    if _content(new_manifest) != _content(live_manifest):
        return False
    skip = {MANIFEST, "changes.md", "changes.png"}
    ours = sorted(p.relative_to(written) for p in written.rglob("*") if p.is_file())
    theirs = sorted(p.relative_to(live) for p in live.rglob("*") if p.is_file())
    if [p for p in ours if str(p) not in skip] != [p for p in theirs if str(p) not in skip]:
        return False
    return all(
        filecmp.cmp(written / p, live / p, shallow=False) for p in ours if str(p) not in skip
    )


def _kept(report: Report, live: Path) -> Report:
    report.kept = report.version = live.name
    log.info("no change: live version %s kept", live.name)
    return report


def _content(manifest: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in manifest.items() if k not in _RUN_FIELDS}


def _remove_leftovers(versions: Path) -> None:
    """Temporary folders of killed runs; safe under the lock (no other run is writing)."""
    for leftover in versions.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _change_map(ds: Dataset, report: RefreshReport) -> bytes | None:
    """The PNG of the change report (a drawing failure is a warning, not a refusal)."""
    from lookup.ingest.change_map import draw_changes

    assert report.changes is not None
    try:
        return draw_changes(ds, report.changes)
    except (OSError, ValueError) as exc:
        report.problems.warnings.append(f"could not draw the change map: {exc}")
        return None


def _front_line(
    location: str, ds: Dataset, now: datetime, report: RefreshReport
) -> FrontLine | None:
    """The open reports answered by the candidate ``ds`` as of ``now``. No store yet: none
    to re-check; a store that cannot be read costs the section (one warning), never the
    refresh."""
    if not location:
        return None
    # SQLAlchemy loads only here: a refresh without reports never imports it.
    from lookup.reports.store import open_reports

    try:
        stored = open_reports(location)
    except Exception as exc:  # any database failure; its text may hold a URL's password
        report.problems.warnings.append(
            f"reports from the front line not re-checked: the reports database "
            f"(LOOKUP_REPORTS_DB) cannot be read ({type(exc).__name__})"
        )
        return None
    return recheck(stored, ds, now)


def _still_open(
    data_dir: Path, ds: Dataset, now: datetime, report: RefreshReport
) -> list[Rechecked] | None:
    """The changes on the day whose window is not over, re-checked against the candidate
    ``ds``. The refresh never writes their file (it lives beside the versions), so they
    stay applied whatever it publishes; an unreadable file costs the section, not the run."""
    try:
        stored = read_changes(data_dir)
    except DataError as exc:
        report.problems.warnings.append(f"changes on the day not re-checked: {exc}")
        return None
    return recheck_changes(stored, ds, now) or None


def _load_live(live: Path | None, report: RefreshReport) -> Dataset | None:
    if live is None:
        return None
    try:
        return load_dataset(live)
    except DataError as exc:
        report.problems.warnings.append(f"live version unreadable, no change report: {exc}")
        return None


def _live_summary(live: Path) -> dict[str, int]:
    return dict(_live_manifest(live).get("summary", {}))


def _live_manifest(live: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((live / MANIFEST).read_text()))
    except (OSError, ValueError):
        return {}  # an unreadable live version is no reason to refuse a good new one
