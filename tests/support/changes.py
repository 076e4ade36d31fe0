"""Changes on the day posted against the demo county in the tests: one document each,
shared (merge with ``|`` to vary one; never mutate)."""

from __future__ import annotations

from typing import Any

from lookup.i18n import DEFAULT_LANG, languages

OTHER = next(code for code in languages() if code != DEFAULT_LANG)  # a second language
SITE = "demo-riverton-recreation-center"  # an early-voting site of the demo county

# Precinct 019's Election Day place moved for Election Day (API, CLI and model tests).
RELOCATE: dict[str, Any] = {
    "kind": "relocate",
    "precinct_id": "019",
    "from": "2028-11-07T06:00",
    "to": "2028-11-07T20:00",
    "place": {
        "name": "DEMO HIGH SCHOOL GYM",
        "address": {"line1": "1 SCHOOL RD", "city": "DEMO CITY", "zip": "28990"},
        "lat": 34.917,
        "lon": -75.278,
    },
    "reason": {DEFAULT_LANG: "Flooded parking lot"},
}

# What the console and the widget are shown on 2028-10-25 at 10:00 (browser tests): the
# demo address's precinct moved for the day, and its nearest site closed in the morning.
DAY_ADDRESS = "13186 5th St, Demo City NC 28990"  # precinct 019, College Park Recreation Center
DAY_AT = "2028-10-25T10:00"  # a Wednesday of early voting; both changes hold
DAY_CLOSED = "demo-demo-county-board-of-elections"  # the address's nearest site (0.64 mi)
DAY_RELOCATE: dict[str, Any] = {
    "kind": "relocate",
    "precinct_id": "019",
    "from": "2028-10-25T06:00",
    "to": "2028-10-25T20:00",
    "place": {
        "name": "Demo Fire Station 4",
        "address": {"line1": "100 Elm St", "city": "Demo City", "zip": "28990"},
        "lat": 34.9085488832483,
        "lon": -75.2722699226197,
    },
    "reason": {"en": "Power outage at the recreation center", "es": "Corte de luz en el centro"},
}
DAY_CLOSE: dict[str, Any] = {
    "kind": "close_site",
    "site_id": DAY_CLOSED,
    "from": "2028-10-25T08:00",
    "to": "2028-10-25T14:00",
    "reason": {"en": "Flooded parking lot", "es": "Estacionamiento inundado"},
}
