"""Street-centerline reader: line segments with TIGER-style address ranges per side.

Fields (case-insensitive): the ranges as ``LFROMADD, LTOADD, RFROMADD, RTOADD`` (TIGER
EDGES, most county layers) or ``LFROMHN, LTOHN, RFROMHN, RTOHN`` (TIGER ADDRFEAT);
optional ``ZIPL, ZIPR``; the street name as ``FULLNAME`` or as parts (``PREDIR`` /
``PREFIXDIR`` / ``STDIR``, ``NAME`` / ``STREETNAME``, ``SUFTYPE`` / ``TYPE`` /
``STREETTYPE``, ``SUFDIR``). "Left" and "right" are as seen walking the line from its
first vertex to its last, and ``*FROM*`` is the number at the first vertex.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lookup.errors import DataError
from lookup.geocode.normalize import canonical_street, normalize_zip

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

COLUMNS = ("street", "side", "from_num", "to_num", "zip", "segment", "coords")

# (left from, left to, right from, right to): the layouts seen in published files.
_RANGE_LAYOUTS = (
    ("LFROMADD", "LTOADD", "RFROMADD", "RTOADD"),  # TIGER EDGES and most county layers
    ("LFROMHN", "LTOHN", "RFROMHN", "RTOHN"),  # TIGER ADDRFEAT
)
_PREDIR = ("PREDIR", "PREFIXDIR", "STDIR")
_NAME = ("NAME", "STREETNAME")
_TYPE = ("SUFTYPE", "TYPE", "STREETTYPE")
_SUFDIR = ("SUFDIR",)
_LINESTRING, _MULTILINESTRING = 1, 5  # shapely geometry type ids


def read_centerlines(path: Path) -> pd.DataFrame:
    """Read a centerline layer into one row per (segment, side) with a usable range.

    Columns (``COLUMNS``): ``street`` canonical name without house number, ``side``
    ``"L"``/``"R"``, ``from_num`` / ``to_num`` (int, may run high to low), ``zip`` (5
    digits or ""), ``segment`` (row of the feature in the file, shared by its two sides)
    and ``coords`` (float ``(N, 2)`` lon/lat array, EPSG:4326, in digitised order).
    """
    layer = _read_layer(path)
    fields = {str(c).upper(): c for c in layer.columns if c != layer.geometry.name}
    ranges = _range_fields(fields, path.name)
    names = _street_names(layer, fields, path.name)
    lines = _lines(layer, path.name)
    import pandas as pd

    sides = []
    for side, (from_field, to_field), zip_field in (
        ("L", ranges[0:2], "ZIPL"),
        ("R", ranges[2:4], "ZIPR"),
    ):
        from_num = _numbers(layer[fields[from_field]])
        to_num = _numbers(layer[fields[to_field]])
        zips = _zips(layer[fields[zip_field]]) if zip_field in fields else None
        sides.append(_side_rows(side, from_num, to_num, zips, names, lines))
    out = pd.concat(sides, ignore_index=True)
    if out.empty:
        raise DataError(f"{path.name}: no street segment with a usable address range and name")
    return out.sort_values(["segment", "side"], kind="stable").reset_index(drop=True)


def _read_layer(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    from lookup.ingest.formats.gdal_safety import CENTERLINE_LAYER, open_layer

    with open_layer(path, CENTERLINE_LAYER) as src:
        try:
            layer = gpd.read_file(src, engine="pyogrio")
        except Exception as exc:  # pyogrio raises several types for unreadable data
            raise DataError(f"{path.name}: cannot read as a centerline layer ({exc})") from exc
    if layer.empty:
        raise DataError(f"{path.name}: no features")
    if "geometry" not in layer or layer.crs is None:
        raise DataError(f"{path.name}: no geometry or no coordinate reference system")
    return layer


def _range_fields(fields: dict[str, object], name: str) -> tuple[str, str, str, str]:
    for layout in _RANGE_LAYOUTS:
        if set(layout) <= fields.keys():
            return layout
    expected = " or ".join(", ".join(layout) for layout in _RANGE_LAYOUTS)
    raise DataError(f"{name}: no address range fields (expected {expected})")


def _first(fields: dict[str, object], candidates: tuple[str, ...]) -> str | None:
    return next((c for c in candidates if c in fields), None)


def _street_names(layer: pd.DataFrame, fields: dict[str, object], name: str) -> list[str]:
    """Canonical street key per feature ("" when the feature has no name)."""
    name_field = _first(fields, _NAME)
    if "FULLNAME" not in fields and name_field is None:
        raise DataError(f"{name}: no street name field (expected FULLNAME, NAME or STREETNAME)")
    part_fields = (
        _first(fields, _PREDIR),
        name_field,
        _first(fields, _TYPE),
        _first(fields, _SUFDIR),
    )
    parts = [_text(layer[fields[f]]) for f in part_fields if f is not None]
    rows = zip(*parts, strict=True) if parts else [()] * len(layer)  # FULLNAME alone
    joined = [" ".join(p for p in row if p) for row in rows]
    if "FULLNAME" in fields:
        # Some rows of a layer with FULLNAME leave it blank while the parts are filled.
        full = _text(layer[fields["FULLNAME"]])
        joined = [f or j for f, j in zip(full, joined, strict=True)]
    keys = {n: _street_key(n) for n in set(joined)}  # a street has many segments: key once
    return [keys[n] for n in joined]


def _street_key(name: str) -> str:
    """The same ``canonical_street`` as address points, on ``"1 " + name``, number dropped:
    a dummy number makes the directional and suffix rules see a full street line."""
    if not name.strip():
        return ""
    return " ".join(canonical_street("1 " + name).split()[1:])


def _text(series: pd.Series) -> list[str]:
    values = series.astype(object).where(series.notna(), "")
    return [str(v).strip() for v in values]


def _numbers(series: pd.Series) -> np.ndarray:
    """House numbers as floats, NaN where blank or not a plain number (TIGER has ``12A``)."""
    import pandas as pd

    text = pd.Series(_text(series), dtype=object)
    ok = text.str.fullmatch(r"\d+(?:\.0*)?")
    return pd.to_numeric(text.where(ok, None), errors="coerce").to_numpy(dtype=float)


def _zips(series: pd.Series) -> list[str]:
    # Numeric ZIP fields come back as floats ("28202.0") when some are missing.
    return [normalize_zip(z.split(".", 1)[0]) for z in _text(series)]


def _lines(layer: gpd.GeoDataFrame, name: str) -> list[np.ndarray | None]:
    """Each feature's line as a lon/lat array, ``None`` where it is not one simple line."""
    import shapely

    geoms = np.asarray(layer.geometry.to_crs(4326).values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if present.any():
        xmin, ymin, xmax, ymax = shapely.total_bounds(geoms[present])
        if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
            raise DataError(
                f"{name}: coordinates outside longitude/latitude range after reprojection "
                "(wrong coordinate reference system declared?)"
            )
    kinds = shapely.get_type_id(geoms)
    multi = kinds == _MULTILINESTRING
    if multi.any():
        # directed=True keeps the digitised direction, which the left/right sides depend on;
        # parts that do not join head to tail stay multi and are skipped.
        geoms[multi] = shapely.line_merge(geoms[multi], directed=True)
        kinds = shapely.get_type_id(geoms)
    out: list[np.ndarray | None] = []
    for geom, kind in zip(geoms, kinds, strict=True):
        coords = shapely.get_coordinates(geom) if kind == _LINESTRING else None
        out.append(coords if coords is not None and len(coords) >= 2 else None)
    return out


def _side_rows(
    side: str,
    from_num: np.ndarray,
    to_num: np.ndarray,
    zips: list[str] | None,
    names: list[str],
    lines: list[np.ndarray | None],
) -> pd.DataFrame:
    """The rows of one side; a range with a missing end, or 0-0 (no addresses), is unusable."""
    import pandas as pd

    keep = [
        i
        for i in range(len(names))
        if names[i]
        and lines[i] is not None
        and not (np.isnan(from_num[i]) or np.isnan(to_num[i]))
        and (from_num[i] > 0 or to_num[i] > 0)
    ]
    return pd.DataFrame(
        {
            "street": pd.Series([names[i] for i in keep], dtype=object),
            "side": pd.Series([side] * len(keep), dtype=object),
            "from_num": from_num[keep].astype(np.int64),
            "to_num": to_num[keep].astype(np.int64),
            "zip": pd.Series([zips[i] if zips else "" for i in keep], dtype=object),
            "segment": np.asarray(keep, dtype=np.int64),
            "coords": pd.Series([lines[i] for i in keep], dtype=object),
        }
    )
