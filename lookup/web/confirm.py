"""Notices that ask to confirm, shared by the resident page and the console: both show
them at the top of an answer.

Those about the address (``CALLER_CONFIRM``) are also read first in the console's script,
each with the sentence (a ``rep`` catalog key) that asks the caller; those about the
precinct (``BOARD_CONFIRM``) are for the representative to check with the board.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# Notice code -> the script's sentence asking the caller to confirm the address.
CALLER_CONFIRM: Mapping[str, str] = MappingProxyType(
    {
        "spelling_corrected": "script_confirm",
        "town_corrected": "script_confirm",
        "directional_assumed": "script_confirm",
        "unit_not_found": "script_confirm_unit",
        "street_only": "script_confirm_number",
    }
)
BOARD_CONFIRM: tuple[str, ...] = ("on_precinct_boundary", "verify_with_board")


def confirm_codes() -> dict[str, object]:
    """What the console's script reads from: ``{"caller": {code: key}, "board": [code]}``."""
    return {"caller": dict(CALLER_CONFIRM), "board": list(BOARD_CONFIRM)}
