"""The PIN pad: a fixed key layout, keys that send the journey's events, dots and "n of 8"."""

from __future__ import annotations

import pygame
import pytest

from kiosk.journeys import Confirmed, DigitDeleted, DigitTyped, PadView, Screen, View
from kiosk.ui import pinpad, render
from kiosk.ui.fonts import Weight, font
from kiosk.ui.i18n import LANGUAGES, Catalog
from kiosk.ui.messages import PAD_PROGRESS
from kiosk.ui.theme import Colour, Settings, min_target_px, theme_for
from kiosk.ui.widgets import Layout
from tests.ui.drawing import MODES, SIZES, Ids, init, pixel

SIDE_KEYS = ("delete", "confirm")
# The smallest readable label: widgets.fit's own floor, which it only goes below rather than
# cut a word. Before the icons, "Bestätigen" fell to 10 px on the 7-inch panel.
LABEL_FLOOR = 14


@pytest.fixture(autouse=True)
def _pygame() -> None:
    init()


def pad_layout(size: tuple[int, int], entered: int = 0, settings: Settings | None = None,
               tr: Ids | None = None) -> dict[str, pygame.Rect]:
    layout = render.draw(pygame.Surface(size), View(Screen.ENTER_PIN, pad=PadView(entered)),
                         tr or Ids(), settings or Settings())
    assert layout.has_pad
    return {area.name: area.rect for area in layout.areas if area.name.startswith("pad.")}


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_keys_keep_their_places_and_size(size: tuple[int, int]) -> None:
    for settings in MODES:
        keys = pad_layout(size, settings=settings)
        names = [pinpad.key_name(key) for key in pinpad.KEYS]
        assert sorted(keys) == sorted(names)
        grid = [keys[name] for name in names]
        for row in range(pinpad.ROWS):
            cells = grid[row * 3:row * 3 + 3]
            assert len({cell.y for cell in cells}) == 1  # one row
            assert cells[0].x < cells[1].x < cells[2].x
            if row:
                assert cells[0].y > grid[(row - 1) * 3].y
        assert all(min(rect.size) >= min_target_px(settings.dpi) for rect in grid)
        assert len({rect.size for rect in grid}) == 1  # all keys alike


def test_the_keys_send_digits_delete_and_confirm() -> None:
    layout = render.draw(pygame.Surface((800, 480)), View(Screen.ENTER_PUK, pad=PadView(8)),
                         Ids(), Settings())
    for digit in "0123456789":
        assert layout.named(f"pad.key.{digit}").action == DigitTyped(ord(digit))
    assert layout.named("pad.delete").action == DigitDeleted()
    assert layout.named("pad.confirm").action == Confirmed()


def test_progress_says_how_many_of_eight_and_never_a_digit() -> None:
    tr = Ids()
    pad_layout((800, 480), entered=3, tr=tr)
    assert (PAD_PROGRESS, {"entered": 3, "length": 8}) in tr.asked
    # Nothing but the digit keys' own labels could show a digit: the view holds a count only.
    assert all(not any(str(v).isdigit() and len(str(v)) > 1 for v in values.values())
               for _, values in tr.asked)


def test_a_full_pad_draws_eight_dots_all_filled() -> None:
    surface = pygame.Surface((1920, 1080))
    layout = render.draw(surface, View(Screen.ENTER_PIN, pad=PadView(8)), Ids(), Settings())
    dots = [layout.marks[f"dot{index}"] for index in range(8)]
    colours = {tuple(surface.get_at(dot.center))[:3] for dot in dots}
    assert len(colours) == 1
    assert all(dot.width == dot.height for dot in dots)


def side_keys(size: tuple[int, int], language: str, settings: Settings,
              entered: int = 3) -> tuple[pygame.Surface, Layout]:
    surface = pygame.Surface(size)
    view = View(Screen.ENTER_PIN, pad=PadView(entered))
    return surface, render.draw(surface, view, Catalog(language), settings)


def ink_share(surface: pygame.Surface, rect: pygame.Rect, colour: Colour) -> float:
    """The part of ``rect`` painted exactly ``colour``."""
    inked = sum(pixel(surface, (x, y)) == colour
                for x in range(rect.left, rect.right) for y in range(rect.top, rect.bottom))
    return inked / (rect.width * rect.height)


@pytest.mark.parametrize("language", LANGUAGES)
def test_delete_and_confirm_labels_stay_readable_on_the_7_inch_panel(language: str) -> None:
    floor = font(LABEL_FLOOR, Weight.SEMIBOLD).get_linesize()
    for settings in MODES:
        _, layout = side_keys((800, 480), language, settings)
        for key in SIDE_KEYS:
            # Every translation is one word: the label is one line, as high as its font's line.
            assert layout.marks[f"label.{key}"].height >= floor, (key, settings)


@pytest.mark.parametrize("settings", MODES, ids=["normal", "large-high-contrast"])
def test_the_icons_are_drawn_in_the_keys_ink_and_confirm_lights_up_when_complete(
        settings: Settings) -> None:
    palette = theme_for(settings, (800, 480)).palette
    surface, layout = side_keys((800, 480), "it", settings, entered=3)
    assert ink_share(surface, layout.marks["icon.delete"], palette.on_secondary) > 0.1
    confirm = layout.marks["icon.confirm"]
    assert ink_share(surface, confirm, palette.on_disabled) > 0.05
    assert ink_share(surface, confirm, palette.on_primary) == 0
    surface, layout = side_keys((800, 480), "it", settings, entered=8)
    confirm = layout.marks["icon.confirm"]
    assert ink_share(surface, confirm, palette.on_primary) > 0.05
    assert ink_share(surface, confirm, palette.on_disabled) == 0


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_icon_and_label_lie_inside_their_key_apart(size: tuple[int, int]) -> None:
    for settings in MODES:
        for language in LANGUAGES:
            _, layout = side_keys(size, language, settings)
            for key in SIDE_KEYS:
                hit = layout.named(pinpad.key_name(key)).rect
                icon, label = layout.marks[f"icon.{key}"], layout.marks[f"label.{key}"]
                where = (key, language, settings)
                assert hit.contains(icon) and hit.contains(label), where
                assert not icon.colliderect(label), where
                assert icon.height >= label.height, where  # the icon says it in any language
