"""Named places: callers say "Beatties Ford Library" or "the Hal Marshall annex", not an
address. The index holds every polling place and early-voting site of a dataset and the
county's facility layers (libraries, schools, fire stations...), one entry per building
(``place_merge``), and finds the places a caller's words name (compared as
``place_words`` says). A place is also known by the words of its kind (a ``library``
point answers to "... library").

Stored like the address points: one ``.npy`` column per field, memory-mapped; the few
hundred entries of a county are decoded once when the dataset loads (a few milliseconds,
before gunicorn forks), so a search touches only Python dicts and sets.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from lookup.dataset.columns import load_columns, save_columns
from lookup.geocode.place_merge import PlaceRecord, building_point, merge_places, street_key
from lookup.geocode.place_words import (
    LOCALITY_WORDS,
    OPTIONAL_WORDS,
    STOP_WORDS,
    kind_words,
    place_word,
    raw_words,
    starts_with_house_number,
    street_word,
    words_of,
)
from lookup.geocode.pub28 import DIRECTIONALS, STREET_SUFFIXES

TYPO_FROM = 5  # letters in a query word before one typo is tolerated
_CUT = "*"  # marks the last word of a name the publisher cut short
_SEP = "\x1f"  # between the names (or kinds) of one place in a text column
_ZIP = re.compile(r"^\d{5}$")
_TEXT = ("name", "kind", "address", "label", "aliases", "kinds", "city", "zip", "terms")
_FLOAT = ("lon", "lat")
_VOCAB = ("street_words", "cities")
_ALL = (*_TEXT, *_FLOAT, *_VOCAB)


@dataclass(frozen=True, slots=True)
class Place:
    """A building callers can name. ``label`` is the text that finds it again (its name,
    with its town or kind only where the name alone would find another place too)."""

    name: str  # as published: the election list's name when the building is one
    kind: str  # the first of ``kinds``
    address: str  # one line, as published
    lon: float
    lat: float
    label: str
    aliases: tuple[str, ...] = ()  # the building's other published names
    kinds: tuple[str, ...] = ()  # every kind the building has, ``kind`` first


def _name_terms(name: str, cut: bool) -> str:
    """A name's compared words; the last marked when the publisher cut the name short."""
    words = words_of(name)
    if cut and words:
        words[-1] += _CUT
    return " ".join(words)


def _columns(buildings: Sequence[list[PlaceRecord]]) -> dict[str, list]:
    """One row per building: the best source's name, kind and point; its other names as
    aliases; every name's words (``terms``) for the search."""
    cols: dict[str, list] = {n: [] for n in (*_TEXT, *_FLOAT)}
    for members in buildings:
        first = members[0]
        point = building_point(members)
        assert point is not None  # merge_places keeps only placed buildings
        address = next((r.address for r in members if r.address.line1.strip()), first.address)
        names: dict[str, tuple[str, bool]] = {}
        for r in members:
            names.setdefault(" ".join(words_of(r.name)), (r.name, r.cut))
        kinds = list(dict.fromkeys(r.kind for r in members))
        cols["name"].append(first.name)
        cols["kind"].append(first.kind)
        cols["address"].append(address.one_line())
        cols["label"].append(first.name)  # settled once the index can search (``build``)
        cols["aliases"].append(_SEP.join(n for n, _cut in list(names.values())[1:]))
        cols["kinds"].append(_SEP.join(kinds))
        cols["city"].append(" ".join(words_of(address.city)))
        cols["zip"].append(address.zip.strip()[:5])
        cols["terms"].append(_SEP.join(_name_terms(n, cut) for n, cut in names.values()))
        cols["lon"].append(point[0])
        cols["lat"].append(point[1])
    return cols


def _bytes(values: Iterable[str]) -> np.ndarray:
    return np.array([v.encode() for v in values], dtype=bytes)


@dataclass(frozen=True, slots=True)
class _Hit:
    """How one query word matched one of a place's words."""

    typos: int
    street: bool  # the place word is also a word of a street name


class PlaceIndex:
    """The named places of a dataset. Immutable; ``find`` and ``suggest`` are the search."""

    def __init__(self, columns: dict[str, np.ndarray]) -> None:
        self._c = columns
        self.size = len(columns["name"])
        text = {n: [b.decode() for b in columns[n].tolist()] for n in _TEXT}
        self._city = text["city"]
        self._zip = text["zip"]
        self._street = frozenset(b.decode() for b in columns["street_words"].tolist())
        self._cities = frozenset(tuple(b.decode().split()) for b in columns["cities"].tolist())
        self._places = [
            Place(
                name=text["name"][i],
                kind=text["kind"][i],
                address=text["address"][i],
                lon=float(columns["lon"][i]),
                lat=float(columns["lat"][i]),
                label=text["label"][i],
                aliases=tuple(a for a in text["aliases"][i].split(_SEP) if a),
                kinds=tuple(k for k in text["kinds"][i].split(_SEP) if k),
            )
            for i in range(self.size)
        ]
        # Per place: each name's words; all its words (names and kinds), cut ones bare.
        self._names: list[list[list[str]]] = []
        self._words: list[frozenset[str]] = []
        self._by_word: dict[str, list[int]] = {}
        self._cut: dict[str, list[int]] = {}  # a cut last word -> places
        prefixes: set[tuple[str, int]] = set()
        for i, p in enumerate(self._places):
            names = [t.split() for t in text["terms"][i].split(_SEP)]
            self._names.append(names)
            words = {w.rstrip(_CUT) for n in names for w in n}
            words |= {w for k in p.kinds for w in kind_words(k)}
            self._words.append(frozenset(words))
            for w in words:
                self._by_word.setdefault(w, []).append(i)
            for n in names:
                if n and n[-1].endswith(_CUT):
                    self._cut.setdefault(n[-1].rstrip(_CUT), []).append(i)
            for name in (p.name, *p.aliases):
                prefixes.update((w, i) for w in raw_words(name))
            prefixes.update((w, i) for w in words)
        self._prefixes = sorted(prefixes)
        self._prefix_words = [w for w, _i in self._prefixes]
        # Words by length, for the one-typo comparison (rapidfuzz over a few hundred).
        self._by_length: dict[int, list[str]] = {}
        for w in self._by_word:
            if len(w) >= TYPO_FROM - 1 and not w.isdigit():
                self._by_length.setdefault(len(w), []).append(w)

    # ---- building and storage -------------------------------------------------------
    @classmethod
    def build(
        cls,
        records: Iterable[PlaceRecord],
        streets: Iterable[str] = (),
        cities: Iterable[str] = (),
    ) -> PlaceIndex:
        """The index of ``records`` merged into buildings (``merge_places``; buildings
        without a point are left out). ``streets`` are the county's street names (without
        house numbers) and ``cities`` its towns: a query made only of street words is a
        street, not a place; a town at the end of a query only says where."""
        buildings, _unplaced = merge_places(records)
        cols = _columns(buildings)
        names = [*streets]
        for r in (r for members in buildings for r in members):
            line = street_key(r.address)
            names.append(line.partition(" ")[2] if line[:1].isdigit() else line)
        street_words = {street_word(w) for s in names for w in raw_words(s)}
        street_words |= {street_word(forms[0]) for forms in STREET_SUFFIXES.values()}
        street_words |= {forms[0] for forms in DIRECTIONALS.values()}
        # Only whether a place's own word is a street word is ever asked: keep those.
        vocabulary = {w.rstrip(_CUT) for t in cols["terms"] for w in t.replace(_SEP, " ").split()}
        vocabulary |= {w for k in cols["kinds"] for kind in k.split(_SEP) for w in kind_words(kind)}
        street_words &= vocabulary
        city_names = {" ".join(words_of(c)) for c in cities} | set(cols["city"])
        arrays = {n: _bytes(cols[n]) for n in _TEXT}
        arrays |= {n: np.array(cols[n], dtype=np.float64) for n in _FLOAT}
        arrays["street_words"] = _bytes(sorted(street_words))
        arrays["cities"] = _bytes(sorted(c for c in city_names if c))
        index = cls(arrays)
        arrays["label"] = _bytes(index._label(i) for i in range(index.size))
        return cls(arrays)

    def save(self, folder: Path) -> None:
        save_columns(folder, self._c)

    @classmethod
    def load(cls, folder: Path) -> PlaceIndex:
        return cls(load_columns(folder, _ALL))

    @classmethod
    def empty(cls) -> PlaceIndex:
        cols = {n: np.array([], dtype=bytes) for n in (*_TEXT, *_VOCAB)}
        return cls(cols | {n: np.array([], dtype=np.float64) for n in _FLOAT})

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    def _label(self, i: int) -> str:
        """The shortest text that finds place ``i`` alone: its name, else with its town,
        its kind, or both (a town hall named "Mint Hill" is "Mint Hill Town Hall")."""
        p = self._places[i]
        kind = " ".join(w for w in p.kind.upper().split("_") if w not in p.name.upper().split())
        kind = kind if p.name.isupper() else kind.title()
        city = self._city[i] if p.name.isupper() else self._city[i].title()
        options = [p.name, f"{p.name} {kind}", f"{p.name}, {city}", f"{p.name} {kind}, {city}"]
        for text in options:
            if self._find(text) == [i]:
                return text.strip(", ")
        return p.name

    # ---- search ---------------------------------------------------------------------
    def find(self, text: str) -> list[Place]:
        """The places ``text`` names, best first; ``[]`` when it names none. Pure and
        fast (tens of microseconds for a county): safe to try on any text that did not
        read as a street address.

        - A leading house number makes it an address, never a place ("2412 Beatties
          Ford Rd"; "1st Baptist Church" is no house number); a town alone ("Mint
          Hill") is no place either.
        - Every word must be one of the place's words (its names, aliases and kind), in
          any order, with one typo allowed in a word of ``TYPO_FROM``+ letters (tried
          only when the words as given fit nothing); THE, AT, OF, AND, NC are ignored.
        - CHARLOTTE, the voting words (POLLING PLACE, EARLY VOTING SITE...) and a town
          or ZIP at the end are not required: they keep the places that fit most of them.
        - Words that are all street words ("Beatties Ford Rd", "Hickory Grove") name a
          place only as its whole name, in two words at least: a street is no library.
        - A query that is a place's whole name, spelled right, returns only such places
          (usually one); otherwise every place that fits comes back, for the caller to
          choose, best first (more words said, fewer other words).

        Each place is one building: a polling place, an early-voting site and a
        facility point at one address (or close by, with matching names) are one entry.
        """
        return [self._places[i] for i in self._find(text)]

    def _find(self, text: str) -> list[int]:
        raw = raw_words(text)
        if not raw or starts_with_house_number(raw) or self.size == 0:
            return []
        words = [w for w in map(place_word, raw) if w not in STOP_WORDS]
        required, optional = self._split_optional(words)
        if not required:
            return []
        for typos in (False, True):  # a typo only when the words as given fit no place
            found = self._match(required, optional, typos)
            if found:
                return found
        return []

    def _split_optional(self, words: list[str]) -> tuple[list[str], list[str]]:
        """(words that must match, words that only narrow): CHARLOTTE and the voting
        words anywhere, and a town or ZIP at the end after other words."""
        optional = [w for w in words if w in OPTIONAL_WORDS]
        words = [w for w in words if w not in OPTIONAL_WORDS]
        if words and tuple(words) in self._cities:
            return [], optional  # "Mint Hill": a town, not a place
        while len(words) > 1 and _ZIP.match(words[-1]):
            optional.append(words.pop())
        for n in (3, 2, 1):
            if len(words) > n and tuple(words[-n:]) in self._cities:
                optional += words[-n:]
                words = words[:-n]
                break
        return words, optional

    def _hits(self, word: str, typos: bool) -> dict[str, int]:
        """The place words ``word`` matches -> typos used (0 or 1)."""
        hits: dict[str, int] = {}
        if word in self._by_word:
            hits[word] = 0
        for cut in self._cut:
            if word.startswith(cut):
                hits.setdefault(cut, 0)
        if typos and len(word) >= TYPO_FROM and not word.isdigit():
            for n in (len(word) - 1, len(word), len(word) + 1):
                choices = self._by_length.get(n, ())
                for w, _d, _k in process.extract(
                    word, choices, scorer=OSA.distance, score_cutoff=1, limit=None
                ):
                    hits.setdefault(w, 1)
        return hits

    def _match(self, required: list[str], optional: list[str], typos: bool) -> list[int]:
        per_word = [self._hits(w, typos) for w in required]
        candidates: set[int] | None = None
        for hits in per_word:
            ids = {i for w in hits for i in self._by_word.get(w, ())}
            candidates = ids if candidates is None else candidates & ids
            if not candidates:
                return []
        ranked = []
        for i in candidates or ():
            hit = [self._best(hits, i) for hits in per_word]
            covered = {w for hits in per_word for w in hits if w in self._words[i]}
            covered |= {w for w in optional if w in self._words[i]}
            full = any(
                all(w.rstrip(_CUT) in covered or w in LOCALITY_WORDS for w in name)
                for name in self._names[i]
            )
            said = len(required) + sum(w in self._words[i] for w in optional)
            if all(h.street for h in hit) and not (full and said >= 2):
                continue  # only street words, and not the place's whole name
            where = set(self._city[i].split()) | {self._zip[i]} | self._words[i]
            narrowed = sum(w in where for w in optional)
            n_typos = sum(h.typos for h in hit)
            ranked.append((not (full and n_typos == 0), n_typos, -narrowed, -said, i))
        if not ranked:
            return []
        ranked.sort(key=lambda r: (*r[:4], len(self._words[r[4]]), self._places[r[4]].name))
        best = ranked[0]
        keep = [r for r in ranked if r[0] == best[0] and r[1] == best[1] and r[2] == best[2]]
        return [r[4] for r in keep]

    def _best(self, hits: dict[str, int], i: int) -> _Hit:
        mine = [(t, w) for w, t in hits.items() if w in self._words[i]]
        fewest = min(t for t, _w in mine)
        street = all(w in self._street for t, w in mine if t == fewest)
        return _Hit(typos=fewest, street=street)

    def suggest(self, prefix: str, limit: int = 10) -> list[Place]:
        """Places whose words start as typed, for autocomplete: finished words match as
        in ``find`` (spelling variants, one typo), the last one is a prefix of any word
        of the place ("beatties fo", "hal mar"). Nothing for a leading house number."""
        raw = raw_words(prefix)
        if not raw or starts_with_house_number(raw) or limit <= 0 or self.size == 0:
            return []
        done, last = (raw, "") if prefix[-1:].isspace() else (raw[:-1], raw[-1])
        if sum(c.isalpha() for c in "".join(raw)) < 2:
            return []
        words = [w for w in map(place_word, done) if w not in STOP_WORDS | OPTIONAL_WORDS]
        candidates = set(range(self.size))
        for w in words:
            hits = self._hits(w, typos=True)
            candidates &= {i for h in hits for i in self._by_word.get(h, ())}
        if last and last not in STOP_WORDS | OPTIONAL_WORDS:
            lo = bisect_left(self._prefix_words, last)
            starting = set()
            for w, i in self._prefixes[lo:]:
                if not w.startswith(last):
                    break
                starting.add(i)
            candidates &= starting
        typed = [w for w in done if w not in STOP_WORDS] + ([last] if last else [])
        first = typed[0] if typed else ""

        def rank(i: int) -> tuple[bool, bool, int, str]:
            """The word being typed in a name (not only in the kind) first, then names
            that start as typed, then the shorter."""
            p = self._places[i]
            names = (p.name, *p.aliases)
            in_name = any(w.startswith(last) for n in names for w in raw_words(n))
            leads = any(n.upper().startswith(first) for n in names)
            return (not in_name, not leads, len(self._words[i]), p.name)

        return [self._places[i] for i in sorted(candidates, key=rank)[:limit]]
