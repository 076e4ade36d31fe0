"""Where do I vote? A polling-place lookup service for a county 311 call center.

The packages follow the data path: ``ingest`` (the BOE's files -> a checked dataset),
``dataset`` (the immutable model and its versions on disk), ``spatial`` and ``geocode``
(point and address -> precinct), ``service`` (the one use case), ``outputs`` (answers
encoded), ``web`` (the only package that imports Flask). Nothing is read from disk or the
environment at import time.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
