"""What every geocoder (the local address points, centerline interpolation, each remote
backend) answers with, so the service and one contract test treat them all alike.

No Flask, no requests: remote backends implement this protocol in ``geocode.remote``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# Where a point came from. An address point is the building itself; every other source
# is an estimate that can fall on the wrong side of a precinct line.
ADDRESS_POINT = "address_point"
INTERPOLATED = "interpolated"
CENSUS = "census"
ARCGIS = "arcgis"
NOMINATIM = "nominatim"
PLACE = "place"  # a named place's point ("Beatties Ford Library"): ``geocode.places``
SOURCES = (ADDRESS_POINT, INTERPOLATED, CENSUS, ARCGIS, NOMINATIM, PLACE)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One place a geocoder thinks the address is. ``score`` is 0..1 (1 = exact)."""

    address: str
    lon: float
    lat: float
    score: float
    source: str


class Geocoder(Protocol):
    """A backend: ``geocode(text)`` gives candidates best first, ``[]`` when it knows no
    such address, and raises ``errors.GeocoderUnavailable`` when it cannot answer now."""

    name: str

    def geocode(self, text: str) -> list[Candidate]: ...
