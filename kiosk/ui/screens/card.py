"""Screens about the card and its papers: "lay your card" (with how to lay it, after the card
was lost mid-read), "hold the card still" while it is read (with an animation frame), the
safe stop after it was taken away, and where the first half of the PUK is on the receipt.

The picture gives way to the text: where both do not fit on one page, the text takes the whole
width and the picture is left out, as words say more than the drawing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pygame

from kiosk.ui.fonts import font
from kiosk.ui.screens import (
    Scene,
    above_buttons,
    fits,
    option_items,
    paging_for,
    place_buttons,
    screen_texts,
    split,
    text_column,
)

WAVES = 3


def _reader_and_card(scene: Scene, box: pygame.Rect, lift: int) -> pygame.Rect:
    """A reader with a card above it, ``lift`` pixels up; returns the card's rectangle."""
    palette = scene.canvas.theme.palette
    surface = scene.canvas.surface
    unit = max(8, min(box.width, box.height) // 10)
    reader = pygame.Rect(0, 0, unit * 6, unit * 3)
    reader.midbottom = (box.centerx, box.bottom - unit // 2)
    pygame.draw.rect(surface, palette.text, reader, border_radius=unit // 2)
    pygame.draw.circle(surface, palette.background, reader.center, unit, width=max(2, unit // 5))
    card = pygame.Rect(0, 0, round(unit * 5.4), round(unit * 3.4))
    card.midbottom = (box.centerx, reader.top - lift)
    pygame.draw.rect(surface, palette.primary, card, border_radius=unit // 3)
    chip = pygame.Rect(card.x + unit, card.y + unit, unit, round(unit * 0.8))
    pygame.draw.rect(surface, palette.on_primary, chip, border_radius=max(2, unit // 6))
    scene.canvas.marks["card"] = card
    return card


def _picture(scene: Scene, box: pygame.Rect, *, waves: bool) -> None:
    palette = scene.canvas.theme.palette
    unit = max(8, min(box.width, box.height) // 10)
    card = _reader_and_card(scene, box, lift=unit // 3)
    if not waves:
        return
    # The animation: one wave more each frame, then again (the UI ticks the frame index).
    lit = scene.frame % (WAVES + 1)
    for index in range(WAVES):
        radius = unit * (index + 2) * 2 // 3
        rect = pygame.Rect(0, 0, radius * 2, radius * 2)
        rect.center = (card.right, card.top)
        colour = palette.primary if index < lit else palette.disabled
        pygame.draw.arc(scene.canvas.surface, colour, rect, 0.0, 1.5708, max(3, unit // 4))


def _receipt(scene: Scene, box: pygame.Rect) -> None:
    """The receipt given at the counter, drawn (no scanned document): a slip of lines, the
    first halves of PIN and PUK in their boxes at its foot, the PUK's ringed. The digits are
    never drawn, only placeholders, so no code can be mistaken for one."""
    palette = scene.canvas.theme.palette
    surface = scene.canvas.surface
    unit = max(6, min(box.width * 2 // 3, box.height) // 12)
    slip = pygame.Rect(0, 0, unit * 8, unit * 11)
    slip.center = box.center
    pygame.draw.rect(surface, palette.qr_light, slip, border_radius=unit // 3)
    pygame.draw.rect(surface, palette.text, slip, width=max(1, unit // 5),
                     border_radius=unit // 3)
    thin = max(1, unit // 6)
    for row in range(5):  # the receipt's printed lines
        y = slip.y + unit + row * unit
        width = unit * (6 if row % 2 == 0 else 4)
        pygame.draw.line(surface, palette.muted, (slip.x + unit, y), (slip.x + unit + width, y),
                         thin)
    halves = []
    for index in range(2):  # PIN's half, then PUK's
        half = pygame.Rect(slip.x + unit, slip.y + unit * (7 + 2 * index), unit * 6,
                           unit * 3 // 2)
        pygame.draw.rect(surface, palette.text, half, width=thin, border_radius=unit // 4)
        for digit in range(4):
            dot = (half.x + unit + digit * unit * 3 // 2, half.centery)
            pygame.draw.circle(surface, palette.text, dot, max(2, unit // 4))
        halves.append(half)
    ring = halves[1].inflate(unit, unit)
    pygame.draw.ellipse(surface, palette.primary, ring, width=max(3, unit // 3))
    scene.canvas.marks["puk_half"] = halves[1]
    # The codes' names, as printed on the receipt (the same in every language), where they fit.
    small = font(max(10, unit))
    for name, half, colour in (("PIN", halves[0], palette.text), ("PUK", halves[1],
                                                                  palette.primary)):
        label = small.render(name, True, colour)
        spot = label.get_rect(midright=(ring.x - unit // 2, half.centery))
        if box.contains(spot):
            surface.blit(label, spot)


def _text_and_picture(scene: Scene, picture_of: Callable[[Scene, pygame.Rect], None]) -> None:
    items = option_items(scene)
    box = above_buttons(scene, scene.content, items)
    texts, paging = screen_texts(scene), paging_for(scene, scene.content, items)
    text, picture = split(scene, box)
    if fits(scene, text, texts):
        text_column(scene, text, texts, paging=paging)
        picture_of(scene, picture)
        pages = 1
    else:
        pages = text_column(scene, box, texts, paging=paging)
    place_buttons(scene, scene.content, items, pages=pages)


def draw_lay_card(scene: Scene) -> None:
    _text_and_picture(scene, functools.partial(_picture, waves=False))


def draw_working(scene: Scene) -> None:
    """Hold the card still: no buttons but the top bar; the waves move with ``scene.frame``."""
    _text_and_picture(scene, functools.partial(_picture, waves=True))


def draw_puk_receipt(scene: Scene) -> None:
    """Where the first half of the PUK is: the text, and the receipt drawn beside it."""
    _text_and_picture(scene, _receipt)
