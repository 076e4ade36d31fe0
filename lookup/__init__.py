"""Where do I vote? A polling-place lookup service for a county 311 call center.

Public surface: ``create_app`` (the Flask application factory) and ``__version__``.
Nothing is read from disk or the environment at import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "create_app"]

if TYPE_CHECKING:
    from flask import Flask

    from .config import Settings


def create_app(settings: Settings | None = None, **kwargs: Any) -> Flask:
    """Build the Flask app (imported lazily so the core never pulls in Flask)."""
    from .app import create_app as _create_app

    return _create_app(settings, **kwargs)
