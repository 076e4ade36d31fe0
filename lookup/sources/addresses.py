"""Address-point readers: the county Master Address Table (MAT) layout and a generic CSV.

MAT columns (county names): ADDRNUM, ADDRNUMSUF, STDIR (or PREADDRNUM), STREETNAME,
STREETTYPE, SUFDIR, UNITID, PLACENAME (postal city), MUNICIPALITY_DESC, ZIPCODE,
XCOORD, YCOORD (NC State Plane feet, EPSG:2264), TAXPID, STATUS_CODE (``A`` active).
Generic CSV: ``address`` (street line, unit included), ``city``, ``state``, ``zip``,
``lat``, ``lon`` (WGS84). The generic columns may also come as a point layer (GeoJSON,
shapefile...) with an ``address`` field, the coordinates then taken from the points.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError
from ..geocode.normalize import canonical_street, normalize_unit, normalize_zip, split_unit
from .textfile import decode_bytes

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("key", "unit", "line", "city", "municipality", "zip", "lon", "lat")
MAT_CRS = "EPSG:2264"


def read_addresses(path: Path) -> pd.DataFrame:
    """Read one address-point file into the columns ``COLUMNS`` (WGS84, canonical keys)."""
    frame = _read_table(path)
    cols = {c.upper(): c for c in frame.columns}
    if {"ADDRNUM", "STREETNAME", "XCOORD", "YCOORD"} <= cols.keys():
        out = _from_mat(frame.rename(columns={v: k for k, v in cols.items()}), path.name)
    elif {"ADDRESS", "LAT", "LON"} <= cols.keys():
        out = _from_generic(frame.rename(columns={v: k.lower() for k, v in cols.items()}))
    else:
        raise DataError(
            f"{path.name}: neither the Master Address Table layout (ADDRNUM, STREETNAME, "
            "XCOORD, YCOORD, ...) nor the generic one (address, city, state, zip, lat, lon)"
        )
    return out[out["key"] != ""].reset_index(drop=True)


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        text, _enc = decode_bytes(path.read_bytes(), path.name)
        first = text.split("\n", 1)[0]
        sep = "\t" if first.count("\t") > first.count(",") else ","
        try:
            return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
        except Exception as exc:  # pandas' parser errors have no common base we can name
            raise DataError(f"{path.name}: cannot read as a table ({exc})") from exc
    import geopandas as gpd

    from .precincts import ogr_path

    try:
        layer = gpd.read_file(ogr_path(path), engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable data
        raise DataError(f"{path.name}: cannot read ({exc})") from exc
    frame = pd.DataFrame(layer.drop(columns="geometry", errors="ignore")).astype(str)
    frame = frame.replace({"None": "", "nan": ""})
    if "geometry" in layer and layer.crs is not None and not layer.empty:
        points = layer.geometry.to_crs(4326)
        if (points.geom_type == "Point").all():
            frame["lat"], frame["lon"] = points.y.to_numpy(), points.x.to_numpy()
    return frame


def _from_mat(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    from pyproj import Transformer

    def col(c: str) -> pd.Series:
        return (frame[c] if c in frame else pd.Series([""] * len(frame))).astype(str).str.strip()

    if "STATUS_CODE" in frame:
        frame = frame[col("STATUS_CODE").str.upper().isin(["A", ""])].reset_index(drop=True)
    predir = col("STDIR") if "STDIR" in frame else col("PREADDRNUM")
    numsuf = col("ADDRNUMSUF").str.upper()
    # A letter suffix belongs to the number ("123A"); a fraction is its own word ("123 1/2").
    number = col("ADDRNUM") + numsuf.where(numsuf.str.fullmatch(r"[A-Z]"), "")
    fraction = numsuf.where(numsuf.str.contains("/"), "")
    parts = [number, fraction, predir, col("STREETNAME"), col("STREETTYPE"), col("SUFDIR")]
    line = parts[0]
    for p in parts[1:]:
        line = line.str.cat(p, sep=" ")
    line = line.str.replace(r"\s+", " ", regex=True).str.strip().str.upper()
    try:
        x = pd.to_numeric(col("XCOORD"), errors="raise").to_numpy(float)
        y = pd.to_numeric(col("YCOORD"), errors="raise").to_numpy(float)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: XCOORD/YCOORD are not numbers ({exc})") from exc
    lon, lat = Transformer.from_crs(MAT_CRS, "EPSG:4326", always_xy=True).transform(x, y)
    return pd.DataFrame(
        {
            "key": [canonical_street(s) for s in line],
            "unit": [normalize_unit(u) for u in col("UNITID")],
            "line": line,
            "city": col("PLACENAME").str.upper(),
            "municipality": col("MUNICIPALITY_DESC").str.upper(),
            "zip": [normalize_zip(z) for z in col("ZIPCODE")],
            "lon": np.asarray(lon, float),
            "lat": np.asarray(lat, float),
        }
    )


def _from_generic(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    streets, units = [], []
    for raw in frame["address"].astype(str):
        line = re.sub(r"\s+", " ", raw.upper().replace(",", " ")).strip()
        street, unit = split_unit(line)
        streets.append(street)
        units.append(unit)
    city_col = next((c for c in ("city", "city_state", "placename") if c in frame), None)
    # "Charlotte, NC" in some layers: the city is the part before the comma.
    city = (
        frame[city_col].astype(str).str.split(",").str[0].str.strip().str.upper()
        if city_col
        else pd.Series([""] * len(frame))
    )
    return pd.DataFrame(
        {
            "key": [canonical_street(s) for s in streets],
            "unit": [normalize_unit(u) for u in units],
            "line": streets,
            "city": city,
            "municipality": city,
            "zip": [normalize_zip(z) for z in frame.get("zip", pd.Series([""] * len(frame)))],
            "lon": pd.to_numeric(frame["lon"], errors="coerce"),
            "lat": pd.to_numeric(frame["lat"], errors="coerce"),
        }
    )
