"""A county's address points published as a GIS layer, read as the refresh reads them.

The 700,000-point synthetic table (``datasets.synthetic_table``) in the Master Address
Table layout with State Plane points, written as GeoJSON, a zipped shapefile and a
GeoPackage; each read by ``read_address_chunks`` in a fresh process (wall time, peak RSS,
the time of every chunk). A layer is read once as a stream (``layer_stream``): reading
chunk k must not cost more than chunk 1 did. Before, each chunk reopened the file and
skipped the ones before it, and a GeoJSON's later chunks cost ever more (1,000,000
points: 104 s against 14 s for 250,000; chunks of 17, 24 then 28 s).
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from scripts.bench.datasets import Synthetic
from scripts.bench.report import Report, Row, Target, check
from scripts.harness import REPO

FORMATS = ("GeoJSON", "shapefile", "GPKG")
# A later chunk may cost this much more per feature than the second one (the first also
# opens the file) before the read counts as growing with the features before it.
GROWTH_LIMIT = 1.5
READ_TARGET_S = 60.0  # GeoJSON, the slowest to parse, 700,000 points

_READ_CHILD = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from lookup.ingest.formats.addresses import read_address_chunks
rows, marks = 0, []
for frame in read_address_chunks(Path(sys.argv[1]), []):
    rows += len(frame)
    marks.append((rows, time.perf_counter() - t0))
hwm = next(l for l in open("/proc/self/status") if l.startswith("VmHWM:")).split()[1]
print(json.dumps({"s": time.perf_counter() - t0, "rows": rows, "marks": marks,
                  "maxrss_mb": int(hwm) / 1024}))
"""


def write_layers(table: Synthetic, folder: Path) -> dict[str, Path]:
    """The table as each format a county publishes (geopandas through pyogrio)."""
    import geopandas as gpd

    from scripts.data.synthetic_addresses import mat_frame

    mat = mat_frame(table.frame)
    layer = gpd.GeoDataFrame(
        mat.drop(columns=["XCOORD", "YCOORD"]),
        geometry=gpd.points_from_xy(mat["XCOORD"], mat["YCOORD"]),
        crs=2264,
    )
    del mat
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"GeoJSON": folder / "address_points.geojson", "GPKG": folder / "address_points.gpkg"}
    layer.to_file(paths["GeoJSON"], driver="GeoJSON", engine="pyogrio")
    layer.to_file(paths["GPKG"], driver="GPKG", engine="pyogrio", layer="address_points")
    shp = folder / "shp"
    shp.mkdir(exist_ok=True)
    # Names over 10 characters are cut, as in any county's shapefile (GDAL warns); text
    # fields cut to their longest value (GDAL's default 80 characters would make a .dbf
    # of 700 MB, over the limit gdal_safety puts on a zip's content).
    layer.to_file(
        shp / "address_points.shp",
        driver="ESRI Shapefile",
        engine="pyogrio",
        layer_options={"RESIZE": "YES"},
    )
    paths["shapefile"] = folder / "address_points.zip"
    with zipfile.ZipFile(paths["shapefile"], "w", zipfile.ZIP_DEFLATED) as z:
        for part in sorted(shp.iterdir()):
            z.write(part, part.name)
    return paths


def growth(marks: list[list[float]]) -> float | None:
    """The dearest later chunk's time per feature over the second chunk's; None with
    fewer than three chunks."""
    if len(marks) < 3:
        return None
    rates = [(t1 - t0) / (n1 - n0) for (n0, t0), (n1, t1) in itertools.pairwise(marks) if n1 > n0]
    return max(rates[1:]) / rates[0] if rates[0] > 0 else None


def bench_address_layers(tmp: Path, table: Synthetic, report: Report) -> list[Target]:
    points = len(table.frame)
    paths = write_layers(table, tmp / "address_layers")
    targets: list[Target] = []
    for kind in FORMATS:
        path = paths[kind]
        out = subprocess.run(
            [sys.executable, "-c", _READ_CHILD, str(path)],
            capture_output=True, text=True, cwd=REPO,
        )  # fmt: skip
        if out.returncode != 0:
            report.failures.append(f"address layer read ({kind}) failed: {out.stderr[-600:]}")
            targets.append(check(f"address layer read ({kind})", False, "the read failed"))
            continue
        got = json.loads(out.stdout)
        grew = growth(got["marks"])
        ends = [0.0] + [t for _, t in got["marks"]]
        chunks = ", ".join(f"{b - a:.1f}" for a, b in itertools.pairwise(ends))
        report.add(
            Row(
                f"address layer read, {kind}, {points // 1000}k points",
                got["s"],
                "s",
                f"{path.stat().st_size / 2**20:.0f} MB file; {got['maxrss_mb']:.0f} MB peak RSS; "
                f"chunks {chunks} s",
                {**got, "file_mb": path.stat().st_size / 2**20},
            )
        )
        report.add(Row(f"address layer read, {kind}, peak RSS", got["maxrss_mb"], "MB", "VmHWM"))
        targets.append(
            check(
                f"address layer read ({kind}): no chunk > {GROWTH_LIMIT}x the second per point",
                None if grew is None else grew <= GROWTH_LIMIT,
                "fewer than 3 chunks" if grew is None else f"{grew:.2f}x",
            )
        )
        if kind == "GeoJSON":
            targets.append(
                check(
                    f"address layer read <= {READ_TARGET_S:.0f} s (GeoJSON, 700k points)",
                    got["s"] <= READ_TARGET_S,
                    f"{got['s']:.1f} s",
                )
            )
    return targets
