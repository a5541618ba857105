"""A clerk locks a real kiosk from the board and the kiosk's screen changes (issue 11).

``kiosk run``'s kiosk on the sim profile (tests/test_app_tickets.py), enrolled with ``kiosk
enroll`` into the real back-office behind nginx's mutual TLS, waits on the attract screen. A
clerk signs in to the console in Chromium, types a message on the kiosk's row of the board and
locks it: the command travels the kiosk's long-poll, the kiosk draws the out-of-order screen
with the clerk's words, and its next heartbeat turns the row to "Bloccato". Unlocking brings
the attract screen back and the row to "Pronto". Where test_board.py stops at the kiosk API
and test_app_uplink.py starts from the CLI, this one goes from the clerk's click to the
citizen's screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, expect

from kiosk.journeys import Screen
from kiosk.ui.i18n import Catalog
from tests.backoffice.console.conftest import clerk, console_url, sign_in
from tests.backoffice.stack import Stack
from tests.browser import new_page
from tests.test_app_tickets import start_kiosk
from tests.test_app_uplink import Online, kinds_received, pump_until, wait_for

pytestmark = pytest.mark.slow

MESSAGE = "Lettore in manutenzione, torniamo alle 14"


@pytest.fixture
def idle_kiosk(tmp_path: Path, sqlite_stack: Stack) -> Iterator[Online]:
    """A real kiosk online with the back-office, on its attract screen."""
    machine = start_kiosk(tmp_path, sqlite_stack)
    try:
        uplink = machine.kiosk.uplink
        assert uplink is not None
        wait_for(uplink.online)
        pump_until(machine.kiosk, lambda: machine.kiosk.session.view.screen is Screen.ATTRACT)
        yield machine
    finally:
        machine.kiosk.stop()


def on_the_kiosk_screen(machine: Online) -> str:
    """The text the kiosk last drew: its stage's layout, in the view's own language."""
    layout = machine.kiosk.stage.layout
    assert layout is not None
    return " ".join(" ".join(text.split()) for text, _ in layout.shown)


def state_of(row: Locator) -> Locator:
    return row.locator('[data-field="state_label"]')


def test_a_clerk_locks_a_kiosk_from_the_board_and_its_screen_changes(
        browser: Browser, idle_kiosk: Online) -> None:
    machine, kiosk, stack = idle_kiosk, idle_kiosk.kiosk, idle_kiosk.stack
    page = new_page(browser)
    sign_in(page, stack, clerk(stack))
    expect(page).to_have_url(console_url(stack, "board"))
    row = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    expect(state_of(row)).to_have_text("Pronto")  # the kiosk's own heartbeat: idle

    row.locator('input[name="message"]').fill(MESSAGE)
    row.locator('button[value="lock"]').click()
    expect(page.locator("#flash")).to_have_text(f"Blocco inviato a {machine.name}.")
    pump_until(kiosk, lambda: kiosk.stage.view.screen is Screen.OUT_OF_ORDER)
    catalog = Catalog(kiosk.stage.view.language.value)
    shown = on_the_kiosk_screen(machine)
    assert " ".join(catalog.title(Screen.OUT_OF_ORDER).split()) in shown
    assert MESSAGE in shown  # the clerk's words, as typed
    expect(state_of(row)).to_have_text("Bloccato")  # the next heartbeat, no reload
    expect(row).to_have_attribute("data-state", "locked")
    wait_for(lambda: kinds_received(stack, machine.name)[-1:] == ["kiosk.locked"])

    row.locator('button[value="unlock"]').click()
    expect(page.locator("#flash")).to_have_text(f"Sblocco inviato a {machine.name}.")
    pump_until(kiosk, lambda: kiosk.stage.view.screen is Screen.ATTRACT)
    assert MESSAGE not in on_the_kiosk_screen(machine)
    expect(state_of(row)).to_have_text("Pronto")
    wait_for(lambda: kinds_received(stack, machine.name)[-1:] == ["kiosk.unlocked"])
