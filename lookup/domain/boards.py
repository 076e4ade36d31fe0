"""County boards of elections: the contact every answer falls back to."""

from __future__ import annotations

from lookup.domain.models import BoardOfElections

KNOWN_BOARDS: dict[str, BoardOfElections] = {
    "MECKLENBURG": BoardOfElections(
        name="Mecklenburg County Board of Elections",
        phone="704-336-2133",
        url="https://www.mecknc.gov/BOE",
        address="741 Kenilworth Ave, Suite 202, Charlotte, NC 28204",
    ),
    # The generated demo county: a fictional number from the 555-01xx range.
    "DEMO": BoardOfElections(
        name="Demo County Board of Elections (fictional)",
        phone="919-555-0100",
        url="https://example.org/demo-county-board-of-elections",
        address="1 Demo Plaza, Demo City, NC 28990 (fictional)",
    ),
}

STATE_BOARD = BoardOfElections(
    name="North Carolina State Board of Elections",
    phone="919-814-0700",
    url="https://www.ncsbe.gov/",
    address="430 N Salisbury St, Raleigh, NC 27603",
)


def county_title(county: str) -> str:
    """``NEW HANOVER`` -> ``New Hanover``, ``MCDOWELL`` -> ``McDowell``: as people write it."""
    words = county.strip().split()
    return " ".join(
        f"Mc{w[2:].title()}" if w.upper().startswith("MC") else w.title() for w in words
    )


def county_board(county: str) -> BoardOfElections | None:
    """Another county's board, when ``KNOWN_BOARDS`` holds its published contact; else
    None: we never make up a phone number or address, callers are sent to the State
    Board (``STATE_BOARD``), which can give any county board's number."""
    return KNOWN_BOARDS.get(county.strip().upper())


def board_for(counties: tuple[str, ...]) -> BoardOfElections:
    """The county board for a one-county dataset, else the state board."""
    if len(counties) == 1 and counties[0] in KNOWN_BOARDS:
        return KNOWN_BOARDS[counties[0]]
    return STATE_BOARD
