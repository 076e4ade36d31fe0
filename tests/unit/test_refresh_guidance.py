"""Refusals that say what to do (issue 21, item 6), as county staff meet them running
``lookup refresh`` the night before an election: a misspelt key in the sources file, an
error in a downloaded file (named by its URL, never by its cache file), and a publish
into a folder where nothing was live (a misspelt ``--data-dir``). Each through the
command in a subprocess, on the demo county; downloads come from a server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.file_server import FileServer
from support.paths import ROOT

from lookup.config import DEMO_SOURCES
from lookup.dataset.publish import current_target
from lookup.errors import DataError
from lookup.ingest.config_file import load_config
from lookup.ingest.fetch import cache_path, fetch
from lookup.ingest.origins import Origins
from lookup.ingest.refresh import Report

REPO = ROOT
CONFIG = REPO / "data" / "sources.toml"
SOURCE_KEYS = (
    "precincts, polling_places, early_voting, addresses, centerlines, places, site_details"
)
CHECK = "check --data-dir if you expected one"
AGAIN = "fix what the errors above name and run the refresh again"


def lookup(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    env = {"LOOKUP_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    cmd = [sys.executable, "-m", "lookup.cli", *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def sources_file(folder: Path, edit: tuple[str, str] = ("", "")) -> Path:
    """The demo county's sources file, its paths made absolute, with one text edit."""
    text = CONFIG.read_text().replace('"precincts/demo/', f'"{DEMO_SOURCES}/')
    old, new = edit
    assert old in text, old
    path = folder / "sources.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def snapshot(data: Path) -> dict[str, object]:
    """What is live: where ``current`` points, the versions, every byte of the live one."""
    target = current_target(data)
    assert target is not None
    files = {
        str(p.relative_to(target)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(target.rglob("*"))
        if p.is_file()
    }
    versions = sorted(p.name for p in (data / "versions").iterdir())
    return {"current": target.name, "versions": versions, "files": files}


@pytest.fixture
def live(demo_dir: Path, tmp_path: Path) -> Path:
    """This test's own copy of the published demo county (``current`` is a relative link)."""
    data = tmp_path / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    return data


# ---- 1. the sources file: unknown tables and keys, values of the wrong type --------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            ("\npolling_places =", "\npoling_places ="),
            "unknown key poling_places in [sources]: did you mean polling_places? "
            f"(keys of [sources]: {SOURCE_KEYS})",
        ),
        (
            ("\ndate = ", "\ndat = "),
            "unknown key dat in [election]: did you mean date? "
            "(keys of [election]: date, name, county)",
        ),
        (
            ("[sources]", "[source]"),
            "unknown table [source]: did you mean [sources]? "
            "(tables: [election], [sources], [publish])",
        ),
        (
            ("[publish]", "[webhooks]\nurl = 'x'\n[publish]"),
            "unknown table [webhooks]: fix or remove it (tables: [election], [sources], [publish])",
        ),
        (
            ("[election]", 'county = "DEMO"\n[election]'),
            "county is outside any table: move it under [election]",
        ),
        (
            ("keep = 5", "keep = 5\nprecincts = []"),
            "precincts does not belong in [publish]: move it under [sources]",
        ),
        (
            ("keep = 5", "keep = 0"),
            "publish.keep must be a positive whole number, e.g. keep = 5 (not 0)",
        ),
        (
            ("keep = 5", "keep = true"),
            "publish.keep must be a positive whole number, e.g. keep = 5 (not true)",
        ),
        (
            ("\ndemo = true", '\ndemo = "yes"'),
            'publish.demo must be true or false, without quotes (not "yes")',
        ),
        (
            ("date = 2028-11-07", "date = 2028-11-07T10:00:00"),
            "election.date must be a day, e.g. date = 2028-11-07 (not 2028-11-07T10:00:00)",
        ),
        (
            ("date = 2028-11-07", 'date = "11/07/2028"'),
            'election.date "11/07/2028" is not YYYY-MM-DD, e.g. date = 2028-11-07',
        ),
        (
            ('name = "General Election"', "name = 2028"),
            'election.name must be text in quotes, e.g. name = "General Election" (not 2028)',
        ),
        (
            ('county = "DEMO"', "county = []"),
            'election.county must be text in quotes, e.g. county = "MECKLENBURG" (not list)',
        ),
        (
            ("early_voting = [", "early_voting = [3, "),
            'sources.early_voting must be a list of file paths or URLs, e.g. ["file.csv"]',
        ),
    ],
)
def test_the_sources_file_is_checked_name_by_name(
    tmp_path: Path, edit: tuple[str, str], message: str
) -> None:
    path = sources_file(tmp_path, edit)
    with pytest.raises(DataError) as refused:
        load_config(path)
    assert str(refused.value) == f"{path}: {message}"


def test_the_bundled_sources_file_passes() -> None:
    cfg = load_config(CONFIG)
    assert cfg.keep == 5 and cfg.demo is True and len(cfg.polling_places) == 2


def test_a_misspelt_key_stops_the_command_before_anything_is_read(
    live: Path, demo_cache: Path, tmp_path: Path
) -> None:
    """Before: ``poling_places`` was ignored and the run stopped on ``give --polling-places``."""
    before = snapshot(live)
    path = sources_file(tmp_path, ("\npolling_places =", "\npoling_places ="))
    p = lookup("refresh", "--config", str(path), "--data-dir", str(live), cache=demo_cache)
    assert p.returncode == 3 and p.stdout == ""
    assert p.stderr == (
        f"lookup: {path}: unknown key poling_places in [sources]: did you mean polling_places? "
        f"(keys of [sources]: {SOURCE_KEYS})\n"
    )
    assert snapshot(live) == before


def test_what_is_missing_names_the_flag_and_the_key(demo_cache: Path, tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text("[election]\ndate = 2028-11-07\n")
    p = lookup(
        "refresh", "--config", str(path), "--data-dir", str(tmp_path / "d"), cache=demo_cache
    )
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == (
        "lookup refresh: give --precincts, --polling-places, or set [sources] precincts, "
        f"[sources] polling_places in {path}\n"
    )
    p = lookup("refresh", "--data-dir", str(tmp_path / "d"), cache=demo_cache)
    assert p.returncode == 2 and p.stderr == (
        "lookup refresh: give --election-date, --precincts, --polling-places "
        "(or --config FILE: see data/sources.toml)\n"
    )
    assert not (tmp_path / "d").exists()


def test_a_file_the_sources_file_names_must_exist(
    live: Path, demo_cache: Path, tmp_path: Path
) -> None:
    before = snapshot(live)
    typo = "demo-polling-places-2028117.csv"
    path = sources_file(tmp_path, ("demo-polling-places-20281107.csv", typo))
    p = lookup("refresh", "--config", str(path), "--data-dir", str(live), cache=demo_cache)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == (
        f"lookup refresh: {path}: [sources] polling_places names {DEMO_SOURCES / typo}, which "
        "does not exist (fix the path: relative paths start from the sources file's folder)\n"
    )
    assert snapshot(live) == before


def test_keep_on_the_command_line_is_a_positive_number(demo_cache: Path, tmp_path: Path) -> None:
    p = lookup("refresh", "--config", str(CONFIG), "--keep", "0", cache=demo_cache)
    assert p.returncode == 2 and "argument --keep: '0' is not a positive whole number" in p.stderr


# ---- 2. a downloaded file is named by its URL ----------------------------------------------


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FileServer]:
    """A polling-place file with the wrong header, and the demo address table with one
    row whose coordinate is no number (a warning that names the file)."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "polling_place_20281107.csv").write_text("county,precinct,name\nDEMO,PCT 001,X\n")
    lines = (DEMO_SOURCES / "Master_Address_Table_demo.csv").read_text().splitlines(True)
    cells = lines[2].split(",")
    cells[10] = "abc"  # XCOORD
    lines[2] = ",".join(cells)
    (root / "addresses.csv").write_text("".join(lines))
    srv = FileServer(root)
    yield srv
    srv.close()


def test_errors_and_warnings_name_the_url_not_the_cache_file(
    live: Path, server: FileServer, demo_cache: Path
) -> None:
    before = snapshot(live)
    polling, addresses = (
        f"{server.url}/{n}" for n in ("polling_place_20281107.csv", "addresses.csv")
    )
    args = ("--polling-places", polling, "--addresses", addresses, "--quiet")
    p = lookup("refresh", "--config", str(CONFIG), "--data-dir", str(live), *args, cache=demo_cache)
    assert p.returncode == 1, p.stdout + p.stderr
    out = p.stdout.splitlines()
    sizes = {
        url: (server.root / url.rsplit("/", 1)[1]).stat().st_size for url in (polling, addresses)
    }
    downloaded = [f"{url}: downloaded {size:,} bytes" for url, size in sizes.items()]
    assert out[:4] == [*downloaded, "version: -", "published: NO"]
    errors = [line for line in out if line.startswith("ERROR: ")]
    assert len(errors) == 1 and errors[0].startswith(f"ERROR: {polling}: "), errors
    assert (
        f"warning: {addresses}: 1 address point with no usable coordinates left out; "
        'first: row 3, column XCOORD: "abc" is not a number'
    ) in out
    assert out[-1] == f"not published ({before['current']} stays live): {AGAIN}"
    for url in (polling, addresses):
        cached = cache_path(url, live / "downloads")
        assert cached.is_file() and cached.name not in p.stdout + p.stderr
    assert snapshot(live) == before


def test_the_manifest_and_versions_name_a_downloaded_source_by_its_url(
    live: Path, server: FileServer, demo_cache: Path
) -> None:
    addresses = f"{server.url}/addresses.csv"
    args = ("--addresses", addresses, "--quiet")
    p = lookup("refresh", "--config", str(CONFIG), "--data-dir", str(live), *args, cache=demo_cache)
    assert p.returncode == 0, p.stdout + p.stderr
    manifest = json.loads((live / "current" / "manifest.json").read_text())
    (entry,) = [s for s in manifest["sources"] if "url" in s]
    assert entry["url"] == addresses
    assert entry["file"] == cache_path(addresses, live / "downloads").name
    shown = lookup("versions", "--data-dir", str(live), cache=demo_cache)
    assert addresses in shown.stdout


def test_a_download_that_fails_says_what_to_do(
    live: Path, server: FileServer, demo_cache: Path
) -> None:
    before = snapshot(live)
    url = f"{server.url}/polling_place_20281108.csv"
    args = ("--polling-places", url, "--quiet")
    p = lookup("refresh", "--config", str(CONFIG), "--data-dir", str(live), *args, cache=demo_cache)
    assert p.returncode == 3 and p.stdout == ""
    assert p.stderr == (
        f"lookup: {url}: HTTP 404 (check the URL, or download the file in a browser and give "
        "its path)\n"
    )
    assert snapshot(live) == before


def test_origins_translate_every_spelling_of_a_cache_file(tmp_path: Path) -> None:
    url = "https://example.org/ENRS/polling_place_20281107.csv"
    cached = cache_path(url, tmp_path / "downloads")
    origins = Origins()
    origins.add(cached, url)
    for spelling in (str(cached), str(cached.resolve()), cached.name):
        assert origins.shown(f"{spelling} line 4: bad") == f"{url} line 4: bad"
    assert origins.shown("demo-polling-places.csv: fine") == "demo-polling-places.csv: fine"


def test_origins_of_the_cache_come_from_what_fetch_recorded(
    server: FileServer, tmp_path: Path
) -> None:
    url = f"{server.url}/addresses.csv"
    got = fetch(url, tmp_path / "downloads")
    (tmp_path / "downloads" / "junk.meta.json").write_text("{not json")
    origins = Origins.of_cache(tmp_path / "downloads")
    assert origins.urls == {got.path: url}
    listed = json.dumps({"file": got.path.name})
    assert origins.shown(listed) == json.dumps({"file": url})


# ---- 3. a publish into a folder where nothing was live -----------------------------------


def test_the_first_version_in_a_folder_says_so(demo_cache: Path, tmp_path: Path) -> None:
    """A misspelt --data-dir: the report says nothing was live there, and the next run
    into the same folder (now live) no longer does."""
    misspelt = tmp_path / "demo-dta"
    args = ("refresh", "--config", str(CONFIG), "--data-dir", str(misspelt), "--quiet")
    p = lookup(*args, cache=demo_cache)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout.splitlines()
    assert out[1:3] == [
        "published: yes",
        f"first version in {misspelt} (no live version was there: {CHECK})",
    ]
    again = lookup(*args, cache=demo_cache)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.startswith("no change: live version ") and CHECK not in again.stdout


def test_a_refusal_in_a_folder_where_nothing_is_live_says_so(
    demo_cache: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "polling_place_20281107.csv"
    bad.write_text("county,precinct,name\nDEMO,PCT 001,X\n")
    empty = tmp_path / "demo-dta"
    args = ("--data-dir", str(empty), "--polling-places", str(bad), "--quiet")
    p = lookup("refresh", "--config", str(CONFIG), *args, cache=demo_cache)
    assert p.returncode == 1, p.stdout + p.stderr
    out = p.stdout.splitlines()
    assert out[:3] == [
        "version: -",
        "published: NO",
        f"no live version in {empty}, nothing to compare with ({CHECK})",
    ]
    assert out[3].startswith(f"ERROR: {bad.name}: ") and out[-1] == f"not published: {AGAIN}"
    assert current_target(empty) is None


def test_the_report_lines_for_each_case(tmp_path: Path) -> None:
    """The report alone: the first-version line only where nothing was live."""
    first = Report(version="v1", published=True, data_dir=tmp_path)
    assert first.lines()[2] == f"first version in {tmp_path} (no live version was there: {CHECK})"
    later = Report(version="v2", published=True, data_dir=tmp_path, live="v1")
    assert not any(CHECK in line for line in later.lines())
    refused = Report(data_dir=tmp_path, live="v1")
    refused.problems.errors.append("x.csv: empty file")
    assert refused.lines()[-2:] == [
        "ERROR: x.csv: empty file",
        f"not published (v1 stays live): {AGAIN}",
    ]
    assert (
        Report(kept="v1", data_dir=tmp_path, live="v1").lines()[0]
        == "no change: live version v1 kept"
    )
