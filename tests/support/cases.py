"""Values the shared fixtures build their cases from, which the tests check against."""

from __future__ import annotations

# A BOE name that is an HTML payload (``hostile_dir``): BOE files are untrusted input.
HOSTILE = "<img src=x onerror=alert(1)>"

# Names as NCSBE's files get them wrong (``display_dir``): cut at 30 characters mid-word,
# and a placeholder (the real 2020 list has ``Q`` at 3701 HAVEN DR).
CUT_NAME = "COLLEGE PARK COMMUNITY RECREAT"
NAMELESS = "Q"
NAMELESS_PRECINCT = "004"
FULL_NAME = "COLLEGE PARK COMMUNITY RECREATION CENTER"  # what CUT_NAME was cut from

# The demo county's address the suites look up (PCT 019), and a day of its 2028 early voting.
ADDRESS = "13186 5th St, Demo City NC 28990"
BEFORE = "2028-10-25"
