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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError
from ..geocode.normalize import (
    canonical_name,
    canonical_street,
    normalize_unit,
    normalize_zip,
    split_unit,
)
from .textfile import decode_bytes

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ("key", "unit", "line", "city", "municipality", "zip", "lon", "lat")
_HAS_NUMBER = re.compile(r"^\d+[A-Z]?(?: |$)")
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


_MAT_NUMERIC = ("XCOORD", "YCOORD")


def _read_table(path: Path) -> pd.DataFrame:
    import pandas as pd

    if path.suffix.lower() in {".csv", ".txt", ".tsv"}:
        raw = path.read_bytes()
        text, enc = decode_bytes(raw, path.name)  # detects and validates the encoding
        first = text.split("\n", 1)[0]
        del text  # pandas decodes the bytes itself: no second copy of a 60 MB table
        sep = "\t" if first.count("\t") > first.count(",") else ","
        # A county table has ~700,000 rows of few distinct values (street names, cities,
        # ZIPs, unit ids): read as categories, ~10x less memory than one string per cell.
        header = [h.strip().strip('"').lstrip("\ufeff") for h in first.strip().split(sep)]
        dtypes = {h: (str if h.upper() in _MAT_NUMERIC else "category") for h in header}
        try:
            return pd.read_csv(
                io.BytesIO(raw), sep=sep, dtype=dtypes, keep_default_na=False, encoding=enc
            )
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


def _categories(frame: pd.DataFrame, name: str, fn: Callable[[str], str]) -> pd.Series:
    """Column ``name`` with ``fn`` applied once per distinct value, kept categorical."""
    import pandas as pd

    if name not in frame:
        return pd.Series(pd.Categorical([fn("")] * len(frame)), index=frame.index)
    col = frame[name]
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype(str).astype("category")
    mapped = [fn(str(v)) for v in col.cat.categories]
    return pd.Series(_recode(col, mapped), index=frame.index)


def _recode(col: pd.Series, mapped: list[str]) -> pd.Categorical:
    """A categorical whose category ``k`` became ``mapped[k]`` (several may merge)."""
    import numpy as np
    import pandas as pd

    uniques, inverse = np.unique(np.array(mapped, dtype=object), return_inverse=True)
    codes = col.cat.codes.to_numpy()
    return pd.Categorical.from_codes(np.asarray(inverse)[codes], categories=list(uniques))


def _from_mat(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    import numpy as np
    import pandas as pd
    from pyproj import Transformer

    def strip(v: str) -> str:
        return " ".join(v.split()).upper()

    if "STATUS_CODE" in frame:
        status = _categories(frame, "STATUS_CODE", strip)
        frame = frame[status.isin(["A", ""]).to_numpy()].reset_index(drop=True)
    predir = "STDIR" if "STDIR" in frame else "PREADDRNUM"
    # The street of each row (directional, name, type, suffix directional) as one code, so
    # each distinct street is spelled and normalised once: ~20,000 streets, not 700,000 rows.
    parts = [_categories(frame, c, strip) for c in (predir, "STREETNAME", "STREETTYPE", "SUFDIR")]
    street_code = pd.DataFrame({k: p.cat.codes for k, p in enumerate(parts)})
    combos = street_code.drop_duplicates().reset_index(drop=True)
    cats = [p.cat.categories for p in parts]
    lines = [
        " ".join(w for w in (str(cats[k][c]) for k, c in enumerate(row) if c >= 0) if w)
        for row in combos.itertuples(index=False)
    ]
    canon = [canonical_name(line) for line in lines]
    street_id = street_code.merge(combos.reset_index(), on=list(street_code.columns), how="left")[
        "index"
    ].to_numpy()
    # The house-number part once per distinct (number, suffix) pair, like the streets.
    num = _categories(frame, "ADDRNUM", strip)
    suf = _categories(frame, "ADDRNUMSUF", strip)
    n_suf = len(suf.cat.categories)
    pair = num.cat.codes.to_numpy(np.int64) * n_suf + suf.cat.codes.to_numpy(np.int64)
    pairs, pair_id = np.unique(pair, return_inverse=True)
    heads = [
        _house_number(str(num.cat.categories[p // n_suf]), str(suf.cat.categories[p % n_suf]))
        for p in pairs.tolist()
    ]
    hs, ss = pair_id.ravel().tolist(), street_id.tolist()
    del pair, pair_id, street_id, street_code
    # One column of ~700,000 strings at a time, each list freed once it is a column: the
    # two lists side by side were the peak of a county's refresh (measured: 485 -> 453 MB).
    numbered = [bool(_HAS_NUMBER.match(h)) for h in heads]
    key = _joined(heads, canon, hs, ss, numbered)
    full = _joined(heads, lines, hs, ss, None)
    del hs, ss
    try:
        x = pd.to_numeric(frame["XCOORD"].astype(str).str.strip(), errors="raise").to_numpy(float)
        y = pd.to_numeric(frame["YCOORD"].astype(str).str.strip(), errors="raise").to_numpy(float)
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: XCOORD/YCOORD are not numbers ({exc})") from exc
    lon, lat = Transformer.from_crs(MAT_CRS, "EPSG:4326", always_xy=True).transform(x, y)
    return pd.DataFrame(
        {
            "key": key,
            "unit": _categories(frame, "UNITID", normalize_unit),
            "line": full,
            "city": _categories(frame, "PLACENAME", strip),
            "municipality": _categories(frame, "MUNICIPALITY_DESC", strip),
            "zip": _categories(frame, "ZIPCODE", normalize_zip),
            "lon": np.asarray(lon, float),
            "lat": np.asarray(lat, float),
        }
    )


def _joined(
    heads: list[str], streets: list[str], hs: list[int], ss: list[int], keep: list[bool] | None
) -> pd.Series:
    """Each row's house number and street (by their ids); "" where ``keep`` says no."""
    import pandas as pd

    return pd.Series(
        [
            (f"{heads[h]} {streets[s]}" if streets[s] else heads[h])
            if keep is None or keep[h]
            else ""
            for h, s in zip(hs, ss, strict=True)
        ]
    )


def _house_number(number: str, suffix: str) -> str:
    """A letter suffix belongs to the number ("123A"); a fraction is its own word."""
    if len(suffix) == 1 and suffix.isalpha():
        return number + suffix
    return f"{number} {suffix}" if "/" in suffix else number


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
