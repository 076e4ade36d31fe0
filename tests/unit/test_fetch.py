"""Sources by URL, against a local HTTP server (127.0.0.1) that speaks plain HTTP with
ETag/Last-Modified, and that can fail on demand: 500s, a hang, a cut-short body, a 404,
redirects (same host, another host, ``file://``), gzip-encoded and chunked replies."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.file_server import FileServer

from lookup.errors import DataError
from lookup.ingest.fetch import fetch


@pytest.fixture
def files(tmp_path: Path) -> Iterator[FileServer]:
    root = tmp_path / "www"
    root.mkdir()
    (root / "a.txt").write_bytes(b"x" * 100_000)
    srv = FileServer(root)
    yield srv
    srv.close()


def test_download_then_conditional_get(files: FileServer, tmp_path: Path) -> None:
    first = fetch(files.url + "/a.txt", tmp_path / "cache")
    assert first.downloaded and first.size == 100_000 and first.path.read_bytes() == b"x" * 100_000
    again = fetch(files.url + "/a.txt", tmp_path / "cache")
    assert not again.downloaded and again.path == first.path
    assert files.bodies_sent["a.txt"] == 1


def test_retries_a_flaky_server(files: FileServer, tmp_path: Path) -> None:
    got = fetch(files.url + "/flaky/a.txt", tmp_path / "c", backoff=0.01)
    assert got.downloaded and files.hits["/flaky/a.txt"] == 3


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/missing.txt", "HTTP 404"),
        ("/slow/a.txt", "Timeout"),
        ("/short/a.txt", "truncated download"),
    ],
)
def test_failures_name_the_url(files: FileServer, tmp_path: Path, path: str, message: str) -> None:
    cache = tmp_path / "c"
    with pytest.raises(DataError, match=message) as exc:
        fetch(files.url + path, cache, timeout=(1.0, 0.5), retries=2, backoff=0.01)
    assert files.url + path in str(exc.value)
    assert not [
        p for p in cache.iterdir() if not p.name.endswith(".meta.json")
    ]  # nothing half-written


def test_size_limit(files: FileServer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="byte limit"):
        fetch(files.url + "/a.txt", tmp_path / "c", max_bytes=1000)


@pytest.mark.parametrize("path", ["/chunked/a.txt", "/gzip/a.txt"])
def test_size_limit_counts_what_is_written(files: FileServer, tmp_path: Path, path: str) -> None:
    """No Content-Length, or a gzip body of 100,000 bytes that is 200 on the wire: the
    limit stops the decoded bytes as they come, and nothing is left half-written."""
    cache = tmp_path / "c"
    with pytest.raises(DataError, match=r"over the 1000 byte limit"):
        fetch(files.url + path, cache, max_bytes=1000, retries=1)
    assert not [p for p in cache.iterdir() if not p.name.endswith(".meta.json")]


def test_declared_size_over_the_limit_is_refused_unread(files: FileServer, tmp_path: Path) -> None:
    files.declared["/huge.zip"] = 600 * 1024 * 1024
    with pytest.raises(DataError, match=r"/huge\.zip: 629145600 bytes is over the .* limit"):
        fetch(files.url + "/huge.zip", tmp_path / "c", retries=1)


def test_gzip_reply_is_stored_decoded_and_conditional_get_still_works(
    files: FileServer, tmp_path: Path
) -> None:
    """Content-Length counts the compressed bytes on the wire; the file is the decoded body."""
    first = fetch(files.url + "/gzip/a.txt", tmp_path / "c", retries=1)
    assert first.downloaded and first.size == 100_000
    assert first.path.read_bytes() == b"x" * 100_000
    again = fetch(files.url + "/gzip/a.txt", tmp_path / "c", retries=1)
    assert not again.downloaded and files.bodies_sent["a.txt"] == 1


def test_chunked_reply_without_length(files: FileServer, tmp_path: Path) -> None:
    got = fetch(files.url + "/chunked/a.txt", tmp_path / "c")
    assert got.size == 100_000 and got.path.read_bytes() == b"x" * 100_000


def test_redirect_on_the_same_host_is_followed(files: FileServer, tmp_path: Path) -> None:
    files.redirects["/old/a.txt"] = "/moved/a.txt"
    files.redirects["/moved/a.txt"] = files.url + "/a.txt"
    got = fetch(files.url + "/old/a.txt", tmp_path / "c")
    assert got.path.read_bytes() == b"x" * 100_000
    again = fetch(files.url + "/old/a.txt", tmp_path / "c")  # conditional across redirects
    assert not again.downloaded and files.bodies_sent["a.txt"] == 1


def test_redirect_loop_stops(files: FileServer, tmp_path: Path) -> None:
    files.redirects["/r1"] = "/r2"
    files.redirects["/r2"] = "/r1"
    with pytest.raises(DataError, match=r"/r1: more than 5 redirects"):
        fetch(files.url + "/r1", tmp_path / "c")
    assert files.hits["/r1"] + files.hits["/r2"] == 6


def test_redirect_off_the_host_is_refused(files: FileServer, tmp_path: Path) -> None:
    other = FileServer(files.root)
    try:
        port = other.url.rsplit(":", 1)[1]
        files.redirects["/a.zip"] = f"{other.url}/a.txt"  # same address, another port
        files.redirects["/b.zip"] = f"http://localhost:{port}/a.txt"
        files.redirects["/c.zip"] = files.url.replace("http://", "https://") + "/a.txt"
        for path in ("/a.zip", "/b.zip", "/c.zip"):
            with pytest.raises(DataError) as err:
                fetch(files.url + path, tmp_path / "c")
            assert str(err.value).startswith(f"{files.url}{path}: redirect to ")
            assert str(err.value).endswith("refused: another host or scheme")
        assert not other.hits  # never asked
    finally:
        other.close()


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "ftp://127.0.0.1/a.txt", "gopher://127.0.0.1:70/"]
)
def test_redirect_to_another_scheme_is_refused(
    files: FileServer, tmp_path: Path, location: str
) -> None:
    files.redirects["/a.zip"] = location
    with pytest.raises(DataError, match=r"redirect to .* refused: only http and https$"):
        fetch(files.url + "/a.zip", tmp_path / "c")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/a.zip", "http:///a.zip"])
def test_only_http_urls_are_downloaded(tmp_path: Path, url: str) -> None:
    with pytest.raises(DataError, match=r": only http and https URLs are downloaded$"):
        fetch(url, tmp_path / "c")


@pytest.mark.realdata
def test_refresh_the_real_files_from_urls(real: Path, tmp_path: Path) -> None:
    """lookup refresh with URLs; a second run with nothing changed downloads nothing."""
    srv = FileServer(real)
    try:
        data = tmp_path / "data"
        args = [
            sys.executable,
            "-m",
            "lookup.cli",
            "refresh",
            "--precincts",
            f"{srv.url}/mecklenburg/precincts/Voter_Precinct_20241003.zip",
            "--polling-places",
            f"{srv.url}/statewide/polling_places/polling_place_20201103.csv",
            "--early-voting",
            f"{srv.url}/mecklenburg/early_voting/StatewideList_20201103_mecklenburg.txt",
            "--county",
            "MECKLENBURG",
            "--election-date",
            "2020-11-03",
            "--data-dir",
            str(data),
        ]
        first = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr
        assert first.stdout.count("downloaded") == 3 and "published: yes" in first.stdout
        second = subprocess.run(args, capture_output=True, text=True, timeout=300)
        assert second.returncode == 0, second.stdout + second.stderr
        assert second.stdout.count("unchanged (304)") == 3
        assert sum(srv.bodies_sent.values()) == 3  # the second run downloaded nothing
        missing = subprocess.run(
            [*args[:5], f"{srv.url}/nope.zip", *args[6:]],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert missing.returncode == 3 and "nope.zip: HTTP 404" in missing.stderr
    finally:
        srv.close()


def test_download_shows_a_bar_on_a_terminal_only(files: FileServer, tmp_path: Path) -> None:
    import io

    from lookup.ingest.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    fetch(files.url + "/a.txt", tmp_path / "c", progress=Progress.for_terminal(False, screen))
    assert "a.txt" in screen.getvalue()
    pipe = io.StringIO()
    fetch(files.url + "/a.txt", tmp_path / "d", progress=Progress.for_terminal(False, pipe))
    assert pipe.getvalue() == ""
