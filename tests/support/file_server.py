"""A local HTTP server (127.0.0.1) of source files, plain HTTP with ETag/Last-Modified,
that fails on demand: what the tests of fetching sources by URL download from."""

from __future__ import annotations

import gzip
import hashlib
import sys
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-body (a refused download) is expected here."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FileServer:
    """Serves ``root``; ``/flaky/...`` fails twice with 500, ``/slow/...`` hangs,
    ``/short/...`` promises more bytes than it sends, ``/gzip/...`` answers in
    ``Content-Encoding: gzip``, ``/chunked/...`` without a Content-Length. ``redirects``
    maps a path to the Location it answers (302); ``declared`` a path to a Content-Length
    it claims before closing the connection."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.hits: Counter[str] = Counter()
        self.bodies_sent: Counter[str] = Counter()
        self.redirects: dict[str, str] = {}
        self.declared: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_HEAD(self) -> None:  # GDAL's /vsicurl/ asks for the size first
                self._answer(send_body=False)

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def _answer(self, send_body: bool) -> None:
                self.send_body = send_body  # per request: HEAD answers headers only
                owner.hits[self.path] += 1
                if self.path in owner.redirects:
                    self.send_response(302)
                    self.send_header("Location", owner.redirects[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if self.path in owner.declared:
                    self.send_response(200)
                    self.send_header("Content-Length", str(owner.declared[self.path]))
                    self.end_headers()
                    self.close_connection = True
                    return None
                kind, _, rest = self.path.lstrip("/").partition("/")
                special = ("flaky", "slow", "short", "gzip", "chunked")
                name = rest if kind in special else self.path.lstrip("/")
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
                owner.bodies_sent[name] += send_body
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", formatdate(path.stat().st_mtime, usegmt=True))
                if kind == "chunked":
                    return self._send_chunked(body)
                if kind == "gzip":
                    body = gzip.compress(body)
                    self.send_header("Content-Encoding", "gzip")
                self.send_header(
                    "Content-Length", str(len(body) + (1000 if kind == "short" else 0))
                )
                self.end_headers()
                if self.send_body:
                    self.wfile.write(body)
                if kind == "short":
                    self.close_connection = True

            def _send_chunked(self, body: bytes) -> None:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if not self.send_body:
                    return
                for at in range(0, len(body), 1 << 14):
                    part = body[at : at + (1 << 14)]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.send_body:
                    self.wfile.write(body)

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
