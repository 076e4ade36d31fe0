"""Reading the BOE's text files without assuming their encoding or delimiter.

NCSBE ships "CSV" files that are UTF-16 with a BOM and tab-separated; county staff save
UTF-8 (with or without BOM) or Windows-1252 from Excel. We detect rather than assume, and
refuse what cannot be decoded instead of serving mojibake.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from lookup.errors import DataError
from lookup.ingest.formats.sniff import identify, refusal

# A text source is held whole, decoded (a str of up to 4 bytes a character) and parsed:
# the largest real ones are a county Master Address Table, 60-80 MB for 700,000 rows,
# and NCSBE's statewide polling-place file, 0.5 MB. 256 MiB is three such tables. An
# address table itself is read in chunks, under its own ceiling (below).
MAX_SOURCE_BYTES = 256 * 1024 * 1024
# An address table is read in chunks (``address_table``), never held whole: a statewide
# one is 250 MB to 1 GB. The ceiling only refuses what no state publishes.
MAX_ADDRESS_TABLE_BYTES = 4 * 1024 * 1024 * 1024
# ``max_bytes`` for a caller's own file (a ``lookup batch`` input): no size is refused.
NO_LIMIT = sys.maxsize
# How much of a file is held at once when its encoding is checked block by block.
BLOCK_BYTES = 16 * 1024 * 1024
# The delimiters ``read_text_table`` tells apart, with their names for a message.
DELIMITERS = {"\t": "tab", ",": "comma", "|": "pipe", ";": "semicolon"}
# What to do with text none of the encodings reads: Excel's "CSV UTF-8" always decodes.
RESAVE_STEP = "open it in Excel and save it as CSV UTF-8, or give the file as published"


@dataclass(frozen=True, slots=True)
class TextFile:
    text: str
    encoding: str
    delimiter: str


def read_source_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """A source file's bytes, refused over ``max_bytes`` (default ``MAX_SOURCE_BYTES``)
    before it is read, and never more than that read should it grow meanwhile."""
    if max_bytes is None:
        max_bytes = MAX_SOURCE_BYTES
    try:
        with path.open("rb") as f:
            _check_size(f, path.name, max_bytes)
            data = f.read(max_bytes + 1)
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read ({exc.strerror})") from exc
    if len(data) > max_bytes:
        raise DataError(f"{path.name}: over the {max_bytes:,} byte limit")
    return data


def _check_size(f: BinaryIO, name: str, max_bytes: int) -> None:
    """Refuse an open file that is no regular file or is over ``max_bytes``."""
    st = os.fstat(f.fileno())
    if not stat.S_ISREG(st.st_mode):
        raise DataError(f"{name}: not a regular file")
    if st.st_size > max_bytes:
        raise DataError(f"{name}: {st.st_size:,} bytes is over the {max_bytes:,} byte limit")


def first_block(path: Path, max_bytes: int | None = None) -> bytes:
    """A file's first ``BLOCK_BYTES``, the file refused as ``read_source_bytes`` would
    refuse it (not a regular file, over ``max_bytes``: default ``MAX_ADDRESS_TABLE_BYTES``)."""
    if max_bytes is None:
        max_bytes = MAX_ADDRESS_TABLE_BYTES
    try:
        with path.open("rb") as f:
            _check_size(f, path.name, max_bytes)
            return f.read(BLOCK_BYTES)
    except OSError as exc:
        raise DataError(f"{path.name}: cannot read ({exc.strerror})") from exc


def file_encoding(path: Path, max_bytes: int | None = None) -> tuple[str, bytes]:
    """The encoding ``decode_bytes`` finds for a file, with the same refusals and the same
    messages, read ``BLOCK_BYTES`` at a time (a table too big to hold decoded), and the
    file's first block (its header). ``max_bytes`` as in ``first_block``."""
    if max_bytes is None:
        max_bytes = MAX_ADDRESS_TABLE_BYTES
    name = path.name
    try:
        with path.open("rb") as f:
            _check_size(f, name, max_bytes)
            head = f.read(max(BLOCK_BYTES, _SNIFF_BYTES))
            encoding = _declared(head)
            # ``bytes.decode("utf-8-sig")`` counts offsets after the BOM: checked as UTF-8
            # from there, the offsets are the ones decode_bytes names.
            skip = len(codecs.BOM_UTF8) if encoding == "utf-8-sig" else 0
            strict = "utf-8" if skip else encoding or "utf-8"
            bad = _first_undecodable(f, head[skip:], strict)
            if bad is None:
                return encoding or "utf-8", head
            if encoding is not None:
                raise DataError(_not_decodable(name, encoding, bad))
            # Not UTF-8: Windows-1252 unless a byte it leaves undefined is anywhere.
            f.seek(0)
            undefined = _first_cp1252_undefined(f)
    except OSError as exc:
        raise DataError(f"{name}: cannot read ({exc.strerror})") from exc
    if undefined is not None:
        raise DataError(_not_text(head, name, *undefined))
    return "cp1252", head


def _first_cp1252_undefined(f: BinaryIO) -> tuple[int, int] | None:
    """The offset and value of the file's first byte Windows-1252 leaves undefined."""
    offset = 0
    while block := f.read(BLOCK_BYTES):
        found = [k for k in (block.find(b) for b in _CP1252_UNDEFINED) if k >= 0]
        if found:
            return offset + min(found), block[min(found)]
        offset += len(block)
    return None


def _declared(head: bytes) -> str | None:
    """The encoding a BOM or BOM-less UTF-16's NUL pattern says (as ``decode_bytes``)."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    sample = head[:_SNIFF_BYTES]
    if sample and sample[1::2].count(0) > len(sample) // 4:
        return "utf-16-le"
    if sample and sample[0::2].count(0) > len(sample) // 4:
        return "utf-16-be"
    return None


def _first_undecodable(f: BinaryIO, head: bytes, encoding: str) -> int | None:
    """The offset from where ``head`` starts of the first byte ``encoding`` cannot read, or
    None: ``head``, then the rest of ``f`` a block at a time (a character cut between
    blocks is carried over whole)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    fed, block = 0, head
    while True:
        final = not block
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(block, final=final)
        except UnicodeDecodeError as exc:
            return fed - pending + exc.start
        if final:
            return None
        fed += len(block)
        block = f.read(BLOCK_BYTES)


def decode_bytes(
    data: bytes, name: str, *, max_bytes: int | None = MAX_SOURCE_BYTES
) -> tuple[str, str]:
    """Decode by BOM, then by the NUL pattern of BOM-less UTF-16, then strict UTF-8.
    Source files over ``max_bytes`` are refused (None: no limit, for a caller's own input
    such as a batch file)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise DataError(f"{name}: {len(data):,} bytes is over the {max_bytes:,} byte limit")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return _decode(data, enc, name), enc
    head = data[:_SNIFF_BYTES]
    if head and head[1::2].count(0) > len(head) // 4:
        return _decode(data, "utf-16-le", name), "utf-16-le"
    if head and head[0::2].count(0) > len(head) // 4:
        return _decode(data, "utf-16-be", name), "utf-16-be"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves cp1252; bytes it leaves undefined mean the file is something else.
    undefined = [data.find(b) for b in _CP1252_UNDEFINED]
    if any(at >= 0 for at in undefined):
        at = min(at for at in undefined if at >= 0)
        raise DataError(_not_text(data, name, at, data[at]))
    return data.decode("cp1252"), "cp1252"


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)
_SNIFF_BYTES = 4000  # what the NUL pattern of BOM-less UTF-16 is judged on


def _not_text(data: bytes, name: str, at: int, byte: int) -> str:
    """Why bytes no encoding reads are refused: what the file is, when its first bytes
    say (a zip, a PDF...), else the first offending byte (``byte``, at offset ``at``);
    never the codec's own words."""
    kind = identify(data)
    if kind is not None:
        return f"{name}: {kind.what}, not text: {kind.plain_step}"
    return (
        f"{name}: not valid UTF-8, UTF-16 or Windows-1252 text (byte 0x{byte:02X} at "
        f"offset {at:,}): {RESAVE_STEP}"
    )


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DataError(_not_decodable(name, encoding, exc.start)) from None


def _not_decodable(name: str, encoding: str, at: int) -> str:
    shown = _ENCODING_NAMES.get(encoding, encoding)
    return (
        f"{name}: starts as {shown} text but byte {at:,} is not {shown} "
        f"(damaged, or two files joined?): {RESAVE_STEP}"
    )


_ENCODING_NAMES = {
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
}


def separated_by() -> str:
    """``DELIMITERS`` in words, for a message naming a layout."""
    *first, last = DELIMITERS.values()
    return f"separated by {', '.join(first)} or {last}"


def read_text_table(path: Path, readable: Collection[str] = ()) -> TextFile:
    """Decode a delimited text file and find its delimiter (``DELIMITERS``). A file that
    is another kind (a zip, a workbook, a web page...) is refused as what it is first: its
    bytes may decode, and would then fail on columns. ``readable``: the suffixes under
    which the caller reads other kinds (see ``sniff.refusal``)."""
    data = read_source_bytes(path)
    refused = refusal(data, path.name, readable)
    if refused:
        raise DataError(refused)
    text, encoding = decode_bytes(data, path.name)
    if not text.strip("\ufeff \r\n\t"):
        raise DataError(f"{path.name}: empty file")
    # Real NCSBE files carry the odd stray NUL in an empty cell; many mean a wrong decoding.
    nuls = text.count("\x00")
    if nuls > max(10, len(text) // 1000):
        raise DataError(f"{path.name}: {nuls} NUL characters after decoding (wrong encoding?)")
    text = text.replace("\x00", "")
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        raise DataError(
            f"{path.name}: no {', '.join(DELIMITERS.values())} in the first line "
            f"({_cut(first.strip())}): not a table; save it as CSV and give that"
        )
    return TextFile(text=text.lstrip("\ufeff"), encoding=encoding, delimiter=delimiter)


def rows(tf: TextFile) -> list[list[str]]:
    """All non-blank rows, cells stripped (CRLF and quoted multi-line cells handled by csv)."""
    reader = csv.reader(io.StringIO(tf.text, newline=""), delimiter=tf.delimiter)
    return [[c.strip() for c in row] for row in reader if any(c.strip() for c in row)]


def _cut(text: str, limit: int = 40) -> str:
    """A piece of a file quoted in a message, cut short: a wrong file's line can be huge."""
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")
