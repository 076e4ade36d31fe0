"""An election's name in the answer's language: read by kind from the catalogs, the
published (English) name kept beside it, a name that says no kind shown as typed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from support.servers import Server

from lookup.dataset.codec import load_dataset
from lookup.domain.election_kinds import NAMES, ElectionKind, election_name, kind_of
from lookup.domain.models import Election
from lookup.i18n import catalog, languages
from lookup.ingest.assemble import default_election_name
from lookup.outputs.api_json import election_json

BEFORE = "2028-10-25"
ADDRESS = "13186 5th St, Demo City NC 28990"
CUSTOM = "Town of Davidson Bond Referendum"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        (default_election_name(date(2028, 11, 7)), ElectionKind.GENERAL),
        (default_election_name(date(2028, 3, 5)), ElectionKind.ELECTION),
        ("General Election", ElectionKind.GENERAL),  # demo.py, sources.toml's default
        ("GENERAL  ELECTION", ElectionKind.GENERAL),
        ("Primary Election", ElectionKind.PRIMARY),
        ("Presidential Preference Primary", ElectionKind.PRESIDENTIAL_PRIMARY),
        ("Second Primary", ElectionKind.SECOND_PRIMARY),
        ("Primary Run-off", ElectionKind.SECOND_PRIMARY),
        ("Municipal General Election", ElectionKind.MUNICIPAL),
        ("Municipal Primary", ElectionKind.MUNICIPAL_PRIMARY),
        ("Municipal Runoff", ElectionKind.MUNICIPAL_RUNOFF),
        ("Special Election", ElectionKind.SPECIAL),
        ("2028 General Election", ElectionKind.GENERAL),
        ("General Election 2028", ElectionKind.GENERAL),
        (CUSTOM, None),
        ("Mecklenburg General Election", None),
        ("2024 General Election 2028", None),
        ("", None),
    ],
)
def test_kind_of_a_name(name: str, kind: ElectionKind | None) -> None:
    assert kind_of(name) is kind
    assert Election(day=date(2028, 11, 7), name=name).kind is kind


def test_catalogs_name_every_kind_as_the_matcher_reads_it() -> None:
    """English says each kind as its first written form, so it reads back as that kind;
    every language has every kind (``test_catalogs`` checks keys and placeholders)."""
    en = catalog("en")["elections"]
    assert set(en) == {k.value for k in ElectionKind} | {"with_year"}
    for kind, forms in NAMES.items():
        assert en[kind.value].casefold() == forms[0] and kind_of(en[kind.value]) is kind
    for lang in languages():
        assert set(catalog(lang)["elections"]) == set(en)


@pytest.mark.parametrize(
    ("name", "es"),
    [
        ("General Election", "Elección General"),
        ("Primary", "Elección Primaria"),
        ("Second Primary", "Segunda Primaria"),
        ("Municipal Election", "Elección Municipal"),
        ("Special Election", "Elección Especial"),
        ("2028 General Election", "Elección General de 2028"),
        ("Election", "Elección"),
        (CUSTOM, CUSTOM),
    ],
)
def test_names_in_spanish_and_english(name: str, es: str) -> None:
    e = Election(day=date(2028, 11, 7), name=name)
    assert election_name(e.name, e.kind, "es") == es
    assert election_name(e.name, e.kind, "en") == name  # the published name, never rewritten
    body = election_json(e, "es")
    assert body["name"] == name and body["display_name"] == es
    assert body["kind"] == (e.kind.value if e.kind else None)


def test_spanish_answer_and_calendar_over_http(server: Server) -> None:
    from icalendar import Calendar

    es = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, lang="es").json()
    en = server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE).json()
    assert es["election"] == en["election"] | {"display_name": "Elección General"}
    assert en["election"]["name"] == en["election"]["display_name"] == "General Election"
    assert en["election"]["kind"] == "general"

    r = server.get("/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, lang="es")
    (ev,) = Calendar.from_ical(r.content).walk("VEVENT")
    # "<demo notice> Votar: <election>", the summary's format before names were translated
    assert str(ev["summary"]).endswith(" Votar: Elección General"), ev["summary"]
    site = en["early_voting_sites"][0]
    day = site["next_open"][:10]
    r = server.get(
        "/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, lang="es", site=site["id"], day=day
    )
    summary = str(Calendar.from_ical(r.content).walk("VEVENT")[0]["summary"])
    assert summary.endswith(" Votación anticipada: Elección General"), summary


def test_elections_list_in_spanish(server: Server) -> None:
    body = server.get("/api/v1/elections", date=BEFORE, lang="es").json()
    assert body["active"]["display_name"] == "Elección General"
    assert {e["display_name"] for e in body["elections"]} == {"Elección General"}


def test_the_resident_page_names_the_election_in_its_language(server: Server) -> None:
    es = server.get("/", address=ADDRESS, date=BEFORE, lang="es").text
    assert "Elección General" in es and "General Election" not in es
    assert "General Election" in server.get("/", address=ADDRESS, date=BEFORE).text


def test_civic_keeps_the_published_name(server: Server) -> None:
    body = server.get("/civicinfo/v2/voterinfo", address=ADDRESS, date=BEFORE, lang="es").json()
    assert body["election"]["name"].endswith("General Election")


@pytest.fixture(scope="module")
def custom_dir(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo county as a version published before kinds (its manifest has no kind, as
    every manifest has), its November election renamed to a name staff typed."""
    data = tmp_path_factory.mktemp("custom") / "data"
    shutil.copytree(demo_dir, data, symlinks=True)
    manifest_path = (data / "current").resolve() / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for e in manifest["elections"]:
        assert "kind" not in e
        if e["date"] == "2028-11-07":
            e["name"] = CUSTOM
    manifest_path.write_text(json.dumps(manifest))
    return data


@pytest.fixture(scope="module")
def custom_server(custom_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(custom_dir, tmp_path_factory.mktemp("log") / "custom.log", workers=1)
    yield srv
    srv.stop()


def test_a_version_without_kinds_loads_with_them(custom_dir: Path) -> None:
    ds = load_dataset((custom_dir / "current").resolve())
    kinds = {e.day.isoformat(): (e.name, e.kind) for e in ds.elections}
    assert kinds == {
        "2026-11-03": ("General Election", ElectionKind.GENERAL),
        "2028-11-07": (CUSTOM, None),
    }


def test_a_typed_name_stays_as_typed_in_spanish(custom_server: Server) -> None:
    from icalendar import Calendar

    body = custom_server.get("/api/v1/lookup", address=ADDRESS, date=BEFORE, lang="es").json()
    assert body["election"]["kind"] is None
    assert body["election"]["name"] == body["election"]["display_name"] == CUSTOM
    r = custom_server.get("/api/v1/calendar.ics", address=ADDRESS, date=BEFORE, lang="es")
    (ev,) = Calendar.from_ical(r.content).walk("VEVENT")
    assert str(ev["summary"]).endswith(f" Votar: {CUSTOM}")
