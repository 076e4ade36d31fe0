"""Settings: declared once, frozen; ``Settings.from_env()`` is the only reader of os.environ."""

from __future__ import annotations

import ipaddress
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from lookup.geocode.base import ARCGIS, CENSUS, NOMINATIM
from lookup.insights.location import check_location

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_SOURCES = REPO_ROOT / "data" / "precincts" / "demo"

# Remote geocoders that LOOKUP_GEOCODERS may name (see ``geocode.remote``).
REMOTE_GEOCODERS = (CENSUS, ARCGIS, NOMINATIM)
MIN_TOKEN_CHARS = 24
# Rate-limit stores we give timeouts to (``limits.storage_options``): each worker's memory,
# or one Redis (Valkey) server. Sentinel, cluster and memcached clients would wait forever
# on a store that hangs, so they are refused rather than half supported.
RATE_LIMIT_STORES = ("memory", "redis", "rediss", "redis+unix", "valkey", "valkeys", "valkey+unix")


class ConfigError(ValueError):
    """A setting that cannot be used, named in the message: the command line prints it
    and exits, without a traceback."""


# Where gunicorn's workers share metric samples (prometheus_client reads it on import).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_OFF = ("0", "off", "false", "no")
_ON = ("1", "on", "true", "yes")
# Keys the app and the server share in a request's WSGI environ (the server cannot import
# the app's modules): the URL rule that answered, for gunicorn's access log, and a request
# gunicorn refused to parse, which the app then answers in its own error shape.
ROUTE_ENVIRON = "lookup.route"
REFUSED_ENVIRON = "lookup.refused"


@dataclass(frozen=True)
class _Number:
    """A numeric setting read from the environment, and the values it accepts."""

    name: str  # the Settings field
    env: str  # the variable that sets it
    kind: type[int] | type[float]
    least: float
    expects: str  # what the refusal says the variable must be
    above: bool = False  # True: must exceed ``least``; False: may equal it

    def allows(self, value: float) -> bool:
        return math.isfinite(value) and (value > self.least if self.above else value >= self.least)


_NUMBERS = (
    _Number("reload_interval", "LOOKUP_RELOAD_INTERVAL", float, 0, "seconds, 0 or more"),
    _Number("trusted_proxies", "LOOKUP_TRUSTED_PROXIES", int, 0, "a whole number, 0 or more"),
    _Number("hsts_max_age", "LOOKUP_HSTS", int, 0, "seconds, 0 (off) or more"),
    _Number("insights_min_count", "LOOKUP_INSIGHTS_MIN_COUNT", int, 1, "a whole number, 1 or more"),
    _Number("insights_retention_days", "LOOKUP_INSIGHTS_RETENTION_DAYS", int, 1, "days, 1 or more"),
    _Number("reports_retention_days", "LOOKUP_REPORTS_RETENTION_DAYS", int, 1, "days, 1 or more"),
    _Number(
        "geocoder_read_timeout",
        "LOOKUP_GEOCODER_TIMEOUT",
        float,
        0,
        "a positive number of seconds",
        above=True,
    ),
)


@dataclass(frozen=True)
class Settings:
    """``data_dir`` None means: the bundled demo county, built into ``cache_dir``.

    Remote geocoders are off unless ``geocoders`` names them; a URL left None means that
    backend's documented default (``geocode.remote``), except Nominatim, which has none.
    """

    data_dir: Path | None = None
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "lookup")
    demo_sources: Path = DEMO_SOURCES
    reload_interval: float = 2.0  # seconds between checks of the ``current`` pointer
    max_request_bytes: int = 4096  # query strings above this are refused (400)
    geocoders: tuple[str, ...] = ()  # remote backends to ask, in this order
    census_url: str | None = None
    arcgis_url: str | None = None
    nominatim_url: str | None = None
    geocoder_connect_timeout: float = 1.0  # seconds
    geocoder_read_timeout: float = 2.5  # seconds
    geocoder_contact: str = ""  # URL or e-mail put in the User-Agent for operators
    notices_file: Path | None = None  # staff's last-minute notices (``staff_notices``)
    # Origins of the city's sites: may call the API from their pages (CORS) and frame
    # /widget. None by default: the API answers its own pages, nothing else frames them.
    cors_origins: tuple[str, ...] = ()
    frame_ancestors: tuple[str, ...] = ()
    # Background tiles for the widget's map: a URL template with {z}, {x} and {y} (a
    # county's own tile server, or a provider whose terms allow it) and the credit line
    # its terms ask for. "" by default: the map is the precinct's outline alone, and the
    # widget asks nothing of any server but this one.
    tile_url: str = ""
    tile_attribution: str = ""
    # Staff operations (reload, insights) need this token; with none set they are off.
    admin_token: str = ""
    # Per-client limits on the public API (Flask-Limiter syntax; "" turns one off). Memory
    # of each worker by default; LOOKUP_RATE_LIMIT_STORAGE=redis://… shares them
    # (``RATE_LIMIT_STORES``).
    rate_limit: str = "60 per minute;600 per hour"
    suggest_rate_limit: str = "300 per minute"
    rate_limit_storage: str = "memory://"
    # Networks never limited: the call center's NAT, the city's own proxies (CIDR).
    rate_limit_exempt: tuple[str, ...] = ()
    # How many proxies in front set X-Forwarded-For (0: the peer address is the client).
    trusted_proxies: int = 0
    # Believe those proxies' X-Forwarded-Host too: only for a proxy that sets it itself
    # (the host names the service's own links; a client's header must never reach them).
    trust_forwarded_host: bool = False
    # Strict-Transport-Security max-age, seconds, on every answer (0: not sent). Only for a
    # deployment served over TLS: browsers then refuse plain http to the host that long.
    hsts_max_age: int = 0
    # Aggregate counters of what residents ask (``insights``); a path or a SQL URL.
    insights: bool = True
    insights_db: str = ""  # "" means <cache_dir>/insights.sqlite3
    insights_min_count: int = 5  # published cells under this are suppressed
    insights_retention_days: int = 730
    # The Board's answers to callers' questions: a folder with one ``<lang>/help.json`` per
    # language, in place of the bundled North Carolina set (``domain.help_topics``).
    help_dir: Path | None = None
    # "This looks wrong" reports from the front line (``reports``): a path or a SQL URL,
    # apart from the insight counters; a resolved report is deleted after this many days.
    reports_db: str = ""  # "" means <cache_dir>/reports.sqlite3
    reports_retention_days: int = 90
    # Per-client budget of reports filed from the public widget ("" turns it off).
    report_rate_limit: str = "5 per hour;20 per day"

    def __post_init__(self) -> None:
        # Checked here, not only in from_env, so that Settings(...) in code fails as loudly.
        names = tuple(self.geocoders)
        object.__setattr__(self, "geocoders", names)
        unknown = [n for n in names if n not in REMOTE_GEOCODERS]
        if unknown:
            raise ConfigError(
                f"unknown geocoder(s) {', '.join(map(repr, unknown))} in LOOKUP_GEOCODERS; "
                f"known: {', '.join(REMOTE_GEOCODERS)}"
            )
        if len(set(names)) != len(names):
            raise ConfigError(f"LOOKUP_GEOCODERS names a geocoder twice: {','.join(names)}")
        if NOMINATIM in names and not self.nominatim_url:
            raise ConfigError(
                "geocoder 'nominatim' needs LOOKUP_NOMINATIM_URL (a self-hosted instance; "
                "the public one forbids this use)"
            )
        if self.admin_token and len(self.admin_token) < MIN_TOKEN_CHARS:
            raise ConfigError(
                f"LOOKUP_ADMIN_TOKEN must be at least {MIN_TOKEN_CHARS} characters "
                "(e.g. the output of `python -c 'import secrets; print(secrets.token_urlsafe())'`)"
            )
        if self.tile_url:
            check_tile_url(self.tile_url)
        scheme = self.rate_limit_storage.split("://", 1)[0].lower()
        if "://" not in self.rate_limit_storage or scheme not in RATE_LIMIT_STORES:
            raise ConfigError(
                f"LOOKUP_RATE_LIMIT_STORAGE: {scheme!r} is not supported "
                f"({', '.join(s + '://' for s in RATE_LIMIT_STORES)})"
            )
        for exempt in self.rate_limit_exempt:
            try:
                ipaddress.ip_network(exempt, strict=False)
            except ValueError as exc:  # its message names the bad network
                raise ConfigError(f"LOOKUP_RATE_LIMIT_EXEMPT: {exc}") from None
        for location, env_name in (
            (self.insights_db, "LOOKUP_INSIGHTS_DB"),
            (self.reports_db, "LOOKUP_REPORTS_DB"),
        ):
            if location:
                try:
                    check_location(location)
                except ValueError as exc:  # its message names the scheme
                    raise ConfigError(f"{env_name}: {exc}") from None
        for number in _NUMBERS:
            value = getattr(self, number.name)
            if not number.allows(value):
                raise ConfigError(f"{number.env} must be {number.expects}, not {value!r}")
        timeout = self.geocoder_connect_timeout  # set in code only: no variable to name
        if not (math.isfinite(timeout) and timeout > 0):
            raise ConfigError(f"geocoder_connect_timeout must be seconds > 0, not {timeout!r}")

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        env = dict(os.environ) if env is None else env
        values: dict[str, object] = {}
        if env.get("LOOKUP_DATA_DIR"):
            values["data_dir"] = Path(env["LOOKUP_DATA_DIR"])
        if env.get("LOOKUP_CACHE_DIR"):
            values["cache_dir"] = Path(env["LOOKUP_CACHE_DIR"])
        elif env.get("XDG_CACHE_HOME"):
            values["cache_dir"] = Path(env["XDG_CACHE_HOME"]) / "lookup"
        for key, name in (
            ("LOOKUP_CORS_ORIGINS", "cors_origins"),
            ("LOOKUP_FRAME_ANCESTORS", "frame_ancestors"),
            ("LOOKUP_RATE_LIMIT_EXEMPT", "rate_limit_exempt"),
        ):
            if env.get(key):
                values[name] = tuple(o.strip() for o in env[key].replace(",", " ").split())
        if env.get("LOOKUP_HELP_DIR"):
            values["help_dir"] = Path(env["LOOKUP_HELP_DIR"])
        if env.get("LOOKUP_NOTICES_FILE"):
            values["notices_file"] = Path(env["LOOKUP_NOTICES_FILE"])
        if env.get("LOOKUP_GEOCODERS"):
            values["geocoders"] = tuple(
                n.strip().lower() for n in env["LOOKUP_GEOCODERS"].split(",") if n.strip()
            )
        for key, name in (
            ("LOOKUP_CENSUS_URL", "census_url"),
            ("LOOKUP_ARCGIS_URL", "arcgis_url"),
            ("LOOKUP_NOMINATIM_URL", "nominatim_url"),
            ("LOOKUP_GEOCODER_CONTACT", "geocoder_contact"),
            ("LOOKUP_ADMIN_TOKEN", "admin_token"),
            ("LOOKUP_RATE_LIMIT_STORAGE", "rate_limit_storage"),
            ("LOOKUP_INSIGHTS_DB", "insights_db"),
            ("LOOKUP_REPORTS_DB", "reports_db"),
            ("LOOKUP_TILE_URL", "tile_url"),
            ("LOOKUP_TILE_ATTRIBUTION", "tile_attribution"),
        ):
            if env.get(key, "").strip():
                values[name] = env[key].strip()
        for key, name in (
            ("LOOKUP_RATE_LIMIT", "rate_limit"),
            ("LOOKUP_SUGGEST_RATE_LIMIT", "suggest_rate_limit"),
            ("LOOKUP_REPORT_RATE_LIMIT", "report_rate_limit"),
        ):
            if key in env:
                value = env[key].strip()
                values[name] = "" if value.lower() in _OFF else value
        if env.get("LOOKUP_INSIGHTS", "").strip().lower() in _OFF:
            values["insights"] = False
        if env.get("LOOKUP_TRUST_FORWARDED_HOST", "").strip().lower() in _ON:
            values["trust_forwarded_host"] = True
        for number in _NUMBERS:
            if env.get(number.env, "").strip():
                try:
                    values[number.name] = number.kind(env[number.env])
                except ValueError:  # a traceback would bury the one line that matters
                    raise ConfigError(
                        f"{number.env} must be {number.expects}, not {env[number.env]!r}"
                    ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def tile_origin(self) -> str:
        """The origin the widget's tiles come from ("" without tiles): the only one the
        CSP of ``/widget`` adds to ``img-src``."""
        if not self.tile_url:
            return ""
        parts = urlsplit(self.tile_url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def insights_url(self) -> str:
        """Where the insight counters live: the configured path/URL or the cache folder."""
        return self.insights_db or str(self.cache_dir / "insights.sqlite3")

    @property
    def reports_url(self) -> str:
        """Where the front line's reports live: the configured path/URL or the cache folder."""
        return self.reports_db or str(self.cache_dir / "reports.sqlite3")


def check_tile_url(url: str) -> None:
    """A tile URL template the widget can use: http(s), a host, and {z}, {x} and {y}."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ConfigError(
            f"LOOKUP_TILE_URL must be an https:// URL template, e.g. "
            f"https://tiles.example.gov/{{z}}/{{x}}/{{y}}.png, not {url!r}"
        )
    missing = [p for p in ("{z}", "{x}", "{y}") if p not in url]
    if missing:
        raise ConfigError(f"LOOKUP_TILE_URL lacks {', '.join(missing)}: {url!r}")
    if any(c in parts.netloc for c in "{}"):
        raise ConfigError(f"LOOKUP_TILE_URL: the host must be fixed (no {{s}}), not {url!r}")
