"""Tiny in-memory datasets for unit tests: inline geometries, defaulted builders."""

from __future__ import annotations

from datetime import date, time
from types import MappingProxyType

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from lookup.dataset.model import Dataset, freeze
from lookup.domain.models import (
    Address,
    BoardOfElections,
    DaySchedule,
    EarlyVotingSite,
    Election,
    OpenHours,
    PollingPlace,
    Precinct,
)
from lookup.geocode.interpolate import StreetRanges
from lookup.geocode.local import AddressIndex
from lookup.geocode.normalize import canonical_street
from lookup.spatial.grid import GridIndex

X0, Y0, S = -80.90, 35.10, 0.01  # unit squares of 0.01 degree near Charlotte


def sq(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0 * S, Y0 + y0 * S, X0 + x1 * S, Y0 + y1 * S)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Unit-square coordinates -> (lon, lat)."""
    return X0 + x * S, Y0 + y * S


def tiny_geoms() -> list[Polygon | MultiPolygon]:
    """001 a square with a hole; 003 fills the hole; 002 shares 001's east edge;
    004 is a multipolygon of two separate squares."""
    return [
        Polygon(sq(0, 0, 1, 1).exterior.coords, [sq(0.4, 0.4, 0.6, 0.6).exterior.coords]),
        sq(1, 0, 2, 1),
        sq(0.4, 0.4, 0.6, 0.6),
        MultiPolygon([sq(2, 0, 3, 1), sq(3.5, 0, 4, 1)]),
    ]


BOARD = BoardOfElections(
    name="Test County Board of Elections", phone="919-555-0199", url="https://example.org/boe"
)
ELECTION = Election(
    day=date(2028, 11, 7),
    name="General Election",
    early_voting_start=date(2028, 10, 19),
    early_voting_end=date(2028, 11, 4),
)
PREVIOUS = Election(day=date(2026, 11, 3), name="General Election")


def place(pid: str, name: str, x: float, y: float, line1: str = "1 MAIN ST") -> PollingPlace:
    lon, lat = lonlat(x, y)
    return PollingPlace(
        id=pid, name=name, address=Address(line1, "TESTVILLE", "NC", "28999"), lon=lon, lat=lat
    )


def site(sid: str, x: float, y: float, county: str = "TEST") -> EarlyVotingSite:
    lon, lat = lonlat(x, y)
    days = (
        DaySchedule(date(2028, 10, 19), (OpenHours(time(8), time(19, 30)),)),
        DaySchedule(date(2028, 10, 22)),  # a closed Sunday
        DaySchedule(
            date(2028, 10, 23), (OpenHours(time(8), time(12)), OpenHours(time(13), time(17)))
        ),
    )
    return EarlyVotingSite(
        id=sid,
        name=f"SITE {sid.upper()}",
        address=Address("9 SITE RD", "TESTVILLE", "NC", "28999"),
        county=county,
        lon=lon,
        lat=lat,
        schedule=days,
    )


def address_frame(rows: list[tuple[str, str, str, str, float, float]]) -> pd.DataFrame:
    """(street line, unit, city, zip, x, y) in unit-square coordinates."""
    recs = []
    for line, unit, city, zip_code, x, y in rows:
        lon, lat = lonlat(x, y)
        recs.append(
            {
                "key": canonical_street(line),
                "unit": unit,
                "line": line,
                "city": city,
                "municipality": city,
                "zip": zip_code,
                "lon": lon,
                "lat": lat,
            }
        )
    return pd.DataFrame(recs)


DEFAULT_ADDRESSES = [
    ("100 OAK ST", "", "TESTVILLE", "28999", 0.2, 0.2),  # in 001
    ("200 OAK ST", "", "TESTVILLE", "28999", 1.5, 0.5),  # in 002
    ("300 OAK ST", "", "TESTVILLE", "28999", 0.5, 0.5),  # in the hole: 003
    ("5 MAIN ST", "", "TESTVILLE", "28999", 3.7, 0.5),  # second part of 004
    ("5 MAIN ST", "", "OTHERTON", "28998", 0.1, 0.9),  # same street in another town
    ("40 ELM AVE", "", "TESTVILLE", "28999", 0.3, 0.3),
    ("40 ELM AVE", "1", "TESTVILLE", "28999", 0.3, 0.3),
    ("40 ELM AVE", "2", "TESTVILLE", "28999", 0.31, 0.3),
    ("600 E BLVD", "", "TESTVILLE", "28999", 1.2, 0.2),
    ("7 FAR RD", "", "TESTVILLE", "28999", 9.0, 9.0),  # outside every precinct
]


def tiny_dataset(
    *,
    demo: bool = False,
    version: str = "test-1",
    elections=(PREVIOUS, ELECTION),
    addresses=DEFAULT_ADDRESSES,
    sites=None,
    polling=None,
    precincts=None,
    streets=(),
) -> Dataset:
    geoms = np.array(tiny_geoms(), dtype=object)
    if precincts is None:
        precincts = tuple(
            Precinct(id=f"{i:03d}", name=f"PCT {i:03d}", county="TEST") for i in (1, 2, 3, 4)
        )
    if polling is None:
        polling = {
            ELECTION.day: {
                ("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1),
                ("TEST", "002"): place("20", "SECOND SCHOOL", 0.9, 0.5),  # across the line
                ("TEST", "003"): place("10", "FIRST CHURCH", 0.1, 0.1),  # shared with 001
                # 004 deliberately has none
            },
            PREVIOUS.day: {("TEST", "001"): place("11", "OLD HALL", 0.2, 0.1)},
        }
    if sites is None:
        sites = {
            ELECTION.day: (
                site("far", 3.9, 0.9),
                site("near", 0.2, 0.2),
                site("other", 0.3, 0.3, county="ELSEWHERE"),
            )
        }
    return Dataset(
        version=version,
        demo=demo,
        board=BOARD,
        counties=tuple(sorted({p.county for p in precincts})),
        precincts=precincts,
        index=GridIndex(geoms),
        elections=tuple(elections),
        polling=freeze(polling),
        early_voting=MappingProxyType(dict(sites)),
        addresses=AddressIndex.build(address_frame(list(addresses)))
        if addresses
        else AddressIndex.empty(),
        bbox=tuple(float(v) for v in shapely.total_bounds(geoms)),
        streets=StreetRanges.build(street_frame(streets)) if streets else StreetRanges.empty(),
    )


def street_frame(rows: list[tuple[str, int, int, int, int, str, list[tuple[float, float]]]]):
    """(street name, left from/to, right from/to, zip, unit-square vertices) per segment,
    in the columns of ``read_centerlines``."""
    recs = []
    for seg, (name, lf, lt, rf, rt, zip_code, xy) in enumerate(rows):
        coords = np.array([lonlat(x, y) for x, y in xy], dtype=float)
        street = canonical_street("1 " + name).split(" ", 1)[1]
        for side, a, b in (("L", lf, lt), ("R", rf, rt)):
            recs.append(
                {
                    "street": street,
                    "side": side,
                    "from_num": a,
                    "to_num": b,
                    "zip": zip_code,
                    "segment": seg,
                    "coords": coords,
                }
            )
    return pd.DataFrame(recs)
