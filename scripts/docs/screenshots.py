"""Regenerate the README's screenshots: the console and the widget, desktop and phone,
English and Spanish, answering the demo county's address (fictional data, and it shows).

    .venv/bin/python -m scripts.docs.screenshots [--out docs/screenshots]

Runs ``lookup serve`` on the demo county on a free 127.0.0.1 port and drives Debian's
Chromium headless (as the browser tests do); nothing leaves the machine.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import harness

ADDRESS = "13186 5th St, Demo City NC 28990"
AS_OF = "2028-10-24T10:00"  # a weekday of early voting, before the 2028 general election
VIEWPORTS = {"desktop": (1280, 900), "phone": (360, 740)}
READY_TIMEOUT_S = 60.0


@contextmanager
def serve(env: dict[str, str], log: Path) -> Iterator[str]:
    """``lookup serve`` of the demo county (one worker) until the block exits: its URL."""
    port = harness.free_port()
    proc = harness.start(harness.serve_command(None, port, workers=1), log, env)
    try:
        harness.wait_ready(proc, port, log, READY_TIMEOUT_S)
        yield f"http://127.0.0.1:{port}"
    finally:
        harness.stop(proc)


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


TOKEN = "screenshots-admin-token-0123456789"
RUN_UP = ("2028-10-10", "2028-11-07")  # four weeks to the demo county's election
# Question topics in the simulated run-up (made up for the picture, seeded like the rest).
ASKED = {
    "rep": ["early_voting_hours", "photo_id", "registration", "mail_ballot", "moved", "other"],
    "widget": ["photo_id", "same_day_registration", "mail_ballot_return", "curbside_voting"],
}
ASKED_WEIGHTS = {"rep": [6, 5, 3, 3, 2, 1], "widget": [5, 3, 3, 1]}


def simulate_traffic(db: Path) -> None:
    """Fill the insights store for the staff page: look-ups of the demo county's
    addresses (and some it lacks) through the real app, its clock moved day by day
    through the run-up, more each day as in a real season (seeded: the same every run)."""
    import random
    from datetime import date, datetime, timedelta

    from lookup.config import Settings
    from lookup.domain.schedule import LOCAL_TZ
    from lookup.web.app import create_app

    rng = random.Random(2028)
    now = [datetime(2028, 10, 10, 8, tzinfo=LOCAL_TZ)]
    settings = Settings.from_env(insights_db=str(db), rate_limit="", suggest_rate_limit="")
    app = create_app(settings, clock=lambda: now[0])
    ds = app.extensions["lookup"].holder.get()
    client = app.test_client()
    start, end = (date.fromisoformat(d) for d in RUN_UP)
    missing = ["Nowhere Ln", "Quail Hollow Way", "Sandpiper Ct", "Heron Bay Dr"]
    for k in range((end - start).days + 1):
        day = start + timedelta(days=k)
        for _ in range(20 + 6 * k):
            hour = rng.choice((8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19))
            now[0] = datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ)
            point = ds.addresses.point(rng.randrange(ds.addresses.size))
            roll = rng.random()
            address = (
                f"{rng.randint(100, 9999)} {rng.choice(missing)}, Demo City NC 28990"
                if roll < 0.08
                else "912 Main St"
                if roll < 0.11
                else point.label()
            )
            lang = "es" if rng.random() < 0.15 else "en"
            channel = rng.choices(("rep", "widget", "api", "civic"), (5, 4, 2, 1))[0]
            if channel == "civic":
                client.get("/civicinfo/v2/voterinfo", query_string={"address": address})
                continue
            query = {"address": address, "lang": lang, "channel": channel}
            answer = client.get("/api/v1/lookup", query_string=query)
            if answer.status_code == 200 and channel in ("rep", "widget"):
                # What the caller asked (the console's marks) or which answer a resident
                # opened: most calls are about where; one in three asks something more.
                marks = ["where_to_vote"] if channel == "rep" else []
                if rng.random() < 0.35:
                    marks.append(rng.choices(ASKED[channel], ASKED_WEIGHTS[channel])[0])
                if marks:
                    body = {"topics": marks, "channel": channel, "lang": lang}
                    client.post("/api/v1/questions", json=body)
            if answer.status_code == 200 and channel == "widget" and rng.random() < 0.3:
                sites = [s for s in answer.json["early_voting_sites"] if s["hours_today"]]
                if sites:
                    ics = {**query, "site": sites[0]["id"], "day": day.isoformat()}
                    client.get("/api/v1/calendar.ics", query_string=ics).close()
    app.extensions["insights"].close()  # write everything before the server reads it


def insights_shot(browser: Any, url: str, out: Path) -> Path:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        extra_http_headers={"Authorization": f"Bearer {TOKEN}"},
    )
    page = context.new_page()
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url) else r.abort())
    page.goto(f"{url}/admin/insights?lang=en&from={RUN_UP[0]}&to={RUN_UP[1]}")
    path = out / "insights.png"
    page.screenshot(path=str(path), full_page=True)
    context.close()
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog=f"python -m {__spec__.name}", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--out", type=Path, default=harness.REPO / "docs" / "screenshots")
    ap.add_argument("--only", choices=[*FACES, "insights"], help="one set of screenshots")
    args = ap.parse_args(argv)
    import os
    import tempfile

    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    db = Path(tempfile.mkdtemp(prefix="insights-")) / "insights.sqlite3"
    if args.only in (None, "insights"):
        simulate_traffic(db)
    env = {**os.environ, "LOOKUP_ADMIN_TOKEN": TOKEN, "LOOKUP_INSIGHTS_DB": str(db)}
    with serve(env, db.with_name("server.log")) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=harness.CHROMIUM, args=harness.CHROMIUM_FLAGS)
        if args.only in (None, "insights"):
            print(insights_shot(browser, url, args.out).relative_to(harness.REPO))
        for face, face_ in FACES.items():
            if args.only not in (None, face):
                continue
            for view, (w, h) in VIEWPORTS.items():
                for lang in ("en", "es"):
                    context = browser.new_context(viewport={"width": w, "height": h}, locale=lang)
                    page = context.new_page()
                    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(url)
                               else r.abort())  # fmt: skip
                    face_.drive(page, url, lang)
                    path = args.out / f"{face}-{view}-{lang}.png"
                    page.screenshot(path=str(path), full_page=view == "desktop")
                    print(path.relative_to(harness.REPO))
                    context.close()
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
