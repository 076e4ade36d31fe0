"""Checks more than one test module makes of the service's answers."""

from __future__ import annotations

from lookup.errors import ERROR_CODES


def assert_error_shape(r, status: int, code: str) -> dict:
    """An error answer in the one JSON shape every face shares: the status, a known code,
    a message, details, the board's phone, and no traceback."""
    assert r.status_code == status, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) >= {"ok", "status", "error", "board_of_elections"}
    assert body["ok"] is False and body["status"] == status
    assert body["error"]["code"] == code and code in ERROR_CODES
    assert body["error"]["message"] and isinstance(body["error"]["details"], dict)
    assert body["board_of_elections"]["phone"]
    assert "Traceback" not in r.text
    return body
