"""The hand-off's last screen: the ticket number the citizen takes to the desk, large, in a
frame beside the text (which says it too, for the voice and for a reader of every line), so
that it can be read from a step back or copied onto a sheet of paper until the receipt printer
comes.

When the receipt did not come out, the notice that says to take a photo of the number instead
comes right under the title (:data:`kiosk.ui.screens.NOTICE_FIRST`): in large text the rest
may go to a second page, and this is the one line the citizen must not miss."""

from __future__ import annotations

import pygame

from kiosk.ui.fonts import Weight
from kiosk.ui.screens import (
    Scene,
    above_buttons,
    option_items,
    paging_for,
    place_buttons,
    screen_texts,
    split,
    text_column,
)
from kiosk.ui.widgets import fit, text_block


def draw(scene: Scene) -> None:
    items = option_items(scene)
    box = above_buttons(scene, scene.content, items)
    number = scene.view.facts.get("ticket_number")
    text = box
    if isinstance(number, str):
        text, frame = split(scene, box, 0.6)
        theme = scene.canvas.theme
        badge = frame.inflate(-theme.gap, -theme.gap)
        radius = max(4, theme.mm(1.5))
        pygame.draw.rect(scene.canvas.surface, theme.palette.primary, badge,
                         width=max(3, theme.mm(0.8)), border_radius=radius)
        inner = badge.inflate(-2 * theme.gap, -2 * theme.gap)
        fnt, lines = fit(number, theme.title * 2, Weight.BOLD, inner, minimum=theme.title)
        text_block(scene.canvas.surface, lines, fnt, theme.palette.text, inner, centre=True,
                   middle=True)
        scene.canvas.marks["ticket_number"] = badge
    paging = paging_for(scene, scene.content, items)
    pages = text_column(scene, text, screen_texts(scene), paging=paging)
    place_buttons(scene, scene.content, items, pages=pages)

