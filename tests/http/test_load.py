"""A refresh publishes while gunicorn is under paced mixed traffic from wrk (the short CI
form of ``python -m scripts.load.loadtest --reload``): not one error, every body names the old or the
new version, no worker goes back to the old one, every worker ends on the new one, and
worker memory stays within the margin."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.servers import SERVER_LOGS

from scripts.load import loadtest

pytestmark = pytest.mark.http


def test_reload_under_load(tmp_path: Path) -> None:
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.fail("wrk is missing: scripts/setup.sh --test installs it")
    SERVER_LOGS.append(tmp_path / "server.log")  # checked for resident data at the end
    # A modest rate; the refresh 2 s in (on 2 busy cores it takes several seconds), and
    # the load ends 3 s after the new version went live (at 40 s at the latest).
    cfg = loadtest.Config(
        duration=40, rate=80, reload=True, reload_interval=0.5, reload_at=0.05, settle=3.0
    )
    report = loadtest.run(cfg, tmp_path, wrk)
    summary = loadtest.format_report(report)
    print(summary)
    assert report.errors == 0, summary
    assert report.requests > 0.5 * report.duration_s * 80, summary
    assert set(report.versions) == {report.old_version, report.new_version}, summary
    assert report.old_version != report.new_version, summary
    assert report.went_back == 0 and report.unattributed == 0, summary
    assert len(report.per_worker) == cfg.workers, summary
    assert all(c.get(report.new_version) for c in report.per_worker.values()), summary
    assert all(m.growth_mb <= report.rss_margin_mb for m in report.memory), summary
    assert report.passed, summary
