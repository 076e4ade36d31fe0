"""The deploy kit's systemd units, environment file and Mecklenburg sources file
(``scripts/deploy/``, ``data/sources.mecklenburg.toml``): what systemd says of the units, and that
the pieces name the same folders, commands and settings the code accepts."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from support.paths import ROOT

from lookup.cli import build_parser
from lookup.config import Settings
from lookup.ingest.config_file import load_config

SYSTEMD = ROOT / "scripts" / "deploy" / "systemd"
UNITS = ("lookup.service", "lookup-refresh.service", "lookup-refresh.timer")
ENV_EXAMPLE = ROOT / "scripts" / "deploy" / "lookup.env.example"
MECKLENBURG = ROOT / "data" / "sources.mecklenburg.toml"
INSTALLED = "/opt/lookup/.venv"  # where README "Deploy" installs the virtualenv
NCSBE = "https://s3.amazonaws.com/dl.ncsbe.gov/"


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's settings, each key with every value it is given (systemd allows
    repeats); comments and section headers dropped."""
    settings: dict[str, list[str]] = {}
    for line in (SYSTEMD / name).read_text().splitlines():
        if line.strip() and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def env_example() -> dict[str, str]:
    """The environment file as systemd's EnvironmentFile= reads it."""
    pairs = (
        line.partition("=")
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    return {key.strip(): value.strip() for key, _, value in pairs}


def command(name: str) -> list[str]:
    """The unit's ExecStart as arguments after the ``lookup`` program."""
    (exec_start,) = unit(name)["ExecStart"]
    program, *args = exec_start.split()
    assert program == f"{INSTALLED}/bin/lookup"
    return args


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze is not installed (Debian's systemd; scripts/setup.sh --test)",
)
def test_systemd_analyze_verifies_the_units_without_a_warning(tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists and is executable. The units name the
    # installed path (/opt/lookup/.venv); here they are copied with that one prefix
    # replaced by this checkout's .venv, whose bin/lookup is the same console script.
    venv = ROOT / ".venv"
    assert (venv / "bin" / "lookup").exists(), "run scripts/setup.sh first"
    for name in UNITS:
        text = (SYSTEMD / name).read_text()
        (tmp_path / name).write_text(text.replace(INSTALLED, str(venv)))
    done = subprocess.run(
        ["systemd-analyze", "verify", *UNITS],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # An unknown key or a bad value is only a warning with exit 0: none is accepted.
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "" and done.stdout.strip() == ""


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze absent")
def test_the_timer_fires_every_morning_at_half_past_five() -> None:
    (calendar,) = unit("lookup-refresh.timer")["OnCalendar"]
    done = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=2", calendar],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    fires = re.findall(r"\d{4}-\d\d-\d\d 05:30:00", done.stdout)
    assert len(fires) == 2
    assert (date.fromisoformat(fires[1][:10]) - date.fromisoformat(fires[0][:10])).days == 1
    assert unit("lookup-refresh.timer")["Unit"] == ["lookup-refresh.service"]
    assert unit("lookup-refresh.timer")["Persistent"] == ["true"]


@pytest.mark.parametrize("name", ["lookup.service", "lookup-refresh.service"])
def test_both_services_run_confined_as_the_lookup_user(name: str) -> None:
    u = unit(name)
    assert u["User"] == ["lookup"] and u["Group"] == ["lookup"]
    assert u["EnvironmentFile"] == ["/etc/lookup/lookup.env"]
    for key, value in (
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
    ):
        assert u[key] == [value], key
    # Writable: exactly the data and cache folders the environment file configures.
    env = env_example()
    (writable,) = u["ReadWritePaths"]
    assert set(writable.split()) == {env["LOOKUP_DATA_DIR"], env["LOOKUP_CACHE_DIR"]}


def test_the_service_serves_on_loopback_and_stops_after_gunicorns_graceful_stop() -> None:
    args = build_parser().parse_args(command("lookup.service"))
    assert (args.host, args.port, args.workers) == ("127.0.0.1", 8000, 2)
    # nginx's upstream is that address.
    nginx = (ROOT / "scripts" / "deploy" / "nginx" / "lookup.conf").read_text()
    assert re.search(r"upstream lookup_app \{\s*server 127\.0\.0\.1:8000;", nginx)
    u = unit("lookup.service")
    assert u["Restart"] == ["on-failure"] and int(u["RestartSec"][0]) > 0
    assert u["KillSignal"] == ["SIGTERM"]  # gunicorn's graceful stop
    # systemd's SIGKILL comes only after the workers' own graceful stop has had its time.
    serving = (ROOT / "lookup" / "serving.py").read_text()
    (graceful,) = re.findall(r'"graceful_timeout": (\d+)', serving)
    assert int(u["TimeoutStopSec"][0]) > int(graceful)


def test_the_refresh_unit_runs_the_installed_sources_file_once() -> None:
    u = unit("lookup-refresh.service")
    assert u["Type"] == ["oneshot"]
    assert u["StandardOutput"] == ["journal"]  # the change report, in the journal
    args = command("lookup-refresh.service")
    assert args[:3] == ["refresh", "--config", "/etc/lookup/sources.toml"]
    # README "Deploy" installs data/sources.mecklenburg.toml there: with that file in its
    # place, the command line parses as the CLI defines it.
    parsed = build_parser().parse_args([args[0], args[1], str(MECKLENBURG), *args[3:]])
    assert parsed.config == MECKLENBURG and parsed.wait and parsed.quiet


def test_the_environment_file_is_a_valid_configuration() -> None:
    env = env_example()
    settings = Settings.from_env(env)
    assert settings.data_dir == Path("/var/lib/lookup/data")
    assert settings.cache_dir == Path("/var/lib/lookup/cache")
    assert settings.trusted_proxies == 1  # nginx, one hop
    assert settings.hsts_max_age == 365 * 24 * 3600  # served over TLS only
    assert settings.admin_token == ""  # staff operations off until a token is set


def test_the_mecklenburg_sources_file_is_ready_to_edit() -> None:
    cfg = load_config(MECKLENBURG)
    assert cfg.county == "MECKLENBURG" and not cfg.demo
    assert cfg.election_date is not None
    assert cfg.data_dir == Path(env_example()["LOOKUP_DATA_DIR"])
    (precincts,) = cfg.precincts
    assert re.fullmatch(rf"{NCSBE}PrecinctMaps/SBE_PRECINCTS_\d{{8}}\.zip", str(precincts))
    # This election's NCSBE polling places, then the previous election's (the notice
    # that a precinct's polling place changed compares the two).
    this, previous = (str(s) for s in cfg.polling_places)
    day = cfg.election_date
    assert this == (f"{NCSBE}ENRS/{day:%Y_%m_%d}/polling_place_{day:%Y%m%d}.csv"), (
        "the ENRS folder and file must be the election's date"
    )
    found = re.fullmatch(
        rf"{NCSBE}ENRS/(\d{{4}})_(\d\d)_(\d\d)/polling_place_\1\2\3\.csv", previous
    )
    assert found, previous
    assert date(*map(int, found.groups())) < day
    # The county layers as place sources, each kind told by its file name.
    names = {Path(p).name for p in cfg.places}
    assert {"libraries.geojson", "schools.geojson", "fire_stations.geojson"} <= names
    assert cfg.addresses and cfg.early_voting
