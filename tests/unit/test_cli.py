"""The ``lookup`` command as a user runs it (a real subprocess)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT


def run(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"LOOKUP_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "lookup.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["13186 5th St, Demo City NC 28990"], 0, None),
        (["--lat", "34.9023", "--lon", "-75.2834"], 0, None),
        (["999 Nowhere Ln"], 1, "address_not_found"),
        (["--lat", "35.2271", "--lon", "-80.8431"], 1, "outside_jurisdiction"),
        (["912 Main St"], 1, "address_ambiguous"),
        (["no numbers here"], 2, "address_unparseable"),
        (["--lat", "nan", "--lon", "-75.3"], 2, "invalid_parameter"),
        ([], 2, None),
    ],
)
def test_check_exit_codes(demo_dir: Path, demo_cache: Path, args, code, error) -> None:
    # No --data-dir: the bundled demo county (already built into this cache by the fixture).
    p = run("check", "--date", "2028-10-25", *args, cache=demo_cache)
    assert p.returncode == code, p.stderr
    if code == 0:
        body = json.loads(p.stdout)
        assert body["ok"] and body["demo"] is True and body["polling_place"]["name"]
    elif error:
        assert json.loads(p.stdout)["error"]["code"] == error


def test_check_bad_date_is_a_usage_error(demo_cache: Path) -> None:
    p = run("check", "--date", "someday", "1 Main St", cache=demo_cache)
    assert p.returncode == 2 and "bad date" in p.stderr and "YYYY-MM-DD" in p.stderr
    p = run("check", "--at", "2028-10-24 10:00", "1 Main St", cache=demo_cache)
    assert p.returncode == 2 and "bad at" in p.stderr


def test_check_at_a_moment_with_a_filter(demo_dir: Path, demo_cache: Path) -> None:
    args = ("check", "--data-dir", str(demo_dir), "13186 5th St, Demo City NC 28990")
    p = run(*args, "--at", "2028-10-24T06:00", "--open", "now", cache=demo_cache)
    assert p.returncode == 0, p.stderr
    body = json.loads(p.stdout)
    assert body["as_of"] == "2028-10-24" and body["early_voting_sites"] == []
    p = run(*args, "--at", "2028-10-24T10:00", cache=demo_cache)
    assert any(s["open_now"] for s in json.loads(p.stdout)["early_voting_sites"])


@pytest.mark.parametrize(
    ("command", "setting", "value"),
    [
        (["serve", "--port", "1"], "LOOKUP_RATE_LIMIT_STORAGE", "memcached://cache:11211"),
        (["check", "1 Main St"], "LOOKUP_GEOCODERS", "census,bogus"),
        (["serve", "--port", "1"], "LOOKUP_RATE_LIMIT_EXEMPT", "10.0.0.0/33"),
        (["serve", "--port", "1"], "LOOKUP_INSIGHTS_DB", "mysql://u@db/insights"),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_code_2(
    demo_dir: Path, demo_cache: Path, command: list[str], setting: str, value: str
) -> None:
    """What county staff see when a setting is wrong: its name, no Python traceback."""
    env = {"LOOKUP_CACHE_DIR": str(demo_cache), "PATH": "/usr/bin:/bin", setting: value}
    p = subprocess.run(
        [sys.executable, "-m", "lookup.cli", command[0], "--data-dir", str(demo_dir), *command[1:]],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    assert p.stderr.startswith("lookup: configuration: ") and setting in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_check_missing_data_dir(tmp_path: Path, demo_cache: Path) -> None:
    p = run("check", "--data-dir", str(tmp_path / "none"), "1 Main St", cache=demo_cache)
    assert p.returncode == 3 and "no published dataset" in p.stderr


def test_batch_addresses_and_points(demo_dir: Path, demo_cache: Path, tmp_path: Path) -> None:
    addr_in = tmp_path / "addr.csv"
    addr_in.write_text(
        'id,address\na,"13186 5th St, Demo City NC 28990"\nb,999 Nowhere Ln\nc,\nd,912 Main St\n'
        'e,"3001 Harbor Dr, Riverton"\nf,PO Box 12\n'
    )
    out = tmp_path / "out.csv"
    p = run(
        "batch",
        "--data-dir",
        str(demo_dir),
        "--date",
        "2028-10-25",
        str(addr_in),
        str(out),
        cache=demo_cache,
    )
    assert p.returncode == 0, p.stderr
    assert "DEMO DATA" in p.stderr
    assert (
        "6 rows: 2 matched (1 address_point, 1 interpolated), 1 ambiguous, 1 not found, "
        "2 other errors (address_po_box 1, invalid_parameter 1)" in p.stderr
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["status"] for r in rows] == [
        "ok",
        "address_not_found",
        "invalid_parameter",
        "address_ambiguous",
        "ok",
        "address_po_box",
    ]
    assert rows[4]["match_source"] == "interpolated"
    assert rows[0]["precinct_id"] and rows[0]["polling_place_name"]
    assert list(rows[0]) == [
        "id",
        "status",
        "precinct_id",
        "precinct_name",
        "polling_place_name",
        "polling_place_address",
        "match_lat",
        "match_lon",
        "match_source",
    ]
    pts_in = tmp_path / "pts.csv"
    pts_in.write_text(
        f"id,lat,lon\n1,{rows[0]['match_lat']},{rows[0]['match_lon']}\n2,nan,1\n3,-75.3,34.9\n"
        '4,35.2271,-80.8431\n5,x,y\n"=HYPERLINK(""http://x"")",1,2\n'
    )
    p = run(
        "batch",
        "--data-dir",
        str(demo_dir),
        "--date",
        "2028-10-25",
        str(pts_in),
        str(out),
        cache=demo_cache,
    )
    assert p.returncode == 0, p.stderr
    prow = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [r["status"] for r in prow] == [
        "ok",
        "invalid_parameter",
        "invalid_parameter",
        "outside_jurisdiction",
        "invalid_parameter",
        "outside_jurisdiction",
    ]
    # Made for people: an id that would run as a formula is text; a longitude stays a number.
    assert prow[5]["id"] == '\'=HYPERLINK("http://x")'
    assert float(prow[0]["match_lon"]) < 0 and not prow[0]["match_lon"].startswith("'")
    assert prow[0]["precinct_id"] == rows[0]["precinct_id"]
    assert prow[0]["polling_place_name"] == rows[0]["polling_place_name"]


def test_batch_bad_columns(demo_dir: Path, demo_cache: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,street\nx,y\n")
    p = run(
        "batch", "--data-dir", str(demo_dir), str(bad), str(tmp_path / "o.csv"), cache=demo_cache
    )
    assert p.returncode == 3 and "columns must be" in p.stderr


def demo_refresh_args(data_dir: Path) -> list[str]:
    """``lookup refresh`` of the demo county's files, flag by flag, into ``data_dir``."""
    src = ROOT / "data" / "precincts" / "demo"
    return [
        "refresh",
        "--precincts",
        str(src / "SBE_PRECINCTS_20280801.zip"),
        "--polling-places",
        str(src / "demo-polling-places-20281107.csv"),
        "--early-voting",
        str(src / "demo-one-stop-sites-20281107.txt"),
        "--addresses",
        str(src / "Master_Address_Table_demo.csv"),
        "--county",
        "DEMO",
        "--election-date",
        "2028-11-07",
        "--demo",
        "--data-dir",
        str(data_dir),
    ]


def test_refresh_command(demo_cache: Path, tmp_path: Path) -> None:
    src = ROOT / "data" / "precincts" / "demo"
    p = run(*demo_refresh_args(tmp_path / "d"), cache=demo_cache)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "published: yes" in p.stdout and "precincts: 40" in p.stdout
    assert "reading precincts" not in p.stderr  # not a terminal: no progress output
    p = run(
        "refresh",
        "--precincts",
        str(src / "SBE_PRECINCTS_20280801.zip"),
        "--polling-places",
        str(src / "demo-polling-places-20281107.csv"),
        "--county",
        "DEMO",
        "--election-date",
        "2030-11-05",
        "--data-dir",
        str(tmp_path / "d"),
        cache=demo_cache,
    )
    assert p.returncode == 1 and "published: NO" in p.stdout and "ERROR" in p.stdout


def test_batch_survives_ordinary_bad_files(
    demo_dir: Path, demo_cache: Path, tmp_path: Path
) -> None:
    """Short rows, an Excel (cp1252) file and pasted coordinates: answers, not tracebacks."""
    src = tmp_path / "excel.csv"
    src.write_bytes("id,lat,lon\n1,34.9023\n2,34.9023,-75.2834\n".encode("cp1252"))
    out = tmp_path / "o.csv"
    p = run("batch", "--data-dir", str(demo_dir), str(src), str(out), cache=demo_cache)
    assert p.returncode == 0, p.stderr
    assert [r["status"] for r in csv.DictReader(io.StringIO(out.read_text()))] == [
        "invalid_parameter",
        "ok",
    ]
    src.write_bytes(
        'id,address\n1,"Café 9 Rue, 34.9023, -75.2834"\n2,"34.9023, -75.2834"\n'.encode("cp1252")
    )
    p = run("batch", "--data-dir", str(demo_dir), str(src), str(out), cache=demo_cache)
    assert p.returncode == 0, p.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert rows[1]["status"] == "ok" and rows[1]["match_source"] == "coordinates"
    assert not list(tmp_path.glob(".*.tmp"))


def test_refresh_from_the_sources_file(demo_cache: Path, tmp_path: Path) -> None:
    config = ROOT / "data" / "sources.toml"
    p = run("refresh", "--config", str(config), "--data-dir", str(tmp_path / "d"), cache=demo_cache)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "published: yes" in p.stdout and "precincts: 40" in p.stdout
    assert "elections: 2026-11-03, 2028-11-07" in p.stdout
    manifest = json.loads((tmp_path / "d" / "current" / "manifest.json").read_text())
    assert manifest["demo"] is True


def test_refresh_needs_its_sources(demo_cache: Path, tmp_path: Path) -> None:
    p = run("refresh", "--data-dir", str(tmp_path / "d"), cache=demo_cache)
    assert p.returncode == 2 and "--election-date, --precincts, --polling-places" in p.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[election\ndate = ")
    p = run("refresh", "--config", str(bad), cache=demo_cache)
    assert p.returncode == 3 and "cannot read the sources file" in p.stderr


def test_export_vip(demo_dir: Path, demo_cache: Path, tmp_path: Path) -> None:
    out = tmp_path / "vip"
    p = run("export-vip", "--data-dir", str(demo_dir), str(out), cache=demo_cache)
    assert p.returncode == 0, p.stderr
    assert "precinct.txt 40" in p.stdout and "DEMO DATA" in p.stderr
    with (out / "precinct.txt").open(newline="", encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == 40
    bad = run("export-vip", "--data-dir", str(demo_dir), "--election-date", "2027-01-01",
              str(tmp_path / "v2"), cache=demo_cache)  # fmt: skip
    assert bad.returncode == 2 and "2028-11-07" in bad.stderr


def test_refresh_takes_place_layers(demo_ds, demo_cache: Path, tmp_path: Path) -> None:
    """``--places`` repeated: each layer's named points join the election files' places;
    a layer without a name field stops the refresh with one line naming it."""
    site = next(s for s in demo_ds.early_voting[max(demo_ds.early_voting)] if s.lon)
    layers = []
    for kind, name in (("libraries", "Heron Library"), ("fire_stations", "Tern Fire Station")):
        point = {"type": "Point", "coordinates": [site.lon + 0.004, site.lat + 0.004]}
        feature = {"type": "Feature", "properties": {"name": name}, "geometry": point}
        layers.append(tmp_path / f"{kind}.geojson")
        layers[-1].write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    base = demo_refresh_args(tmp_path / "d")
    p = run(*base, "--places", str(layers[0]), "--places", str(layers[1]), cache=demo_cache)
    assert p.returncode == 0, p.stdout + p.stderr
    # 6 one-stop sites and 37 polling places of the one election, plus the two points.
    assert "named_places: 45" in p.stdout and "named_places_without_point: 0" in p.stdout
    manifest = json.loads((tmp_path / "d" / "current" / "manifest.json").read_text())
    assert {"libraries.geojson", "fire_stations.geojson"} <= {
        s["file"] for s in manifest["sources"]
    }
    nameless = tmp_path / "schools.geojson"
    nameless.write_text(layers[0].read_text().replace('"name"', '"title"'))
    p = run(*base, "--places", str(nameless), cache=demo_cache)
    assert p.returncode == 1 and "ERROR: schools.geojson: no name field" in p.stdout
    assert "Traceback" not in p.stderr
