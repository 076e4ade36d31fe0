"""Every early-voting list shape reads, and a schedule is held to its election: the
county's list with a day list per cell (Mecklenburg's preliminary 2020 list), absurd
date ranges in the per-county JSON or any list, weekdays that contradict their dates."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest

from lookup.errors import DataError
from lookup.ingest.formats.fields import MAX_DAYS_BEFORE_ELECTION
from lookup.ingest.formats.one_stop_cells import parse_day_lines, split_address
from lookup.ingest.formats.registry import read_early_voting

E2020 = date(2020, 11, 3)
HEADER = "County,LocationName,Address,Dates\n"


def write_day_list(tmp_path: Path, *rows: tuple[str, str, str, str]) -> Path:
    """A county list as the county writes it: quoted multi-line Dates, LF line ends."""
    path = tmp_path / "one-stop-absentee-test.csv"
    lines = [",".join(f'"{c}"' for c in row) for row in rows]
    path.write_text(HEADER + "\n".join(lines) + "\n")
    return path


# Lines as the real list writes them: weekday, two-digit year, the continuation indented.
KELL_DATES = (
    "Thursday, 10/15/20, 8:00AM - 7:30PM\n"
    " Saturday, 10/17/20, 8:00AM - 3:00PM\n"
    " Sunday, 10/18/20, Closed\n"
    " Monday - Friday, 10/19/20 - 10/23/20, 8:00AM - 12:00PM, 1:00PM - 5:00PM\n"
    " 10/24/20, 9:00AM - Noon\n"
    " Saturday, 10/31/20, 8:00AM - 12:00PM\n"
    " Saturday, 10/31/20, 1:00PM - 3:00PM"
)


def test_day_list_reads_days_hours_and_address(tmp_path: Path) -> None:
    path = write_day_list(
        tmp_path,
        ("MECKLENBURG", "ARDREY KELL HIGH SCHOOL", "10220 ARDREY KELL RD, CHARLOTTE, NC 28277",
         KELL_DATES),
        ("WAKE", "ELSEWHERE", "1 MAIN ST, RALEIGH, NC 27601", "10/15/20, 8:00AM - 7:30PM"),
    )  # fmt: skip
    (kell,) = read_early_voting(path, "Mecklenburg", E2020)
    assert (kell.county, kell.name, kell.street, kell.city, kell.state, kell.zip) == (
        "MECKLENBURG",
        "ARDREY KELL HIGH SCHOOL",
        "10220 ARDREY KELL RD",
        "CHARLOTTE",
        "NC",
        "28277",
    )
    assert kell.election_day == E2020 and kell.lat is None
    by_day = {d.day: [(h.start, h.end) for h in d.hours] for d in kell.schedule}
    assert list(by_day) == sorted(by_day)
    assert by_day[date(2020, 10, 15)] == [(time(8), time(19, 30))]
    assert by_day[date(2020, 10, 18)] == []  # Closed
    # The weekday range keeps Monday to Friday, each a split day.
    week = [date(2020, 10, d) for d in range(19, 24)]
    assert all(by_day[d] == [(time(8), time(12)), (time(13), time(17))] for d in week)
    assert by_day[date(2020, 10, 24)] == [(time(9), time(12))]  # "Noon"
    # A split day written as two lines of one date.
    assert by_day[date(2020, 10, 31)] == [(time(8), time(12)), (time(13), time(15))]
    assert len(read_early_voting(path, None, E2020)) == 2


def test_tbd_site_has_no_address_and_is_kept(tmp_path: Path) -> None:
    path = write_day_list(
        tmp_path,
        ("MECKLENBURG", "SOUTHPARK AREA", "SOUTHPARK AREA TBD, CHARLOTTE, NC 28210",
         "Thursday, 10/15/20, 8:00AM - 7:30PM"),
    )  # fmt: skip
    (site,) = read_early_voting(path, "MECKLENBURG", E2020)
    # Nothing made up: not even the ZIP the placeholder line carries.
    assert (site.name, site.street, site.city, site.state, site.zip) == (
        "SOUTHPARK AREA",
        *[""] * 4,
    )
    assert (site.lat, site.lon) == (None, None)
    assert [d.day for d in site.schedule] == [date(2020, 10, 15)]
    assert split_address("To be announced", "w") == ("", "", "", "")
    assert split_address("100 Main St, Suite 2, Mint Hill NC 28227", "w") == (
        "100 MAIN ST, SUITE 2",
        "MINT HILL",
        "NC",
        "28227",
    )


@pytest.mark.parametrize(
    ("dates", "address", "message"),
    [
        # 10/16/2020 was a Friday: which of the two is wrong cannot be told.
        ("Thursday, 10/16/20, 8:00AM - 7:30PM", "1 MAIN ST, CHARLOTTE, NC 28202",
         r"line 2 \(SITE\), 'Thursday, 10/16/20, .*10/16/2020 is a Friday"),
        ("10/17/20, Closed\n10/17/20, 8:00AM - 3:00PM", "1 MAIN ST, CHARLOTTE, NC 28202",
         r"line 2 \(SITE\): 10/17/2020 is listed twice"),
        ("10/17/20, 8:00AM - 3:00PM\n10/17/20, 1:00PM - 5:00PM", "1 MAIN ST, CHARLOTTE, NC 28202",
         "10/17/2020 is listed twice"),
        ("Someday, 10/17/20, 8:00AM - 3:00PM", "1 MAIN ST, CHARLOTTE, NC 28202",
         "'Someday' is not a weekday"),
        ("10/17/20, whenever", "1 MAIN ST, CHARLOTTE, NC 28202", "no hours"),
        ("Thursday, 8:00AM - 3:00PM", "1 MAIN ST, CHARLOTTE, NC 28202", "no date"),
        ("10/17/20 or 10/18/20, 8:00AM - 3:00PM", "1 MAIN ST, CHARLOTTE, NC 28202",
         "cannot read the day or range of days"),
        ("10/24/20 - 10/17/20, 8:00AM - 3:00PM", "1 MAIN ST, CHARLOTTE, NC 28202",
         "the range ends before it starts"),
        ("10/17/20, 8:00AM - 3:00PM", "", r"no address \(write TBD"),
        ("10/17/20, 8:00AM - 3:00PM", "somewhere in town", "cannot read street, city"),
    ],
)  # fmt: skip
def test_day_list_refuses_in_one_line_naming_the_site(
    tmp_path: Path, dates: str, address: str, message: str
) -> None:
    path = write_day_list(tmp_path, ("MECKLENBURG", "Site", address, dates))
    with pytest.raises(DataError, match=message) as info:
        read_early_voting(path, "MECKLENBURG", E2020)
    text = str(info.value)
    assert text.startswith(f"{path.name} line 2 (SITE)") and "\n" not in text


def test_an_absurd_range_in_the_one_stop_json_is_refused_before_it_is_expanded(
    tmp_path: Path,
) -> None:
    """``01/01/1000 - 12/31/2999`` once became 730,485 days; now one line names the file
    and the site."""
    hours = "<table><tr><td>01/01/1000 - 12/31/2999</td><td>8:00 AM - 7:30 PM</td></tr></table>"
    doc = {
        "SelectedCounty": {"Name": "Mecklenburg"},
        "SiteList": [
            {
                "Name": "Spectrum Center",
                "SiteAddressStreet": "333 E Trade St",
                "SiteAddressCSZ": "Charlotte, NC 28202",
                "CompleteHoursHTML": hours,
            }
        ],
    }
    path = tmp_path / "sites.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError) as info:
        read_early_voting(path, "MECKLENBURG", E2020)
    text = str(info.value)
    assert text.startswith("sites.json site 1 (Spectrum Center)") and "\n" not in text
    assert "'01/01/1000 - 12/31/2999'" in text and "weeks long" in text
    # A site whose range runs past Election Day, in a list of this election, is refused
    # by name; alone, its days are mostly outside the period: another election's list.
    doc["SiteList"][0]["CompleteHoursHTML"] = hours.replace(
        "01/01/1000 - 12/31/2999", "10/30/2020 - 11/05/2020"
    )
    path.write_text(json.dumps(doc))
    with pytest.raises(DataError, match="not this election's early-voting list: 1 of 1 sites"):
        read_early_voting(path, "MECKLENBURG", E2020)
    right = hours.replace("01/01/1000 - 12/31/2999", "10/15/2020 - 10/31/2020")
    others = [
        {**doc["SiteList"][0], "Name": f"Library {k}", "CompleteHoursHTML": right} for k in range(3)
    ]
    doc["SiteList"] += others
    path.write_text(json.dumps(doc))
    with pytest.raises(
        DataError, match=r"MECKLENBURG site 'SPECTRUM CENTER': .*run past Election Day 2020-11-03"
    ):
        read_early_voting(path, "MECKLENBURG", E2020)


def test_the_cap_is_sixty_days_before_election_day(tmp_path: Path) -> None:
    """Every shape is held to it, here the hand-edited CSV (one row per day)."""
    assert MAX_DAYS_BEFORE_ELECTION == 60
    path = tmp_path / "sites.csv"

    def write(day: str) -> None:
        path.write_text(
            "county,name,street,city,zip,date,hours\n"
            "Test,Town Hall,1 Main St,Testville,28999,2020-10-15,8:00AM - 7:30PM\n"
            f"Test,Town Hall,1 Main St,Testville,28999,{day},8:00AM - 7:30PM\n"
        )

    write("2020-09-04")  # 60 days before 2020-11-03
    (site,) = read_early_voting(path, "TEST", E2020)
    assert site.schedule[0].day == date(2020, 9, 4)
    write("2020-09-03")
    with pytest.raises(DataError, match=r"sites.csv: TEST site 'TOWN HALL': days 2020-09-03"):
        read_early_voting(path, "TEST", E2020)
    write("01/01/1000")
    with pytest.raises(DataError, match="start 372,854 days before Election Day"):
        read_early_voting(path, "TEST", E2020)


def test_an_absurd_range_in_a_day_list_is_refused(tmp_path: Path) -> None:
    path = write_day_list(
        tmp_path,
        ("MECKLENBURG", "Site", "1 MAIN ST, CHARLOTTE, NC 28202",
         "01/01/1000 - 12/31/2999, 8:00AM - 7:30PM"),
    )  # fmt: skip
    with pytest.raises(DataError, match=r"line 2 \(SITE\), '01/01/1000 - 12/31/2999, "):
        read_early_voting(path, "MECKLENBURG", E2020)


def test_day_lines_with_month_names_and_a_wrapping_weekday_range() -> None:
    days = parse_day_lines(
        "Sat - Mon, Oct 24 - Oct 26, 10:00 a.m. - 2:00 p.m.\nThurs., October 15, 2020, Closed",
        E2020,
        "w",
    )
    assert [(d.day.isoformat(), len(d.hours)) for d in days] == [
        ("2020-10-15", 0),
        ("2020-10-24", 1),
        ("2020-10-25", 1),
        ("2020-10-26", 1),
    ]
    assert days[1].hours[0].start == time(10) and days[1].hours[0].end == time(14)
