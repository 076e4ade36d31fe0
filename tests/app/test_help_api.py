"""``GET /api/v1/help``, the look-up's ``help_topics`` and the Civic answer's
``dropOffLocations`` on the demo county, through the Flask test client, at the request's
moment (``at=``/``date=``, never the clock)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lookup.config import Settings
from lookup.domain.help_topics import TOPIC_IDS, load_help
from lookup.domain.schedule import LOCAL_TZ
from lookup.errors import DataError
from lookup.i18n import languages
from lookup.outputs.openapi import spec
from lookup.web.app import create_app

ADDRESS = "13186 5th St, Demo City NC 28990"
CONTRACT = [
    "photo_id",
    "same_day_registration",
    "curbside_voting",
    "mail_ballot_return",
    "moved",
    "am_i_registered",
    "sample_ballot",
    "accessibility",
    "what_to_bring",
]
EVERY = list(TOPIC_IDS)
WITHOUT_SDR = [i for i in TOPIC_IDS if i != "same_day_registration"]
AFTER_POLLS = ["photo_id", "am_i_registered", "moved"]
OFFICE = {
    "locationName": "Demo County Board of Elections (fictional)",
    "line1": "1 Demo Plaza",
    "line2": "(fictional)",
    "city": "Demo City",
    "state": "NC",
    "zip": "28990",
}


@pytest.fixture(scope="module")
def client(demo_dir: Path):
    settings = Settings(data_dir=demo_dir, rate_limit="", suggest_rate_limit="")
    # A clock in another stretch: the answers must follow at=/date=, not it.
    app = create_app(settings, clock=lambda: datetime(2028, 11, 30, 12, tzinfo=LOCAL_TZ))
    return app.test_client()


def validate(body: dict, schema: str) -> None:
    Draft202012Validator({"$ref": f"#/components/schemas/{schema}", **spec()}).validate(body)


def get(client, path: str, **params: str) -> dict:
    r = client.get(path, query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


# ---- GET /api/v1/help -------------------------------------------------------------------


def test_help_lists_the_contract_topics_in_every_language(client) -> None:
    seen = {}
    for lang in languages():
        r = client.get("/api/v1/help", query_string={"lang": lang})
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "public, max-age=300"
        body = r.get_json()
        validate(body, "HelpTopics")
        assert body["lang"] == lang
        seen[lang] = body["topics"]
        assert set(CONTRACT) <= {t["id"] for t in body["topics"]}
        for t in body["topics"]:
            assert t["title"] and t["body"] and t["reviewed"] == "2026-12-07"
            assert t["source_url"].startswith(("https://www.ncsbe.gov/", "https://vt.ncsbe.gov/"))
    assert [t["id"] for t in seen["es"]] == [t["id"] for t in seen["en"]]
    en = {t["id"]: t for t in seen["en"]}
    es = {t["id"]: t for t in seen["es"]}
    assert en["photo_id"]["title"] == "Photo ID"
    assert es["photo_id"]["title"] == "Identificación con foto"
    assert es["photo_id"]["source_url"] == en["photo_id"]["source_url"]
    # English without lang=, as every endpoint.
    assert get(client, "/api/v1/help")["topics"] == seen["en"]


def test_help_refuses_an_unknown_language_in_the_one_error_shape(client) -> None:
    r = client.get("/api/v1/help", query_string={"lang": "fr"})
    assert r.status_code == 400
    body = r.get_json()
    validate(body, "Error")
    assert body["error"]["code"] == "invalid_parameter"
    assert body["error"]["details"] == {"parameter": "lang", "allowed": list(languages())}


def test_the_board_folder_is_served_and_a_bad_one_stops_the_start(
    demo_dir: Path, tmp_path: Path
) -> None:
    extra = {
        "id": "voter_card",
        "title": "Voter card <b>",
        "body": "Read aloud.",
        "source_url": "https://www.ncsbe.gov/registering",
        "reviewed": "2026-12-01",
    }
    bundled = load_help(None, languages())
    for lang in languages():
        (tmp_path / lang).mkdir()
        topics = [*(t.as_json() for t in bundled.of(lang)), extra]
        (tmp_path / lang / "help.json").write_text(json.dumps({"topics": topics}), "utf-8")
    app = create_app(Settings(data_dir=demo_dir, help_dir=tmp_path))
    served = get(app.test_client(), "/api/v1/help", lang="es")["topics"]
    assert served[-1] == extra  # as written: the pages escape it where they show it
    assert len(served) == len(bundled.of("es")) + 1
    (tmp_path / "es" / "help.json").write_text(json.dumps({"topics": topics[1:]}), "utf-8")
    with pytest.raises(DataError, match=r"es/help.json: topic 'photo_id' is missing"):
        create_app(Settings(data_dir=demo_dir, help_dir=tmp_path))


# ---- the look-up's help_topics ------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "ids"),
    [
        ({"date": "2028-10-10"}, WITHOUT_SDR),  # before early voting
        ({"at": "2028-10-24T12:00"}, EVERY),  # during it
        ({"at": "2028-10-24T22:00"}, EVERY),  # a night during it
        ({"at": "2028-11-04T15:30"}, WITHOUT_SDR),  # the last site closed at 3 p.m.
        ({"date": "2028-11-06"}, WITHOUT_SDR),  # the Monday before Election Day
        ({"at": "2028-11-07T19:29"}, WITHOUT_SDR),
        ({"at": "2028-11-07T19:31"}, AFTER_POLLS),
        ({"date": "2028-11-30"}, AFTER_POLLS),  # after the last election in the data
    ],
)
def test_the_answer_links_what_applies_at_its_moment(client, moment, ids) -> None:
    for lang in languages():
        body = get(client, "/api/v1/lookup", address=ADDRESS, lang=lang, **moment)
        validate(body, "Answer")
        assert body["help_topics"] == ids, (lang, moment)
        with_schedule = get(client, "/api/v1/lookup", address=ADDRESS, include="schedule", **moment)
        assert with_schedule["help_topics"] == ids
    # The county's own endpoint is unchanged: no help_topics there.
    assert "help_topics" not in get(client, "/api/v1/early-voting", address=ADDRESS, **moment)


def test_the_answer_lists_only_topics_the_help_endpoint_has(client) -> None:
    helps = {t["id"] for t in get(client, "/api/v1/help", lang="es")["topics"]}
    body = get(client, "/api/v1/lookup", address=ADDRESS, at="2028-10-24T12:00", open="now")
    assert set(body["help_topics"]) <= helps
    assert body["help_topics"] == EVERY  # an open= filter does not narrow the county's span


# ---- Civic dropOffLocations -------------------------------------------------------------


def drop_off(client, **moment: str) -> list[dict]:
    body = get(client, "/civicinfo/v2/voterinfo", address=ADDRESS, **moment)
    return body["dropOffLocations"]


def test_civic_drop_off_before_early_voting_is_the_board_office(client) -> None:
    (office,) = drop_off(client, date="2028-10-10")
    assert office["address"] == OFFICE
    assert office["name"] == OFFICE["locationName"]
    assert "latitude" not in office and "pollingHours" not in office  # none invented
    assert office["notes"].startswith("DEMO DATA")  # demo data never looks real
    assert "Mail ballots must be received by 7:30 p.m. on Election Day" in office["notes"]
    assert "https://www.ncsbe.gov/voting/vote-mail" in office["notes"]
    assert office["sources"] == [{"name": "DEMO DATA (a fictional county)", "official": False}]


def test_civic_drop_off_during_early_voting_adds_every_site(client) -> None:
    body = get(client, "/civicinfo/v2/voterinfo", address=ADDRESS, at="2028-10-24T12:00")
    office, *sites = body["dropOffLocations"]
    assert office["address"] == OFFICE
    early = body["earlyVoteSites"]
    assert len(sites) == len(early) == 6
    for s, e in zip(sites, early, strict=True):
        # The same place and hours as its early-vote entry; what it is for in its notes.
        for key in ("address", "name", "pollingHours", "startDate", "endDate", "sources"):
            assert s[key] == e[key], key
        assert (s.get("latitude"), s.get("longitude")) == (e.get("latitude"), e.get("longitude"))
        assert "while this site is open for early voting" in s["notes"]
        assert "voterServices" not in s
    es = get(client, "/civicinfo/v2/voterinfo", address=ADDRESS, at="2028-10-24T12:00", lang="es")[
        "dropOffLocations"
    ]
    assert "antes de las 7:30 p. m. del Día de las Elecciones" in es[0]["notes"]


@pytest.mark.parametrize(
    ("moment", "count"),
    [
        ({"at": "2028-11-04T15:30"}, 1),  # early voting over: the office only
        ({"date": "2028-11-06"}, 1),
        ({"at": "2028-11-07T19:29"}, 1),
        ({"at": "2028-11-07T19:31"}, 0),  # ballots must be in by 7:30 p.m.
    ],
)
def test_civic_drop_off_after_early_voting(client, moment, count) -> None:
    places = drop_off(client, **moment)
    assert len(places) == count
    assert all(p["address"] == OFFICE for p in places)


def test_civic_drop_off_for_a_past_election_asked_by_id(client) -> None:
    """``electionId`` of an election already held answers at noon on its day (the Civic
    answer's ``moment_for``), when ballots could still be returned to the office."""
    body = get(
        client,
        "/civicinfo/v2/voterinfo",
        address=ADDRESS,
        electionId="20281107",
        returnAllAvailableData="true",
        date="2028-11-30",
    )
    assert [p["address"] for p in body["dropOffLocations"]] == [OFFICE]
