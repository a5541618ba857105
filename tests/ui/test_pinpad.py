"""The PIN pad: a fixed key layout, keys that send the journey's events, dots and "n of 8"."""

from __future__ import annotations

import pygame
import pytest

from kiosk.journeys import Confirmed, DigitDeleted, DigitTyped, PadView, Screen, View
from kiosk.ui import pinpad, render
from kiosk.ui.messages import PAD_PROGRESS
from kiosk.ui.theme import Settings, min_target_px
from tests.ui.drawing import MODES, SIZES, Ids, init


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
