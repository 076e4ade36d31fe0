"""Autocomplete over the local address points."""

from __future__ import annotations

import pytest
from support.builders import DEFAULT_ADDRESSES, tiny_dataset

from lookup.geocode.suggest import suggest

T, Z = "TESTVILLE", "28999"
ROWS = (
    DEFAULT_ADDRESSES
    + [
        ("4337 GLENWOOD DR", "", T, Z, 0.2, 0.8),
        ("4337 GLENDALE RD", "", T, Z, 0.2, 0.7),
        ("4337 N TRYON ST", "", T, Z, 1.2, 0.7),
        ("4338 GLENWOOD DR", "", T, Z, 0.2, 0.8),
        ("100 E 4TH ST", "", T, Z, 0.7, 0.2),
    ]
    + [("4337 GLENWOOD DR", str(u), T, Z, 0.2, 0.8) for u in range(1, 30)]
)


@pytest.fixture(scope="module")
def index():
    return tiny_dataset(addresses=ROWS).addresses


def labels(index, q: str, limit: int = 10) -> list[str]:
    return [p.label() for p in suggest(index, q, limit)]


def test_prefix_of_number_and_street(index) -> None:
    assert labels(index, "4337 glen") == [
        "4337 GLENDALE RD, TESTVILLE, NC 28999",
        "4337 GLENWOOD DR, TESTVILLE, NC 28999",
    ]
    assert labels(index, "4337 glenw") == ["4337 GLENWOOD DR, TESTVILLE, NC 28999"]


def test_units_fold_into_their_building(index) -> None:
    # 29 units and the building itself: one suggestion.
    assert labels(index, "4337 glenwood d") == ["4337 GLENWOOD DR, TESTVILLE, NC 28999"]


def test_finished_words_are_normalised(index) -> None:
    assert labels(index, "4337 north tr") == ["4337 N TRYON ST, TESTVILLE, NC 28999"]
    assert labels(index, "4337 Glenwood Drive") == ["4337 GLENWOOD DR, TESTVILLE, NC 28999"]
    assert labels(index, "100 east fourth") == ["100 E 4TH ST, TESTVILLE, NC 28999"]


def test_a_typo_is_tolerated_after_a_few_letters(index) -> None:
    assert "4337 GLENWOOD DR, TESTVILLE, NC 28999" in labels(index, "4337 glenwoid")
    assert labels(index, "4337 gx") == []  # too short to guess


def test_number_alone_lists_that_number_and_limit_holds(index) -> None:
    assert len(labels(index, "4337", limit=2)) == 2
    assert all(s.startswith("433") for s in labels(index, "433"))


@pytest.mark.parametrize("q", ["", "   ", "glenwood", "<script>", "🙂", "4337 " + "x" * 150])
def test_nothing_to_suggest(index, q: str) -> None:
    assert labels(index, q) == []
