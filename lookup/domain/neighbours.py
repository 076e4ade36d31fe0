"""Which North Carolina counties a town or ZIP belongs to, so that an address of another
county is told its county ("that is Gaston County: call its Board of Elections") instead
of "check the spelling".

The knowledge is what the refresh's statewide files already say: NCSBE's polling-place
list names each place's county, postal city and ZIP for all 100 counties. The refresh
keeps that small table (``CountyPlaces``: town -> counties, ZIP -> counties, this
county's own included) and publishes it with the version. It is only consulted when the
county's own data found nothing, and it answers "another county" only when nothing the
caller said points at this county: a town or ZIP shared with this county (``MATTHEWS``
is Mecklenburg and Union) keeps the usual answer, since the address may well be here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lookup.domain.boards import STATE_BOARD, county_board, county_title
from lookup.domain.models import BoardOfElections
from lookup.errors import OutsideJurisdiction
from lookup.geocode.normalize import clean_text

FILE = "county_places.json"  # in a version folder; absent: an empty table
_TOWN_WORDS = {"MOUNT": "MT", "SAINT": "ST", "FORT": "FT"}  # NCSBE writes the short forms


def town_key(town: str) -> str:
    """A town as the table keys it: ``Fuquay-Varina`` and ``FUQUAY VARINA`` agree, and
    so do ``Mount Olive`` and ``MT OLIVE``."""
    words = clean_text(town).replace("-", " ").replace(",", " ").split()
    return " ".join(_TOWN_WORDS.get(w, w) for w in words)


def _frozen(table: Mapping[str, Iterable[str]]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({k: tuple(sorted(set(v))) for k, v in sorted(table.items()) if k})


@dataclass(frozen=True, slots=True)
class CountyPlaces:
    """Town -> counties and ZIP -> counties, from the statewide election files."""

    towns: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    zips: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def empty(cls) -> CountyPlaces:
        return cls()

    @classmethod
    def build(cls, rows: Iterable[tuple[str, str, str]]) -> CountyPlaces:
        """From (county, town, ZIP) rows; empty towns and ZIPs are skipped."""
        towns: dict[str, set[str]] = {}
        zips: dict[str, set[str]] = {}
        for county, town, zip_code in rows:
            county = county.strip().upper()
            if not county:
                continue
            towns.setdefault(town_key(town), set()).add(county)
            z = zip_code.strip()[:5]
            if len(z) == 5 and z.isdigit():
                zips.setdefault(z, set()).add(county)
        return cls(_frozen(towns), _frozen(zips))

    def others(self, home: Sequence[str]) -> frozenset[str]:
        """Every county the table knows besides ``home`` (empty: a county-only file)."""
        every = {c for table in (self.towns, self.zips) for cs in table.values() for c in cs}
        return frozenset(every - set(home))

    def elsewhere(
        self,
        town: str,
        zip_code: str,
        home: Sequence[str],
        *,
        home_town: bool = False,
        home_zip: bool = False,
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The other counties the caller's town and ZIP name, and which of the two
        named them (``town``, ``zip``); ``((), ())`` when either points at ``home`` (the
        table or the county's own address data says so: ``home_town``, ``home_zip``) or
        neither is known. A town and ZIP that disagree name the counties they share,
        else all of theirs."""
        said: dict[str, set[str]] = {}
        for what, key, table, ours in (
            ("town", town_key(town), self.towns, home_town),
            ("zip", zip_code.strip()[:5], self.zips, home_zip),
        ):
            if not key:
                continue
            counties = set(table.get(key, ())) | (set(home) if ours else set())
            if counties & set(home):
                return (), ()
            if counties:
                said[what] = counties
        if not said:
            return (), ()
        shared = set.intersection(*said.values())
        return tuple(sorted(shared or set.union(*said.values()))), tuple(said)

    def to_json(self) -> dict[str, Any]:
        return {
            "towns": {k: list(v) for k, v in self.towns.items()},
            "zips": {k: list(v) for k, v in self.zips.items()},
        }

    @classmethod
    def from_json(cls, data: object) -> CountyPlaces:
        """The table as ``to_json`` wrote it; ``ValueError`` for anything else (the
        loader reports the version as unreadable)."""
        if not isinstance(data, Mapping):
            raise ValueError("county places: not an object")
        tables = [data.get(k, {}) for k in ("towns", "zips")]
        for t in tables:
            if not isinstance(t, Mapping) or not all(
                isinstance(v, list) and all(isinstance(c, str) for c in v) for v in t.values()
            ):
                raise ValueError("county places: not a name -> counties table")
        return cls(_frozen(tables[0]), _frozen(tables[1]))


def _contact(board: BoardOfElections | None, name: str) -> dict[str, str | None]:
    """A board as the API shows boards; what we do not know is null, never made up."""
    if board is None:
        return {"name": name, "phone": None, "url": None, "address": None}
    return {"name": board.name, "phone": board.phone, "url": board.url, "address": board.address}


def other_county(counties: Sequence[str], matched_by: Sequence[str]) -> OutsideJurisdiction:
    """``outside_jurisdiction`` naming the county (or counties: a town in two) where the
    address is, and who to call: its board when we know its contact, else the State
    Board, which can give any county board's number."""
    names = [county_title(c) for c in counties]
    boards = [county_board(c) for c in counties]
    one = len(counties) == 1
    board = boards[0] if one else None
    err = OutsideJurisdiction(
        "address in another county",
        reason="other_county",
        county=counties[0] if one else None,
        counties=list(counties),
        matched_by=list(matched_by),
        board=_contact(board, f"{names[0]} County Board of Elections") if one else None,
        state_board=_contact(STATE_BOARD, STATE_BOARD.name),
    )
    key = ("known" if board else "one") if one else "several"
    err.message_id = ("other_county", key)
    err.message_args = {
        "county": names[0],
        "counties": ", ".join(names),
        "board_phone": board.phone if board else "",
        "state_phone": STATE_BOARD.phone,
        "state_url": STATE_BOARD.url,
    }
    return err
