"""``lookup check --format text``: what a person reads, in English and Spanish, and no
terminal control from the data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from lookup.outputs.text_answer import answer_text, error_text

ADDRESS = "13186 5th St, Demo City NC 28990"


def check(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    """The command's output, Babel's narrow no-break spaces ("8:00\u202fAM") as spaces."""
    p = subprocess.run(
        [sys.executable, "-m", "lookup.cli", "check", *args],
        capture_output=True,
        text=True,
        env={"LOOKUP_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    p.stdout = p.stdout.replace("\u202f", " ").replace("\xa0", " ")
    return p


def test_text_answer_in_english(demo_dir: Path, demo_cache: Path) -> None:
    p = check("--data-dir", str(demo_dir), "--at", "2028-10-25T10:00", "--format", "text",
              ADDRESS, cache=demo_cache)  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert not out.lstrip().startswith("{")
    for line in (
        "Address found: 13186 5TH ST, DEMO CITY, NC 28990",
        "Precinct: 019 COLLEGE PARK",
        "General Election: Tuesday, November 7, 2028",
        "Election Day polling place:",
        "  College Park Recreation Center",
        "  7333 Gull Street, Demo City, NC 28990",
        "  Tuesday, November 7: 6:30 AM to 7:30 PM",
        "Early-voting sites open now, nearest first:",
        "- Demo County Board of Elections (0.6 mi)",
        "  Today: 8:00 AM to 7:30 PM",
        "Board of Elections: Demo County Board of Elections (fictional), 919-555-0100",
    ):
        assert line in out.splitlines(), line
    assert "DEMO DATA" in out  # the demo notice is among the notices
    # Nearest first, as the JSON answer orders them.
    body = json.loads(check("--data-dir", str(demo_dir), "--at", "2028-10-25T10:00", ADDRESS,
                            cache=demo_cache).stdout)  # fmt: skip
    shown = [s["display_name"] for s in body["early_voting_sites"] if s["state"]["kind"] == "open"]
    listed = [line[2:].rsplit(" (", 1)[0] for line in out.splitlines() if line.startswith("- ")]
    assert listed[:2] == shown[:2]


def test_text_answer_in_spanish_before_the_sites_open(demo_dir: Path, demo_cache: Path) -> None:
    p = check("--data-dir", str(demo_dir), "--at", "2028-10-25T06:00", "--format", "text",
              "--lang", "es", ADDRESS, cache=demo_cache)  # fmt: skip
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert "Distrito electoral: 019 COLLEGE PARK" in lines
    assert "Elección General: martes, 7 de noviembre de 2028" in lines
    assert "  martes, 7 de noviembre: de 6:30 a.m. a 7:30 p.m." in lines
    assert any(
        line.startswith("Ningún lugar de votación anticipada está abierto") for line in lines
    )
    assert "Junta de Elecciones: Demo County Board of Elections (fictional), 919-555-0100" in lines


def test_text_errors_keep_the_exit_codes(demo_dir: Path, demo_cache: Path) -> None:
    p = check("--data-dir", str(demo_dir), "--date", "2028-10-25", "--format", "text",
              "912 Main St", cache=demo_cache)  # fmt: skip
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    assert lines[0].startswith("Please confirm the address")
    assert "- 912 MAIN ST, RIVERTON, NC 28993 — precinct 031, ELM PARK" in lines
    assert lines[-1].endswith("919-555-0100")
    p = check("--data-dir", str(demo_dir), "--format", "text", "no numbers here", cache=demo_cache)
    assert p.returncode == 2 and "{" not in p.stdout


def test_control_characters_from_the_data_are_written_as_escapes() -> None:
    hostile = "EVIL\x1b[2J\x07 SCHOOL"
    body = {
        "match": {"address": "1 MAIN ST\r\nFAKE LINE", "lat": 35.0, "lon": -80.0},
        "precinct": {"id": "001", "name": hostile},
        "election": None,
        "polling_place": {
            "display_name": hostile,
            "display_address": "1 Main\x1b St",
            "hours": None,
        },
        "notices": [],
        "board_of_elections": {"name": "Board", "phone": "555"},
    }
    text = answer_text(body, "en")
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "EVIL\\x1b[2J\\x07 SCHOOL" in text and "1 MAIN ST\\r\\nFAKE LINE" in text
    error = {
        "error": {"message": "m", "details": {"candidates": [
            {"address": "A\x1bB", "precinct": {"id": "1", "name": "N"}}]}},
        "board_of_elections": {"name": "Board", "phone": "555"},
    }  # fmt: skip
    assert "\x1b" not in error_text(error, "en") and "A\\x1bB" in error_text(error, "en")
