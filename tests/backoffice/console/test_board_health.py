"""A kiosk's health on the board, in a real browser through nginx's TLS, on SQLite and
PostgreSQL: its heartbeat says the printer has no paper and the power supply sagged; the row
shows both as labelled badges, live; the next heartbeat, healthy, takes them away. The row
keeps the problems the back-office read off the report (``kiosks.health_problems``), which
``kiosk backoffice kiosks`` lists too."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Browser, expect

from tests.backoffice.console.conftest import clerk, console_url, kiosk, sign_in
from tests.backoffice.messages import kiosk_row
from tests.backoffice.stack import Stack
from tests.browser import new_page

pytestmark = pytest.mark.slow

TROUBLED = {"under_voltage_now": False, "under_voltage_since_boot": True,
            "throttled_now": False, "throttled_since_boot": False,
            "temperature_celsius": 55.5, "fs_errors": 0, "fs_read_only": False,
            "disk_free_bytes": 5_000_000_000, "disk_total_bytes": 30_000_000_000,
            "printer": "PRINTER_PAPER_OUT", "frontpanel_present": True}
HEALTHY = {**TROUBLED, "under_voltage_since_boot": False, "printer": "ok"}


def test_the_board_shows_a_kiosks_health_problems_live(browser: Browser,
                                                       backoffice_stack: Stack) -> None:
    machine = kiosk(backoffice_stack)
    machine.heartbeat()  # an older kiosk: no health report, no badge
    assert kiosk_row(backoffice_stack, machine.name).health_problems is None
    page = new_page(browser)
    sign_in(page, backoffice_stack, clerk(backoffice_stack))
    line = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    badges = line.locator(".console-health")
    expect(line.locator('[data-field="state_label"]')).to_have_text("Pronto")
    expect(badges).to_have_count(0)

    machine.heartbeat(health=TROUBLED)
    expect(badges).to_have_text(["Alimentazione insufficiente", "Stampante: senza carta"])
    assert kiosk_row(backoffice_stack, machine.name).health_problems == "under-voltage,printer"
    listed = json.loads(backoffice_stack.cli("kiosks", "--json").stdout)["kiosks"]
    assert next(row for row in listed if row["name"] == machine.name)["health"] == \
        "under-voltage,printer"
    feed = page.request.get(console_url(backoffice_stack, "live?board=1")).json()
    mine = next(row for row in feed["kiosks"] if row["name"] == machine.name)
    assert mine["health"] == [
        {"problem": "under-voltage", "label": "Alimentazione insufficiente"},
        {"problem": "printer", "label": "Stampante: senza carta"}]

    machine.heartbeat(health={**HEALTHY, "temperature_celsius": 83.0, "printer": "paper_low"})
    expect(badges).to_have_text(["Troppo caldo", "Carta in esaurimento"])
    machine.heartbeat(health=HEALTHY)
    expect(badges).to_have_count(0)
    assert kiosk_row(backoffice_stack, machine.name).health_problems == ""


def test_a_health_report_with_an_unknown_field_is_refused(backoffice_stack: Stack) -> None:
    machine = kiosk(backoffice_stack)
    answer = machine.client.post("/api/v1/heartbeat", json={
        "state": "idle", "reader_present": True, "uptime_seconds": 1, "outbox_depth": 0,
        "health": {"printer": "ok", "owner": "Mario Rossi"}})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "BODY_INVALID"
