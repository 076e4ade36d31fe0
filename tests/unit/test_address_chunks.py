"""An address table read a chunk of rows at a time (``read_address_chunks``) gives what
one pass over it gives: the same rows, the same notes and the same refusals, with the
file's own row numbers, wherever a chunk boundary falls; and its encoding is found
block by block exactly as ``decode_bytes`` finds it from the whole file."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from lookup.errors import DataError
from lookup.ingest.formats import textfile
from lookup.ingest.formats.addresses import read_address_chunks, read_addresses

ROOT = Path(__file__).resolve().parents[2]
DEMO_ADDRESSES = ROOT / "data" / "precincts" / "demo" / "Master_Address_Table_demo.csv"
ONE_PASS = 1_000_000  # rows per chunk: each file here at once, as before chunks (GDAL
# allocates this many rows up front)
HEADER = "NUMBER,STREET,UNIT,CITY,POSTCODE,LON,LAT"

Read = tuple[pd.DataFrame | None, list[str], str | None]


def read(path: Path, rows: int) -> Read:
    """The rows kept (one frame, text as objects), the notes, and the refusal if any."""
    notes: list[str] = []
    try:
        frames = list(read_address_chunks(path, notes, rows))
    except DataError as exc:
        return None, notes, str(exc)
    frame = pd.concat([f.astype(object) for f in frames], ignore_index=True)
    return frame, notes, None


def assert_same(path: Path, *rows: int) -> Read:
    """Every chunk size reads ``path`` as one pass does; one pass's result."""
    whole = read(path, ONE_PASS)
    for size in rows:
        chunked = read(path, size)
        assert chunked[1:] == whole[1:], size
        if whole[0] is not None:
            assert chunked[0] is not None
            pd.testing.assert_frame_equal(chunked[0], whole[0])
    return whole


def good(k: int) -> str:
    """A usable row: its own house number on one of a few streets."""
    return f"{100 + k},{('MAIN ST', 'OAK AVE', 'ELM DR')[k % 3]},,DEMO CITY,28990,-75.1,34.9"


def write(tmp_path: Path, lines: list[str], name: str = "addresses.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8", newline="")
    return path


def test_demo_table_in_chunks_is_the_one_pass_table() -> None:
    frame, _, refused = assert_same(DEMO_ADDRESSES, 1_000, 7_919)
    assert refused is None and frame is not None and len(frame) > 20_000
    # The joined frame read_addresses gives keeps its categories and its rows.
    joined = read_addresses(DEMO_ADDRESSES)
    pd.testing.assert_frame_equal(joined.astype(object), frame)


def test_a_quoted_line_break_never_splits_a_row(tmp_path: Path) -> None:
    """Records 2 and 3 hold quoted line breaks (the last of the first chunk of three and
    the first of the second); record 6, the first of the third chunk, has no house
    number: its note names line 11 (the header, six records, three quoted breaks)."""
    lines = [good(k) for k in range(40)]
    lines[2] = '102,"MAIN\nST",,DEMO CITY,28990,-75.1,34.9'
    lines[3] = '103,"OAK\r\nAVE",,"DEMO\nCITY",28990,-75.1,34.9'
    lines[6] = ",MAIN ST,,DEMO CITY,28990,-75.1,34.9"
    path = write(tmp_path, lines)
    frame, notes, refused = assert_same(path, 3, 2, 1)
    assert refused is None and frame is not None
    assert len(frame) == 39 and "102 MAIN ST" in set(frame["key"])
    assert notes == [
        "addresses.csv: 1 address point with no usable house number and street left out; "
        "first: row 11, column NUMBER: empty"
    ]


def test_bad_rows_as_the_first_of_a_chunk_and_counts_over_chunks(tmp_path: Path) -> None:
    """Unusable rows in several chunks: counted together, the file's first one shown."""
    lines = [good(k) for k in range(100)]
    for k in (50, 75, 90):  # each the first row of a chunk of 25 (or of 5, 10...)
        lines[k] = f"{k},,,DEMO CITY,28990,-75.1,34.9"
    lines[60] = "160,MAIN ST,,DEMO CITY,28990,west,34.9"
    path = write(tmp_path, lines)
    _, notes, refused = assert_same(path, 25, 10, 5, 50, 100, 1)
    assert refused is None
    assert notes == [
        "addresses.csv: 3 address points with no usable house number and street left out; "
        "first: row 52, column STREET: no street name",
        "addresses.csv: 1 address point with no usable coordinates left out; "
        'first: row 62, column LON: "west" is not a number',
    ]


def test_a_share_over_the_limit_refuses_the_file_as_one_pass_does(tmp_path: Path) -> None:
    lines = [good(k) for k in range(100)]
    for k in range(70, 80):  # 10 %: all in the fourth chunk of 20
        lines[k] = f"{k},MAIN ST,,DEMO CITY,28990,,"
    _, _, refused = assert_same(write(tmp_path, lines), 20, 7, 1)
    assert refused == (
        "addresses.csv: 10 of 100 address points (10.0%) have no usable coordinates, over "
        "the 5% allowed; first: row 72, column LON: empty"
    )


def test_exactly_one_chunk_and_an_empty_last_chunk(tmp_path: Path) -> None:
    path = write(tmp_path, [good(k) for k in range(30)])
    frame, notes, _ = assert_same(path, 30, 15, 10, 31)
    assert frame is not None and len(frame) == 30 and notes == []
    # A last chunk whose rows are all left out (another state) yields nothing.
    state = tmp_path / "state.csv"
    rows = [f"{good(k)},NC" for k in range(20)] + [f"{good(k)},SC" for k in range(20, 30)]
    state.write_text("\n".join([HEADER + ",STATE", *rows]) + "\n")
    frame, notes, _ = assert_same(state, 10, 20, 7)
    assert frame is not None and len(frame) == 20
    assert notes == ["state.csv: 10 rows in another state (column STATE) left out"]


def test_files_without_rows_are_refused_alike(tmp_path: Path) -> None:
    header_only = write(tmp_path, [], "header.csv")
    assert assert_same(header_only, 1)[2] == (
        "header.csv: no address points (no rows after the header)"
    )
    gone = tmp_path / "gone.csv"
    gone.write_text("\n".join([HEADER + ",STATE", *[f"{good(k)},VA" for k in range(9)]]) + "\n")
    assert assert_same(gone, 2)[2] == (
        "gone.csv: no address points: every row is in another state (column STATE)"
    )


def test_unreadable_rows_are_named_by_their_line_in_the_file(tmp_path: Path) -> None:
    """pandas counts lines over the whole file, not per chunk; a row wider than the
    header is read alike too."""
    lines = [good(k) for k in range(50)]
    lines[37] = good(37) + ",EXTRA,CELLS"
    assert_same(write(tmp_path, lines, "wide.csv"), 10, 3)
    lines = [good(k) for k in range(50)]
    lines[44] = '144,"MAIN ST,,DEMO CITY,28990,-75.1,34.9'
    _, _, refused = assert_same(write(tmp_path, lines, "cut.csv"), 10, 3)
    assert refused == ("cut.csv: row 46: a quoted cell is never closed (is the file cut short?)")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "cp1252", "utf-8-sig"])
def test_utf16_and_windows_1252_tables(tmp_path: Path, encoding: str) -> None:
    lines = [good(k).replace("DEMO CITY", "PEÑA CITY") for k in range(60)]
    lines[33] = "133,,,PEÑA CITY,28990,-75.1,34.9"
    text = "\r\n".join([HEADER.replace(",", "\t"), *(r.replace(",", "\t") for r in lines)])
    path = tmp_path / "tabbed.txt"
    path.write_bytes(text.encode(encoding))
    frame, notes, refused = assert_same(path, 10, 33, 34)
    assert refused is None and frame is not None
    assert set(frame["city"]) == {"PEÑA CITY"}
    assert notes[0].endswith("first: row 35, column STREET: no street name")


PAD = "a" * 4003  # past the 4,000 bytes the encoding is first judged on: cut into blocks
BYTES = [
    f"12 Peña Ct {PAD} ✓ 𝄞 end".encode(),
    codecs.BOM_UTF8 + f"Peña {PAD}".encode() + b"\xff tail",
    codecs.BOM_UTF8 + b"\xff" + PAD.encode(),
    codecs.BOM_UTF8 + f"ok {PAD} ✓ text".encode(),
    codecs.BOM_UTF16_LE + f"Peña St {PAD}".encode("utf-16-le") + b"\x00\xdc" + b"x\x00",
    codecs.BOM_UTF16_LE + f"Peña St {PAD} 𝄞".encode("utf-16-le") + b"a",
    codecs.BOM_UTF16_BE + f"Peña St {PAD} 𝄞".encode("utf-16-be"),
    f"NUMBER,STREET\r\n12,MAIN ST {PAD}\r\n".encode("utf-16-le"),
    f"NUMBER,STREET\r\n12,MAIN ST {PAD}\r\n".encode("utf-16-be") + b"\xd8",
    f"12,Peña St,Café {PAD}".encode("cp1252") + b" and more text " * 3,
    f"12,Peña St {PAD}".encode("cp1252") + b" and more text " * 3 + b"\x8d",
    f"plain ascii {PAD}".encode() + "✓".encode()[:2],
    b"short \xe9 cp1252",
]


@pytest.mark.parametrize("block", [1, 2, 3, 7, 4001, 1 << 20])
@pytest.mark.parametrize("data", BYTES, ids=range(len(BYTES)))
def test_the_encoding_block_by_block_is_the_one_of_the_whole_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, block: int
) -> None:
    """A character or an error cut by a block boundary: the same encoding or the same
    refusal (and offset) as ``decode_bytes`` gives from the whole bytes."""
    monkeypatch.setattr(textfile, "BLOCK_BYTES", block)
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    try:
        expected: str = textfile.decode_bytes(data, path.name)[1]
    except DataError as exc:
        expected = str(exc)
    try:
        got: str = textfile.file_encoding(path)[0]
    except DataError as exc:
        got = str(exc)
    assert got == expected


def test_an_address_table_over_the_other_files_limit_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Address tables have their own, higher ceiling (statewide ones are 250 MB to 1 GB):
    the 256 MiB limit of the other BOE files, lowered here to 1 KiB, does not apply;
    the address tables' own limit refuses as the other one does."""
    path = write(tmp_path, [good(k) for k in range(200)])
    monkeypatch.setattr(textfile, "MAX_SOURCE_BYTES", 1024)
    assert path.stat().st_size > 4 * 1024
    assert len(read_addresses(path)) == 200
    with pytest.raises(DataError, match=r"addresses\.csv: .* bytes is over the 1,024 byte limit"):
        textfile.read_text_table(path)  # any other text source keeps its limit
    monkeypatch.setattr(textfile, "MAX_ADDRESS_TABLE_BYTES", 4096)
    with pytest.raises(DataError) as refused:
        read_addresses(path)
    size = path.stat().st_size
    assert str(refused.value) == f"addresses.csv: {size:,} bytes is over the 4,096 byte limit"


def test_a_point_layer_in_chunks(tmp_path: Path) -> None:
    """Features read with skip/max: the same rows and notes, named by their feature; a
    layer whose first chunk has no point still uses the points of the later ones."""
    import geopandas as gpd
    import shapely

    n = 30
    numbers = [str(100 + k) for k in range(n)]
    numbers[12] = ""
    points = [shapely.Point(-75.1, 34.9 + k / 1000) for k in range(n)]
    for k in range(10):
        points[k] = None
    layer = gpd.GeoDataFrame(
        {
            "Add_Number": numbers,
            "St_Name": ["MAIN"] * n,
            "St_PosTyp": ["ST"] * n,
            "Post_Comm": ["DEMO CITY"] * n,
            "Longitude": ["-75.2"] * n,
            "Latitude": ["35.0"] * n,
        },
        geometry=points,
        crs=4326,
    )
    path = tmp_path / "points.geojson"
    layer.to_file(path, driver="GeoJSON")
    _, _, refused = assert_same(path, 10, 7, 1)
    assert refused == (
        "points.geojson: 10 of 30 address points (33.3%) have no usable coordinates, over "
        "the 5% allowed; first: feature 1, column geometry: no geometry"
    )
    layer.geometry = [shapely.Point(-75.1, 34.9)] * n
    layer.to_file(path, driver="GeoJSON")
    frame, notes, _ = assert_same(path, 10, 7, 1)
    assert frame is not None and len(frame) == 29 and set(frame["lon"]) == {-75.1}
    assert notes == [
        "points.geojson: 1 address point with no usable house number and street left out; "
        "first: feature 13, column Add_Number: empty"
    ]
