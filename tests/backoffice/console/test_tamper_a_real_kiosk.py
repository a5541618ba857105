"""The tamper switch of a real kiosk during a PIN entry, seen from the kiosk and the console
(issue 12): the session is wiped, the screen locks, the back-office gets the alert, in that
order; the alert stays on every console and marks the kiosk's row until a clerk acknowledges
it; the kiosk stays locked until its case is shut and a clerk unlocks it.

``kiosk run``'s kiosk on the sim profile (pygame's dummy window, the virtual card), enrolled
into the real back-office behind nginx's mutual TLS; the switch is reported the way a sensor
backend reports it, from a thread of its own through ``Kiosk._post_sensor``. Each step's moment
is observed between two turns of the kiosk's loop: the holders of the digits, the screen
drawn, the outbox's file (the last ``seq`` it gave) and the back-office's database.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from kiosk.backoffice.console import audit
from kiosk.backoffice.models import Event
from kiosk.backoffice.models import Kiosk as KioskRow
from kiosk.hardware.sensors import TamperChanged
from kiosk.journeys import Choice, DigitTyped, Screen
from kiosk.ui.i18n import Catalog
from tests.backoffice.console.conftest import clerk, console_url, sign_in
from tests.backoffice.console.test_lock_a_real_kiosk import (  # noqa: F401 - a fixture
    idle_kiosk,
    on_the_kiosk_screen,
    state_of,
)
from tests.browser import new_page
from tests.conftest import TEST_PIN
from tests.test_app_uplink import Online, kinds_received, open_journey, pump_until

pytestmark = pytest.mark.slow


def from_the_sensor_thread(machine: Online, opened: bool) -> None:
    """What a GPIO or front-panel backend does when the switch moves."""
    thread = threading.Thread(target=machine.kiosk._post_sensor,  # the listener the backends get
                              args=(TamperChanged(opened=opened),), name="sensor")
    thread.start()
    thread.join()


def last_outbox_seq(machine: Online) -> int:
    """The last ``seq`` the kiosk's outbox file ever gave (AUTOINCREMENT never goes back)."""
    path = machine.state / "uplink" / "outbox.db"
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'events'").fetchone()
    return int(row[0]) if row else 0


def received(machine: Online, kind: str) -> list[int]:
    """The seq of each ``kind`` event of this kiosk in the back-office's database."""
    with machine.stack.session() as db:
        return list(db.scalars(select(Event.seq).join(KioskRow).where(
            KioskRow.name == machine.name, Event.kind == kind)))


def test_the_case_opened_during_a_pin_entry_wipes_locks_then_alerts_the_console(
        browser: Browser, idle_kiosk: Online) -> None:  # noqa: F811
    machine, kiosk, session, stack = idle_kiosk, idle_kiosk.kiosk, idle_kiosk.kiosk.session, \
        idle_kiosk.stack
    open_journey(machine, Choice.TEST_PIN)  # in English
    pump_until(kiosk, lambda: session.view.screen is Screen.ENTER_PIN)
    for digit in TEST_PIN[:5].encode():
        session.handle(DigitTyped(digit))
    assert session.journey is not None
    holders = list(session.journey.ctx.secrets())
    assert [len(holder) for holder in holders] == [5]
    frames = kiosk.frames

    from_the_sensor_thread(machine, opened=True)
    # One observation after each turn of the kiosk's loop: (wiped, shown, in the outbox's
    # sequence, at the back-office), until the back-office has the alert.
    timeline: list[tuple[bool, bool, int, bool]] = []
    while not timeline or not timeline[-1][3]:
        assert len(timeline) < 600, f"stuck: {timeline[-3:]}"
        kiosk.pump(0.05)
        timeline.append((all(len(holder) == 0 for holder in holders),
                         kiosk.stage.view.screen is Screen.TAMPERED and kiosk.frames > frames,
                         last_outbox_seq(machine),
                         bool(received(machine, "kiosk.tampered"))))
    wiped = next(i for i, seen in enumerate(timeline) if seen[0])
    shown = next(i for i, seen in enumerate(timeline) if seen[1])
    at_back_office = len(timeline) - 1
    (alert_seq,) = received(machine, "kiosk.tampered")
    # the digits gone by the time the screen was drawn ...
    assert wiped <= shown
    # ... the alert not yet in the outbox when it was (its seq is later than any given then) ...
    assert alert_seq > timeline[shown][2]
    # ... and at the back-office only after it entered the outbox.
    assert alert_seq <= timeline[at_back_office][2] and shown < at_back_office
    catalog = Catalog("en")
    assert " ".join(catalog.title(Screen.TAMPERED).split()) in on_the_kiosk_screen(machine)
    assert kinds_received(stack, machine.name)[-3:] == ["journey.ended", "session.ended",
                                                        "kiosk.tampered"]

    # The console: the alert on every page, the kiosk's row marked, and the heartbeat's state.
    page = new_page(browser)
    sign_in(page, stack, clerk(stack))
    expect(page).to_have_url(console_url(stack, "board"))
    alert = page.locator(".console-tamper", has_text=machine.name)
    expect(alert).to_contain_text(f"Il chiosco {machine.name} è stato aperto")
    expect(alert).to_contain_text("Sessione cancellata: Prova del PIN")
    row = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    expect(row).to_have_attribute("data-tampered", "true")
    expect(row.locator(".console-tampered")).to_be_visible()
    expect(row).to_have_attribute("data-state", "locked")
    live = page.request.get(console_url(stack, "live?board=1")).json()
    assert [(a["kind"], machine.name in a["text"]) for a in live["alerts"]] == [("tamper", True)]

    # An unlock with the case still open changes nothing on the kiosk.
    row.locator('button[value="unlock"]').click()
    pump_until(kiosk, lambda: received(machine, "kiosk.unlock-refused") != [])
    assert kiosk.stage.view.screen is Screen.TAMPERED
    # The case shut: still locked, and the alert stays until a clerk takes it.
    from_the_sensor_thread(machine, opened=False)
    pump_until(kiosk, lambda: received(machine, "kiosk.case-closed") != [])
    assert kiosk.stage.view.screen is Screen.TAMPERED
    expect(alert).to_have_count(1)
    alert.get_by_role("button", name="Vado io").click()
    expect(alert).to_have_count(0)
    expect(row).to_have_attribute("data-tampered", "false")
    row = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    row.locator('button[value="unlock"]').click()
    pump_until(kiosk, lambda: kiosk.stage.view.screen is Screen.ATTRACT)
    expect(state_of(row)).to_have_text("Pronto")

    with stack.session() as db:  # the admin's audit log: the opening, the closing, the clerk
        entries = audit.latest(db.connection())
    logged = [(entry.action, entry.target) for entry in entries]
    for action in ("kiosk.tampered", "kiosk.case-closed", "tamper.ack"):
        assert (action, machine.name) in logged
