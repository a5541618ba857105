"""The renderer: every screen at the four panel sizes in both accessibility modes, with every
button at least 12 mm and on the surface; and the pixels where the Layout says."""

from __future__ import annotations

import pygame
import pytest

from kiosk.journeys import (
    Back,
    Cancel,
    Choice,
    Chosen,
    ExtendSession,
    Language,
    LanguageChosen,
    PadView,
    Screen,
    View,
    WarningView,
)
from kiosk.journeys.views import facts
from kiosk.ui import render
from kiosk.ui.screens import qr
from kiosk.ui.theme import Settings, min_target_px, theme_for
from kiosk.ui.widgets import UiAction
from tests.ui.drawing import MODES, SIZES, Ids, init, pixel, session_views

URL = "https://cartaidentita.interno.gov.it/info-utili/codici-di-sicurezza-pin-e-puk/"


@pytest.fixture(autouse=True)
def _pygame() -> None:
    init()


def test_the_scenarios_reach_every_screen() -> None:
    assert {view.screen for view in session_views().values()} == set(Screen)
    assert session_views()["timeout-warning"].warning is not None


@pytest.mark.parametrize("settings", MODES, ids=["normal", "large-high-contrast"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_screen_fits_with_large_enough_buttons(size: tuple[int, int],
                                                     settings: Settings) -> None:
    bounds = pygame.Rect((0, 0), size)
    minimum = min_target_px(settings.dpi)
    for name, view in session_views().items():
        surface = pygame.Surface(size)
        layout = render.draw(surface, view, Ids(), settings, frame=1)
        assert layout.size == size
        assert layout.areas, name
        for area in layout.areas:
            assert bounds.contains(area.rect), (name, area.name, area.rect)
            assert min(area.rect.size) >= minimum, (name, area.name, area.rect)
        rects = [area.rect for area in layout.areas]
        for index, rect in enumerate(rects):
            assert rect.collidelist(rects[index + 1:]) == -1, (name, layout.areas[index].name)
        if view.warning is None:  # the bar is on every screen (the warning is modal)
            names = {area.name for area in layout.areas}
            assert {"ui.accessibility", *(f"language.{lang.value}" for lang in Language)} <= names
        for mark in layout.marks.values():
            assert bounds.contains(mark), (name, mark)


def test_the_top_bar_switches_language_and_accessibility() -> None:
    surface = pygame.Surface((800, 480))
    layout = render.draw(surface, View(Screen.MENU, (Choice.CHECK_CARD,)), Ids(), Settings())
    assert layout.named("language.de").action == LanguageChosen(Language.DE)
    assert layout.named("ui.accessibility").action is UiAction.ACCESSIBILITY
    assert layout.named("choice.check_card").action == Chosen(Choice.CHECK_CARD)
    assert layout.named("ui.cancel").action == Cancel()
    theme = theme_for(Settings())
    it, en = layout.named("language.it").rect, layout.named("language.en").rect
    assert pixel(surface, (it.x + 4, it.centery)) == theme.palette.on_bar  # the current one
    assert pixel(surface, (en.x + 4, en.centery)) == theme.palette.bar


def test_no_cancel_button_where_the_view_forbids_it() -> None:
    view = View(Screen.ATTRACT, (Choice.START,), can_cancel=False)
    layout = render.draw(pygame.Surface((800, 480)), view, Ids(), Settings())
    assert all(area.action != Cancel() for area in layout.areas)


def test_the_confirm_key_is_where_the_layout_says_in_the_theme_colour() -> None:
    settings = Settings()
    palette = theme_for(settings).palette
    for entered, colour in ((8, palette.primary), (5, palette.disabled)):
        surface = pygame.Surface((1280, 800))
        view = View(Screen.ENTER_PIN, pad=PadView(entered))
        rect = render.draw(surface, view, Ids(), settings).named("pad.confirm").rect
        inside = [(rect.x + 3, rect.centery), (rect.right - 4, rect.centery),
                  (rect.centerx, rect.y + 3), (rect.centerx, rect.bottom - 4)]
        assert [pixel(surface, pos) for pos in inside] == [colour] * 4
        assert pixel(surface, (rect.x - 2, rect.centery)) == palette.background


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_pad_shows_one_filled_dot_per_digit_typed(size: tuple[int, int]) -> None:
    for settings in MODES:
        palette = theme_for(settings).palette
        surface = pygame.Surface(size)
        layout = render.draw(surface, View(Screen.ENTER_PIN, pad=PadView(3)), Ids(), settings)
        dots = [layout.marks[f"dot{index}"] for index in range(8)]
        filled = [pixel(surface, dot.center) == palette.text for dot in dots]
        assert filled == [True] * 3 + [False] * 5
        assert all(pixel(surface, dot.center) == palette.background for dot in dots[3:])
        assert all(pixel(surface, (dot.x + 1, dot.centery)) == palette.text for dot in dots[3:])


def test_the_warning_is_modal_and_offers_more_time_while_it_can() -> None:
    surface = pygame.Surface((800, 480))
    view = View(Screen.MENU, (Choice.CHECK_CARD,), warning=WarningView(25, 3))
    layout = render.draw(surface, view, Ids(), Settings())
    assert [area.action for area in layout.areas] == [ExtendSession()]
    spent = View(Screen.MENU, (Choice.CHECK_CARD,), warning=WarningView(25, 0))
    assert render.draw(surface, spent, Ids(), Settings()).areas == ()


def test_the_qr_code_is_drawn_module_by_module() -> None:
    settings = Settings()
    palette = theme_for(settings).palette
    surface = pygame.Surface((1280, 800))
    view = View(Screen.PUK_RECOVERY_APP, (Choice.DONE,), facts(qr_url=URL), back=Back.PREVIOUS)
    rect = render.draw(surface, view, Ids(), settings).marks["qr"]
    modules = qr.matrix(URL)
    size = rect.width // (len(modules) + 2 * qr.QUIET_ZONE)
    assert size >= 3
    origin = rect.x + qr.QUIET_ZONE * size, rect.y + qr.QUIET_ZONE * size
    for row, cells in enumerate(modules):
        for column, dark in enumerate(cells):
            centre = (origin[0] + column * size + size // 2, origin[1] + row * size + size // 2)
            assert pixel(surface, centre) == (palette.qr_dark if dark else palette.qr_light)
    assert pixel(surface, (rect.x + 1, rect.y + 1)) == palette.qr_light  # the quiet zone


def test_drawing_is_pure_and_the_reading_screen_moves_with_the_frame() -> None:
    view = session_views()["reading"]
    one, two = pygame.Surface((800, 480)), pygame.Surface((800, 480))
    first = render.draw(one, view, Ids(), Settings(), frame=1)
    again = render.draw(two, view, Ids(), Settings(), frame=1)
    assert first == again
    assert pygame.image.tostring(one, "RGB") == pygame.image.tostring(two, "RGB")
    render.draw(two, view, Ids(), Settings(), frame=2)
    assert pygame.image.tostring(one, "RGB") != pygame.image.tostring(two, "RGB")


def test_high_contrast_and_large_text_change_the_picture() -> None:
    view = session_views()["menu"]
    normal, contrast = pygame.Surface((800, 480)), pygame.Surface((800, 480))
    render.draw(normal, view, Ids(), Settings())
    render.draw(contrast, view, Ids(), Settings(high_contrast=True))
    corner = (400, 470)
    assert pixel(normal, corner) == (255, 255, 255)
    assert pixel(contrast, corner) == (0, 0, 0)
    assert theme_for(Settings(large_text=True)).text > theme_for(Settings()).text


def test_all_texts_come_from_the_translator() -> None:
    tr = Ids()
    view = session_views()["wrong-pin"]
    render.draw(pygame.Surface((1280, 800)), view, tr, Settings())
    assert {"choice.retry", "pin.wrong.title", "pin.wrong.body", "pin.tries_left", "back.menu",
            "help.button"} == {message_id for message_id, _ in tr.asked}
    error = session_views()["error"]
    render.draw(pygame.Surface((1280, 800)), error, tr, Settings())
    assert ("error.support_code", {"support_code": "E-CRD-03"}) in tr.asked


def test_accessibility_cycles_through_the_modes() -> None:
    seen = [Settings()]
    for _ in range(3):
        seen.append(seen[-1].next_accessibility())
    assert [(s.large_text, s.high_contrast) for s in seen] == [
        (False, False), (True, False), (True, True), (False, False)]
    assert min_target_px(160) == 76  # 12 mm at about 6.3 px/mm


def test_a_label_is_shrunk_rather_than_cut() -> None:
    from kiosk.ui.fonts import Weight
    from kiosk.ui.widgets import fit

    box = pygame.Rect(0, 0, 58, 40)
    fnt, lines = fit("Conferma", 30, Weight.SEMIBOLD, box)
    assert all(fnt.size(line)[0] <= box.width for line in lines)
