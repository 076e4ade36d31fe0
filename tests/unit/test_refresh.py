from __future__ import annotations

import codecs
import io
import json
import shutil
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from lookup.config import DEMO_SOURCES
from lookup.dataset.demo import demo_request
from lookup.dataset.holder import DatasetHolder
from lookup.dataset.publish import current_target
from lookup.ingest.refresh import refresh

NOW = datetime(2028, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A writable copy of the demo county's source files."""
    dst = tmp_path / "src"
    shutil.copytree(DEMO_SOURCES, dst)
    return dst


def publish_demo(sources: Path, data_dir: Path, version: str):
    req = replace(demo_request(sources, data_dir), version=version)
    return refresh(req, NOW)


def rewrite_utf16(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-16")
    assert old in text
    path.write_bytes(codecs.BOM_UTF16_LE + text.replace(old, new).encode("utf-16-le"))


def test_demo_refresh_publishes(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    report = publish_demo(sources, data, "v1")
    assert report.published, report.lines()
    assert report.problems.errors == []
    assert current_target(data) == (data / "versions" / "v1").resolve()
    manifest = json.loads((data / "current" / "manifest.json").read_text())
    assert manifest["demo"] is True
    assert manifest["counts"]["precincts"] == 40
    assert [e["date"] for e in manifest["elections"]] == ["2026-11-03", "2028-11-07"]
    assert manifest["elections"][1]["early_voting_start"] == "2028-10-19"
    assert manifest["elections"][1]["early_voting_end"] == "2028-11-04"
    assert report.counts["early_voting_sites"] == 6


def _assert_untouched(data: Path, report, match: str) -> None:
    assert not report.published
    assert any(match in e for e in report.problems.errors), report.problems.errors
    assert current_target(data) == (data / "versions" / "v1").resolve()
    assert sorted(p.name for p in (data / "versions").iterdir()) == ["v1"]


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("unknown_precinct", "not in the precinct map"),
        ("garbage_polling", "demo-polling-places-20281107.csv"),
        ("truncated_zip", "SBE_PRECINCTS_20280801.zip"),
        ("bad_hours", "is not a time of day"),
        ("wrong_election", "no polling places for the election of 2028-11-07"),
    ],
)
def test_failed_refresh_leaves_live_data_untouched(
    sources: Path, tmp_path: Path, breakage: str, message: str
) -> None:
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    polling = sources / "demo-polling-places-20281107.csv"
    if breakage == "unknown_precinct":
        rewrite_utf16(polling, "PCT 001", "PCT 999")
    elif breakage == "garbage_polling":
        polling.write_bytes(b"\x81\x8d" + bytes(range(256)) * 10)
    elif breakage == "truncated_zip":
        z = sources / "SBE_PRECINCTS_20280801.zip"
        z.write_bytes(z.read_bytes()[:5000])
    elif breakage == "bad_hours":
        ev = sources / "demo-one-stop-sites-20281107.txt"
        ev.write_text(ev.read_text().replace("8:00AM - 7:30PM", "8:00AM - 99:30PM", 1))
    elif breakage == "wrong_election":
        rewrite_utf16(polling, "11/07/2028", "11/08/2028")
    report = publish_demo(sources, data, "v2")
    _assert_untouched(data, report, message)


def test_holder_swaps_to_new_version_and_survives_a_broken_one(
    sources: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    holder = DatasetHolder(data, check_interval=0.0)
    first = holder.load_now()
    assert first.version == "v1"
    assert publish_demo(sources, data, "v2").published
    assert _wait_for(holder, "v2").version == "v2"
    assert first.version == "v1"  # a snapshot in use is never changed under a request
    # A broken version made live by hand: the holder keeps serving the last good one.
    broken = data / "versions" / "v3"
    shutil.copytree(data / "versions" / "v2", broken)
    (broken / "precincts.npz").write_bytes(b"corrupt")
    from lookup.dataset.publish import publish

    publish(data, broken)
    time.sleep(0.3)
    assert _wait_for(holder, "v2").version == "v2"


def _wait_for(holder: DatasetHolder, version: str):
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        ds = holder.get()
        if ds is not None and ds.version == version and not holder._loading:
            return ds
        time.sleep(0.05)
    raise AssertionError(f"holder still at {holder.version}")


def test_missing_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    from lookup.errors import DataError

    with pytest.raises(DataError, match="no published dataset"):
        DatasetHolder(tmp_path / "nothing").load_now()


def test_election_name_and_date(sources: Path, tmp_path: Path) -> None:
    req = replace(
        demo_request(sources, tmp_path / "d"), election_name="Presidential General", version="x"
    )
    assert refresh(req, NOW).published
    manifest = json.loads((tmp_path / "d" / "current" / "manifest.json").read_text())
    assert manifest["elections"][1] == {
        "date": date(2028, 11, 7).isoformat(),
        "name": "Presidential General",
        "polls_open": "06:30",
        "polls_close": "19:30",
        "early_voting_start": "2028-10-19",
        "early_voting_end": "2028-11-04",
    }


def _mat_lines(sources: Path) -> list[str]:
    return (sources / "Master_Address_Table_demo.csv").read_text().splitlines()


def test_address_points_with_bad_coordinates(sources: Path, tmp_path: Path) -> None:
    mat = sources / "Master_Address_Table_demo.csv"
    lines = _mat_lines(sources)
    header = lines[0].split(",")
    x, y = header.index("XCOORD"), header.index("YCOORD")

    def broken(n: int) -> list[str]:
        out = [lines[0]]
        for k, line in enumerate(lines[1:]):
            cells = line.split(",")
            if k < n:
                cells[x], cells[y] = ("", "") if k % 2 else (cells[y], cells[x])
            out.append(",".join(cells))
        return out

    mat.write_text("\n".join(broken(20)) + "\n")  # a few: left out, with a warning
    report = publish_demo(sources, tmp_path / "a", "v1")
    assert report.published
    assert any("20 address points" in w for w in report.problems.warnings)
    mat.write_text("\n".join(broken(len(lines) // 5)) + "\n")  # a fifth: refused
    report = publish_demo(sources, tmp_path / "b", "v1")
    assert not report.published
    assert any("address points" in e for e in report.problems.errors)


def test_header_only_address_file_is_refused(sources: Path, tmp_path: Path) -> None:
    mat = sources / "Master_Address_Table_demo.csv"
    mat.write_text(_mat_lines(sources)[0] + "\n")
    report = publish_demo(sources, tmp_path / "d", "v1")
    assert not report.published
    assert any("no address points" in e for e in report.problems.errors)


def test_early_voting_list_for_another_election_is_refused(sources: Path, tmp_path: Path) -> None:
    ev = sources / "demo-one-stop-sites-20281107.txt"
    ev.write_text(ev.read_text().replace("11/07/2028", "11/08/2028"))
    report = publish_demo(sources, tmp_path / "d", "v1")
    assert not report.published
    assert any("hold no sites for the election of 2028-11-07" in e for e in report.problems.errors)
    assert any("2028-11-08" in w for w in report.problems.warnings)


def test_without_early_voting_list_warns(sources: Path, tmp_path: Path) -> None:
    # The demo's site details name its early-voting sites: without the list, no details.
    req = replace(
        demo_request(sources, tmp_path / "d"), early_voting=(), site_details=(), version="v1"
    )
    report = refresh(req, NOW)
    assert report.published
    assert any("no early-voting list" in w for w in report.problems.warnings)


def test_sharp_drop_against_live_needs_allow_shrink(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    lines = _mat_lines(sources)
    (sources / "Master_Address_Table_demo.csv").write_text(
        "\n".join(lines[: len(lines) // 2]) + "\n"
    )
    report = publish_demo(sources, data, "v2")
    _assert_untouched(data, report, "address_points fell from")
    req = replace(demo_request(sources, data), version="v2", allow_shrink=True)
    assert refresh(req, NOW).published


def test_republishing_the_same_version_is_idempotent(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    assert publish_demo(sources, data, "v2").published
    # A crash between writing v1 and the swap would leave v1 whole but not live: reuse it.
    again = publish_demo(sources, data, "v1")
    assert again.published and current_target(data) == (data / "versions" / "v1").resolve()
    assert not list((data / "versions").glob(".tmp-*"))


def test_change_report_lists_a_moved_polling_place(sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    polling = sources / "demo-polling-places-20281107.csv"
    text = polling.read_bytes().decode("utf-16")
    row = next(line for line in text.split("\r\n") if "\tPCT 001\t" in line)
    cells = row.split("\t")
    cells[5] = "99999"  # a new house number: the place moved
    rewrite_utf16(polling, row, "\t".join(cells))
    report = publish_demo(sources, data, "v2")
    assert report.published and report.changes is not None
    moved = report.changes.moved()
    assert [(c.county, c.precinct) for c in moved] == [("DEMO", "001")]
    assert moved[0].after is not None and moved[0].after.address.line1.startswith("99999 ")
    assert "1 polling places moved" in "\n".join(report.lines())
    md = (data / "versions" / "v2" / "changes.md").read_text()
    assert "## Polling places moved (1)" in md and "DEMO 001" in md


def test_previous_election_is_carried_over(sources: Path, tmp_path: Path) -> None:
    """Publish 2026 alone, then 2028 alone: 2028's version keeps 2026's polling places."""
    data = tmp_path / "data"
    base = demo_request(sources, data)
    first = replace(
        base,
        polling_places=(sources / "demo-polling-places-20261103.csv",),
        early_voting=(),
        site_details=(),  # they name 2028's sites
        election_day=date(2026, 11, 3),
        version="v2026",
    )
    assert refresh(first, NOW).published
    second = replace(base, polling_places=base.polling_places[:1], version="v2028")
    report = refresh(second, NOW)
    assert report.published and report.changes is not None
    assert report.changes.old_election == date(2026, 11, 3)
    assert len(report.changes.moved()) >= 3  # the demo moves a few places between elections
    ds = DatasetHolder(data).load_now()
    assert [e.day for e in ds.elections] == [date(2026, 11, 3), date(2028, 11, 7)]
    assert len(ds.polling[date(2026, 11, 3)]) == 40


def test_rollback_and_pruning(sources: Path, tmp_path: Path) -> None:
    from lookup.ingest.refresh import rollback

    data = tmp_path / "data"
    for v in ("v1", "v2", "v3", "v4"):
        req = replace(demo_request(sources, data), version=v, keep=2)
        assert refresh(req, NOW).published
    assert sorted(p.name for p in (data / "versions").iterdir()) == ["v3", "v4"]
    assert rollback(data, NOW) == "v3"
    assert current_target(data) == (data / "versions" / "v3").resolve()
    assert rollback(data, NOW) == "v4"  # rolling back a rollback
    from lookup.errors import DataError

    with pytest.raises(DataError, match="no earlier published version"):
        rollback(tmp_path / "empty", NOW)


def _rezip_without(zip_path: Path, suffix: str) -> None:
    import zipfile

    with zipfile.ZipFile(zip_path) as z:
        members = {n: z.read(n) for n in z.namelist() if not n.endswith(suffix)}
    with zipfile.ZipFile(zip_path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


@pytest.mark.parametrize(
    ("breakage", "message"),
    [
        ("no_prj", "no coordinate reference system"),
        ("empty_polling", "empty file"),
        ("renamed_column", "missing columns precinct_name"),
        ("other_county_only", "no polling places for county DEMO"),
        ("wrong_crs", "SBE_PRECINCTS_20280801.zip"),
    ],
)
def test_more_bad_files_name_the_file(
    sources: Path, tmp_path: Path, breakage: str, message: str
) -> None:
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    polling = sources / "demo-polling-places-20281107.csv"
    shp = sources / "SBE_PRECINCTS_20280801.zip"
    if breakage == "no_prj":
        _rezip_without(shp, ".prj")
    elif breakage == "empty_polling":
        polling.write_bytes(b"")
    elif breakage == "renamed_column":
        rewrite_utf16(polling, "precinct_name", "precinct")
    elif breakage == "other_county_only":
        text = polling.read_bytes().decode("utf-16").replace("\tDEMO\t", "\tWAKE\t")
        polling.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    elif breakage == "wrong_crs":
        # Feet declared as degrees: a .prj for WGS84 on State Plane coordinates.
        import zipfile

        with zipfile.ZipFile(shp) as z:
            members = {n: z.read(n) for n in z.namelist()}
        prj = next(n for n in members if n.endswith(".prj"))
        members[prj] = (
            b'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
        )
        with zipfile.ZipFile(shp, "w") as z:
            for name, blob in members.items():
                z.writestr(name, blob)
    report = publish_demo(sources, data, "v2")
    _assert_untouched(data, report, message)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_only(sources: Path, tmp_path: Path) -> None:
    from lookup.ingest.progress import Progress

    screen = _Terminal()
    req = replace(demo_request(sources, tmp_path / "a"), version="v1")
    assert refresh(req, NOW, Progress.for_terminal(quiet=False, stream=screen)).published
    shown = screen.getvalue()
    for step in ("reading precincts", "joining and geocoding polling places", "validating"):
        assert step in shown
    for quiet, stream in ((True, _Terminal()), (False, io.StringIO())):  # --quiet; a pipe
        req = replace(demo_request(sources, tmp_path / f"q{quiet}"), version="v1")
        assert refresh(req, NOW, Progress.for_terminal(quiet=quiet, stream=stream)).published
        assert stream.getvalue() == ""


def test_duplicate_precincts_are_refused(sources: Path, tmp_path: Path) -> None:
    """Two polygons with one prec_id (seen in the 2020 statewide file): refused, named."""
    import geopandas as gpd

    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    shp = sources / "SBE_PRECINCTS_20280801.zip"
    frame = gpd.read_file(f"zip://{shp}")
    frame.loc[1, "prec_id"] = frame.loc[0, "prec_id"]
    out = tmp_path / "dup"
    out.mkdir()
    frame.to_file(out / "SBE_PRECINCTS_20280801.shp")
    import zipfile

    with zipfile.ZipFile(shp, "w") as z:
        for part in out.iterdir():
            z.write(part, part.name)
    report = publish_demo(sources, data, "v2")
    _assert_untouched(data, report, f"duplicate precinct ids: DEMO {frame.loc[0, 'prec_id']}")
    assert any("SBE_PRECINCTS_20280801.zip" in e for e in report.problems.errors)


def test_place_sources_complete_the_boe_places_and_the_report_says_so(
    sources: Path, tmp_path: Path
) -> None:
    """A county's own list (a UTF-8 polling-place CSV with full names and points) given
    with --places completes a cut demo name and gives its point; a placeholder name is
    flagged with the building's earlier name; the report, the change report and the
    stored version say so."""
    data = tmp_path / "data"
    assert publish_demo(sources, data, "v1").published
    day = date(2028, 11, 7)
    before = DatasetHolder(data).load_now().polling[day][("DEMO", "003")]
    assert before.name == "FIRST PRESBYTERIAN CHURCH OF D" and not before.name_complete
    assert before.latlng_source == "address_points" and before.lon is not None
    rewrite_utf16(
        sources / "demo-polling-places-20281107.csv",
        "\tBAYVIEW RECREATION CENTER\tPCT 004\t",
        "\tTBD\tPCT 004\t",
    )
    county_list = tmp_path / "county_places.csv"
    county_list.write_text(
        "election_dt,county_name,polling_place_id,polling_place_name,precinct_name,"
        "house_num,street_name,city,state,zip,lat,lon\n"
        "11/08/2022,DEMO,357,First Presbyterian Church of Demo City,PCT 003,3475,SCHOOL RD,"
        f"DEMO CITY,NC,28991,{before.lat},{before.lon + 0.001}\n"
    )
    req = replace(demo_request(sources, data), version="v2", places=(county_list,))
    report = refresh(req, NOW)
    assert report.published, report.lines()
    lines = report.lines()
    assert "names completed: 1 (county_places.csv 1)" in lines
    assert any(x.startswith("coordinates added:") and "county_places.csv 1" in x for x in lines)
    assert report.counts["names_completed"] == 1 and report.counts["placeholder_names"] == 1
    assert any(
        w.startswith("DEMO 004: polling place named 'TBD' at 18117 MAGNOLIA AVE (was BAYVIEW "
                     "RECREATION CENTER in demo-polling-places-20261103.csv)")
        for w in report.problems.warnings
    )  # fmt: skip
    assert any("names may still be cut short" in w for w in report.problems.warnings)

    ds = DatasetHolder(data).load_now()
    after = ds.polling[day][("DEMO", "003")]
    assert after.name == "FIRST PRESBYTERIAN CHURCH OF DEMO CITY"
    assert (after.name_source, after.published_name) == (
        "county_places.csv",
        "FIRST PRESBYTERIAN CHURCH OF D",
    )
    assert after.name_complete and after.name_plausible
    assert (after.lon, after.lat, after.latlng_source) == (
        before.lon + 0.001,
        before.lat,
        "county_places.csv",
    )
    tbd = ds.polling[day][("DEMO", "004")]
    assert not tbd.name_plausible and tbd.name == "TBD" and tbd.name_source == ""
    # The earlier election's place at the same building is completed too.
    assert ds.polling[date(2026, 11, 3)][("DEMO", "003")].name == after.name
    assert ds.named_places.find("first presbyterian church of demo city")

    assert report.changes is not None
    assert report.changes.names_completed == [
        "| DEMO 003 | 'FIRST PRESBYTERIAN CHURCH OF D' | 'FIRST PRESBYTERIAN CHURCH OF DEMO "
        "CITY' | county_places.csv |"
    ]
    (moved,) = [r for r in report.changes.coordinates_added if "county_places.csv" in r]
    assert moved.endswith("| county_places.csv | 91 m |")  # from the live version's point
    assert not [c for c in report.changes.places if c.kind == "renamed" and c.precinct == "003"]
    md = (data / "versions" / "v2" / "changes.md").read_text()
    assert "## Names completed from other sources (the BOE's was cut) (1)" in md
    assert "## Coordinates from other sources (the BOE's file has none)" in md
    assert "1 names completed from other sources" in "\n".join(lines)


def test_a_version_written_before_the_name_fields_loads_with_their_defaults(
    demo_dir: Path, tmp_path: Path
) -> None:
    from lookup.dataset.codec import load_dataset

    old = tmp_path / "old"
    shutil.copytree(demo_dir / "current", old)
    places = json.loads((old / "places.json").read_text())
    fields = ("name_source", "published_name", "name_complete", "name_plausible")
    for rows in places["polling"].values():
        for row in rows:
            for k in fields:
                del row["place"][k]
    for sites in places["early_voting"].values():
        for s in sites:
            for k in fields:
                del s[k]
    (old / "places.json").write_text(json.dumps(places))
    ds = load_dataset(old)
    p = next(iter(ds.polling[date(2028, 11, 7)].values()))
    assert (p.name_source, p.published_name, p.name_complete, p.name_plausible) == (
        "",
        "",
        True,
        True,
    )
    assert all(s.name_plausible for s in ds.early_voting[date(2028, 11, 7)])
