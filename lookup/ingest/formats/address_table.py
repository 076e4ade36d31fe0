"""Opening an address file: its columns, then only the columns a layout needs, and where
each row came from (the line of a CSV, the feature of a layer) for messages.

CSV and text files: the encoding is detected (``textfile.decode_bytes``: UTF-8 with or
without BOM, UTF-16, Windows-1252 from Excel), the delimiter is the most frequent of
``, ; TAB |`` in the header line, and header names are trimmed of spaces, quotes and BOM.
Text columns are read as categories (a county table repeats few values: ~10x less memory
than a string per cell), and only the columns the layout uses are read at all: a
700,000-row Master Address Table without its unique ``TAXPID`` parses in 0.6 s with a
250 MB peak instead of 3.5 s and 421 MB (measured).

GIS files (GeoJSON, shapefile, zipped too, GeoPackage...) and Excel workbooks (``.xlsx``,
a layer per sheet) are read with GDAL through pyogrio, layer by layer until one has
address columns; points go to WGS84 from the CRS the file declares. A layer that
declares none is taken as WGS84 only when its coordinates are degrees.

Either kind is read a chunk of records at a time (``Source.chunks``): a statewide table
is five million rows, 250 MB to 1 GB, and never held whole, nor its bytes. Each is read
once, front to back (a layer through ``layer_stream``), never again from its start.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lookup.errors import DataError
from lookup.ingest.formats.gdal_safety import ADDRESS_LAYER, open_layer
from lookup.ingest.formats.layer_stream import layer_frames
from lookup.ingest.formats.sniff import identify, refusal
from lookup.ingest.formats.textfile import (
    file_encoding,
    first_block,
    read_source_bytes,
)

if TYPE_CHECKING:
    import _csv

    import numpy as np
    import pandas as pd

TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".ods"})  # read by GDAL, a layer per sheet
# Names under which a file goes to GDAL instead (any not in TEXT_SUFFIXES does): what a
# refusal of such a file renamed .csv tells staff to call it.
GIS_SUFFIXES = frozenset({".zip", ".geojson", ".json", ".gpkg", ".kml", ".kmz"})
DELIMITERS = (",", "\t", ";", "|")
_EOF_IN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


def one_line(text: object) -> str:
    """An error text on one line (pandas' and GDAL's messages end in newlines)."""
    return " ".join(str(text).split())


def quoted(value: str, limit: int = 40) -> str:
    """A cell quoted for a message, cut short: a run-away cell can be megabytes."""
    return '"' + (value if len(value) <= limit else value[: limit - 1] + "…") + '"'


@dataclass
class Table:
    """The columns read (by the file's own names) and, for a point layer, its points."""

    frame: pd.DataFrame
    lon: np.ndarray | None = None  # WGS84 from the geometry; NaN where a feature has none
    lat: np.ndarray | None = None
    point_problems: list[str] | None = None  # per feature: why it has no point ("" if it has)
    any_point: bool = False  # some feature of the whole layer, in any chunk, has a point


class Source(ABC):
    """An address table opened far enough to know its column names."""

    path: Path
    fields: tuple[str, ...]
    has_points: bool  # a layer with a geometry column

    @property
    def name(self) -> str:
        """The file's name, as every message starts."""
        return self.path.name

    @abstractmethod
    def chunks(self, columns: list[str], numeric: list[str], rows: int) -> Iterator[Table]:
        """These columns (``numeric`` ones as text to parse, the others categorical),
        ``rows`` records at a time in file order; at least one table, empty if no record."""

    @abstractmethod
    def where(self, record: int) -> str:
        """Where data record ``record`` (0-based) is in the file, for a message."""


def open_sources(path: Path) -> list[Source]:
    """The file's tables, the likeliest address table first: one for a text file; for a
    GIS file each layer (a county's NG9-1-1 GeoPackage also holds road centerlines,
    boundaries...), point layers named like address points first."""
    if path.suffix.lower() in TEXT_SUFFIXES:
        return [TextSource(path)]
    import pyogrio

    with open_layer(path, ADDRESS_LAYER) as src:
        try:
            layers = [(str(name), kind) for name, kind in pyogrio.list_layers(src)]
        except Exception as exc:  # pyogrio raises several types for unreadable data
            raise DataError(f"{path.name}: cannot read ({one_line(exc)})") from None
    if len(layers) <= 1:
        return [LayerSource(path, None)]

    def rank(layer: tuple[str, object]) -> tuple[bool, bool]:
        name, kind = layer
        return ("Point" not in str(kind), not _ADDRESS_LAYER.search(name))

    return [LayerSource(path, name) for name, _ in sorted(layers, key=rank)]


_ADDRESS_LAYER = re.compile(r"addr|ssap|site", re.IGNORECASE)


class TextSource(Source):
    """A delimited text file, never held whole: its encoding is checked a block at a time
    (``textfile.file_encoding``), pandas parses it a chunk of rows at a time, and a
    message that needs a line number reads it again (only then)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.has_points = False
        # A zip, workbook or web page renamed .csv: refused as what it is, not by codec.
        block = first_block(path)  # refused by its size (MAX_ADDRESS_TABLE_BYTES) unread
        if identify(block) is not None:
            kinds = GIS_SUFFIXES | SPREADSHEET_SUFFIXES
            refused = refusal(_sniffed(path, block), path.name, kinds)
            if refused:
                raise DataError(refused)
        self.encoding, block = file_encoding(path)
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="strict")
        # Up to 4 bytes a character: the first block holds the first million characters
        # (a character cut at its end is held back by the decoder, not refused).
        head = decoder.decode(block)[:1_000_000]
        head = head.lstrip("\ufeff")
        del block
        if not head.strip():
            raise DataError(f"{path.name}: empty file")
        first = head.split("\n", 1)[0]
        counts = {d: first.count(d) for d in DELIMITERS}
        self.sep = max(DELIMITERS, key=lambda d: counts[d]) if any(counts.values()) else ","
        try:
            header = next(self._reader(head))
        except (csv.Error, StopIteration) as exc:
            raise DataError(f"{path.name}: row 1: cannot read the header ({exc})") from None
        self.fields = _unique([h.strip().strip('"').strip() for h in header])

    def _reader(self, text: str) -> _csv.Reader:
        """The csv module read as pandas reads (a space after a delimiter skipped)."""
        return csv.reader(io.StringIO(text, newline=""), delimiter=self.sep, skipinitialspace=True)

    def chunks(self, columns: list[str], numeric: list[str], rows: int) -> Iterator[Table]:
        import pandas as pd

        dtypes = {c: (str if c in numeric else "category") for c in columns}
        # pandas' tokenizer keeps a quoted cell's line breaks in its row across chunks,
        # and counts lines over the whole file (its error messages say where).
        with self._failures():
            reader = pd.read_csv(
                self.path,
                sep=self.sep,
                header=0,
                names=list(self.fields),
                usecols=columns,
                dtype=dtypes,
                keep_default_na=False,
                index_col=False,  # a trailing delimiter on every row is no index column
                skipinitialspace=True,
                encoding=self.encoding,
                encoding_errors="replace",
                chunksize=rows,
            )
        with reader:
            empty = True
            while True:
                with self._failures():
                    frame = next(reader, None)
                if frame is None:
                    break
                empty = False
                yield Table(frame)
            if empty:  # a header and no record: pandas yields no chunk at all
                yield Table(pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in columns}))

    @contextmanager
    def _failures(self) -> Iterator[None]:
        """pandas' errors as one ``DataError`` line naming the file (and the row)."""
        import pandas as pd

        try:
            yield
        except pd.errors.EmptyDataError:
            raise DataError(f"{self.name}: empty file") from None
        except Exception as exc:  # pandas' parser errors have no common base we can name
            m = _EOF_IN_QUOTE.search(str(exc))
            if m:
                line = int(m.group(1)) + 1
                raise DataError(
                    f"{self.name}: row {line:,}: a quoted cell is never closed "
                    "(is the file cut short?)"
                ) from None
            raise DataError(f"{self.name}: cannot read as a table ({one_line(exc)})") from None

    def where(self, record: int) -> str:
        line = self._line_of(record)
        return f"row {line:,}" if line else f"data row {record + 1:,}"

    def _line_of(self, record: int) -> int:
        """The 1-based line where data record ``record`` starts, counted as pandas counts
        records (blank lines skipped, quoted cells may span lines); 0 if unknown. Read as
        a stream: a statewide table is never held to find one line."""
        try:
            with self.path.open(encoding=self.encoding, errors="replace", newline="") as f:
                return self._line_in(f, record)
        except OSError:
            return 0

    def _line_in(self, f: io.TextIOBase, record: int) -> int:
        first = f.readline().lstrip("\ufeff")
        reader = csv.reader(itertools.chain([first], f), delimiter=self.sep, skipinitialspace=True)
        try:
            next(reader)  # the header
            k, start = -1, reader.line_num + 1
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):
                    k += 1
                    if k == record:
                        return start
                start = reader.line_num + 1
        except csv.Error:  # a cell over the csv module's size limit: give the record number
            return 0
        return 0


class LayerSource(Source):
    """A GIS layer read through GDAL (pyogrio): GeoJSON, shapefile (zipped too), GeoPackage."""

    def __init__(self, path: Path, layer: str | None) -> None:
        import pyogrio

        self.path = path
        self.layer = layer  # None: the file's only layer
        with open_layer(path, ADDRESS_LAYER) as src:
            try:
                info = pyogrio.read_info(src, layer=layer)
            except Exception as exc:  # pyogrio raises several types for unreadable data
                raise DataError(f"{self.name}: cannot read ({one_line(exc)})") from None
        self.fields = tuple(str(f) for f in info["fields"])
        self.encoding: str | None = info.get("encoding")  # as pyogrio found it: GDAL recodes
        self.has_points = info.get("geometry_type") not in (None, "None")

    def chunks(self, columns: list[str], numeric: list[str], rows: int) -> Iterator[Table]:
        import numpy as np

        # Held through every chunk: open_layer checks a zip's every entry, and holds a lock.
        # The layer is read once, front to back (``layer_stream``): a chunk read by skipping
        # the ones before it costs a walk from the first feature on a GeoJSON.
        with open_layer(self.path, ADDRESS_LAYER) as src:
            any_point = None
            for layer in self._features(src, columns, 0, rows):
                if not self.has_points or "geometry" not in layer:
                    yield Table(layer)
                    continue
                lon, lat, problems = self._points(layer)
                if any_point is None:  # whether the layer's points or columns are used
                    any_point = bool(np.isfinite(lon).any()) or (
                        len(layer) == rows and self._points_after(src, rows, rows)
                    )
                yield Table(layer.drop(columns="geometry"), lon, lat, problems, any_point)

    def _points_after(self, src: str, start: int, rows: int) -> bool:
        """Whether a feature after the first ``start`` has a usable point: geometry only,
        read (in a second pass) only when none of the first chunk has one."""
        import numpy as np

        for layer in self._features(src, [], start, rows):
            if len(layer) and np.isfinite(self._points(layer)[0]).any():
                return True
        return False

    def _features(
        self, src: str, columns: list[str], start: int, rows: int
    ) -> Iterator[pd.DataFrame]:
        """Features from ``start`` on, ``rows`` at a time (one empty frame if none)."""
        return layer_frames(
            src,
            self.layer,
            columns,
            geometry=self.has_points,
            rows=rows,
            skip=start,
            encoding=self.encoding,
            name=self.name,
        )

    def _points(self, layer: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Each feature's point in WGS84 (NaN and the reason where it has none)."""
        import numpy as np
        import shapely

        geoms = layer.geometry
        if geoms.crs is None:
            # No CRS (a shapefile without its .prj): only degrees can be taken as they are.
            x0, y0, x1, y1 = geoms.total_bounds  # NaN when no feature has a geometry
            if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90) and x0 == x0:
                raise DataError(
                    f"{self.name}: the layer declares no coordinate system (a shapefile "
                    "without its .prj?) and its coordinates are not degrees"
                )
        else:
            geoms = geoms.to_crs(4326)
        arr = np.asarray(geoms.values, dtype=object)
        kind = shapely.get_type_id(arr)
        single = (kind == 4) & (shapely.get_num_geometries(arr) == 1)  # a one-point MultiPoint
        pts = arr.copy()
        pts[single] = shapely.get_geometry(arr[single], 0)
        usable = (kind == 0) | single
        lon = np.full(len(arr), np.nan)
        lat = np.full(len(arr), np.nan)
        lon[usable] = shapely.get_x(pts[usable])
        lat[usable] = shapely.get_y(pts[usable])
        problems = [
            ""
            if ok and np.isfinite(x) and np.isfinite(y)
            else ("no geometry" if k < 0 else "an empty point" if ok else _not_a_point(k))
            for ok, k, x, y in zip(usable.tolist(), kind.tolist(), lon, lat, strict=True)
        ]
        return lon, lat, problems

    @property
    def name(self) -> str:
        return f"{self.path.name} (layer {self.layer})" if self.layer else self.path.name

    def where(self, record: int) -> str:
        if self.path.suffix.lower() in SPREADSHEET_SUFFIXES:
            return f"row {record + 2:,}"  # the sheet's row, under its header row
        return f"feature {record + 1:,}"


_GEOMETRY_TYPES = (
    "Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
    "MultiPolygon", "GeometryCollection",
)  # fmt: skip


def _not_a_point(type_id: int) -> str:
    """Why a feature is no address point: shapely's geometry type id, in words."""
    name = _GEOMETRY_TYPES[type_id] if 0 <= type_id < len(_GEOMETRY_TYPES) else "geometry"
    return f"a {name}, not a point"


def _sniffed(path: Path, first: bytes) -> bytes:
    """What ``sniff.refusal`` reads of a file whose first block is not text: the whole
    file when not over the old limit (a zip's list of names is at its end), else that
    block."""
    try:
        return read_source_bytes(path)
    except DataError:
        return first


def _unique(names: list[str]) -> tuple[str, ...]:
    """Header names, each one distinct and non-empty (pandas needs both)."""
    out: list[str] = []
    for k, name in enumerate(names, 1):
        name = name.lstrip("\ufeff").strip() or f"column {k}"
        out.append(f"{name} ({k})" if name in out else name)
    return tuple(out)


def numbers(col: pd.Series) -> np.ndarray:
    """A column as floats; NaN where a cell is empty or not a number (``35,2``, ``N/A``)."""
    import numpy as np
    import pandas as pd

    if col.dtype.kind in "iuf":
        values = col.to_numpy(dtype=float, na_value=np.nan, copy=True)
    else:
        text = col.astype(str).str.strip()  # vectorised: a county has 700,000 of them
        values = np.array(pd.to_numeric(text, errors="coerce"), dtype=float)
        del text
    values[~np.isfinite(values)] = np.nan  # "inf", "1e400": no number
    return values
