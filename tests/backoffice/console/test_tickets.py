"""The tickets in the console, in a real browser through nginx's TLS: a ticket a kiosk posts
comes into the open queue by itself and raises an alert on every other open console; a
clerk opens it, sees the chip's photo (served only to a signed-in browser, never cached) and
what the kiosk verified, claims it (a colleague a moment later is told it is taken) and
completes it. A refusal needs its reason; a form without its CSRF token does nothing; the
audit log names the ticket's number and nothing of the citizen; after retention the page
says the data is gone."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select, update

from kiosk.backoffice import tickets
from kiosk.backoffice.models import Ticket as TicketRow
from tests.backoffice.console.conftest import Kiosk, clerk, console_url, kiosk, sign_in
from tests.backoffice.stack import Stack
from tests.backoffice.test_tickets import EMAIL, PERSON, PHOTO, ticket, unique_number
from tests.browser import new_page

pytestmark = pytest.mark.slow
NAME = f"{PERSON['given_name']} {PERSON['surname']}"


def post_ticket(stack: Stack, machine: Kiosk, number: str) -> int:
    """The ticket as the kiosk's outbox posts it; its id at the back-office."""
    answer = machine.client.post("/api/v1/tickets", json=ticket(number))
    assert answer.status_code == 200, answer.text
    with stack.session() as db:
        found = db.scalar(select(TicketRow.id).where(TicketRow.number == number))
    assert found is not None
    return found


def polled(page: Page) -> None:
    """The page's live feed has answered once: what arrives from now on is news to it."""
    expect(page.locator("#ticket-alerts")).to_have_attribute("data-seen", re.compile(r"^\d+$"))


def photo_shown(page: Page) -> None:
    page.wait_for_function(
        "() => { const img = document.getElementById('photo');"
        " return img !== null && img.complete && img.naturalWidth > 0; }")


def test_a_ticket_arrives_live_and_a_clerk_claims_and_completes_it(
        browser: Browser, backoffice_stack: Stack) -> None:
    stack = backoffice_stack
    machine = kiosk(stack)
    anna = clerk(stack)
    desk = new_page(browser)
    sign_in(desk, stack, anna)
    desk.goto(console_url(stack, "tickets"))
    other = new_page(browser)  # a colleague's console, on the kiosk board
    sign_in(other, stack, clerk(stack, role="technician"))
    polled(desk)
    polled(other)

    number = unique_number()
    ticket_id = post_ticket(stack, machine, number)
    line = desk.locator("#queue tbody tr", has_text=number)
    expect(line).to_contain_text("Ristampa di PIN e PUK")
    expect(line).to_contain_text(machine.name)
    expect(line.locator('[data-field="status_label"]')).to_have_text("In attesa")
    expect(line.locator('[data-field="claimed_by"]')).to_have_text("—")
    alert = other.locator(".console-ticket", has_text=number)
    expect(alert).to_have_text(re.compile(f"Nuovo ticket {number} dal chiosco {machine.name}"))
    expect(other.locator("#tickets-waiting")).to_be_visible()
    expect(other.locator("#tickets-waiting")).to_have_text(re.compile(r"^[1-9]\d*$"))

    alert.get_by_role("link", name="Apri").click()  # the colleague looks too
    expect(other).to_have_url(console_url(stack, f"tickets/{ticket_id}"))
    line.get_by_role("link", name=number).click()
    expect(desk).to_have_url(console_url(stack, f"tickets/{ticket_id}"))
    photo_shown(desk)
    expect(desk.locator("#name")).to_have_text(NAME)
    expect(desk.locator("#codice-fiscale")).to_have_text(PERSON["codice_fiscale"])
    expect(desk.locator("#document-number")).to_have_text(PERSON["document_number"])
    expect(desk.locator("#date-of-birth")).to_have_text("01/01/1980")
    expect(desk.locator("#delivery")).to_have_text(
        "Prima metà allo sportello, seconda per e-mail")
    expect(desk.locator("#email")).to_have_text(EMAIL)
    expect(desk.locator("#passive-auth")).to_contain_text("Attendibile")
    expect(desk.locator("#chip-auth")).to_contain_text("Superata")
    expect(desk.locator("#verdicts")).to_be_visible()
    expect(desk.locator("#identity-source")).to_contain_text("Identità letta dal chip della carta")
    expect(desk.locator("#not-verified")).to_have_count(0)

    photo_url = console_url(stack, f"tickets/{ticket_id}/photo")
    served = desk.request.get(photo_url)
    assert served.status == 200 and served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "no-store"
    assert served.body()[:3] == b"\xff\xd8\xff"
    stranger = new_page(browser)
    refused = stranger.request.get(photo_url, max_redirects=0)
    assert refused.status == 303 and refused.headers["location"] == "/console/login"
    assert b"\xff\xd8\xff" not in refused.body()

    desk.get_by_role("button", name="Prendi in carico").click()
    expect(desk.locator("#flash")).to_have_text(f"Il ticket {number} è preso in carico da te.")
    expect(desk.locator("#claimed-by")).to_contain_text(anna.name)
    expect(desk.locator("#ticket-status")).to_have_text("In lavorazione")
    expect(alert).to_have_count(0)  # claimed: no longer news on anyone's console
    other.get_by_role("button", name="Prendi in carico").click()  # a moment too late
    expect(other.locator("#error")).to_have_attribute("data-code", "TICKET_NOT_OPEN")
    other.goto(console_url(stack, "tickets"))
    claimed = other.locator("#queue tbody tr", has_text=number)
    expect(claimed.locator('[data-field="claimed_by"]')).to_have_text(anna.name)

    desk.get_by_role("button", name="Fatto in CieOnline").click()
    expect(desk.locator("#flash")).to_have_text(f"Ticket {number} completato.")
    expect(desk.locator("#ticket-status")).to_have_text("Completato")
    expect(desk.locator("#closed-by")).to_contain_text(anna.name)
    expect(desk.locator("#actions")).to_have_count(0)
    expect(claimed).to_have_count(0)  # gone from the open queue, live


def test_a_refusal_needs_its_reason_a_form_its_token_and_the_audit_keeps_only_the_number(
        browser: Browser, sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    number = unique_number()
    ticket_id = post_ticket(stack, kiosk(stack), number)
    page = new_page(browser)
    sign_in(page, stack, clerk(stack))
    here = console_url(stack, f"tickets/{ticket_id}")
    page.goto(here)
    photo_shown(page)

    page.locator('#claim input[name="csrf"]').evaluate("input => input.remove()")
    page.locator("#claim button").click()
    expect(page.locator("#error")).to_have_attribute("data-code", "CSRF_MISSING")
    page.goto(here)
    expect(page.locator("#ticket-status")).to_have_text("In attesa")

    page.fill("#reason", "   ")  # fills the browser's "required", says nothing
    page.get_by_role("button", name="Rifiuta").click()
    expect(page.locator("#error")).to_have_attribute("data-code", "REASON_REQUIRED")
    expect(page.locator("#error")).to_contain_text("Per rifiutare serve il motivo")
    page.goto(here)
    expect(page.locator("#ticket-status")).to_have_text("In attesa")

    reason = f"Il viso non è quello di {NAME}"
    page.fill("#reason", reason)
    page.get_by_role("button", name="Rifiuta").click()
    expect(page.locator("#flash")).to_have_text(f"Ticket {number} rifiutato.")
    expect(page.locator("#ticket-status")).to_have_text("Rifiutato")
    expect(page.locator("#refusal-reason")).to_have_text(reason)
    expect(page.locator("#actions")).to_have_count(0)

    admin = new_page(browser)
    sign_in(admin, stack, clerk(stack, role="admin"))
    admin.goto(console_url(stack, "audit"))
    expect(admin.locator("#audit tbody tr", has_text=number)).to_have_count(1)
    expect(admin.locator("#audit tbody tr", has_text=number)).to_contain_text("ticket.refuse")
    shown = admin.content()
    for value in [*PERSON.values(), EMAIL, reason, "/photo"]:
        assert value not in shown, f"{value} on the audit page"
    assert "<img" not in shown


def test_after_retention_the_ticket_page_says_the_data_was_deleted(
        browser: Browser, sqlite_stack: Stack) -> None:
    stack = sqlite_stack
    number = unique_number()
    ticket_id = post_ticket(stack, kiosk(stack), number)
    now = dt.datetime.now(dt.UTC)
    long_ago = now - dt.timedelta(days=stack.config.tickets.retention_days + 1)
    with stack.sessions.begin() as db:
        tickets.refuse(db.connection(), ticket_id, "anna", "the citizen left", now)
        db.execute(update(TicketRow).where(TicketRow.id == ticket_id).values(closed_at=long_ago))
        tickets.purge(db.connection(), stack.config.tickets.retention_days, now)
    page = new_page(browser)
    sign_in(page, stack, clerk(stack))
    page.goto(console_url(stack, f"tickets/{ticket_id}"))
    expect(page.locator("#purged")).to_contain_text("sono stati cancellati")
    expect(page.locator("#photo")).to_have_count(0)
    expect(page.locator("#passive-auth")).to_contain_text("Attendibile")  # what is kept
    shown = page.content()
    for value in PERSON.values():
        assert value not in shown
    page.goto(console_url(stack, f"tickets/{ticket_id}/photo"))
    expect(page.locator("#error")).to_have_attribute("data-code", "PHOTO_NOT_AVAILABLE")
    assert PHOTO[:16] not in page.content().encode()
