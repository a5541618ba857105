"""The inactivity warning, drawn over the screen: the seconds left and "more time" (modal: the
screen behind it takes no touches, as the session ignores them too)."""

from __future__ import annotations

import functools

import pygame

from kiosk.journeys.events import ExtendSession
from kiosk.journeys.views import WarningView
from kiosk.ui import messages
from kiosk.ui.screens import (
    Item,
    Paging,
    Role,
    Scene,
    above_buttons,
    place_buttons,
    text_column,
)
from kiosk.ui.theme import Colour
from kiosk.ui.widgets import Look

DIM_ALPHA = 190


@functools.lru_cache(maxsize=4)
def _shade(size: tuple[int, int], colour: Colour) -> pygame.Surface:
    """The dimming layer, one per panel size and palette: a full-screen surface is megabytes,
    made once rather than every second the warning counts down. A surface-wide alpha, not a
    per-pixel one, is also the cheaper blend."""
    shade = pygame.Surface(size)
    shade.fill(colour)
    shade.set_alpha(DIM_ALPHA)
    return shade


def draw(scene: Scene, warning: WarningView) -> None:
    canvas = scene.canvas
    theme, palette = canvas.theme, canvas.theme.palette
    canvas.areas.clear()
    canvas.has_pad = False
    canvas.home = 0
    canvas.surface.blit(_shade(canvas.surface.get_size(), palette.overlay), (0, 0))
    box = scene.content
    if theme.large_text or box.height < theme.target * 6:
        dialog = pygame.Rect(box)  # a small panel or large text: the dialog takes it all
    else:
        dialog = pygame.Rect(0, 0, max(theme.target * 6, box.width * 2 // 3),
                             max(theme.target * 3, box.height * 2 // 3))
        dialog.center = box.center
    pygame.draw.rect(canvas.surface, palette.background, dialog, border_radius=theme.mm(2))
    pygame.draw.rect(canvas.surface, palette.primary, dialog, width=max(3, theme.mm(0.8)),
                     border_radius=theme.mm(2))
    canvas.marks["warning"] = dialog
    inner = dialog.inflate(-2 * theme.margin, -2 * theme.margin)
    items = []
    if warning.can_extend:
        items.append(Item(scene.text(messages.WARNING_EXTEND), ExtendSession(),
                          messages.WARNING_EXTEND, Look.PRIMARY))
    place_buttons(scene, inner, items, columns=1)
    above = above_buttons(scene, inner, items, columns=1)
    text_column(scene, above, [
        (scene.text(messages.WARNING_TITLE), Role.TITLE),
        (scene.text(messages.WARNING_BODY, seconds_left=warning.seconds_left,
                    extensions_left=warning.extensions_left), Role.BODY),
    ], centre=True, paging=Paging.NONE)
