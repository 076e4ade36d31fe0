"""The remote geocoders a service or a command is configured with: none by default (the
service runs offline), so their module, and ``requests`` with it (~40 ms of every start),
is imported only when settings name one."""

from __future__ import annotations

from lookup.config import Settings
from lookup.geocode.base import Geocoder


def configured_geocoders(settings: Settings) -> tuple[Geocoder, ...]:
    """The backends of ``LOOKUP_GEOCODERS``, in its order."""
    if not settings.geocoders:
        return ()
    from lookup.geocode.remote import build_geocoders

    return tuple(build_geocoders(settings))
