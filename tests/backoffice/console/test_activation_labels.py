"""The activation helper (issue 16) in the clerks' words: the board names the journey a kiosk
is in, and the statistics name its outcomes and the renewal offered, in Italian and, chosen by
the clerk, in English, never as the kiosk's raw codes alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.backoffice.console.conftest import clerk, console_url, kiosk, sign_in
from tests.backoffice.stack import Stack
from tests.browser import new_page

pytestmark = pytest.mark.slow

# The outcome codes the kiosk sends (kiosk/journeys/audit.py), and the words for them.
OUTCOMES = {
    "ACTIVATION_STEPS": ("Passaggi di attivazione mostrati", "Activation steps shown"),
    "CLOCK_UNKNOWN": ("Orologio del chiosco non impostato", "Kiosk clock not set"),
    "TOO_YOUNG": ("Troppo giovane per l'identità digitale", "Too young for a digital identity"),
    "UNBLOCK_FIRST": ("Inviato prima allo sblocco del PIN", "Sent to unblock the PIN first"),
    "NEW_CARD_ONLY": ("Serve una nuova carta", "Only a new card helps"),
    "RENEWAL_OFFERED": ("Mostrato come rinnovare", "How to renew shown"),
}


@pytest.mark.parametrize(("language", "journey", "column"), [
    (None, "Attivazione dell'identità digitale", 0),
    ("English", "Activate the digital identity", 1),
])
def test_the_board_and_the_statistics_name_the_activation_and_its_outcomes(
        browser: Browser, sqlite_stack: Stack, language: str | None, journey: str,
        column: int) -> None:
    machine = kiosk(sqlite_stack)
    machine.heartbeat(state="in-journey", journey="activation")
    for code in OUTCOMES:
        machine.event("journey.outcome", journey="activation", outcome=code)
    page = new_page(browser)
    sign_in(page, sqlite_stack, clerk(sqlite_stack))
    if language is not None:
        page.get_by_role("button", name=language).click()
    line = page.locator(f'#board tr[data-kiosk="{machine.name}"]')
    expect(line.locator('[data-field="journey"]')).to_have_text(journey)

    page.goto(console_url(sqlite_stack, "statistics"))
    for code, words in OUTCOMES.items():
        expect(page.locator("#totals tbody tr", has_text=code)).to_contain_text(words[column])
