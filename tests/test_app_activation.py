"""The activation helper end to end: ``kiosk run``'s :class:`~kiosk.app.Kiosk` (pygame's dummy
driver, the virtual card laid as F2 lays it) with a Comune's own pages in its configuration
and a virtual receipt printer. The QR codes the screen draws and the printer prints are read
back by a real decoder (zxing-cpp) and are the configured addresses; the printout holds the
card's number and nothing else personal; a child's card stops at its own screen.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest
import zxingcpp
from PIL import Image

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.hardware.printer.virtual import VirtualPrinter
from kiosk.journeys import Choice, Chosen, Confirmed, DigitTyped, Language, LanguageChosen, Screen
from kiosk.sim import issuing
from tests.conftest import TEST_PIN, TEST_PUK
from tests.hardware.printer.example import qr_texts
from tests.secret_scan import findings, forms
from tests.test_app_uplink import pump_until
from tests.ui.conftest import sim_config
from tests.ui.test_kiosk import touch

CAN = "582917"
ACTIVATION = "https://comune.example.it/servizi/attiva-cie"
CIEID_APP = "https://comune.example.it/servizi/app-cieid"
BOOKING = "https://comune.example.it/prenota-cie"
CONFIGURED = (f'printer = {{ uri = "virtual:receipts" }}\n'
              f'site = {{ comune = "Comune di Esempio" }}\n'
              f'links = {{ activation = "{ACTIVATION}", cieid_app = "{CIEID_APP}" }}\n'
              f'renewal = {{ window_days = 180, booking_url = "{BOOKING}", '
              f'comune_text = "Si rinnova allo sportello 2, il martedì." }}\n')
TODAY = dt.date.today()


@pytest.fixture(scope="module")
def card_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PKI for the module's cards (making one takes seconds)."""
    first = tmp_path_factory.mktemp("pki") / "first.json"
    return issuing.write_card(first)


def start(state: Path, card_pki: Path, **card: object) -> Kiosk:
    issuing.write_card(state / "card.json", card_pki, pin=TEST_PIN, puk=TEST_PUK, can=CAN,
                       **card)
    shutil.copytree(card_pki, state / "card.pki")
    kiosk = Kiosk(config.parse(sim_config(state, CONFIGURED), "test"),
                  speaker=RecordingSpeaker())
    kiosk.start()
    return kiosk


@pytest.fixture
def adult(tmp_path: Path, card_pki: Path) -> Iterator[Kiosk]:
    kiosk = start(tmp_path, card_pki, expiry=TODAY + dt.timedelta(days=30))
    try:
        yield kiosk
    finally:
        kiosk.stop()


def read_the_card(kiosk: Kiosk, language: Language) -> Screen:
    session = kiosk.session
    session.handle(Chosen(Choice.START))
    session.handle(LanguageChosen(language))
    session.handle(Chosen(Choice.ACTIVATE))
    session.handle(Chosen(Choice.CONTINUE))
    assert session.view.screen is Screen.LAY_CARD
    kiosk.toggle_sim_card()
    pump_until(kiosk, lambda: session.view.screen is Screen.ENTER_CAN)
    for digit in CAN.encode():
        session.handle(DigitTyped(digit))
    session.handle(Confirmed())
    pump_until(kiosk, lambda: session.view.screen is not Screen.WORKING
               and session.view.screen is not Screen.ENTER_CAN)
    return session.view.screen


def forward_to(kiosk: Kiosk, screen: Screen) -> None:
    """A finger on the way forward until ``screen`` is drawn."""
    while kiosk.session.view.screen is not screen:
        touch(kiosk, kiosk.session.view.options[0].value)


def screen_codes(kiosk: Kiosk, tmp_path: Path) -> list[str]:
    """The QR codes on the screen as drawn, read by zxing-cpp."""
    shot = tmp_path / "screen.png"
    kiosk.pump(0.05)
    pygame.image.save(kiosk.surface, str(shot))
    with Image.open(shot) as image:
        return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]


@pytest.mark.slow
def test_an_adult_gets_the_configured_pages_on_screen_and_on_paper(
        adult: Kiosk, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # the card's exchanges are logged: headers, never data
    assert read_the_card(adult, Language.DE) is Screen.ACTIVATION_AT_HAND
    forward_to(adult, Screen.ACTIVATION_LEVELS_1_2)
    assert adult.session.view.facts["card_number"] == issuing.DEMO_SERIAL
    assert screen_codes(adult, tmp_path) == [ACTIVATION]
    forward_to(adult, Screen.ACTIVATION_CIEID_APP)
    assert screen_codes(adult, tmp_path) == [CIEID_APP]
    forward_to(adult, Screen.ACTIVATION_DONE)
    assert adult.session.view.facts["expires_on"] == (TODAY + dt.timedelta(days=30)).isoformat()
    touch(adult, Choice.PRINT_STEPS.value)
    assert adult.session.view.facts["printed"] == "activation.printed"
    paper = adult.printer.backend if adult.printer is not None else None
    assert isinstance(paper, VirtualPrinter)
    (png,) = paper.files
    assert sorted(qr_texts(png)) == sorted([ACTIVATION, CIEID_APP])
    printed = [line.text for line in paper.printouts[-1].lines]
    assert "CA00000AA" in printed and "Kartennummer" in printed  # in the citizen's language
    assert "Stufe 3, wenn Sie möchten: die Karte selbst" in printed
    # the renewal: the Comune's words and its own booking page
    touch(adult, Choice.HOW_TO_RENEW.value)
    assert adult.session.view.screen is Screen.RENEWAL
    assert adult.session.view.facts["comune_text"] == "Si rinnova allo sportello 2, il martedì."
    assert screen_codes(adult, tmp_path) == [BOOKING]
    # no code in the printout, the card's profile or anything else the kiosk wrote
    assert findings(tmp_path, [TEST_PIN, TEST_PUK, CAN]) == []
    assert "APDU" in caplog.text
    assert not [form for form in forms(CAN) if form.decode() in caplog.text]


def test_a_childs_card_stops_at_its_own_screen(tmp_path: Path, card_pki: Path) -> None:
    kiosk = start(tmp_path, card_pki, birth=TODAY.replace(year=TODAY.year - 4))
    try:
        assert read_the_card(kiosk, Language.IT) is Screen.ACTIVATION_TOO_YOUNG
        kiosk.pump(0.05)
        assert screen_codes(kiosk, tmp_path) == []
    finally:
        kiosk.stop()
