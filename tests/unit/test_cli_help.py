"""Every option and argument of every ``lookup`` command says what it is for."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Iterator

from lookup.cli import build_parser


def commands(
    parser: argparse.ArgumentParser, name: str = "lookup"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """The parser and each of its subcommands' (``change add`` included), by name."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, child in action.choices.items():
                yield from commands(child, f"{name} {sub}")


def test_every_option_of_every_command_has_a_help_line() -> None:
    found = list(commands(build_parser()))
    assert {"lookup refresh", "lookup doctor", "lookup change withdraw"} <= {n for n, _ in found}
    bare = [
        f"{name} {action.option_strings or action.dest}"
        for name, parser in found
        for action in parser._actions
        if not isinstance(action, argparse._SubParsersAction | argparse._HelpAction)
        and not (action.help or "").strip()
    ]
    assert bare == []


def test_refresh_help_explains_its_options() -> None:
    p = subprocess.run(
        [sys.executable, "-m", "lookup.cli", "refresh", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 0
    text = " ".join(p.stdout.split())  # argparse wraps lines at the terminal's width
    assert "--polling-places POLLING_PLACES NCSBE's polling-place file" in text
    assert "--election-date ELECTION_DATE Election Day (YYYY-MM-DD)" in text
