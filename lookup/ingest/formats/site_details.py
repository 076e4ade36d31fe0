"""The county's site-details CSV (``lookup refresh --site-details FILE``): one row per
polling place or early-voting site, keyed by ``id`` or by ``address``, with any of
``<field>_<lang>`` (``accessible_entrance``, ``accessible_parking``, ``curbside``,
``transit``, ``notes``; one column per language of ``lookup/locales``), ``photo_url`` and
``phone``; an optional ``county`` narrows a key in a several-county dataset.

Staff edit it by hand, so every cell is checked and the first fault refuses the whole
file in one line naming the row (its number as a spreadsheet shows it, the header being
row 1) and its key: a half-applied file would leave the answers neither old nor new.
Whether a key names a real place is the join's to say (``ingest.site_details_join``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from lookup.domain.site_details import MAX_TEXT, MAX_URL, TEXT_FIELDS, SiteDetails
from lookup.errors import DataError
from lookup.i18n import DEFAULT_LANG, languages
from lookup.ingest.formats.textfile import read_text_table

KEYS = ("id", "address")
# Control characters (line breaks included: a cell is one line on a card or a screen
# reader) and the invisible direction and width marks that can disguise a text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_PHONE_JUNK = re.compile(r"[\s().\-]+")


@dataclass(frozen=True, slots=True)
class DetailsRow:
    """One row as read: its spreadsheet row number, its key, and what it says."""

    row: int
    id: str
    address: str
    county: str
    details: SiteDetails

    @property
    def label(self) -> str:
        """How a message names the row: ``row 4 (id 264)``."""
        key = f"id {self.id}" if self.id else f"address {self.address!r}"
        return f"row {self.row} ({key})"


_WHOLE_NUMBER = re.compile(r"(\d+)\.0+")  # Excel's numeric column: 193.0


def columns() -> tuple[str, ...]:
    """Every column the file may have, in the order the README lists them."""
    texts = tuple(f"{name}_{lang}" for name in TEXT_FIELDS for lang in _langs())
    return (*KEYS, "county", *texts, "photo_url", "phone")


def _langs() -> tuple[str, ...]:
    """The catalogs' languages, English first."""
    return (DEFAULT_LANG, *(lang for lang in languages() if lang != DEFAULT_LANG))


def read_site_details(path: Path) -> list[DetailsRow]:
    """Every row with a key; rows with nothing but a key are kept (a template listing
    every place), their details empty. ``DataError`` on the first fault."""
    table = read_text_table(path)
    reader = csv.reader(io.StringIO(table.text, newline=""), delimiter=table.delimiter)
    records = list(reader)
    if not records:
        raise DataError(f"{path.name}: empty file")
    header = _header(path, records[0])
    out: list[DetailsRow] = []
    # Row numbers as a spreadsheet shows them: the header is row 1, blank rows count.
    for number, record in enumerate(records[1:], start=2):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if len(cells) > len(header):
            raise DataError(
                f"{path.name}: row {number}: {len(cells)} cells but the header names "
                f"{len(header)} columns (a comma inside a text needs quotes)"
            )
        values = dict(zip(header, cells, strict=False))
        out.append(_row(path, number, values))
    return out


def _header(path: Path, first: list[str]) -> list[str]:
    names = [c.strip().lstrip("\ufeff").lower() for c in first]
    known = columns()
    for name in names:
        if name not in known:
            raise DataError(
                f"{path.name}: unknown column {name!r} (the columns are: {', '.join(known)})"
            )
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise DataError(f"{path.name}: column {twice[0]!r} appears twice in the header")
    if not any(k in names for k in KEYS):
        raise DataError(f"{path.name}: no id or address column: each row needs one of them")
    return names


def _whole(text: str) -> str:
    """A cell a spreadsheet saved as a number: ``193.0`` -> ``193`` (an id, a phone typed
    as digits). Other text as it is."""
    m = _WHOLE_NUMBER.fullmatch(text)
    return m.group(1) if m else text


def _row(path: Path, number: int, values: dict[str, str]) -> DetailsRow:
    values = {
        **values,
        "id": _whole(values.get("id", "")),
        "phone": _whole(values.get("phone", "")),
    }
    key = DetailsRow(number, values["id"], values.get("address", ""), "", SiteDetails())
    where = f"{path.name}: {key.label}" if (key.id or key.address) else f"{path.name}: row {number}"
    if not (key.id or key.address):
        raise DataError(f"{where}: no id and no address: say which place the row is for")
    texts = {}
    for name in TEXT_FIELDS:
        given = {lang: values.get(f"{name}_{lang}", "") for lang in _langs()}
        for lang, text in given.items():
            _check_text(where, f"{name}_{lang}", text)
        given = {lang: text for lang, text in given.items() if text}
        if given and DEFAULT_LANG not in given:
            other = next(iter(given))
            raise DataError(
                f"{where}: {name}_{other} without {name}_{DEFAULT_LANG}: give the English "
                "text too (it is what other languages fall back to)"
            )
        texts[name] = MappingProxyType(given)
    details = SiteDetails(
        **texts,
        photo_url=_url(where, values.get("photo_url", "")),
        phone=_phone(where, values.get("phone", "")),
    )
    county = values.get("county", "").upper()
    return DetailsRow(number, key.id, key.address, county, details)


def _check_text(where: str, column: str, text: str) -> None:
    if len(text) > MAX_TEXT:
        raise DataError(
            f"{where}: {column} is {len(text)} characters, over the {MAX_TEXT} allowed "
            "(say it shorter: it is read out on the phone)"
        )
    bad = _CONTROL.search(text)
    if bad:
        what = (
            "a line break"
            if bad.group() in "\r\n"
            else f"control character U+{ord(bad.group()):04X}"
        )
        raise DataError(f"{where}: {column} holds {what}: keep each text on one line")


def _url(where: str, text: str) -> str | None:
    """An https address of a page or picture anyone can open: no login in it."""
    if not text:
        return None
    if len(text) > MAX_URL:
        raise DataError(f"{where}: photo_url is {len(text)} characters, over the {MAX_URL} allowed")
    not_https = f"{where}: photo_url {text[:80]!r} is not an https:// address"
    try:
        parts = urlsplit(text)
        _ = parts.port  # a port that is no number raises here
    except ValueError:
        raise DataError(not_https) from None
    if (
        parts.scheme.lower() != "https"
        or not parts.hostname
        or " " in text
        or _CONTROL.search(text)
    ):
        raise DataError(not_https)
    if parts.username is not None or parts.password is not None:
        raise DataError(f"{where}: photo_url holds a user name or password: give a public address")
    return text


def _phone(where: str, text: str) -> str | None:
    """A US number (NANP: area code and exchange do not start with 0 or 1), written
    ``704-555-0100`` whatever form it was typed in."""
    if not text:
        return None
    digits = _PHONE_JUNK.sub("", text)
    if digits.startswith("+1"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    ok = len(digits) == 10 and digits.isdigit() and digits[0] in "23456789"
    if not ok or digits[3] not in "23456789":
        raise DataError(
            f"{where}: phone {text[:40]!r} is not a US phone number (ten digits, e.g. 704-555-0100)"
        )
    return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
