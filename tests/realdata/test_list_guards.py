"""Issue 21: a refresh refuses a list that is not this election's, or that arrives partial,
on the real Mecklenburg files (read in place; the cut or altered ones are written to
tmp_path), and still publishes the right files."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lookup.dataset.publish import current_target
from lookup.ingest.refresh import RefreshReport, RefreshRequest, refresh

pytestmark = pytest.mark.realdata
NOW = datetime(2020, 9, 1, tzinfo=UTC)
ONE_STOP_2020 = "mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt"


def _request(real: Path, data: Path, early_voting: Path, version: str) -> RefreshRequest:
    return RefreshRequest(
        precincts=real / "mecklenburg/precincts/Voter_Precinct_20241003.zip",
        polling_places=(real / "statewide/polling_places/polling_place_20201103.csv",),
        early_voting=(early_voting,),
        county="MECKLENBURG",
        election_day=date(2020, 11, 3),
        data_dir=data,
        version=version,
    )


@pytest.fixture
def live(real: Path, tmp_path: Path) -> Path:
    """A data folder whose live version is the right 2020 files (version v1)."""
    data = tmp_path / "data"
    report = refresh(_request(real, data, real / ONE_STOP_2020, "v1"), NOW)
    assert report.published, report.lines()
    return data


def _lines(real: Path, keep) -> list[str]:
    """The 2020 one-stop list's lines (CRLF kept) for which ``keep(n, line)`` holds."""
    text = (real / ONE_STOP_2020).read_bytes().decode("utf-8")
    return [line for n, line in enumerate(text.splitlines(keepends=True), 1) if keep(n, line)]


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


def _refused(data: Path, report: RefreshReport) -> str:
    """The errors of a refused refresh, once checked that v1 is still live."""
    assert not report.published, report.lines()
    assert current_target(data) == (data / "versions" / "v1").resolve()
    assert not (data / "versions" / "v2").exists()
    return "\n".join(report.problems.errors)


def test_last_elections_sites_refused_as_not_this_elections(real: Path, live: Path) -> None:
    kml = real / "statewide/early_voting/ossite_2018.kml"
    report = refresh(_request(real, live, kml, "v2"), NOW)
    errors = _refused(live, report)
    assert len(report.problems.errors) == 1, errors
    assert errors.startswith("ossite_2018.kml: not this election's early-voting list: ")
    # How many, the period it was held to and where that period comes from, what the file
    # holds instead, and what to do about it.
    assert "19 of 19 sites (304 of 304 open days)" in errors
    assert "election of 2020-11-03, 2020-10-14..2020-10-31 (taken from the election date" in errors
    assert "G.S. 163-227.6" in errors
    assert "2018-10-17..2018-11-03, the period of an election on 2018-11-06?" in errors
    assert "Give this election's list, or check --election-date" in errors
    assert "BEATTIES FORD LIBRARY" in errors


def test_another_elections_day_list_is_refused_as_such_not_by_its_first_row(
    real: Path, tmp_path: Path
) -> None:
    """The county's 2020 one-stop list (a day list per site) given for 2018: the whole
    list is named another election's, not its first row "past Election Day"."""
    day_list = real / "mecklenburg/early_voting/one-stop-absentee-mecklenburg_2020_preliminary.csv"
    req = replace(
        _request(real, tmp_path / "data", day_list, "v1"),
        polling_places=(real / "statewide/polling_places/polling_place_20181106.csv",),
        election_day=date(2018, 11, 6),
    )
    report = refresh(req, NOW)
    assert not report.published
    (error,) = report.problems.errors
    assert error.startswith(
        "one-stop-absentee-mecklenburg_2020_preliminary.csv: not this election's early-voting "
        "list: 33 of 33 sites (561 of 561 open days)"
    )
    assert "2020-10-15..2020-10-31, the period of an election on 2020-11-03?" in error
    assert "run past Election Day" not in error


def test_cut_list_refused_naming_what_dropped_then_forced(
    real: Path, live: Path, tmp_path: Path
) -> None:
    cut = _write(tmp_path, "StatewideList_cut.txt", _lines(real, lambda n, _l: n <= 280))
    report = refresh(_request(real, live, cut, "v2"), NOW)
    errors = _refused(live, report)
    assert (
        "MECKLENBURG: 16 of the live list's 33 early-voting sites are not in the new list of 17"
        in errors
    )
    # Every site the cut left out is named, the last (WEST CHARLOTTE HIGH SCHOOL) too.
    gone = {line.split("\t")[3] for line in _lines(real, lambda n, _l: n > 280)}
    gone.discard("MT. ISLAND LIBRARY")  # cut mid-way: it keeps 8 days (below)
    assert len(gone) == 16 and all(name in errors for name in gone), gone
    assert "(over the 10% and 1 site allowed)" in errors
    # The last site of the cut file keeps its first 8 days: named, with the days it lost.
    assert (
        "early-voting site 'MT. ISLAND LIBRARY' keeps 8 of its 17 open days; no longer open "
        "on 2020-10-23..2020-10-31 (over the 25% allowed)"
    ) in errors
    assert "Give --force if the drop is real" in errors

    forced = refresh(replace(_request(real, live, cut, "v2"), allow_shrink=True), NOW)
    assert forced.published, forced.lines()
    assert current_target(live) == (live / "versions" / "v2").resolve()
    assert forced.counts["early_voting_sites"] == 17
    said = [w for w in forced.problems.warnings if w.startswith("--force: MECKLENBURG: ")]
    assert len(said) == 2 and "MYERS PARK HIGH SCHOOL" in said[0], said


def test_a_site_losing_a_day_is_named_and_published(real: Path, live: Path, tmp_path: Path) -> None:
    # Spectrum Center's last Saturday gone: one day of 17 is a schedule change, not a cut.
    lines = _lines(real, lambda _n, line: not ("SPECTRUM CENTER" in line and "10/31/2020" in line))
    altered = _write(tmp_path, "StatewideList_altered.txt", lines)
    report = refresh(_request(real, live, altered, "v2"), NOW)
    assert report.published, report.lines()
    assert (
        "MECKLENBURG: early-voting site 'SPECTRUM CENTER' keeps 15 of its 16 open days; no "
        "longer open on 2020-10-31"
    ) in report.problems.warnings


def test_one_site_gone_from_the_same_election_is_a_warning(
    real: Path, live: Path, tmp_path: Path
) -> None:
    # As between the preliminary and the final 2020 list: one site of 33 replaced.
    lines = _lines(real, lambda _n, line: "MYERS PARK HIGH SCHOOL" not in line)
    report = refresh(_request(real, live, _write(tmp_path, "minus_one.txt", lines), "v2"), NOW)
    assert report.published, report.lines()
    assert (
        "MECKLENBURG: 1 of the live list's 33 early-voting sites are not in the new list of 32: "
        "MYERS PARK HIGH SCHOOL"
    ) in report.problems.warnings


def test_the_right_files_still_publish(real: Path, live: Path) -> None:
    report = refresh(_request(real, live, real / ONE_STOP_2020, "v2"), NOW)
    assert report.published, report.lines()
    assert report.problems.errors == []
    assert not [w for w in report.problems.warnings if "MECKLENBURG: " in w or "--force" in w]
    assert current_target(live) == (live / "versions" / "v2").resolve()


def test_a_cut_polling_place_file_is_refused_naming_the_precincts(
    real: Path, live: Path, tmp_path: Path
) -> None:
    """The NCSBE file is UTF-16: its first 150 Mecklenburg rows, as a cut download."""
    src = real / "statewide/polling_places/polling_place_20201103.csv"
    text = src.read_bytes().decode("utf-16")
    rows = text.splitlines(keepends=True)
    meck = [n for n, r in enumerate(rows) if "\tMECKLENBURG\t" in r]
    cut = tmp_path / "polling_place_20201103.csv"
    cut.write_bytes(("".join(rows[: meck[150]])).encode("utf-16"))
    req = replace(_request(real, live, real / ONE_STOP_2020, "v2"), polling_places=(cut,))
    errors = _refused(live, refresh(req, NOW))
    assert (
        "MECKLENBURG: 45 of the 195 precincts with an Election Day polling place in the live "
        "version (2020-11-03) have none in the new files (23%, over the 10% allowed)"
    ) in errors


def test_a_cut_list_without_a_live_list_of_its_election_names_its_short_site(
    real: Path, tmp_path: Path
) -> None:
    """The first refresh of 2020 over a live 2018 version: 2018's 19 sites against the cut
    list's 17 is no fall a count can see (names change between elections: 13 of 2018's 19
    are gone in 2020's full list), so the list's own shape is all there is: its last site
    closes before the others, named as a warning to confirm."""
    data = tmp_path / "data"
    live_2018 = replace(
        _request(real, data, real / "statewide/early_voting/ossite_2018.kml", "v1"),
        polling_places=(real / "statewide/polling_places/polling_place_20181106.csv",),
        election_day=date(2018, 11, 6),
    )
    assert refresh(live_2018, NOW).published
    cut = _write(tmp_path, "StatewideList_cut.txt", _lines(real, lambda n, _l: n <= 280))
    report = refresh(_request(real, data, cut, "v2"), NOW)
    assert report.published, report.lines()
    assert (
        "MECKLENBURG: 1 early-voting sites close before 2020-10-31, the last day most of the "
        "list's 17 sites are open (the last site of a cut file looks like this; there is no "
        "live list of this election to compare with): MT. ISLAND LIBRARY (8 open days, the "
        "last 2020-10-22)"
    ) in report.problems.warnings
