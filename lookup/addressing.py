"""Address text -> one matched point and its precinct, or a precise reason why not.

The chain, most trusted first: the county's address points (exact, then fuzzy), then
street-centerline interpolation, then the configured remote geocoders in their order.
An estimate (anything but an address point) close to a precinct line is flagged
``verify``: the representative should confirm the precinct with the board.
No Flask, no requests: remote backends come in as ``Geocoder`` objects.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from .dataset import Dataset
from .errors import (
    AddressAmbiguous,
    AddressIncomplete,
    AddressNotFound,
    AddressPoBox,
    AddressUnparseable,
    GeocoderUnavailable,
    InvalidParameter,
    OutsideJurisdiction,
)
from .geocode.base import ADDRESS_POINT, Candidate, Geocoder
from .geocode.interpolate import split_house_number
from .geocode.local import AddressIndex, AddressPoint, GeocodeResult
from .geocode.normalize import (
    MAX_ADDRESS_CHARS,
    ParsedAddress,
    clean_text,
    is_po_box,
    other_state,
    parse_address,
    parse_simple,
)
from .models import Match
from .spatial import Hit

VERIFY_DISTANCE_M = 50.0  # an estimated point closer than this to a precinct line
REMOTE_CLOSE = 0.05  # remote candidates within this score of the best are all plausible
_ONLY_NUMBER = re.compile(r"^\d+[A-Z]?$")
_ONLY_ZIP = re.compile(r"^(?:(?:NC|NORTH CAROLINA)\s*)?\d{5}(?:-?\d{4})?$")


@dataclass(frozen=True, slots=True)
class Located:
    """A matched address: the point, how it was found, its precinct, whether to verify."""

    match: Match
    hit: Hit
    verify: bool


def check_text(text: str) -> str:
    """Refuse what no parser should see; return the text without control characters."""
    if len(text) > MAX_ADDRESS_CHARS:
        raise InvalidParameter(
            "address too long", parameter="address", reason="too_long", max_chars=MAX_ADDRESS_CHARS
        )
    # Control and format characters (a pasted tab, a zero-width space) are noise, not words.
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = text.strip()
    if not text:
        raise InvalidParameter("empty address", parameter="address", reason="empty")
    return text


def readings(index: AddressIndex, text: str) -> list[ParsedAddress]:
    """The ways to read ``text``, most likely first. A plainly formed address whose street
    is on file is read without the CRF parser (~250 µs here); otherwise the parser's
    reading comes first and the plain one, if different, is a second try."""
    if is_po_box(text):
        raise AddressPoBox("post-office box")
    simple = parse_simple(text)
    if simple is not None and index.has_key(simple.street):
        return [simple]
    parsed = parse_address(text)
    if parsed is None and simple is not None:
        parsed, simple = simple, None
    if parsed is None:
        cleaned = clean_text(text).replace(",", " ").strip()
        if _ONLY_ZIP.match(cleaned):
            raise AddressIncomplete("a ZIP code alone", reason="zip_only")
        if _ONLY_NUMBER.match(cleaned):
            raise AddressIncomplete("a house number alone", reason="number_only")
        raise AddressUnparseable("no house number and street found")
    state = other_state(parsed)
    if state:
        raise OutsideJurisdiction("address in another state", reason="other_state", state=state)
    out = [index.without_trailing_city(parsed)]
    if simple is not None and simple != parsed:
        out.append(index.without_trailing_city(simple))
    return out


def locate_address(ds: Dataset, text: str, remotes: Sequence[Geocoder] = ()) -> Located:
    """The whole chain for one address text (see the module docstring)."""
    text = check_text(text)
    if ds.addresses.size == 0 and ds.streets.size == 0 and not remotes:
        # A dataset published without address data cannot search addresses at all:
        # say so instead of claiming this one address does not exist.
        raise GeocoderUnavailable("no address points in this dataset")
    parsed, result = search_points(ds.addresses, readings(ds.addresses, text))
    if result.best is not None:
        best = result.best
        hit = ds.index.locate(best.lon, best.lat)
        if hit is None:
            raise OutsideJurisdiction("address point outside every precinct")
        match = Match(
            address=best.label(),
            lat=best.lat,
            lon=best.lon,
            source=ADDRESS_POINT,
            score=result.score,
            normalized=parsed.normalized(),
            parsed=parsed.parts(),
            notes=result.notes,
        )
        return Located(match, hit, verify=hit.on_boundary)
    if result.candidates:
        raise AddressAmbiguous(
            "address points to confirm",
            reason=result.reason,
            normalized=parsed.normalized(),
            candidates=[candidate_json(ds, _as_candidate(c)) for c in result.candidates],
        )
    estimates = interpolate(ds, parsed)
    if estimates:
        return _one_of(ds, estimates, parsed, ("interpolated",))
    return _remote(ds, text, remotes, parsed)


def search_points(
    index: AddressIndex, options: Sequence[ParsedAddress]
) -> tuple[ParsedAddress, GeocodeResult]:
    """The first reading the address points know (or the first reading, unknown)."""
    results = []
    for parsed in options:
        result = index.geocode(parsed)
        if result.best is not None or result.candidates:
            return parsed, result
        results.append(result)
    return options[0], results[0]


def interpolate(ds: Dataset, parsed: ParsedAddress) -> list[Candidate]:
    split = split_house_number(parsed.street)
    return ds.streets.locate(split[1], split[0], parsed.zip) if split else []


class LocalGeocoder:
    """The county's own data (address points, then centerlines) as a ``Geocoder``, so
    one contract test holds it to the same promises as the remote backends."""

    name = "local"
    CONFIRM_SCORE = 0.5  # one of several buildings that fit: not an answer on its own

    def __init__(self, ds: Dataset) -> None:
        self._ds = ds

    def geocode(self, text: str) -> list[Candidate]:
        try:
            index = self._ds.addresses
            parsed, result = search_points(index, readings(index, check_text(text)))
        except (
            InvalidParameter,
            AddressUnparseable,
            AddressIncomplete,
            AddressPoBox,
            OutsideJurisdiction,
        ):
            return []  # nothing this county's data could hold
        if result.best is not None:
            return [_as_candidate(result.best, result.score)]
        if result.candidates:
            return [_as_candidate(c, self.CONFIRM_SCORE) for c in result.candidates]
        return interpolate(self._ds, parsed)


def _remote(ds: Dataset, text: str, remotes: Sequence[Geocoder], parsed: ParsedAddress) -> Located:
    """Ask each configured backend in turn; the first that knows the address answers."""
    failed: list[str] = []
    for backend in remotes:
        try:
            found = backend.geocode(text)
        except GeocoderUnavailable:
            failed.append(backend.name)
            continue
        if found:
            return _one_of(ds, found, parsed, ())
    if failed:
        # Someone else might have known it: "not found" would be a claim we cannot make.
        raise GeocoderUnavailable("remote geocoders failed", backends=failed)
    raise AddressNotFound("no address point matches", normalized=parsed.normalized())


def _one_of(
    ds: Dataset, found: Sequence[Candidate], parsed: ParsedAddress, notes: tuple[str, ...]
) -> Located:
    """One estimate becomes the answer; several plausible ones are for the caller to pick."""
    located = [(c, ds.index.locate(c.lon, c.lat)) for c in found]
    inside = [(c, h) for c, h in located if h is not None]
    if not inside:
        raise OutsideJurisdiction("geocoded point outside every precinct")
    top = max(c.score for c, _h in inside)
    plausible = {c.address: (c, h) for c, h in inside if c.score >= top - REMOTE_CLOSE}
    if len(plausible) > 1:
        raise AddressAmbiguous(
            "estimates to confirm",
            reason="several_match",
            normalized=parsed.normalized(),
            candidates=[candidate_json(ds, c) for c, _h in list(plausible.values())[:10]],
        )
    c, hit = next(iter(plausible.values()))
    near = ds.index.near_boundary(c.lon, c.lat, hit.index, VERIFY_DISTANCE_M)
    match = Match(
        address=c.address,
        lat=c.lat,
        lon=c.lon,
        source=c.source,
        score=c.score,
        normalized=parsed.normalized(),
        parsed=parsed.parts(),
        notes=notes,
    )
    return Located(match, hit, verify=hit.on_boundary or near)


def point_needs_verify(ds: Dataset, hit: Hit, lon: float, lat: float) -> bool:
    """A point given as coordinates is no address point: verify near a precinct line."""
    return hit.on_boundary or ds.index.near_boundary(lon, lat, hit.index, VERIFY_DISTANCE_M)


def _as_candidate(p: AddressPoint, score: float = 1.0) -> Candidate:
    return Candidate(address=p.label(), lon=p.lon, lat=p.lat, score=score, source=ADDRESS_POINT)


def candidate_json(ds: Dataset, c: Candidate) -> dict[str, object]:
    """One address for the representative to pick, with the precinct it would give."""
    hit = ds.index.locate(c.lon, c.lat)
    p = ds.precincts[hit.index] if hit else None
    return {
        "address": c.address,
        "lat": c.lat,
        "lon": c.lon,
        "source": c.source,
        "precinct": {"id": p.id, "name": p.name, "county": p.county} if p else None,
    }
