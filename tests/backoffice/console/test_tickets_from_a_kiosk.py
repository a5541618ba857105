"""The reprint hand-off from the card to the clerk's screen: ``kiosk run``'s kiosk on the virtual
card (PACE with the CAN, passive and chip authentication) files the ticket through its outbox
(tests/test_app_tickets.py); the clerk's open console shows it, with the photo the chip gave,
and the clerk completes it. Once on both databases, and once with the back-office down while
the citizen files it: the console, open all along, shows the ticket when the link is back.
The second takes the README's picture of a ticket page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.backoffice.console.conftest import clerk, console_url, sign_in
from tests.backoffice.console.test_statistics import shot
from tests.backoffice.console.test_tickets import photo_shown, polled
from tests.backoffice.stack import Stack
from tests.browser import new_page
from tests.test_app_tickets import (  # noqa: F401 - fixtures
    EMAIL,
    ask_for_a_reprint,
    online,
    outbox_tickets,
    private_stack,
    start_kiosk,
    tickets_of,
)
from tests.test_app_uplink import Online, wait_for

pytestmark = pytest.mark.slow


def the_desk_serves_it(desk: Page, machine: Online, number: str, screenshot: str = "") -> None:
    """From the live queue to "done in CieOnline", checking the page against the row the
    back-office stored from the chip."""
    line = desk.locator("#queue tbody tr", has_text=machine.name)
    expect(line).to_contain_text(number)
    (row,) = tickets_of(machine.stack, machine.name)
    line.get_by_role("link", name=number).click()
    photo_shown(desk)
    expect(desk.locator("#name")).to_have_text(f"{row.given_name} {row.surname}")
    expect(desk.locator("#codice-fiscale")).to_have_text(str(row.codice_fiscale))
    expect(desk.locator("#document-number")).to_have_text(str(row.document_number))
    expect(desk.locator("#email")).to_have_text(EMAIL)
    expect(desk.locator("#passive-auth")).to_contain_text("Attendibile")
    expect(desk.locator("#chip-auth")).to_contain_text("Superata")
    expect(desk.locator("#not-verified")).to_have_count(0)
    desk.get_by_role("button", name="Prendi in carico").click()
    expect(desk.locator("#ticket-status")).to_have_text("In lavorazione")
    photo_shown(desk)
    if screenshot:
        desk.screenshot(path=shot(screenshot), full_page=True)
    desk.get_by_role("button", name="Fatto in CieOnline").click()
    expect(desk.locator("#ticket-status")).to_have_text("Completato")
    (done,) = tickets_of(machine.stack, machine.name)
    assert done.status == "completed" and done.closed_by == done.claimed_by is not None


def test_a_reprint_filed_on_the_kiosk_is_served_from_the_console(
        browser: Browser, online: Online) -> None:  # noqa: F811
    desk = new_page(browser)
    sign_in(desk, online.stack, clerk(online.stack))
    desk.goto(console_url(online.stack, "tickets"))
    polled(desk)
    uplink = online.kiosk.uplink
    assert uplink is not None
    wait_for(uplink.online)
    facts = ask_for_a_reprint(online)
    the_desk_serves_it(desk, online, str(facts["ticket_number"]))


def test_with_the_back_office_down_the_console_shows_the_ticket_when_it_is_back(
        browser: Browser, tmp_path: Path, private_stack: Stack) -> None:  # noqa: F811
    machine = start_kiosk(tmp_path, private_stack, "atrio-1")
    try:
        desk = new_page(browser, width=1280, height=900)
        sign_in(desk, private_stack, clerk(private_stack, name="m.rossi"))
        desk.goto(console_url(private_stack, "tickets"))
        polled(desk)
        expect(desk.locator("#no-tickets")).to_be_visible()
        uplink = machine.kiosk.uplink
        assert uplink is not None
        wait_for(uplink.online)
        private_stack.stop()
        wait_for(lambda: not uplink.online())
        facts = ask_for_a_reprint(machine)
        assert facts["desk"] == "handoff.desk.when_link_back"
        assert outbox_tickets(machine) == 1
        private_stack.start()  # the open console's poll picks up again by itself
        wait_for(lambda: outbox_tickets(machine) == 0)
        the_desk_serves_it(desk, machine, str(facts["ticket_number"]),
                           screenshot="console-ticket-it.png")
    finally:
        machine.kiosk.stop()
