"""``/civicinfo/v2``: the Google Civic Information API's ``voterinfo`` and ``elections``,
answered from our data so existing clients (widgets, SMS bots) can point here.

``GET /civicinfo/v2/voterinfo``: ``address`` (required), ``electionId`` (see ``civic``;
``0`` or absent: the election that applies today), ``officialOnly`` and
``returnAllAvailableData`` (true/false), ``key`` (accepted and ignored), ``lang``
(our extension: the language of notes and notices; hours stay in English), and our
``date=YYYY-MM-DD`` / ``at=YYYY-MM-DDTHH:MM`` (extension: answer as of that moment).
``GET /civicinfo/v2/elections``: every election in the data.

Every error of these routes is in Google's error body, not the project's: the views
catch errors themselves, and blueprint handlers answer the few raised before a view
runs (the app's request-size limit, the rate limit); the app's handlers (and the rest of
the API) are unchanged. Routing errors (404, 405) stay the app's.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Response, request

from lookup.domain.boards import STATE_BOARD
from lookup.errors import ServiceError
from lookup.outputs import civic
from lookup.service import AddressQuery, find_polling_place
from lookup.web.context import current_board, exchange, json_response, require_dataset, state
from lookup.web.params import changes_at, parse_lang, parse_now

log = logging.getLogger(__name__)

bp = Blueprint("civicinfo", __name__)


def _error(err: civic.CivicError, code: str = "") -> Response:
    exchange().outcome = code or err.reason  # for the request log: ours, else Google's reason
    return json_response(err.body(), err.status)


def google_errors(view: Callable[[], Response]) -> Callable[[], Response]:
    """Answer every failure of ``view`` in Google's error body."""

    @wraps(view)
    def wrapper() -> Response:
        try:
            return view()
        except civic.CivicError as err:
            return _error(err)
        except ServiceError as err:
            if err.status >= 500:
                log.error("%s on %s: %s", err.code, request.path, err.detail)
            return _error(civic.from_service_error(err, current_board()), err.code)
        except Exception as err:
            # As the app logs it: the path and the stack only (the query string and the
            # exception's message may hold a resident's address).
            stack = "".join(traceback.format_tb(err.__traceback__))
            log.error("unhandled %s on %s\n%s", type(err).__name__, request.path, stack)
            unhandled = civic.from_service_error(ServiceError("unhandled"), STATE_BOARD)
            return _error(unhandled, "internal_error")

    return wrapper


@bp.errorhandler(ServiceError)
def _before_the_view(err: ServiceError) -> Response:
    """Errors raised before a view of these routes runs (the app's request-size limit):
    in Google's shape too. The app's own handlers are untouched."""
    return _error(civic.from_service_error(err, current_board()), err.code)


@bp.get("/civicinfo/v2/voterinfo")
@google_errors
def voterinfo() -> Response:
    args = request.args.to_dict()
    address = args.get("address", "")
    if not address.strip():
        raise civic.CivicError(400, "required", civic.NO_ADDRESS)
    lang = parse_lang(args.get("lang"))
    civic.parse_bool(
        args.get("officialOnly"), "officialOnly"
    )  # ours is official (demo stays marked)
    return_all = civic.parse_bool(args.get("returnAllAvailableData"), "returnAllAvailableData")
    st = state()
    ds = require_dataset()  # one snapshot for the whole request
    wanted = civic.find_election(ds, args.get("electionId"))
    now = civic.moment_for(ds, wanted, parse_now(args, st.clock))
    answer = find_polling_place(
        ds,
        AddressQuery(address),
        now,
        st.geocoders,
        staff=st.staff_notices,
        changes=changes_at(ds, now),
    )
    exchange().answer = answer  # for the insight counters (``hooks.insights``)
    civic.require_election(answer, return_all)
    return json_response(civic.voterinfo_json(answer, ds, lang, wanted))


@bp.get("/civicinfo/v2/elections")
@google_errors
def elections() -> Response:
    return json_response(civic.elections_json(require_dataset()))
