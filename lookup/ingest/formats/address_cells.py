"""The cells of a county's address table as clean text, computed once per distinct value.

Tables arrive as text (CSV) or typed (a point layer read by GDAL, where a ZIP or a house
number is an ``int`` or a ``float`` such as ``28202.0``, and an empty cell is ``None`` or
NaN). Every cell goes through ``cell_text`` first, so the rest of the reader only ever sees
``str``: ``normalize_zip``, ``normalize_unit`` and ``canonical_street`` take text.

A county table has ~700,000 rows but few distinct values per column (tens of cities, a
few hundred ZIP codes, ~20,000 street names): ``per_value`` applies a cleaning function to
each distinct value of a categorical column, never to each row.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from lookup.geocode.normalize import US_STATES, normalize_unit, normalize_zip

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

# What spreadsheets and database exports write into an empty cell.
NULL_CELLS = frozenset({"NULL", "<NULL>", "NONE", "NAN", "N/A", "#N/A", "NA"})
# A city, town or unit longer than this is no name (a run-away quoted cell): left empty.
# The index stores text columns at a fixed width, so one such cell would cost every row.
MAX_NAME_CHARS = 60
MAX_UNIT_CHARS = 20

_WHOLE = re.compile(r"\+?([0-9]+)\.0*")  # "1234.0", as Excel and GDAL write whole numbers
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+")  # "1,234": Excel's number format
# A house number: digits (leading zeros dropped), an optional letter, an optional fraction.
_HOUSE = re.compile(r"0*([0-9]{1,9}) ?([A-Z])? ?(1/2|[0-9]/[0-9]{1,2})?")
_FRACTION = re.compile(r"[0-9]/[0-9]{1,2}")
_STATE_CODES = {name: code for code, name in US_STATES.items()} | {c: c for c in US_STATES}


def cell_text(value: object) -> str:
    """Any cell (``str``, ``int``, ``float``, NaN, ``None``, ``bytes``) as trimmed text;
    ``""`` for an empty cell. Whole floats lose their ``.0``: ``28202.0`` -> ``28202``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return ""
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = " ".join(str(value).split())  # trailing spaces, tabs, CR, non-breaking spaces
    if len(text) >= 2 and text[0] == text[-1] == '"':
        text = text[1:-1].strip()  # a quoted cell after a space: `, "12 Main St"`
    return "" if text.upper() in NULL_CELLS else text


def whole(text: str) -> str:
    """``1234.0`` -> ``1234``: a number column saved by Excel or read as a float."""
    m = _WHOLE.fullmatch(text)
    return m.group(1) if m else text


def house_number(number: str, suffix: str = "", prefix: str = "") -> str:
    """The house number as callers say it (``123``, ``123A``, ``123 1/2``); ``""`` when the
    cell holds none. A letter suffix belongs to the number ("123A"); a fraction is its own
    word. A number prefix ("A19", Hawaii's "75-6214") is left out: the address parser
    needs an address to start with digits, so no caller could match it."""
    if prefix:
        return ""
    text = whole(number.upper())
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    text = text.replace("½", " 1/2").strip()
    m = _HOUSE.fullmatch(text)
    if m is None:
        return ""
    digits, letter, fraction = m.group(1), m.group(2) or "", m.group(3) or ""
    suffix = suffix.upper().replace("½", "1/2").strip()
    if len(suffix) == 1 and suffix.isascii() and suffix.isalpha():
        letter = letter or suffix
    elif _FRACTION.fullmatch(suffix):
        fraction = fraction or suffix
    head = digits + letter
    return f"{head} {fraction}" if fraction else head


def zip5(text: str) -> str:
    """A 5-digit ZIP code from ``28202``, ``28202.0``, ``28202-1234``, ``282021234`` or a
    number that lost its leading zero (``2134``); ``""`` for anything else."""
    text = whole(text).replace(" ", "")
    if not text.isascii():
        return ""
    if text.isdigit() and 3 <= len(text) <= 4:
        text = text.zfill(5)
    return normalize_zip(text)


def words(text: str) -> str:
    """A street-name part: upper case, single spaces."""
    return " ".join(text.upper().split())


def city(text: str) -> str:
    """A postal city: upper case; ``Charlotte, NC`` (some layers) is ``CHARLOTTE``."""
    name = " ".join(text.upper().split(",")[0].split())
    return name if len(name) <= MAX_NAME_CHARS else ""


def municipality(text: str) -> str:
    """An incorporated town, or ``""`` outside any: NENA's ``Inc_Muni`` says
    ``Unincorporated`` there, which is no town a resident would name."""
    name = city(text)
    return "" if name.split()[:1] in (["UNINCORPORATED"], ["UNINC"]) else name


def unit(text: str) -> str:
    """The unit identifier alone, as the county stores it: ``Apt. 3`` -> ``3``."""
    ident = normalize_unit(whole(text))
    return ident if len(ident) <= MAX_UNIT_CHARS else ""


def state_code(text: str) -> str:
    """``NC``, ``N.C.``, ``N C``, ``North Carolina`` -> ``NC``; ``""`` when not a US state."""
    key = " ".join(text.upper().replace(".", " ").split())
    return _STATE_CODES.get(key) or _STATE_CODES.get(key.replace(" ", ""), "")


def upper(text: str) -> str:
    return text.upper()


def per_value(col: pd.Series | None, n: int, fn: Callable[[str], str]) -> pd.Categorical:
    """``fn(cell_text(value))`` for each row of ``col``, computed once per distinct value
    and kept categorical. A missing column is ``fn("")`` on every row."""
    import numpy as np
    import pandas as pd

    if col is None:
        return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[fn("")])
    if not isinstance(col.dtype, pd.CategoricalDtype):
        try:
            col = col.astype("category")
        except TypeError:  # lists (a GDAL IntegerList field) are unhashable: compare as text
            col = col.map(cell_text).astype("category")
    # The last entry stands for a missing cell (code -1: NaN, None, a short row).
    mapped = [fn(cell_text(v)) for v in col.cat.categories] + [fn("")]
    codes = col.cat.codes.to_numpy()
    return recode(np.where(codes < 0, len(mapped) - 1, codes), mapped)


def recode(codes: np.ndarray, mapped: list[str]) -> pd.Categorical:
    """A categorical whose code ``k`` stands for ``mapped[k]`` (equal texts merged)."""
    import numpy as np
    import pandas as pd

    uniques, inverse = np.unique(np.array(mapped, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(
        np.asarray(inverse).ravel()[codes], categories=[str(u) for u in uniques]
    )


def first_nonempty(columns: list[pd.Categorical]) -> pd.Categorical:
    """Row by row, the first of ``columns`` that is not ``""`` (NENA's Unit, Room, Building)."""
    import numpy as np
    import pandas as pd

    if len(columns) == 1:
        return columns[0]
    out = np.asarray(columns[0], dtype=object)
    for col in columns[1:]:
        values = np.asarray(col, dtype=object)
        out = np.where(out == "", values, out)
    return pd.Categorical(out)
