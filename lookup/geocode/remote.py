"""Remote geocoders, all optional and off unless ``Settings.geocoders`` names them: the US
Census Geocoder, the City of Charlotte's ArcGIS locator on the county Master Address Table,
and a self-hosted Nominatim.

Each backend is wrapped the same way, because a caller is on the phone while we wait:

* short connect/read timeouts, and no retries except one immediate retry when the
  connection was refused or reset before any response (a stale pooled connection, a
  restarting proxy), which costs nothing when the backend is down;
* a circuit breaker: after a few consecutive failures the backend is skipped for a
  cool-down instead of making every caller wait for its timeout;
* a bounded TTL cache of answers (including "no match"), never of failures.

Every failure becomes ``errors.GeocoderUnavailable(backend=..., reason=...)``. The address
text is never logged nor put into an exception: it is a resident's home address.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests
from cachetools import TTLCache
from urllib3.exceptions import ReadTimeoutError

from lookup import __version__
from lookup.errors import GeocoderUnavailable
from lookup.geocode.base import ARCGIS, CENSUS, NOMINATIM, Candidate, Geocoder

if TYPE_CHECKING:
    from lookup.config import Settings

log = logging.getLogger(__name__)

CENSUS_URL = "https://geocoding.geo.census.gov"
# The City of Charlotte's locator on the Mecklenburg Master Address Table. A documented
# default only: the backend is used when LOOKUP_GEOCODERS names "arcgis".
CHARLOTTE_ARCGIS_URL = (
    "https://gis.charlottenc.gov/arcgis/rest/services/LOC/MasterAddress/GeocodeServer"
)
# No Nominatim default: the public instance forbids this kind of use; self-host it.

CONNECT_TIMEOUT = 1.0  # seconds
READ_TIMEOUT = 2.5  # seconds, per socket read
FAILURE_THRESHOLD = 3  # consecutive failures that open the circuit
COOL_DOWN = 30.0  # seconds a tripped backend is skipped before one trial request
CACHE_SIZE = 10_000
CACHE_TTL = 3600.0  # seconds

# Census points are interpolated along TIGER address ranges, not rooftops, so even a
# perfect match can land on the wrong side of a precinct line.
CENSUS_SCORE = 0.8
# Nominatim's ``importance`` is prominence, not match quality (~1e-5 for a house): a
# house-level hit gets one flat score, below the address-point sources.
NOMINATIM_SCORE = 0.7

Clock = Callable[[], float]


class _RedactQueries(logging.Filter):
    """urllib3 logs every request line (query string included) at DEBUG, and our query
    strings hold a resident's address: keep the path, drop the query."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.split("?", 1)[0] + "?[redacted]" if isinstance(a, str) and "?" in a else a
                for a in record.args
            )
        return True


# Filters on a logger see only that logger's own records, so each one that logs URLs.
for _name in ("urllib3.connectionpool", "urllib3.util.retry"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(f, _RedactQueries) for f in _logger.filters):
        _logger.addFilter(_RedactQueries())


@dataclass(frozen=True)
class Policy:
    """How patient to be with one backend."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    failure_threshold: int = FAILURE_THRESHOLD
    cool_down: float = COOL_DOWN
    cache_size: int = CACHE_SIZE
    cache_ttl: float = CACHE_TTL


def user_agent(contact: str = "") -> str:
    """Identify ourselves to operators, who may need to reach us about our traffic."""
    who = f"polling-place lookup; +{contact}" if contact else "polling-place lookup"
    return f"lookup/{__version__} ({who})"


def make_session(contact: str = "") -> requests.Session:
    """The one Session the configured backends share (one connection pool, one UA)."""
    session = requests.Session()
    session.headers["User-Agent"] = user_agent(contact)
    session.headers["Accept"] = "application/json"
    return session


def normalize_query(text: str) -> str:
    """Whitespace collapsed; what is sent to the backend."""
    return " ".join(text.split())


def cache_key(text: str) -> str:
    """Cache key: stripped, spaces collapsed, casefolded (geocoders ignore case)."""
    return normalize_query(text).casefold()


class CircuitBreaker:
    """Closed → (``threshold`` consecutive failures) → open → (``cool_down``) → half-open,
    where one trial request is let through: its success closes the circuit, its failure
    opens it again for another cool-down."""

    def __init__(
        self,
        threshold: int = FAILURE_THRESHOLD,
        cool_down: float = COOL_DOWN,
        clock: Clock = time.monotonic,
    ) -> None:
        self.threshold = threshold
        self.cool_down = cool_down
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False  # a half-open trial request is in flight

    @property
    def state(self) -> str:
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._trial or self._clock() - self._opened_at >= self.cool_down:
                return "half_open"
            return "open"

    def allow(self) -> bool:
        """May a request go out now? In half-open state only one caller gets a yes."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial or self._clock() - self._opened_at < self.cool_down:
                return False
            self._trial = True
            return True

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> bool:
        """Count a failure; True when this one opened (or re-opened) the circuit."""
        with self._lock:
            self._failures += 1
            was_trial, self._trial = self._trial, False
            if was_trial or self._failures >= self.threshold:
                self._opened_at = self._clock()
                return True
            return False


class _BadResponse(Exception):
    """The body is not a usable answer. The message names the shape, never the input."""

    def __init__(self, problem: str, reason: str = "bad_response", **details: Any) -> None:
        super().__init__(problem)
        self.reason = reason
        self.details = details


def _coordinate(value: object) -> float | None:
    """A JSON number, or a numeric string (Nominatim); None for anything else."""
    if isinstance(value, bool):  # bool is an int; True is not a longitude
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _point(lon_value: object, lat_value: object) -> tuple[float, float] | None:
    """(lon, lat) when both are finite and on the globe, else None."""
    lon, lat = _coordinate(lon_value), _coordinate(lat_value)
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return None
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        return None
    return lon, lat


def _read(resp: requests.Response) -> bytes | str:
    """The body, or the reason it could not be read."""
    try:
        return resp.content
    except requests.ConnectionError as exc:
        # requests reports a read timeout during the body as a ConnectionError.
        return "timeout" if any(isinstance(a, ReadTimeoutError) for a in exc.args) else "connection"
    except requests.RequestException:  # cut short, bad chunking, bad gzip
        return "connection"


class _Skip:
    """A well-formed item this backend's rules leave out (low score, not address-level)."""


_SKIP = _Skip()


class RemoteGeocoder:
    """The shared part: cache, circuit breaker, one HTTP GET, failures mapped to
    ``GeocoderUnavailable``. Subclasses give ``name``, ``_request`` and ``_item``."""

    name: str = "remote"

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        policy: Policy | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.policy = policy or Policy()
        self.session = session if session is not None else make_session()
        self.breaker = CircuitBreaker(self.policy.failure_threshold, self.policy.cool_down, clock)
        self._cache: TTLCache[str, tuple[Candidate, ...]] = TTLCache(
            self.policy.cache_size, self.policy.cache_ttl, timer=clock
        )
        self._cache_lock = threading.Lock()

    # --- what a backend defines -------------------------------------------------------

    def _request(self, query: str) -> tuple[str, dict[str, str]]:
        """URL and query parameters for ``query``."""
        raise NotImplementedError

    def _items(self, body: Any) -> list[Any]:
        """The list of raw results in a decoded body; raise ``_BadResponse`` if none."""
        raise NotImplementedError

    def _item(self, item: Any) -> Candidate | _Skip | None:
        """One raw result → a Candidate, ``_SKIP`` (valid but not wanted), None (invalid)."""
        raise NotImplementedError

    # --- the request path ---------------------------------------------------------------

    def geocode(self, text: str) -> list[Candidate]:
        """Candidates best first (the backend's order), ``[]`` for no match; raises
        ``GeocoderUnavailable`` when the backend cannot answer now."""
        key = cache_key(text)
        if not key:
            return []  # nothing to look up; no backend knows the empty address
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            return list(hit)
        if not self.breaker.allow():
            raise self._unavailable("circuit_open")
        ok = False
        try:
            found = self._fetch(normalize_query(text))
            ok = True
        finally:
            # Any other outcome, even an unexpected exception, must count as a failure
            # so that a half-open trial never stays in flight for ever.
            if ok:
                self.breaker.success()
            elif self.breaker.failure():
                log.warning(
                    "%s geocoder: circuit open for %.0f s", self.name, self.policy.cool_down
                )
        with self._cache_lock:
            self._cache[key] = tuple(found)
        return found

    def _fetch(self, query: str) -> list[Candidate]:
        url, params = self._request(query)
        body = self._get_json(url, params)
        try:
            items = self._items(body)
            parsed = [self._item(item) for item in items]
        except _BadResponse as exc:
            raise self._unavailable(exc.reason, problem=str(exc), **exc.details) from None
        found = [c for c in parsed if isinstance(c, Candidate)]
        invalid = sum(1 for c in parsed if c is None)
        if invalid and len(found) + sum(1 for c in parsed if c is _SKIP) == 0:
            # Every result was nonsense: answering [] would claim "no such address".
            raise self._unavailable("bad_response", problem="no valid result")
        if invalid:
            log.warning("%s geocoder: dropped %d invalid result(s)", self.name, invalid)
        return found

    def _get_json(self, url: str, params: Mapping[str, str]) -> Any:
        # Failures are raised outside the ``except`` blocks on purpose: requests' own
        # exceptions carry the URL, query string (the address) included, and would ride
        # along as ``__context__`` into any traceback a caller logs.
        sent = self._send(url, params)
        if isinstance(sent, str):
            raise self._unavailable(sent)
        with sent as resp:
            if resp.status_code != 200:
                raise self._unavailable(f"http_{resp.status_code}", status=resp.status_code)
            content = _read(resp)
        if isinstance(content, str):
            raise self._unavailable(content)
        try:
            return json.loads(content)
        except ValueError:  # includes JSONDecodeError and UnicodeDecodeError
            pass
        raise self._unavailable("bad_response", problem="invalid JSON")

    def _send(self, url: str, params: Mapping[str, str]) -> requests.Response | str:
        """The response (body not read yet), or the reason there is none."""
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        for attempt in (1, 2):
            try:
                return self.session.get(url, params=params, timeout=timeout, stream=True)
            except requests.Timeout:  # ConnectTimeout too: the host is not answering
                return "timeout"
            except requests.ConnectionError:
                # Refused or reset before any response: one immediate retry, no more.
                if attempt == 2:
                    return "connection"
            except requests.RequestException:
                return "request_error"
        raise AssertionError("unreachable")

    def _unavailable(self, reason: str, **details: Any) -> GeocoderUnavailable:
        # Skips while the circuit is open are expected, one per request: keep them quiet.
        level = logging.DEBUG if reason == "circuit_open" else logging.WARNING
        log.log(level, "%s geocoder unavailable: %s", self.name, reason)
        return GeocoderUnavailable(
            f"{self.name}: {reason}", backend=self.name, reason=reason, **details
        )


def _dict(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _BadResponse(f"{what} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _BadResponse(f"{what} is not a list")
    return value


class CensusGeocoder(RemoteGeocoder):
    """The US Census Geocoder, ``onelineaddress`` on the current public benchmark."""

    name = CENSUS

    def __init__(
        self,
        base_url: str = CENSUS_URL,
        *,
        session: requests.Session | None = None,
        policy: Policy | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(session=session, policy=policy, clock=clock)
        self.base_url = base_url.rstrip("/")

    def _request(self, query: str) -> tuple[str, dict[str, str]]:
        params = {"address": query, "benchmark": "Public_AR_Current", "format": "json"}
        return f"{self.base_url}/geocoder/locations/onelineaddress", params

    def _items(self, body: Any) -> list[Any]:
        result = _dict(_dict(body, "body").get("result"), "result")
        return _list(result.get("addressMatches"), "result.addressMatches")

    def _item(self, item: Any) -> Candidate | _Skip | None:
        if not isinstance(item, dict) or not isinstance(item.get("coordinates"), dict):
            return None
        address = item.get("matchedAddress")
        point = _point(item["coordinates"].get("x"), item["coordinates"].get("y"))
        if not isinstance(address, str) or not address.strip() or point is None:
            return None
        return Candidate(address.strip(), point[0], point[1], CENSUS_SCORE, CENSUS)


class ArcGISGeocoder(RemoteGeocoder):
    """An Esri ``GeocodeServer`` (``url`` ends in ``/GeocodeServer``), asked for WGS84."""

    name = ARCGIS

    def __init__(
        self,
        url: str = CHARLOTTE_ARCGIS_URL,
        *,
        min_score: float = 80,
        session: requests.Session | None = None,
        policy: Policy | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(session=session, policy=policy, clock=clock)
        self.url = url.rstrip("/")
        self.min_score = min_score

    def _request(self, query: str) -> tuple[str, dict[str, str]]:
        params = {
            "SingleLine": query,
            "outSR": "4326",
            "f": "json",
            "maxLocations": "10",
            "outFields": "*",
        }
        return f"{self.url}/findAddressCandidates", params

    def _items(self, body: Any) -> list[Any]:
        body = _dict(body, "body")
        if "error" in body:
            # Esri reports failures as HTTP 200 with an error object. Its message may
            # echo the input, so only the code is kept.
            error = body["error"]
            code = error.get("code") if isinstance(error, dict) else None
            code = code if isinstance(code, int) and not isinstance(code, bool) else None
            raise _BadResponse("error object", reason="service_error", code=code)
        candidates = _list(body.get("candidates"), "candidates")
        if candidates:
            # A locator that ignored outSR would answer in State Plane feet, which would
            # pass no range check meant for degrees only by luck.
            sr = _dict(body.get("spatialReference"), "spatialReference")
            if 4326 not in (sr.get("wkid"), sr.get("latestWkid")):
                raise _BadResponse("spatialReference is not 4326")
        return candidates

    def _item(self, item: Any) -> Candidate | _Skip | None:
        if not isinstance(item, dict) or not isinstance(item.get("location"), dict):
            return None
        address, score = item.get("address"), _coordinate(item.get("score"))
        point = _point(item["location"].get("x"), item["location"].get("y"))
        if not isinstance(address, str) or not address.strip() or point is None:
            return None
        if score is None or not math.isfinite(score) or not 0 <= score <= 100:
            return None
        if score < self.min_score or score <= 0:  # 0 is Esri's "no match"
            return _SKIP
        return Candidate(address.strip(), point[0], point[1], score / 100, ARCGIS)


class NominatimGeocoder(RemoteGeocoder):
    """A self-hosted Nominatim (``url`` is its root; ``/search`` is appended)."""

    name = NOMINATIM

    def __init__(
        self,
        url: str,
        *,
        session: requests.Session | None = None,
        policy: Policy | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        super().__init__(session=session, policy=policy, clock=clock)
        if not url:
            raise ValueError("NominatimGeocoder needs the URL of a self-hosted Nominatim")
        self.url = url.rstrip("/")

    def _request(self, query: str) -> tuple[str, dict[str, str]]:
        params = {
            "q": query,
            "format": "jsonv2",
            "addressdetails": "1",
            "limit": "5",
            "countrycodes": "us",
        }
        return f"{self.url}/search", params

    def _items(self, body: Any) -> list[Any]:
        return _list(body, "body")

    def _item(self, item: Any) -> Candidate | _Skip | None:
        if not isinstance(item, dict):
            return None
        point = _point(item.get("lon"), item.get("lat"))
        if point is None:
            return None
        address = item.get("address")
        if not isinstance(address, dict) or not address.get("house_number"):
            return _SKIP  # a street, a town, a POI: not where anyone lives
        score = NOMINATIM_SCORE
        label = _nominatim_label(address) or item.get("display_name")
        if not isinstance(label, str) or not label.strip():
            return None
        return Candidate(label.strip(), point[0], point[1], score, NOMINATIM)


def _nominatim_label(address: dict[str, Any]) -> str:
    """``310 North Tryon Street, Charlotte, North Carolina 28202`` from addressdetails
    (``display_name`` lists every enclosing area down to the neighbourhood)."""

    def part(*keys: str) -> str:
        for key in keys:
            value = address.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return ""

    street = " ".join(p for p in (part("house_number"), part("road")) if p)
    city = part("city", "town", "village", "hamlet")
    region = " ".join(p for p in (part("state"), part("postcode")) if p)
    return ", ".join(p for p in (street, city, region) if p)


def build_geocoders(
    settings: Settings,
    *,
    session: requests.Session | None = None,
    clock: Clock = time.monotonic,
) -> list[Geocoder]:
    """The backends ``settings.geocoders`` names, in that order, sharing one Session."""
    if not settings.geocoders:
        return []
    session = session if session is not None else make_session(settings.geocoder_contact)
    policy = Policy(
        connect_timeout=settings.geocoder_connect_timeout,
        read_timeout=settings.geocoder_read_timeout,
    )
    common: dict[str, Any] = {"session": session, "policy": policy, "clock": clock}
    built: list[Geocoder] = []
    for name in settings.geocoders:
        if name == CENSUS:
            built.append(CensusGeocoder(settings.census_url or CENSUS_URL, **common))
        elif name == ARCGIS:
            built.append(ArcGISGeocoder(settings.arcgis_url or CHARLOTTE_ARCGIS_URL, **common))
        elif name == NOMINATIM:
            if not settings.nominatim_url:
                raise ValueError("geocoder 'nominatim' needs LOOKUP_NOMINATIM_URL")
            built.append(NominatimGeocoder(settings.nominatim_url, **common))
        else:
            raise ValueError(f"unknown geocoder {name!r}")
    return built
