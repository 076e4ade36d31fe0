"""Which version is live: the ``current`` symlink that points at one folder under
``versions/``, the log of what went live when (the order rollback and pruning follow),
and the kept versions as staff list them. What a version folder holds is ``codec``'s."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lookup.dataset.codec import MANIFEST
from lookup.dataset.durable import fsync_dir
from lookup.errors import DataError

CURRENT = "current"
LOG = "published.log"


# ---- the live pointer and the log of what went live ------------------------------------


def current_target(data_dir: Path) -> Path | None:
    """The version folder ``current`` points to, or None."""
    link = data_dir / CURRENT
    try:
        return (data_dir / os.readlink(link)).resolve()
    except OSError:
        return None


def publish(data_dir: Path, version_dir: Path) -> None:
    """Point ``current`` at ``version_dir`` in one atomic rename of a symlink."""
    tmp = data_dir / f".{CURRENT}.{os.getpid()}.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(version_dir, data_dir), tmp)
    os.replace(tmp, data_dir / CURRENT)
    fsync_dir(data_dir)  # durable before we report success


def record_publication(data_dir: Path, version_dir: Path, when: str) -> None:
    """Append to the log of what went live when: the order rollback and pruning follow."""
    with (data_dir / LOG).open("a") as f:
        f.write(f"{when}\t{version_dir.name}\n")
        f.flush()
        os.fsync(f.fileno())


def publication_history(data_dir: Path) -> list[str]:
    """Version names in the order they went live (oldest first), still on disk."""
    try:
        lines = (data_dir / LOG).read_text().splitlines()
    except OSError:
        return []
    names = [line.split("\t")[-1] for line in lines if line.strip()]
    return [n for n in names if (data_dir / "versions" / n).is_dir()]


def previous_version(data_dir: Path) -> Path | None:
    """The version that was live before the current one, per ``published.log`` (not the
    previous folder by name), if it is still on disk."""
    live = current_target(data_dir)
    history = [n for n in publication_history(data_dir) if live is None or n != live.name]
    return data_dir / "versions" / history[-1] if history else None


def kept_version(data_dir: Path, name: str) -> Path:
    """The kept version folder called ``name``; a ``DataError`` naming the kept ones if
    there is none (a name is never a path: ``../x`` or ``.tmp-...`` are refused)."""
    folder = data_dir / "versions" / name
    if "/" in name or name.startswith(".") or not folder.is_dir():
        kept = ", ".join(v.name for v in version_history(data_dir)) or "none"
        raise DataError(f"{data_dir}: no kept version {name!r} (kept: {kept})")
    return folder


def prune(data_dir: Path, keep: int) -> list[str]:
    """Delete all but the ``keep`` most recently published versions. Never the live one,
    never the one live before it (rollback's default target), and never a folder the log
    does not know went live. Returns the names deleted."""
    import shutil

    live = current_target(data_dir)
    before = previous_version(data_dir)
    recent: list[str] = []
    for name in reversed(publication_history(data_dir)):
        if name not in recent:
            recent.append(name)
    protected = set(recent[: max(keep, 2)])
    protected |= {p.name for p in (live, before) if p is not None}
    removed = [name for name in recent if name not in protected]
    for name in removed:
        shutil.rmtree(data_dir / "versions" / name)
    return removed


# ---- the versions kept, for staff ----------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    """One kept version as ``lookup versions`` lists it (from its manifest)."""

    name: str
    created: str  # ISO time the refresh ran ("" if the manifest does not say)
    election: str  # the primary election: date and name
    sources: tuple[str, ...]  # source file names
    counts: Mapping[str, int]  # precincts, polling places, sites, addresses
    live: bool  # ``current`` points here
    live_before: bool  # live before the current one: rollback's default target
    last_live: str  # when it last went live, per ``published.log`` ("" if never)


def version_history(data_dir: Path) -> list[VersionInfo]:
    """Every kept version folder, oldest first (by creation time, then name)."""
    folder = data_dir / "versions"
    if not folder.is_dir():
        return []
    live = current_target(data_dir)
    before = previous_version(data_dir)
    went_live: dict[str, str] = {}
    try:
        for line in (data_dir / LOG).read_text().splitlines():
            when, _, name = line.rpartition("\t")
            went_live[name] = when
    except OSError:
        pass
    out = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            m = json.loads((path / MANIFEST).read_text())
        except (OSError, ValueError):
            m = {}
        out.append(_version_info(path, m, live, before, went_live.get(path.name, "")))
    return sorted(out, key=lambda v: (v.created, v.name))


def _version_info(
    path: Path, m: Mapping[str, Any], live: Path | None, before: Path | None, last_live: str
) -> VersionInfo:
    primary = m.get("primary_election", "")
    names = [e.get("name", "") for e in m.get("elections", []) if e.get("date") == primary]
    counts = m.get("counts", {})
    day = primary or "?"
    return VersionInfo(
        name=path.name,
        created=str(m.get("created", "")),
        election=f"{day} {names[0]}" if names else day,
        sources=tuple(s.get("url") or s.get("file", "?") for s in m.get("sources", [])),
        counts={
            "precincts": int(counts.get("precincts", 0)),
            "polling_places": int(counts.get("polling_places", {}).get(primary, 0)),
            "early_voting_sites": int(counts.get("early_voting_sites", {}).get(primary, 0)),
            "addresses": int(counts.get("addresses", 0)),
        },
        live=live is not None and path.resolve() == live,
        live_before=before is not None and path.name == before.name,
        last_live=last_live,
    )
