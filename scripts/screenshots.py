"""Regenerate the README's screenshots: the console and the widget, desktop and phone,
English and Spanish, answering the demo county's address (fictional data, and it shows).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots]

Runs ``lookup serve`` on the demo county on a free 127.0.0.1 port and drives Debian's
Chromium headless (as the browser tests do); nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
ADDRESS = "13186 5th St, Demo City NC 28990"
AS_OF = "2028-10-24T10:00"  # a weekday of early voting, before the 2028 general election
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 740)}


@contextmanager
def serve() -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "lookup.cli", "serve", "--port", str(port), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(url + "/readyz", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("lookup serve did not become ready")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@dataclass(frozen=True)
class Face:
    """A page to photograph: where it is, where the address goes, what means answered."""

    path: str
    address_box: str
    answered: str

    def drive(self, page: Any, url: str, lang: str) -> None:
        page.goto(f"{url}{self.path}?lang={lang}&at={AS_OF}")
        page.fill(self.address_box, ADDRESS)
        page.keyboard.press("Escape")  # close the suggestions, then look the address up
        page.keyboard.press("Enter")
        page.wait_for_selector(self.answered)


FACES = {
    "console": Face("/rep", "#address", "#answer:not([hidden])"),
    "widget": Face("/widget", "input[type=search], input[type=text]", "svg"),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with serve() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        for face, face_ in FACES.items():
            for view, (w, h) in VIEWPORTS.items():
                for lang in ("en", "es"):
                    context = browser.new_context(viewport={"width": w, "height": h}, locale=lang)
                    page = context.new_page()
                    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url)
                               else r.abort())  # fmt: skip
                    face_.drive(page, url, lang)
                    path = args.out / f"{face}-{view}-{lang}.png"
                    page.screenshot(path=str(path), full_page=view == "desktop")
                    print(path.relative_to(REPO))
                    context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
