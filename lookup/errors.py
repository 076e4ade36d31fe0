"""The service's error tree. Each class carries its HTTP status and a stable machine code.

    ServiceError
    ├── InvalidParameter        400 invalid_parameter
    ├── AddressUnparseable      400 address_unparseable
    ├── AddressIncomplete       400 address_incomplete  (a number or a ZIP alone)
    │   └── NumberMissing       422 address_incomplete  (reason no_number: details.precincts)
    ├── AddressPoBox            400 address_po_box      (no precinct for a post-office box)
    ├── AddressNotFound         404 address_not_found
    ├── AddressAmbiguous        422 address_ambiguous   (details.candidates)
    ├── OutsideJurisdiction     404 outside_jurisdiction  (reason other_county: details.county,
    │                                                     counties, board, state_board)
    ├── Unauthorized            401 unauthorized        (staff operation, no/wrong token)
    ├── AdminDisabled           403 admin_disabled      (no LOOKUP_ADMIN_TOKEN configured)
    ├── NotFound                404 not_found           (unknown route)
    ├── MethodNotAllowed        405 method_not_allowed
    ├── ReloadFailed            409 reload_failed       (the last good version stays live)
    ├── PayloadTooLarge         413 payload_too_large
    ├── RateLimited             429 rate_limited        (details.retry_after, seconds)
    ├── DatasetUnavailable      503 dataset_unavailable
    ├── GeocoderUnavailable     503 geocoder_unavailable
    ├── InsightsUnavailable     503 insights_unavailable (staff report: its database is down)
    └── InternalError           500 internal_error

The user-facing message comes from the locale catalog by code (see ``i18n``), or from
the entry ``message_id`` names, with ``message_args``, where one code has several
messages (another county's address names that county); the English ``detail`` passed to
the constructor is for logs and never holds resident data.
"""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """Base of every error the service answers with."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500

    def __init__(self, detail: str = "", **details: Any) -> None:
        super().__init__(detail or self.code)
        self.detail = detail
        self.details = details
        self.message_id: tuple[str, str] = ("errors", self.code)  # catalog section, key
        self.message_args: dict[str, str] = {}  # its placeholders besides ``phone``


class InvalidParameter(ServiceError):
    code = "invalid_parameter"
    status = 400


class AddressUnparseable(ServiceError):
    code = "address_unparseable"
    status = 400


class AddressIncomplete(ServiceError):
    code = "address_incomplete"
    status = 400


class NumberMissing(AddressIncomplete):
    """A street without a house number that crosses precinct lines: 422 like
    ``address_ambiguous``, because it carries the precincts to choose between."""

    status = 422


class AddressPoBox(ServiceError):
    code = "address_po_box"
    status = 400


class AddressNotFound(ServiceError):
    code = "address_not_found"
    status = 404


class AddressAmbiguous(ServiceError):
    code = "address_ambiguous"
    status = 422


class OutsideJurisdiction(ServiceError):
    code = "outside_jurisdiction"
    status = 404


class Unauthorized(ServiceError):
    code = "unauthorized"
    status = 401


class AdminDisabled(ServiceError):
    code = "admin_disabled"
    status = 403


class ReloadFailed(ServiceError):
    code = "reload_failed"
    status = 409


class PayloadTooLarge(ServiceError):
    code = "payload_too_large"
    status = 413


class RateLimited(ServiceError):
    code = "rate_limited"
    status = 429


class NotFound(ServiceError):
    code = "not_found"
    status = 404


class MethodNotAllowed(ServiceError):
    code = "method_not_allowed"
    status = 405


class DatasetUnavailable(ServiceError):
    code = "dataset_unavailable"
    status = 503


class GeocoderUnavailable(ServiceError):
    code = "geocoder_unavailable"
    status = 503


class InsightsUnavailable(ServiceError):
    code = "insights_unavailable"
    status = 503


class InternalError(ServiceError):
    code = "internal_error"
    status = 500


ERROR_CLASSES: tuple[type[ServiceError], ...] = (
    InvalidParameter,
    AddressUnparseable,
    AddressIncomplete,
    AddressPoBox,
    AddressNotFound,
    AddressAmbiguous,
    OutsideJurisdiction,
    Unauthorized,
    AdminDisabled,
    NotFound,
    MethodNotAllowed,
    ReloadFailed,
    PayloadTooLarge,
    RateLimited,
    DatasetUnavailable,
    GeocoderUnavailable,
    InsightsUnavailable,
    InternalError,
)
ERROR_CODES: tuple[str, ...] = tuple(c.code for c in ERROR_CLASSES)


class DataError(Exception):
    """A source file or dataset folder that cannot be used (refresh and load, not requests)."""
