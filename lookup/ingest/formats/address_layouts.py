"""Which address-table layout a file is, from its column names alone.

Column names are compared without case, spaces, underscores or other punctuation
(``Zip Code`` = ``ZIP_CODE`` = ``zipcode``). Four layouts, tried in this order:

1. **Master Address Table** (the county MAT): ``ADDRNUM``, ``ADDRNUMSUF``, ``STDIR`` (or
   ``PREADDRNUM``), ``STREETNAME``, ``STREETTYPE``, ``SUFDIR``, ``UNITID``, ``PLACENAME``
   (postal city), ``MUNICIPALITY_DESC``, ``ZIPCODE``, ``STATUS_CODE`` (``A`` active, the
   rest skipped), ``XCOORD``/``YCOORD`` in NC State Plane feet (EPSG:2264).
2. **NENA NG9-1-1 address points** (NENA-STA-006 field names, as NC counties publish them
   for 9-1-1; the National Address Database uses the same): ``AddNum_Pre``, ``Add_Number``,
   ``AddNum_Suf``; the street in NENA's order ``St_PreMod St_PreDir St_PreTyp St_PreSep
   St_Name St_PosTyp St_PosDir St_PosMod`` ("OLD" "N" "" "" "CHURCH" "ST"; "" "" "US
   HIGHWAY" "" "21"; "" "" "AVENUE" "OF THE" "STARS"); ``Unit`` (else ``Room``, else
   ``Building``; a ``Floor`` alone is no unit); ``Post_Comm`` or ``Post_City`` (postal
   city), ``Inc_Muni`` (town; "Unincorporated" is none), ``Post_Code`` or ``Zip_Code``
   (``Post_Code4`` unused: keys carry 5 digits), ``State``; the layer's points, or
   ``Longitude``/``Latitude``. A number with a prefix ("A19") cannot be typed by a caller
   (addresses start with digits): such rows are left out.
3. **House number + street** (OpenAddresses: ``LON, LAT, NUMBER, STREET, UNIT, CITY,
   DISTRICT, REGION, POSTCODE, ID, HASH``; REGION is the state): a number column and a
   street column from ``SYNONYMS``.
4. **One-line street address**: an ``address`` column from ``SYNONYMS`` (unit included).

Other columns (city, ZIP, coordinates...) are found through ``SYNONYMS``: a short,
explicit table, so a column is used only when its name says what it is. Coordinates come
from the layer's point geometry when it has one; in a text file they are WGS84 degrees.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from lookup.errors import DataError
from lookup.ingest.formats.layouts import KnownLayout, shown_header, unknown_layout

MAT_CRS = "EPSG:2264"  # NC State Plane, US feet: the county MAT's XCOORD/YCOORD
WGS84 = "EPSG:4326"

# role -> column names (compared by ``column_key``), the most specific first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "address": (
        "address", "streetaddress", "fulladdress", "fulladdr", "siteaddress",
        "situsaddress", "address1", "addressline1", "addr",
    ),
    "number": (
        "number", "housenumber", "housenum", "houseno", "addressnumber", "streetnumber",
    ),
    "street": ("street", "streetfull", "fullstreet", "fullstreetname", "stnamfull"),
    "unit": ("unit", "unitid", "unitnumber", "unitnum", "unitvalue", "apt", "apartment", "suite"),
    "city": ("city", "postalcity", "postcomm", "postcity", "placename", "citystate", "mailingcity"),
    "municipality": ("municipality", "municipalitydesc", "incmuni", "muni", "town"),
    "zip": ("zip", "zipcode", "zip5", "postcode", "postalcode"),
    "state": ("state", "statecode", "region"),
    "lon": ("longitude", "lon", "long", "lng", "x"),
    "lat": ("latitude", "lat", "y"),
}  # fmt: skip
NENA_STREET = (
    "stpremod", "stpredir", "stpretyp", "stpresep", "stname", "stpostyp", "stposdir",
    "stposmod",
)  # fmt: skip


# The columns that tell the part layouts apart, spelled as the files spell them.
MAT_KEYS = ("ADDRNUM", "STREETNAME")  # both present: a county Master Address Table
MAT_XY = ("XCOORD", "YCOORD")  # its coordinates, in ``MAT_CRS``
NENA_KEYS = ("Add_Number", "St_Name")  # both present: NENA NG9-1-1 address points
NEXT_STEP = (
    "export the table with the columns of one of these (names match in any case, with or "
    "without spaces and underscores)"
)


def column_key(name: str) -> str:
    """``Zip Code``, ``ZIP_CODE``, ``zipcode`` -> ``zipcode``."""
    return re.sub(r"[^0-9a-z]", "", name.casefold())


@dataclass(frozen=True)
class Layout:
    """Which of the file's columns holds what. ``x``/``y`` None: the layer's points."""

    name: str
    number: str | None = None  # house number (the part layouts)
    prefix: str | None = None
    suffix: str | None = None
    street: tuple[str, ...] = ()  # street parts, in the order they are written
    street_name: str | None = None  # the part named in a message about a missing street
    address: str | None = None  # one-line street address (unit included)
    units: tuple[str, ...] = ()  # the first non-empty one is the unit
    city: str | None = None
    municipality: str | None = None  # None: the postal city stands in
    zip: str | None = None
    state: str | None = None
    status: str | None = None  # MAT STATUS_CODE
    x: str | None = None
    y: str | None = None
    crs: str = WGS84  # of x/y

    def text_columns(self) -> list[str]:
        cols = (self.number, self.prefix, self.suffix, *self.street, self.address, *self.units)
        cols += (self.city, self.municipality, self.zip, self.state, self.status)
        return list(dict.fromkeys(c for c in cols if c))

    def numeric_columns(self) -> list[str]:
        return [c for c in (self.x, self.y) if c]


class _Columns:
    """The file's columns by ``column_key`` (the first of equal keys wins)."""

    def __init__(self, fields: Iterable[str]) -> None:
        self.fields = tuple(fields)
        self.by_key: dict[str, str] = {}
        for f in self.fields:
            self.by_key.setdefault(column_key(f), f)

    def pick(self, *keys: str) -> str | None:
        return next((self.by_key[k] for k in keys if k in self.by_key), None)

    def role(self, role: str) -> str | None:
        return self.pick(*SYNONYMS[role])

    def has(self, *names: str) -> bool:
        """Whether every one of these columns is present (compared by ``column_key``)."""
        return all(column_key(n) in self.by_key for n in names)


def known_layouts() -> tuple[KnownLayout, ...]:
    """The address layouts ``detect_layout`` takes, in its order, from its own columns."""
    return (
        KnownLayout(
            "the county Master Address Table",
            MAT_KEYS,
            how=f"{', '.join(MAT_XY)} in NC State Plane feet",
        ),
        KnownLayout("NENA NG9-1-1 address points", NENA_KEYS),
        KnownLayout(
            "house number and street, as OpenAddresses",
            (_named("number", 3), _named("street", 3)),
        ),
        KnownLayout("a one-line street address", (_named("address", 3),)),
    )


def coordinates_needed() -> str:
    """What every layout needs for its points, said once in a refusal."""
    return f"each with {_named('lon')} and {_named('lat')} columns (degrees) or a point layer"


def _named(role: str, limit: int = 0) -> str:
    """A role's column names as a message lists them: ``longitude/lon/long/lng/x``."""
    names = SYNONYMS[role]
    return "/".join(names[:limit] if limit else names) + ("/…" if 0 < limit < len(names) else "")


def detect_layout(fields: Iterable[str], has_points: bool, name: str) -> Layout:
    """The layout of a file with these columns, or a ``DataError`` saying what is missing."""
    c = _Columns(fields)
    units = _present(c.role("unit"))
    city, muni, zip_, state = c.role("city"), c.role("municipality"), c.role("zip"), c.role("state")
    layout: Layout
    if c.has(*MAT_KEYS):
        street = (c.pick("stdir", "preaddrnum"), c.pick(column_key(MAT_KEYS[1])))
        layout = Layout(
            "Master Address Table",
            number=c.pick(column_key(MAT_KEYS[0])),
            suffix=c.pick("addrnumsuf"),
            street=_present(*street, c.pick("streettype"), c.pick("sufdir")),
            street_name=c.pick(column_key(MAT_KEYS[1])),
            units=_present(c.pick("unitid")) or units,
            city=city,
            municipality=muni,
            zip=zip_,
            state=state,
            status=c.pick("statuscode"),
        )
        if not has_points and c.has(*MAT_XY):
            x, y = (c.pick(column_key(k)) for k in MAT_XY)
            return replace(layout, x=x, y=y, crs=MAT_CRS)
    elif c.has(*NENA_KEYS):
        layout = Layout(
            "NENA NG9-1-1",
            number=c.pick(column_key(NENA_KEYS[0])),
            prefix=c.pick("addnumpre"),
            suffix=c.pick("addnumsuf"),
            street=_present(*(c.pick(k) for k in NENA_STREET)),
            street_name=c.pick(column_key(NENA_KEYS[1])),
            units=_present(c.pick("unit", "unitvalue"), c.pick("room"), c.pick("building")),
            city=c.pick("postcomm", "postcity") or city,
            municipality=c.pick("incmuni") or muni,
            zip=c.pick("postcode", "zipcode") or zip_,
            state=state,
        )
    elif c.role("number") and c.role("street"):
        layout = Layout(
            "house number and street",
            number=c.role("number"),
            street=_present(c.role("street")),
            street_name=c.role("street"),
            units=units,
            city=city,
            municipality=muni,
            zip=zip_,
            state=state,
        )
    elif c.role("address"):
        layout = Layout(
            "street address",
            address=c.role("address"),
            units=units,
            city=city,
            municipality=muni,
            zip=zip_,
            state=state,
        )
    else:
        found = f"header: {shown_header(c.fields)}"
        layouts, note = known_layouts(), coordinates_needed()
        raise DataError(unknown_layout(name, "address-table", found, layouts, NEXT_STEP, note))
    lon, lat = c.role("lon"), c.role("lat")
    if lon and lat:
        return replace(layout, x=lon, y=lat)
    if has_points:
        return layout
    raise DataError(
        f"{name}: no coordinates: not a point layer, and no longitude and latitude columns "
        f"({_named('lon')} and {_named('lat')}) among {_listed(c.fields)}"
    )


def _present(*columns: str | None) -> tuple[str, ...]:
    return tuple(c for c in columns if c)


def _listed(fields: tuple[str, ...], limit: int = 12) -> str:
    shown = ", ".join(f[:30] for f in fields[:limit])
    return (shown + f", ... ({len(fields)} in all)") if len(fields) > limit else shown or "none"
