"""The address table at state scale: a county per row, look-ups narrowed to the caller's
county (and back to the whole table when that finds nothing), the precomputed columns
equal to what was once worked out per worker, a build from chunks equal to one pass."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lookup.dataset.columns import save_columns
from lookup.geocode.address_columns import ROW_FIELDS, concat, rows_of
from lookup.geocode.candidates import find
from lookup.geocode.local import AddressIndex
from lookup.geocode.normalize import (
    ParsedAddress,
    canonical_street,
    street_parts,
    street_without_type,
)
from lookup.geocode.suggest import suggest

# (line, unit, city, zip, county, lon, lat): one street name in two counties, towns of
# one name apart, a ZIP shared by two towns, rows without ZIP or town.
ROWS = [
    ("100 MAIN ST", "", "ALPHA", "28001", "ANSON", -80.0, 35.0),
    ("100 MAIN ST", "", "BETA", "28002", "BLADEN", -79.0, 34.5),
    ("100 MAIN ST", "2", "BETA", "28002", "BLADEN", -79.0, 34.5),
    ("102 MAIN ST", "", "ALPHA", "28001", "ANSON", -80.001, 35.0),
    ("104 N MAIN ST", "", "GAMMA", "28001", "ANSON", -80.01, 35.01),
    ("7 OAK AVE", "", "ALPHA", "28001", "ANSON", -80.02, 35.0),
    ("7 OAK RD", "", "BETA", "28002", "BLADEN", -79.02, 34.5),
    ("9 OAK RD", "", "BETA", "28002", "BLADEN", -79.03, 34.5),
    ("55 FAR WAY", "", "", "", "BLADEN", -79.1, 34.6),
    ("11 MAPLE RD", "", "", "", "BLADEN", -79.04, 34.5),
    ("1 ELM ST", "", "ALPHA", "28001", "", -80.5, 35.5),
]


def frame(rows: list[tuple[str, str, str, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": [canonical_street(r[0]) for r in rows],
            "unit": [r[1] for r in rows],
            "line": [r[0] for r in rows],
            "city": [r[2] for r in rows],
            "municipality": [r[2] for r in rows],
            "zip": [r[3] for r in rows],
            "lon": [r[5] for r in rows],
            "lat": [r[6] for r in rows],
            "county": [r[4] for r in rows],
        }
    )


@pytest.fixture(scope="module")
def index() -> AddressIndex:
    return AddressIndex.build(frame(ROWS))


def at(street: str, city: str = "", zip_code: str = "") -> ParsedAddress:
    return ParsedAddress(street=street, number=street.split()[0], city=city, zip=zip_code)


def counties(points) -> set[str]:
    return {p.county for p in points}


def test_every_row_has_its_county(index: AddressIndex) -> None:
    assert index.counties == ("", "ANSON", "BLADEN")
    rows = index.rows_for("100 MAIN ST")
    assert sorted(p.county for p in rows) == ["ANSON", "BLADEN", "BLADEN"]
    assert index.counties_of("BETA", "") == {"BLADEN"}
    assert index.counties_of("", "28001") == {"ANSON"}  # the county-less row adds none
    assert index.counties_of("ALPHA", "28002") == {"ANSON", "BLADEN"}  # none shared: either
    assert index.counties_of("NOWHERE", "99999") == frozenset()


def test_a_key_in_two_counties_is_the_one_of_the_callers_zip_or_town(index) -> None:
    by_zip = find(index, at("100 MAIN ST", zip_code="28002"))
    assert counties(by_zip.rows) == {"BLADEN"} and not by_zip.confirm
    by_town = find(index, at("100 MAIN ST", city="ALPHA"))
    assert counties(by_town.rows) == {"ANSON"} and not by_town.confirm
    # Without town or ZIP: both counties, as today (the caller is asked which).
    assert counties(find(index, at("100 MAIN ST")).rows) == {"ANSON", "BLADEN"}


def test_a_key_in_forty_counties_with_a_zip_is_one_answer() -> None:
    rows = [("12 PINE ST", "", "", "", f"C{k:02d}", -80 + k / 10, 35.0) for k in range(40)] + [
        ("3 ELM ST", "", "TOWN7", "28707", "C07", -79.3, 35.0)
    ]
    table = AddressIndex.build(frame(rows))
    found = find(table, at("12 PINE ST", zip_code="28707"))
    assert [p.county for p in found.rows] == ["C07"]
    assert len(find(table, at("12 PINE ST")).rows) == 40


def test_the_whole_table_when_the_callers_county_has_nothing(index) -> None:
    # The ZIP names ANSON; the only 55 FAR WAY is in BLADEN, without ZIP or town: kept.
    found = find(index, at("55 FAR WAY", zip_code="28001"))
    assert counties(found.rows) == {"BLADEN"} and not found.confirm
    # The fuzzy stage too: 11 MAPLE RD is only in BLADEN, the caller's town is in ANSON.
    fuzzy = find(index, at("11 MAPEL RD", city="ALPHA"))
    assert [p.line for p in fuzzy.rows] == ["11 MAPLE RD"] and not fuzzy.confirm
    assert "spelling_corrected" in fuzzy.notes


def test_a_later_stage_nearby_never_hides_the_exact_key_elsewhere() -> None:
    """The caller's town and ZIP name CABARRUS, whose only near match is 12 N MAIN ST
    (its direction assumed); the exact 12 MAIN ST is in MECKLENBURG on a row without town
    or ZIP, which the caller's words do not contradict: the whole table's answer, the
    exact key, as without narrowing."""
    rows = [
        ("12 MAIN ST", "", "", "", "MECKLENBURG", -80.8, 35.3),
        ("20 MAIN ST", "", "CHARLOTTE", "28075", "MECKLENBURG", -80.81, 35.3),
        ("12 N MAIN ST", "", "HARRISBURG", "28075", "CABARRUS", -80.6, 35.3),
        ("14 N MAIN ST", "", "HARRISBURG", "28075", "CABARRUS", -80.61, 35.3),
    ]
    table = AddressIndex.build(frame(rows))
    assert table.counties_of("HARRISBURG", "28075") == {"CABARRUS"}
    parsed = at("12 MAIN ST", city="HARRISBURG", zip_code="28075")
    found = find(table, parsed)
    assert [(p.line, p.county) for p in found.rows] == [("12 MAIN ST", "MECKLENBURG")]
    assert found.score == 1.0 and not found.notes
    # Where the exact key is nowhere, the narrowed later stage still answers.
    near = find(table, at("14 MAIN ST", city="HARRISBURG", zip_code="28075"))
    assert [(p.line, p.county) for p in near.rows] == [("14 N MAIN ST", "CABARRUS")]


def test_fuzzy_and_street_stages_are_narrowed(index) -> None:
    # "7 OAK" without type: OAK AVE (ANSON) and OAK RD (BLADEN); the ZIP picks one.
    assert [p.line for p in find(index, at("7 OAK", zip_code="28002")).rows] == ["7 OAK RD"]
    assert [p.line for p in find(index, at("7 OAK", zip_code="28001")).rows] == ["7 OAK AVE"]
    street = ParsedAddress(street="MAIN ST", number="", zip="28002")
    assert counties(find(index, street).rows) == {"BLADEN"}


def test_suggest_is_narrowed_by_a_town_or_zip_after_a_comma(index) -> None:
    assert {p.county for p in suggest(index, "100 mai")} == {"ANSON", "BLADEN"}
    assert {p.city for p in suggest(index, "100 mai, Beta")} == {"BETA"}
    assert {p.zip for p in suggest(index, "100 mai, NC 28001")} == {"28001"}
    # Nothing in the caller's county: the whole table.
    assert [p.line for p in suggest(index, "9 oak, 28001")] == ["9 OAK RD"]


def test_a_narrowed_prefix_scan_stops_at_its_limit() -> None:
    rows = [(f"{n} LONG ST", "", "T", "28001", "A" if n % 3 else "B", -80, 35) for n in range(3000)]
    table = AddressIndex.build(frame(rows))
    view = table.within("", "28001")
    assert view is None  # one county named... every county on file has this ZIP
    b = AddressIndex.build(frame([*rows, ("1 X ST", "", "U", "28999", "B", -80, 35)]))
    narrowed = b.within("U", "")
    assert narrowed is not None
    got = narrowed.prefix_rows("1", 50)
    assert len(got) == 50 and {b.point(int(i)).county for i in got} == {"B"}
    assert list(got) == sorted(got)


def old_results(f: pd.DataFrame, table: AddressIndex) -> None:
    """The precomputed columns answer as the per-worker derivations did (row order of
    the sorted table; streets as sets, their order is by street now)."""
    key_of = [table.key_of(i) for i in range(table.size)]
    streets = {k.partition(" ")[2] for k in key_of}
    for s in streets:
        want = [i for i, k in enumerate(key_of) if k.partition(" ")[2] == s]
        assert [p.row for p in table.street_rows(s)] == want
        name = street_parts(s).name
        assert set(table.streets_named(name)) == {
            t for t in streets if street_parts(t).name == name
        }
    for number in {k.partition(" ")[0] for k in key_of}:
        want = {k.partition(" ")[2] for k in key_of if k.startswith(number + " ")}
        assert {s for s, _n in table.streets_at(number)} == want
    for z in set(f["zip"]) | {"00000"}:
        sub = f[f["zip"] == z]
        want = {t for t in set(sub["city"]) | set(sub["municipality"]) if t and z}
        assert table.towns_of_zip(z) == want
    assert table.street_rows("NO SUCH ST") == [] and table.streets_named("NOPE") == []


def test_precomputed_columns_answer_as_before(index) -> None:
    old_results(frame(ROWS), index)


def test_chunks_build_the_same_columns_byte_for_byte() -> None:
    rows = [
        *ROWS,
        *(("100 MAIN ST", str(u), "BETA", "28002", "BLADEN", -79.0, 34.5) for u in range(7)),
        (
            "2000 A VERY LONG NAMED BOULEVARD OF THE STATE EXT",
            "",
            "DELTA",
            "28003",
            "CASWELL",
            0,
            0,
        ),
    ]
    f = frame(rows)
    whole = AddressIndex.build(f)._c
    # Chunks of one row, at a run of equal keys, and a chunk with only short strings.
    for cuts in ([1, 2, 3], [2, 9, 11], list(range(1, len(f)))):
        edges = [0, *cuts, len(f)]
        parts = [rows_of(f.iloc[a:b].reset_index(drop=True)) for a, b in itertools.pairwise(edges)]
        chunked = AddressIndex.from_rows(concat(parts))._c
        assert chunked.keys() == whole.keys()
        for name, arr in whole.items():
            assert chunked[name].dtype == arr.dtype, name
            assert chunked[name].tobytes() == arr.tobytes(), name


def test_saved_and_loaded_it_answers_alike(tmp_path: Path, index: AddressIndex) -> None:
    index.save(tmp_path / "a")
    loaded = AddressIndex.load(tmp_path / "a")
    assert counties(find(loaded, at("100 MAIN ST", zip_code="28002")).rows) == {"BLADEN"}
    old_results(frame(ROWS), loaded)


def per_row_columns(f: pd.DataFrame) -> dict[str, np.ndarray]:
    """The columns a format-5 version stored: a key, a line and a ZIP per row, sorted by
    key, unit and ZIP (format 4 is these without the two county columns)."""
    order = sorted(range(len(f)), key=lambda i: (f["key"][i], f["unit"][i], f["zip"][i]))
    s = f.iloc[order].reset_index(drop=True)
    places = np.union1d(s["city"].to_numpy(dtype=bytes), s["municipality"].to_numpy(dtype=bytes))
    counties = np.unique(s["county"].to_numpy(dtype=bytes))
    cols = {name: s[name].to_numpy(dtype=bytes) for name in ("key", "unit", "line", "zip")}
    return cols | {
        "lon": s["lon"].to_numpy(dtype=np.float64),
        "lat": s["lat"].to_numpy(dtype=np.float64),
        "place_names": places,
        "city_code": np.searchsorted(places, s["city"].to_numpy(dtype=bytes)).astype(np.uint16),
        "municipality_code": np.searchsorted(
            places, s["municipality"].to_numpy(dtype=bytes)
        ).astype(np.uint16),
        "county_names": counties,
        "county_code": np.searchsorted(counties, s["county"].to_numpy(dtype=bytes)).astype(
            np.uint8
        ),
    }


def test_a_table_stored_before_counties_loads_in_its_one_county(tmp_path: Path) -> None:
    f = frame(ROWS)
    f["county"] = ""
    cols = per_row_columns(f)
    save_columns(tmp_path, {n: a for n, a in cols.items() if not n.startswith("county")})
    loaded = AddressIndex.load(tmp_path, "ANSON")
    assert loaded.counties == ("ANSON",)
    assert {p.county for p in loaded.rows_for("100 MAIN ST")} == {"ANSON"}
    assert len(find(loaded, at("100 MAIN ST", zip_code="28002")).rows) == 2
    old_results(f, loaded)


# Awkward rows: a street longer than any other, units, one key in two counties, keys
# whose street has no type or whose type a caller may leave out, lines spelt otherwise
# than the key (STREET, mixed case, a number with a letter), a line of a number alone.
AWKWARD = [
    *ROWS,
    ("100 MAIN STREET", "", "BETA", "28002", "BLADEN", -79.0, 34.51),
    ("100 Main St", "4", "BETA", "28002", "BLADEN", -79.0, 34.52),
    ("2000 A VERY LONG NAMED BOULEVARD OF THE STATE EXT", "", "DELTA", "28003", "CASWELL", 0, 0),
    ("2000 A VERY LONG NAMED BOULEVARD OF THE STATE EXT", "12", "DELTA", "28003", "", 0, 0),
    ("7 OAK", "", "ALPHA", "28001", "ANSON", -80.03, 35.0),
    ("7 OAK ST N", "", "ALPHA", "28001", "ANSON", -80.04, 35.0),
    ("12 US HWY 74", "", "", "28004", "CASWELL", -79.5, 36.0),
    ("100 ST", "", "", "", "", -79.6, 36.0),
]


def awkward_frame() -> pd.DataFrame:
    f = frame(AWKWARD)
    f.loc[len(AWKWARD) - 1, "key"] = "100"  # a key of a number alone
    f.loc[len(AWKWARD) - 1, "line"] = "100"
    f.loc[len(ROWS) + 1, "key"] = "100A MAIN ST"  # a number with a letter, its line apart
    f.loc[len(ROWS) + 1, "line"] = "100 A Main St"
    return f


def alt_key(key: str) -> str:
    """A key without its street type, as the per-row ``alt_key`` column stored it."""
    number, _sp, street = key.partition(" ")
    rest = street_without_type("1 " + street)[2:] if street else ""
    return f"{number} {rest}" if rest else number


def test_the_compact_form_answers_as_the_per_row_columns(tmp_path: Path) -> None:
    f = awkward_frame()
    old = {
        n: [v.decode() for v in a.tolist()]
        for n, a in per_row_columns(f).items()
        if a.dtype.kind == "S"
    }
    AddressIndex.build(f).save(tmp_path)
    table = AddressIndex.load(tmp_path)
    keys, n = old["key"], len(old["key"])
    assert table.size == n and [table.key_of(i) for i in range(n)] == keys
    points = [table.point(i) for i in range(n)]
    assert [p.line for p in points] == old["line"]
    assert [(p.unit, p.zip) for p in points] == list(zip(old["unit"], old["zip"], strict=True))
    assert "line_text" in table._c and len(table._c["line_text"]) < n  # not a line per row
    for k in [*set(keys), "100 ", "100 MAI", "1 NOPE ST", "9" * 80]:
        assert [p.row for p in table.rows_for(k)] == [i for i in range(n) if keys[i] == k]
        alt = street_without_type(k)
        want = [i for i in range(n) if alt_key(keys[i]) == alt]
        assert [p.row for p in table.rows_by_alt_key(alt)] == want
        for cut in range(len(k) + 1):
            lo, hi = table.prefix_range(k[:cut])
            assert list(range(lo, hi)) == [i for i in range(n) if keys[i].startswith(k[:cut])]
    for number in {k.partition(" ")[0] for k in keys}:
        want_streets = {k.partition(" ")[2] for k in keys if k.startswith(number + " ")}
        assert {s for s, _n in table.streets_at(number)} == want_streets


def test_a_table_stored_with_a_key_per_row_loads_alike(tmp_path: Path) -> None:
    f = awkward_frame()
    save_columns(tmp_path, per_row_columns(f))
    loaded, built = AddressIndex.load(tmp_path), AddressIndex.build(f)
    assert loaded.counties == built.counties == ("", "ANSON", "BLADEN", "CASWELL")
    assert [loaded.point(i) for i in range(loaded.size)] == [
        built.point(i) for i in range(built.size)
    ]
    assert [loaded.point(i).county for i in range(loaded.size)] == [
        built.point(i).county for i in range(built.size)
    ]
    old_results(f, loaded)


def test_the_empty_table_has_every_column() -> None:
    empty = AddressIndex.empty()
    assert empty.size == 0 and empty.rows_for("1 A ST") == [] and empty.counties == ()
    assert set(ROW_FIELDS) >= {"key", "county"}
    assert empty.within("ALPHA", "28001") is None and suggest(empty, "1 a") == []
