"""The statewide benchmark section's own logic (``scripts.bench.statewide``): its options,
how figures become PASS/FAIL/SKIP, the queries it asks, the kept-folder reuse and the
process-tree memory it reports. The section itself needs ../shared and minutes: the
benchmark runs it (``--statewide``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

from scripts.bench.cache_probe import SITES_FLOOR
from scripts.bench.http_load import Workload
from scripts.bench.report import Report
from scripts.bench.statewide import (
    Figures,
    Options,
    Spoken,
    add_statewide_arguments,
    batch_command,
    bench_statewide,
    by_form,
    endpoints,
    judge,
    reusable,
    run_measured,
    say,
    size_label,
    statewide_options,
    target_names,
    voter_rows,
)


def _parse(*argv: str) -> Options | None:
    parser = argparse.ArgumentParser()
    add_statewide_arguments(parser)
    return statewide_options(parser.parse_args(list(argv)))


def test_no_statewide_section_unless_asked() -> None:
    assert _parse() is None
    assert _parse("--voters", "10") is None


def test_statewide_defaults_are_the_issue_sizes() -> None:
    assert _parse("--statewide") == Options(5_000_000, 7_500_000, None)


def test_smaller_sizes_and_a_kept_folder(tmp_path: Path) -> None:
    got = _parse("--statewide", "--statewide-points", "200_000", "--voters", "300,000",
                 "--keep-statewide", str(tmp_path))  # fmt: skip
    assert got == Options(200_000, 300_000, tmp_path)


def test_a_size_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _parse("--statewide", "--statewide-points", "0")
    assert "must be a positive number" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("n", "label"),
    [(5_000_000, "state5M"), (2_500_000, "state2.5M"), (200_000, "state200k"), (3000, "state3k")],
)
def test_size_label(n: int, label: str) -> None:
    assert size_label(n) == label


def _passing() -> Figures:
    return Figures(
        refresh_s=300.0,
        refresh_mb=3000.0,
        ready={"preload": 0.6, "no-preload": 0.9},
        pss_mb=200.0,
        uss_mb=60.0,
        exact_p50_us=30.0,
        fuzzy_p99_us=4000.0,
        suggest_p99_us=2000.0,
        floor_ratio=(0.97, 0.9, 1.0),
        floor_detail="0.97x",
        batch_per_min={"local": 400_000.0, "dask": 1_200_000.0},
    )


def test_every_target_passes_within_its_limit() -> None:
    targets = judge("state5M", _passing())
    assert [t.name for t in targets] == target_names("state5M")
    assert {t.status for t in targets} == {"PASS"}


def test_each_limit_is_judged_on_its_own_figure() -> None:
    over = Figures(
        refresh_s=601.0,
        refresh_mb=4097.0,
        ready={"preload": 1.2, "no-preload": 0.5},
        pss_mb=251.0,
        exact_p50_us=41.0,
        fuzzy_p99_us=5001.0,
        suggest_p99_us=10_001.0,
        floor_ratio=(0.94, 0.9, 1.0),
        batch_per_min={"local": 2_000_000.0, "dask": 999_999.0},
    )
    status = {t.name: t.status for t in judge("x", over)}
    assert list(status.values()) == ["FAIL"] * 3 + ["PASS"] + ["FAIL"] * 6
    assert status["statewide worker ready <= 1 s (x, no-preload)"] == "PASS"


def test_the_batch_target_is_the_dask_run_across_the_box() -> None:
    figures = _passing()
    figures.batch_per_min = {"local": 2_000_000.0}
    batch = judge("x", figures)[-1]
    assert batch.status == "SKIP"
    figures.batch_per_min = {"local": 400_000.0, "dask": 1_500_000.0}
    batch = judge("x", figures)[-1]
    assert batch.status == "PASS"
    assert "1,500,000 rows/min" in batch.detail and "local 400,000" in batch.detail


def test_parts_that_did_not_run_are_skipped_not_failed() -> None:
    targets = judge("x", Figures())
    assert len(targets) == len(target_names("x"))
    assert {t.status for t in targets} == {"SKIP"}


def test_without_the_real_files_the_section_says_why(tmp_path: Path) -> None:
    report = Report()
    targets = bench_statewide(
        tmp_path / "absent", tmp_path, Options(1000, 1000, None), report,
        quick=True, startup_runs=1, http_seconds=1.0, warmup_seconds=0.1, seed=1,
    )  # fmt: skip
    assert {t.status for t in targets} == {"SKIP"}
    assert "not found" in targets[0].detail
    assert report.skipped and "statewide rows" in report.skipped[0]
    assert report.failures == [] and report.rows == []


def test_a_kept_folder_is_reused_only_for_the_same_sizes() -> None:
    opts = Options(200_000, 300_000, None)
    marker = {"points": 200_000, "voters": 300_000, "refresh": {"published": True}}
    assert reusable(marker, opts)
    assert not reusable(None, opts)
    assert not reusable(marker | {"voters": 7_500_000}, opts)
    assert not reusable(marker | {"points": 5_000_000}, opts)
    assert not reusable(marker | {"refresh": {"published": False}}, opts)


def test_addresses_are_said_with_and_without_town_and_zip() -> None:
    p = Spoken("12 OAK DR", "MINT HILL", "28227")
    said = [say(p, k) for k in range(10)]
    assert said[:7] == ["12 OAK DR, Mint Hill, NC 28227"] * 7
    assert said[7:] == ["12 OAK DR, NC 28227", "12 OAK DR, Mint Hill", "12 OAK DR"]
    assert say(Spoken("12 OAK DR", "", ""), 0) == "12 OAK DR"


def test_latencies_are_summarised_per_way_of_saying() -> None:
    # Forms 0-6 take 10 us, 7 (ZIP only) 70, 8 (town only) 80, 9 (line only) 90.
    latencies = [10.0 if k % 10 < 7 else 10.0 * (k % 10) for k in range(30)]
    assert by_form(latencies) == (
        "town+ZIP 10 us, ZIP only 70 us, town only 80 us, line only 90 us"
    )


def test_the_floor_is_asked_at_the_lookups_points_and_date() -> None:
    coords = ["/api/v1/lookup?lat=35.1&lon=-80.8&date=2018-10-25"]
    work = Workload(coords, ["/api/v1/lookup?address=x"], ["/api/v1/suggest?q=12"], [], [])
    eps = {ep.key: ep for ep in endpoints(work)}
    assert eps["f"].paths == [f"{SITES_FLOOR}?lat=35.1&lon=-80.8&date=2018-10-25"]
    assert eps["b"].paths == coords
    assert 404 in eps["f"].ok and eps["b"].ok == frozenset({200})


def test_batch_runs_one_process_or_the_dask_engine(tmp_path: Path) -> None:
    local = batch_command(tmp_path, tmp_path / "in.csv", tmp_path / "out.csv", "local")
    dask = batch_command(tmp_path, tmp_path / "in.csv", tmp_path / "out.csv", "dask")
    assert local[local.index("--jobs") + 1] == "1" and "--engine" not in local
    assert dask[dask.index("--engine") + 1] == "dask" and "--jobs" not in dask
    assert local[-2:] == [str(tmp_path / "in.csv"), str(tmp_path / "out.csv")]


def test_voter_rows_counts_lines_after_the_header(tmp_path: Path) -> None:
    path = tmp_path / "voters.csv"
    path.write_text("id,address\n" + "".join(f"{i},{i} MAIN ST\n" for i in range(2500)))
    assert voter_rows(path) == 2500


def test_peak_memory_counts_the_childs_own_children() -> None:
    # The child holds 40 MB, then a grandchild 120 MB more: the tree's peak sees both.
    grandchild = "import time; b = bytearray(120 << 20); time.sleep(1.5)"
    child = (
        "import subprocess, sys, time; a = bytearray(40 << 20); "
        f"subprocess.run([sys.executable, '-c', {grandchild!r}]); print('done')"
    )
    done, wall, peak = run_measured([sys.executable, "-c", child], 60)
    assert done.returncode == 0 and done.stdout.strip() == "done"
    assert wall >= 1.5
    assert peak >= 160
