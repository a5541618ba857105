"""Who may do what, in a real browser: a clerk is refused the technicians' and the admin's
pages with a coded page, a form without its CSRF token does nothing, five wrong passwords
lock the account for a while (even the right one is refused then), and the admin reads what
clerks did."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.backoffice.console.conftest import clerk, console_url, kiosk, sign_in
from tests.backoffice.stack import Stack
from tests.browser import new_page

pytestmark = pytest.mark.slow


def test_a_clerk_cannot_reach_technician_or_admin_pages(browser: Browser,
                                                        sqlite_stack: Stack) -> None:
    page = new_page(browser)
    sign_in(page, sqlite_stack, clerk(sqlite_stack))
    menu = page.get_by_role("navigation", name="Sezioni della console")
    expect(menu).to_contain_text("Chioschi")
    expect(menu).not_to_contain_text("Tecnici")
    expect(menu).not_to_contain_text("Registro attività")
    for path in ("technicians", "audit"):
        answer = page.goto(console_url(sqlite_stack, path))
        assert answer is not None and answer.status == 403
        expect(page.locator("#error")).to_have_attribute("data-code", "FORBIDDEN")
        expect(page.locator("#error")).to_contain_text("Il tuo ruolo non consente questa pagina")
    token = page.locator('input[name="csrf"]').first.get_attribute("value")
    assert token
    posted = page.request.post(console_url(sqlite_stack, "technicians/tokens"),
                               form={"csrf": token, "name": "not-made"})
    assert posted.status == 403
    assert 'data-code="FORBIDDEN"' in posted.text()


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, sqlite_stack: Stack) -> None:
    machine = kiosk(sqlite_stack)
    machine.heartbeat()
    page = new_page(browser)
    sign_in(page, sqlite_stack, clerk(sqlite_stack))
    form = page.locator(f'#board tr[data-kiosk="{machine.name}"] form')

    form.locator('input[name="csrf"]').evaluate("input => input.remove()")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        form.locator('button[value="lock"]').click()
    assert posted.value.status == 403
    expect(page.locator("#error")).to_have_attribute("data-code", "CSRF_MISSING")

    page.goto(console_url(sqlite_stack, "board"))
    form.locator('input[name="csrf"]').evaluate("input => { input.value = 'forged' }")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        form.locator('button[value="lock"]').click()
    assert posted.value.status == 403
    expect(page.locator("#error")).to_have_attribute("data-code", "CSRF_INVALID")
    assert machine.commands(wait=0) == []


def test_five_wrong_passwords_lock_the_account_for_a_while(browser: Browser,
                                                           sqlite_stack: Stack) -> None:
    person = clerk(sqlite_stack)
    page = new_page(browser)
    for _ in range(5):
        sign_in(page, sqlite_stack, person, password="not-the-password")
        expect(page.locator("#refused")).to_have_attribute("data-code", "LOGIN_FAILED")
    with page.expect_response(lambda answer: answer.request.method == "POST") as posted:
        sign_in(page, sqlite_stack, person)
    assert posted.value.status == 429
    expect(page.locator("#error")).to_have_attribute("data-code", "LOGIN_LOCKED")
    expect(page).not_to_have_url(console_url(sqlite_stack, "board"))


def test_the_admin_reads_what_clerks_did(browser: Browser, sqlite_stack: Stack) -> None:
    machine = kiosk(sqlite_stack)
    machine.heartbeat()
    person = clerk(sqlite_stack)
    page = new_page(browser)
    sign_in(page, sqlite_stack, person)
    line = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    line.locator('input[name="message"]').fill("Pausa pranzo")
    line.locator('button[value="lock"]').click()
    expect(page.locator("#flash")).to_be_visible()

    admin = new_page(browser)
    sign_in(admin, sqlite_stack, clerk(sqlite_stack, role="admin"))
    admin.get_by_role("link", name="Registro attività").click()
    entry = admin.locator("#audit tbody tr", has_text=machine.name)
    expect(entry).to_contain_text(person.name)
    expect(entry).to_contain_text("kiosk.lock")
    expect(entry).to_contain_text("Pausa pranzo")
    expect(admin.locator("#audit tbody tr", has_text=person.name).filter(
        has_text="login")).not_to_have_count(0)
