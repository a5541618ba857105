"""The codes never on the glass nor in the voice: every card journey walked with the real
session and card, every view drawn in Italian as the kiosk draws it and spoken as it speaks
it, and the PIN, PUK and new PIN looked for, in every form, in all of it."""

from __future__ import annotations

from pathlib import Path

import pygame

from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import Choice, Event, Screen, View
from kiosk.ui import render
from kiosk.ui.i18n import Catalog
from kiosk.ui.speech import Narrator
from kiosk.ui.theme import Settings
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, set_tries
from tests.ui.drawing import init
from tests.ui.test_speech import Card, secret_forms

CODES = (TEST_PIN, TEST_PUK, TEST_NEW_PIN)


class WatchedKiosk(Kiosk):
    """The test kiosk with every view drawn (all its pages) and narrated, as the UI loop does;
    it keeps every line of text drawn and every phrase said."""

    def __init__(self, profile: Path, pki: Path) -> None:
        super().__init__(profile, pki)
        init()
        self.surface = pygame.Surface((800, 480))
        self.catalog = Catalog("it")
        self.speaker = RecordingSpeaker()
        self.narrator = Narrator(self.speaker, Catalog)
        self.shown: list[str] = []
        self._watch(self.view)

    def send(self, event: Event) -> View:
        view = super().send(event)
        self._watch(view)
        return view

    def _watch(self, view: View) -> None:
        self.narrator.show(view)
        settings = Settings(large_text=True)  # the most pages, so page turns are covered too
        first = render.draw(self.surface, view, self.catalog, settings)
        for page in range(first.pages):
            layout = render.draw(self.surface, view, self.catalog, settings, page=page)
            self.shown.extend(text for text, _ in layout.shown)

    def everything(self) -> str:
        return "\n".join([*self.shown, *(text for _, text in self.speaker.said)])


def assert_no_code(kiosk: WatchedKiosk) -> None:
    seen = kiosk.everything().casefold()
    assert kiosk.shown and kiosk.speaker.said  # the watch did see and hear the journey
    for code in CODES:
        for form in secret_forms(code):
            assert form.casefold() not in seen, f"a form of a code was shown or said: {form!r}"


def test_changing_the_pin(issued_card: Card, test_pki: Path) -> None:
    kiosk = WatchedKiosk(issued_card(), test_pki)
    try:
        kiosk.open(Choice.CHANGE_PIN)
        kiosk.insert()
        kiosk.type(TEST_PIN)
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_NEW_PIN)
        assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_CHANGED
        assert_no_code(kiosk)
    finally:
        kiosk.close()


def test_unblocking_with_the_puk_after_a_wrong_one(issued_card: Card, test_pki: Path) -> None:
    profile = issued_card()
    set_tries(profile, pin=0, puk=10)
    kiosk = WatchedKiosk(profile, test_pki)
    try:
        kiosk.open(Choice.UNBLOCK_PIN)
        kiosk.insert()
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_PUK[::-1])
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_NEW_PIN)
        assert kiosk.type(TEST_NEW_PIN).screen is Screen.WRONG_PUK
        assert kiosk.choose(Choice.RETRY).screen is Screen.PUK_TRIES  # 9 left, said again
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_PUK)
        kiosk.choose(Choice.CONTINUE)
        kiosk.type(TEST_NEW_PIN)
        assert kiosk.type(TEST_NEW_PIN).screen is Screen.PIN_UNBLOCKED
        assert_no_code(kiosk)
    finally:
        kiosk.close()


def test_testing_a_wrong_then_the_right_pin(issued_card: Card, test_pki: Path) -> None:
    kiosk = WatchedKiosk(issued_card(), test_pki)
    try:
        kiosk.open(Choice.TEST_PIN)
        kiosk.insert()
        assert kiosk.type(TEST_PUK).screen is Screen.WRONG_PIN
        kiosk.choose(Choice.RETRY)
        assert kiosk.type(TEST_PIN).screen is Screen.PIN_WORKS
        assert_no_code(kiosk)
    finally:
        kiosk.close()
