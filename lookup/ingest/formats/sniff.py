"""What a file really is, from its first bytes, so a refusal can say so.

Staff hand over what a browser or a colleague saved: a zip renamed ``.csv``, an Excel
workbook, a login page saved instead of the download. Read as text, such bytes fail with
a message about codecs that tells them nothing (or, for a web page, decode and then miss
every column); the file's signature says what it is, and so what to do with it.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from collections.abc import Callable, Collection
from dataclasses import dataclass

# How much of a file is looked at: signatures are at the start, an HTML title soon after.
_HEAD = 4096
_SPREADSHEET_STEP = "save it as CSV UTF-8 and give that"
_UNPACK_STEP = "extract it and give the file inside"


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of file that is not a text table, and what to do with it."""

    what: str  # "a zipped shapefile (Voter_Precinct.shp)"
    step: str  # the next step when the reader cannot take it under any name
    suffix: str = ""  # the name under which a reader that goes by suffix may read it

    @property
    def plain_step(self) -> str:
        """The step outside a refresh (a batch file), where no refresh option applies."""
        return "give a CSV or text file" if "--" in self.step else self.step


def refusal(data: bytes, name: str, readable: Collection[str] = ()) -> str | None:
    """The one-line refusal of bytes that are another kind of file than a text table,
    or None when they may be one. ``readable``: the suffixes (``.kml``...) under which
    the same refresh option reads other kinds, so the step can be "name it .kml"."""
    kind = identify(data)
    if kind is None:
        return None
    step = f"name it {kind.suffix} and give it again" if kind.suffix in readable else kind.step
    return f"{name}: {kind.what}, not a CSV or text table: {step}"


def identify(data: bytes) -> Kind | None:
    """The kind of file these bytes begin, or None when they may be a text table."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind(data) if callable(kind) else kind
    return _markup(_head_text(data[:_HEAD]))


def _zip_kind(data: bytes) -> Kind:
    """A zip archive, by what it holds: a shapefile, an Office document, a KMZ..."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [n for n in z.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, ValueError):
        return Kind("a damaged or cut-short zip archive", "download or copy the file again")
    lower = [n.lower() for n in names]
    shp = next((n for n in names if n.lower().endswith(".shp")), None)
    if shp:
        return Kind(f"a zipped shapefile ({_base(shp)})", "give it as --precincts", ".zip")
    if any(n.startswith("xl/") for n in lower):
        return Kind("an Excel workbook (.xlsx)", _SPREADSHEET_STEP, ".xlsx")
    if "mimetype" in lower and any(n == "content.xml" for n in lower):
        return Kind("an OpenDocument file (.ods/.odt)", _SPREADSHEET_STEP, ".ods")
    if any(n.startswith("word/") for n in lower):
        return Kind("a Word document (.docx)", "give the list's CSV or text file instead")
    if any(n.endswith(".kml") for n in lower):
        return Kind("a KMZ (zipped KML)", "give the list's CSV or text file instead", ".kmz")
    if any(".gdb/" in n for n in lower):
        return Kind("a zipped file geodatabase", "export the layer as CSV and give that")
    if len(names) == 1:
        only = _base(names[0])
        return Kind(f"a zip archive holding {only}", f"unzip it and give {only}")
    shown = ", ".join(_base(n) for n in names[:3]) + (", …" if len(names) > 3 else "")
    return Kind(f"a zip archive of {len(names)} files ({shown})", _UNPACK_STEP)


def _base(member: str) -> str:
    """A zip member's file name, cut short: names come from whoever made the archive."""
    base = member.rsplit("/", 1)[-1]
    return base if len(base) <= 40 else base[:39] + "…"


_MAGIC: tuple[tuple[bytes, Kind | Callable[[bytes], Kind]], ...] = (
    (b"PK\x03\x04", _zip_kind),
    (b"PK\x05\x06", Kind("an empty zip archive", "download or copy the file again")),
    (b"\x1f\x8b", Kind("a gzip-compressed file", "decompress it and give the file inside")),
    (b"%PDF", Kind("a PDF document", "give the list's CSV or text file, not a printable copy")),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        Kind("an Excel 97-2003 workbook (.xls) or other old Office file", _SPREADSHEET_STEP),
    ),
    (b"7z\xbc\xaf\x27\x1c", Kind("a 7-Zip archive", _UNPACK_STEP)),
    (b"Rar!\x1a\x07", Kind("a RAR archive", _UNPACK_STEP)),
    (
        b"SQLite format 3\x00",
        Kind("a GeoPackage or SQLite database", "export the table as CSV and give that", ".gpkg"),
    ),
    (
        b"\x00\x00\x27\x0a",  # a shapefile's .shp: file code 9994, big-endian
        Kind(
            "the .shp part of a shapefile alone",
            "zip it with its .shx, .dbf and .prj and give the zip as --precincts",
        ),
    ),
    (b"\x89PNG", Kind("a PNG image", "give the data file, not a picture of it")),
    (b"\xff\xd8\xff", Kind("a JPEG image", "give the data file, not a picture of it")),
    (b"GIF8", Kind("a GIF image", "give the data file, not a picture of it")),
)  # fmt: skip


def _head_text(head: bytes) -> str:
    """The first bytes as text, leniently (UTF-16 by its BOM), trimmed."""
    for bom, enc in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(enc, errors="ignore").lstrip()
    return head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")


_TITLE = re.compile(r"<title[^>]*>\s*([^<]{1,200}?)\s*</title>", re.IGNORECASE)
_JSON_START = re.compile(r'[{\[]\s*[{\["]')  # an object, or an array of objects/arrays/strings


def _markup(head: str) -> Kind | None:
    """Web pages, XML (KML among it) and JSON: text, but not a table."""
    text = head.lower()
    if text.startswith("<") and "<html" in text[:1000]:  # after a doctype or XML prolog
        title = _TITLE.search(head)
        titled = f' titled "{" ".join(title.group(1).split())[:40]}"' if title else ""
        return Kind(
            f"an HTML web page{titled} (a login or error page saved instead of the file?)",
            "download the file again",
        )
    if text.startswith(("<?xml", "<kml")):
        if "<kml" in text:
            return Kind("a KML file", "give the list's CSV or text file instead", ".kml")
        return Kind("an XML file", "give the list's CSV or text file instead")
    if _JSON_START.match(text):
        if '"featurecollection"' in text or '"features"' in text:
            return Kind("a GeoJSON layer", "give the list's CSV or text file instead", ".geojson")
        return Kind("a JSON file", "give the list's CSV or text file instead", ".json")
    return None
