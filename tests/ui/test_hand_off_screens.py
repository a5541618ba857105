"""The hand-off's own screens: the keyboard for the e-mail address (every character of an
address reachable through its pages, each key a full touch target, what is typed shown) and
the "is this you?" screen with the chip's photo beside the text."""

from __future__ import annotations

import pygame
import pytest

from kiosk.cli.ui import SCENARIOS, drive
from kiosk.journeys import Choice, Screen
from kiosk.journeys.events import CharacterTyped
from kiosk.ui import render
from kiosk.ui.i18n import LANGUAGES, TICKET_NUMBER, TYPED_EMAIL, Catalog
from kiosk.ui.screens import keyboard
from kiosk.ui.stage import Stage
from kiosk.ui.theme import Settings
from kiosk.ui.widgets import UiAction
from tests.ui.drawing import MODES, SIZES, Ids, init, session_views


@pytest.fixture(autouse=True)
def _pygame() -> None:
    init()


@pytest.mark.parametrize("settings", MODES, ids=["normal", "large-high-contrast"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_character_of_an_address_is_on_one_page_of_the_keyboard(
        size: tuple[int, int], settings: Settings) -> None:
    view = session_views()["enter-email"]
    first = render.draw(pygame.Surface(size), view, Catalog("it"), settings)
    typed: list[str] = []
    for page in range(first.pages):
        layout = render.draw(pygame.Surface(size), view, Catalog("it"), settings, page=page)
        typed += [area.action.character for area in layout.areas
                  if isinstance(area.action, CharacterTyped)]
        assert {"keyboard.delete", "keyboard.confirm", "ui.cancel", "ui.page.next"} <= {
            area.name for area in layout.areas}
    assert sorted(typed) == sorted(keyboard.KEYS)
    assert "@" in keyboard.KEYS and "." in keyboard.KEYS


def test_the_page_arrows_turn_the_keys_and_the_address_stays() -> None:
    view = session_views()["enter-email"]
    assert view.screen is Screen.ENTER_EMAIL and view.facts["email"] == "mario.rossi@comune."
    ids = Ids()
    stage = Stage(lambda language: ids, Settings(), view)
    surface = pygame.Surface((800, 480))
    before = stage.draw(surface)
    assert (TYPED_EMAIL, {"email": "mario.rossi@comune."}) in ids.asked
    assert stage.handle(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1,
                                           pos=before.named("ui.page.next").rect.center)) is None
    after = stage.draw(surface)
    assert after.named("keyboard.key.q").action == CharacterTyped("q")
    with pytest.raises(KeyError):
        after.named("keyboard.key.a")
    assert after.named("ui.page.back").action is UiAction.PAGE_BACK


def test_the_identity_screen_shows_the_chips_photo_beside_the_text() -> None:
    view = session_views()["handoff-identity"]
    assert view.photo is not None
    for size in SIZES:
        layout = render.draw(pygame.Surface(size), view, Catalog("it"), Settings())
        photo = layout.marks["photo"]
        assert pygame.Rect((0, 0), size).contains(photo) and photo.width > 0
        assert all(not photo.colliderect(area.rect) for area in layout.areas)


def test_the_ticket_number_stands_large_in_its_frame_at_every_size() -> None:
    view = session_views()["ticket-filed"]
    assert view.facts["ticket_number"] == "ATRIO1-007"
    for size in SIZES:
        for settings in MODES:
            ids = Ids()
            layout = render.draw(pygame.Surface(size), view, ids, settings)
            badge = layout.marks["ticket_number"]
            assert pygame.Rect((0, 0), size).contains(badge)
            assert all(not badge.colliderect(area.rect) for area in layout.areas)
            assert (TICKET_NUMBER, {"ticket_number": "ATRIO1-007"}) in ids.asked  # and in words


@pytest.mark.parametrize("state", ["receipt-paper-out", "receipt-cover-open",
                                   "receipt-printer-gone", "receipt-no-printer"])
def test_take_a_photo_of_the_number_is_on_the_first_page_in_every_language_and_size(
        state: str) -> None:
    """When the receipt did not come out, what to do instead comes first under the title,
    on the first page even in large text, whole, beside the number in its frame."""
    for language in LANGUAGES:
        view = drive(SCENARIOS[state], language)
        words = Catalog(language)
        notice = view.facts["notice"]
        assert isinstance(notice, str)
        for size in SIZES:
            for settings in MODES:
                layout = render.draw(pygame.Surface(size), view, words, settings)
                shown = " ".join(text for text, _ in layout.shown)
                assert words.text(notice) in shown, (language, size, settings)
                assert "ticket_number" in layout.marks
    offers = view.options
    assert offers == ((Choice.PRINT_AGAIN, Choice.DONE) if state in (
        "receipt-paper-out", "receipt-cover-open") else (Choice.DONE,))
