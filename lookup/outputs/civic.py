"""Our answers in the shapes of the Google Civic Information API v2, so clients written for
``/civicinfo/v2/voterinfo`` and ``/civicinfo/v2/elections`` (widgets, SMS bots) can point
here. Pure functions: no Flask, no requests; ``lookup.web.views.civic`` does the HTTP.

Field names, types and nesting follow Google's discovery document for ``civicinfo:v2``
(``VoterInfoResponse``, ``Election``, ``PollingLocation``, ``SimpleAddressType``,
``AdministrationRegion``, ``AdministrativeBody``, ``ElectionOfficial``, ``Source``,
``ElectionsQueryResponse``); errors follow its published error table (reason, status,
message) in Google's error body.

Election ids: Google's are int64 numbers in a string. Ours are the election date as
``YYYYMMDD`` (``"20281107"``): stable across data refreshes and rebuilds, and unique
because the dataset holds at most one election per day. ``electionId=0`` (Google's
default) or no ``electionId`` means the election that applies today.

Names: ``address.locationName`` (and an early-vote site's ``name``) is what Google's
clients put in front of voters — the heading of a location card, the text an SMS bot or
a screen reader says — so it carries the display form (``lookup.outputs.display``: title case, a
name the BOE cut short to its last whole word, "Polling place at ..." for a placeholder
like ``Q``), not NCSBE's capitals cut at 30 characters. ``line1``... stay as the BOE
publishes them: clients hand them to map and geocoding services, which expect the USPS
abbreviations. (The VIP export keeps the BOE's names: it is data interchange.)

Mail-ballot return (``dropOffLocations``): North Carolina has no drop boxes; a voter brings
a mail ballot by hand to the county board's office until ballots must be received (7:30
p.m. on Election Day), or to any early-voting site of the county while early voting is
open there (ncsbe.gov/voting/vote-mail), never to an Election Day polling place. The list
is those places at the answer's moment: the office (no coordinates or hours of ours to
give), and the sites with their hours as ``earlyVoteSites`` gives them.

The staff's changes on the day (``service.Applied``): a relocated precinct's
``pollingLocations`` is the new place, its ``notes`` saying it moved and why; a closed
Election Day place stays, its notes telling the voter to call the board; a closed
early-vote site's ``notes`` start with the closure, its ``pollingHours`` leave out the
closed hours; the staff's notices join ``electionNoticeText``.

Demo data must never look real: the election name starts with ``DEMO``, every location's
``notes`` and the county's ``electionNoticeText`` start with the demo notice, and every
``sources`` entry says ``official: false``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from lookup.dataset.model import Dataset
from lookup.domain.boards import KNOWN_BOARDS, STATE_BOARD
from lookup.domain.changes import Change
from lookup.domain.closures import trimmed
from lookup.domain.help_topics import early_voting_open, early_voting_span, mail_return_open
from lookup.domain.models import (
    Address,
    BoardOfElections,
    DaySchedule,
    EarlyVotingSite,
    Election,
    Match,
    OpenHours,
    PollingPlace,
)
from lookup.domain.schedule import LOCAL_TZ, active_election, to_local
from lookup.domain.site_details import SiteDetails, labelled
from lookup.errors import ServiceError
from lookup.i18n import DEFAULT_LANG, message
from lookup.outputs.display import display_name
from lookup.service import Answer, SiteDistance

VOTER_INFO_KIND = "civicinfo#voterInfoResponse"
ELECTIONS_KIND = "civicinfo#electionsQueryResponse"
OCD_DIVISION_NC = "ocd-division/country:us/state:nc"
STATE_NAME = "North Carolina"
STATE_CODE = "NC"
DEMO_PREFIX = "DEMO "
# Who publishes the polling places and one-stop sites we serve (the county board's
# own contact is the local jurisdiction's body).
OFFICIAL_SOURCE = "North Carolina State Board of Elections"
DEMO_SOURCE = "DEMO DATA (a fictional county)"
# What every NC one-stop site offers (G.S. 163-227.2, 163-82.6A, 163-231).
EARLY_VOTE_SERVICES = (
    "In-person early voting for any voter of the county, same-day registration, "
    "and return of completed mail ballots."
)
# The notices of an answer that qualify the Election Day place (the others have their
# own field: early-voting services, pollingLocations left empty).
PLACE_NOTICES = (
    "demo_data",
    "no_active_election",
    "polling_place_changed",
    "polling_place_relocated",
    "polling_place_closed",
    "on_precinct_boundary",
    "verify_with_board",
    "unit_not_found",
    "street_type_assumed",
    "directional_assumed",
    "spelling_corrected",
    "town_corrected",
    "street_only",
    "interpolated",
)

# Google's published error table (reason, HTTP status, message). "Election unknown" is
# documented with reason ``invalidValue`` but the live API was seen answering ``invalid``;
# clients read the status and message, so the live behaviour wins.
PARSE_ERROR = "parseError"
FAILED_TO_PARSE = "Failed to parse address"
NO_ADDRESS = "No address provided"
ELECTION_UNKNOWN = "Election unknown"
ELECTION_UNKNOWN_REASON = "invalid"
NO_INFORMATION = "No information for this address"
BACKEND_ERROR = "Backend Error"
# Google has no candidate list: say what would make the address specific instead.
_PARSE_DETAIL = {
    "address_incomplete": "give the house number and the street name",
    "address_po_box": "a post-office box has no polling place; give the street address",
    "address_ambiguous": "more than one address matches; add the city, ZIP code or unit",
}
# Errors Google answers with the same status (its reason and message).
_GOOGLE_SAME = {
    "rate_limited": ("rateLimitExceeded", "Rate Limit Exceeded"),
    "payload_too_large": ("invalid", "Request too large"),
    "unauthorized": ("required", "Login Required"),
    "admin_disabled": ("forbidden", "Forbidden"),
}
# Address input that reached the service as coordinates ("35.2, -80.8" pasted in).
_ADDRESS_PARAMETERS = frozenset({"address", "lat/lon", "lat", "lon"})

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ELECTION_ID = re.compile(r"^-?\d{1,18}$")  # an int64, as Google's electionId is
_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
_STATE = re.compile(r"^[A-Za-z]{2}$")
_STATE_ZIP = re.compile(r"^(?P<state>[A-Za-z]{2})(?:\s+(?P<zip>\d{5}(?:-\d{4})?))?(?P<rest>.*)$")


class CivicError(Exception):
    """An error to answer in Google's shape (``status``, ``reason``, ``message``)."""

    def __init__(self, status: int, reason: str, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.reason = reason
        self.text = text

    def body(self) -> dict[str, Any]:
        return civic_error_body(self.status, self.reason, self.text)


def civic_error_body(status: int, reason: str, text: str) -> dict[str, Any]:
    """Google's error body (the v1 error format every civicinfo client parses)."""
    return {
        "error": {
            "errors": [{"domain": "global", "reason": reason, "message": text}],
            "code": status,
            "message": text,
        }
    }


def election_unknown() -> CivicError:
    return CivicError(400, ELECTION_UNKNOWN_REASON, ELECTION_UNKNOWN)


def from_service_error(err: ServiceError, board: BoardOfElections) -> CivicError:
    """Our error codes in Google's terms. "Not found" and outages also name the board's
    phone: the fallback every answer of this service carries."""
    contact = f". For help, call {board.name} at {board.phone}."
    code = err.code
    if code == "invalid_parameter":
        parameter = str(err.details.get("parameter", ""))
        if parameter in _ADDRESS_PARAMETERS:
            if err.details.get("reason") in ("empty", "missing"):
                return CivicError(400, "required", NO_ADDRESS)
            return CivicError(400, PARSE_ERROR, FAILED_TO_PARSE)
        text = f"Invalid value for parameter {parameter}" if parameter else "Invalid request"
        return CivicError(400, "invalid", text)
    if code == "address_unparseable":
        return CivicError(400, PARSE_ERROR, FAILED_TO_PARSE)
    if code in _PARSE_DETAIL:
        return CivicError(400, PARSE_ERROR, f"{FAILED_TO_PARSE}: {_PARSE_DETAIL[code]}")
    if code == "outside_jurisdiction" and err.details.get("reason") == "other_county":
        # Another NC county's address: its county and whom to call, not our board.
        where = message(DEFAULT_LANG, *err.message_id, phone=board.phone, **err.message_args)
        return CivicError(404, "notFound", f"{NO_INFORMATION}. {where}")
    if code in ("address_not_found", "outside_jurisdiction"):
        return CivicError(404, "notFound", NO_INFORMATION + contact)
    if code in ("dataset_unavailable", "geocoder_unavailable", "insights_unavailable"):
        return CivicError(503, "backendError", BACKEND_ERROR + contact)
    if code in _GOOGLE_SAME:
        return CivicError(err.status, *_GOOGLE_SAME[code])
    return CivicError(500, "backendError", BACKEND_ERROR + contact)


# ---- request parameters ---------------------------------------------------------------


def parse_bool(raw: str | None, name: str) -> bool:
    """A boolean query parameter as Google's front end reads it (absent: false)."""
    value = (raw or "").strip().lower()
    if value in ("", "false", "0"):
        return False
    if value in ("true", "1"):
        return True
    raise CivicError(400, "invalid", f"Invalid value for parameter {name}: expected true or false")


def election_id(e: Election) -> str:
    return e.day.strftime("%Y%m%d")


def find_election(ds: Dataset, raw: str | None) -> Election | None:
    """The election ``electionId`` names; ``None`` for the default (absent, empty or 0)."""
    value = (raw or "").strip()
    if value in ("", "0"):
        return None
    if not _ELECTION_ID.match(value):
        raise CivicError(400, "invalid", "Invalid value at 'election_id' (TYPE_INT64)")
    for e in ds.elections:
        if election_id(e) == value.lstrip("0"):
            return e
    raise election_unknown()


def moment_for(ds: Dataset, wanted: Election | None, now: datetime) -> datetime:
    """The moment to answer as of: ``now`` for the election that applies now, else noon on
    the requested election's day (its places, its early-voting sites, its notices)."""
    if wanted is None:
        return now
    current, over = active_election(ds.elections, to_local(now).date())
    if current == wanted and not over:
        return now
    return datetime.combine(wanted.day, time(12), tzinfo=LOCAL_TZ)


def require_election(answer: Answer, return_all: bool) -> None:
    """Google answers "Election unknown" when no election covers the address; with
    ``returnAllAvailableData`` it answers with what it has (here: the last election's
    place, flagged in its notes)."""
    over = "no_active_election" in answer.notices
    if (answer.election is None or over) and not return_all:
        raise election_unknown()


# ---- text: hours and addresses --------------------------------------------------------


def clock(t: time) -> str:
    """``6:30 AM``, ``12:00 PM``, ``7:30 PM``."""
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def day_text(d: date) -> str:
    """``Tue, Nov 7`` (fixed English names: the process locale must not change it)."""
    return f"{_DAYS[d.weekday()]}, {_MONTHS[d.month - 1]} {d.day}"


def spans_text(hours: Sequence[OpenHours]) -> str:
    return ", ".join(f"{clock(h.start)} - {clock(h.end)}" for h in hours) or "closed"


def schedule_text(days: Iterable[DaySchedule]) -> str:
    """A site's schedule, one line per run of consecutive days with the same hours:
    ``Thu, Oct 19 - Fri, Oct 20: 8:00 AM - 7:30 PM`` (a split day lists both spans)."""
    runs: list[tuple[date, date, str]] = []
    for d in sorted(days, key=lambda d: d.day):
        text = spans_text(d.hours)
        if runs and runs[-1][2] == text and runs[-1][1] + timedelta(days=1) == d.day:
            runs[-1] = (runs[-1][0], d.day, text)
        else:
            runs.append((d.day, d.day, text))
    return "\n".join(
        f"{day_text(a)}{'' if a == b else ' - ' + day_text(b)}: {text}" for a, b, text in runs
    )


def open_days(days: Iterable[DaySchedule]) -> list[date]:
    return sorted(d.day for d in days if not d.closed)


def address_json(a: Address, location_name: str = "") -> dict[str, str]:
    """A ``SimpleAddressType``; empty parts are left out, as Google leaves them out."""
    out = {
        "locationName": location_name,
        "line1": a.line1,
        "city": a.city,
        "state": a.state,
        "zip": a.zip,
    }
    return {k: v for k, v in out.items() if v or k == "line1"}


def address_from_text(text: str) -> dict[str, str]:
    """A one-line address (``741 Kenilworth Ave, Suite 202, Charlotte, NC 28204``, or the
    Census ``..., NC, 28204``, or an estimate's ``3001 HARBOR DR, 28993``) as a
    ``SimpleAddressType``, best effort: what does not parse stays whole in ``line1``.
    A remark after the ZIP (``(fictional)``) becomes the next address line."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    state = zip_code = rest = ""
    m = _STATE_ZIP.match(parts[-1]) if len(parts) >= 2 else None
    if len(parts) >= 2 and _ZIP.match(parts[-1]):
        zip_code = parts.pop()
        if len(parts) >= 2 and _STATE.match(parts[-1]):
            state = parts.pop().upper()
    elif m is not None and (not m["rest"].strip() or m["rest"].strip().startswith("(")):
        parts.pop()
        state, zip_code, rest = m["state"].upper(), m["zip"] or "", m["rest"].strip()
    else:
        return {"line1": text.strip()}
    city = parts.pop() if len(parts) >= 2 else ""
    lines = parts + ([rest] if rest else [])
    out = {"line1": lines[0]}
    if len(lines) > 1:
        out["line2"] = lines[1]
    if len(lines) > 2:
        out["line3"] = ", ".join(lines[2:])
    out |= {"city": city, "state": state, "zip": zip_code}
    return {k: v for k, v in out.items() if v or k == "line1"}


def normalized_input(match: Match) -> dict[str, str]:
    """The address as matched (so a voter can confirm a corrected spelling), completed
    from our reading of the request (Pub. 28 normalised parts) where the match's text
    does not say, or does not parse."""
    if not match.address and not match.parsed:  # coordinates pasted into the address box
        return {"line1": f"{match.lat:.6f}, {match.lon:.6f}", "city": "", "state": "NC", "zip": ""}
    parsed = dict(match.parsed)
    found = address_from_text(match.address) if match.address else {}
    line1 = found.get("line1", "")
    if ("number" in parsed and "street" in parsed) and not ("city" in found or "zip" in found):
        unit = f" UNIT {parsed['unit']}" if parsed.get("unit") else ""
        line1 = f"{parsed['number']} {parsed['street']}{unit}"
    return {
        "line1": line1,
        "city": found.get("city") or parsed.get("city", ""),
        "state": STATE_CODE,  # every answer is a precinct of North Carolina
        "zip": found.get("zip") or parsed.get("zip", ""),
    }


# ---- the parts of a voterinfo response ------------------------------------------------


def civic_election(e: Election, demo: bool) -> dict[str, str]:
    """Google's ``Election``. Its ``name`` stays the published (English) one in every
    ``lang``, as Google's does: Google's API takes no language and gives the feed's name
    as is, and its clients (and ours: ``/civicinfo/v2/elections`` has no ``lang``) may
    match on it. Our own API gives the name in the answer's language beside it
    (``api_json.election_json``: ``display_name``)."""
    return {
        "id": election_id(e),
        "name": (DEMO_PREFIX if demo else "") + e.name,
        "electionDay": e.day.isoformat(),
        "ocdDivisionId": OCD_DIVISION_NC,
    }


def elections_json(ds: Dataset) -> dict[str, Any]:
    """``ElectionsQueryResponse``: every election the data holds, oldest first (a past
    one stays listed: ``voterinfo?electionId=`` still answers for it)."""
    return {"kind": ELECTIONS_KIND, "elections": [civic_election(e, ds.demo) for e in ds.elections]}


def sources_json(demo: bool, name: str = OFFICIAL_SOURCE) -> list[dict[str, Any]]:
    """Demo data is nobody's official data."""
    return (
        [{"name": DEMO_SOURCE, "official": False}] if demo else [{"name": name, "official": True}]
    )


def _coordinates(lat: float | None, lon: float | None) -> dict[str, float]:
    return {} if lat is None or lon is None else {"latitude": lat, "longitude": lon}


def _notes(parts: Iterable[str]) -> dict[str, str]:
    text = " ".join(p for p in parts if p)
    return {"notes": text} if text else {}


def location_name(p: PollingPlace | EarlyVotingSite, lang: str) -> str:
    """The name voters are shown, for ``address.locationName`` (see the module docstring)."""
    return display_name(p.name, p.name_complete, p.name_plausible, p.address, lang)


def polling_location_json(
    place: PollingPlace,
    e: Election,
    notes: Sequence[str],
    demo: bool,
    lang: str,
    details: SiteDetails | None = None,
) -> dict[str, Any]:
    """The Election Day place (``name``, ``startDate``... are for early-vote sites only);
    the county's ``details`` of its building close its notes (Civic has no field for them)."""
    hours = f"{day_text(e.day)}: {clock(e.polls_open)} - {clock(e.polls_close)}"
    return {
        "address": address_json(place.address, location_name(place, lang)),
        **_notes([*notes, *labelled(details, lang)]),
        "pollingHours": hours,
        **_coordinates(place.lat, place.lon),
        "sources": sources_json(demo),
    }


def early_vote_site_json(
    sd: SiteDistance,
    notes: Sequence[str],
    demo: bool,
    lang: str,
    details: SiteDetails | None = None,
) -> dict[str, Any]:
    site: EarlyVotingSite = sd.site
    schedule = site.schedule
    if sd.closure is not None:  # closed now: says so first, and no hours while closed
        notes = [closed_note(sd.closure, lang), *notes]
        schedule = trimmed(schedule, sd.closure.window)
    days = open_days(schedule)
    miles = sd.distance_miles
    distance = f"{miles:.2f} miles from this address." if miles is not None else ""
    # A site still "TBD" in the county's list: its address is not known yet, say so.
    unknown = "" if site.address.line1 else message(lang, "display", "address_unknown") + "."
    name = location_name(site, lang)
    out: dict[str, Any] = {
        "address": address_json(site.address, name),
        **_notes([*notes, unknown, distance, *labelled(details, lang)]),
        "pollingHours": schedule_text(schedule),
        "name": name,
        "voterServices": EARLY_VOTE_SERVICES,
    }
    if days:
        out |= {"startDate": days[0].isoformat(), "endDate": days[-1].isoformat()}
    return out | _coordinates(site.lat, site.lon) | {"sources": sources_json(demo)}


def closed_note(c: Change, lang: str) -> str:
    """ "CLOSED by the Board of Elections until Tue, Oct 20 2:00 PM: <reason>"."""
    end = to_local(c.window.end)
    until = f"{day_text(end.date())} {clock(end.time())}"
    return message(lang, "civic", "site_closed", until=until, reason=c.text.get(lang))


def local_board(ds: Dataset, county: str) -> BoardOfElections:
    """The voter's county board, the local jurisdiction's body: the dataset's own, unless it
    fell back to the state board for a several-county dataset and the county's board is known."""
    if ds.board == STATE_BOARD and county in KNOWN_BOARDS:
        return KNOWN_BOARDS[county]
    return ds.board


def body_json(board: BoardOfElections, notice: str = "") -> dict[str, Any]:
    """An ``AdministrativeBody``: the board's name, site, office and phone."""
    out: dict[str, Any] = {"name": board.name, "electionInfoUrl": board.url}
    if board.address:
        out["physicalAddress"] = address_from_text(board.address)
    out["electionOfficials"] = [{"officePhoneNumber": board.phone}]
    if notice:
        out["electionNoticeText"] = notice
    return out


def state_json(answer: Answer, ds: Dataset, lang: str) -> dict[str, Any]:
    """``state[0]``: North Carolina's board, and the county's board as its local
    jurisdiction, carrying the staff's last-minute notices."""
    board = local_board(ds, answer.precinct.county)
    notices = [m for m in (_demo_text(ds.demo, lang),) if m]
    notices += [n.message(lang) for n in answer.staff_notices]
    if answer.applied is not None:
        notices += [
            message(lang, "notices", "staff_change", text=c.text.get(lang))
            for c in answer.applied.notices
        ]
    return {
        "name": STATE_NAME,
        "electionAdministrationBody": body_json(STATE_BOARD),
        "local_jurisdiction": {
            "name": answer.precinct.county.title(),
            "electionAdministrationBody": body_json(board, " ".join(notices)),
            "sources": sources_json(ds.demo, board.name),
        },
        "sources": sources_json(ds.demo),
    }


def _demo_text(demo: bool, lang: str) -> str:
    return message(lang, "notices", "demo_data") if demo else ""


def other_elections(answer: Answer, ds: Dataset) -> list[dict[str, str]]:
    """The other upcoming elections with a place for this precinct (Google lists them so
    a client can ask again with their ``electionId``)."""
    return [
        civic_election(o, ds.demo)
        for o in ds.elections
        if o != answer.election
        and o.day >= answer.today
        and answer.precinct.key in ds.polling.get(o.day, {})
    ]


def voterinfo_json(
    answer: Answer, ds: Dataset, lang: str, requested: Election | None = None
) -> dict[str, Any]:
    """A ``VoterInfoResponse`` for ``answer``. ``requested``: the election named by
    ``electionId`` (``None``: the default one, and other upcoming ones are listed)."""
    board = local_board(ds, answer.precinct.county)
    e = answer.election
    body: dict[str, Any] = {"kind": VOTER_INFO_KIND}
    if e is not None:
        body["election"] = civic_election(e, ds.demo)
    body["otherElections"] = other_elections(answer, ds) if requested is None else []
    body["normalizedInput"] = normalized_input(answer.match)
    body["mailOnly"] = False  # NC precincts vote in person; mail ballots are by request
    body["precinctId"] = answer.precinct.id
    place_notes = [
        message(lang, "notices", c, phone=board.phone, address=board.address)
        for c in answer.notices
        if c in PLACE_NOTICES
    ]
    applied = answer.applied
    if applied is not None:
        why = applied.relocation or applied.place_closure
        if why is not None:
            place_notes.append(message(lang, "civic", "place_reason", reason=why.text.get(lang)))
    body["pollingLocations"] = (
        [
            polling_location_json(
                answer.polling_place,
                e,
                place_notes,
                ds.demo,
                lang,
                ds.site_details.get(answer.precinct.county, answer.polling_place.id),
            )
        ]
        if answer.polling_place is not None and e is not None
        else []
    )
    demo = [_demo_text(ds.demo, lang)]
    body["earlyVoteSites"] = [
        early_vote_site_json(
            sd, demo, ds.demo, lang, ds.site_details.get(sd.site.county, sd.site.id)
        )
        for sd in answer.early_voting_sites
    ]
    body["dropOffLocations"] = drop_off_locations(answer, ds, lang)
    body["state"] = [state_json(answer, ds, lang)]
    return body


def drop_off_locations(answer: Answer, ds: Dataset, lang: str) -> list[dict[str, Any]]:
    """Where a mail ballot can be returned by hand at the answer's moment: the county
    board's office until 7:30 p.m. on Election Day, and the county's early-voting sites
    while early voting is open there (see the module docstring); [] after that."""
    e, now = answer.election, answer.moment
    if e is None or not mail_return_open(now, e, over="no_active_election" in answer.notices):
        return []
    demo = _demo_text(ds.demo, lang)
    out: list[dict[str, Any]] = []
    board = local_board(ds, answer.precinct.county)
    if board != STATE_BOARD and board.address:  # the state board takes no county's ballots
        notes = [demo, message(lang, "civic", "drop_off_office")]
        out.append(board_office_json(board, notes, ds.demo))
    table = ds.site_tables.get((e.day, answer.precinct.county))
    span = early_voting_span(s.schedule for s in table.sites) if table is not None else None
    if early_voting_open(now, span):
        notes = [demo, message(lang, "civic", "drop_off_site")]
        for sd in answer.early_voting_sites:
            if not sd.site.address.line1:  # "TBD" in the county's list: nowhere to bring it
                continue
            site = early_vote_site_json(sd, notes, ds.demo, lang)
            del site["voterServices"]  # the notes say what this entry is for
            out.append(site)
    return out


def board_office_json(board: BoardOfElections, notes: Sequence[str], demo: bool) -> dict[str, Any]:
    """The county board's office as a ``PollingLocation``: its name and address only (we
    publish no coordinates or office hours for it)."""
    return {
        "address": {"locationName": board.name} | address_from_text(board.address),
        **_notes(notes),
        "name": board.name,
        "sources": sources_json(demo, board.name),
    }
