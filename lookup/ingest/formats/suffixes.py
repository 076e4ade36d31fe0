"""File names the readers go by: formats that are not text tables are told apart by their
suffix before anything is read (``registry``), and a text reader's refusal of such a file
under another name says which name to give it (``sniff.refusal``)."""

from __future__ import annotations

KML_SUFFIXES = (".kml", ".kmz")  # NCSBE's 2018 layers: precincts, polling places, sites
JSON_SUFFIXES = (".json",)  # NCSBE's per-county one-stop JSON (``site_json``)
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")  # lists a place source may be (``registry``)
# What ``--early-voting`` reads by name rather than as a text table: a text reader's
# refusal of such a file under another name says "name it .kml" (``sniff.refusal``).
SITE_LIST_SUFFIXES = (*KML_SUFFIXES, *JSON_SUFFIXES)
