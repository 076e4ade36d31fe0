"""``lookup refresh --config FILE``: the files of one election named in a TOML file, so
that county staff run the same refresh every time. Relative paths are relative to the
file; ``http(s)://`` URLs are downloaded. Command-line flags override the file.

The file is checked before anything is read: a misspelt table or key would otherwise be
silently ignored and the refresh would stop later with a message about a missing flag, so
each unknown name is refused in one line with the nearest known one."""

from __future__ import annotations

import difflib
import json
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from lookup.errors import DataError

SOURCE_LISTS = (
    "precincts",
    "polling_places",
    "early_voting",
    "addresses",
    "centerlines",
    "places",
    "site_details",
)
# Every table and key the file may hold, in the order the messages list them.
KNOWN: dict[str, tuple[str, ...]] = {
    "election": ("date", "name", "county"),
    "sources": SOURCE_LISTS,
    "publish": ("data_dir", "keep", "demo"),
}


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
    site_details: tuple[Path | str, ...] = ()  # the county's entrance, parking... CSVs


def load_config(path: Path) -> SourcesConfig:
    """The sources file; a ``DataError`` (one line, naming the file) if it cannot be read,
    names a table or key this command does not know, or holds a value of the wrong type."""
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataError(f"{path}: cannot read the sources file ({exc})") from exc
    check_names(path, doc)
    election, sources, publish = (doc.get(k, {}) for k in KNOWN)
    base = path.resolve().parent
    lists = {key: _sources(path, base, key, sources.get(key, [])) for key in SOURCE_LISTS}
    data_dir = _text(path, "publish", "data_dir", publish.get("data_dir"), "../var/data")
    return SourcesConfig(
        election_date=_date(path, election.get("date")),
        election_name=_text(path, "election", "name", election.get("name"), "General Election"),
        county=_text(path, "election", "county", election.get("county"), "MECKLENBURG"),
        data_dir=(base / data_dir) if data_dir else None,
        keep=_keep(path, publish.get("keep")),
        demo=_flag(path, "publish", "demo", publish.get("demo", False)),
        **lists,
    )


def check_names(path: Path, doc: dict[str, Any]) -> None:
    """Refuse a table or key not in ``KNOWN``, naming the nearest known one."""
    for table, keys in doc.items():
        if table not in KNOWN:
            raise DataError(_unknown_table(path, table, keys))
        if not isinstance(keys, dict):
            raise DataError(f"{path}: {table} must be a table: write [{table}] and its keys below")
        for key in keys:
            if key not in KNOWN[table]:
                raise DataError(_unknown_key(path, table, key))


def _unknown_table(path: Path, table: str, value: object) -> str:
    tables = ", ".join(f"[{t}]" for t in KNOWN)
    home = _table_of(table)
    if not isinstance(value, dict) and home:  # ``county = ...`` above every table
        return f"{path}: {table} is outside any table: move it under [{home}]"
    what = f"table [{table}]" if isinstance(value, dict) else f"key {table} outside any table"
    return f"{path}: unknown {what}: {_hint(table, tuple(KNOWN), '[{}]')} (tables: {tables})"


def _unknown_key(path: Path, table: str, key: str) -> str:
    home = _table_of(key)
    if home:  # a real key in the wrong table
        return f"{path}: {key} does not belong in [{table}]: move it under [{home}]"
    known = ", ".join(KNOWN[table])
    return (
        f"{path}: unknown key {key} in [{table}]: {_hint(key, KNOWN[table], '{}')} "
        f"(keys of [{table}]: {known})"
    )


def _hint(name: str, known: tuple[str, ...], shape: str) -> str:
    """'did you mean X?' for the nearest known name, else what to do with it."""
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"did you mean {shape.format(near[0])}?" if near else "fix or remove it"


def _table_of(key: str) -> str | None:
    return next((table for table, keys in KNOWN.items() if key in keys), None)


def _sources(path: Path, base: Path, key: str, value: object) -> tuple[Path | str, ...]:
    """A list of paths or URLs (one string alone is a list of one)."""
    from lookup.ingest.fetch import is_url

    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise DataError(
            f'{path}: sources.{key} must be a list of file paths or URLs, e.g. ["file.csv"]'
        )
    return tuple(v if is_url(v) else base / v for v in values)


def _date(path: Path, value: object) -> date | None:
    """A TOML date (``date = 2028-11-07``) or the same in quotes; never a date and time."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise DataError(
                f"{path}: election.date {_toml(value)} is not YYYY-MM-DD, e.g. date = 2028-11-07"
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise DataError(
        f"{path}: election.date must be a day, e.g. date = 2028-11-07 (not {_toml(value)})"
    )


def _text(path: Path, table: str, key: str, value: object, example: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise DataError(
            f'{path}: {table}.{key} must be text in quotes, e.g. {key} = "{example}" '
            f"(not {_toml(value)})"
        )
    return value


def _keep(path: Path, value: object) -> int | None:
    # bool is an int in Python: ``keep = true`` is no count.
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DataError(
            f"{path}: publish.keep must be a positive whole number, e.g. keep = 5 "
            f"(not {_toml(value)})"
        )
    return value


def _flag(path: Path, table: str, key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise DataError(
            f"{path}: {table}.{key} must be true or false, without quotes (not {_toml(value)})"
        )
    return value


def _toml(value: object) -> str:
    """A value as it is written in the file: ``true``, ``"yes"``, ``2028-11-07T10:00:00``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, int | float) else type(value).__name__
