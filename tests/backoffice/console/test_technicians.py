"""The technicians' page: a one-time enrollment token shown once (and it enrolls a kiosk), a
kiosk revoked from the console is refused at its next request, and each kiosk's certificate
expiry is listed."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect

from kiosk.uplink.schemas import ENROLL_PATH
from tests.backoffice.console.conftest import clerk, console_url, kiosk, sign_in
from tests.backoffice.csr import make_csr
from tests.backoffice.messages import heartbeat
from tests.backoffice.stack import Stack, client_context
from tests.browser import new_page

pytestmark = pytest.mark.slow


def test_a_technician_makes_a_token_that_enrolls_a_kiosk(browser: Browser,
                                                        sqlite_stack: Stack) -> None:
    page = new_page(browser)
    sign_in(page, sqlite_stack, clerk(sqlite_stack, role="technician"))
    page.get_by_role("link", name="Tecnici").click()
    page.fill("#kiosk-name", "sala-consiglio")
    page.click("#create-token")
    token = page.locator("#token").inner_text()
    assert token.startswith("v1.")
    page.goto(console_url(sqlite_stack, "technicians"))
    expect(page.locator("#new-token")).to_have_count(0)  # shown once
    expect(page.locator('#certificates tr[data-kiosk="sala-consiglio"]')).to_contain_text(
        "in attesa di registrazione")

    with httpx.Client(verify=client_context(sqlite_stack.ca_file), timeout=30) as client:
        answer = client.post(f"{sqlite_stack.enroll_url}{ENROLL_PATH}",
                             json={"token": token.split(".")[1],
                                   "csr": make_csr(subject="sala-consiglio")})
    assert answer.status_code == 200, answer.text
    page.reload()
    line = page.locator('#certificates tr[data-kiosk="sala-consiglio"]')
    expect(line).to_contain_text("registrato")
    expect(line.locator("td").nth(1)).not_to_have_text("—")  # its certificate's expiry


def test_a_kiosk_revoked_from_the_console_is_refused(browser: Browser,
                                                    sqlite_stack: Stack) -> None:
    machine = kiosk(sqlite_stack)
    machine.heartbeat()
    page = new_page(browser)
    sign_in(page, sqlite_stack, clerk(sqlite_stack, role="technician"))
    page.goto(console_url(sqlite_stack, "technicians"))
    page.locator(f'#certificates tr[data-kiosk="{machine.name}"]').get_by_role(
        "button", name="Revoca").click()
    expect(page.locator("#flash")).to_contain_text(f"Il chiosco {machine.name} è revocato")
    expect(page.locator(f'#certificates tr[data-kiosk="{machine.name}"]')).to_contain_text(
        "revocato")
    answer = machine.client.post("/api/v1/heartbeat", json=heartbeat())
    assert answer.status_code == 403, answer.text
