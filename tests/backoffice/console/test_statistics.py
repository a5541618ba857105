"""The Comune's statistics, and the README's pictures of the console: a back-office of its own
(so nothing from other tests shows), four kiosks in four states, one of them calling a clerk,
and four weeks of journey outcomes, as the kiosks' events carry them (codes only)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from kiosk.backoffice.console.templates import LOCAL_TIME
from tests.backoffice.console.conftest import Kiosk, clerk, console_url, kiosk, sign_in
from tests.backoffice.stack import ROOT, start_stack
from tests.browser import new_page

pytestmark = pytest.mark.slow
SCREENSHOTS = ROOT / "docs" / "screenshots"
DAYS = 28


def outcomes(day: int) -> dict[str, int]:
    """Made-up but steady weeks: how many journeys ended in each outcome ``day`` days
    ago."""
    return {"CARD_CHECKED": 3 + day % 4, "PIN_WORKS": 2 + day * 3 % 5, "WRONG_PIN": day % 3,
            "PIN_CHANGED": 1 + day % 2, "PIN_UNBLOCKED": int(day % 5 == 0),
            "REPRINT_AT_COUNTER": int(day % 4 == 1)}


def send_outcomes(machine: Kiosk) -> dict[str, int]:
    """The weeks' outcome events, each day's at a time of that (Italian) day that has
    passed, whenever the test runs; the totals per outcome."""
    now = dt.datetime.now(LOCAL_TIME)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = midnight + (now - midnight) / 2
    events: list[dict[str, object]] = []
    totals = dict.fromkeys(outcomes(0), 0)
    for day in range(DAYS):
        at = (today - dt.timedelta(days=day)).isoformat()
        for code, count in outcomes(day).items():
            totals[code] += count
            events += [{"key": uuid.uuid4().hex, "seq": len(events) + n + 1, "at": at,
                        "kind": "journey.outcome",
                        "data": {"journey": "test-pin", "outcome": code}}
                       for n in range(count)]
    answer = machine.client.post("/api/v1/events", json={"events": events})
    assert answer.status_code == 200, answer.text
    return totals


def shot(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


def test_statistics_and_the_console_pictures(browser: Browser) -> None:
    with start_stack() as stack:
        page = new_page(browser, width=1280, height=760)
        sign_in(page, stack, clerk(stack, name="m.rossi"))
        expect(page.locator("#no-kiosks")).to_be_visible()

        atrio = kiosk(stack, "atrio-1")
        atrio.heartbeat(state="idle")
        second = kiosk(stack, "atrio-2")
        second.heartbeat(state="in-journey", journey="change-pin")
        second.event("help.requested", journey="change-pin", step="enter-new-pin")
        kiosk(stack, "biblioteca").heartbeat(state="locked", outbox_depth=41,
                                             outbox_alarm=True, health={
                                                 "under_voltage_since_boot": True,
                                                 "printer": "PRINTER_PAPER_OUT"})
        kiosk(stack, "ufficio-tributi")
        totals = send_outcomes(atrio)

        # The new kiosks come onto the open board by themselves.
        expect(page.locator("#board tbody tr")).to_have_count(4)
        expect(page.locator("#no-kiosks")).to_have_count(0)
        expect(page.locator(".console-help", has_text="atrio-2")).to_be_visible()
        expect(page.locator('#board tr[data-kiosk="ufficio-tributi"]')).to_contain_text(
            "Mai collegato")
        expect(page.locator('#board tr[data-kiosk="biblioteca"] [data-field="outbox"]')
               ).to_have_text("41 ⚠ allarme")
        expect(page.locator('#board tr[data-kiosk="biblioteca"] .console-health')
               ).to_have_text(["Alimentazione insufficiente", "Stampante: senza carta"])
        page.screenshot(path=shot("console-board-it.png"), full_page=True)

        page.get_by_role("link", name="Statistiche").click()
        expect(page.locator("#journeys-chart")).to_have_attribute("data-drawn", "true")
        for code, total in totals.items():
            line = page.locator("#totals tbody tr", has_text=code)
            expect(line.locator("td").last).to_have_text(str(total))
        expect(page.locator("#totals tbody tr", has_text="CARD_CHECKED")).to_contain_text(
            "Carta verificata")
        expect(page.locator("#totals tfoot")).to_contain_text(str(sum(totals.values())))
        page.screenshot(path=shot("console-statistics-it.png"), full_page=True)

        page.goto(console_url(stack, "statistics?days=7"))
        week = sum(sum(outcomes(day).values()) for day in range(7))
        expect(page.locator("#totals tfoot")).to_contain_text(str(week))
