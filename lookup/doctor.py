"""``lookup doctor``: what staff check before an election, one line per finding.

Each check reports ``ok``, ``warn`` or ``FAIL`` and what it found: the configuration, the
live data and its election, how old the data is, the stores the service writes to or asks
(rate-limit Redis, insights and reports databases, remote geocoders), the proxy setting
and the staff token. Nothing here changes the data or a store (a SQLite folder is checked
with ``os.access``, never by creating the file); with no data folder configured the demo
county is built on first use, as ``serve`` would.
Network clients (SQLAlchemy, ``limits``' Redis, ``requests``) load inside their check only:
the core never imports them (``tests/unit/test_architecture.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from lookup.config import ConfigError, Settings
from lookup.domain.models import Election
from lookup.domain.schedule import active_election, to_local
from lookup.errors import DataError

Level = Literal["ok", "warn", "FAIL"]

REDIS_TIMEOUT_S = 1.0  # a Redis on the LAN answers PING in well under a millisecond
DATABASE_TIMEOUT_S = 2  # PostgreSQL's connect_timeout (whole seconds)
GEOCODER_TIMEOUT_S = 2.0
# The freshness rule: close to an election the county keeps changing places and hours, so
# data published more than FRESH_DAYS ago is stale inside the last ELECTION_WINDOW_DAYS.
FRESH_DAYS = 7
ELECTION_WINDOW_DAYS = 60


@dataclass(frozen=True)
class Finding:
    """One check's result: its level, the thing checked and what was found."""

    level: Level
    check: str
    text: str

    def line(self) -> str:
        return f"{self.level:<4} {self.check}: {self.text}"


def failed(findings: list[Finding]) -> bool:
    return any(f.level == "FAIL" for f in findings)


def run_checks(
    now: datetime, data_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> list[Finding]:
    """Every check, in the order staff read them. ``env``: the environment (default: the
    process's); ``now``: the moment the election and data age are measured from."""
    try:
        settings = Settings.from_env(None if env is None else dict(env), data_dir=data_dir)
    except ConfigError as exc:  # nothing else can be checked without settings
        return [Finding("FAIL", "configuration", str(exc))]
    findings = [Finding("ok", "configuration", "valid")]
    findings += _data_checks(settings, now)
    findings.append(_rate_limit_store(settings.rate_limit_storage))
    if settings.insights:
        findings.append(_database("insights database", settings.insights_url))
    else:
        findings.append(Finding("ok", "insights database", "off (LOOKUP_INSIGHTS)"))
    findings.append(_database("reports database", settings.reports_url))
    findings += _geocoders(settings)
    findings.append(_proxies(settings.trusted_proxies))
    findings.append(_admin_token(settings.admin_token))
    return findings


# ---- the data --------------------------------------------------------------------------


def _data_checks(settings: Settings, now: datetime) -> Iterator[Finding]:
    from lookup.dataset.holder import DatasetHolder
    from lookup.dataset.location import resolve_data_dir

    if settings.data_dir is None:
        yield Finding(
            "warn",
            "data folder",
            "none configured (LOOKUP_DATA_DIR or --data-dir): the fictional demo county",
        )
    try:
        folder = resolve_data_dir(settings, now)
        ds = DatasetHolder(folder).load_now()
    except (DataError, OSError) as exc:
        yield Finding("FAIL", "data folder", str(exc))
        return
    demo = " (DEMO DATA: fictional)" if ds.demo else ""
    yield Finding(
        "warn" if ds.demo else "ok",
        "live version",
        f"{folder}: version {ds.version} loads, {len(ds.precincts)} precincts{demo}",
    )
    today = to_local(now).date()
    election, over = active_election(ds.elections, today)
    yield _election(election, over, today)
    ahead = None if election is None or over else (election.day - today).days
    yield freshness(_created(folder), now, ahead)


def _election(election: Election | None, over: bool, today: date) -> Finding:
    if election is None:
        return Finding("warn", "election", "the live version holds no election")
    days = (election.day - today).days
    said = f"{election.name} on {election.day.isoformat()}"
    if over:
        return Finding(
            "warn",
            "election",
            f"none ahead: the last, {said}, was {-days} days ago "
            "(refresh with the next election's files)",
        )
    return Finding("ok", "election", f"{said}: " + ("today" if days == 0 else f"in {days} days"))


def _created(folder: Path) -> datetime | None:
    """When the live version was made (its manifest's ``created``), None if unknown."""
    from lookup.dataset.publish import version_history

    live = next((v for v in version_history(folder) if v.live), None)
    if live is None or not live.created:
        return None
    try:
        return datetime.fromisoformat(live.created)
    except ValueError:
        return None


def freshness(created: datetime | None, now: datetime, days_ahead: int | None) -> Finding:
    if created is None:
        return Finding("warn", "data age", "the live version does not say when it was made")
    if created.tzinfo is None or now.tzinfo is None:  # compare like with like
        created, now = created.replace(tzinfo=None), now.replace(tzinfo=None)
    age = (now - created).days
    if age < 0:  # --at before the refresh: nothing to measure
        return Finding("ok", "data age", f"made {created.date().isoformat()}, after {now:%Y-%m-%d}")
    said = f"made {created.date().isoformat()}, {age} days ago"
    rule = (
        f"within {ELECTION_WINDOW_DAYS} days of an election, refresh at least every "
        f"{FRESH_DAYS} days: places and early-voting hours change most then"
    )
    if days_ahead is not None and days_ahead <= ELECTION_WINDOW_DAYS and age > FRESH_DAYS:
        return Finding("warn", "data age", f"{said}, election in {days_ahead} days ({rule})")
    return Finding("ok", "data age", said)


# ---- the stores --------------------------------------------------------------------------


def _shown(uri: str) -> str:
    """A store's URL without credentials: scheme, host and port (or socket path)."""
    parts = urlsplit(uri)
    where = parts.hostname or parts.path or ""
    if parts.port:
        where = f"{where}:{parts.port}"
    return f"{parts.scheme}://{where}"


def _rate_limit_store(uri: str) -> Finding:
    name = "rate-limit store"
    if uri.split("://", 1)[0].lower() == "memory":
        return Finding("ok", name, "memory:// (each worker counts its own clients)")
    from limits.storage import storage_from_string

    timeouts = {"socket_timeout": REDIS_TIMEOUT_S, "socket_connect_timeout": REDIS_TIMEOUT_S}
    try:
        answered = storage_from_string(uri, **timeouts).check()  # a PING
    except Exception as exc:  # a client that cannot even be built: say its type only
        return Finding("FAIL", name, f"{_shown(uri)}: {type(exc).__name__}")
    if not answered:
        return Finding(
            "FAIL", name, f"{_shown(uri)}: no answer to PING within {REDIS_TIMEOUT_S:g} s"
        )
    return Finding("ok", name, f"{_shown(uri)}: answers PING")


def _database(name: str, location: str) -> Finding:
    """SQLite: the file, or the folder it would be created in, is writable (the service
    creates it on first write). Another database: a connection and ``SELECT 1``."""
    from lookup.insights.location import engine_url

    url = engine_url(location)
    if url.startswith("sqlite:"):
        path = Path(url.split(":///", 1)[-1])
        return _sqlite_writable(name, path)
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    engine = create_engine(parsed, connect_args={"connect_timeout": DATABASE_TIMEOUT_S})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:  # the driver's first line: host, port, why refused
        reason = str(getattr(exc, "orig", exc) or type(exc).__name__).strip().splitlines()
        return Finding("FAIL", name, f"{shown}: {reason[0] if reason else type(exc).__name__}")
    finally:
        engine.dispose()
    return Finding("ok", name, f"{shown}: connects")


def _sqlite_writable(name: str, path: Path) -> Finding:
    if path.exists():
        if os.access(path, os.R_OK | os.W_OK):
            return Finding("ok", name, f"{path}: writable")
        return Finding("FAIL", name, f"{path}: not writable by this user")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:  # the service makes the rest
        folder = folder.parent
    if folder.is_dir() and os.access(folder, os.W_OK | os.X_OK):
        return Finding("ok", name, f"{path}: not created yet, {folder} writable")
    return Finding("FAIL", name, f"{path}: cannot be created ({folder} is not a writable folder)")


def _geocoders(settings: Settings) -> Iterator[Finding]:
    if not settings.geocoders:
        yield Finding("ok", "remote geocoders", "none configured (offline)")
        return
    from lookup.geocode.remote import CENSUS_URL, CHARLOTTE_ARCGIS_URL

    urls = {
        "census": settings.census_url or CENSUS_URL,
        "arcgis": settings.arcgis_url or CHARLOTTE_ARCGIS_URL,
        "nominatim": settings.nominatim_url or "",
    }
    for backend in settings.geocoders:
        yield _reachable(f"geocoder {backend}", urls[backend])


def _reachable(name: str, url: str) -> Finding:
    """A HEAD of the service's URL: any HTTP answer below 500 means it is there (a
    geocoder may well refuse HEAD or a bare URL with 4xx)."""
    import requests

    try:
        resp = requests.head(url, timeout=GEOCODER_TIMEOUT_S, allow_redirects=False)
    except requests.RequestException as exc:
        return Finding(
            "FAIL",
            name,
            f"{url}: unreachable ({type(exc).__name__}, timeout {GEOCODER_TIMEOUT_S:g} s)",
        )
    level: Level = "warn" if resp.status_code >= 500 else "ok"
    return Finding(level, name, f"{url}: HTTP {resp.status_code}")


# ---- the edge ----------------------------------------------------------------------------


def _proxies(trusted: int) -> Finding:
    if trusted == 0:
        return Finding("ok", "trusted proxies", "0: the connecting address is the client")
    if trusted == 1:  # the deploy kit's set-up: nginx on the same host, X-Forwarded-For set
        return Finding(
            "ok",
            "trusted proxies",
            "1: one proxy in front sets X-Forwarded-For (the deploy kit's nginx); serve on "
            "127.0.0.1 only, or a client can forge its address",
        )
    return Finding(
        "warn",
        "trusted proxies",
        f"LOOKUP_TRUSTED_PROXIES={trusted}: must equal the number of proxies in front that "
        "append X-Forwarded-For (more than there are: a client can forge its address and "
        "escape its rate limit; fewer: every client shares the proxy's budget)",
    )


def _admin_token(token: str) -> Finding:
    if token:
        return Finding("ok", "admin token", "set: staff routes on")
    return Finding(
        "warn",
        "admin token",
        "LOOKUP_ADMIN_TOKEN not set: staff routes (reload, rollback, insights) answer 403",
    )
