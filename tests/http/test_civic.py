"""The Google Civic Information API v2 shapes: ``lookup.outputs.civic`` on in-memory datasets, and
``/civicinfo/v2`` over real HTTP (gunicorn) against a JSON Schema written from Google's
discovery document."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from support.builders import ELECTION, PREVIOUS, place, tiny_dataset
from support.paths import SCHEMAS

from lookup.domain.boards import KNOWN_BOARDS
from lookup.domain.models import DaySchedule, Election, OpenHours
from lookup.domain.schedule import LOCAL_TZ
from lookup.domain.staff_notices import StaffNotice
from lookup.errors import ERROR_CLASSES, ServiceError
from lookup.outputs import civic
from lookup.service import AddressQuery, Answer, find_polling_place

SCHEMA = json.loads((SCHEMAS / "civicinfo_v2.json").read_text())
ADDRESS = "13186 5th St, Demo City NC 28990"
BEFORE = "2028-10-25"
VOTERINFO = "/civicinfo/v2/voterinfo"
DURING = datetime(2028, 10, 25, 10, tzinfo=LOCAL_TZ)
http = pytest.mark.http


def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": SCHEMA["$defs"]})


def assert_valid(body: Any, name: str) -> None:
    errors = sorted(validator(name).iter_errors(body), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def answer_for(ds, text: str = "100 OAK ST", now: datetime = DURING, **kw: Any) -> Answer:
    return find_polling_place(ds, AddressQuery(text), now, **kw)


# ---- the schema itself --------------------------------------------------------------


def test_the_schema_is_valid_and_refuses_invented_fields() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    good = {"kind": "civicinfo#voterInfoResponse", "pollingLocations": [{"notes": "x"}]}
    assert validator("VoterInfoResponse").is_valid(good)
    assert not validator("VoterInfoResponse").is_valid(good | {"demo": True})
    bad_place = {**good, "pollingLocations": [{"hours": "6:30 AM"}]}
    assert not validator("VoterInfoResponse").is_valid(bad_place)
    assert not validator("ErrorResponse").is_valid({"ok": False, "error": {"code": "x"}})


# ---- pure functions -----------------------------------------------------------------


def test_core_module_imports_neither_flask_nor_requests() -> None:
    code = (
        "import sys, lookup.outputs.civic\n"
        "print(','.join(m for m in ('flask', 'requests', 'werkzeug') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_election_ids_are_the_date_and_select_the_election() -> None:
    ds = tiny_dataset()
    assert civic.election_id(ELECTION) == "20281107"
    assert civic.find_election(ds, "20281107") == ELECTION
    assert civic.find_election(ds, " 20261103 ") == PREVIOUS
    for default in (None, "", "0"):
        assert civic.find_election(ds, default) is None
    with pytest.raises(civic.CivicError) as unknown:
        civic.find_election(ds, "4242")
    assert (unknown.value.status, unknown.value.reason, unknown.value.text) == (
        400,
        "invalid",
        "Election unknown",
    )
    with pytest.raises(civic.CivicError) as bad:
        civic.find_election(ds, "2028-11-07")
    assert bad.value.status == 400 and "election_id" in bad.value.text


@pytest.mark.parametrize(
    ("raw", "value"), [(None, False), ("", False), ("false", False), ("TRUE", True), ("1", True)]
)
def test_booleans(raw: str | None, value: bool) -> None:
    assert civic.parse_bool(raw, "officialOnly") is value


def test_a_bad_boolean_is_google_invalid() -> None:
    with pytest.raises(civic.CivicError) as err:
        civic.parse_bool("maybe", "officialOnly")
    assert err.value.reason == "invalid" and "officialOnly" in err.value.text


def test_error_body_is_googles_shape() -> None:
    body = civic.civic_error_body(404, "notFound", "No information for this address")
    assert body == {
        "error": {
            "errors": [
                {
                    "domain": "global",
                    "reason": "notFound",
                    "message": "No information for this address",
                }
            ],
            "code": 404,
            "message": "No information for this address",
        }
    }
    assert_valid(body, "ErrorResponse")


EXPECTED_MAPPING = {
    "invalid_parameter": (400, "invalid", "Invalid value for parameter lang"),
    "address_unparseable": (400, "parseError", "Failed to parse address"),
    "address_incomplete": (400, "parseError", "Failed to parse address:"),
    "address_po_box": (400, "parseError", "Failed to parse address:"),
    "address_not_found": (404, "notFound", "No information for this address"),
    "address_ambiguous": (400, "parseError", "Failed to parse address:"),
    "outside_jurisdiction": (404, "notFound", "No information for this address"),
    "not_found": (500, "backendError", "Backend Error"),
    "method_not_allowed": (500, "backendError", "Backend Error"),
    "dataset_unavailable": (503, "backendError", "Backend Error"),
    "geocoder_unavailable": (503, "backendError", "Backend Error"),
    "insights_unavailable": (503, "backendError", "Backend Error"),
    "internal_error": (500, "backendError", "Backend Error"),
    "rate_limited": (429, "rateLimitExceeded", "Rate Limit Exceeded"),
    "payload_too_large": (413, "invalid", "Request too large"),
    "unauthorized": (401, "required", "Login Required"),
    "admin_disabled": (403, "forbidden", "Forbidden"),
    "reload_failed": (500, "backendError", "Backend Error"),
}


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.code)
def test_every_service_error_maps_to_a_google_error(cls: type[ServiceError]) -> None:
    board = KNOWN_BOARDS["MECKLENBURG"]
    err = civic.from_service_error(cls("x", parameter="lang"), board)
    status, reason, start = EXPECTED_MAPPING[cls.code]
    assert (err.status, err.reason) == (status, reason) and err.text.startswith(start)
    if reason in ("notFound", "backendError"):
        assert board.phone in err.text  # the fallback contact, as every answer carries
    assert_valid(err.body(), "ErrorResponse")


@pytest.mark.parametrize(
    ("details", "reason", "text"),
    [
        ({"parameter": "address", "reason": "empty"}, "required", "No address provided"),
        ({"parameter": "address", "reason": "too_long"}, "parseError", "Failed to parse address"),
        ({"parameter": "lat/lon", "reason": "swapped"}, "parseError", "Failed to parse address"),
        ({"parameter": "date"}, "invalid", "Invalid value for parameter date"),
    ],
)
def test_invalid_parameters_by_parameter(details: dict[str, str], reason: str, text: str) -> None:
    from lookup.errors import InvalidParameter

    err = civic.from_service_error(InvalidParameter("x", **details), KNOWN_BOARDS["DEMO"])
    assert (err.status, err.reason, err.text) == (400, reason, text)


def test_ambiguity_asks_for_a_more_specific_address() -> None:
    from lookup.errors import AddressAmbiguous

    err = civic.from_service_error(AddressAmbiguous("x", candidates=[]), KNOWN_BOARDS["DEMO"])
    assert "city" in err.text and "ZIP" in err.text


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (time(0), "12:00 AM"),
        (time(6, 30), "6:30 AM"),
        (time(12), "12:00 PM"),
        (time(19, 30), "7:30 PM"),
    ],
)
def test_clock(t: time, text: str) -> None:
    assert civic.clock(t) == text


def test_schedule_text_groups_runs_of_equal_days_and_says_closed_days() -> None:
    eight = (OpenHours(time(8), time(19, 30)),)
    days = [
        DaySchedule(date(2028, 10, 19), eight),
        DaySchedule(date(2028, 10, 20), eight),
        DaySchedule(date(2028, 10, 21), (OpenHours(time(8), time(15)),)),
        DaySchedule(date(2028, 10, 22)),
        DaySchedule(
            date(2028, 10, 23), (OpenHours(time(8), time(12)), OpenHours(time(13), time(17)))
        ),
        DaySchedule(date(2028, 10, 25), eight),  # not the day after: a new line
    ]
    assert civic.schedule_text(reversed(days)) == (
        "Thu, Oct 19 - Fri, Oct 20: 8:00 AM - 7:30 PM\n"
        "Sat, Oct 21: 8:00 AM - 3:00 PM\n"
        "Sun, Oct 22: closed\n"
        "Mon, Oct 23: 8:00 AM - 12:00 PM, 1:00 PM - 5:00 PM\n"
        "Wed, Oct 25: 8:00 AM - 7:30 PM"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "741 Kenilworth Ave, Suite 202, Charlotte, NC 28204",
            {
                "line1": "741 Kenilworth Ave",
                "line2": "Suite 202",
                "city": "Charlotte",
                "state": "NC",
                "zip": "28204",
            },
        ),
        (
            "1 Demo Plaza, Demo City, NC 28990 (fictional)",
            {
                "line1": "1 Demo Plaza",
                "line2": "(fictional)",
                "city": "Demo City",
                "state": "NC",
                "zip": "28990",
            },
        ),
        (
            "13186 5TH ST, DEMO CITY, NC, 28990",
            {"line1": "13186 5TH ST", "city": "DEMO CITY", "state": "NC", "zip": "28990"},
        ),
        ("3001 HARBOR DR, 28993", {"line1": "3001 HARBOR DR", "zip": "28993"}),
        ("somewhere in the county", {"line1": "somewhere in the county"}),
        ("1 Main St, Charlotte, NC 28204 rear", {"line1": "1 Main St, Charlotte, NC 28204 rear"}),
    ],
)
def test_one_line_addresses_become_simple_address_types(text: str, expected: dict) -> None:
    assert civic.address_from_text(text) == expected


def test_voterinfo_for_official_data() -> None:
    ds = tiny_dataset()
    body = civic.voterinfo_json(answer_for(ds), ds, "en")
    assert_valid(body, "VoterInfoResponse")
    assert body["kind"] == "civicinfo#voterInfoResponse"
    assert body["election"] == {
        "id": "20281107",
        "name": "General Election",
        "electionDay": "2028-11-07",
        "ocdDivisionId": "ocd-division/country:us/state:nc",
    }
    assert body["normalizedInput"] == {
        "line1": "100 OAK ST",
        "city": "TESTVILLE",
        "state": "NC",
        "zip": "28999",
    }
    assert body["mailOnly"] is False and body["precinctId"] == "001"
    assert body["otherElections"] == [] and body["dropOffLocations"] == []
    (pp,) = body["pollingLocations"]
    # The name voters see (display form); the street line exactly as the BOE publishes it.
    assert pp["address"]["locationName"] == "First Church" and pp["address"]["line1"] == "1 MAIN ST"
    assert pp["pollingHours"] == "Tue, Nov 7: 6:30 AM - 7:30 PM"
    assert "name" not in pp and "startDate" not in pp  # early-vote fields only
    assert "notes" not in pp  # nothing to say about this place
    assert pp["sources"] == [{"name": civic.OFFICIAL_SOURCE, "official": True}]
    # Countywide: the sites of the voter's county, nearest first, never another county's.
    assert [s["name"] for s in body["earlyVoteSites"]] == ["Site Near", "Site Far"]
    near = body["earlyVoteSites"][0]
    assert (near["startDate"], near["endDate"]) == ("2028-10-19", "2028-10-23")
    assert "Sun, Oct 22: closed" in near["pollingHours"]
    assert near["notes"].endswith("miles from this address.")
    assert "same-day registration" in near["voterServices"]
    (nc,) = body["state"]
    assert nc["name"] == "North Carolina"
    assert nc["electionAdministrationBody"]["electionOfficials"] == [
        {"officePhoneNumber": "919-814-0700"}
    ]
    local = nc["local_jurisdiction"]
    assert local["name"] == "Test"
    assert local["electionAdministrationBody"] == {
        "name": "Test County Board of Elections",
        "electionInfoUrl": "https://example.org/boe",
        "electionOfficials": [{"officePhoneNumber": "919-555-0199"}],
    }
    assert "DEMO" not in json.dumps(body)


def test_voterinfo_for_demo_data_never_looks_real() -> None:
    ds = tiny_dataset(demo=True)
    body = civic.voterinfo_json(answer_for(ds), ds, "en")
    assert_valid(body, "VoterInfoResponse")
    assert body["election"]["name"] == "DEMO General Election"
    for loc in body["pollingLocations"] + body["earlyVoteSites"]:
        assert loc["notes"].startswith("DEMO DATA")
        assert loc["sources"] == [{"name": civic.DEMO_SOURCE, "official": False}]
    local = body["state"][0]["local_jurisdiction"]
    assert local["electionAdministrationBody"]["electionNoticeText"].startswith("DEMO DATA")
    assert all(not s["official"] for s in local["sources"] + body["state"][0]["sources"])


def test_a_moved_place_and_match_notes_go_in_the_place_notes() -> None:
    ds = tiny_dataset(
        polling={
            ELECTION.day: {("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1)},
            PREVIOUS.day: {("TEST", "001"): place("11", "OLD HALL", 0.2, 0.1, line1="9 ELM ST")},
        }
    )
    body = civic.voterinfo_json(answer_for(ds, "100 OAK STREET"), ds, "en")
    notes = body["pollingLocations"][0]["notes"]
    assert "has changed since the last election" in notes
    spanish = civic.voterinfo_json(answer_for(ds), ds, "es")
    assert "cambió" in spanish["pollingLocations"][0]["notes"]
    assert spanish["pollingLocations"][0]["pollingHours"].startswith("Tue, Nov 7")  # English


def test_staff_notices_are_the_county_election_notice() -> None:
    ds = tiny_dataset()
    flood = StaffNotice(
        text={"en": "First Church is flooded: vote at City Hall.", "es": "Inundada."}
    )
    answer = answer_for(ds, staff=[flood])
    body = civic.voterinfo_json(answer, ds, "en")
    local = body["state"][0]["local_jurisdiction"]["electionAdministrationBody"]
    assert local["electionNoticeText"] == "First Church is flooded: vote at City Hall."
    es = civic.voterinfo_json(answer, ds, "es")["state"][0]["local_jurisdiction"]
    assert es["electionAdministrationBody"]["electionNoticeText"] == "Inundada."


def test_changes_on_the_day_in_googles_shapes() -> None:
    """An emergency relocation, a closed site and a staff notice (``changes``): the
    relocated place is the polling location (its notes say why), the closed site says so
    first, the notice joins the county's notice text; every body still reads as Google's
    (the discovery document's schema, as Google's client library reads it)."""
    from lookup.domain.changes import active_at, parse_change

    ds = tiny_dataset()
    usual = answer_for(ds)
    window = {"from": "2028-10-25T08:00", "to": "2028-10-25T18:00"}
    docs = [
        {"kind": "relocate", "precinct_id": usual.precinct.id, **window,
         "reason": {"en": "Flooded", "es": "Inundado"},
         "place": {"name": "CITY HALL", "lat": 35.0, "lon": -80.0,
                   "address": {"line1": "2 HALL ST", "city": "TESTVILLE", "zip": "28999"}}},
        {"kind": "close_site", "site_id": "near", "from": "2028-10-23T00:00",
         "to": "2028-10-26T00:00", "reason": {"en": "No power"}},
        {"kind": "notice", "precincts": None, **window, "message": {"en": "Expect lines"}},
    ]  # fmt: skip
    created = datetime(2028, 10, 1, tzinfo=LOCAL_TZ)
    changes = [
        parse_change(d, id=f"c{k}", created=created, languages=("en", "es"))
        for k, d in enumerate(docs)
    ]
    answer = answer_for(ds, changes=active_at(changes, DURING, "TEST"))
    for lang in ("en", "es"):
        body = civic.voterinfo_json(answer, ds, lang)
        assert_valid(body, "VoterInfoResponse")
        (where,) = body["pollingLocations"]
        assert where["address"]["line1"] == "2 HALL ST"
        assert ("Inundado" if lang == "es" else "Flooded") in where["notes"]
        near = next(s for s in body["earlyVoteSites"] if "No power" in s.get("notes", ""))
        assert near["notes"].startswith(("CLOSED", "CERRADO"))
        assert near["pollingHours"].endswith("Mon, Oct 23: closed")  # not its hours
        local = body["state"][0]["local_jurisdiction"]["electionAdministrationBody"]
        assert "Expect lines" in local["electionNoticeText"]


def test_the_county_board_office_is_a_structured_address() -> None:
    body = civic.body_json(KNOWN_BOARDS["MECKLENBURG"])
    assert body["physicalAddress"] == {
        "line1": "741 Kenilworth Ave",
        "line2": "Suite 202",
        "city": "Charlotte",
        "state": "NC",
        "zip": "28204",
    }
    assert body["electionOfficials"] == [{"officePhoneNumber": "704-336-2133"}]
    assert_valid(
        {"kind": "civicinfo#voterInfoResponse", "state": [{"electionAdministrationBody": body}]},
        "VoterInfoResponse",
    )


def test_other_upcoming_elections_are_listed_only_by_default() -> None:
    later = Election(day=date(2030, 11, 5), name="General Election")
    polling = {
        ELECTION.day: {("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1)},
        later.day: {("TEST", "001"): place("10", "FIRST CHURCH", 0.1, 0.1)},
    }
    ds = tiny_dataset(elections=(PREVIOUS, ELECTION, later), polling=polling)
    answer = answer_for(ds)
    assert [e["id"] for e in civic.voterinfo_json(answer, ds, "en")["otherElections"]] == [
        "20301105"
    ]
    assert civic.voterinfo_json(answer, ds, "en", ELECTION)["otherElections"] == []


def test_the_moment_of_a_requested_election() -> None:
    ds = tiny_dataset()
    assert civic.moment_for(ds, None, DURING) == DURING
    assert civic.moment_for(ds, ELECTION, DURING) == DURING  # the one that applies now
    noon = datetime(2026, 11, 3, 12, tzinfo=LOCAL_TZ)
    assert civic.moment_for(ds, PREVIOUS, DURING) == noon
    after = datetime(2029, 1, 1, tzinfo=LOCAL_TZ)
    assert civic.moment_for(ds, ELECTION, after).date() == ELECTION.day  # over: its own day


def test_no_election_is_election_unknown_unless_all_data_is_asked_for() -> None:
    ds = tiny_dataset()
    over = answer_for(ds, now=datetime(2029, 1, 1, 12, tzinfo=LOCAL_TZ))
    with pytest.raises(civic.CivicError) as err:
        civic.require_election(over, return_all=False)
    assert (err.value.status, err.value.text) == (400, "Election unknown")
    civic.require_election(over, return_all=True)
    body = civic.voterinfo_json(over, ds, "en")
    assert "No upcoming election" in body["pollingLocations"][0]["notes"]
    assert body["earlyVoteSites"] == []
    civic.require_election(answer_for(ds), return_all=False)  # an election applies: fine


def test_elections_json() -> None:
    body = civic.elections_json(tiny_dataset())
    assert_valid(body, "ElectionsQueryResponse")
    assert body["kind"] == "civicinfo#electionsQueryResponse"
    assert [e["id"] for e in body["elections"]] == ["20261103", "20281107"]
    demo = civic.elections_json(tiny_dataset(demo=True))
    assert all(e["name"].startswith("DEMO ") for e in demo["elections"])


def test_demo_dataset_answer_validates(demo_ds) -> None:
    body = civic.voterinfo_json(answer_for(demo_ds, ADDRESS), demo_ds, "en")
    assert_valid(body, "VoterInfoResponse")
    assert body["precinctId"] and len(body["earlyVoteSites"]) == 6


def civic_client(holder):
    """A test client of an app with the civicinfo routes (for failures a real server
    cannot be made to show: no dataset, a bug)."""
    from lookup.config import Settings
    from lookup.web.app import create_app
    from lookup.web.views.civic import bp

    app = create_app(Settings(data_dir=Path("/nonexistent")), holder=holder)
    if "civicinfo" not in app.blueprints:  # until app.py registers it
        app.register_blueprint(bp)
    return app.test_client()


class NoData:
    data_dir = Path("/nonexistent")  # where the staff's changes would be: none

    def get(self) -> None:
        return None


class Loaded:
    data_dir = Path("/nonexistent")

    def __init__(self, ds) -> None:
        self.ds = ds

    def get(self):
        return self.ds


def test_no_dataset_is_a_google_backend_error() -> None:
    client = civic_client(NoData())
    for path in (VOTERINFO + "?address=1+Main+St", "/civicinfo/v2/elections"):
        r = client.get(path)
        assert r.status_code == 503
        assert_valid(r.json, "ErrorResponse")
        assert r.json["error"]["errors"][0]["reason"] == "backendError"
        assert "919-814-0700" in r.json["error"]["message"]  # the state board, no county known


def test_a_bug_is_a_google_error_and_logs_no_address(monkeypatch, caplog) -> None:
    import lookup.web.views.civic

    secret = "4242 Privacy Lane"

    def broken(*args: Any, **kwargs: Any) -> Answer:
        raise RuntimeError(secret)  # the stack shows this line, not the value

    monkeypatch.setattr(lookup.web.views.civic, "find_polling_place", broken)
    client = civic_client(Loaded(tiny_dataset()))
    r = client.get(VOTERINFO, query_string={"address": secret, "date": BEFORE})
    assert r.status_code == 500
    assert_valid(r.json, "ErrorResponse")
    assert r.json["error"]["errors"][0]["reason"] == "backendError"
    assert "Privacy" not in r.get_data(as_text=True)
    assert "unhandled RuntimeError on /civicinfo/v2/voterinfo" in caplog.text
    assert "Privacy" not in caplog.text


# ---- over real HTTP -----------------------------------------------------------------


def google_error(r, status: int, reason: str) -> dict:
    """A Google error body, never the project's, never a server error."""
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert_valid(body, "ErrorResponse")
    assert "ok" not in body and "board_of_elections" not in body
    err = body["error"]
    assert err["code"] == status and err["errors"][0]["reason"] == reason
    assert err["errors"][0]["message"] == err["message"]
    assert "Traceback" not in r.text
    return err


@http
def test_voterinfo_for_the_demo_address(server) -> None:
    r = server.get(VOTERINFO, address=ADDRESS, date=BEFORE, key="ignored-api-key")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert_valid(body, "VoterInfoResponse")
    assert body["kind"] == "civicinfo#voterInfoResponse"
    assert body["election"]["id"] == "20281107" and body["election"]["electionDay"] == "2028-11-07"
    assert body["normalizedInput"] == {
        "line1": "13186 5TH ST",
        "city": "DEMO CITY",
        "state": "NC",
        "zip": "28990",
    }
    assert body["precinctId"] and body["mailOnly"] is False
    (pp,) = body["pollingLocations"]
    assert pp["address"]["line1"] and pp["address"]["locationName"]
    assert "6:30 AM - 7:30 PM" in pp["pollingHours"]
    assert isinstance(pp["latitude"], float) and isinstance(pp["longitude"], float)
    sites = body["earlyVoteSites"]
    assert len(sites) == 6
    for s in sites:
        assert s["name"] and s["address"]["line1"] and s["pollingHours"]
        assert "2028-10-19" <= s["startDate"] <= s["endDate"] <= "2028-11-04"
    local = body["state"][0]["local_jurisdiction"]["electionAdministrationBody"]
    assert local["electionOfficials"][0]["officePhoneNumber"] == "919-555-0100"
    # Demo data is said everywhere a client shows something.
    assert body["election"]["name"].startswith("DEMO ")
    assert all(loc["notes"].startswith("DEMO DATA") for loc in [pp, *sites])
    assert local["electionNoticeText"].startswith("DEMO DATA")
    assert "(fictional)" in local["name"]


@http
def test_official_only_and_all_data_still_say_demo(server) -> None:
    body = server.get(
        VOTERINFO, address=ADDRESS, date=BEFORE, officialOnly="true", returnAllAvailableData="true"
    ).json()
    assert_valid(body, "VoterInfoResponse")
    assert body["pollingLocations"][0]["notes"].startswith("DEMO DATA")
    assert body["pollingLocations"][0]["sources"][0]["official"] is False


@http
def test_without_a_moment_the_server_clock_picks_the_election(server) -> None:
    r = server.get(VOTERINFO, address=ADDRESS)
    if date.today() <= date(2028, 11, 7):
        assert r.status_code == 200 and r.json()["election"]["id"] == "20281107"
    else:  # after the demo's last election: no election covers the address
        assert google_error(r, 400, "invalid")["message"] == "Election unknown"


@http
def test_election_id_of_the_previous_election_gives_its_place(server, demo_ds) -> None:
    # Precinct 005 moved between 2026 and 2028 in the demo county.
    geom = demo_ds.geoms[[p.id for p in demo_ds.precincts].index("005")]
    pt = geom.representative_point()
    where = f"{pt.y:.6f}, {pt.x:.6f}"  # coordinates pasted into the address box
    now = server.get(VOTERINFO, address=where, date=BEFORE).json()
    then = server.get(VOTERINFO, address=where, electionId="20261103", date=BEFORE).json()
    assert_valid(then, "VoterInfoResponse")
    assert then["election"]["id"] == "20261103" and then["election"]["electionDay"] == "2026-11-03"
    before = demo_ds.polling[date(2026, 11, 3)][("DEMO", "005")]
    assert then["pollingLocations"][0]["address"]["line1"] == before.address.line1
    assert now["pollingLocations"][0]["address"] != then["pollingLocations"][0]["address"]
    assert "has changed since the last election" in now["pollingLocations"][0]["notes"]
    assert then["earlyVoteSites"] == []  # none on file for 2026
    same = server.get(VOTERINFO, address=where, electionId="20281107", date=BEFORE).json()
    assert same["pollingLocations"] == now["pollingLocations"]


@http
@pytest.mark.parametrize("election_id", ["4242", "20281108", "-1"])
def test_unknown_election_id(server, election_id: str) -> None:
    r = server.get(VOTERINFO, address=ADDRESS, electionId=election_id, date=BEFORE)
    assert google_error(r, 400, "invalid")["message"] == "Election unknown"


@http
def test_no_election_covers_the_address(server) -> None:
    r = server.get(VOTERINFO, address=ADDRESS, date="2029-01-01")
    assert google_error(r, 400, "invalid")["message"] == "Election unknown"
    partial = server.get(
        VOTERINFO, address=ADDRESS, date="2029-01-01", returnAllAvailableData="true"
    )
    assert partial.status_code == 200
    body = partial.json()
    assert_valid(body, "VoterInfoResponse")
    assert "No upcoming election" in body["pollingLocations"][0]["notes"]


@http
def test_spanish_notes_english_hours(server) -> None:
    body = server.get(VOTERINFO, address=ADDRESS, date=BEFORE, lang="es").json()
    assert body["pollingLocations"][0]["notes"].startswith("DATOS DE DEMOSTRACIÓN")
    assert "6:30 AM - 7:30 PM" in body["pollingLocations"][0]["pollingHours"]


@http
@pytest.mark.parametrize(
    ("params", "status", "reason", "message"),
    [
        ({}, 400, "required", "No address provided"),
        ({"address": ""}, 400, "required", "No address provided"),
        ({"address": "   "}, 400, "required", "No address provided"),
        ({"address": "hello there"}, 400, "parseError", "Failed to parse address"),
        ({"address": "🗳️🗳️"}, 400, "parseError", "Failed to parse address"),
        ({"address": "x" * 1000}, 400, "parseError", "Failed to parse address"),
        ({"address": "28990"}, 400, "parseError", "Failed to parse address:"),
        (
            {"address": "PO Box 1234, Demo City NC 28990"},
            400,
            "parseError",
            "Failed to parse address:",
        ),
        ({"address": "912 Main St"}, 400, "parseError", "Failed to parse address:"),
        ({"address": "999 Nowhere Lane"}, 404, "notFound", "No information for this address"),
        (
            {"address": "13186 5th St, Fort Mill, SC 29715"},
            404,
            "notFound",
            "No information for this address",
        ),
        ({"address": "35.2271, -80.8431"}, 404, "notFound", "No information for this address"),
        ({"address": ADDRESS, "electionId": "abc"}, 400, "invalid", "Invalid value"),
        ({"address": ADDRESS, "officialOnly": "maybe"}, 400, "invalid", "Invalid value"),
        ({"address": ADDRESS, "returnAllAvailableData": "yes"}, 400, "invalid", "Invalid value"),
        ({"address": ADDRESS, "lang": "fr"}, 400, "invalid", "Invalid value"),
        ({"address": ADDRESS, "date": "tomorrow"}, 400, "invalid", "Invalid value"),
        (
            {"address": ADDRESS, "at": "2028-10-24T10:00", "date": BEFORE},
            400,
            "invalid",
            "Invalid value",
        ),
    ],
)
def test_errors_are_in_googles_shape(server, params, status, reason, message) -> None:
    err = google_error(server.get(VOTERINFO, **params), status, reason)
    assert err["message"].startswith(message)
    if reason == "notFound":
        assert "919-555-0100" in err["message"]  # the board to call, as every answer says
    if params.get("address") == "912 Main St":
        assert "ZIP" in err["message"]  # Google has no candidates: ask for more


@http
def test_a_too_long_query_is_refused_in_googles_shape(server) -> None:
    err = google_error(server.get(VOTERINFO, address=ADDRESS, pad="x" * 5000), 400, "invalid")
    assert err["message"] == "Invalid request"


@http
def test_elections_endpoint(server) -> None:
    r = server.get("/civicinfo/v2/elections", key="ignored")
    assert r.status_code == 200
    body = r.json()
    assert_valid(body, "ElectionsQueryResponse")
    assert [(e["id"], e["electionDay"]) for e in body["elections"]] == [
        ("20261103", "2026-11-03"),
        ("20281107", "2028-11-07"),
    ]
    assert all(e["name"].startswith("DEMO ") for e in body["elections"])
    for e in body["elections"]:  # every listed id is accepted by voterinfo
        assert server.get(VOTERINFO, address=ADDRESS, electionId=e["id"]).status_code == 200


@http
def test_other_methods_are_left_to_the_app(server) -> None:
    import requests

    r = requests.post(server.url + VOTERINFO, data={"address": ADDRESS}, timeout=5)
    assert r.status_code == 405
