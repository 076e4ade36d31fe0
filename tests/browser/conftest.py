"""The page the console and resident-page tests drive: kept to the demo county's server,
failing on any script error or CSP report."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture
def page(browser, server) -> Iterator[object]:
    """A fresh 1280x900 page that may reach only ``server``; after the test, no script
    error and no console error but the 4xx answers the test asked for."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.route("**/*", lambda r: r.continue_() if r.request.url.startswith(server.url) else r.abort())
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # Chromium logs every 4xx answer as a console error; those are expected answers here.
    pg.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "the server responded with a status of 4" not in m.text
            else None
        ),
    )
    yield pg
    context.close()
    assert not errors, errors  # no script error, no CSP violation report
