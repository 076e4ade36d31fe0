"""Address text -> one matched point and its precinct, or a precise reason why not.

One pass, each stage a function of its own module (read them in this order):

1. ``readings.clean``: the text made safe to parse (length, control characters);
2. ``readings.readings``: the ways to read it, most likely first;
3. ``candidates.find``: the county's address points that agree with a reading;
4. ``resolve.by_precinct``: those points by precinct: one precinct is one answer;
5. ``_located`` here: the answer (``Located``), or the question to ask
   (``address_ambiguous``, one candidate per precinct; ``address_incomplete`` for a
   street without a number that crosses precinct lines).

Text without a house number may name a place (``geocode.places``: polling places,
early-voting sites, county facilities), answered at its point; else it is a street.
When the address points know nothing of the address: street-centerline interpolation,
then the configured remote geocoders in their order. An estimate (anything but an
address point) close to a precinct line is flagged ``verify``: the representative
should confirm the precinct with the board. Each candidate of a question carries a
``pick`` (``picks``): ``locate_pick`` answers that candidate, at its point. No Flask,
no requests: remote backends come in as ``Geocoder`` objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lookup.dataset.model import Dataset
from lookup.domain.models import Match
from lookup.domain.neighbours import other_county
from lookup.domain.picks import SOURCE_CODES, Pick, encode
from lookup.errors import (
    AddressAmbiguous,
    AddressIncomplete,
    AddressNotFound,
    AddressPoBox,
    AddressUnparseable,
    GeocoderUnavailable,
    InvalidParameter,
    NumberMissing,
    OutsideJurisdiction,
)
from lookup.geocode.base import ADDRESS_POINT, INTERPOLATED, PLACE, Candidate, Geocoder
from lookup.geocode.candidates import Found, find_first
from lookup.geocode.interpolate import split_house_number
from lookup.geocode.local import AddressPoint
from lookup.geocode.normalize import ParsedAddress, street_parts
from lookup.geocode.places import Place
from lookup.geocode.readings import clean, readings
from lookup.geocode.resolve import Group, by_precinct
from lookup.spatial.grid import Hit

VERIFY_DISTANCE_M = 50.0  # an estimated point closer than this to a precinct line
REMOTE_CLOSE = 0.05  # remote candidates within this score of the best are all plausible
MAX_CANDIDATES = 10  # precincts offered to choose from at most

check_text = clean  # the web layer's name for stage 1


@dataclass(frozen=True, slots=True)
class Located:
    """A matched address: the point, how it was found, its precinct, whether to verify."""

    match: Match
    hit: Hit
    verify: bool


def locate_address(ds: Dataset, text: str, remotes: Sequence[Geocoder] = ()) -> Located:
    """The whole chain for one address text (see the module docstring)."""
    text = clean(text)
    if ds.addresses.size == 0 and ds.streets.size == 0 and not remotes:
        # A dataset published without address data cannot search addresses at all:
        # say so instead of claiming this one address does not exist.
        raise GeocoderUnavailable("no address points in this dataset")
    options = readings(ds.addresses, text, ds.counties)
    if not options[0].number:
        # No house number: a place callers name ("Beatties Ford Library"), else a street.
        places = ds.named_places.find(text)
        if places:
            return _at_place(ds, places, options[0])
    parsed, found = find_first(ds.addresses, options)
    if not parsed.number:
        return _street_only(ds, parsed, found)
    if found.rows:
        return _located(ds, parsed, found)
    estimates = interpolate(ds, parsed)
    if estimates:
        return _one_of(ds, estimates, parsed, ("interpolated",))
    _other_county(ds, parsed)  # before any remote geocoder: no need to ask, nor to tell it
    return _remote(ds, text, remotes, parsed)


def _located(ds: Dataset, parsed: ParsedAddress, found: Found) -> Located:
    """Stage 5: the rows that agree, one answer when they lead to one precinct."""
    groups = by_precinct(found.rows, ds.index)
    if not groups:
        raise OutsideJurisdiction("address point outside every precinct")
    if found.confirm or len(groups) > 1:
        raise AddressAmbiguous(
            "address points to confirm",
            reason=found.confirm or "several_match",
            normalized=parsed.normalized(),
            candidates=[_candidate_json(ds, g) for g in groups[:MAX_CANDIDATES]],
        )
    g = groups[0]
    match = _match(g.point, parsed, found, g.points)
    return Located(match, g.hit, verify=g.hit.on_boundary)


def _street_only(ds: Dataset, parsed: ParsedAddress, found: Found) -> Located:
    """A street without a house number: an answer only when the whole street (in the
    caller's town) lies in one precinct, and then one to verify; else ask the number."""
    if not found.rows:
        _other_county(ds, parsed)
        if ds.addresses.has_street_name(street_parts(parsed.street).name):
            raise AddressNotFound("no such street in that town", normalized=parsed.normalized())
        raise AddressUnparseable("no house number and street found")
    groups = by_precinct(found.rows, ds.index)
    if not groups:
        raise OutsideJurisdiction("street outside every precinct")
    if len(groups) > 1:
        raise NumberMissing(
            "a street that crosses precinct lines, without a house number",
            reason="no_number",
            normalized=parsed.normalized(),
            precincts=[_group_json(ds, g) for g in groups[:MAX_CANDIDATES]],
        )
    g = groups[0]
    match = _match(g.point, parsed, found, g.points)
    return Located(match, g.hit, verify=True)


def _other_county(ds: Dataset, parsed: ParsedAddress) -> None:
    """An address the county's data does not know, whose town or ZIP belongs only to
    other NC counties (``neighbours``): say which county and whom to call, instead of
    "check the spelling". Text without a house number that is a town alone ("Concord
    NC") is that town, unless a street here has that name."""
    town = parsed.city
    if not town and not parsed.number:
        name = street_parts(parsed.street).name
        town = "" if ds.addresses.has_street_name(name) else parsed.street
    counties, matched_by = ds.county_places.elsewhere(
        town,
        parsed.zip,
        ds.counties,
        home_town=bool(town) and ds.addresses.has_city(town),
        home_zip=bool(ds.addresses.towns_of_zip(parsed.zip)),
    )
    if counties:
        raise other_county(counties, matched_by)


def _at_place(ds: Dataset, places: Sequence[Place], parsed: ParsedAddress) -> Located:
    """A named place: answered at its point, like an estimate (the caller is at or near
    it, not at an address point), so it is flagged ``verify`` near a precinct line.
    Several places that fit in one precinct are one answer; in several, a question."""
    hits = [(p, ds.index.locate(p.lon, p.lat)) for p in places]
    inside = [(p, h) for p, h in hits if h is not None]
    if not inside:
        raise OutsideJurisdiction("named place outside every precinct")
    precincts = {h.index for _p, h in inside}
    if len(precincts) > 1:
        raise AddressAmbiguous(
            "named places to choose from",
            reason="several_match",
            normalized=parsed.normalized(),
            candidates=[_place_json(ds, p, h) for p, h in inside[:MAX_CANDIDATES]],
        )
    place, hit = inside[0]
    near = ds.index.near_boundary(place.lon, place.lat, hit.index, VERIFY_DISTANCE_M)
    match = Match(
        address=place.address,
        lat=place.lat,
        lon=place.lon,
        source=PLACE,
        score=1.0,
        normalized=parsed.normalized(),
        parsed=(("place", place.name),),
        points=len(inside),
        place_name=place.name,
        place_kind=place.kind,
    )
    return Located(match, hit, verify=hit.on_boundary or near)


def _place_json(ds: Dataset, place: Place, hit: Hit) -> dict[str, object]:
    p = ds.precincts[hit.index]
    return {
        "address": place.label,  # sent back as address=, it finds this place alone
        "lat": place.lat,
        "lon": place.lon,
        "source": PLACE,
        "points": 1,
        "place": {"name": place.name, "kind": place.kind},
        "precinct": {"id": p.id, "name": p.name, "county": p.county},
        "pick": encode(Pick(lat=place.lat, lon=place.lon, source=PLACE, address=place.label)),
    }


def _match(p: AddressPoint, parsed: ParsedAddress, found: Found, points: int) -> Match:
    return Match(
        address=p.label() if parsed.number else _street_label(p),
        lat=p.lat,
        lon=p.lon,
        source=ADDRESS_POINT,
        score=found.score,
        normalized=parsed.normalized(),
        parsed=parsed.parts(),
        notes=tuple(dict.fromkeys((*parsed.notes, *found.notes))),
        points=points,
    )


def _street_label(p: AddressPoint) -> str:
    """A point of a street the caller named without number: the street, not a house."""
    street = p.line.partition(" ")[2] if p.line[:1].isdigit() else p.line
    tail = " ".join(x for x in ("NC", p.zip) if x)
    return ", ".join(x for x in (street, p.city, tail) if x)


def _group_json(ds: Dataset, g: Group) -> dict[str, object]:
    """One precinct to choose, with the one address that stands for it."""
    p = ds.precincts[g.precinct]
    return {
        "address": g.point.label(),
        "lat": g.point.lat,
        "lon": g.point.lon,
        "source": ADDRESS_POINT,
        "points": g.points,
        "precinct": {"id": p.id, "name": p.name, "county": p.county},
    }


def _candidate_json(ds: Dataset, g: Group) -> dict[str, object]:
    """A precinct offered as the answer (``address_ambiguous``): with the pick that
    answers it. The precincts of a street without a number get none: there the
    representative asks for the number instead of choosing a house for the caller."""
    p = g.point
    pick = Pick(lat=p.lat, lon=p.lon, source=ADDRESS_POINT, address=p.label(), row=p.row)
    return _group_json(ds, g) | {"pick": encode(pick)}


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
        ds = self._ds
        try:
            options = readings(ds.addresses, clean(text), ds.counties)
        except (InvalidParameter, AddressIncomplete, AddressPoBox, OutsideJurisdiction):
            return []  # nothing this county's data could hold
        parsed, found = find_first(ds.addresses, options)
        if not parsed.number:
            return []  # a street is no address
        if found.rows:
            groups = by_precinct(found.rows, ds.index)
            score = found.score if len(groups) == 1 and not found.confirm else self.CONFIRM_SCORE
            return [_as_candidate(g.point, score) for g in groups]
        return interpolate(ds, parsed)


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
    """Estimates that lead to one precinct are one answer (the best of them); estimates
    in several precincts are for the caller to pick."""
    located = [(c, ds.index.locate(c.lon, c.lat)) for c in found]
    inside = [(c, h) for c, h in located if h is not None]
    if not inside:
        raise OutsideJurisdiction("geocoded point outside every precinct")
    top = max(c.score for c, _h in inside)
    plausible = [(c, h) for c, h in inside if c.score >= top - REMOTE_CLOSE]
    best: dict[int, tuple[Candidate, Hit]] = {}
    for c, h in plausible:
        if h.index not in best or c.score > best[h.index][0].score:
            best[h.index] = (c, h)
    if len(best) > 1:
        raise AddressAmbiguous(
            "estimates to confirm",
            reason="several_match",
            normalized=parsed.normalized(),
            candidates=[candidate_json(ds, c) for c, _h in list(best.values())[:MAX_CANDIDATES]],
        )
    c, hit = next(iter(best.values()))
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
        points=sum(1 for _c, h in plausible if h.index == hit.index),
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
        "points": 1,
        "precinct": {"id": p.id, "name": p.name, "county": p.county} if p else None,
        "pick": _estimate_pick(c),
    }


def _estimate_pick(c: Candidate) -> str | None:
    """An estimate's pick (interpolated, remote). A source no pick can carry (an address
    point without its row: no backend gives one here) gets ``None``, not a token that
    would then be refused."""
    if c.source not in SOURCE_CODES or c.source == ADDRESS_POINT:
        return None
    return encode(Pick(lat=c.lat, lon=c.lon, source=c.source, address=c.address))


def locate_pick(ds: Dataset, pick: Pick) -> Located:
    """The answer for a candidate chosen from a question (``picks``): at its point, as
    it was offered. The data vouches for what it can: an address point's row must still
    be that address at that point, a named place must still be that place (else the pick
    is from another data version, or altered: ``invalid_parameter``, reason ``stale``)."""
    if not (-90.0 <= pick.lat <= 90.0 and -180.0 <= pick.lon <= 180.0):
        raise InvalidParameter("pick point out of range", parameter="pick", reason="out_of_range")
    hit = ds.index.locate(pick.lon, pick.lat)
    if hit is None:
        raise OutsideJurisdiction("picked point outside every precinct")
    place: Place | None = None
    if pick.source == ADDRESS_POINT:
        if not _is_row(ds, pick):
            raise InvalidParameter(
                "pick names no address point here", parameter="pick", reason="stale"
            )
        verify = hit.on_boundary  # the building itself, as in ``_located``
    else:
        if pick.source == PLACE:
            place = _place_of(ds, pick)
            if place is None:
                raise InvalidParameter("pick names no place here", parameter="pick", reason="stale")
        verify = point_needs_verify(ds, hit, pick.lon, pick.lat)  # an estimate's point
    match = Match(
        address=pick.address,
        lat=pick.lat,
        lon=pick.lon,
        source=pick.source,
        score=1.0,  # chosen by the person asking, not scored by a search
        parsed=(("place", place.name),) if place else (),
        notes=("interpolated",) if pick.source == INTERPOLATED else (),
        place_name=place.name if place else "",
        place_kind=place.kind if place else "",
        picked=True,
    )
    return Located(match, hit, verify)


def _is_row(ds: Dataset, pick: Pick) -> bool:
    """Whether the pick's row is still its address, at its point."""
    if not 0 <= pick.row < ds.addresses.size:
        return False
    p = ds.addresses.point(pick.row)
    return (p.lat, p.lon) == (pick.lat, pick.lon) and p.label() == pick.address


def _place_of(ds: Dataset, pick: Pick) -> Place | None:
    """The named place the pick names: its label finds it, at the pick's point."""
    for p in ds.named_places.find(pick.address):
        if p.label == pick.address and (p.lat, p.lon) == (pick.lat, pick.lon):
            return p
    return None
