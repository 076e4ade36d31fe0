"""Downloading a refresh's sources: timeouts, retries with back-off, a size limit, a check
that nothing was cut short, and conditional GET (ETag / Last-Modified) so that a file the
BOE has not changed is not downloaded again. Files land in a cache folder, each written
aside and renamed whole."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from .errors import DataError
from .progress import QUIET, Progress

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

MAX_BYTES = 1024 * 1024 * 1024  # the statewide shapefile is ~100 MB; refuse anything absurd
TIMEOUT = (10.0, 120.0)  # connect, read (seconds)
RETRIES = 3
BACKOFF = 1.0  # seconds, doubled after each failed try


@dataclass(frozen=True)
class Fetched:
    url: str
    path: Path
    downloaded: bool  # False: the server said 304, the cached copy is current
    size: int


def is_url(value: str) -> bool:
    return urlparse(value).scheme in ("http", "https")


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
    max_bytes: int = MAX_BYTES,
    progress: Progress = QUIET,
) -> Fetched:
    """Bring ``url`` into ``cache_dir``; raise ``DataError`` naming the URL if it cannot."""
    import requests

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
            return _get(http, url, target, meta_path, headers, timeout, max_bytes, progress)
        except _Retry as exc:
            if attempt == retries:
                raise DataError(f"{url}: {exc} (after {retries} tries)") from None
            log.warning("download failed (%s), retrying in %.1f s", exc, delay)
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")


def _write(
    resp: requests.Response, tmp: Path, url: str, max_bytes: int, advance: Callable[[int], object]
) -> int:
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
        with http.get(url, headers=headers, timeout=timeout, stream=True) as resp:
            if resp.status_code == 304:
                return Fetched(url, target, downloaded=False, size=target.stat().st_size)
            if resp.status_code >= 500:
                raise _Retry(f"HTTP {resp.status_code}")
            if resp.status_code != 200:
                raise DataError(f"{url}: HTTP {resp.status_code}")
            expected = int(resp.headers.get("Content-Length", "-1"))
            if expected > max_bytes:
                raise DataError(f"{url}: {expected} bytes is over the {max_bytes} byte limit")
            tmp = target.with_name(f".{target.name}.part")
            try:
                bar = progress.bytes_bar(target.name.split("-", 1)[-1], max(expected, 0) or None)
                try:
                    size = _write(resp, tmp, url, max_bytes, bar.update)
                finally:
                    bar.close()
                if expected >= 0 and size != expected:
                    raise _Retry(f"truncated download: {size} of {expected} bytes")
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
