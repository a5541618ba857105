"""Signing in with a second factor: enrolled by the admin's CLI, or by the person on their
account page; a wrong code is refused and counted like a wrong password."""

from __future__ import annotations

import json

import pyotp
import pytest
from playwright.sync_api import Browser, expect

from tests.backoffice.console.conftest import clerk, console_url, sign_in
from tests.backoffice.stack import Stack
from tests.browser import new_page

pytestmark = pytest.mark.slow


def test_a_clerk_signs_in_with_a_totp_code(browser: Browser, sqlite_stack: Stack) -> None:
    person = clerk(sqlite_stack)
    made = sqlite_stack.cli("user", "totp", person.name, "--json")
    assert made.returncode == 0, made.stderr
    secret = json.loads(made.stdout)["secret"]
    page = new_page(browser)
    sign_in(page, sqlite_stack, person)
    expect(page).to_have_url(console_url(sqlite_stack, "login/totp"))

    page.fill("#code", "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.click("#confirm-code")
    expect(page.locator("#refused")).to_have_attribute("data-code", "TOTP_FAILED")
    page.goto(console_url(sqlite_stack, "board"))
    expect(page).to_have_url(console_url(sqlite_stack, "login"))  # not signed in yet

    sign_in(page, sqlite_stack, person)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#confirm-code")
    expect(page).to_have_url(console_url(sqlite_stack, "board"))
    expect(page.locator("#signed-in-as")).to_contain_text(person.name)


def test_a_clerk_switches_the_second_factor_on_from_the_account_page(
        browser: Browser, sqlite_stack: Stack) -> None:
    person = clerk(sqlite_stack)
    page = new_page(browser, locale="en-GB")
    sign_in(page, sqlite_stack, person)
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="My account").click()
    secret = page.locator("#totp-secret").inner_text()
    expect(page.locator(".console-qr svg")).to_be_visible()
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("#enrol")
    expect(page.locator("#flash")).to_have_text(
        "The second factor is on: from now on, signing in asks for a code.")
    expect(page.locator("#totp-on")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, sqlite_stack, person)
    expect(page).to_have_url(console_url(sqlite_stack, "login/totp"))
    expect(page.get_by_role("heading")).to_have_text("Code from your authenticator app")


def test_a_new_password_ends_the_sessions_of_the_account(browser: Browser,
                                                       sqlite_stack: Stack) -> None:
    person = clerk(sqlite_stack)
    page = new_page(browser)
    sign_in(page, sqlite_stack, person)
    expect(page).to_have_url(console_url(sqlite_stack, "board"))
    changed = sqlite_stack.cli("user", "passwd", person.name, stdin="una-nuova-password\n")
    assert changed.returncode == 0, changed.stderr
    page.goto(console_url(sqlite_stack, "statistics"))
    expect(page).to_have_url(console_url(sqlite_stack, "login"))
