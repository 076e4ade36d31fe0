"""The refresh: read the BOE's files -> assemble -> validate -> publish a new version.

Nothing here touches the live data until every check has passed: the new version is
written into a hidden temporary folder, loaded back as the service would load it, renamed
into ``versions/`` and only then made live by one atomic swap of ``current``.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import datetime
from pathlib import Path

from .assemble import RefreshReport, RefreshRequest, assemble, carry_over_previous_election
from .changes import diff
from .dataset import Dataset
from .errors import DataError
from .progress import QUIET, Progress
from .store import (
    current_target,
    fsync_dir,
    load_dataset,
    previous_version,
    prune,
    publish,
    record_publication,
    save_dataset,
)
from .validate import check_against_live

__all__ = ["RefreshReport", "RefreshRequest", "refresh", "rollback"]

log = logging.getLogger(__name__)


def refresh(req: RefreshRequest, now: datetime, progress: Progress = QUIET) -> RefreshReport:
    """Run the whole refresh. Returns the report; publishes only when there are no errors."""
    report = RefreshReport()
    try:
        ds, extra = assemble(req, now, report, progress)
    except DataError as exc:
        report.problems.errors.append(str(exc))
        return report
    report.version = ds.version
    live = current_target(req.data_dir)
    previous = _load_live(live, report)
    ds = carry_over_previous_election(ds, previous, req.election_day)
    attachments: dict[str, str | bytes] = {}
    if previous is not None:
        report.changes = diff(previous, ds, req.election_day)
        attachments["changes.md"] = report.changes.markdown()
        picture = _change_map(ds, report)
        if picture:
            attachments["changes.png"] = picture
    if live is not None and not req.allow_shrink:
        report.problems.extend(check_against_live(extra["summary"], _live_summary(live)))
    if report.problems.errors:
        return report
    versions = req.data_dir / "versions"
    final = versions / ds.version
    tmp = versions / f".tmp-{ds.version}"
    try:
        versions.mkdir(parents=True, exist_ok=True)
        if final.exists():
            # Same sources, same version name (the demo): reuse it if it is whole.
            load_dataset(final)
        else:
            progress.step("writing the new version")
            shutil.rmtree(tmp, ignore_errors=True)  # a killed earlier run's half-written one
            save_dataset(ds, tmp, extra, attachments)
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


def rollback(data_dir: Path, now: datetime) -> str:
    """Make the previously live version live again. Returns its name."""
    target = previous_version(data_dir)
    if target is None:
        raise DataError(f"{data_dir}: no earlier published version to roll back to")
    load_dataset(target)  # never point current at something that does not load
    publish(data_dir, target)
    record_publication(data_dir, target, now.isoformat())
    return target.name


def _change_map(ds: Dataset, report: RefreshReport) -> bytes | None:
    """The PNG of the change report (a drawing failure is a warning, not a refusal)."""
    from .change_map import draw_changes

    assert report.changes is not None
    try:
        return draw_changes(ds, report.changes)
    except (OSError, ValueError) as exc:
        report.problems.warnings.append(f"could not draw the change map: {exc}")
        return None


def _load_live(live: Path | None, report: RefreshReport) -> Dataset | None:
    if live is None:
        return None
    try:
        return load_dataset(live)
    except DataError as exc:
        report.problems.warnings.append(f"live version unreadable, no change report: {exc}")
        return None


def _live_summary(live: Path) -> dict[str, int]:
    try:
        return dict(json.loads((live / "manifest.json").read_text()).get("summary", {}))
    except (OSError, ValueError):
        return {}  # an unreadable live version is no reason to refuse a good new one
