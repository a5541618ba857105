"""The kiosk board, in a real browser through nginx's TLS, on SQLite and PostgreSQL: a clerk
signs in, sees a kiosk's heartbeat change its row without reloading, locks it (the command
reaches the kiosk's long-poll), and sees a "call a clerk" alert come and go, and a case opened
stay until a clerk takes it."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, expect

from kiosk.backoffice.console import audit
from tests.backoffice.console.conftest import clerk, console_url, kiosk, sign_in
from tests.backoffice.messages import event
from tests.backoffice.stack import Stack
from tests.browser import new_page

pytestmark = pytest.mark.slow


def test_a_clerk_sees_a_kiosk_change_live_and_locks_it(browser: Browser,
                                                       backoffice_stack: Stack) -> None:
    machine = kiosk(backoffice_stack)
    machine.heartbeat(state="idle")
    page = new_page(browser)
    sign_in(page, backoffice_stack, clerk(backoffice_stack))
    expect(page).to_have_url(console_url(backoffice_stack, "board"))
    line = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    expect(line.locator('[data-field="state_label"]')).to_have_text("Pronto")

    machine.heartbeat(state="in-journey", journey="check-card", reader_present=False)
    expect(line.locator('[data-field="state_label"]')).to_have_text("In uso")
    expect(line.locator('[data-field="journey"]')).to_have_text("Verifica della carta")
    expect(line.locator('[data-field="reader"]')).to_have_text("assente")
    expect(line).to_have_attribute("data-state", "in-journey")

    line.locator('input[name="message"]').fill("Torno subito, sportello 3")
    line.locator('button[value="lock"]').click()
    expect(page.locator("#flash")).to_have_text(f"Blocco inviato a {machine.name}.")
    commands = machine.commands()
    assert [(command["kind"], command["message"]) for command in commands] == \
        [("lock", "Torno subito, sportello 3")]


def test_a_call_for_a_clerk_shows_on_the_console_until_it_ends(browser: Browser,
                                                               backoffice_stack: Stack) -> None:
    machine = kiosk(backoffice_stack)
    page = new_page(browser)
    sign_in(page, backoffice_stack, clerk(backoffice_stack))
    alert = page.locator(".console-help", has_text=machine.name)
    expect(page.locator("#board")).to_be_visible()
    expect(alert).to_have_count(0)

    machine.event("help.requested", journey="check-card", step="enter-pin")
    expect(alert).to_contain_text(f"Il chiosco {machine.name} chiama un operatore")
    expect(alert).to_contain_text("Passaggio: Verifica della carta · enter-pin")
    expect(alert).to_contain_text("Dalle ")
    machine.event("help.ended", journey="check-card", step="enter-pin")
    expect(alert).to_have_count(0)

    # Another call, answered by the clerk this time: it leaves every console.
    machine.event("help.requested", journey="", step="menu")
    other = new_page(browser)
    sign_in(other, backoffice_stack, clerk(backoffice_stack))
    expect(other.locator(".console-help", has_text=machine.name)).to_have_count(1)
    alert.get_by_role("button", name="Vado io").click()
    expect(page.locator("#flash")).to_have_text(f"Vai al chiosco {machine.name}.")
    expect(alert).to_have_count(0)
    expect(other.locator(".console-help", has_text=machine.name)).to_have_count(0)


def test_a_case_opened_days_ago_stays_on_the_console_until_a_clerk_takes_it(
        browser: Browser, backoffice_stack: Stack) -> None:
    machine = kiosk(backoffice_stack)
    machine.heartbeat(state="locked")
    opened = event(next(machine._seq), "kiosk.tampered", journey="")
    opened["at"] = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).isoformat()  # a weekend
    answer = machine.client.post("/api/v1/events", json={"events": [opened]})
    assert answer.status_code == 200, answer.text
    machine.event("kiosk.case-closed", open_ms=60_000)  # shut again: proves nothing
    machine.event("help.ended", journey="", step="menu")  # nor does a help's end
    page = new_page(browser)
    sign_in(page, backoffice_stack, clerk(backoffice_stack))
    alert = page.locator(".console-tamper", has_text=machine.name)
    expect(alert).to_contain_text(f"Il chiosco {machine.name} è stato aperto")
    expect(alert).to_contain_text("Nessuna sessione di un cittadino")
    row = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    expect(row).to_have_attribute("data-tampered", "true")
    expect(row.locator(".console-tampered")).to_have_text("Manomissione")
    expect(page.locator(".console-help", has_text=machine.name)).to_have_count(0)

    alert.get_by_role("button", name="Vado io").click()
    expect(page.locator("#flash")).to_have_text(f"Vai al chiosco {machine.name}.")
    expect(alert).to_have_count(0)
    expect(row).to_have_attribute("data-tampered", "false")
    with backoffice_stack.session() as db:
        logged = [(entry.user, entry.action, entry.target)
                  for entry in audit.latest(db.connection())]
    assert (machine.name, "kiosk.tampered", machine.name) in logged
    assert (machine.name, "kiosk.case-closed", machine.name) in logged
    assert any(action == "tamper.ack" and target == machine.name
               for _, action, target in logged)
