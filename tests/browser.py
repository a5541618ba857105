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
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per test process; each test takes its own context (cookies apart)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def new_page(browser: Browser, *, locale: str = "it-IT", width: int = 1280,
             height: int = 800) -> Page:
    """A page in a fresh context: a person on their own device."""
    context = browser.new_context(ignore_https_errors=True, locale=locale,
                                  viewport={"width": width, "height": height})
    return context.new_page()
