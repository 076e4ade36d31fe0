"""A synthetic county address table (Master Address Table sized: 700,000 points), for the
geocoder benchmark and as the background of the accuracy harness.

Deterministic for a seed. Street names are built from word lists the way subdivisions
name them, so the table has what makes geocoding hard: the same name with several street
types (GLENWOOD DR / GLENWOOD CT), N/S pairs, the same street in two towns, names one or
two letters apart, apartment units, postal cities that differ from the municipality.
Coordinates are arbitrary points in Mecklenburg's bounding box: this table is for
address matching, not for precincts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lookup.geocode.normalize import canonical_street

FIRST = (
    "OAK", "MAPLE", "GLENWOOD", "WILLOW", "CEDAR", "BIRCH", "HICKORY", "PINE", "MAGNOLIA",
    "DOGWOOD", "POPLAR", "SYCAMORE", "CHESTNUT", "ASHFORD", "BRADFORD", "CAMDEN", "DARBY",
    "EASTWOOD", "FAIRVIEW", "GREENBRIAR", "HARTFORD", "IRONWOOD", "KENSINGTON", "LANCASTER",
    "MONROE", "NEWELL", "PROVIDENCE", "QUAIL", "RANDOLPH", "SHARON", "TYVOLA", "UNIVERSITY",
    "VANCE", "WESTFIELD", "YORKSHIRE", "ARDSLEY", "BALLANTYNE", "CARMEL", "DILWORTH",
    "ELIZABETH", "FREEDOM", "GRAHAM", "HAWTHORNE", "IDLEWILD", "JOHNSTON", "KILBORNE",
    "LAUREL", "MCKEE", "NORLAND", "ORCHARD", "PARK", "QUEENS", "ROCKY", "SUGAR", "TRADE",
    "VILLAGE", "WENDOVER", "ALBEMARLE", "BEATTIES", "CENTRAL", "DAVIDSON", "EUCLID",
    "FRANKLIN", "GRIER", "HARRIS", "INDEPENDENCE", "JEFFERSON", "KINGS", "LIVINGSTON",
    "MOREHEAD", "NATIONS", "OLDE", "PECAN", "RAMA", "SELWYN", "THOMAS", "VALLEY", "WOODLAWN",
    "BRIAR", "COLONY", "DUNCAN", "FOREST", "GARDEN", "HEATHER", "IVY", "JASMINE", "KNOLL",
    "LAKE", "MEADOW", "NORTHWOOD", "OVERBROOK", "PRESTON", "RIVERBEND", "SHADOW", "TIMBER",
    "VISTA", "WATERFORD", "BROOKSHIRE", "COTTONWOOD", "DEERFIELD", "EAGLE", "FOX", "GOLDEN",
    "HIDDEN", "JUNIPER", "LAKEVIEW", "MILL", "OLD", "PLEASANT", "RED", "SILVER", "STONE",
    "TURTLE", "WHITE", "WILD", "WINDY", "SPRING",
)  # fmt: skip
SECOND = (
    "", "", "", "", "HILL", "CREEK", "FOREST", "PARK", "VIEW", "RIDGE", "BROOK", "GLEN",
    "POINTE", "MEADOWS", "WOODS", "VALLEY", "LAKE", "RUN", "CHASE", "CROSSING", "GATE",
    "HOLLOW", "KNOLL", "MILL", "OAKS", "PINES", "SPRINGS", "STATION", "TRACE", "VILLAGE",
)  # fmt: skip
TYPES = ("DR", "RD", "ST", "LN", "CT", "AVE", "WAY", "CIR", "PL", "TRL", "BLVD", "PKWY")
TYPE_WEIGHTS = (24, 18, 14, 12, 10, 8, 4, 3, 3, 2, 1, 1)
TOWNS = (  # municipality, postal city, ZIP codes, share
    ("CHARLOTTE", "CHARLOTTE", (*range(28202, 28228), 28262, 28269, 28270, 28277), 70),
    ("MATTHEWS", "MATTHEWS", (28104, 28105), 6),
    ("MINT HILL", "CHARLOTTE", (28227,), 4),
    ("HUNTERSVILLE", "HUNTERSVILLE", (28078,), 8),
    ("CORNELIUS", "CORNELIUS", (28031,), 4),
    ("DAVIDSON", "DAVIDSON", (28036,), 3),
    ("PINEVILLE", "PINEVILLE", (28134,), 3),
    ("MECKLENBURG", "CHARLOTTE", (28214, 28216, 28273, 28278), 2),  # unincorporated
)
BBOX = (-81.06, 35.00, -80.56, 35.52)
COLUMNS = ("key", "unit", "line", "city", "municipality", "zip", "lon", "lat")


def street_names(rng: np.random.Generator, n: int) -> list[tuple[str, str, str]]:
    """``n`` distinct (predirectional, name, type) streets; a name often comes with
    several types and some with both N and S halves."""
    out: set[tuple[str, str, str]] = set()
    while len(out) < n:
        name = f"{rng.choice(FIRST)} {rng.choice(SECOND)}".strip()
        stype = str(rng.choice(TYPES, p=np.array(TYPE_WEIGHTS) / sum(TYPE_WEIGHTS)))
        if rng.random() < 0.06:
            out.update({("N", name, stype), ("S", name, stype)})
        else:
            out.add(("", name, stype))
        if rng.random() < 0.25:  # the subdivision's court off its drive
            out.add(("", name, str(rng.choice(TYPES))))
    return sorted(out)[:n]


def generate(n_points: int = 700_000, seed: int = 7) -> pd.DataFrame:
    """``n_points`` address rows in the columns of ``sources.addresses.COLUMNS``."""
    rng = np.random.default_rng(seed)
    per_street = 90
    streets = street_names(rng, int(n_points / per_street / 1.18) + 1)
    shares = np.array([t[3] for t in TOWNS], float)
    shares /= shares.sum()
    cols: dict[str, list] = {c: [] for c in COLUMNS}
    for predir, name, stype in streets:
        line = " ".join(p for p in (predir, name, stype) if p)
        canon = canonical_street("1 " + line)[2:]  # once per street, not per address
        # A street in one town; 6 % also in a second one (the same name in two towns).
        towns = [int(rng.choice(len(TOWNS), p=shares))]
        if rng.random() < 0.06:
            towns.append(int(rng.choice(len(TOWNS), p=shares)))
        for t in dict.fromkeys(towns):
            municipality, postal, zips, _share = TOWNS[t]
            zip_code = str(rng.choice(zips))
            start = int(rng.choice((100, 200, 1000, 1200, 2000, 3400, 5000, 7000, 9100)))
            count = max(2, int(rng.poisson(per_street)) // len(towns))
            numbers = start + np.cumsum(rng.choice((2, 2, 4, 6, 10), size=count))
            k = np.arange(count)
            side = np.where(numbers % 2 == 1, 1.0, -1.0)
            heading = rng.uniform(0, np.pi)
            lon = rng.uniform(BBOX[0], BBOX[2]) + np.cos(heading) * k * 2e-4
            lat = rng.uniform(BBOX[1], BBOX[3]) + np.sin(heading) * k * 2e-4
            lon += side * np.sin(heading) * 1e-4
            lat -= side * np.cos(heading) * 1e-4
            # 2 % of buildings hold 3-22 apartments, each its own row.
            n_units = np.where(rng.random(count) < 0.02, rng.integers(3, 23, count), 0)
            rows = zip(numbers.tolist(), lon.tolist(), lat.tolist(), n_units, strict=True)
            for num, x, y, nu in rows:
                for u in range(int(nu) + 1):
                    cols["key"].append(f"{num} {canon}")
                    cols["unit"].append(str(u) if u else "")
                    cols["line"].append(f"{num} {line}")
                    cols["city"].append(postal)
                    cols["municipality"].append(municipality)
                    cols["zip"].append(zip_code)
                    cols["lon"].append(x)
                    cols["lat"].append(y)
    return pd.DataFrame(cols).head(n_points)


def mat_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The same points in the county Master Address Table layout (State Plane feet)."""
    from pyproj import Transformer

    from lookup.geocode.normalize import street_parts

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:2264", always_xy=True).transform(
        frame["lon"].to_numpy(), frame["lat"].to_numpy()
    )
    split = frame["line"].str.split(" ", n=1)
    parts = {r: street_parts(r) for r in split.str[1].unique()}
    rest = split.str[1].map(parts)
    return pd.DataFrame(
        {
            "ADDRNUM": split.str[0],
            "ADDRNUMSUF": "",
            "STDIR": rest.map(lambda p: p.predir),
            "STREETNAME": rest.map(lambda p: p.name),
            "STREETTYPE": rest.map(lambda p: p.type),
            "SUFDIR": rest.map(lambda p: p.postdir),
            "UNITID": frame["unit"],
            "PLACENAME": frame["city"],
            "MUNICIPALITY_DESC": frame["municipality"],
            "ZIPCODE": frame["zip"],
            "XCOORD": np.round(x, 2),
            "YCOORD": np.round(y, 2),
            "TAXPID": [f"{i:08d}" for i in range(len(frame))],
            "STATUS_CODE": "A",
        }
    )
