"""A GDAL layer read once, front to back, as frames of a fixed number of features.

Reading a layer a chunk at a time with ``pyogrio.read_dataframe(skip_features=...,
max_features=...)`` opens the file again for every chunk, and a driver without random
access walks from the first feature each time: a 700,000-point GeoJSON (265 MB) took 7 s
per chunk just to be opened (GDAL scans the whole file for its schema), 20 s for a chunk
near its end, so reading grew with the square of its size (measured: ``scripts/bench``,
"address layer read"). pyogrio's ``open_arrow`` keeps one dataset open and hands out
record batches in file order; pyarrow turns them into frames. Frames are re-cut to exactly
``rows`` features, whatever batch sizes the driver returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

from lookup.errors import DataError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

UTF8 = ("UTF-8", "UTF8")


def layer_frames(
    src: str,
    layer: str | None,
    columns: list[str],
    *,
    geometry: bool,
    rows: int,
    skip: int = 0,
    encoding: str | None = None,
    name: str,
) -> Iterator[pd.DataFrame]:
    """The layer's features after the first ``skip``, ``rows`` at a time in file order
    (fewer in the last frame): these columns, and ``geometry`` (shapely, the layer's CRS)
    when asked. At least one frame, empty if no feature. ``encoding``: the text encoding
    pyogrio found (``read_info``); GDAL recodes any other than UTF-8, which Arrow needs.
    An unreadable file or feature raises ``DataError`` naming ``name``."""
    import pyarrow as pa
    from pyogrio.raw import open_arrow

    recode = encoding if encoding and encoding.upper() not in UTF8 else None
    with ExitStack() as opened:
        with _failures(name):
            meta, stream = opened.enter_context(
                open_arrow(
                    src,
                    layer=layer,
                    columns=columns,
                    read_geometry=geometry,
                    batch_size=rows,
                    encoding=recode,
                    datetime_as_string=True,
                )
            )
            batches = pa.RecordBatchReader.from_stream(stream)
        held: list[pa.RecordBatch] = []
        count, yielded = 0, False
        while True:
            with _failures(name):
                batch = _next(batches)
            if batch is None:
                break
            if skip:  # the features before ``skip``: dropped as they pass, never held
                cut = min(skip, batch.num_rows)
                batch, skip = batch.slice(cut), skip - cut
            held.append(batch)
            count += batch.num_rows
            while count >= rows:
                with _failures(name):
                    table = pa.Table.from_batches(held, schema=batches.schema)
                    frame = _frame(table.slice(0, rows), meta, geometry, name)
                held, count = table.slice(rows).to_batches(), count - rows
                del table
                yielded = True
                yield frame
        if count or not yielded:
            with _failures(name):
                rest = pa.Table.from_batches(held, schema=batches.schema)
                frame = _frame(rest, meta, geometry, name)
            yield frame


def _next(batches: pa.RecordBatchReader) -> pa.RecordBatch | None:
    """The stream's next batch; None at its end."""
    try:
        return batches.read_next_batch()
    except StopIteration:
        return None


@contextmanager
def _failures(name: str) -> Iterator[None]:
    """A failure (GDAL's, Arrow's, a text not in the declared encoding) as one
    ``DataError`` line naming the file, as the rest of the reading says it. Never held
    across a ``yield``: the consumer's own errors are not the file's."""
    try:
        yield
    except DataError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and codecs raise unrelated types
        raise DataError(f"{name}: cannot read ({' '.join(str(exc).split())})") from None


def _frame(table: pa.Table, meta: dict[str, Any], geometry: bool, name: str) -> pd.DataFrame:
    """Record batches as ``pyogrio.read_dataframe`` gives them: the columns in the layer's
    order, then ``geometry`` (shapely, from WKB) in a GeoDataFrame with the layer's CRS.
    One difference: a date or time field stays text (``datetime_as_string``), as a text
    table's does; no address column is a date."""
    import geopandas as gpd
    import pyarrow as pa
    import shapely

    # Arrow's strings are not checked as UTF-8 until a cell is used: a text GDAL passed
    # through undecoded would fail far from here, and not as the file's fault.
    try:
        table.validate(full=True)
    except pa.ArrowInvalid:
        raise DataError(
            f"{name}: cannot read (a text is neither UTF-8 nor in the encoding the file declares)"
        ) from None
    column = meta["geometry_name"] or "wkb_geometry"
    if not geometry or column not in table.column_names:
        return table.to_pandas()
    wkb = table.column(column).to_numpy(zero_copy_only=False)
    frame = table.drop_columns([column]).to_pandas()
    frame["geometry"] = shapely.from_wkb(wkb)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=meta["crs"])
