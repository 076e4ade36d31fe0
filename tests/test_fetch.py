"""Sources by URL, against a local HTTP server (127.0.0.1) that speaks plain HTTP with
ETag/Last-Modified, and that can fail on demand: 500s, a hang, a cut-short body, a 404."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lookup.errors import DataError
from lookup.fetch import fetch


class FileServer:
    """Serves ``root``; ``/flaky/...`` fails twice with 500, ``/slow/...`` hangs,
    ``/short/...`` promises more bytes than it sends."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.bodies_sent: Counter[str] = Counter()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                owner.hits[self.path] += 1
                kind, _, rest = self.path.lstrip("/").partition("/")
                name = rest if kind in ("flaky", "slow", "short") else self.path.lstrip("/")
                path = owner.root / name
                if kind == "flaky" and owner.hits[self.path] <= 2:
                    return self._send(500, b"try again")
                if kind == "slow":
                    time.sleep(3)
                if not path.is_file():
                    return self._send(404, b"not found")
                body = path.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, b"")
                owner.bodies_sent[name] += 1
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
                self.send_header(
                    "Content-Length", str(len(body) + (1000 if kind == "short" else 0))
                )
                self.end_headers()
                self.wfile.write(body)
                if kind == "short":
                    self.close_connection = True

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


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

    from lookup.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    fetch(files.url + "/a.txt", tmp_path / "c", progress=Progress.for_terminal(False, screen))
    assert "a.txt" in screen.getvalue()
    pipe = io.StringIO()
    fetch(files.url + "/a.txt", tmp_path / "d", progress=Progress.for_terminal(False, pipe))
    assert pipe.getvalue() == ""
