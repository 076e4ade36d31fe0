"""A GIS address layer read once as a stream (``layer_stream``): the frames hold exactly
what ``pyogrio.read_dataframe`` reads of the same features, cut ``rows`` at a time, in
every published format; the file is opened once per pass, never once per chunk (which
walked a GeoJSON from its start for every chunk); unreadable text is a ``DataError``."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from lookup.errors import DataError
from lookup.ingest.formats.addresses import read_address_chunks
from lookup.ingest.formats.gdal_safety import ADDRESS_LAYER, open_layer
from lookup.ingest.formats.layer_stream import layer_frames

N = 23


def layer(n: int = N, mixed: bool = True) -> object:
    """Points with what a county's layer has wrong: missing cells, features without a
    geometry, an empty point, and (``mixed``: not in a shapefile, one type a file) a
    one-point MultiPoint and a polygon; text beyond ASCII."""
    import geopandas as gpd
    import shapely

    geoms: list[object] = [shapely.Point(1_450_000 + k, 540_000 + k) for k in range(n)]
    geoms[2], geoms[5] = None, shapely.Point()
    if mixed:
        geoms[7] = shapely.MultiPoint([(1_450_000, 540_000)])
        geoms[9] = shapely.box(1_450_000, 540_000, 1_450_010, 540_010)
    return gpd.GeoDataFrame(
        {
            "ADDRNUM": [str(100 + k) if k % 6 else None for k in range(n)],
            "STREETNAME": ["PEÑA" if k % 2 else "CAFÉ" for k in range(n)],
            "STREETTYPE": ["ST"] * n,
            "ZIPCODE": [28202 + k % 3 for k in range(n)],
            "UNITS": [float(k) if k % 4 else None for k in range(n)],
        },
        geometry=geoms,
        crs=2264,
    )


def write(tmp_path: Path, kind: str) -> Path:
    """The layer as a county publishes it: GeoJSON, GeoPackage, or a zipped shapefile in
    Windows' Latin-1 without its .cpg (GDAL recodes it; Arrow alone would refuse it)."""
    frame = layer(mixed=kind != "shpzip")
    if kind == "geojson":
        frame.to_file(path := tmp_path / "points.geojson", driver="GeoJSON")
        return path
    if kind == "gpkg":
        frame.to_file(path := tmp_path / "points.gpkg", driver="GPKG", layer="address_points")
        return path
    folder = tmp_path / "shp"
    folder.mkdir()
    frame.to_file(folder / "points.shp", driver="ESRI Shapefile", encoding="latin1")
    (folder / "points.cpg").unlink(missing_ok=True)
    with zipfile.ZipFile(path := tmp_path / "points.zip", "w") as z:
        for part in sorted(folder.iterdir()):
            z.write(part, part.name)
    return path


def frames(path: Path, columns: list[str], rows: int, skip: int = 0) -> list[pd.DataFrame]:
    import pyogrio

    encoding = pyogrio.read_info(path)["encoding"] if path.suffix == ".zip" else None
    with open_layer(path, ADDRESS_LAYER) as src:
        return list(
            layer_frames(
                src, None, columns, geometry=True, rows=rows, skip=skip, encoding=encoding,
                name=path.name,
            )
        )  # fmt: skip


def assert_same_layer(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Columns, dtypes and values equal; geometries equal as WKB; the same CRS."""
    import shapely

    pd.testing.assert_frame_equal(
        got.drop(columns="geometry").reset_index(drop=True),
        want.drop(columns="geometry").reset_index(drop=True),
    )
    assert (
        shapely.to_wkb(got.geometry.values).tolist()
        == shapely.to_wkb(want.geometry.values).tolist()
    )
    assert got.crs == want.crs


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "shpzip"])
@pytest.mark.parametrize(("rows", "skip"), [(1, 0), (7, 0), (N, 0), (100, 0), (5, 8)])
def test_frames_are_what_read_dataframe_reads(
    tmp_path: Path, kind: str, rows: int, skip: int
) -> None:
    import pyogrio

    path = write(tmp_path, kind)
    columns = ["ADDRNUM", "STREETNAME", "ZIPCODE", "UNITS"]
    got = frames(path, columns, rows, skip)
    sizes = [len(f) for f in got]
    assert sizes[:-1] == [rows] * (len(got) - 1) and 0 < sizes[-1] <= rows
    assert sum(sizes) == N - skip
    with open_layer(path, ADDRESS_LAYER) as src:
        whole = pyogrio.read_dataframe(src, columns=columns, skip_features=skip)
    assert_same_layer(pd.concat(got, ignore_index=True), whole)
    assert "PEÑA" in set(whole["STREETNAME"])  # the Latin-1 shapefile was recoded


def test_a_layer_without_features_is_one_empty_frame(tmp_path: Path) -> None:
    path = write(tmp_path, "gpkg")
    got = frames(path, ["ADDRNUM"], 10, skip=N)
    assert [len(f) for f in got] == [0]
    assert list(got[0].columns) == ["ADDRNUM", "geometry"] and got[0].crs.to_epsg() == 2264


def test_a_layer_is_opened_once_per_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk of a pass from one open stream: a second pass only to look for a point
    after a first chunk without any; never a read that skips from the start."""
    import geopandas as gpd
    import pyogrio
    import pyogrio.raw
    import shapely

    opened: list[int] = []
    real = pyogrio.raw.open_arrow

    def counted(*args: object, **kwargs: object) -> object:
        opened.append(int(kwargs.get("batch_size", 0)))  # type: ignore[call-overload]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("a chunk read with skip_features")

    monkeypatch.setattr(pyogrio.raw, "open_arrow", counted)
    monkeypatch.setattr(pyogrio, "read_dataframe", refused)
    n = 200  # six features without a point are 3 %: under the share that refuses a file
    points = gpd.GeoDataFrame(
        {"Add_Number": [str(100 + k) for k in range(n)], "St_Name": ["MAIN"] * n,
         "St_PosTyp": ["ST"] * n, "Post_Comm": ["DEMO CITY"] * n},
        geometry=[shapely.Point(-75.1, 34.9 + k / 1000) for k in range(n)],
        crs=4326,
    )  # fmt: skip
    points.to_file(path := tmp_path / "points.geojson", driver="GeoJSON")
    kept = list(read_address_chunks(path, [], 6))
    assert sum(len(f) for f in kept) == n and opened == [6]

    opened.clear()
    points.geometry = [None] * 6 + [shapely.Point(-75.1, 34.9)] * (n - 6)
    points.to_file(path, driver="GeoJSON")
    notes: list[str] = []
    kept = list(read_address_chunks(path, notes, 6))
    assert sum(len(f) for f in kept) == n and opened == [6, 6]
    assert notes == [
        "points.geojson: 6 address points with no usable coordinates left out; first: "
        "feature 1, column geometry: no geometry"
    ]


def test_text_in_no_declared_encoding_is_a_data_error(tmp_path: Path) -> None:
    feature = (
        b'{"type":"Feature","properties":{"ADDRNUM":"12","STREETNAME":"CAF\xe9"},'
        b'"geometry":{"type":"Point","coordinates":[-80,35]}}'
    )
    path = tmp_path / "latin1.geojson"
    path.write_bytes(b'{"type":"FeatureCollection","features":[' + feature + b"]}")
    with pytest.raises(DataError) as refused:
        frames(path, ["STREETNAME"], 10)
    assert str(refused.value) == (
        "latin1.geojson: cannot read (a text is neither UTF-8 nor in the encoding the file "
        "declares)"
    )
