"""What the browser tests share: pages kept to our own servers that fail on a script
error, a city's site of another origin to embed the widget in, and the axe-core check.
Chromium itself is ``scripts.harness.CHROMIUM`` (the screenshots drive it too); the
``chromium`` and ``browser`` fixtures launch it (tests/conftest.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The 311 console as a representative's screen shows it.
CONSOLE_VIEWPORT = {"width": 1366, "height": 900}


def no_axe_violations(page, context: object = None, **options: object) -> None:
    """axe-core finds no violation on the page (or within ``context``, a selector or
    axe's include/exclude); ``options`` go to axe (e.g. ``runOnly``)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=context, options={"resultTypes": ["violations"], **options})
    assert results.violations_count == 0, results.generate_report()


@contextmanager
def console(browser, url: str, lang: str, at: str) -> Iterator[object]:
    """The console at ``url`` as of ``at``, its requests kept to that server; fails on any
    script error."""
    context = browser.new_context(viewport=CONSOLE_VIEWPORT)
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/rep?lang={lang}&at={at}")
    try:
        yield page
    finally:
        context.close()
    assert not errors, errors


class Tab:
    """A page in a fresh context that may reach only the given 127.0.0.1 servers, and
    that records script errors, CSP reports, dialogs and refused requests."""

    def __init__(self, browser, allowed: list[str], **context: object) -> None:
        self.context = browser.new_context(
            **{"viewport": {"width": 1280, "height": 900}, **context}
        )
        self.refused: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", partial(self._route, tuple(allowed)))
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)

    def _route(self, allowed: tuple[str, ...], route) -> None:
        url = route.request.url
        if url.startswith(allowed):
            route.continue_()
        else:
            self.refused.append(url)
            route.abort()

    def _console(self, m) -> None:
        self.console.append(m.text)
        # Chromium logs each 4xx answer as an error: here those are expected answers.
        if m.type == "error" and "the server responded with a status of 4" not in m.text:
            self.errors.append(m.text)

    def _dialog(self, d) -> None:
        self.dialogs.append(d.message)
        d.dismiss()

    def close(self, *, clean: bool = True) -> None:
        self.context.close()
        if clean:
            assert not self.errors, self.errors  # no script error, no CSP violation
            assert not self.refused, self.refused  # nothing beyond our own servers
            assert not self.dialogs, self.dialogs


class _Pages(BaseHTTPRequestHandler):
    def __init__(self, pages: dict[str, str], *args: object) -> None:
        self.pages = pages
        super().__init__(*args)  # type: ignore[arg-type]

    def do_GET(self) -> None:
        body = self.pages.get(self.path.split("?")[0])
        data = (body or "not found").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass


class HostSite:
    """A city's web site on its own 127.0.0.1 port: another origin than the service."""

    def __init__(self, pages: dict[str, str]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Pages, pages))
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()
