"""The shown and spoken forms of BOE names and addresses (``lookup.outputs.display``): hand-picked
cases from NCSBE's own lists, every real 2020 name read in place, and the forms in the
API, Civic and VIP answers."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

import orjson
import pytest
from support.builders import ELECTION, PREVIOUS, place, tiny_dataset

from lookup.domain.models import Address
from lookup.domain.schedule import LOCAL_TZ
from lookup.geocode.pub28 import STREET_SUFFIXES, SUFFIX_OF
from lookup.i18n import catalog, languages, message
from lookup.outputs import civic
from lookup.outputs.display import (
    NAME_WORDS,
    WHOLE_LAST_WORDS,
    display_address,
    display_name,
    name_words,
    place_text,
    shown_name,
    spoken_address,
    spoken_name,
)
from lookup.service import AddressQuery, find_polling_place

HAVEN = Address("3701 HAVEN DR", "CHARLOTTE", "NC", "28205")
KENDALL = Address("2401 KENDALL DR", "CHARLOTTE", "NC", "28216")
DURING = datetime(2028, 10, 25, 10, tzinfo=LOCAL_TZ)


# ---- names ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        # Real Mecklenburg names (NCSBE 2020) and the exceptions to plain title case.
        ("MCCROREY YMCA", "McCrorey YMCA"),
        ("MCALPINE ELEMENTARY SCHOOL", "McAlpine Elementary School"),
        ("MT  HARMONY BAPTIST CHURCH", "Mount Harmony Baptist Church"),
        ("ST JOHN'S BAPTIST CHURCH", "Saint John's Baptist Church"),
        ("GOVERNOR'S VILLAGE STEM ACADEMY", "Governor's Village STEM Academy"),
        ("EAST STONEWALL AME ZION CHURCH", "East Stonewall AME Zion Church"),
        ("LOGAN CHAPEL CME CHURCH", "Logan Chapel CME Church"),
        ("CPCC HARPER CAMPUS", "CPCC Harper Campus"),
        ("DAVIDSON K8", "Davidson K8"),
        ("MINT HILL MASONIC LODGE #742", "Mint Hill Masonic Lodge #742"),
        ("J H  GUNN ELEMENTARY SCHOOL", "J H Gunn Elementary School"),
        (
            "THE CHURCH OF JESUS CHRIST OF LATTER-DAY SAINTS",
            "The Church of Jesus Christ of Latter-Day Saints",
        ),
        ("NORTHRIDGE MIDDLE SCHOOL", "Northridge Middle School"),
        ("WTVI TELEVISION STATION", "WTVI Television Station"),
        # Elsewhere in NC, and the rules' edges.
        ("O'NEAL D'ANGELO CENTER", "O'Neal D'Angelo Center"),
        ("MACARTHUR PARK", "MacArthur Park"),
        ("MACON MACHINE SHOP", "Macon Machine Shop"),  # Mac is not a rule
        ("FIRST BAPTIST CHURCH OF NC", "First Baptist Church of NC"),
        ("UNC CHARLOTTE CMS CENTER", "UNC Charlotte CMS Center"),
        ("1ST PRESBYTERIAN 2ND 23RD", "1st Presbyterian 2nd 23rd"),
        ("POST II III IV", "Post II III IV"),
        ("PINEVILLE-MATTHEWS K-8", "Pineville-Matthews K-8"),
        ("NC A&T ACADEMIC CLASSROOM", "NC A&T Academic Classroom"),
        ("#10  THE OLD ARMORY", "#10 The Old Armory"),
        ("SPRING HILL - ST MARY'S", "Spring Hill - Saint Mary's"),
        ("CHURCH OF ST PAUL", "Church of Saint Paul"),
        ("MAIN ST BAPTIST CH", "Main Street Baptist Church"),
        ("5TH ST METHODIST", "5th Street Methodist"),
        ("ALBEMARLE RD ELEM", "Albemarle Road Elementary"),
        ("WEST CHARLOTTE REC CTR", "West Charlotte Recreation Center"),
        ("RANDOLPH MS", "Randolph Middle School"),
        ("UNION CROSS CH-GREENSBORO", "Union Cross Church-Greensboro"),
        ("ALL STS ANTIOCHIAN ORTHODOX", "All Saints Antiochian Orthodox"),
        ("IGLESIA DE DIOS", "Iglesia de Dios"),
        ("THE Y", "The Y"),
        # Mixed case is its author's spelling; only abbreviations are spelled out.
        ("Beatties Ford Road Library", "Beatties Ford Road Library"),
        ("St. Mark's UMC", "Saint Mark's UMC"),
        ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ],
)
def test_names_in_title_case(published: str, shown: str) -> None:
    assert shown_name(published) == shown


@pytest.mark.parametrize(
    ("published", "shown"),
    [
        ("WEST CHARLOTTE RECREATION CENT", "West Charlotte Recreation"),
        ("GREENWAY PARK ELEMENTARY SCHOO", "Greenway Park Elementary"),
        ("ALBEMARLE ROAD PRESBYTERIAN CH", "Albemarle Road Presbyterian"),  # CH may be CHAPEL
        ("FORMER PLANET FITNESS AT CARME", "Former Planet Fitness"),  # no dangling "at"
        ("PINEVILLE CHURCH OF THE NAZARE", "Pineville Church"),
        ("#1 IGLESIA DE DIOS (CHURCH OF ", "#1 Iglesia de Dios"),  # no bracket left open
        ("WALLACE WOMEN'S CLUB- BUILDIN", "Wallace Women's Club"),
        ("CHARLOTTE MECKLENBURG VIRTUAL ", "Charlotte Mecklenburg Virtual"),  # cut at a blank
        # A last word that is a whole place word stays; one that is no word goes.
        ("COLLEGE PARK RECREATION CENTER", "College Park Recreation Center"),
        ("COLLEGE PARK RECREATION CENT", "College Park Recreation"),
    ],
)
def test_a_cut_name_stops_at_its_last_whole_word(published: str, shown: str) -> None:
    assert shown_name(published, complete=False) == shown
    text = place_text(published, KENDALL, False, True, "en")
    assert text.display_name == shown and text.spoken_name is None  # read as shown


def test_a_cut_name_is_read_then_its_address() -> None:
    for lang in languages():
        t = place_text("WEST CHARLOTTE RECREATION CENT", KENDALL, False, True, lang)
        assert (t.display_name, t.spoken_address) == (
            "West Charlotte Recreation",
            "2401 Kendall Drive, Charlotte",
        )
        assert t.display_address == "2401 Kendall Drive, Charlotte, NC 28216"


@pytest.mark.parametrize(
    ("lang", "shown", "said"),
    [
        (
            "en",
            "Polling place at 3701 Haven Drive",
            "the polling place at 3701 Haven Drive, Charlotte",
        ),
        (
            "es",
            "Lugar de votación en 3701 Haven Drive",
            "el lugar de votación en 3701 Haven Drive, Charlotte",
        ),
    ],
)
def test_a_name_that_is_no_name_gives_the_address(lang: str, shown: str, said: str) -> None:
    """NCSBE's 2020 list names the place at 3701 HAVEN DR ``Q``; the street and town are
    proper nouns, the words around them the reader's language."""
    assert display_name("Q", plausible=False, address=HAVEN, lang=lang) == shown
    assert spoken_name("Q", plausible=False, address=HAVEN, lang=lang) == said
    # A cut name with no whole word left is no name either.
    t = place_text("WESTCHARLOTTERECREATIONCENTERX", HAVEN, False, True, lang)
    assert (t.display_name, t.spoken_name) == (shown, said)


def test_a_nameless_place_without_an_address_is_still_named() -> None:
    assert display_name("TBD", plausible=False) == "Polling place"
    assert spoken_name("TBD", plausible=False, lang="es") == "el lugar de votación"


def test_the_console_says_what_the_api_says_for_a_nameless_place() -> None:
    """The console composes the script in either language from one answer: its words for
    a nameless place are the API's ``spoken_name`` in that language."""
    for lang in languages():
        api = message(lang, "display", "place_at", address="X")
        rep = catalog(lang)["rep"]
        for key in ("script_place_unnamed", "script_ev_unnamed"):
            assert api in rep[key].replace("{address}", "X"), (lang, key)


# ---- addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("2412 BEATTIES FORD RD", "2412 Beatties Ford Road"),
        ("3755 N OAK ST", "3755 North Oak Street"),
        ("13501 TRYON ST N", "13501 Tryon Street North"),
        ("100 W BLVD", "100 West Boulevard"),  # Mecklenburg's W BLVD is West Boulevard
        ("600 EAST BLVD", "600 East Boulevard"),
        ("301 W T HARRIS BLVD", "301 W T Harris Boulevard"),  # initials, not West
        ("7200 WT HARRIS BLVD", "7200 WT Harris Boulevard"),
        ("7601 THE PLAZA", "7601 The Plaza"),
        ("3413 MT HOLLY-HUNTERSVILLE RD", "3413 Mount Holly-Huntersville Road"),
        ("5 ST JOHNS CHURCH RD", "5 Saint Johns Church Road"),
        ("2533 UNION CROSS CH RD", "2533 Union Cross Church Road"),
        ("10886 NC HWY 999", "10886 NC Highway 999"),
        ("5800 US HWY 21 S", "5800 US Highway 21 South"),
        ("15008 LANCASTER HWY", "15008 Lancaster Highway"),
        ("8015 BALLANTYNE COMMONS PKWY", "8015 Ballantyne Commons Parkway"),
        ("6400 PRETT CT", "6400 Prett Court"),
        ("2541 ELKWOOD CIR", "2541 Elkwood Circle"),
        ("604 DOUG MAYES PL", "604 Doug Mayes Place"),
        ("100 SEAGRASS LN", "100 Seagrass Lane"),
        ("9 OLD MILL TRL", "9 Old Mill Trail"),
        ("13186 5TH ST", "13186 5th Street"),
        ("123 1/2 MAIN ST APT 4", "123 1/2 Main Street Apartment 4"),
        ("2412 BEATTIES FORD RD STE 100", "2412 Beatties Ford Road Suite 100"),
        ("1 MAIN ST, STE 2", "1 Main Street, Suite 2"),
        ("1563 N Oak St", "1563 North Oak Street"),  # mixed case: only abbreviations change
    ],
)
def test_addresses_are_read_with_their_abbreviations_spelled_out(line: str, said: str) -> None:
    assert spoken_address(line) == said


def test_an_address_in_one_line_and_as_read() -> None:
    a = Address("3413 MT HOLLY-HUNTERSVILLE RD", "MT HOLLY", "NC", "28120")
    assert display_address(a) == "3413 Mount Holly-Huntersville Road, Mount Holly, NC 28120"
    assert spoken_address(a.line1, a.city) == "3413 Mount Holly-Huntersville Road, Mount Holly"
    assert display_address(Address("", "MCADENVILLE", "NC", "")) == "McAdenville, NC"


# ---- every real name ------------------------------------------------------------------

_EXPANSIONS = {abbr: shown.upper() for shown, abbrs in NAME_WORDS.items() for abbr in abbrs}


def _forms(part: str) -> set[str]:
    """What a published word part may be shown as, upper-cased: itself, or its spelling
    out by the name table, the Saint/Street rule or Pub 28."""
    out = {part, _EXPANSIONS.get(part, part)}
    if part == "ST":
        out |= {"SAINT", "STREET"}
    if part in SUFFIX_OF:
        out.add(STREET_SUFFIXES[SUFFIX_OF[part]][0])
    return out


def _same_word(published: str, shown: str) -> bool:
    """``shown`` is ``published`` re-cased, each part (``CH-GREENSBORO``) as published or
    spelled out, its punctuation kept (an abbreviation's own full stop may go)."""
    pieces = re.split(r"([^\w'\u2019]+)", published.upper())
    pattern = "".join(
        "(?:" + "|".join(map(re.escape, _forms(piece))) + ")"
        if k % 2 == 0
        else "\\.?" + re.escape(piece[1:])
        if piece.startswith(".")
        else re.escape(piece)
        for k, piece in enumerate(pieces)
    )
    return re.fullmatch(pattern, shown.upper()) is not None


def _shown_from_whole_words(name: str, cut: bool) -> str:
    """The shown form of ``name``, checked: the published words it comes from are a
    prefix of the name's, whole words only (a cut name loses at least its last one), and
    each shown word is its published word re-cased or spelled out (the last word of a cut
    name may lose a trailing dash)."""
    pairs = name_words(name, complete=not cut)
    published = name.split()
    assert [p for p, _ in pairs] == published[: len(pairs)], name
    whole_last = published[-1].strip("-/&,:;") in WHOLE_LAST_WORDS
    assert not cut or len(pairs) < len(published) or name.endswith(" ") or whole_last, name
    for i, (p, s) in enumerate(pairs):
        last_of_cut = cut and i == len(pairs) - 1
        assert _same_word(p.rstrip("-/&,:;") if last_of_cut else p, s), (name, p, s)
    return " ".join(s for _, s in pairs)


@pytest.mark.realdata
def test_every_2020_mecklenburg_name(real) -> None:
    """Every Mecklenburg polling-place name of NCSBE's 2020 file, read in place with the
    project's reader (UTF-16, tab-separated, the 30-character cut flagged): its shown
    form is made of whole words of the original, in order, each re-cased or spelled out;
    a cut one drops at least its last word unless it is a whole place word (CHURCH);
    none is left in capitals."""
    from lookup.ingest.formats.registry import read_polling_places

    rows = read_polling_places(
        real / "statewide/polling_places/polling_place_20201103.csv", county="MECKLENBURG"
    )
    assert len({r.name for r in rows}) > 150
    for r in rows:
        shown = _shown_from_whole_words(r.name, r.name_cut)
        assert shown, r.name  # every cut Mecklenburg name keeps a whole word
        assert shown != shown.upper() or len(shown) <= 4, (r.name, shown)  # Q, CPCC...
        a = Address(f"{r.street}", r.city, r.state, r.zip)
        line = spoken_address(a.line1)
        assert line.split()[0] == a.line1.split()[0]  # the house number as written
        kind = SUFFIX_OF.get(a.line1.split()[-1])
        if kind and len(a.line1.split()) > 2:
            assert line.split()[-1].upper() == STREET_SUFFIXES[kind][0], (a.line1, line)
    assert sum(r.name_cut for r in rows) > 40  # NCSBE cut about a third of the names


@pytest.mark.realdata
def test_every_2020_name_statewide_keeps_its_words(real) -> None:
    from lookup.ingest.formats.registry import read_polling_places

    rows = read_polling_places(real / "statewide/polling_places/polling_place_20201103.csv")
    assert len(rows) > 2500
    for r in rows:
        _shown_from_whole_words(r.name, r.name_cut)


# ---- in the answers ---------------------------------------------------------------------


def _dataset():
    """The tiny county with its 001 place cut by NCSBE and its 002 place named ``Q``."""
    cut = replace(
        place("10", "WEST CHARLOTTE RECREATION CENT", 0.1, 0.1, line1="2401 KENDALL DR"),
        name_complete=False,
    )
    nameless = replace(place("20", "Q", 0.9, 0.5, line1="3701 HAVEN DR"), name_plausible=False)
    return tiny_dataset(
        polling={
            ELECTION.day: {("TEST", "001"): cut, ("TEST", "002"): nameless},
            PREVIOUS.day: {("TEST", "001"): place("11", "MCCROREY YMCA", 0.2, 0.1)},
        }
    )


def test_the_answer_keeps_the_boe_fields_and_adds_the_display_forms() -> None:
    from lookup.outputs.api_json import Fragments, answer_bytes, answer_json

    ds = _dataset()
    fr = Fragments(ds)
    cut = find_polling_place(ds, AddressQuery("100 OAK ST"), DURING)  # in 001
    nameless = find_polling_place(ds, AddressQuery("200 OAK ST"), DURING)  # in 002
    for lang in languages():
        body = answer_json(cut, ds.board, lang, fr, schedule=False)
        pp = body["polling_place"]
        assert pp["name"] == "WEST CHARLOTTE RECREATION CENT"
        assert pp["address"]["line1"] == "2401 KENDALL DR"
        assert (pp["display_name"], pp["spoken_name"], pp["name_complete"]) == (
            "West Charlotte Recreation",
            None,
            False,
        )
        assert pp["display_address"] == "2401 Kendall Drive, Testville, NC 28999"
        assert pp["spoken_address"] == "2401 Kendall Drive, Testville"
        prev = body["previous_polling_place"]
        assert (prev["name"], prev["display_name"]) == ("MCCROREY YMCA", "McCrorey YMCA")
        assert body["early_voting_sites"][0]["display_name"] == "Site Near"
        assert orjson.loads(answer_bytes(cut, ds.board, lang, fr, schedule=True)) == answer_json(
            cut, ds.board, lang, fr, schedule=True
        )
    en = answer_json(nameless, ds.board, "en", fr, schedule=False)["polling_place"]
    es = answer_json(nameless, ds.board, "es", fr, schedule=False)["polling_place"]
    assert en["name"] == es["name"] == "Q" and en["name_complete"] is True
    assert en["display_name"] == "Polling place at 3701 Haven Drive"
    assert en["spoken_name"] == "the polling place at 3701 Haven Drive, Testville"
    assert es["spoken_name"] == "el lugar de votación en 3701 Haven Drive, Testville"


def test_languages_share_the_parts_that_read_the_same() -> None:
    """Built once per dataset, in every language; a language's parts are the default's
    objects wherever no nameless place makes them differ."""
    from lookup.outputs.api_json import Fragments

    ds = _dataset()
    fr = Fragments(ds)
    en, es = fr.parts("en"), fr.parts("es")
    assert all(es.tables[k] is en.tables[k] for k in en.tables)  # every site has a name
    day = ELECTION.day
    assert es.places[(day, "TEST", "10")] is en.places[(day, "TEST", "10")]
    assert es.places[(day, "TEST", "20")] != en.places[(day, "TEST", "20")]  # "Q"
    assert fr.parts("fr") is en  # the API refuses other languages; no KeyError here


def test_civic_shows_the_display_name_and_the_boe_address() -> None:
    ds = _dataset()
    for text, name, line1 in (
        ("100 OAK ST", "West Charlotte Recreation", "2401 KENDALL DR"),
        ("200 OAK ST", "Polling place at 3701 Haven Drive", "3701 HAVEN DR"),
    ):
        answer = find_polling_place(ds, AddressQuery(text), DURING)
        (loc,) = civic.voterinfo_json(answer, ds, "en")["pollingLocations"]
        assert loc["address"]["locationName"] == name and loc["address"]["line1"] == line1
    body = civic.voterinfo_json(
        find_polling_place(ds, AddressQuery("100 OAK ST"), DURING), ds, "es"
    )
    assert [s["name"] for s in body["earlyVoteSites"]] == ["Site Near", "Site Far"]
    assert body["earlyVoteSites"][0]["address"]["locationName"] == "Site Near"


def test_vip_keeps_the_boe_names(tmp_path) -> None:
    """VIP is data interchange: its consumers get the names the BOE published."""
    from lookup.outputs.vip import build_feed

    feed = build_feed(_dataset(), ELECTION, DURING)
    names = {r["name"] for r in feed["polling_location"] if r["is_early_voting"] == "false"}
    assert names == {"WEST CHARLOTTE RECREATION CENT", "Q"}
