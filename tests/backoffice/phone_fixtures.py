"""A back-office with "continue with smartphone" switched on, relying on a real OpenID
provider (oidc_provider.py), and the citizen's phone as a browser context.

    from tests.backoffice.phone_fixtures import phone_stack  # noqa: F401 - the fixture
    from tests.browser import browser  # noqa: F401

    def test_...(phone_stack: Stack, browser: Browser) -> None:
        code = log_in_on_phone(browser, url_from_the_kiosk, "mario")
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.backoffice.oidc_provider import Provider, start_provider
from tests.backoffice.stack import Stack, free_port, prepare_stack
from tests.browser import new_page

FISCAL = "https://attributes.eid.gov.it/fiscal_number"
# The provider's citizens, by login name (the dev forms take any password).
CITIZENS = {
    "mario": {"given_name": "Mario", "family_name": "Rossi", FISCAL: "TINIT-RSSMRA80A01H501U"},
    "anna": {"given_name": "Anna", "family_name": "Bianchi", FISCAL: "BNCNNA85M41F205X"},
}
CODE = re.compile(r"^\d{6}$")


@pytest.fixture(scope="session")
def phone_provider_and_stack() -> Iterator[tuple[Provider, Stack]]:
    web = f"127.0.0.1:{free_port()}"
    public_url = f"https://{web}"
    with start_provider(f"{public_url}/phone/callback", CITIZENS) as provider:
        secret_dir = Path(tempfile.mkdtemp(prefix="phone-secret-"))
        secret = secret_dir / "client-secret"
        secret.write_text(provider.client_secret + "\n")
        stack = prepare_stack(server={"web_listen": web}, phone={
            "issuer": provider.issuer, "client_id": provider.client_id,
            "client_secret_file": str(secret), "public_url": public_url})
        try:
            stack.start()
            yield provider, stack
        finally:
            stack.close()
            secret.unlink()
            secret_dir.rmdir()


@pytest.fixture(scope="session")
def phone_stack(phone_provider_and_stack: tuple[Provider, Stack]) -> Stack:
    return phone_provider_and_stack[1]


def open_on_phone(browser: Browser, url: str) -> Page:
    """The citizen scans the QR: the one-time URL opens in the phone's own browser."""
    page = new_page(browser, width=390, height=844)
    page.goto(url)
    return page


def log_in(page: Page, login: str) -> str:
    """On the provider's forms (login, then consent), as ``login``; the code the back-office
    then shows."""
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.wait_for_selector("button[type=submit]")
    page.click("button[type=submit]")
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
