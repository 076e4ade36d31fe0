"""Numeric settings from the environment: a bad value is one line naming the variable and
what it expects, never a Python traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lookup.config import ConfigError, Settings


@pytest.mark.parametrize(
    ("variable", "value", "expects"),
    [
        ("LOOKUP_RELOAD_INTERVAL", "abc", "seconds, 0 or more"),
        ("LOOKUP_RELOAD_INTERVAL", "-1", "seconds, 0 or more"),
        ("LOOKUP_RELOAD_INTERVAL", "nan", "seconds, 0 or more"),
        ("LOOKUP_RELOAD_INTERVAL", "inf", "seconds, 0 or more"),
        ("LOOKUP_TRUSTED_PROXIES", "x", "a whole number, 0 or more"),
        ("LOOKUP_TRUSTED_PROXIES", "-1", "a whole number, 0 or more"),
        ("LOOKUP_TRUSTED_PROXIES", "1.5", "a whole number, 0 or more"),
        ("LOOKUP_INSIGHTS_MIN_COUNT", "0", "a whole number, 1 or more"),
        ("LOOKUP_INSIGHTS_RETENTION_DAYS", "two years", "days, 1 or more"),
        ("LOOKUP_INSIGHTS_RETENTION_DAYS", "-730", "days, 1 or more"),
        ("LOOKUP_GEOCODER_TIMEOUT", "soon", "a positive number of seconds"),
        ("LOOKUP_GEOCODER_TIMEOUT", "0", "a positive number of seconds"),
    ],
)
def test_a_bad_number_names_its_variable(variable: str, value: str, expects: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({variable: value})
    message = str(caught.value)
    assert message.startswith(f"{variable} must be {expects}, not ")
    assert "\n" not in message


def test_good_numbers_are_read() -> None:
    settings = Settings.from_env(
        {
            "LOOKUP_RELOAD_INTERVAL": "0",  # check the pointer on every request
            "LOOKUP_TRUSTED_PROXIES": " 2 ",
            "LOOKUP_INSIGHTS_MIN_COUNT": "10",
            "LOOKUP_INSIGHTS_RETENTION_DAYS": "365",
            "LOOKUP_GEOCODER_TIMEOUT": "1.5",
        }
    )
    assert settings.reload_interval == 0.0 and settings.trusted_proxies == 2
    assert settings.insights_min_count == 10 and settings.insights_retention_days == 365
    assert settings.geocoder_read_timeout == 1.5


def test_settings_made_in_code_are_checked_as_strictly() -> None:
    with pytest.raises(ConfigError, match=r"^LOOKUP_TRUSTED_PROXIES must be"):
        Settings(trusted_proxies=-1)
    with pytest.raises(ConfigError, match=r"^geocoder_connect_timeout must be"):
        Settings(geocoder_connect_timeout=0.0)


@pytest.mark.parametrize(
    ("env", "args", "said"),
    [
        ({"LOOKUP_RELOAD_INTERVAL": "abc"}, [], "lookup: configuration: LOOKUP_RELOAD_INTERVAL"),
        ({"LOOKUP_TRUSTED_PROXIES": "-1"}, [], "lookup: configuration: LOOKUP_TRUSTED_PROXIES"),
        ({}, ["--workers", "0"], "--workers: '0' is not a positive whole number"),
    ],
)
def test_serve_refuses_a_bad_number_in_one_line(
    tmp_path: Path, env: dict[str, str], args: list[str], said: str
) -> None:
    # Refused before any data is looked for: the folder need not exist.
    p = subprocess.run(
        [sys.executable, "-m", "lookup.cli", "serve", "--data-dir", str(tmp_path / "data"), *args],
        capture_output=True,
        text=True,
        env={"LOOKUP_CACHE_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", **env},
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    assert said in p.stderr and "Traceback" not in p.stderr
    if env:  # argparse adds its usage line; a setting is the one line alone
        assert p.stderr.count("\n") == 1, p.stderr
