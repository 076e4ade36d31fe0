"""What residents ask, counted and never logged: aggregate counters for the Board of
Elections and its partners.

- ``events``: what one answered request contributes (day, hour, channel, language,
  outcome, precinct, changed place, early voting open, calendar site; for an address not
  found, its street name and ZIP only; for a question, its topic ids), reduced to counter
  increments.
- ``counters``: the counters in SQL (SQLite in WAL mode by default, or a shared server by
  URL), written as upserts so concurrent workers add up instead of overwriting;
  retention rolls old days up to months.
- ``recorder``: a per-process queue drained by a writer thread, off the request path;
  a store that is down costs counts (``dropped_events``), never a lookup.
- ``report``: tables with small-number protection, CSV; ``charts``: server-side SVG.
- the web side (Flask) lives in ``lookup.web``: ``hooks/insights.py`` counts each request,
  ``views/insights.py`` serves the staff-only ``/admin/insights`` pages.

Never stored: an address, a house number, coordinates, an IP, anything finer than a
precinct (the unmatched-street signal keeps a street name and a ZIP, nothing else).
Importing this package reads nothing and starts nothing.
"""

from __future__ import annotations

__all__ = ["dropped_events"]


def dropped_events() -> int:
    """Events this process could not count (see ``recorder``): for the metrics endpoint."""
    from lookup.insights.recorder import dropped_events as dropped

    return dropped()
