"""Touch, mouse and the physical keypad → journey events, through the Layout's hit areas;
events are posted to SDL's queue (dummy driver) as the real devices would deliver them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest

from kiosk.journeys import (
    CallClerk,
    Cancel,
    Choice,
    Chosen,
    Confirmed,
    DigitDeleted,
    DigitTyped,
    PadView,
    Screen,
    View,
)
from kiosk.ui import render
from kiosk.ui.input import InputMapper
from kiosk.ui.speech import options_text
from kiosk.ui.theme import Settings, theme_for
from kiosk.ui.widgets import Action, Layout, UiAction
from tests.conftest import TEST_PIN
from tests.journeys.harness import Kiosk
from tests.ui.drawing import Ids, init, pixel

SIZE = (800, 480)
PAD = View(Screen.ENTER_PIN, pad=PadView(2))


@pytest.fixture
def screen() -> Iterator[pygame.Surface]:
    init()
    surface = pygame.display.set_mode(SIZE)
    pygame.event.clear()
    yield surface
    pygame.event.clear()


def post(kind: int, **attributes: object) -> None:
    pygame.event.post(pygame.event.Event(kind, attributes))


def mapped(layout: Layout, mapper: InputMapper | None = None) -> list[Action]:
    mapper = mapper or InputMapper()
    found = [mapper.handle(event, layout) for event in pygame.event.get()]
    return [action for action in found if action is not None]


def finger(pos: tuple[int, int]) -> None:
    post(pygame.FINGERDOWN, touch_id=1, finger_id=0, x=pos[0] / SIZE[0], y=pos[1] / SIZE[1],
         dx=0.0, dy=0.0, pressure=1.0)


def click(pos: tuple[int, int], button: int = 1, touch: bool = False) -> None:
    post(pygame.MOUSEBUTTONDOWN, pos=pos, button=button, touch=touch)


def key(code: int) -> None:
    post(pygame.KEYDOWN, key=code, mod=0, unicode="", scancode=0)


def test_a_finger_on_a_key_types_that_digit(screen: pygame.Surface) -> None:
    layout = render.draw(screen, PAD, Ids(), Settings())
    for digit in "7052":
        finger(layout.named(f"pad.key.{digit}").rect.center)
    finger(layout.named("pad.delete").rect.center)
    finger((SIZE[0] // 2, layout.named("ui.accessibility").rect.bottom + 5))  # nothing there
    assert mapped(layout) == [*(DigitTyped(ord(d)) for d in "7052"), DigitDeleted()]


def test_a_click_presses_a_button_and_a_touch_is_not_counted_twice(
        screen: pygame.Surface) -> None:
    view = View(Screen.MENU, (Choice.CHECK_CARD, Choice.TEST_PIN))
    layout = render.draw(screen, view, Ids(), Settings())
    target = layout.named("choice.test_pin").rect.center
    click(target)
    click(target, button=3)  # right button: nothing
    click(target, touch=True)  # SDL's mouse twin of a real touch: the FINGERDOWN counts
    click(layout.named("ui.cancel").rect.center)
    assert mapped(layout) == [Chosen(Choice.TEST_PIN), Cancel()]


def test_the_keypad_types_deletes_and_confirms(screen: pygame.Surface) -> None:
    layout = render.draw(screen, PAD, Ids(), Settings())
    for code in (pygame.K_KP4, pygame.K_2, pygame.K_BACKSPACE, pygame.K_KP_ENTER,
                 pygame.K_RETURN, pygame.K_ESCAPE):
        key(code)
    assert mapped(layout) == [DigitTyped(0x34), DigitTyped(0x32), DigitDeleted(), Confirmed(),
                              Confirmed(), Cancel()]


def test_digits_do_nothing_where_there_is_no_pad(screen: pygame.Surface) -> None:
    view = View(Screen.ATTRACT, (Choice.START,), can_cancel=False)
    layout = render.draw(screen, view, Ids(), Settings())
    for code in (pygame.K_5, pygame.K_BACKSPACE, pygame.K_RETURN, pygame.K_ESCAPE):
        key(code)
    assert mapped(layout) == []


def test_away_from_the_pad_digit_n_presses_the_button_the_speech_numbers_n(
        screen: pygame.Surface) -> None:
    view = View(Screen.WRONG_PIN, (Choice.RETRY, Choice.LOST_CODES, Choice.DONE))
    layout = render.draw(screen, view, Ids(), Settings())
    spoken = options_text(view, Ids())
    assert spoken.endswith("4: ui.cancel, 0: help.button")
    for code in (pygame.K_1, pygame.K_KP3, pygame.K_4, pygame.K_5, pygame.K_0):
        key(code)
    assert mapped(layout) == [Chosen(Choice.RETRY), Chosen(Choice.DONE), Cancel(), CallClerk()]
    # on the language screen the numbers go to continue and cancel, not to the languages
    languages = render.draw(screen, View(Screen.LANGUAGE, (Choice.CONTINUE,)), Ids(), Settings())
    key(pygame.K_1)
    key(pygame.K_2)
    assert mapped(languages) == [Chosen(Choice.CONTINUE), Cancel()]


def test_arrows_move_the_focus_ring_and_enter_presses_the_focused_button(
        screen: pygame.Surface) -> None:
    settings = Settings()
    layout = render.draw(screen, PAD, Ids(), settings)
    mapper = InputMapper()
    names = [area.name for area in layout.areas]
    for code in (pygame.K_DOWN, pygame.K_RIGHT, pygame.K_DOWN):
        key(code)
    assert mapped(layout, mapper) == []
    assert mapper.focus is not None
    assert names[mapper.focus] == "pad.key.5"  # first "1", then right "2", then down "5"
    ring = render.draw(screen, PAD, Ids(), settings, focus=mapper.focus)
    rect = ring.named("pad.key.5").rect
    assert pixel(screen, (rect.centerx, rect.y - 3)) == theme_for(settings).palette.focus
    key(pygame.K_RETURN)
    assert mapped(layout, mapper) == [DigitTyped(0x35)]
    key(pygame.K_UP)
    key(pygame.K_UP)
    key(pygame.K_UP)
    mapped(layout, mapper)
    assert names[mapper.focus].startswith("language.")  # from "5" up past "2" into the bar
    mapper.reset()
    assert mapper.focus is None


def test_a_citizen_tests_the_pin_by_touch_on_a_real_session(
        screen: pygame.Surface, issued_card: Callable[..., Path], test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki)
    mapper, tr, settings = InputMapper(), Ids(), Settings()

    def touch(name: str) -> None:
        layout = render.draw(screen, kiosk.view, tr, settings)
        finger(layout.named(name).rect.center)
        for action in mapped(layout, mapper):
            assert not isinstance(action, UiAction)
            kiosk.send(action)

    touch("choice.start")
    touch("choice.continue")
    touch("choice.test_pin")
    assert kiosk.insert().screen is Screen.ENTER_PIN
    for digit in TEST_PIN:
        touch(f"pad.key.{digit}")
    assert kiosk.view.pad == PadView(8)
    key(pygame.K_RETURN)
    for action in mapped(render.draw(screen, kiosk.view, tr, settings), mapper):
        assert not isinstance(action, UiAction)
        kiosk.send(action)
    assert kiosk.screen is Screen.PIN_WORKS
    kiosk.close()
