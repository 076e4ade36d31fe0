"""Downloading a refresh's sources: timeouts, retries with back-off, a size limit, a check
that nothing was cut short, and conditional GET (ETag / Last-Modified) so that a file the
BOE has not changed is not downloaded again. Files land in a cache folder, each written
aside and renamed whole.

Only http and https, and redirects are followed here, not by ``requests``: a few hops at
most, each on the source's own scheme and host, so a server cannot send the refresh to
another machine or to ``file://``. A reply in ``Content-Encoding: gzip`` (or deflate) is
stored decoded: ``Content-Length`` counts the bytes on the wire, so that is what the
check that nothing was cut short compares (urllib3's ``HTTPResponse.tell()``), while the
size limit applies to the decoded bytes written (a compressed bomb stops at the limit)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlparse

from lookup.errors import DataError
from lookup.ingest.progress import QUIET, Progress

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

# No source GDAL or the text readers accept is bigger (gdal_safety.MAX_LAYER_BYTES): the
# statewide shapefile is ~100 MB, the county address table 60-80 MB.
MAX_BYTES = 512 * 1024 * 1024
TIMEOUT = (10.0, 120.0)  # connect, read (seconds)
RETRIES = 3
BACKOFF = 1.0  # seconds, doubled after each failed try
MAX_REDIRECTS = 5
SCHEMES = ("http", "https")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# The next step a refusal names (issue 21): staff can always fetch the file themselves.
_BY_HAND = "download the file in a browser and give its path"
_LATER = f"try again later, or {_BY_HAND}"


@dataclass(frozen=True)
class Fetched:
    url: str
    path: Path
    downloaded: bool  # False: the server said 304, the cached copy is current
    size: int


def is_url(value: str) -> bool:
    """Looks like a URL (``scheme://...``): given to ``fetch``, which downloads http and
    https and refuses the rest (``file://``, ``ftp://``...) in one line."""
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", value) is not None


def cache_path(url: str, cache_dir: Path) -> Path:
    """One stable file per URL, keeping the file's own name (readers look at suffixes)."""
    name = PurePosixPath(urlparse(url).path).name or "download"
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return cache_dir / f"{digest}-{name}"


def fetch(
    url: str,
    cache_dir: Path,
    *,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = TIMEOUT,
    retries: int = RETRIES,
    backoff: float = BACKOFF,
    max_bytes: int | None = None,
    progress: Progress = QUIET,
) -> Fetched:
    """Bring ``url`` into ``cache_dir``; raise ``DataError`` naming the URL if it cannot.
    ``max_bytes``: the size limit (default ``MAX_BYTES``)."""
    import requests

    if urlparse(url).scheme not in SCHEMES or not urlparse(url).hostname:
        raise DataError(f"{_shown(url)}: only http and https URLs are downloaded")
    limit = MAX_BYTES if max_bytes is None else max_bytes
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_path(url, cache_dir)
    meta_path = target.with_name(target.name + ".meta.json")
    headers = {}
    if target.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("etag"):
            headers["If-None-Match"] = meta["etag"]
        if meta.get("last_modified"):
            headers["If-Modified-Since"] = meta["last_modified"]
    http = session or requests.Session()
    delay = backoff
    for attempt in range(1, retries + 1):
        try:
            return _get(http, url, target, meta_path, headers, timeout, limit, progress)
        except _Retry as exc:
            if attempt == retries:
                raise DataError(f"{url}: {exc} (after {retries} tries; {_LATER})") from None
            log.warning("download failed (%s), retrying in %.1f s", exc, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _shown(url: str, limit: int = 200) -> str:
    """A URL for a message: one line, cut short (a Location header is the server's text)."""
    one = " ".join(url.split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: where a redirect may lead (the default port made explicit)."""
    parts = urlparse(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    try:
        port = parts.port or default
    except ValueError:  # a port that is no number
        port = None
    return parts.scheme, (parts.hostname or "").lower(), port


def _open(
    http: requests.Session,
    url: str,
    headers: dict[str, str],
    timeout: tuple[float, float],
) -> requests.Response:
    """GET ``url``, following redirects that stay on its scheme and host (at most
    ``MAX_REDIRECTS``). The caller closes the response returned."""
    import requests

    here = url
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            resp = http.get(
                here, headers=headers, timeout=timeout, stream=True, allow_redirects=False
            )
        except (requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL) as exc:
            raise DataError(f"{_shown(url)}: cannot download {_shown(here)} ({exc})") from None
        if resp.status_code not in _REDIRECTS:
            return resp
        location = resp.headers.get("Location", "")
        resp.close()
        if not location:
            raise DataError(f"{_shown(url)}: HTTP {resp.status_code} redirect without a Location")
        there = urljoin(here, location)
        scheme = urlparse(there).scheme
        if scheme not in SCHEMES:
            raise DataError(
                f"{_shown(url)}: redirect to {_shown(there)} refused: only http and https"
            )
        if _origin(there) != _origin(url):
            raise DataError(
                f"{_shown(url)}: redirect to {_shown(there)} refused: another host or scheme"
            )
        here = there
    raise DataError(f"{_shown(url)}: more than {MAX_REDIRECTS} redirects")


def _write(
    resp: requests.Response, tmp: Path, url: str, max_bytes: int, advance: Callable[[int], object]
) -> int:
    """Write the decoded body; return its size. ``iter_content`` decodes gzip/deflate."""
    size = 0
    with tmp.open("wb") as f:
        for chunk in resp.iter_content(chunk_size=1 << 16):
            size += len(chunk)
            if size > max_bytes:
                raise DataError(f"{url}: over the {max_bytes} byte limit")
            f.write(chunk)
            advance(len(chunk))
        f.flush()
        os.fsync(f.fileno())
    return size


class _Retry(Exception):
    """A failure worth another try: the network, a timeout, a 5xx, a cut-short body."""


def _get(
    http: requests.Session,
    url: str,
    target: Path,
    meta_path: Path,
    headers: dict[str, str],
    timeout: tuple[float, float],
    max_bytes: int,
    progress: Progress,
) -> Fetched:
    import requests

    try:
        with _open(http, url, headers, timeout) as resp:
            if resp.status_code == 304:
                return Fetched(url, target, downloaded=False, size=target.stat().st_size)
            if resp.status_code >= 500:
                raise _Retry(f"HTTP {resp.status_code}")
            if resp.status_code != 200:
                raise DataError(f"{url}: HTTP {resp.status_code} (check the URL, or {_BY_HAND})")
            expected = _content_length(resp)
            if expected > max_bytes:
                raise DataError(f"{url}: {expected} bytes is over the {max_bytes} byte limit")
            encoded = resp.headers.get("Content-Encoding", "identity").lower() != "identity"
            tmp = target.with_name(f".{target.name}.part")
            try:
                total = None if encoded else max(expected, 0) or None  # decoded: unknown
                bar = progress.bytes_bar(target.name.split("-", 1)[-1], total)
                try:
                    size = _write(resp, tmp, url, max_bytes, bar.update)
                finally:
                    bar.close()
                received = resp.raw.tell()  # bytes on the wire, as Content-Length counts
                if expected >= 0 and received != expected:
                    raise _Retry(f"truncated download: {received} of {expected} bytes")
                os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
            meta = {
                "url": url,
                "etag": resp.headers.get("ETag", ""),
                "last_modified": resp.headers.get("Last-Modified", ""),
            }
            meta_path.write_text(json.dumps(meta))
            return Fetched(url, target, downloaded=True, size=size)
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Retry(type(exc).__name__) from None
    except requests.exceptions.ChunkedEncodingError as exc:
        raise _Retry(f"truncated download ({type(exc).__name__})") from None
    except requests.exceptions.ContentDecodingError:
        raise DataError(f"{url}: the reply's Content-Encoding cannot be decoded") from None


def _content_length(resp: requests.Response) -> int:
    """The declared length, -1 when absent; a malformed one is refused."""
    value = resp.headers.get("Content-Length")
    if value is None:
        return -1
    try:
        return int(value)
    except ValueError:
        raise DataError(f"{resp.url}: Content-Length {value!r} is no number") from None
