"""A real browser for the back-office's web pages: Debian's Chromium, driven by Playwright.

Playwright cannot download its own build here (no route to its download host), and the one it
expects is newer than Debian's: it is launched with ``executable_path``. The flags keep Chromium
off the network it would otherwise call at every start (this machine refuses those
connections, many at a time) and let it run as root. Pages are on the back-office's own test
CA: contexts ignore certificate errors rather than trusting the CA system-wide.
(testing-the-back-office.md §3.)

    def test_login_page(browser: Browser, backoffice_stack: Stack) -> None:
        page = new_page(browser)
        page.goto(f"{backoffice_stack.web_url}/console/")
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class _Shared:
    """The one Playwright and Chromium running, and how many fixtures hold them."""

    playwright: Playwright
    browser: Browser
    holders: int = 0


_shared: list[_Shared] = []


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module; each test takes its own context (cookies apart).

    Not one per process: Playwright's sync API keeps its event loop set as running on this
    thread while it lives, and code under test that calls ``asyncio.run`` in the same process
    (pyhanko's validator in kiosk.cie.certificate, from the journeys' in-process card jobs)
    would fail in whatever test the worker ran next. A module's end stops it (~0.3 s to
    start again).

    A second conftest that imports this fixture registers a second fixture of the same
    name, and a second Playwright cannot start while the first runs its loop on this
    thread: every registration shares the one started first, the last one out stops it."""
    if not _shared:
        playwright = sync_playwright().start()
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=FLAGS)
        _shared.append(_Shared(playwright, launched))
    shared = _shared[0]
    shared.holders += 1
    try:
        yield shared.browser
    finally:
        shared.holders -= 1
        if shared.holders == 0:
            _shared.clear()
            try:
                shared.browser.close()
            finally:
                shared.playwright.stop()


def new_page(browser: Browser, *, locale: str = "it-IT", width: int = 1280,
             height: int = 800) -> Page:
    """A page in a fresh context: a person on their own device."""
    context = browser.new_context(ignore_https_errors=True, locale=locale,
                                  viewport={"width": width, "height": height})
    return context.new_page()
