"""A coordinate reference system named the way staff read it: ``EPSG:2264 (NAD83 / North
Carolina (ftUS))``, not a page of WKT.

County shapefiles carry ESRI WKT. PROJ identifies Mecklenburg's ``.prj`` as EPSG:2264 with
a confidence of only 25 ("similar names, not equivalent": its false easting is written in
feet, 2000000.002616666, where EPSG's is 609601.22 m), so ``CRS.to_epsg()`` answers None
at its default of 70. A low-confidence candidate is therefore accepted only when it puts
sample points of its area of use within a centimetre of where the file's CRS puts them;
otherwise the label is the CRS's own name, never a code that merely looks close.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import CRS

SURE = 70  # PROJ's confidence for "equivalent, names differ": taken as it is
CANDIDATE = 20  # lower matches are only candidates, checked by reprojecting points
SAME_WITHIN_M = 0.01


def crs_label(value: object) -> str:
    """``EPSG:2264 (NAD83 / North Carolina (ftUS))`` for anything pyproj reads as a CRS
    (a ``CRS``, WKT, ``EPSG:4326``...); the CRS's name alone when no EPSG code fits."""
    from pyproj import CRS

    crs = CRS.from_user_input(value)
    code = crs.to_epsg(min_confidence=SURE)
    if code is None:
        code = next(
            (
                int(m.code)
                for m in crs.list_authority(auth_name="EPSG", min_confidence=CANDIDATE)
                if _same_positions(crs, CRS.from_epsg(int(m.code)))
            ),
            None,
        )
    name = crs.name if crs.name and crs.name.lower() != "unknown" else "unnamed CRS"
    if code is None:
        return name
    return f"EPSG:{code} ({CRS.from_epsg(code).name})"


def _same_positions(crs: CRS, candidate: CRS) -> bool:
    """Do both CRSs put a 5 x 5 grid over the candidate's area of use at the same place,
    within ``SAME_WITHIN_M`` (in the candidate's units, converted to metres)?"""
    import numpy as np
    from pyproj import Transformer

    area = candidate.area_of_use
    if area is None or candidate.is_geographic != crs.is_geographic:
        return False
    lon, lat = np.meshgrid(
        np.linspace(area.west, area.east, 5), np.linspace(area.south, area.north, 5)
    )
    to_file = Transformer.from_crs(4326, crs, always_xy=True)
    to_candidate = Transformer.from_crs(4326, candidate, always_xy=True)
    x1, y1 = to_file.transform(lon.ravel(), lat.ravel())
    x2, y2 = to_candidate.transform(lon.ravel(), lat.ravel())
    unit = candidate.axis_info[0].unit_conversion_factor if candidate.axis_info else 1.0
    if candidate.is_geographic:
        unit *= 6_371_000.0  # radians of arc to metres on the ground, near enough
    gap = np.hypot(np.asarray(x1) - np.asarray(x2), np.asarray(y1) - np.asarray(y2)) * unit
    return bool(np.all(np.isfinite(gap)) and gap.max() < SAME_WITHIN_M)
