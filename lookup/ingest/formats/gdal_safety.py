"""Opening untrusted GIS files with GDAL: only the formats a source may be, no network,
and archives sized up from their directory before any entry is read.

GDAL picks a driver from a file's content, not its name: an OGR VRT (XML naming other
files and URLs) saved as ``.geojson`` or zipped is read as a VRT, and even GeoJSON may
fetch a ``"crs": {"type": "link"}`` URL. pyogrio opens every dataset with
``GDALOpenEx(path, flags, NULL, ...)`` (no allowed-driver list; see ``ogr_open`` in its
``_io.pyx``) and exposes neither that list nor the HTTP hooks, so this module calls the
GDAL C API of the library pyogrio itself loaded (``ctypes``). Every read goes through
:func:`open_layer`, which:

1. refuses anything but a regular local file within the size limits, and checks a zip
   (``.zip``, ``.kmz``, ``.xlsx``...) from its central directory: entry count, total
   uncompressed size, no archive inside; then inflates each entry once, never past its
   declared size, against its CRC, so a directory that understates sizes is refused too;
2. asks ``GDALIdentifyDriverEx`` which driver GDAL would pick and refuses, naming the
   file and driver, one not allowed for the kind of source (``OGR_VRT``, ``GML``...);
3. for the read itself, deregisters every other GDAL driver (restored after, in their
   order), so GDAL cannot use another one whatever the content says; and turns
   GDAL's network access off: an HTTP callback (``CPLHTTPSetFetchCallback``) answers
   every ``CPLHTTPFetch`` with an error, and ``CPL_VSIL_CURL_ALLOWED_FILENAME`` set to a
   name no path has closes ``/vsicurl/``, ``/vsicurl_streaming/`` and the cloud file
   systems on them. (A dead ``GDAL_HTTP_PROXY`` is no lock: libcurl skips it for hosts
   in ``NO_PROXY``. ``GDAL_SKIP`` only acts when drivers register.)

Drivers, the callback and config options are process-wide: reads are serialised by a
lock, and another thread opening a dataset meanwhile would see only the allowed drivers.
Nothing else in the service opens GDAL datasets (the server needs only shapely, numpy).
"""

from __future__ import annotations

import ctypes
import logging
import os
import stat
import struct
import threading
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from lookup.errors import DataError

log = logging.getLogger(__name__)

MiB = 1024 * 1024
# The largest real inputs (../shared/data/nc): the statewide 2018 KMZ parts, 2.8 MB holding
# one 9.7 MB KML each; the county shapefile zip, 0.8 MB holding 1.1 MB in 5 entries; GeoJSON
# up to 1.2 MB. NCSBE's statewide shapefile zip is ~100 MB. libkml builds the whole
# document in memory, ~5.4x the KML (9.7 MB -> +52 MB measured), so KML is held lower.
MAX_LAYER_BYTES = 512 * MiB  # a GIS file on disk, and a zip's total uncompressed size
MAX_KML_BYTES = 64 * MiB  # a KML, plain or inside a KMZ (~350 MB of memory to parse)
MAX_ARCHIVE_ENTRIES = 1_000  # real zips hold 1 to 5; a shapefile folder maybe dozens
_MAX_DIRECTORY_BYTES = 4 * MiB  # a central directory of 1,000 entries is ~100 KB
KML_SUFFIXES = frozenset({".kml", ".kmz"})
# Archives GDAL could walk into from a /vsizip/ path. Office files (.xlsx, .ods) are zips
# whose parts GDAL's drivers pick by name, so only the size limits apply to them.
NESTED_ARCHIVES = (".zip", ".kmz", ".gz", ".tgz", ".tar", ".7z", ".rar", ".bz2", ".xz", ".zst")
_WALKED_ARCHIVES = frozenset({".zip", ".kmz"})


@dataclass(frozen=True, slots=True)
class LayerKind:
    """A kind of source and the GDAL drivers (short names) it may be read with."""

    name: str  # plural, for messages: "precinct maps"
    drivers: tuple[str, ...]


PRECINCT_MAP = LayerKind("precinct maps", ("ESRI Shapefile", "GeoJSON", "GPKG", "LIBKML", "KML"))
KML_LAYER = LayerKind("KML layers", ("LIBKML", "KML"))  # polling places, one-stop sites
ADDRESS_LAYER = LayerKind("address layers", ("GeoJSON", "ESRI Shapefile", "GPKG", "XLSX", "ODS"))
PLACE_LAYER = LayerKind("place layers", ("GeoJSON", "ESRI Shapefile", "GPKG"))
CENTERLINE_LAYER = LayerKind("centerline layers", ("ESRI Shapefile", "GeoJSON", "GPKG"))


def gdal_path(path: Path) -> str:
    """The name GDAL opens: a zipped shapefile in place through /vsizip/."""
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


@contextmanager
def open_layer(path: Path, kind: LayerKind) -> Iterator[str]:
    """Check ``path`` as a ``kind`` and yield the name to give pyogrio, with GDAL limited
    to the one driver that recognises the file and cut off from the network until the
    block ends. Raises ``DataError`` (one line, naming the file) on a refusal."""
    check_file(path)
    src = gdal_path(path)
    with _LOCK, _no_network():
        driver = identify(src)
        if driver is not None and driver not in kind.drivers:
            raise DataError(
                f"{path.name}: refused: GDAL would read it with its {driver} driver; "
                f"{kind.name} are read only as {', '.join(kind.drivers)}"
            )
        # Unrecognised: the allowed drivers alone get to fail on it, with GDAL's message.
        with _only_drivers((driver,) if driver else kind.drivers):
            yield src


def check_file(path: Path) -> None:
    """A regular local file within the size limits; a zip checked from its directory."""
    try:
        st = path.stat()
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{path.name}: not a regular file")
    kml = path.suffix.lower() in KML_SUFFIXES
    limit = MAX_KML_BYTES if kml else MAX_LAYER_BYTES
    if st.st_size > limit:
        raise DataError(f"{path.name}: {st.st_size:,} bytes is over the {limit:,} byte limit")
    with path.open("rb") as f:
        if f.read(4) in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip, whatever its name
            check_archive(path, f)


def check_archive(path: Path, f: Any) -> None:
    """Entry count, declared uncompressed total and nested archives, from the central
    directory (its size read first from the end record, so a forged directory of millions
    of entries is refused before Python parses it). Then each entry is inflated once, at
    most to its declared size, against its CRC: a directory that understates a size is
    refused (GDAL's /vsizip/ reads past a declared size, to the end of the stream)."""
    name = path.name
    declared, directory_bytes = _end_record(f, name)
    if declared > MAX_ARCHIVE_ENTRIES:
        raise DataError(
            f"{name}: {declared:,} archive entries is over the {MAX_ARCHIVE_ENTRIES:,} limit"
        )
    if directory_bytes > _MAX_DIRECTORY_BYTES:
        raise DataError(f"{name}: an archive directory of {directory_bytes:,} bytes: refused")
    try:
        with zipfile.ZipFile(f) as z:
            _check_directory(path, z.infolist())
            bad = z.testzip()  # reads in 1 MiB chunks, each entry at most its declared size
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise DataError(f"{name}: not a readable zip archive ({exc})") from None
    except (NotImplementedError, RuntimeError) as exc:  # an unknown method, encryption
        raise DataError(f"{name}: an archive entry cannot be read ({exc})") from None
    if bad is not None:
        raise DataError(f"{name}: archive entry {bad} does not match its directory (size or CRC)")


def _check_directory(path: Path, entries: list[zipfile.ZipInfo]) -> None:
    name = path.name
    if len(entries) > MAX_ARCHIVE_ENTRIES:
        raise DataError(
            f"{name}: {len(entries):,} archive entries is over the {MAX_ARCHIVE_ENTRIES:,} limit"
        )
    names = [PurePosixPath(e.filename) for e in entries]
    kml = path.suffix.lower() in KML_SUFFIXES or any(n.suffix.lower() == ".kml" for n in names)
    limit = MAX_KML_BYTES if kml else MAX_LAYER_BYTES
    total = sum(e.file_size for e in entries)
    if total > limit:
        raise DataError(f"{name}: {total:,} bytes uncompressed is over the {limit:,} byte limit")
    if path.suffix.lower() in _WALKED_ARCHIVES:
        nested = [str(n) for n in names if n.name.lower().endswith(NESTED_ARCHIVES)]
        if nested:
            raise DataError(f"{name}: an archive inside the archive ({nested[0]}): refused")


def _end_record(f: Any, name: str) -> tuple[int, int]:
    """(entries, central directory bytes) from the zip's end-of-central-directory record."""
    f.seek(0, 2)
    size = f.tell()
    f.seek(max(0, size - 22 - 65535))  # the record, then at most a 64 KB comment
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) < at + 22:
        raise DataError(f"{name}: not a readable zip archive (no end of central directory)")
    entries, directory_bytes = struct.unpack("<HI", tail[at + 10 : at + 16])
    return entries, directory_bytes


# --- GDAL through ctypes ------------------------------------------------------------

_LOCK = threading.RLock()  # driver registration and the HTTP callback are process-wide
GDAL_OF_VECTOR = 0x04
_VSICURL_KEY = "CPL_VSIL_CURL_ALLOWED_FILENAME"
_NO_NETWORK_FILENAME = "/vsicurl/network-access-is-off-while-reading-sources"
# CPLHTTPFetchCallbackFunc (cpl_http.h): URL, options, progress, its argument, write
# function, its argument, user data -> CPLHTTPResult*.
_FETCH = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_char_p, *[ctypes.c_void_p] * 6)


class _HTTPResult(ctypes.Structure):
    """The head of GDAL's ``CPLHTTPResult`` (cpl_http.h), enough to answer an error."""

    _fields_ = (
        ("nStatus", ctypes.c_int),
        ("pszContentType", ctypes.c_void_p),
        ("pszErrBuf", ctypes.c_void_p),
    )


@cache
def _gdal() -> ctypes.CDLL:
    """libgdal as pyogrio loaded it: symbols resolve through its extension's dependencies,
    so this is the same library, driver manager and configuration pyogrio uses."""
    import pyogrio._ogr  # importing pyogrio registers GDAL's drivers, once

    lib = ctypes.CDLL(pyogrio._ogr.__file__)
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "GDALIdentifyDriverEx": (
            ctypes.c_void_p,
            [ctypes.c_char_p, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p],
        ),
        "GDALGetDriverShortName": (ctypes.c_char_p, [ctypes.c_void_p]),
        "GDALGetDriverCount": (ctypes.c_int, []),
        "GDALGetDriver": (ctypes.c_void_p, [ctypes.c_int]),
        "GDALDeregisterDriver": (None, [ctypes.c_void_p]),
        "GDALRegisterDriver": (ctypes.c_int, [ctypes.c_void_p]),
        "CPLHTTPSetFetchCallback": (None, [_FETCH, ctypes.c_void_p]),
        "CPLCalloc": (ctypes.c_void_p, [ctypes.c_size_t, ctypes.c_size_t]),
        "CPLStrdup": (ctypes.c_void_p, [ctypes.c_char_p]),
    }
    for name, (restype, argtypes) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:  # a GDAL before 3.2: fail closed
            raise DataError(f"GDAL {pyogrio.__gdal_version_string__} lacks {name}") from None
        fn.restype, fn.argtypes = restype, argtypes
    return lib


def identify(src: str) -> str | None:
    """The driver GDAL would open ``src`` with, or None (``GDALIdentifyDriverEx``: the
    drivers' identification by name and header; only when none claims the file does it
    try the drivers that cannot tell, which is why the network is off around it)."""
    lib = _gdal()
    handle = lib.GDALIdentifyDriverEx(os.fsencode(src), GDAL_OF_VECTOR, None, None)
    return _name(handle) if handle else None


def registered_drivers() -> list[str]:
    """GDAL's drivers in their probing order."""
    lib = _gdal()
    return [_name(lib.GDALGetDriver(i)) for i in range(lib.GDALGetDriverCount())]


def _name(handle: int) -> str:
    name: bytes = _gdal().GDALGetDriverShortName(handle)
    return name.decode()


@contextmanager
def _only_drivers(allowed: tuple[str, ...]) -> Iterator[None]:
    """Only ``allowed`` registered while the block runs; then every driver back in order."""
    lib = _gdal()
    every = [lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())]
    try:
        for handle in every:
            if _name(handle) not in allowed:
                lib.GDALDeregisterDriver(handle)
        yield
    finally:
        for handle in every:  # deregistering an absent driver does nothing
            lib.GDALDeregisterDriver(handle)
        for handle in every:
            lib.GDALRegisterDriver(handle)


def _refuse_fetch(url: bytes | None, *_: object) -> int:
    """Every GDAL HTTP request gets a failed result (a NULL would let GDAL's own run)."""
    shown = (url or b"").decode(errors="replace")
    log.warning("GDAL asked for %s while reading a source: refused", shown)
    lib = _gdal()
    result = lib.CPLCalloc(256, 1)  # over the struct's size; GDAL frees it and its fields
    head = _HTTPResult.from_address(result)
    head.nStatus = 1  # CURLE_UNSUPPORTED_PROTOCOL
    head.pszErrBuf = lib.CPLStrdup(b"network access is off while reading sources")
    return int(result)


@cache
def _callbacks() -> tuple[Any, Any]:
    """(the refusing callback, a NULL one), made once and kept: GDAL holds the pointer."""
    return _FETCH(_refuse_fetch), _FETCH(0)


@contextmanager
def _no_network() -> Iterator[None]:
    """No HTTP from GDAL, in any thread, while the block runs (process-wide settings, so
    GDAL's own worker threads are covered too; restored after)."""
    import pyogrio

    lib = _gdal()
    refuse, default = _callbacks()
    before = pyogrio.get_gdal_config_option(_VSICURL_KEY)
    lib.CPLHTTPSetFetchCallback(refuse, None)
    pyogrio.set_gdal_config_options({_VSICURL_KEY: _NO_NETWORK_FILENAME})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({_VSICURL_KEY: before})
        lib.CPLHTTPSetFetchCallback(default, None)  # GDAL's own libcurl again
