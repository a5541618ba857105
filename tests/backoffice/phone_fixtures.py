"""A back-office with "continue with smartphone" switched on, relying on a real OpenID
provider (oidc_provider.py), and the citizen's phone as a browser context.

    from tests.backoffice.phone_fixtures import phone_backoffice  # noqa: F401 - the fixture
    # (``browser`` comes from tests/conftest.py)

    def test_...(phone_backoffice: Stack, browser: Browser) -> None:   # sqlite, postgresql
        code = log_in_on_phone(browser, url_from_the_kiosk, "mario")
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.backoffice.oidc_provider import start_provider
from tests.backoffice.stack import Stack, database, free_port, prepare_stack
from tests.browser import new_page

FISCAL = "https://attributes.eid.gov.it/fiscal_number"
# The provider's citizens, by login name (the dev forms take any password).
CITIZENS = {
    "mario": {"given_name": "Mario", "family_name": "Rossi", FISCAL: "TINIT-RSSMRA80A01H501U"},
    "anna": {"given_name": "Anna", "family_name": "Bianchi", FISCAL: "BNCNNA85M41F205X"},
}
CODE = re.compile(r"^\d{6}$")


@contextlib.contextmanager
def start_phone_stack(database_url: str | None) -> Iterator[Stack]:
    """A back-office with the smartphone login on, and the provider it relies on (whose one
    client's redirect URI is this back-office's)."""
    web = f"127.0.0.1:{free_port()}"
    public_url = f"https://{web}"
    with start_provider(f"{public_url}/phone/callback", CITIZENS) as provider:
        secret_dir = Path(tempfile.mkdtemp(prefix="phone-secret-"))
        secret = secret_dir / "client-secret"
        secret.write_text(provider.client_secret + "\n")
        stack = prepare_stack(database_url, server={"web_listen": web}, phone={
            "issuer": provider.issuer, "client_id": provider.client_id,
            "client_secret_file": str(secret), "public_url": public_url})
        try:
            stack.start()
            yield stack
        finally:
            stack.close()
            shutil.rmtree(secret_dir, ignore_errors=True)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def phone_backoffice(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """One per database kind and test process."""
    for url in database(request, request.param):
        with start_phone_stack(url) as stack:
            yield stack


@pytest.fixture(scope="session")
def phone_stack() -> Iterator[Stack]:
    """On SQLite, for the kiosk's end-to-end tests."""
    with start_phone_stack(None) as stack:
        yield stack


def open_on_phone(browser: Browser, url: str) -> Page:
    """The citizen scans the QR: the one-time URL opens in the phone's own browser."""
    page = new_page(browser, width=390, height=844)
    page.goto(url)
    return page


def through_provider(page: Page, login: str) -> None:
    """The provider's two development forms: log in as ``login`` (any password), consent."""
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]")
    page.click("button[type=submit]")


def log_in(page: Page, login: str) -> str:
    """At the provider as ``login``; the code the back-office then shows."""
    through_provider(page, login)
    page.wait_for_selector("#code")
    code = page.inner_text("#code").strip()
    assert CODE.match(code), code
    return code


def log_in_on_phone(browser: Browser, url: str, login: str) -> str:
    page = open_on_phone(browser, url)
    try:
        return log_in(page, login)
    finally:
        page.context.close()
