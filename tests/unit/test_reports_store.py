"""Reports from the front line: the fields checked at filing, the store (file mode,
closing, deletion after the retention period), the refresh's read-only look at it, and
the re-check of a report against a dataset."""

from __future__ import annotations

import math
import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES
from lookup.errors import InvalidParameter
from lookup.reports.filing import check_filing
from lookup.reports.model import OK, RESOLVED, WITHDRAWN, Answered, Report, new_id
from lookup.reports.recheck import answer, recheck
from lookup.reports.store import Store, open_reports
from lookup.service import AddressQuery, PointQuery

T0 = datetime(2028, 10, 25, 18, 5, tzinfo=UTC)
ADDRESS = "13186 5th St, Demo City NC 28990"
PLACE = Answered(OK, "DEMO", "019", "COLLEGE PARK", "264", "COLLEGE PARK REC", "7333 GULL ST")


def _report(created: datetime = T0, **fields: object) -> Report:
    values: dict[str, object] = {
        "id": new_id(),
        "created": created,
        "channel": "rep",
        "lang": "en",
        "reason": "wrong_place",
        "note": "",
        "address": ADDRESS,
        "lat": None,
        "lon": None,
        "client_version": "",
        "data_version": "v1",
        "answered": PLACE,
    }
    return Report(**(values | fields))  # type: ignore[arg-type]


# ---- the fields ----------------------------------------------------------------------------

GOOD = {"reason": "wrong_place", "channel": "rep", "address": ADDRESS}


def test_a_good_filing_keeps_the_cleaned_address_and_a_one_line_note() -> None:
    f = check_filing(GOOD | {"address": f"  {ADDRESS}\t", "note": "moved\nto the gym"}, None)
    assert f.query == AddressQuery(ADDRESS)
    assert f.note == "moved to the gym" and f.client_version == ""
    p = check_filing(
        {"reason": "other", "channel": "widget", "data_version": "demo-4e6a"}, (-75.2, 34.9)
    )
    assert p.query == PointQuery(lon=-75.2, lat=34.9) and p.client_version == "demo-4e6a"


@pytest.mark.parametrize(
    ("body", "point", "parameter", "reason"),
    [
        (GOOD | {"reason": "rude"}, None, "reason", None),
        (GOOD | {"channel": "api"}, None, "channel", None),
        (GOOD | {"note": "x" * 501}, None, "note", "too_long"),
        (GOOD | {"note": "ok\x00then"}, None, "note", "control"),
        (GOOD | {"note": "evil\u202etxt.exe"}, None, "note", "control"),
        (GOOD | {"note": 5}, None, "note", "not_a_string"),
        (GOOD | {"address": "9" * 201}, None, "address", "too_long"),
        (GOOD | {"address": "\x00\x01"}, None, "address", "empty"),
        ({"reason": "other", "channel": "rep"}, None, "address", "missing"),
        (GOOD, (-75.2, 34.9), "address", "combined"),
        ({"reason": "other", "channel": "rep"}, (math.nan, 34.9), "lat/lon", "not_finite"),
        ({"reason": "other", "channel": "rep"}, (-75.2, 91.0), "lat/lon", "out_of_range"),
        (GOOD | {"data_version": "v1; drop"}, None, "data_version", "malformed"),
    ],
)
def test_a_bad_filing_names_its_parameter(
    body: dict[str, object], point: tuple[float, float] | None, parameter: str, reason: str | None
) -> None:
    with pytest.raises(InvalidParameter) as err:
        check_filing(body, point)
    assert err.value.details["parameter"] == parameter
    assert err.value.details.get("reason") == reason


# ---- the store ------------------------------------------------------------------------------


def test_the_store_file_is_private_and_lists_newest_first(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "r.sqlite3"), retention_days=90)
    older, newer = _report(T0 - timedelta(hours=1)), _report(note="second")
    store.add(older, T0)
    store.add(newer, T0)
    assert stat.S_IMODE((tmp_path / "r.sqlite3").stat().st_mode) == 0o600
    listed, n_open = store.listing("open", T0)
    assert [r.id for r in listed] == [newer.id, older.id] and n_open == 2
    assert listed[0] == newer  # every field back as it went in
    store.close()


def test_closing_is_once_and_closed_reports_go_after_the_retention(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "r.sqlite3"), retention_days=90)
    a, b, c = _report(), _report(), _report()
    for r in (a, b, c):
        store.add(r, T0)
    done = store.close_report(a.id, RESOLVED, T0)
    assert done is not None and done.status == RESOLVED and done.closed_at == T0
    again = store.close_report(a.id, WITHDRAWN, T0 + timedelta(days=1))
    assert again == done  # the first decision stands
    assert store.close_report("no-such-id", RESOLVED, T0) is None
    later = T0 + timedelta(days=10)
    store.close_report(b.id, WITHDRAWN, later)
    assert {r.id for r in store.listing("all", T0 + timedelta(days=90))[0]} == {a.id, b.id, c.id}
    # 90 days and a second after a's resolution: a is deleted; b (closed later) and the
    # open c stay, however old c is.
    listed, n_open = store.listing("all", T0 + timedelta(days=90, seconds=1))
    assert {r.id for r in listed} == {b.id, c.id} and n_open == 1
    assert [r.id for r in store.listing(WITHDRAWN, later)[0]] == [b.id]
    listed, _ = store.listing("all", T0 + timedelta(days=365))
    assert [r.id for r in listed] == [c.id]
    store.close()


def test_the_refresh_reads_open_reports_without_creating_anything(tmp_path: Path) -> None:
    missing = tmp_path / "none" / "r.sqlite3"
    assert open_reports(str(missing)) == [] and not missing.parent.exists()
    store = Store(str(tmp_path / "r.sqlite3"), retention_days=90)
    kept, closed = _report(), _report()
    store.add(kept, T0)
    store.add(closed, T0)
    store.close_report(closed.id, RESOLVED, T0)
    store.close()
    assert [r.id for r in open_reports(str(tmp_path / "r.sqlite3"))] == [kept.id]
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception, match="not a database"):
        open_reports(str(garbage))


# ---- the re-check -----------------------------------------------------------------------------


def test_a_report_is_answered_from_local_data_and_compared_by_what_callers_hear(demo_ds) -> None:
    found = answer(demo_ds, AddressQuery(ADDRESS), T0)
    assert (found.outcome, found.county, found.precinct) == (OK, "DEMO", "019")
    assert found.place_name == "COLLEGE PARK RECREATION CENTER"
    assert found.place_address == "7333 GULL ST, DEMO CITY, NC 28990"
    assert answer(demo_ds, AddressQuery("4242 Nowhere Ln, Demo City"), T0).outcome == (
        "address_not_found"
    )
    assert answer(demo_ds, PointQuery(lon=-80.84, lat=35.22), T0).outcome == "outside_jurisdiction"
    renumbered = Answered(**(found.as_json() | {"place_id": "999"}))
    same, moved = _report(answered=renumbered), _report(answered=PLACE)
    front = recheck([same, moved], demo_ds, T0)
    assert front.unchanged == 1 and [r.id for r in front.changed] == [moved.id]
    assert front.changed[0].then == PLACE and front.changed[0].now == found


def test_the_refresh_command_rechecks_the_reports_of_lookup_reports_db(tmp_path: Path) -> None:
    """``lookup refresh`` finds the service's reports where the service keeps them
    (``LOOKUP_REPORTS_DB``), and ``--reports-db`` names another database."""
    src, data = tmp_path / "src", tmp_path / "data"
    shutil.copytree(DEMO_SOURCES, src)
    argv = [sys.executable, "-m", "lookup.cli", "refresh", "--county", "DEMO", "--demo"]
    argv += ["--precincts", str(src / "SBE_PRECINCTS_20280801.zip")]
    argv += ["--polling-places", str(src / "demo-polling-places-20281107.csv")]
    argv += ["--addresses", str(src / "Master_Address_Table_demo.csv")]
    argv += ["--election-date", "2028-11-07", "--data-dir", str(data)]
    db = tmp_path / "reports.sqlite3"
    env = {**os.environ, "LOOKUP_CACHE_DIR": str(tmp_path / "cache"), "LOOKUP_REPORTS_DB": str(db)}

    def run(*extra: str) -> str:
        done = subprocess.run([*argv, *extra], capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    run()  # the first version: nothing to compare with, nothing re-checked
    store = Store(str(db), retention_days=90)
    stale = _report(answered=Answered(OK, "DEMO", "019", "COLLEGE PARK", "1", "OLD GYM", "1 A ST"))
    store.add(stale, T0)
    store.close()
    polling = src / "demo-polling-places-20281107.csv"
    polling.write_bytes(
        polling.read_bytes().replace("7333".encode("utf-16-le"), "7335".encode("utf-16-le"))
    )
    out = run()
    assert "reports from the front line: 1 would now be answered differently, 0 unchanged" in out
    polling.write_bytes(
        polling.read_bytes().replace("7335".encode("utf-16-le"), "7337".encode("utf-16-le"))
    )
    out = run("--reports-db", str(tmp_path / "elsewhere.sqlite3"))
    assert "reports from the front line: 0 would now be answered differently, 0 unchanged" in out
