"""Candidates that resolve: every candidate of a question carries ``pick`` (and a
``label`` no other candidate has), and ``lookup?pick=`` answers exactly that candidate.
Over real HTTP (``lookup serve`` on 127.0.0.1), on the demo county and on an address
table built from the real Mecklenburg layers (skipped where ../shared is absent)."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from pathlib import Path

import orjson
import pytest
import requests
from support.asserts import assert_error_shape
from support.servers import Server

from lookup.domain.picks import MAX_PICK_CHARS, Pick, decode, encode, label_candidates

pytestmark = pytest.mark.http
AS_OF = "2028-10-25"
AMBIGUOUS = "912 Main St"  # one building number on Main St in two towns: two precincts
PLACES = "recreation center"  # named places, two of them in one precinct
URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def raw_token(payload: object) -> str:
    """A version-1 token around any JSON (what a client could forge)."""
    return "1" + base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


def candidates(srv: Server, address: str, **params: str) -> list[dict]:
    r = srv.get("/api/v1/lookup", address=address, **({"date": AS_OF} | params))
    body = assert_error_shape(r, 422, "address_ambiguous")
    return body["error"]["details"]["candidates"]


def assert_resolves(srv: Server, c: dict, **params: str) -> dict:
    """The candidate's pick answers that candidate: its point, address, source and
    precinct, flagged as picked."""
    assert isinstance(c["pick"], str) and URL_SAFE.match(c["pick"]) and len(c["pick"]) < 400
    r = srv.get("/api/v1/lookup", pick=c["pick"], **params)
    assert r.status_code == 200, r.text
    a = r.json()
    m = a["match"]
    assert m["picked"] is True
    assert (m["address"], m["source"], m["lat"], m["lon"]) == (
        c["address"],
        c["source"],
        c["lat"],
        c["lon"],
    )
    assert a["precinct"] == c["precinct"]
    return a


def assert_labels_tell_apart(cands: list[dict]) -> None:
    labels = [" ".join(c["label"].casefold().split()) for c in cands]
    assert len(set(labels)) == len(labels), labels
    for c in cands:
        assert c["address"] in c["label"] and c["precinct"]["id"] in c["label"]


# ---- the token alone ----------------------------------------------------------------------


def test_a_pick_round_trips_exactly() -> None:
    p = Pick(lat=34.90525257972521, lon=-75.31557621623082, source="address_point",
             address="912 MAIN ST, DEMO CITY, NC 28990", row=19582)  # fmt: skip
    token = encode(p)
    assert URL_SAFE.match(token) and token.startswith("1") and len(token) < 120
    assert decode(token) == p
    place = Pick(lat=35.2, lon=-80.8, source="place", address="BEATTIES FORD LIBRARY")
    assert decode(encode(place)) == place


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "malformed"),
        ("2abc", "malformed"),
        ("1", "malformed"),
        ("1!!!!", "malformed"),
        ("1" + "A" * (MAX_PICK_CHARS + 1), "too_long"),
        ("1Zm9v", "malformed"),  # "foo": not JSON
        ("1_w", "malformed"),  # not UTF-8
        (raw_token({"lat": 1}), "malformed"),
        (raw_token([1, 2, "a", "X"]), "malformed"),
        (raw_token([True, -80.8, "i", "X", -1]), "malformed"),
        (raw_token(["35", -80.8, "i", "X", -1]), "malformed"),
        (raw_token([35.2, -80.8, "z", "X", -1]), "malformed"),
        (raw_token([35.2, -80.8, "i", 7, -1]), "malformed"),
        (raw_token([35.2, -80.8, "i", " \t ", -1]), "malformed"),
        (raw_token([35.2, -80.8, "i", "X" * 201, -1]), "malformed"),
        (raw_token([35.2, -80.8, "i", "X", 3]), "malformed"),  # a row, not an address point
        (raw_token([35.2, -80.8, "a", "X", -1]), "malformed"),  # an address point, no row
        (raw_token([35.2, -80.8, "a", "X", 1.5]), "malformed"),
        (raw_token([[[[[]]]]]), "malformed"),
        (raw_token([35.2, -80.8, "i", "X", -1]) + "\n", "malformed"),
        (raw_token([35.2, -80.8, "i", "X", -1]) + "=", "malformed"),
    ],
)
def test_what_is_no_pick_is_refused(token: str, reason: str) -> None:
    from lookup.errors import InvalidParameter

    with pytest.raises(InvalidParameter) as err:
        decode(token)
    assert err.value.details == {"parameter": "pick", "reason": reason}


def test_labels_differ_even_for_the_same_text() -> None:
    pct = {"id": "027", "name": "X", "county": "MECKLENBURG"}
    cands = [{"address": "4045 N TRYON ST, NC", "precinct": pct} for _ in range(3)]
    label_candidates(cands, "en")
    assert [c["label"] for c in cands] == [
        "4045 N TRYON ST, NC — precinct 027, X",
        "4045 N TRYON ST, NC — precinct 027, X (2)",
        "4045 N TRYON ST, NC — precinct 027, X (3)",
    ]
    label_candidates(cands[:1], "es")
    assert cands[0]["label"] == "4045 N TRYON ST, NC — distrito electoral 027, X"


# ---- the demo county over HTTP ------------------------------------------------------------


def test_every_candidate_resolves_to_its_precinct(server) -> None:
    cands = candidates(server, AMBIGUOUS)
    assert len(cands) == 2
    assert_labels_tell_apart(cands)
    assert "— precinct" in cands[0]["label"]
    for c in cands:
        a = assert_resolves(server, c, date=AS_OF, include="schedule")
        assert a["polling_place"] and a["early_voting_sites"][0]["schedule"]
        assert a["verify"] is False  # an address point's own point
    # An answer that was searched, not picked, says so too.
    searched = server.get("/api/v1/lookup", address=cands[0]["address"], date=AS_OF).json()
    assert searched["match"]["picked"] is False
    assert searched["precinct"] == cands[0]["precinct"]


def test_named_places_in_one_precinct_still_read_apart(server) -> None:
    cands = candidates(server, PLACES, lang="es")
    assert len({c["precinct"]["id"] for c in cands}) < len(cands)  # two share a precinct
    assert_labels_tell_apart(cands)
    assert all("distrito electoral" in c["label"] for c in cands)
    for c in cands:
        a = assert_resolves(server, c, date=AS_OF, lang="es")
        assert a["match"]["place"]["name"] and a["match"]["parsed"] == {
            "place": a["match"]["place"]["name"]
        }


def test_a_pick_works_wherever_an_address_does(server) -> None:
    c = candidates(server, AMBIGUOUS)[1]
    ev = server.get("/api/v1/early-voting", pick=c["pick"], date=AS_OF)
    assert ev.status_code == 200 and ev.json()["match"]["picked"] is True
    ics = server.get("/api/v1/calendar.ics", pick=c["pick"], date=AS_OF)
    assert ics.status_code == 200 and "BEGIN:VCALENDAR" in ics.text
    now = server.get("/api/v1/lookup", pick=c["pick"], at=f"{AS_OF}T10:00", open="now")
    assert now.status_code == 200


def test_a_street_without_number_offers_no_pick(server) -> None:
    r = server.get("/api/v1/lookup", address="Main St, Demo City", date=AS_OF)
    body = assert_error_shape(r, 422, "address_incomplete")
    assert all("pick" not in p for p in body["error"]["details"]["precincts"])


def test_an_estimate_picked_is_an_estimate(server, demo_ds) -> None:
    """A pick of an interpolated or remote candidate (no row to check) answers at its
    point, with the interpolated notice, verified like any estimate near a line."""
    c = candidates(server, AMBIGUOUS)[0]
    token = encode(Pick(lat=c["lat"], lon=c["lon"], source="interpolated", address="912 MAIN ST"))
    a = server.get("/api/v1/lookup", pick=token, date=AS_OF).json()
    assert a["match"]["source"] == "interpolated" and a["match"]["picked"] is True
    assert a["precinct"] == c["precinct"]
    assert "interpolated" in [n["code"] for n in a["notices"]]


@pytest.mark.parametrize(
    "extra", [{"address": "912 Main St"}, {"lat": "34.9", "lon": "-75.3"}, {"lat": "34.9"}]
)
def test_pick_goes_alone(server, extra) -> None:
    c = candidates(server, AMBIGUOUS)[0]
    body = assert_error_shape(
        server.get("/api/v1/lookup", pick=c["pick"], **extra), 400, "invalid_parameter"
    )
    assert body["error"]["details"] == {"parameter": "pick", "reason": "combined"}


def test_altered_and_garbled_picks_are_400(server) -> None:
    c = candidates(server, AMBIGUOUS)[0]
    p = decode(c["pick"])
    altered = {
        "another text": encode(Pick(p.lat, p.lon, p.source, "1 ELSEWHERE ST", p.row)),
        "another row": encode(Pick(p.lat, p.lon, p.source, p.address, p.row + 1)),
        "past the table": encode(Pick(p.lat, p.lon, p.source, p.address, 10**9)),
        "moved a little": encode(Pick(p.lat + 1e-6, p.lon, p.source, p.address, p.row)),
        "no such place": encode(Pick(p.lat, p.lon, "place", "NO SUCH PLACE")),
    }
    for why, token in altered.items():
        body = assert_error_shape(
            server.get("/api/v1/lookup", pick=token), 400, "invalid_parameter"
        )
        assert body["error"]["details"] == {"parameter": "pick", "reason": "stale"}, why
    for token in ("", "garbage", c["pick"][:-7], c["pick"] + "%", "1" + "x" * 1500):
        body = assert_error_shape(
            server.get("/api/v1/lookup", pick=token), 400, "invalid_parameter"
        )
        assert body["error"]["details"]["parameter"] == "pick"
    # Longer than any query string the service reads: refused before the pick is read.
    assert_error_shape(
        server.get("/api/v1/lookup", pick="1" + "x" * 5000), 400, "invalid_parameter"
    )


def test_no_change_to_a_pick_makes_a_500(server) -> None:
    """Every one-character change of a real token: an answer or a 4xx, never a crash."""
    token = candidates(server, AMBIGUOUS)[0]["pick"]
    for k in range(1, len(token)):
        for ch in ("A", "_", "z"):
            if token[k] == ch:
                continue
            r = server.get("/api/v1/lookup", pick=token[:k] + ch + token[k + 1 :], date=AS_OF)
            assert r.status_code in (200, 400, 404, 422), (k, ch, r.text)
            assert "Traceback" not in r.text


def test_a_point_outside_the_county_is_outside_jurisdiction(server) -> None:
    charlotte = encode(Pick(lat=35.2271, lon=-80.8431, source="interpolated", address="1 X ST"))
    assert_error_shape(server.get("/api/v1/lookup", pick=charlotte), 404, "outside_jurisdiction")
    # An address point carried off the map: the point is checked first, as coordinates are.
    c = candidates(server, AMBIGUOUS)[0]
    p = decode(c["pick"])
    moved = encode(Pick(35.2271, -80.8431, p.source, p.address, p.row))
    assert_error_shape(server.get("/api/v1/lookup", pick=moved), 404, "outside_jurisdiction")
    far = raw_token([95.0, -80.8, "i", "X", -1])
    body = assert_error_shape(server.get("/api/v1/lookup", pick=far), 400, "invalid_parameter")
    assert body["error"]["details"]["reason"] == "out_of_range"


def test_the_resident_page_links_each_candidate_by_its_pick(server) -> None:
    """Without JavaScript: each candidate is a link ``/?pick=``, answered on the server."""
    page = server.get("/", address=AMBIGUOUS, date=AS_OF, lang="en")
    assert page.status_code == 200
    hrefs = re.findall(r'<a href="(/\?pick=[^"]+)">([^<]+)</a>', page.text)
    assert len(hrefs) == 2 and len({label for _h, label in hrefs}) == 2
    for href, label in hrefs:
        assert f"date={AS_OF}" in href and "— precinct" in label
        answer = requests.get(server.url + href.replace("&amp;", "&"), timeout=10)
        assert answer.status_code == 200
        assert 'id="polling-place"' in answer.text and 'id="candidates"' not in answer.text
        shown = re.search(r'id="address" name="address" value="([^"]*)"', answer.text)
        assert shown and shown.group(1) in label  # the form shows the chosen address
    bad = server.get("/", pick="garbage")
    assert bad.status_code == 200 and 'id="error"' in bad.text


def test_civic_voterinfo_is_unchanged_for_an_ambiguous_address(server) -> None:
    r = server.get("/civicinfo/v2/voterinfo", address=AMBIGUOUS, date=AS_OF)
    assert r.status_code == 400 and r.json()["error"]["code"] == 400


# ---- real Mecklenburg layers ---------------------------------------------------------------


def ambiguous_real_addresses(table: object, data: Path) -> dict[str, list[dict]]:
    """Every listed line of every real building, and its key with the wrong town
    (Charlotte for a building in Cornelius: one candidate to confirm), that comes back
    as a question."""
    from lookup.dataset.holder import DatasetHolder
    from lookup.domain.schedule import LOCAL_TZ
    from lookup.errors import AddressAmbiguous
    from lookup.service import AddressQuery, find_polling_place

    ds = DatasetHolder(data).load_now()
    now = datetime(2020, 10, 20, 10, tzinfo=LOCAL_TZ)
    out: dict[str, list[dict]] = {}
    for b in table.buildings:  # type: ignore[attr-defined]
        for text in {x.line for x in b.listings} | {b.key, f"{b.key}, Charlotte"}:
            try:
                find_polling_place(ds, AddressQuery(text), now)
            except AddressAmbiguous as exc:
                out[text] = exc.details["candidates"]
    return out


@pytest.mark.realdata
def test_real_every_candidate_resolves(meck_table, meck_server) -> None:
    questions = ambiguous_real_addresses(*meck_table)
    several = {t: cs for t, cs in questions.items() if len(cs) > 1}
    assert len(questions) >= 20 and len(several) >= 3, sorted(questions)
    for text in questions:
        cands = candidates(meck_server, text, date="2020-10-20")
        assert_labels_tell_apart(cands)
        for c in cands:
            assert_resolves(meck_server, c, date="2020-10-20")


@pytest.mark.realdata
def test_real_tryon_street_candidates_read_apart_and_resolve(meck_server) -> None:
    """4045 N Tryon St: listed as "4045 N. TRYON STREET, CHARLOTTE" and "4045 N TRYON ST"
    on either side of a precinct line; 310 N Tryon St (the Main Library) answers."""
    cands = candidates(meck_server, "4045 n tryon st", date="2020-10-20")
    assert len(cands) == 2 and len({c["precinct"]["id"] for c in cands}) == 2
    assert_labels_tell_apart(cands)
    for c in cands:
        assert_resolves(meck_server, c, date="2020-10-20")
    main = meck_server.get("/api/v1/lookup", address="310 n tryon st", date="2020-10-20")
    if main.status_code == 422:  # a question: then each choice answers
        for c in main.json()["error"]["details"]["candidates"]:
            assert_resolves(meck_server, c, date="2020-10-20")
    else:
        assert main.status_code == 200, main.text
