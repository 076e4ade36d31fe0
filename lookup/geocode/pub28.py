"""USPS Publication 28 tables: directionals, street suffixes (appendix C1), unit designators (C2).

Kept as data so that normalisation is a table look-up, not a pile of string replaces.
Each entry maps the standard abbreviation to the spellings people and files use.
"""

from __future__ import annotations

from types import MappingProxyType

DIRECTIONALS = MappingProxyType(
    {
        "N": ("NORTH", "N"),
        "S": ("SOUTH", "S"),
        "E": ("EAST", "E"),
        "W": ("WEST", "W"),
        "NE": ("NORTHEAST", "NE", "NORTH EAST"),
        "NW": ("NORTHWEST", "NW", "NORTH WEST"),
        "SE": ("SOUTHEAST", "SE", "SOUTH EAST"),
        "SW": ("SOUTHWEST", "SW", "SOUTH WEST"),
    }
)

# Appendix C1: the suffixes met in North Carolina addresses (and their common variants),
# plus the two-letter codes of Mecklenburg's address table and facility layers (AV, BV,
# CR, HY, LP, PY, TE, TR, WY: "6624 Walsh Bv", "700 Parkwood Av").
STREET_SUFFIXES = MappingProxyType(
    {
        "ALY": ("ALLEY", "ALLEE", "ALLY", "ALY"),
        "ANX": ("ANEX", "ANNEX", "ANNX", "ANX"),
        "ARC": ("ARCADE", "ARC"),
        "AVE": ("AVENUE", "AV", "AVE", "AVEN", "AVENU", "AVN", "AVNUE"),
        "BLF": ("BLUFF", "BLUF", "BLF"),
        "BLVD": ("BOULEVARD", "BOUL", "BOULV", "BLVD", "BV"),
        "BND": ("BEND", "BND"),
        "BR": ("BRANCH", "BRNCH", "BR"),
        "BRG": ("BRIDGE", "BRDGE", "BRG"),
        "BRK": ("BROOK", "BRK"),
        "BYP": ("BYPASS", "BYPA", "BYPAS", "BYPS", "BYP"),
        "CIR": ("CIRCLE", "CIRC", "CIRCL", "CRCL", "CRCLE", "CIR", "CR"),
        "CLF": ("CLIFF", "CLF"),
        "CMN": ("COMMON", "CMN"),
        "COR": ("CORNER", "COR"),
        "CT": ("COURT", "CRT", "CT"),
        "CTR": ("CENTER", "CEN", "CENT", "CENTR", "CENTRE", "CNTER", "CNTR", "CTR"),
        "CV": ("COVE", "CV"),
        "CRK": ("CREEK", "CRK"),
        "CRES": ("CRESCENT", "CRSENT", "CRSNT", "CRES"),
        "XING": ("CROSSING", "CRSSNG", "XING"),
        "DR": ("DRIVE", "DRIV", "DRV", "DR"),
        "EST": ("ESTATE", "EST"),
        "ESTS": ("ESTATES", "ESTS"),
        "EXPY": ("EXPRESSWAY", "EXP", "EXPR", "EXPRESS", "EXPW", "EXPY"),
        "EXT": ("EXTENSION", "EXTN", "EXTNSN", "EXT"),
        "FLD": ("FIELD", "FLD"),
        "FLDS": ("FIELDS", "FLDS"),
        "FRST": ("FOREST", "FORESTS", "FRST"),
        "FRK": ("FORK", "FRK"),
        "FWY": ("FREEWAY", "FREEWY", "FRWAY", "FRWY", "FWY"),
        "GDN": ("GARDEN", "GARDN", "GRDEN", "GRDN", "GDN"),
        "GDNS": ("GARDENS", "GDNS", "GRDNS"),
        "GLN": ("GLEN", "GLN"),
        "GRN": ("GREEN", "GRN"),
        "GRV": ("GROVE", "GROV", "GRV"),
        "HBR": ("HARBOR", "HARB", "HARBR", "HRBOR", "HBR"),
        "HTS": ("HEIGHTS", "HT", "HTS"),
        "HL": ("HILL", "HL"),
        "HLS": ("HILLS", "HLS"),
        "HOLW": ("HOLLOW", "HLLW", "HOLLOWS", "HOLWS", "HOLW"),
        "HWY": ("HIGHWAY", "HIGHWY", "HIWAY", "HIWY", "HWAY", "HWY", "HY"),
        "IS": ("ISLAND", "ISLND", "IS"),
        "JCT": ("JUNCTION", "JCTION", "JCTN", "JUNCTN", "JUNCTON", "JCT"),
        "KNL": ("KNOLL", "KNOL", "KNL"),
        "LK": ("LAKE", "LK"),
        "LNDG": ("LANDING", "LNDNG", "LNDG"),
        "LN": ("LANE", "LN"),
        "LOOP": ("LOOP", "LOOPS", "LP"),
        "MDW": ("MEADOW", "MDW"),
        "MDWS": ("MEADOWS", "MEDOWS", "MDWS"),
        "MHWY": ("MOTORWAY", "MHWY"),
        "MNR": ("MANOR", "MNR"),
        "MT": ("MOUNT", "MNT", "MT"),
        "MTN": ("MOUNTAIN", "MNTAIN", "MNTN", "MOUNTIN", "MTIN", "MTN"),
        "OVAL": ("OVAL", "OVL"),
        "PARK": ("PARK", "PRK"),
        "PKWY": ("PARKWAY", "PARKWY", "PKWAY", "PKY", "PKWY", "PY"),
        "PASS": ("PASS",),
        "PATH": ("PATH", "PATHS"),
        "PIKE": ("PIKE", "PIKES"),
        "PL": ("PLACE", "PL"),
        "PLZ": ("PLAZA", "PLZA", "PLZ"),
        "PNE": ("PINE", "PNE"),
        "PNES": ("PINES", "PNES"),
        "PT": ("POINT", "PT"),
        "RDG": ("RIDGE", "RDGE", "RDG"),
        "RD": ("ROAD", "RD"),
        "RDS": ("ROADS", "RDS"),
        "ROW": ("ROW",),
        "RUN": ("RUN",),
        "SQ": ("SQUARE", "SQR", "SQRE", "SQU", "SQ"),
        "ST": ("STREET", "STRT", "STR", "ST"),
        "STA": ("STATION", "STATN", "STN", "STA"),
        "TER": ("TERRACE", "TERR", "TER", "TE"),
        "TRCE": ("TRACE", "TRACES", "TRCE"),
        "TRL": ("TRAIL", "TRAILS", "TRLS", "TRL", "TR"),
        "TPKE": ("TURNPIKE", "TRNPK", "TURNPK", "TPKE"),
        "VLG": ("VILLAGE", "VILL", "VILLAG", "VILLG", "VILLIAGE", "VLG"),
        "VW": ("VIEW", "VW"),
        "VIS": ("VISTA", "VIST", "VST", "VSTA", "VIS"),
        "WALK": ("WALK", "WALKS"),
        "WAY": ("WAY", "WY"),
        "WLS": ("WELLS", "WLS"),
        "WOODS": ("WOODS",),
    }
)

# Appendix C2: secondary unit designators; "#" is the bare unit marker.
UNIT_DESIGNATORS = MappingProxyType(
    {
        "APT": ("APARTMENT", "APT"),
        "BLDG": ("BUILDING", "BLDG"),
        "FL": ("FLOOR", "FL"),
        "STE": ("SUITE", "STE"),
        "UNIT": ("UNIT",),
        "RM": ("ROOM", "RM"),
        "LOT": ("LOT",),
        "TRLR": ("TRAILER", "TRLR"),
        "SPC": ("SPACE", "SPC"),
        "DEPT": ("DEPARTMENT", "DEPT"),
        "OFC": ("OFFICE", "OFC"),
        "#": ("#", "NO", "NUMBER"),
    }
)


def _invert(table: MappingProxyType[str, tuple[str, ...]]) -> dict[str, str]:
    return {variant: std for std, variants in table.items() for variant in variants}


DIRECTIONAL_OF = MappingProxyType(_invert(DIRECTIONALS))
SUFFIX_OF = MappingProxyType(_invert(STREET_SUFFIXES))
UNIT_OF = MappingProxyType(_invert(UNIT_DESIGNATORS))

# Numbered streets: Pub 28 prints them as numerals with an ordinal suffix ("4TH ST");
# callers say the word ("Fourth Street"). Both sides of a match are written as numerals.
_ORDINAL_UNITS = (
    "FIRST",
    "SECOND",
    "THIRD",
    "FOURTH",
    "FIFTH",
    "SIXTH",
    "SEVENTH",
    "EIGHTH",
    "NINTH",
)
_ORDINAL_TEENS = (
    "TENTH",
    "ELEVENTH",
    "TWELFTH",
    "THIRTEENTH",
    "FOURTEENTH",
    "FIFTEENTH",
    "SIXTEENTH",
    "SEVENTEENTH",
    "EIGHTEENTH",
    "NINETEENTH",
)
_TENS = ("TWENTY", "THIRTY", "FORTY", "FIFTY", "SIXTY", "SEVENTY", "EIGHTY", "NINETY")
_TENTHS = (
    "TWENTIETH",
    "THIRTIETH",
    "FORTIETH",
    "FIFTIETH",
    "SIXTIETH",
    "SEVENTIETH",
    "EIGHTIETH",
    "NINETIETH",
)


def ordinal_suffix(n: int) -> str:
    if n % 100 in (11, 12, 13):
        return f"{n}TH"
    return f"{n}{ {1: 'ST', 2: 'ND', 3: 'RD'}.get(n % 10, 'TH') }"


def _ordinals() -> dict[str, str]:
    words = {w: ordinal_suffix(i + 1) for i, w in enumerate(_ORDINAL_UNITS)}
    words |= {w: ordinal_suffix(i + 10) for i, w in enumerate(_ORDINAL_TEENS)}
    for t, (tens, tenth) in enumerate(zip(_TENS, _TENTHS, strict=True)):
        base = (t + 2) * 10
        words[tenth] = ordinal_suffix(base)
        for u, unit in enumerate(_ORDINAL_UNITS):
            words[f"{tens} {unit}"] = ordinal_suffix(base + u + 1)
    return words


# "FOURTH" -> "4TH", "TWENTY FIRST" -> "21ST" (hyphens are spaces by then).
ORDINAL_OF = MappingProxyType(_ordinals())
