"""The county's site details in answers: ``details`` on the polling place and on every
early-voting site, in the answer's language (English where only English was given, with
``text_lang`` saying so), all null where the county said nothing; the Civic answer's
``notes`` carry them too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lookup.config import Settings
from lookup.domain.schedule import LOCAL_TZ
from lookup.outputs.openapi import spec
from lookup.web.app import create_app

ADDRESS = "13186 5th St, Demo City NC 28990"  # precinct 019: polling place 264
OFFICE = "demo-demo-county-board-of-elections"
LIBRARY = "demo-demo-city-main-library"
NOT_KNOWN = {
    "accessible_entrance": None,
    "accessible_parking": None,
    "curbside": None,
    "transit": None,
    "notes": None,
    "photo_url": None,
    "phone": None,
    "text_lang": {},
}


@pytest.fixture(scope="module")
def client(demo_dir: Path):
    settings = Settings(data_dir=demo_dir, rate_limit="", suggest_rate_limit="")
    app = create_app(settings, clock=lambda: datetime(2028, 10, 25, 12, tzinfo=LOCAL_TZ))
    return app.test_client()


def lookup(client, path: str = "/api/v1/lookup", **params: str) -> dict:
    r = client.get(path, query_string={"address": ADDRESS, **params})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def validate(body: dict) -> None:
    Draft202012Validator({"$ref": "#/components/schemas/Answer", **spec()}).validate(body)


def test_the_polling_place_carries_the_countys_details_in_each_language(client) -> None:
    en, es = lookup(client), lookup(client, lang="es")
    validate(en)
    validate(es)
    assert en["polling_place"]["id"] == "264"
    assert en["polling_place"]["details"] == {
        **NOT_KNOWN,
        "accessible_entrance": "Gym entrance at the back of the building; the front steps "
        "have no ramp.",
        "curbside": "Curbside voting at the gym entrance.",
        "notes": "Example details of the fictional Demo County.",
        "text_lang": {"accessible_entrance": "en", "curbside": "en", "notes": "en"},
    }
    spanish = es["polling_place"]["details"]
    assert spanish["accessible_entrance"] == (
        "Entrada del gimnasio en la parte trasera; la escalera principal no tiene rampa."
    )
    assert spanish["text_lang"] == {"accessible_entrance": "es", "curbside": "es", "notes": "es"}


def test_every_site_has_details_null_where_not_known_english_where_only_english(client) -> None:
    for schedule in ("", "schedule"):
        body = lookup(client, lang="es", include=schedule)
        validate(body)
        sites = {s["id"]: s["details"] for s in body["early_voting_sites"]}
        assert len(sites) == 6
        office = sites.pop(OFFICE)
        assert office["phone"] == "919-555-0199"
        assert office["photo_url"] == "https://example.org/demo-county/board-office-entrance.jpg"
        assert office["transit"] == "Ruta 3 de Demo Transit, parada Main St y 2nd St."
        library = sites.pop(LIBRARY)
        assert library["accessible_entrance"] == "Ramp at the side door on the parking-lot side."
        assert library["text_lang"] == {"accessible_entrance": "en", "transit": "es", "notes": "es"}
        assert list(sites.values()) == [NOT_KNOWN] * 4


def test_the_county_endpoint_serves_the_same_details(client) -> None:
    body = lookup(client, "/api/v1/early-voting")
    office = next(s for s in body["early_voting_sites"] if s["id"] == OFFICE)
    assert office["details"]["accessible_entrance"] == (
        "Level entrance at the main doors on Main Street."
    )


def test_civic_notes_carry_the_details(client) -> None:
    r = client.get("/civicinfo/v2/voterinfo", query_string={"address": ADDRESS, "lang": "es"})
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    place_notes = body["pollingLocations"][0]["notes"]
    assert "Entrada accesible: Entrada del gimnasio en la parte trasera" in place_notes
    assert "Votación junto a la acera: Votación junto a la acera en la entrada" in place_notes
    office = next(s for s in body["earlyVoteSites"] if "Board" in s["name"])
    assert "Teléfono el día de la votación: 919-555-0199." in office["notes"]
    assert "Foto: https://example.org/demo-county/board-office-entrance.jpg" in office["notes"]
    others = [s for s in body["earlyVoteSites"] if s is not office]
    assert sum("Entrada accesible" in s.get("notes", "") for s in others) == 1  # the library
