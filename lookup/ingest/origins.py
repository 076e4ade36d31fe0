"""Downloaded sources named by their URL in what staff read.

A source given as a URL is read from its copy in the download cache, so the readers'
messages name the cache file (``3f9a1c2b4d5e-polling_place_20201103.csv``), which staff
cannot act on. The readers are left as they are: the refresh keeps which cache file
came from which URL, and every line it prints is translated here, in one place.
``lookup versions`` does the same for the source names the kept manifests list."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Origins:
    """Cache files of downloaded sources and the URLs they came from."""

    urls: dict[Path, str] = field(default_factory=dict)

    @classmethod
    def of_cache(cls, cache_dir: Path) -> Origins:
        """Every file already in the download cache, by the URL its ``.meta.json`` (written
        by ``fetch``) records: the names older versions' manifests list."""
        origins = cls()
        for meta in sorted(cache_dir.glob("*.meta.json")):
            try:
                url = json.loads(meta.read_text())["url"]
            except (OSError, ValueError, KeyError, TypeError):
                continue  # a half-written or foreign file: that name stays as it is
            if isinstance(url, str) and url:
                origins.add(meta.with_name(meta.name.removesuffix(".meta.json")), url)
        return origins

    def add(self, path: Path, url: str) -> None:
        self.urls[path] = url

    def shown(self, text: str) -> str:
        """``text`` with each cache file, by path or by name, replaced by its URL. One
        pass, longest first: a full path is never cut down to its name first."""
        names: dict[str, str] = {}
        for path, url in self.urls.items():
            for spelling in (str(path.resolve()), str(path), path.name):
                names.setdefault(spelling, url)
        if not names:
            return text
        pattern = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
        return re.sub(pattern, lambda m: names[m.group(0)], text)
