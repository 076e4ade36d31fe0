"""``GET /openapi.json``: every public endpoint, parameter, response and error code.

Written as data (OpenAPI 3.1, whose schemas are JSON Schema 2020-12), next to the code it
describes; tests check it against the app's routes and validate real responses with it.
"""

from __future__ import annotations

from typing import Any

from lookup import __version__
from lookup.affected import EARLY_VOTING, ELECTION_DAY, MAX_ID, PRECINCT, SITE
from lookup.domain.changes import CLOSE_SITE, KINDS, MAX_TEXT, NOTICE, RELOCATE
from lookup.domain.election_kinds import ElectionKind
from lookup.domain.help_topics import TOPIC_IDS
from lookup.domain.picks import MAX_PICK_CHARS, PICK_PATTERN
from lookup.domain.questions import MAX_TOPICS, allowed_topics
from lookup.domain.site_details import TEXT_FIELDS
from lookup.errors import ERROR_CODES
from lookup.geocode.base import SOURCES
from lookup.geocode.normalize import MAX_ADDRESS_CHARS
from lookup.i18n import DEFAULT_LANG, languages
from lookup.insights.events import API_CHANNELS, QUESTION_CHANNELS, REPORT_TABLES
from lookup.reports.model import CHANNELS as REPORT_CHANNELS
from lookup.reports.model import MAX_NOTE_CHARS, MAX_VERSION_CHARS, REASONS, STATUSES
from lookup.service import NOTICE_CODES, OPEN_FILTERS

_STR: dict[str, Any] = {"type": "string"}
_NSTR: dict[str, Any] = {"type": ["string", "null"]}
_NUM: dict[str, Any] = {"type": "number"}
_NNUM: dict[str, Any] = {"type": ["number", "null"]}
_BOOL: dict[str, Any] = {"type": "boolean"}


# On a site or polling place the Board's staff closed at the answer's moment.
_CLOSED = {
    "closed_reason": {"type": "string", "description": "Why, in the answer's language."},
    "closed_until": {"type": "string", "description": "When it ends, local ISO time."},
}


def _obj(props: dict[str, Any], optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": [k for k in props if k not in optional],
        "additionalProperties": False,
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or _STR,
    }


_ADDRESS = _param(
    "address",
    "A one-line street address (or a pasted 'lat, lon'). Give address or lat/lon.",
    {"type": "string", "maxLength": MAX_ADDRESS_CHARS},
)
_LAT = _param("lat", "Latitude, WGS84.", _NUM)
_PICK = _param(
    "pick",
    "A candidate's token from an address_ambiguous answer (details.candidates[].pick): "
    "answers exactly that candidate, at its point, with match.picked true. Give it alone, "
    "without address or lat/lon. Opaque, URL-safe (version 1: '1' + unpadded base64url of "
    "[lat, lon, source, address, row]); a garbled, altered or oversized token, or one "
    "from another data version whose address point or place no longer matches, is 400 "
    "invalid_parameter (details.parameter pick, reason malformed, too_long, combined, "
    "out_of_range or stale); a point outside the county is outside_jurisdiction.",
    {"type": "string", "maxLength": MAX_PICK_CHARS, "pattern": PICK_PATTERN},
)
_LON = _param("lon", "Longitude, WGS84.", _NUM)
_DATE = _param("date", "Answer as of noon that day (YYYY-MM-DD, local time).")
_AT = _param("at", "Answer as of this local time (YYYY-MM-DDTHH:MM, America/New_York).")
_OPEN = _param(
    "open", "Keep only early-voting sites open today or now.", {"enum": list(OPEN_FILTERS)}
)
_INCLUDE = _param(
    "include",
    "schedule: each early-voting site's day-by-day hours too (left out by default; every "
    "answer has today's hours, open_now, next_open and state).",
    {"type": "string", "enum": ["schedule"]},
)
_CHANNEL = _param(
    "channel",
    "Who asks, for the aggregate insight counters (default api): rep = the 311 console, "
    "widget = the resident widget. Nothing about the caller is kept.",
    {"type": "string", "enum": list(API_CHANNELS)},
)
_REPEAT = _param(
    "repeat",
    "lang: the 311 console asks again, in its script's language, for the answer it shows "
    "(its closure reasons, emergency and access details are texts of their own in each "
    "language). Served and rate-limited as any look-up, but not counted again in the "
    "aggregate insight counters: one caller, one look-up. Only with channel=rep (else 400 "
    "invalid_parameter, details.parameter repeat, reason needs_channel_rep).",
    {"type": "string", "enum": ["lang"]},
)
_PLACE_AND_MOMENT = [_ADDRESS, _LAT, _LON, _PICK, _DATE, _AT]


# Beside the BOE's own name and address (what its files say), the forms people read and
# say: ``lookup.outputs.display``.
_DISPLAY: dict[str, Any] = {
    "display_name": {
        **_STR,
        "description": "The name as shown: title case (McDowell, YMCA, of/the), "
        "abbreviations spelled out (ELEM, REC, MT), a name the BOE cut short only to its "
        "last whole word; for a place without a usable name (Q, TBD) 'Polling place at "
        "<street>', in the answer's language.",
    },
    "spoken_name": {
        **_NSTR,
        "description": "null: read display_name. Else what to read in its place, in the "
        "answer's language: 'the polling place at <street>, <town>' for a place "
        "without a usable name.",
    },
    "name_complete": {
        **_BOOL,
        "description": "false: the BOE cut the name short (30 characters) and no other "
        "source completed it; display_name stops at its last whole word.",
    },
    "display_address": {
        **_STR,
        "description": "One line, abbreviations spelled out: '2412 Beatties Ford Road, "
        "Charlotte, NC 28216'.",
    },
    "spoken_address": {
        **_STR,
        "description": "The street and town as read aloud: '2412 Beatties Ford Road, Charlotte'.",
    },
}


# The county's details of a building (``lookup refresh --site-details``):
# ``api_json.details_json``.
_DETAIL_TEXT: dict[str, Any] = {
    **_NSTR,
    "description": "In the answer's language, else English (text_lang says which); null: "
    "not known.",
}
_DETAILS: dict[str, Any] = {
    **_obj(
        {
            **dict.fromkeys(TEXT_FIELDS, _DETAIL_TEXT),
            "photo_url": {**_NSTR, "description": "An https address of a photo; null: none."},
            "phone": {**_NSTR, "description": "The place's phone on the day, 704-555-0100."},
            "text_lang": {
                "type": "object",
                "additionalProperties": {"enum": list(languages())},
                "description": "The language of each text given (a text given only in "
                "English is served in English in every language).",
            },
        }
    ),
    "description": "What the county says of the building (accessible entrance and "
    "parking, curbside voting, transit, notes, photo, phone); every field null when it "
    "gave none. Never guessed.",
}


def _schemas() -> dict[str, Any]:
    address = _obj({"line1": _STR, "city": _STR, "state": _STR, "zip": _STR})
    hours = _obj({"open": _STR, "close": _STR})
    state = _obj(
        {
            "kind": {
                "enum": ["open", "later", "next", "ended", "closed"],
                "description": "open: open now, in the span open-close of day (today); "
                "later: opens later today at open (until close); next: closed for the rest "
                "of today, opens next on day at open (until close); ended: never opens "
                "again this election (open, close and day null); closed: closed now by the "
                "Board's staff (closed_reason), reopening on day at open (until close), "
                "or null when it does not reopen.",
            },
            "open": {**_NSTR, "description": "HH:MM, local."},
            "close": {**_NSTR, "description": "HH:MM, local; null when not known."},
            "day": {**_NSTR, "description": "YYYY-MM-DD, local (as_of for open and later)."},
        }
    )
    board = _obj({"name": _STR, "phone": _STR, "url": _STR, "address": _STR})
    election = _obj(
        {
            "date": _STR,
            "name": {**_STR, "description": "As published (English): 'General Election'."},
            "kind": {
                "type": ["string", "null"],
                "enum": [*(k.value for k in ElectionKind), None],
                "description": "The kind the name says; null for a name typed freely.",
            },
            "display_name": {
                **_STR,
                "description": "The name in the answer's language ('Elección General'); "
                "a name of no kind as typed.",
            },
            "polls_open": _STR,
            "polls_close": _STR,
            "early_voting_start": _NSTR,
            "early_voting_end": _NSTR,
        }
    )
    site = _obj(
        {
            "id": _STR,
            "name": _STR,
            "address": address,
            **_DISPLAY,
            "lat": _NNUM,
            "lon": _NNUM,
            "distance_miles": _NNUM,
            "open_now": _BOOL,
            "hours_today": {"type": ["array", "null"], "items": hours},
            "next_open": _NSTR,
            "state": {
                **state,
                "description": "What the site is doing at the answer's moment: what the "
                "console and the widget say of it.",
            },
            **_CLOSED,
            "schedule": {
                "type": "array",
                "items": _obj({"date": _STR, "open": _NSTR, "close": _NSTR}),
            },
            "directions_url": {
                **_NSTR,
                "description": "null for a site whose address is not known yet (TBD in "
                "the county's list): its address fields are empty and it has no distance.",
            },
            "details": _DETAILS,
        },
        # schedule with include=schedule; closed_* on a site the staff closed now
        optional=("schedule", *_CLOSED),
    )
    place = _obj(
        {
            "id": _STR,
            "name": _STR,
            "address": address,
            **_DISPLAY,
            "lat": _NNUM,
            "lon": _NNUM,
            "hours": _obj({"date": _STR, "open": _STR, "close": _STR}),
            "directions_url": _STR,
            "details": _DETAILS,
            **_CLOSED,
        },
        optional=tuple(_CLOSED),  # a place the staff closed now
    )
    notice = _obj(
        {
            "code": {
                "enum": [*NOTICE_CODES, "election_notice"],
                "description": "staff_change: a notice the Board's staff posted on the day "
                "(message in the answer's language).",
            },
            "message": _STR,
        }
    )
    match = _obj(
        {
            "address": _STR,
            "lat": _NUM,
            "lon": _NUM,
            "source": {"enum": [*SOURCES, "coordinates"]},
            "score": _NUM,
            "normalized": _STR,
            "parsed": {"type": "object", "additionalProperties": _STR},
            "points": {"type": "integer", "minimum": 1},
            "place": {"anyOf": [_obj({"name": _STR, "kind": _STR}), {"type": "null"}]},
            "picked": {
                **_BOOL,
                "description": "true: the answer to a candidate chosen with pick= (score 1: "
                "chosen, not searched; address and source as the candidate had them).",
            },
        }
    )
    precinct = _obj({"id": _STR, "name": _STR, "county": _STR})
    answer = _obj(
        {
            "ok": {"const": True},
            "demo": _BOOL,
            "data_version": _STR,
            "as_of": _STR,
            "match": match,
            "precinct": precinct,
            "verify": _BOOL,
            "election": {"anyOf": [election, {"type": "null"}]},
            "polling_place": {"anyOf": [place, {"type": "null"}]},
            "changed": {"type": ["boolean", "null"]},
            "changed_reason": {
                "enum": ["since_last_election", "emergency", None],
                "description": "Why changed is true: since_last_election (another building "
                "than at the previous election; previous_polling_place is that one) or "
                "emergency (moved by the Board's staff for now: polling_place is the new "
                "place, id change:<id>, previous_polling_place the usual one); null when "
                "changed is not true.",
            },
            "changed_note": {
                **_NSTR,
                "description": "With emergency: the staff's reason, in the answer's language.",
            },
            "changed_until": {
                **_NSTR,
                "description": "With emergency: when the move ends, local ISO time.",
            },
            "previous_polling_place": {
                "anyOf": [_obj({"name": _STR, "address": address, **_DISPLAY}), {"type": "null"}]
            },
            "early_voting_sites": {"type": "array", "items": site},
            "early_voting_outlook": _obj(
                {
                    "when": {
                        "enum": ["today", "next", "ended"],
                        "description": "today: some listed site is open now or opens "
                        "later today (state.kind open or later); next: none until day, when "
                        "the listed sites whose state.day it is open; ended: none opens "
                        "again (also when no site is listed).",
                    },
                    "day": {**_NSTR, "description": "YYYY-MM-DD with when=next, else null."},
                }
            ),
            "open_instead": {
                "type": ["array", "null"],
                "items": _obj(
                    {"id": _STR, "name": _STR, "display_name": _STR, "distance_mi": _NNUM}
                ),
                "description": "null unless an early-voting site of the county is closed "
                "by the Board's staff now; then the nearest (up to 3) sites open now, "
                "possibly none.",
            },
            "notices": {"type": "array", "items": notice},
            "help_topics": {
                "type": "array",
                "items": {"enum": list(TOPIC_IDS)},
                "uniqueItems": True,
                "description": "The ids of the Board's answers (GET /api/v1/help) that apply "
                "at the answer's moment, in display order: same_day_registration only while "
                "early voting is open in the voter's county, mail_ballot_return until 7:30 "
                "p.m. on Election Day, the others while an election is ahead; with none "
                "ahead, am_i_registered, moved and photo_id.",
            },
            "board_of_elections": board,
        }
    )
    early = _obj(
        {
            k: answer["properties"][k]
            for k in (
                "ok",
                "demo",
                "data_version",
                "as_of",
                "match",
                "precinct",
                "election",
                "early_voting_sites",
                "early_voting_outlook",
                "open_instead",
                "notices",
                "board_of_elections",
            )
        }
    )
    error = _obj(
        {
            "ok": {"const": False},
            "status": {"type": "integer"},
            "error": _obj(
                {
                    "code": {"enum": list(ERROR_CODES)},
                    "message": _STR,
                    "details": {"type": "object"},
                }
            ),
            "board_of_elections": board,
            "demo": _BOOL,
        },
        optional=("demo",),
    )
    suggestions = _obj(
        {
            "data_version": _STR,
            "demo": _BOOL,
            "suggestions": {
                "type": "array",
                "items": _obj(
                    {
                        "address": {
                            "type": "string",
                            "description": "Text to send back as lookup's address=: a "
                            "street address, or a named place's label (its name).",
                        },
                        "lat": _NUM,
                        "lon": _NUM,
                        "place": {
                            **_obj({"name": _STR, "kind": _STR}),
                            "description": "Only for a named place: its published name and "
                            "kind (polling_place, early_voting_site, library, school...).",
                        },
                    },
                    optional=("place",),
                ),
            },
        }
    )
    elections = _obj(
        {
            "ok": {"const": True},
            "demo": _BOOL,
            "data_version": _STR,
            "as_of": _STR,
            "active": {"anyOf": [election, {"type": "null"}]},
            "elections": {
                "type": "array",
                "items": {
                    **election,
                    "properties": {
                        **election["properties"],
                        "status": {
                            "enum": [
                                "before_early_voting",
                                "early_voting",
                                "before_election_day",
                                "election_day",
                                "over",
                            ]
                        },
                    },
                    "required": [*election["required"], "status"],
                },
            },
            "board_of_elections": board,
        }
    )
    help_topic = _obj(
        {
            "id": {**_STR, "pattern": "^[a-z][a-z0-9_]{0,39}$"},
            "title": _STR,
            "body": {**_STR, "description": "Plain text, short, written to be read aloud."},
            "source_url": {
                **_STR,
                "format": "uri",
                "description": "The official page (https) the answer is written from.",
            },
            "reviewed": {
                **_STR,
                "format": "date",
                "description": "When the Board last checked it against that page.",
            },
        }
    )
    help_topics = _obj(
        {
            "lang": _STR,
            "topics": {
                "type": "array",
                "items": help_topic,
                "description": "In the Board's order; every language has the same ids, at "
                f"least: {', '.join(TOPIC_IDS)}.",
            },
        }
    )
    return {
        "Answer": answer,
        "HelpTopics": help_topics,
        "EarlyVoting": early,
        "Elections": elections,
        "Suggestions": suggestions,
        "Error": error,
        "PrecinctFeature": _obj(
            {
                "type": {"const": "Feature"},
                "bbox": {"type": "array", "items": _NUM, "minItems": 4, "maxItems": 4},
                "geometry": _obj(
                    {
                        "type": {"enum": ["Polygon", "MultiPolygon"]},
                        "coordinates": {"type": "array"},
                    }
                ),
                "properties": precinct,
            }
        ),
        "Health": _obj({"ok": _BOOL}),
        "Ready": _obj({"ok": _BOOL, "data_version": _STR, "demo": _BOOL}),
    }


def _json(schema: str, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


_ERRORS = {
    "400": _json(
        "Error",
        "Bad input: invalid_parameter, address_unparseable, address_incomplete, address_po_box",
    ),
    "404": _json(
        "Error",
        "address_not_found, outside_jurisdiction, not_found; outside_jurisdiction with "
        "reason other_county: an address of another North Carolina county, details.county "
        "(null when its town is in several: details.counties), details.board (its board; "
        "phone null when unknown) and details.state_board (who can give its number)",
    ),
    "422": _json(
        "Error",
        "address_ambiguous: details.candidates to choose from, one per precinct, each with "
        "its address, lat, lon, source, points, precinct, pick (the token that answers it: "
        "lookup?pick=) and label (what tells it from the others, in lang: its address and "
        "precinct; two candidates never share a label); "
        "address_incomplete with reason no_number: a street without a house number that "
        "crosses precinct lines, details.precincts to choose from",
    ),
    "429": _json("Error", "rate_limited: details.retry_after (seconds); Retry-After header"),
    "503": _json("Error", "dataset_unavailable, geocoder_unavailable"),
}


def _get(summary: str, params: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"summary": summary, "parameters": params, "responses": {"200": ok, **_ERRORS}}}


_PERIOD = [
    _param("from", "First day (YYYY-MM-DD); default: 29 days before to."),
    _param("to", "Last day (YYYY-MM-DD); default: today."),
]


def _staff(summary: str, params: list[dict[str, Any]], ok: dict[str, Any]) -> dict[str, Any]:
    """A staff route: the admin token as a bearer token (``admin.staff_only``)."""
    errors = {
        "400": _json("Error", "invalid_parameter: a bad from, to or table"),
        "401": _json("Error", "unauthorized: missing or wrong admin token"),
        "403": _json("Error", "admin_disabled: no admin token configured"),
        "404": _json("Error", "not_found: insights are off (LOOKUP_INSIGHTS=off)"),
        "503": _json("Error", "insights_unavailable: the counters' database cannot be reached"),
    }
    op = {"summary": summary, "parameters": params, "security": [{"bearerAuth": []}]}
    return {"get": {**op, "responses": {"200": ok, **errors}}}


def _questions(lang: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/v1/questions``: the topics of one call or one opened answer."""
    body = {
        "type": "object",
        "properties": {
            "topics": {
                "type": "array",
                "items": {"enum": allowed_topics(TOPIC_IDS)},
                "minItems": 1,
                "maxItems": MAX_TOPICS,
                "description": "What was asked: the console's marks (where_to_vote, "
                "early_voting_hours, photo_id, registration, mail_ballot, moved, "
                "accessibility, other) or the id of a help topic a resident opened (any id "
                "of /api/v1/help, which a county may extend). A topic given twice counts once.",
            },
            "channel": {"enum": list(QUESTION_CHANNELS), "description": "rep: the 311 console."},
            "lang": {**lang["schema"], "description": "The language of the call or answer."},
        },
        "required": ["topics", "channel"],
    }
    return {
        "post": {
            "summary": "Count what a caller asked (topic ids only, for the aggregate "
            "insights table topics); nothing else is kept",
            "parameters": [],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body}},
            },
            "responses": {
                "204": {"description": "Counted (with insights off: accepted, not counted)"},
                "400": _json(
                    "Error",
                    "invalid_parameter: the body is not a JSON object, or details.parameter "
                    "names topics (reason not_a_list, too_many, unknown with details.allowed), "
                    "channel or lang",
                ),
                "413": _json("Error", "payload_too_large"),
                "429": _ERRORS["429"],
            },
        }
    }


def _report() -> dict[str, Any]:
    """One report from the front line as staff see it."""
    answered = _obj(
        {
            "outcome": {**_STR, "description": "ok, or the error code a look-up answered"},
            "county": _STR,
            "precinct": _STR,
            "precinct_name": _STR,
            "place_id": _STR,
            "place_name": _STR,
            "place_address": _STR,
        }
    )
    stamp = {**_STR, "description": "UTC, YYYY-MM-DDTHH:MM:SSZ"}
    return _obj(
        {
            "id": _STR,
            "created": stamp,
            "channel": {"enum": list(REPORT_CHANNELS)},
            "lang": _STR,
            "reason": {"enum": list(REASONS)},
            "note": _STR,
            "address": _NSTR,
            "lat": _NNUM,
            "lon": _NNUM,
            "client_data_version": {
                **_NSTR,
                "description": "The data version the reporter's answer named (null: not sent)",
            },
            "data_version": {
                **_STR,
                "description": "The live version the report was answered against when filed",
            },
            "answered": answered,
            "status": {"enum": list(STATUSES)},
            "closed_at": {**_NSTR, "description": "When resolved or withdrawn (UTC)"},
        }
    )


def _file_report(lang: dict[str, Any]) -> dict[str, Any]:
    """``POST /api/v1/reports``: "this looks wrong" from the console or the widget."""
    body = {
        "type": "object",
        "properties": {
            "reason": {"enum": list(REASONS)},
            "note": {"type": "string", "maxLength": MAX_NOTE_CHARS},
            "address": {"type": "string", "maxLength": MAX_ADDRESS_CHARS},
            "lat": _NUM,
            "lon": _NUM,
            "data_version": {"type": "string", "maxLength": MAX_VERSION_CHARS},
            "channel": {"enum": list(REPORT_CHANNELS), "description": "rep: the 311 console"},
            "lang": {**lang["schema"], "description": "The language of the answer reported."},
        },
        "required": ["reason", "channel"],
    }
    return {
        "post": {
            "summary": "Report that an answer looks wrong: the reason, an optional note and "
            "the address or lat/lon (one of them) to re-check it by; kept for staff only "
            "(never counted or logged) and re-checked by every data refresh",
            "parameters": [],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "202": {
                    "description": "Filed",
                    "content": {"application/json": {"schema": _obj({"id": _STR})}},
                },
                "400": _json(
                    "Error",
                    "invalid_parameter: the body is not a JSON object, or details.parameter "
                    "names reason, note (too_long, control), address (missing, combined, "
                    "too_long), lat/lon, data_version, channel or lang",
                ),
                "413": _json("Error", "payload_too_large"),
                "429": _json(
                    "Error",
                    "rate_limited: a widget report spends its own budget "
                    "(LOOKUP_REPORT_RATE_LIMIT), a console report the look-ups'",
                ),
                "500": _json("Error", "internal_error: the reports database cannot be written"),
                "503": _json("Error", "dataset_unavailable"),
            },
        }
    }


_STAFF_ERRORS = {
    "401": _json("Error", "unauthorized: missing or wrong admin token"),
    "403": _json("Error", "admin_disabled: no admin token configured"),
    "500": _json("Error", "internal_error: the reports database cannot be read"),
}


def _list_reports(lang: dict[str, Any]) -> dict[str, Any]:
    listing = _obj({"reports": {"type": "array", "items": _report()}, "open": {"type": "integer"}})
    return {
        "get": {
            "summary": "Staff: the reports from the front line, newest first (JSON, or the "
            "page with format=html or Accept: text/html); reports closed more than "
            "LOOKUP_REPORTS_RETENTION_DAYS ago are deleted",
            "parameters": [
                _param("status", "Which (default open).", {"enum": [*STATUSES, "all"]}),
                _param("format", "html: the staff page.", {"enum": ["json", "html"]}),
                lang,
            ],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "The reports, and how many are open",
                    "content": {
                        "application/json": {"schema": listing},
                        "text/html": {"schema": _STR},
                    },
                },
                "400": _json("Error", "invalid_parameter: unknown status"),
                **_STAFF_ERRORS,
            },
        }
    }


def _close_report(action: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": f"Staff: {action} an open report (a closed one stays as it was)",
            "parameters": [{"name": "report_id", "in": "path", "required": True, "schema": _STR}],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "The report as it is now",
                    "content": {"application/json": {"schema": _report()}},
                },
                "303": {"description": "A form of the staff page: back to the page"},
                "404": _json("Error", "not_found: no such report (or deleted)"),
                **_STAFF_ERRORS,
            },
        }
    }


_MOMENT = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"}
_CHANGE_ERRORS = {
    "401": _json("Error", "unauthorized: missing or wrong admin token"),
    "403": _json("Error", "admin_disabled: no admin token configured"),
    "500": _json("Error", "internal_error: the changes file cannot be read or written"),
}


def _change_body() -> dict[str, Any]:
    """What staff post: one of three kinds (``lookup.domain.changes``)."""
    texts = {
        "type": "object",
        "properties": {code: {**_STR, "maxLength": MAX_TEXT} for code in languages()},
        "required": [DEFAULT_LANG],
        "additionalProperties": False,
    }
    address = _obj({"line1": _STR, "city": _STR, "zip": _STR})
    place = _obj({"name": _STR, "address": address, "lat": _NUM, "lon": _NUM})
    common = {"from": _MOMENT, "to": _MOMENT, "by": _STR}
    precincts = {"type": ["array", "null"], "items": _STR, "minItems": 1}
    close = {"kind": {"const": CLOSE_SITE}, "site_id": _STR, "county": _STR, **common}
    move = {"kind": {"const": RELOCATE}, "precinct_id": _STR, "county": _STR, **common}
    notice = {"kind": {"const": NOTICE}, "precincts": precincts, "county": _STR, **common}
    return {
        "oneOf": [
            _obj(close | {"reason": texts}, ("by", "county")),
            _obj(move | {"place": place, "reason": texts}, ("by", "county")),
            _obj(notice | {"message": texts}, ("by", "county")),
        ]
    }


def _stored_change() -> dict[str, Any]:
    """A change as stored and listed: the posted fields, its id, when and by whom."""
    texts = {"type": "object", "additionalProperties": _STR}
    props = {
        "id": _STR,
        "kind": {"enum": list(KINDS)},
        "site_id": _STR,
        "county": _STR,
        "precinct_id": _STR,
        "precincts": {"type": ["array", "null"], "items": _STR},
        "from": _STR,
        "to": _STR,
        "place": {"type": "object"},
        "reason": texts,
        "message": texts,
        "created": {**_STR, "description": "when it was posted (UTC, ISO 8601)"},
        "by": {**_STR, "description": "who posted it, as they gave it"},
        "status": {"enum": ["active", "pending", "over"]},
    }
    required = ("id", "kind", "from", "to", "created", "by")
    return _obj(props, tuple(k for k in props if k not in required))


def _changes() -> dict[str, Any]:
    """``/admin/changes``: post a change on the day, list them."""
    header = {
        "X-Changes-Version": {
            "description": "The changes file this worker applies: equal values, equal changes",
            "schema": _STR,
        }
    }
    listed = _obj({"changes": {"type": "array", "items": _stored_change()}})
    posted = _obj({"id": _STR, "change": _stored_change()})
    return {
        "get": {
            "summary": "Staff: the changes on the day as this worker applies them (every "
            "worker within 5 seconds of a post), with who posted each and when",
            "parameters": [
                _param("active", "now: only those whose window holds now.", {"enum": ["now"]}),
            ],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "The changes, oldest first",
                    "headers": header,
                    "content": {"application/json": {"schema": listed}},
                },
                "400": _json("Error", "invalid_parameter: active is not now"),
                **_CHANGE_ERRORS,
            },
        },
        "post": {
            "summary": "Staff: close a site or polling place for a window, relocate a "
            "precinct's Election Day place, or post a notice (times local, "
            "America/New_York); checked against the live data, stored beside it",
            "parameters": [],
            "security": [{"bearerAuth": []}],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _change_body()}},
            },
            "responses": {
                "201": {
                    "description": "Stored; applied by every worker within 5 seconds",
                    "headers": header,
                    "content": {"application/json": {"schema": posted}},
                },
                "400": _json(
                    "Error",
                    "invalid_parameter: details.field names the part refused and "
                    "details.reason says why (bad_window, in_the_past, unknown_id, "
                    "outside_county, overlap, unknown_field, missing, too_long...); "
                    "nothing is stored",
                ),
                "413": _json("Error", "payload_too_large"),
                "503": _json("Error", "dataset_unavailable"),
                **_CHANGE_ERRORS,
            },
        },
    }


def _withdraw_change() -> dict[str, Any]:
    return {
        "delete": {
            "summary": "Staff: withdraw a change on the day (every worker within 5 seconds)",
            "parameters": [{"name": "change_id", "in": "path", "required": True, "schema": _STR}],
            "security": [{"bearerAuth": []}],
            "responses": {
                "204": {"description": "Withdrawn"},
                "404": _json("Error", "not_found: no such change"),
                **_CHANGE_ERRORS,
            },
        }
    }


def _affected(lang: dict[str, Any]) -> dict[str, Any]:
    """``GET /admin/affected`` (``lookup.outputs.affected``): counts, never names."""
    count = {"type": ["integer", "null"], "minimum": 0}
    row = _obj(
        {
            "county": _STR,
            "precinct": _STR,
            "precinct_name": _STR,
            "address_points": count,
            "affected_points": count,
            "polling_place_id": _STR,
            "polling_place_name": _STR,
            "place_kind": {"enum": [ELECTION_DAY, EARLY_VOTING]},
        }
    )
    place = _obj(
        {
            "kind": {"enum": [ELECTION_DAY, EARLY_VOTING]},
            "id": _STR,
            "name": _STR,
            "county": _STR,
            "placed": _BOOL,
        }
    )
    body = _obj(
        {
            "ok": _BOOL,
            "demo": _BOOL,
            "data_version": _STR,
            "target": {"enum": [SITE, PRECINCT]},
            "id": _STR,
            "election": {
                "oneOf": [_obj({"date": _STR, "name": _STR}), {"type": "null"}],
            },
            "places": {"type": "array", "items": place},
            "precinct": {
                "oneOf": [_obj({"county": _STR, "id": _STR, "name": _STR}), {"type": "null"}],
            },
            "address_points_known": _BOOL,
            "total_points": count,
            "affected_points": count,
            "rows": {"type": "array", "items": row},
        }
    )
    ident = {"type": "string", "maxLength": MAX_ID}
    return {
        "get": {
            "summary": "Staff: who is affected when a place closes or moves: the precincts "
            "whose voters are sent to an Election Day polling place (every address point of "
            "the precincts assigned to it) or an early-voting site (the address points for "
            "which it is the county's nearest site, in a straight line), or a precinct's "
            "place and nearest sites; counts of the county's address points, never names. "
            "A count is null where it cannot be known (no address points in the data, a "
            "site without coordinates). The page (default), format=csv for outreach, or "
            "format=json; the page without site or precinct is the form alone",
            "parameters": [
                _param("site", "A polling-place or early-voting site id.", ident),
                _param("precinct", "A precinct id (001, 1 or PCT 001); not with site.", ident),
                _param("county", "The county, where ids repeat across counties."),
                _param(
                    "format", "What to answer (default html).", {"enum": ["html", "csv", "json"]}
                ),
                _DATE,
                _AT,
                lang,
            ],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {
                    "description": "The precincts and places, most affected first",
                    "content": {
                        "application/json": {"schema": body},
                        "text/csv": {"schema": _STR},
                        "text/html": {"schema": _STR},
                    },
                },
                "400": _json(
                    "Error",
                    "invalid_parameter: site and precinct both, neither (csv, json), an empty "
                    "or too long id, a precinct id in several counties without county, a bad "
                    "format, date or at",
                ),
                "401": _STAFF_ERRORS["401"],
                "403": _STAFF_ERRORS["403"],
                "404": _json("Error", "not_found: no place or precinct with this id"),
                "503": _json("Error", "dataset_unavailable"),
            },
        }
    }


def _google(description: str) -> dict[str, Any]:
    """Google's shapes (see its discovery document for civicinfo v2)."""
    return {"description": description, "content": {"application/json": {"schema": {}}}}


# Statuses any operation can answer, whatever its parameters: a query string over 4 KB, a
# request line or a header over gunicorn's 8 KB (``serving.Worker`` has the app answer it),
# and a failure of the server's own. The Civic routes answer them in Google's shape.
_ANY_OPERATION = {
    "400": "invalid_parameter with reason too_long: a query string over 4 KB, a request "
    "line or a header over 8 KB",
    "500": "internal_error: a failure of the server's own",
}
# The Civic routes the look-ups' rate limit counts (``hooks.rate_limits.LOOKUP_ENDPOINTS``).
_RATE_LIMITED = ("/api/v1/precinct.geojson", "/civicinfo/v2/voterinfo")


def _every_status(paths: dict[str, Any]) -> None:
    """Add to each operation the statuses it can answer that it does not document yet."""
    for path, ops in paths.items():
        civic = path.startswith("/civicinfo/")
        extra = dict(_ANY_OPERATION)
        if path in _RATE_LIMITED:
            extra["429"] = _ERRORS["429"]["description"]
        for op in ops.values():
            for status, description in extra.items():
                shaped = _google(f"Google error: {description}") if civic else None
                op["responses"].setdefault(status, shaped or _json("Error", description))


def spec() -> dict[str, Any]:
    # The languages are the catalogs' folders, listed when the spec is built, not at import.
    lang = _param("lang", "Language of messages.", {"type": "string", "enum": list(languages())})
    where = [*_PLACE_AND_MOMENT, lang]
    ics = {"description": "An iCalendar file", "content": {"text/calendar": {"schema": _STR}}}
    paths = {
        "/api/v1/lookup": _get(
            "Precinct, Election Day polling place and early-voting sites for an address or point",
            [*where, _OPEN, _INCLUDE, _CHANNEL, _REPEAT],
            _json("Answer"),
        ),
        "/api/v1/early-voting": _get(
            "The early-voting sites of the voter's county, nearest first, with status",
            [*where, _OPEN, _INCLUDE, _CHANNEL],
            _json("EarlyVoting"),
        ),
        "/api/v1/elections": _get(
            "Every election in the data and the active one", [_DATE, _AT, lang], _json("Elections")
        ),
        "/api/v1/suggest": _get(
            "Address suggestions from the county's address points; without a leading "
            "house number, also the named places (polling places, early-voting sites, "
            "facilities) whose words start as typed",
            [
                _param(
                    "q",
                    "What has been typed so far: '4337 glenw', or a place's name 'beatties fo'.",
                    {"type": "string", "maxLength": 200},
                ),
                _param(
                    "limit", "1-20 (default 10).", {"type": "integer", "minimum": 1, "maximum": 20}
                ),
                lang,
            ],
            _json("Suggestions"),
        ),
        "/api/v1/calendar.ics": _get(
            "Election Day at the polling place, or an early-voting site on a day (site + day)",
            [
                *where,
                _param("site", "An early-voting site id."),
                _param("day", "YYYY-MM-DD, with site."),
                _CHANNEL,
            ],
            ics,
        ),
        "/api/v1/precinct.geojson": {
            "get": {
                "summary": "One precinct's boundary as a GeoJSON Feature (WGS84), simplified "
                "for display (about 1 m) and rounded to 6 decimals; cacheable for an hour",
                "parameters": [
                    {
                        # An empty value is refused like a missing one (400).
                        **_param(
                            "county",
                            "The precinct's county, as in precinct.county.",
                            {"type": "string", "minLength": 1},
                        ),
                        "required": True,
                    },
                    {
                        **_param(
                            "id",
                            "The precinct id, as in precinct.id.",
                            {"type": "string", "minLength": 1},
                        ),
                        "required": True,
                    },
                    lang,
                ],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {"application/geo+json": {"schema": _ref("PrecinctFeature")}},
                    },
                    "400": _json("Error", "invalid_parameter: county or id missing"),
                    "404": _json("Error", "not_found: no such precinct"),
                    "503": _ERRORS["503"],
                },
            }
        },
        "/api/v1/questions": _questions(lang),
        "/api/v1/reports": _file_report(lang),
        "/api/v1/strings": {
            "get": {
                "summary": "The resident widget's strings in one language (the widget "
                "catalog section), the languages offered, the demo flag and the board",
                "parameters": [lang],
                "responses": {
                    "200": {
                        "description": "OK",
                        "content": {
                            "application/json": {
                                "schema": _obj(
                                    {
                                        "lang": _STR,
                                        "locale": _STR,
                                        "languages": {
                                            "type": "array",
                                            "items": _obj({"code": _STR, "name": _STR}),
                                        },
                                        "demo": _BOOL,
                                        "demo_notice": _STR,
                                        "board_of_elections": _obj(
                                            {
                                                "name": _STR,
                                                "phone": _STR,
                                                "url": _STR,
                                                "address": _STR,
                                            }
                                        ),
                                        "strings": {
                                            "type": "object",
                                            "additionalProperties": _STR,
                                        },
                                        # LOOKUP_TILE_URL ({z}/{x}/{y}) and its credit
                                        "map_tiles": {
                                            "anyOf": [
                                                _obj({"url": _STR, "attribution": _STR}),
                                                {"type": "null"},
                                            ]
                                        },
                                        # what a report from the widget may give as reason
                                        "report_reasons": {"type": "array", "items": _STR},
                                    }
                                )
                            }
                        },
                    },
                    "400": _json("Error", "invalid_parameter: unknown lang"),
                    "503": _ERRORS["503"],
                },
            }
        },
        "/api/v1/help": {
            "get": {
                "summary": "The Board's answers to callers' questions (photo ID, same-day "
                "registration, mail ballots...) in one language, each with its official "
                "source and the date it was last reviewed; look-up answers link them by id "
                "(help_topics)",
                "parameters": [lang],
                "responses": {
                    "200": _json("HelpTopics"),
                    "400": _json("Error", "invalid_parameter: unknown lang"),
                },
            }
        },
        "/civicinfo/v2/voterinfo": {
            "get": {
                "summary": "Google Civic Information API v2 voterinfo, same field names and "
                "nesting (existing clients can point here); errors in Google's error body. "
                "dropOffLocations: where a mail ballot can be returned by hand at the "
                "moment asked: the county board's office (name and address) until 7:30 "
                "p.m. on Election Day, and every early-voting site of the county (with its "
                "hours) while early voting is open there; empty after 7:30 p.m. on "
                "Election Day (North Carolina has no drop boxes)",
                "parameters": [
                    {**_ADDRESS, "required": True},
                    _param("electionId", "An election id from /civicinfo/v2/elections."),
                    _param("officialOnly", "true/false.", _BOOL),
                    _param("returnAllAvailableData", "true/false.", _BOOL),
                    _param("key", "Accepted and ignored."),
                    _DATE,
                    _AT,
                    lang,
                ],
                "responses": {
                    "200": _google("civicinfo#voterInfoResponse"),
                    "400": _google("Google error: parseError, required, invalid"),
                    "404": _google("Google error: notFound"),
                    "503": _google("Google error: backendError"),
                },
            }
        },
        "/civicinfo/v2/elections": {
            "get": {
                "summary": "Google Civic Information API v2 elections",
                "parameters": [],
                "responses": {"200": _google("civicinfo#electionsQueryResponse")},
            }
        },
        "/admin/insights": _staff(
            "Staff: what residents ask, as aggregate counts (charts and tables; counts "
            "under the threshold merged or withheld)",
            [*_PERIOD, lang],
            {"description": "An HTML page", "content": {"text/html": {"schema": _STR}}},
        ),
        "/admin/insights.csv": _staff(
            "Staff: one table of the insights report as CSV",
            [
                {**_param("table", "A table.", {"enum": list(REPORT_TABLES)}), "required": True},
                *_PERIOD,
            ],
            {"description": "CSV with a header row", "content": {"text/csv": {"schema": _STR}}},
        ),
        "/admin/reports": _list_reports(lang),
        "/admin/reports/{report_id}/resolve": _close_report("resolve"),
        "/admin/reports/{report_id}/withdraw": _close_report("withdraw"),
        "/admin/changes": _changes(),
        "/admin/changes/{change_id}": _withdraw_change(),
        "/admin/affected": _affected(lang),
        "/healthz": {
            "get": {"summary": "Liveness", "parameters": [], "responses": {"200": _json("Health")}}
        },
        "/readyz": {
            "get": {
                "summary": "Readiness: a dataset is loaded",
                "parameters": [],
                "responses": {"200": _json("Ready"), "503": _ERRORS["503"]},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics: requests by route and outcome, latency, "
                "geocoder health, data version and age (no resident data)",
                "parameters": [],
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
    }
    _every_status(paths)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Polling-place lookup",
            "version": __version__,
            "description": "Where do I vote? Errors share one shape; error.code is one of: "
            + ", ".join(ERROR_CODES)
            + ". Every answer and error carries the board of elections' contact.",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "the admin token"}
            },
        },
    }
