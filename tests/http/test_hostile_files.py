"""The hostile corpus (issue 20, item 6): files and servers built to make a refresh read,
fetch or inflate what it must not. Each goes through the real refresh into a data folder
that already has a published version; each is refused in one line that names the file
and the cause, and the live version (``current`` and every file under it) is unchanged.
The corpus is built here at run time; where GDAL on its own would take the bait, a
control read shows it does, so a refusal is not a file that was harmless anyway.
A gzip-encoded download is the one case that must succeed."""

from __future__ import annotations

import hashlib
import io
import resource
import shutil
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pyogrio
import pytest
from support.file_server import FileServer
from support.paths import ROOT

from lookup import cli
from lookup.config import DEMO_SOURCES
from lookup.dataset.demo import PRECINCTS, demo_request
from lookup.dataset.publish import current_target
from lookup.errors import DataError
from lookup.ingest import fetch
from lookup.ingest.formats import gdal_safety
from lookup.ingest.refresh import RefreshReport, refresh

NOW = datetime(2028, 9, 1, 12, 0, tzinfo=UTC)
CONFIG = ROOT / "data" / "sources.toml"
SECRET = "SECRET-TOKEN-7F3A"
MiB = 1024 * 1024


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo county published as version v1, built once."""
    data = tmp_path_factory.mktemp("published") / "data"
    report = refresh(replace(demo_request(DEMO_SOURCES, data), version="v1"), NOW)
    assert report.published, report.lines()
    return data


@pytest.fixture
def live(published: Path, tmp_path: Path) -> Path:
    """This test's own copy of the published folder (``current`` is a relative link)."""
    data = tmp_path / "data"
    shutil.copytree(published, data, symlinks=True)
    assert current_target(data) == (data / "versions" / "v1").resolve()
    return data


@pytest.fixture
def server(tmp_path: Path) -> Iterator[FileServer]:
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(DEMO_SOURCES / PRECINCTS, root / PRECINCTS)
    (root / "remote.csv").write_text("id,name\n1,REMOTE\n")
    srv = FileServer(root)
    yield srv
    srv.close()


def snapshot(data: Path) -> dict[str, object]:
    """What is live: where ``current`` points, the versions on disk, and every byte of
    the live version's files."""
    target = current_target(data)
    assert target is not None
    files = {
        str(p.relative_to(target)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(target.rglob("*"))
        if p.is_file()
    }
    return {
        "current": target.name,
        "versions": sorted(p.name for p in (data / "versions").iterdir()),
        "log": (data / "published.log").read_text(),
        "files": files,
    }


def refresh_with(data: Path, **sources: object) -> RefreshReport:
    """The demo county's refresh with some of its sources replaced."""
    req = replace(demo_request(DEMO_SOURCES, data), version="v2", **sources)
    return refresh(req, NOW)


def assert_refused(report: RefreshReport, data: Path, before: dict, name: str, cause: str) -> str:
    """Not published, one error on one line naming the file and the cause, live as it was."""
    assert not report.published
    assert len(report.problems.errors) == 1, report.problems.errors
    error = report.problems.errors[0]
    assert "\n" not in error and error.startswith(f"{name}: ") and cause in error, error
    assert snapshot(data) == before
    return error


def vrt(secret: Path, url: str) -> str:
    """An OGR VRT: its first layer is a local file's rows, its second a URL's. Listing the
    layers opens both: GDAL alone reads the secret and fetches the URL."""
    return (
        "<OGRVRTDataSource>"
        '<OGRVRTLayer name="precincts">'
        f"<SrcDataSource>{secret}</SrcDataSource><SrcLayer>{secret.stem}</SrcLayer>"
        "<GeometryType>wkbPolygon</GeometryType><LayerSRS>EPSG:4326</LayerSRS>"
        '<GeometryField encoding="WKT" field="wkt"/>'
        "</OGRVRTLayer>"
        f'<OGRVRTLayer name="remote"><SrcDataSource>/vsicurl/{url}</SrcDataSource></OGRVRTLayer>'
        "</OGRVRTDataSource>"
    )


def secret_file(tmp_path: Path) -> Path:
    secret = tmp_path / "secret.csv"
    secret.write_text(
        "prec_id,enr_desc,county_nam,wkt\n"
        f'{SECRET},PCT 001,DEMO,"POLYGON((-75.3 34.9,-75.2 34.9,-75.2 35,-75.3 35,-75.3 34.9))"\n'
    )
    return secret


def unguarded_read(src: str) -> str:
    """GDAL as pyogrio calls it, without our guard: the rows as text. GDAL's /vsicurl/
    cache is emptied after, so a later fetch would reach the server again."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # several layers; the fetched CSV's sidecar 404s
        rows = pyogrio.read_dataframe(src).drop(columns="geometry").to_csv()
    pyogrio.vsi_curl_clear_cache()
    return rows


def no_secret_under(data: Path) -> None:
    for p in data.rglob("*"):
        if p.is_file():
            assert SECRET.encode() not in p.read_bytes(), p


# --- files GDAL would read with a driver the source may not be ----------------------


def test_vrt_saved_as_geojson_reads_and_fetches_nothing(
    live: Path, server: FileServer, tmp_path: Path
) -> None:
    secret = secret_file(tmp_path)
    hostile = tmp_path / "precincts.geojson"
    hostile.write_text(vrt(secret, f"{server.url}/remote.csv"))
    assert SECRET in unguarded_read(str(hostile)) and server.hits["/remote.csv"]  # control
    server.hits.clear()
    before = snapshot(live)
    report = refresh_with(live, precincts=hostile)
    error = assert_refused(report, live, before, "precincts.geojson", "OGR_VRT driver")
    assert error.startswith("precincts.geojson: refused: GDAL would read it with its OGR_VRT")
    assert not server.hits  # no request reached the server the VRT names
    no_secret_under(live)


def test_vrt_inside_a_zip(live: Path, server: FileServer, tmp_path: Path) -> None:
    secret = secret_file(tmp_path)
    hostile = tmp_path / PRECINCTS
    with zipfile.ZipFile(hostile, "w") as z:  # one entry: /vsizip/ opens it as the file
        z.writestr("SBE_PRECINCTS_20280801.geojson", vrt(secret, f"{server.url}/remote.csv"))
    assert SECRET in unguarded_read(f"/vsizip/{hostile}")  # control
    server.hits.clear()
    before = snapshot(live)
    report = refresh_with(live, precincts=hostile)
    assert_refused(report, live, before, PRECINCTS, "OGR_VRT driver")
    assert not server.hits
    no_secret_under(live)


GML = """<?xml version="1.0" encoding="utf-8"?>
<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">
  <gml:featureMember><ogr:precincts fid="p.0">
    <ogr:geometryProperty><gml:Polygon srsName="EPSG:4326"><gml:outerBoundaryIs>
      <gml:LinearRing><gml:coordinates>-75.3,34.9 -75.2,34.9 -75.2,35 -75.3,35 -75.3,34.9
      </gml:coordinates></gml:LinearRing></gml:outerBoundaryIs></gml:Polygon>
    </ogr:geometryProperty>
    <ogr:prec_id>001</ogr:prec_id><ogr:name>Library</ogr:name><ogr:county_nam>DEMO</ogr:county_nam>
  </ogr:precincts></gml:featureMember>
</ogr:FeatureCollection>
"""


@pytest.mark.parametrize(
    ("source", "name", "kind"),
    [
        ("precincts", "precincts.geojson", gdal_safety.PRECINCT_MAP),
        ("places", "libraries.geojson", gdal_safety.PLACE_LAYER),
        ("addresses", "address_points.shp", gdal_safety.ADDRESS_LAYER),
    ],
)
def test_gml_renamed_is_refused_by_every_reader(
    live: Path, tmp_path: Path, source: str, name: str, kind: gdal_safety.LayerKind
) -> None:
    hostile = tmp_path / name
    hostile.write_text(GML)
    assert "Library" in unguarded_read(str(hostile))  # GDAL alone reads it as GML
    before = snapshot(live)
    value = hostile if source == "precincts" else (hostile,)
    report = refresh_with(live, **{source: value})
    error = assert_refused(report, live, before, name, "GML driver")
    assert error.endswith(f"{kind.name} are read only as {', '.join(kind.drivers)}")


def test_vrt_named_kml_as_polling_places(live: Path, server: FileServer, tmp_path: Path) -> None:
    """The KML readers (polling places, one-stop sites) read through GDAL too: guarded."""
    hostile = tmp_path / "pp1.kml"
    hostile.write_text(vrt(secret_file(tmp_path), f"{server.url}/remote.csv"))
    assert SECRET in unguarded_read(str(hostile))  # control
    server.hits.clear()
    before = snapshot(live)
    report = refresh_with(live, polling_places=(hostile,))
    assert_refused(report, live, before, "pp1.kml", "OGR_VRT driver; KML layers are read only")
    assert not server.hits
    no_secret_under(live)


def test_an_allowed_driver_that_would_fetch_gets_no_network(
    live: Path, server: FileServer, tmp_path: Path
) -> None:
    """GeoJSON itself fetches a ``"crs": {"type": "link"}`` URL. The format is allowed,
    so the refresh goes on (GeoJSON is WGS84 anyway), but GDAL reaches no server."""
    layer = tmp_path / "libraries.geojson"
    layer.write_text(
        '{"type": "FeatureCollection", "crs": {"type": "link", "properties": '
        f'{{"href": "{server.url}/remote.csv", "type": "ogcwkt"}}}}, "features": [{{'
        '"type": "Feature", "properties": {"name": "Kestrel Library"}, '
        '"geometry": {"type": "Point", "coordinates": [-75.25, 34.95]}}]}'
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.read_info(str(layer))  # control: GDAL alone asks the server
    assert server.hits["/remote.csv"]
    server.hits.clear()
    report = refresh_with(live, places=(layer,))
    assert not server.hits
    assert report.published, report.lines()


def test_gdal_is_left_as_it_was(server: FileServer, tmp_path: Path) -> None:
    """Drivers, the HTTP callback and the config option are process-wide: after a read,
    and after a refusal, GDAL has every driver back in its order and its own network."""
    drivers = gdal_safety.registered_drivers()
    with gdal_safety.open_layer(DEMO_SOURCES / PRECINCTS, gdal_safety.PRECINCT_MAP) as src:
        assert gdal_safety.registered_drivers() == ["ESRI Shapefile"]
        assert len(pyogrio.read_dataframe(src)) == 40
    hostile = tmp_path / "p.geojson"
    hostile.write_text(vrt(secret_file(tmp_path), f"{server.url}/remote.csv"))
    with (
        pytest.raises(DataError, match="OGR_VRT"),
        gdal_safety.open_layer(hostile, gdal_safety.PRECINCT_MAP),
    ):
        pytest.fail("a VRT was let through")
    assert gdal_safety.registered_drivers() == drivers
    assert pyogrio.get_gdal_config_option("CPL_VSIL_CURL_ALLOWED_FILENAME") is None
    assert SECRET in unguarded_read(str(hostile)) and server.hits["/remote.csv"]


# --- archives sized up from their directory -----------------------------------------


def test_kmz_bomb_is_refused_from_its_directory(live: Path, tmp_path: Path) -> None:
    """96 MiB of padding in a valid KML, ~100 KB zipped: libkml would build it all in
    memory (~5x). The directory says how big it is; nothing is inflated."""
    hostile = tmp_path / "vtds0.kmz"
    with (
        zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z,
        z.open("doc.kml", "w") as f,
    ):
        f.write(b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2">')
        f.write(b"<Document><Placemark><name>1</name><description>")
        for _ in range(96):
            f.write(b" " * MiB)
        f.write(b"</description><Point><coordinates>-75.25,34.95</coordinates>")
        f.write(b"</Point></Placemark></Document></kml>")
    assert hostile.stat().st_size < 1 * MiB
    before = snapshot(live)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    report = refresh_with(live, precincts=hostile)
    error = assert_refused(report, live, before, "vtds0.kmz", "uncompressed is over the")
    assert f"{gdal_safety.MAX_KML_BYTES:,} byte limit" in error
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 100 * 1024


def test_zip_of_ten_thousand_entries(live: Path, tmp_path: Path) -> None:
    hostile = tmp_path / PRECINCTS
    with zipfile.ZipFile(hostile, "w") as z:
        with zipfile.ZipFile(DEMO_SOURCES / PRECINCTS) as demo:
            for info in demo.infolist():
                z.writestr(info.filename, demo.read(info))
        for n in range(10_000 - len(z.infolist())):
            z.writestr(f"part{n:05}.txt", b"")
    before = snapshot(live)
    report = refresh_with(live, precincts=hostile)
    assert_refused(report, live, before, PRECINCTS, "10,000 archive entries is over the 1,000")


def test_forged_directory_count_is_refused_before_parsing(live: Path, tmp_path: Path) -> None:
    """An end record claiming 60,000 entries: refused before Python reads the directory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.shp", b"")
    raw = bytearray(buf.getvalue())
    end = raw.rfind(b"PK\x05\x06")
    raw[end + 8 : end + 12] = (60_000).to_bytes(2, "little") * 2
    hostile = tmp_path / PRECINCTS
    hostile.write_bytes(bytes(raw))
    before = snapshot(live)
    report = refresh_with(live, precincts=hostile)
    assert_refused(report, live, before, PRECINCTS, "60,000 archive entries")


def test_directory_that_understates_a_size(live: Path, tmp_path: Path) -> None:
    """A directory saying 5,000 bytes for a 20 MiB entry: GDAL's /vsizip/ would inflate to
    the end of the stream, past the limits checked. The entry fails its CRC at 5,000."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "SBE_PRECINCTS_20280801.geojson",
            b'{"type": "FeatureCollection"' + b" " * (20 * MiB) + b"}",
        )
    raw = bytearray(buf.getvalue())
    local, central = raw.find(b"PK\x03\x04"), raw.find(b"PK\x01\x02")
    raw[local + 22 : local + 26] = raw[central + 24 : central + 28] = (5000).to_bytes(4, "little")
    hostile = tmp_path / PRECINCTS
    hostile.write_bytes(bytes(raw))
    before = snapshot(live)
    report = refresh_with(live, precincts=hostile)
    assert_refused(
        report, live, before, PRECINCTS, "entry SBE_PRECINCTS_20280801.geojson does not match"
    )


def test_nested_archive(live: Path, tmp_path: Path) -> None:
    hostile = tmp_path / PRECINCTS
    with zipfile.ZipFile(hostile, "w") as z:
        z.write(DEMO_SOURCES / PRECINCTS, f"inner/{PRECINCTS}")
    before = snapshot(live)
    report = refresh_with(live, precincts=hostile)
    assert_refused(
        report, live, before, PRECINCTS, f"an archive inside the archive (inner/{PRECINCTS})"
    )


def test_text_source_over_the_size_limit(live: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A text source is refused by its size before it is read: the demo's 1.6 MB address
    table against the address tables' limit lowered to 1 MiB for the test."""
    from lookup.ingest.formats import textfile

    monkeypatch.setattr(textfile, "MAX_ADDRESS_TABLE_BYTES", MiB)
    before = snapshot(live)
    report = refresh_with(live)
    name = "Master_Address_Table_demo.csv"
    assert_refused(report, live, before, name, "bytes is over the 1,048,576 byte limit")


# --- downloads: through ``lookup refresh`` with a URL --------------------------------


def cli_refresh(data: Path, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(
        ["refresh", "--config", str(CONFIG), "--data-dir", str(data), "--precincts", url, "--quiet"]
    )
    return code, capsys.readouterr().err


def assert_download_refused(
    data: Path, before: dict, code: int, err: str, url: str, cause: str
) -> None:
    assert code == cli.EXIT_DATA
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"lookup: {url}: ") and cause in lines[0], err
    assert snapshot(data) == before


def test_redirect_to_another_host(
    live: Path, server: FileServer, capsys: pytest.CaptureFixture[str]
) -> None:
    other = FileServer(server.root)
    try:
        port = other.url.rsplit(":", 1)[1]
        server.redirects[f"/{PRECINCTS}"] = f"http://localhost:{port}/{PRECINCTS}"
        before = snapshot(live)
        url = f"{server.url}/{PRECINCTS}"
        code, err = cli_refresh(live, url, capsys)
        assert_download_refused(live, before, code, err, url, "refused: another host or scheme")
        assert not other.hits
    finally:
        other.close()


@pytest.mark.parametrize("location", ["file:///etc/passwd", "ftp://127.0.0.1/x.zip"])
def test_redirect_to_a_file_url(
    live: Path, server: FileServer, capsys: pytest.CaptureFixture[str], location: str
) -> None:
    server.redirects[f"/{PRECINCTS}"] = location
    before = snapshot(live)
    url = f"{server.url}/{PRECINCTS}"
    code, err = cli_refresh(live, url, capsys)
    assert_download_refused(live, before, code, err, url, f"redirect to {location} refused")
    assert "Traceback" not in err


def test_configured_file_url(live: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(live)
    code, err = cli_refresh(live, "file:///etc/passwd", capsys)
    assert_download_refused(
        live, before, code, err, "file:///etc/passwd", "only http and https URLs are downloaded"
    )


def test_oversized_download_declared(
    live: Path, server: FileServer, capsys: pytest.CaptureFixture[str]
) -> None:
    server.declared[f"/{PRECINCTS}"] = fetch.MAX_BYTES + 1
    before = snapshot(live)
    url = f"{server.url}/{PRECINCTS}"
    code, err = cli_refresh(live, url, capsys)
    assert_download_refused(live, before, code, err, url, f"over the {fetch.MAX_BYTES} byte limit")


def test_oversized_download_streamed(
    live: Path,
    server: FileServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No Content-Length: the limit (lowered to test) stops the bytes as they come."""
    monkeypatch.setattr(fetch, "MAX_BYTES", 50_000)
    before = snapshot(live)
    url = f"{server.url}/chunked/{PRECINCTS}"
    code, err = cli_refresh(live, url, capsys)
    assert_download_refused(live, before, code, err, url, "over the 50000 byte limit")
    assert not list((live / "downloads").glob(f"*{PRECINCTS}"))  # nothing half-written


def test_gzip_encoded_download_is_published(
    live: Path, server: FileServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"{server.url}/gzip/{PRECINCTS}"
    code, _err = cli_refresh(live, url, capsys)
    assert code == 0
    target = current_target(live)
    assert target is not None and target.name != "v1"
    (cached,) = (live / "downloads").glob(f"*-{PRECINCTS}")
    assert cached.read_bytes() == (DEMO_SOURCES / PRECINCTS).read_bytes()  # stored decoded
    assert server.bodies_sent[PRECINCTS] == 1
