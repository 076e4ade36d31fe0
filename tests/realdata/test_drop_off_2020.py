"""The Civic answer's ``dropOffLocations`` for a real Mecklenburg address in 2020
(``conftest.meck_2020``: NCSBE's 2020 files, early voting October 15-31, Election Day
November 3): the county board's office until 7:30 p.m. on Election Day, every one of the
county's 33 early-voting sites while early voting is open, nothing after; and the
look-up's ``help_topics`` at the same moments."""

from __future__ import annotations

from pathlib import Path

import pytest

from lookup.config import Settings
from lookup.dataset.holder import DatasetHolder
from lookup.domain.help_topics import TOPIC_IDS
from lookup.web.app import create_app

pytestmark = pytest.mark.realdata

MAIN_LIBRARY = "310 N Tryon St, Charlotte"  # a real address point (the facilities layer)
OFFICE = {
    "locationName": "Mecklenburg County Board of Elections",
    "line1": "741 Kenilworth Ave",
    "line2": "Suite 202",
    "city": "Charlotte",
    "state": "NC",
    "zip": "28204",
}
EVERY = list(TOPIC_IDS)
WITHOUT_SDR = [i for i in TOPIC_IDS if i != "same_day_registration"]


@pytest.fixture(scope="module")
def meck(meck_2020) -> tuple[object, Path]:
    _report, data = meck_2020
    app = create_app(Settings(data_dir=data, rate_limit="", suggest_rate_limit=""))
    return app.test_client(), data


def voterinfo(client, **moment: str) -> dict:
    r = client.get("/civicinfo/v2/voterinfo", query_string={"address": MAIN_LIBRARY, **moment})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def help_topics(client, **moment: str) -> list[str]:
    r = client.get("/api/v1/lookup", query_string={"address": MAIN_LIBRARY, **moment})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["help_topics"]


def assert_office(place: dict) -> None:
    assert place["address"] == OFFICE
    assert place["notes"] == (
        "Return a completed mail ballot here by hand. Mail ballots must be received by "
        "7:30 p.m. on Election Day (https://www.ncsbe.gov/voting/vote-mail)."
    )
    assert place["sources"] == [{"name": OFFICE["locationName"], "official": True}]
    assert "latitude" not in place and "pollingHours" not in place  # none of ours to give


def test_before_early_voting_the_board_office_only(meck) -> None:
    client, _ = meck
    (office,) = voterinfo(client, date="2020-10-01")["dropOffLocations"]
    assert_office(office)
    assert help_topics(client, date="2020-10-01") == WITHOUT_SDR


def test_during_early_voting_the_office_and_every_site_of_the_county(meck) -> None:
    client, data = meck
    body = voterinfo(client, at="2020-10-20T10:00")
    office, *sites = body["dropOffLocations"]
    assert_office(office)
    ds = DatasetHolder(data).load_now()
    county = ds.site_tables[(ds.elections[-1].day, "MECKLENBURG")]
    assert len(county.sites) == 33
    assert len(sites) == 33  # every site has a known address in the final 2020 list
    assert sorted(s["address"]["line1"] for s in sites) == sorted(
        s.address.line1 for s in county.sites
    )
    by_name = {e["name"]: e for e in body["earlyVoteSites"]}
    for s in sites:
        early = by_name[s["name"]]
        for key in ("pollingHours", "startDate", "endDate"):
            assert s[key] == early[key], key
        assert s["notes"].startswith(
            "Return a completed mail ballot here by hand while this site is open for early voting."
        )
    assert min(s["startDate"] for s in sites) == "2020-10-15"
    assert max(s["endDate"] for s in sites) == "2020-10-31"
    # Coordinates only where the data has them (9 of the 33 in this list).
    assert sum("latitude" in s for s in sites) == sum(s.lat is not None for s in county.sites)
    assert help_topics(client, at="2020-10-20T10:00") == EVERY


@pytest.mark.parametrize("moment", [{"date": "2020-11-02"}, {"at": "2020-11-03T19:29"}])
def test_after_early_voting_until_the_polls_close_the_office_only(meck, moment) -> None:
    client, _ = meck
    (office,) = voterinfo(client, **moment)["dropOffLocations"]
    assert_office(office)
    assert help_topics(client, **moment) == WITHOUT_SDR


def test_after_7_30_pm_on_election_day_nowhere(meck) -> None:
    client, _ = meck
    assert voterinfo(client, at="2020-11-03T19:31")["dropOffLocations"] == []
    assert help_topics(client, at="2020-11-03T19:31") == ["photo_id", "am_i_registered", "moved"]
