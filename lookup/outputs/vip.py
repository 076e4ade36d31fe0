"""Export one election of a dataset as a Voting Information Project (VIP) 5.2 CSV feed.

The feed is a folder of comma-separated UTF-8 ``.txt`` files with header rows, one per
VIP element, linked by ids (multi-valued ids space-separated). The columns are those the
VIP 5.2 CSV ingest reads. Ids carry a per-element prefix, so they are unique across the
whole feed, as ``xs:ID`` values must be once the feed becomes XML.

Early voting in NC is countywide, so the early-voting sites hang off the county's
Locality; a Precinct lists only its Election Day polling place.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import string
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from pathlib import Path

from lookup.dataset.durable import fsync_dir
from lookup.dataset.model import Dataset
from lookup.domain.boards import STATE_BOARD
from lookup.domain.models import Address, BoardOfElections, EarlyVotingSite, Election, PollingPlace
from lookup.domain.schedule import LOCAL_TZ, to_local
from lookup.domain.site_details import TEXT_FIELDS, SiteDetails, labelled
from lookup.i18n import DEFAULT_LANG

VIP_VERSION = "5.2"

Row = dict[str, str]
Tables = dict[str, list[Row]]

# File name (without .txt) -> columns, in the order written.
COLUMNS: dict[str, tuple[str, ...]] = {
    "source": (
        "id", "name", "vip_id", "date_time", "description", "organization_uri",
        "terms_of_use_uri", "version",
    ),
    "state": (
        "id", "name", "election_administration_id", "external_identifier_type",
        "external_identifier_othertype", "external_identifier_value", "polling_location_ids",
    ),
    "election": (
        "id", "date", "name", "election_type", "state_id", "is_statewide",
        "registration_info", "absentee_ballot_info", "results_uri", "polling_hours",
        "has_election_day_registration", "registration_deadline",
        "absentee_request_deadline", "hours_open_id",
    ),
    "election_administration": (
        "id", "absentee_uri", "am_i_registered_uri", "elections_uri", "registration_uri",
        "rules_uri", "what_is_on_my_ballot_uri", "where_do_i_vote_uri",
    ),
    "department": ("id", "election_official_person_id", "election_administration_id"),
    "contact_information": (
        "id", "address_line_1", "address_line_2", "address_line_3", "directions", "email",
        "fax", "hours", "hours_open_id", "latitude", "longitude", "latlng_source", "name",
        "phone", "uri", "parent_id",
    ),
    "locality": (
        "id", "name", "state_id", "type", "other_type", "election_administration_id",
        "external_identifier_type", "external_identifier_othertype",
        "external_identifier_value", "polling_location_ids", "is_mail_only",
    ),
    "precinct": (
        "id", "name", "number", "locality_id", "ward", "is_mail_only",
        "external_identifier_type", "external_identifier_othertype",
        "external_identifier_value", "precinct_split_name", "ballot_style_id",
        "electoral_district_ids", "polling_location_ids",
    ),
    "polling_location": (
        "id", "name", "address_line", "structured_line_1", "structured_line_2",
        "structured_line_3", "structured_city", "structured_state", "structured_zip",
        "directions", "hours", "hours_open_id", "photo_uri", "is_drop_box",
        "is_early_voting", "latitude", "longitude", "latlng_source",
    ),
    "hours_open": ("id",),
    "schedule": (
        "id", "hours_open_id", "start_time", "end_time", "is_only_by_appointment",
        "is_or_by_appointment", "is_subject_to_change", "start_date", "end_date",
    ),
}  # fmt: skip

STATE_ID = "st-nc"
SOURCE_ID = "src-1"
ELECTION_DAY_HOURS = "ho-eday"
NC_OCD_ID = "ocd-division/country:us/state:nc"
# VIP identifies the publishing organisation by FIPS code: the county's when known.
COUNTY_FIPS = {"MECKLENBURG": "37119"}
NC_FIPS = "37"


# ---- ids ------------------------------------------------------------------------------


_PLAIN = frozenset(string.ascii_letters + string.digits + ".")


def _escape(part: str, keep: frozenset[str]) -> str:
    """Characters outside ``keep`` (``_`` included) as ``_XX`` per UTF-8 byte: injective,
    and valid in an ``xs:ID``."""
    return "".join(c if c in keep else "".join(f"_{b:02X}" for b in c.encode()) for c in part)


def _id(prefix: str, county: str, local: str = "") -> str:
    """``prefix-COUNTY-local``: the county keeps no ``-``, so the split is unambiguous."""
    head = f"{prefix}-{_escape(county, _PLAIN)}"
    return f"{head}-{_escape(local, _PLAIN | {'-'})}" if local else head


def precinct_id(county: str, pid: str) -> str:
    return _id("pre", county, pid)


def locality_id(county: str) -> str:
    return _id("loc", county)


def place_location_id(county: str, place_id: str) -> str:
    return _id("pl", county, place_id)


def site_location_id(site: EarlyVotingSite) -> str:
    return _id("ev", site.county, site.id)


# ---- formats --------------------------------------------------------------------------


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _coord(value: float | None) -> str:
    return "" if value is None else f"{value:.7f}"


def time_with_zone(day: date, t: time) -> str:
    """``HH:MM:SS±HH:MM`` with the offset America/New_York has on ``day`` (EDT or EST)."""
    return datetime.combine(day, t, tzinfo=LOCAL_TZ).isoformat(timespec="seconds")[11:]


def _clock(t: time) -> str:
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def _address_columns(a: Address) -> Row:
    """The structured address when complete, else the one-line form: VIP wants one of
    the two, and ignores a structured address without a city or state."""
    if a.line1 and a.city and a.state:
        return {
            "structured_line_1": a.line1,
            "structured_city": a.city,
            "structured_state": a.state,
            "structured_zip": a.zip,
        }
    return {"address_line": a.one_line()}


def _office_lines(address: str) -> tuple[str, str, str]:
    """``street[, more], city, STATE ZIP`` as VIP's three contact address lines."""
    parts = [p.strip() for p in address.split(",") if p.strip()]
    if len(parts) < 3:
        return address, "", ""
    return parts[0], ", ".join(parts[1:-2]), ", ".join(parts[-2:])


# ---- elements -------------------------------------------------------------------------


def _pick_election(ds: Dataset, election_day: date | None) -> Election:
    if not ds.elections:
        raise ValueError("the dataset holds no election")
    if election_day is None:
        return ds.elections[-1]
    for e in ds.elections:
        if e.day == election_day:
            return e
    known = ", ".join(e.day.isoformat() for e in ds.elections)
    raise ValueError(f"no election on {election_day.isoformat()}; known days: {known}")


def _source_row(ds: Dataset, election: Election, now: datetime) -> Row:
    what = (
        f"Precincts, Election Day polling places and early-voting sites for the "
        f"{election.name} of {election.day.isoformat()} (dataset {ds.version})."
    )
    if ds.demo:
        what += " DEMO DATA: a fictional county generated for testing, not for voters."
    vip_id = COUNTY_FIPS.get(ds.counties[0], NC_FIPS) if len(ds.counties) == 1 else NC_FIPS
    return {
        "id": SOURCE_ID,
        "name": ds.board.name,
        "vip_id": vip_id,
        "date_time": to_local(now).isoformat(timespec="seconds"),
        "description": what,
        "organization_uri": ds.board.url,
        "version": VIP_VERSION,
    }


def _state_row(admin_id: str) -> Row:
    return {
        "id": STATE_ID,
        "name": "North Carolina",
        "election_administration_id": admin_id,
        "external_identifier_type": "ocd-id",
        "external_identifier_value": NC_OCD_ID,
    }


def _election_row(election: Election) -> Row:
    primary = "primary" in election.name.lower()
    return {
        "id": f"ele-{election.day:%Y%m%d}",
        "date": election.day.isoformat(),
        "name": election.name,
        "election_type": "Primary" if primary else "General",
        "state_id": STATE_ID,
        # NC primaries and generals are statewide; municipal elections are not.
        "is_statewide": _bool("municipal" not in election.name.lower()),
        "polling_hours": f"{_clock(election.polls_open)} - {_clock(election.polls_close)}",
        # NC registers voters the same day only at early voting, never on Election Day.
        "has_election_day_registration": _bool(False),
        "hours_open_id": ELECTION_DAY_HOURS,
    }


def _administrations(boards: Mapping[str, BoardOfElections]) -> Tables:
    """Each board (id suffix -> board) as ElectionAdministration + Department + contact."""
    tables: Tables = {"election_administration": [], "department": [], "contact_information": []}
    for key, board in boards.items():
        line1, line2, line3 = _office_lines(board.address)
        tables["election_administration"].append({"id": f"ea-{key}", "elections_uri": board.url})
        tables["department"].append({"id": f"dep-{key}", "election_administration_id": f"ea-{key}"})
        tables["contact_information"].append(
            {
                "id": f"ci-{key}",
                "name": board.name,
                "phone": board.phone,
                "uri": board.url,
                "address_line_1": line1,
                "address_line_2": line2,
                "address_line_3": line3,
                "parent_id": f"dep-{key}",
            }
        )
    return tables


def _boards(ds: Dataset) -> tuple[dict[str, BoardOfElections], str]:
    """The boards to describe, and the administration id of the counties' board: the
    state board runs the State element; a multi-county dataset's board is that same one."""
    if ds.board == STATE_BOARD:
        return {"nc": STATE_BOARD}, "ea-nc"
    return {"nc": STATE_BOARD, "county": ds.board}, "ea-county"


def _locality_row(ds: Dataset, county: str, admin_id: str, sites: Iterable[EarlyVotingSite]) -> Row:
    row = {
        "id": locality_id(county),
        "name": f"{county.title()} County",
        "state_id": STATE_ID,
        "type": "county",
        "election_administration_id": admin_id,
        "polling_location_ids": " ".join(site_location_id(s) for s in sites),
    }
    if not ds.demo:  # the demo county has no real OCD division
        slug = county.lower().replace(" ", "_")
        row["external_identifier_type"] = "ocd-id"
        row["external_identifier_value"] = f"{NC_OCD_ID}/county:{slug}"
    return row


def _precinct_row(county: str, pid: str, name: str, place_loc: str) -> Row:
    return {
        "id": precinct_id(county, pid),
        "name": name,
        "number": pid,
        "locality_id": locality_id(county),
        "polling_location_ids": place_loc,
    }


def _details_columns(d: SiteDetails | None) -> Row:
    """The county's details where VIP 5.2 has a column: ``directions`` (the texts, each
    labelled, in English: VIP's text here is one language) and ``photo_uri``."""
    if d is None:
        return {}
    out = {"directions": " ".join(labelled(d, DEFAULT_LANG, TEXT_FIELDS))}
    if d.photo_url:
        out["photo_uri"] = d.photo_url
    return out


def _place_row(loc_id: str, p: PollingPlace, details: SiteDetails | None = None) -> Row:
    return {
        "id": loc_id,
        "name": p.name,
        **_address_columns(p.address),
        **_details_columns(details),
        "hours_open_id": ELECTION_DAY_HOURS,
        "is_drop_box": _bool(False),  # NC has no ballot drop boxes
        "is_early_voting": _bool(False),
        "latitude": _coord(p.lat),
        "longitude": _coord(p.lon),
        "latlng_source": p.latlng_source if p.lat is not None else "",
    }


def _site_row(s: EarlyVotingSite, hours_open_id: str, details: SiteDetails | None = None) -> Row:
    return {
        "id": site_location_id(s),
        "name": s.name,
        **_address_columns(s.address),
        **_details_columns(details),
        "hours_open_id": hours_open_id,
        "is_drop_box": _bool(False),
        "is_early_voting": _bool(True),
        "latitude": _coord(s.lat),
        "longitude": _coord(s.lon),
        "latlng_source": s.latlng_source if s.lat is not None else "",
    }


def _schedule_row(sid: str, hours_open_id: str, day: date, start: time, end: time) -> Row:
    return {
        "id": sid,
        "hours_open_id": hours_open_id,
        "start_time": time_with_zone(day, start),
        "end_time": time_with_zone(day, end),
        "start_date": day.isoformat(),
        "end_date": day.isoformat(),
    }


def _site_schedules(s: EarlyVotingSite) -> list[Row]:
    """One row per opening span per day: the CSV schedule has a single start and end
    time, so a split day is two rows with the same date; a closed day has none."""
    ho = f"ho-{site_location_id(s)}"
    return [
        _schedule_row(f"sch-{site_location_id(s)}-{d.day:%Y%m%d}-{n}", ho, d.day, h.start, h.end)
        for d in sorted(s.schedule, key=lambda d: d.day)
        for n, h in enumerate(d.hours, start=1)
    ]


# ---- the feed -------------------------------------------------------------------------


def _election_day_places(ds: Dataset, election: Election) -> Tables:
    """Precincts and their Election Day places: a place shared by several precincts of a
    county (same place id) is one polling location."""
    places = ds.polling.get(election.day, {})
    precincts: list[Row] = []
    locations: dict[str, Row] = {}
    for p in sorted(ds.precincts, key=lambda p: p.key):
        place = places.get(p.key)
        loc_id = place_location_id(p.county, place.id) if place else ""
        if place and loc_id not in locations:
            locations[loc_id] = _place_row(loc_id, place, ds.site_details.get(p.county, place.id))
        precincts.append(_precinct_row(p.county, p.id, p.name, loc_id))
    return {"precinct": precincts, "polling_location": list(locations.values())}


def _early_voting(ds: Dataset, election: Election) -> dict[str, list[EarlyVotingSite]]:
    """The election's early-voting sites by county, only for the dataset's counties (a
    site elsewhere would belong to no Locality of this feed). A site whose address is not
    known yet ("TBD" in the county's list) is left out: VIP ignores a PollingLocation with
    neither AddressLine nor AddressStructured, and its hours would hang off nothing."""
    by_county: dict[str, list[EarlyVotingSite]] = {c: [] for c in ds.counties}
    for s in ds.early_voting.get(election.day, ()):
        if s.county in by_county and s.address.line1:
            by_county[s.county].append(s)
    return by_county


def _early_voting_tables(ds: Dataset, election: Election, admin_id: str) -> Tables:
    """Localities with their countywide early-voting sites, and the sites' hours."""
    tables: Tables = {"locality": [], "polling_location": [], "hours_open": [], "schedule": []}
    for county, sites in _early_voting(ds, election).items():
        tables["locality"].append(_locality_row(ds, county, admin_id, sites))
        for s in sites:
            schedules = _site_schedules(s)
            # A HoursOpen needs at least one Schedule: a site with none gets no hours.
            ho = f"ho-{site_location_id(s)}" if schedules else ""
            tables["polling_location"].append(_site_row(s, ho, ds.site_details.get(s.county, s.id)))
            if schedules:
                tables["hours_open"].append({"id": ho})
                tables["schedule"].extend(schedules)
    return tables


def build_feed(ds: Dataset, election: Election, now: datetime) -> Tables:
    """Every row of the feed by file name (without ``.txt``); pure, writes nothing."""
    boards, county_admin = _boards(ds)
    election_day_hours = _schedule_row(
        "sch-eday", ELECTION_DAY_HOURS, election.day, election.polls_open, election.polls_close
    )
    tables: Tables = {name: [] for name in COLUMNS}
    tables["source"].append(_source_row(ds, election, now))
    tables["state"].append(_state_row("ea-nc"))
    tables["election"].append(_election_row(election))
    tables["hours_open"].append({"id": ELECTION_DAY_HOURS})
    tables["schedule"].append(election_day_hours)
    for part in (
        _administrations(boards),
        _election_day_places(ds, election),
        _early_voting_tables(ds, election, county_admin),
    ):
        for name, rows in part.items():
            tables[name].extend(rows)
    _check_unique_ids(tables)
    return tables


def _check_unique_ids(tables: Tables) -> None:
    """Ids are unique across the feed by construction; a duplicate is a bug to stop on
    (for example two sites of one county sharing an id)."""
    seen: set[str] = set()
    for name, rows in tables.items():
        for row in rows:
            if row["id"] in seen:
                raise ValueError(f"duplicate VIP id {row['id']!r} in {name}.txt")
            seen.add(row["id"])


# ---- writing --------------------------------------------------------------------------


def _write_table(path: Path, columns: tuple[str, ...], rows: list[Row]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        # extrasaction stays "raise": a misspelt column is a bug, not a dropped value.
        writer = csv.DictWriter(f, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        f.flush()
        os.fsync(f.fileno())


def _refuse_foreign(out_dir: Path) -> None:
    """Only an empty folder or a previous export (it has ``source.txt``) is replaced."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise FileExistsError(f"{out_dir} exists and is not a folder: not overwriting it")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "source.txt").is_file():
        raise FileExistsError(
            f"{out_dir} is not empty and does not look like a VIP export (no source.txt): "
            "not overwriting it"
        )


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Rename ``tmp`` over ``out_dir``. A folder cannot be renamed over a non-empty one,
    so a previous export is first moved aside, and put back if the swap fails."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.old")
        os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except BaseException:
        if old is not None:
            os.rename(old, out_dir)
        raise
    fsync_dir(out_dir.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_feed(tables: Tables, out_dir: Path) -> None:
    """Write every table into a temporary sibling folder, then swap it in."""
    _refuse_foreign(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.with_name(f".{out_dir.name}.{secrets.token_hex(4)}.tmp")
    tmp.mkdir()
    try:
        for name, rows in tables.items():
            _write_table(tmp / f"{name}.txt", COLUMNS[name], rows)
        fsync_dir(tmp)
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def export_vip(
    ds: Dataset, out_dir: Path, now: datetime, election_day: date | None = None
) -> dict[str, int]:
    """Write the VIP 5.2 CSV feed of one election (default: the dataset's last) into
    ``out_dir``, replacing a previous export atomically; rows written per file name.

    Raises ``ValueError`` for a day the dataset has no election on, and
    ``FileExistsError`` if ``out_dir`` holds something other than a previous export.
    """
    election = _pick_election(ds, election_day)
    tables = build_feed(ds, election, now)
    write_feed(tables, out_dir)
    return {f"{name}.txt": len(rows) for name, rows in tables.items()}
