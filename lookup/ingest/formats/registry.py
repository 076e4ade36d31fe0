"""Which reader reads a source file: for each kind of source, its formats in the order they
are tried, each a cheap test of the file (its name, its first row) and the reader that
takes it. The first format whose test accepts the file reads it; a file no format takes,
or that its reader does not know (``layouts.UnknownLayout``), is refused with every
layout of its kind listed (``layouts.unknown_layout``).

A new file format is a reader module in ``formats/`` and a line in its kind here (and
its layout in the kind's ``layouts``, in the place the kind's next step counts from).
Reader modules import only shared helpers (records, fields, textfile, sniff, layouts,
gdal_safety...), never each other: the dispatch is here alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Concatenate, Generic, NoReturn, ParamSpec, TypeVar

from lookup.errors import DataError
from lookup.geocode.place_merge import PlaceRecord
from lookup.ingest.formats import early_voting, kml, one_stop_cells, places, site_json
from lookup.ingest.formats.counties import wanted
from lookup.ingest.formats.fields import check_days
from lookup.ingest.formats.layouts import KnownLayout, UnknownLayout, shown_header, unknown_layout
from lookup.ingest.formats.peek import Peek
from lookup.ingest.formats.polling_places import (
    NCSBE_LAYOUT,
    REQUIRED,
    has_most_columns,
    read_polling_table,
)
from lookup.ingest.formats.precinct_layer import PrecinctLayer, one_map
from lookup.ingest.formats.precincts import read_precinct_map
from lookup.ingest.formats.records import PollingPlaceRow, SiteRecord
from lookup.ingest.formats.suffixes import (
    JSON_SUFFIXES,
    KML_SUFFIXES,
    SITE_LIST_SUFFIXES,
    TEXT_SUFFIXES,
)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Format(Generic[P, T]):
    """One format of a kind: ``accepts`` looks at the file (cheaply: its name, its first
    row), ``read`` reads it."""

    accepts: Callable[[Peek], bool]
    read: Callable[Concatenate[Path, P], T]
    # Its rows of every county name the other counties' towns (``neighbours``): the
    # refresh reads the file once more for them. NCSBE's statewide table does; a KML is
    # read for the refresh's counties only.
    other_counties: bool = False


@dataclass(frozen=True)
class Kind(Generic[P, T]):
    """A kind of source (what one refresh option takes) and its formats, tried in order."""

    noun: str  # as the refusal says it: "unknown <noun> layout"
    formats: tuple[Format[P, T], ...]
    layouts: tuple[KnownLayout, ...] = ()  # as the refusal lists them, numbered from 1
    next_step: str = ""  # the refusal's next step, which may count on ``layouts``
    readable: tuple[str, ...] = ()  # suffixes read by name (``Peek.readable``)
    found_as: str = "header"  # what the refusal calls the first row it shows


def read(kind: Kind[P, T], path: Path, *args: P.args, **kwargs: P.kwargs) -> T:
    """The file read by the first format of ``kind`` that accepts it; else refused with
    the kind's layouts, as is a file its reader does not know."""
    fmt = _pick(kind, Peek(path, kind.readable))
    try:
        return fmt.read(path, *args, **kwargs)
    except UnknownLayout as exc:
        raise DataError(_refusal(kind, exc.name, exc.found)) from None


def _pick(kind: Kind[P, T], peek: Peek) -> Format[P, T]:
    for fmt in kind.formats:
        if fmt.accepts(peek):
            return fmt
    found = f"{kind.found_as}: {shown_header(peek.first_row)}"
    raise DataError(_refusal(kind, peek.path.name, found))


def _refusal(kind: Kind[P, T], name: str, found: str) -> str:
    return unknown_layout(name, kind.noun, found, kind.layouts, kind.next_step)


def _named(*suffixes: str) -> Callable[[Peek], bool]:
    return lambda peek: peek.named(suffixes)


def _anything(_peek: Peek) -> bool:
    return True


# ---- precinct maps -------------------------------------------------------------------

PRECINCTS: Kind[[str | None], PrecinctLayer] = Kind(
    "precinct-map",
    (
        Format(_named(*KML_SUFFIXES), kml.read_kml_precincts),  # NCSBE's vtds KMZ
        Format(_anything, read_precinct_map),  # shapefiles, GeoJSON...: GDAL says
    ),
)


def read_precincts(path: Path, county: str | None = None) -> PrecinctLayer:
    """One precinct-map file, filtered to ``county`` when it covers several."""
    return read(PRECINCTS, path, county)


def read_precinct_files(paths: tuple[Path, ...], county: str | None = None) -> PrecinctLayer:
    """Several files of one map (the statewide KMZ comes in four parts), as one layer."""
    return one_map([read_precincts(p, county) for p in paths], paths, county)


# ---- polling-place lists ---------------------------------------------------------------


def _polling_table(path: Path, county: str | None, _day: date | None) -> list[PollingPlaceRow]:
    return read_polling_table(path, county)  # its rows carry their election


def _polling_kml(path: Path, county: str | None, day: date | None) -> list[PollingPlaceRow]:
    if day is None:  # the layer carries no date: its rows are the election it is read for
        raise DataError(f"{path.name}: a polling-place KML is read for an election day")
    return kml.read_kml_polling_places(path, county, day)


def _early_voting_layout(row: list[str]) -> KnownLayout | None:
    """The early-voting layout a file's first row begins, if any."""
    header = {c.strip().lower() for c in row}
    if set(early_voting.SIMPLE_COLUMNS) <= header:
        return early_voting.SIMPLE_LAYOUT
    if one_stop_cells.is_day_list_header(row):
        return one_stop_cells.LAYOUT
    statewide = len(row) == len(early_voting.STATEWIDE_COLUMNS)
    if statewide and early_voting.is_statewide_row(row):
        return early_voting.STATEWIDE_LAYOUT
    return None


def _an_early_voting_list(path: Path, _county: str | None, _day: date | None) -> NoReturn:
    layout = _early_voting_layout(Peek(path, KML_SUFFIXES).first_row)
    assert layout is not None  # the format's test found it
    raise DataError(
        f"{path.name}: an early-voting list ({layout.name}), not a polling-place list: "
        "give it as --early-voting"
    )


def _polling_header(peek: Peek) -> bool:
    return has_most_columns([c.lower() for c in peek.first_row])


POLLING_PLACES: Kind[[str | None, date | None], list[PollingPlaceRow]] = Kind(
    "polling-place",
    (
        Format(_named(*KML_SUFFIXES), _polling_kml),
        # Most of the columns: read, or refused as missing the others.
        Format(_polling_header, _polling_table, other_counties=True),
        Format(
            lambda peek: _early_voting_layout(peek.first_row) is not None, _an_early_voting_list
        ),
        # The rest: refused by the reader, as an empty file or an unknown layout.
        Format(_anything, _polling_table, other_counties=True),
    ),
    layouts=(NCSBE_LAYOUT, kml.POLLING_LAYOUT),
    next_step="export it with the columns of (1), or give the State Board's file",
    readable=KML_SUFFIXES,
)


def read_polling_places(
    path: Path, county: str | None = None, election_day: date | None = None
) -> list[PollingPlaceRow]:
    """A polling-place list's rows of ``county`` (every county's when None);
    ``election_day`` dates the rows of a format that carries no date (the KML)."""
    return read(POLLING_PLACES, path, county, election_day)


def lists_other_counties(path: Path) -> bool:
    """Whether the polling-place file's format names other counties' towns, for which
    the refresh reads its rows of every county (``Format.other_counties``)."""
    return _pick(POLLING_PLACES, Peek(path, POLLING_PLACES.readable)).other_counties


# ---- early-voting lists ----------------------------------------------------------------


def _statewide_list(path: Path, county: str | None, _day: date) -> list[SiteRecord]:
    return early_voting.read_statewide_list(path, county)  # its rows carry their election


def _a_polling_place_list(path: Path, _county: str | None, _day: date) -> NoReturn:
    raise DataError(
        f"{path.name}: a polling-place list ({NCSBE_LAYOUT.name}), not an "
        "early-voting list: give it as --polling-places"
    )


def _header_has(columns: tuple[str, ...]) -> Callable[[Peek], bool]:
    return lambda peek: set(columns) <= {c.lower() for c in peek.first_row}


EARLY_VOTING: Kind[[str | None, date], list[SiteRecord]] = Kind(
    "early-voting",
    (
        Format(_named(*KML_SUFFIXES), kml.read_kml_sites),
        Format(_named(*JSON_SUFFIXES), site_json.read_site_json),
        # The rest are text tables, told apart by their first row.
        Format(_header_has(("name", "hours", "date")), early_voting.read_sites_csv),
        Format(_header_has(REQUIRED), _a_polling_place_list),
        Format(
            lambda p: one_stop_cells.is_day_list_header(p.first_row), one_stop_cells.read_day_list
        ),
        Format(lambda p: early_voting.is_statewide_row(p.first_row), _statewide_list),
    ),
    layouts=(
        early_voting.STATEWIDE_LAYOUT,
        early_voting.SIMPLE_LAYOUT,
        one_stop_cells.LAYOUT,
        kml.SITES_LAYOUT,
        site_json.LAYOUT,
    ),
    next_step="export it with the columns of (2), or give the State Board's file",
    readable=SITE_LIST_SUFFIXES,
    found_as="first line",  # the State Board's list has no header
)


def read_early_voting(path: Path, county: str | None, election_day: date) -> list[SiteRecord]:
    """Any of the early-voting shapes. A list whose days fall mostly outside this
    election's early-voting period is another election's and refused as such
    (``not_this_election``); every site's days are then held to its election
    (``check_days``), whatever the shape."""
    from lookup.ingest.early_voting_period import not_this_election

    sites = read(EARLY_VOTING, path, county, election_day)
    reason = not_this_election(election_day, [s for s in sites if s.election_day == election_day])
    if reason:
        raise DataError(f"{path.name}: {reason}")
    for s in sites:
        if s.schedule:
            where = f"{path.name}: {s.county} site {s.name!r}"
            check_days(s.schedule[0].day, s.schedule[-1].day, s.election_day, where)
    return sites


# ---- place sources ---------------------------------------------------------------------


def _one_stop_kml(path: Path, county: str | None, day: date) -> list[PlaceRecord]:
    return places.site_records(kml.read_kml_sites(path, county, day), path.name)


def _polling_place_kml(path: Path, county: str | None, day: date) -> list[PlaceRecord]:
    rows = kml.read_kml_polling_places(path, county, day)
    # The layer carries no date: the day it was read for is not its election.
    return [replace(r, when=None) for r in places.polling_place_records(rows, path.name)]


def _polling_list(path: Path, county: str | None, _day: date) -> list[PlaceRecord]:
    return places.polling_place_records(read_polling_places(path, county), path.name)


def _site_list(path: Path, county: str | None, day: date) -> list[PlaceRecord]:
    return places.site_records(read_early_voting(path, county, day), path.name)


def _facility_layer(path: Path, county: str | None, _day: date) -> list[PlaceRecord]:
    want = wanted(county)
    return [r for r in places.read_places(path) if not (want and r.county and r.county not in want)]


PLACES: Kind[[str | None, date], list[PlaceRecord]] = Kind(
    "place",
    (
        # NCSBE's 2018 one-stop KML says so in its points; its polling-place KML does not.
        Format(
            lambda peek: peek.named(KML_SUFFIXES) and places.lists_one_stop_sites(peek.path),
            _one_stop_kml,
        ),
        Format(_named(*KML_SUFFIXES), _polling_place_kml),
        Format(
            lambda peek: (
                peek.named(TEXT_SUFFIXES) and "polling_place_name" in peek.first_line.lower()
            ),
            _polling_list,
        ),
        Format(_named(*TEXT_SUFFIXES, *JSON_SUFFIXES), _site_list),  # one-stop lists
        Format(_anything, _facility_layer),  # GeoJSON, shapefile, GeoPackage...
    ),
)


def read_place_source(path: Path, county: str | None, election_day: date) -> list[PlaceRecord]:
    """Any place source, told apart by what it holds: a KML of polling places or of
    one-stop sites (NCSBE's 2018 layers), a polling-place file (a header with
    ``polling_place_name``), a one-stop list (text or JSON; the refresh's
    ``election_day`` for the shapes that carry no date), else a facility point layer.
    Rows of other counties than ``county`` (when given) are left out."""
    return read(PLACES, path, county, election_day)
