"""``lookup refresh --config FILE``: the files of one election named in a TOML file, so
that county staff run the same refresh every time. Relative paths are relative to the
file; ``http(s)://`` URLs are downloaded. Command-line flags override the file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .errors import DataError

_LISTS = ("precincts", "polling_places", "early_voting", "addresses", "centerlines", "places")


@dataclass(frozen=True)
class SourcesConfig:
    election_date: date | None = None
    election_name: str | None = None
    county: str | None = None
    data_dir: Path | None = None
    keep: int | None = None
    demo: bool = False
    precincts: tuple[Path | str, ...] = ()
    polling_places: tuple[Path | str, ...] = ()
    early_voting: tuple[Path | str, ...] = ()
    addresses: tuple[Path | str, ...] = ()
    centerlines: tuple[Path | str, ...] = ()
    places: tuple[Path | str, ...] = ()  # place sources: pp*.kml, ossite*.kml, layers...


def load_config(path: Path) -> SourcesConfig:
    from .fetch import is_url

    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read the sources file ({exc})") from exc
    election, sources, publish = (doc.get(k, {}) for k in ("election", "sources", "publish"))
    base = path.resolve().parent

    def where(value: object, key: str) -> Path | str:
        if not isinstance(value, str) or not value:
            raise DataError(f"{path}: {key} must hold file paths or URLs")
        return value if is_url(value) else (base / value)

    lists = {}
    for key in _LISTS:
        value = sources.get(key, [])
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list):
            raise DataError(f"{path}: sources.{key} must be a list")
        lists[key] = tuple(where(v, f"sources.{key}") for v in values)
    day = election.get("date")
    if isinstance(day, str):
        try:
            day = date.fromisoformat(day)
        except ValueError:
            raise DataError(f"{path}: election.date {day!r} is not YYYY-MM-DD") from None
    if day is not None and not isinstance(day, date):
        raise DataError(f"{path}: election.date must be a date")
    data_dir = publish.get("data_dir")
    return SourcesConfig(
        election_date=day,
        election_name=election.get("name"),
        county=election.get("county"),
        data_dir=(base / data_dir) if data_dir else None,
        keep=publish.get("keep"),
        demo=bool(publish.get("demo", False)),
        **lists,
    )
