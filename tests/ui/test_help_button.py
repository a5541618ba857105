"""The help button, in the kiosk's own pygame window (``kiosk run``'s loop on SDL's dummy
driver): on every screen a session reaches, big enough and standing out on the top bar; it
opens the "call a clerk" overlay by touch and by the keypad, and the overlay's one button
goes back where the citizen was. And, on the same screens, no button label drawn below the
theme's body text, in every language and in large text too (where a grid of long labels may
step down towards the normal body size to leave room for the title, never below it)."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from kiosk.app import Kiosk
from kiosk.journeys import Desk, Language, Screen
from kiosk.ui import messages
from kiosk.ui.i18n import Catalog
from kiosk.ui.stage import Stage
from kiosk.ui.theme import Settings, min_target_px, theme_for
from kiosk.ui.widgets import HitArea, Layout
from tests.ui.drawing import pixel, session_views
from tests.ui.test_kiosk import press, pump_until, touch

SIZE = (800, 480)


def drawn(kiosk: Kiosk, stage: Stage) -> Layout:
    """``stage`` drawn into the kiosk's window, as its loop draws."""
    layout = stage.draw(kiosk.surface)
    pygame.display.flip()
    return layout


def focused(kiosk: Kiosk) -> HitArea:
    layout, focus = kiosk.stage.layout, kiosk.stage.mapper.focus
    assert layout is not None and focus is not None
    return layout.areas[focus % len(layout.areas)]


def test_every_screen_has_the_help_button_on_its_top_bar(kiosk: Kiosk) -> None:
    theme = theme_for(Settings(), SIZE)
    bar = theme.target + 2 * theme.gap
    for name, view in session_views().items():
        stage = Stage(Catalog, Settings(), view)
        layout = drawn(kiosk, stage)
        if view.warning is not None:  # the warning is modal: only "more time" answers
            assert messages.HELP not in {area.name for area in layout.areas}, name
            continue
        button = layout.named(messages.HELP)
        assert button.rect.bottom <= bar and min(button.rect.size) >= min_target_px(Settings().dpi)
        assert button.rect.width >= 2 * theme.target, name  # an icon and a word, not a dot
        # It stands out: its face is not the bar's colour, and its label is drawn at body size.
        face = pixel(kiosk.surface, (button.rect.x + theme.gap // 2 + 3, button.rect.y + 6))
        assert face == theme.palette.help != theme.palette.bar, name
        assert (messages.HELP, theme.text) in layout.labels, name


def test_the_button_opens_the_overlay_and_its_way_back_returns(kiosk: Kiosk) -> None:
    touch(kiosk, "choice.start")
    touch(kiosk, "language.it")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.MENU)
    touch(kiosk, messages.HELP)
    view = kiosk.session.view
    assert view.screen is Screen.MENU and view.help is not None
    assert view.help.desk is Desk.IN_PERSON  # this kiosk has no back-office to call
    layout = kiosk.stage.layout
    assert layout is not None
    names = {area.name for area in layout.areas}
    assert messages.HELP_CLOSE in names and "choice.check_card" not in names  # modal
    assert "Chieda aiuto allo sportello" in [text for text, _ in layout.shown]
    touch(kiosk, messages.HELP_CLOSE)
    assert kiosk.session.view.help is None and kiosk.session.view.screen is Screen.MENU
    layout = kiosk.stage.layout
    assert layout is not None and "choice.check_card" in {area.name for area in layout.areas}


def test_the_keypad_reaches_it_too(kiosk: Kiosk) -> None:
    """0 calls a clerk (the speech says so: "0: Aiuto"); in the overlay 1 goes back. On the
    PIN pad, where digits type, the arrows bring the focus ring up to the bar."""
    touch(kiosk, "choice.start")
    touch(kiosk, "language.it")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.MENU)
    press(pygame.K_0)
    pump_until(kiosk, lambda: kiosk.session.view.help is not None)
    press(pygame.K_1)
    pump_until(kiosk, lambda: kiosk.session.view.help is None)
    touch(kiosk, "choice.test_pin")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.LAY_CARD)
    press(pygame.K_F2)
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.ENTER_PIN)
    press(pygame.K_DOWN)  # the ring appears on the pad's first key
    kiosk.pump(0.05)
    bar = focused(kiosk).rect.top  # below the bar: the pad's first key
    for _ in range(5):  # up to the bar
        if focused(kiosk).rect.bottom < bar:
            break
        press(pygame.K_UP)
        kiosk.pump(0.05)
    while focused(kiosk).name != messages.HELP:  # then along it
        press(pygame.K_LEFT if focused(kiosk).name.startswith("language.") else pygame.K_RIGHT)
        kiosk.pump(0.05)
    press(pygame.K_RETURN)
    pump_until(kiosk, lambda: kiosk.session.view.help is not None)
    assert kiosk.session.view.pad is not None


@pytest.mark.slow
@pytest.mark.parametrize("settings", [Settings(), Settings(large_text=True, high_contrast=True)],
                         ids=["normal", "large-text"])
def test_no_button_label_below_the_body_text(kiosk: Kiosk, settings: Settings) -> None:
    theme = theme_for(settings, SIZE)
    body = theme.body
    assert body == theme_for(Settings(), SIZE).text
    for language in Language:
        for name, view in session_views().items():
            shown = dataclasses.replace(view, language=language)
            layout = drawn(kiosk, Stage(Catalog, settings, shown))
            small = [(area, size) for area, size in layout.labels if size < body]
            assert not small, (language.value, name, small)
            assert layout.labels, (language.value, name)
            # one way forward and one back: room enough for large text's full size (the
            # e-mail keyboard's keys are sized by the 12 mm rule and paged instead)
            if len(view.options) + view.can_cancel <= 2 \
                    and view.screen not in (Screen.LANGUAGE, Screen.ENTER_EMAIL):
                assert all(size >= theme.text for _, size in layout.labels), (language, name)
