"""Screens with a QR code to an official page beside their steps: the PUK recovery in the
CieID app, the smartphone login, the activation helper's pages (with the card's number large
above the code, to type on the Ministry's site) and the renewal's booking page.

The QR code is drawn with rectangles (one per dark module, a four-module quiet zone), so it
is sharp at every size and needs nothing but the ``qrcode`` package's matrix.
"""

from __future__ import annotations

import functools

import pygame
import qrcode  # type: ignore[import-untyped]
import qrcode.constants  # type: ignore[import-untyped]

from kiosk.ui.fonts import Weight, font
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
from kiosk.ui.widgets import fit, text_block, wrap_anywhere

QUIET_ZONE = 4


@functools.cache
def matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    """The modules of the QR code for ``url`` (medium error correction), without border."""
    code = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(url)
    code.make(fit=True)
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def draw_code(scene: Scene, url: str, box: pygame.Rect) -> pygame.Rect:
    """Draw the code as large as fits in ``box``, centred; returns its rectangle."""
    palette = scene.canvas.theme.palette
    modules = matrix(url)
    count = len(modules) + 2 * QUIET_ZONE
    size = max(1, min(box.width, box.height) // count)
    rect = pygame.Rect(0, 0, size * count, size * count)
    rect.center = box.center
    surface = scene.canvas.surface
    surface.fill(palette.qr_light, rect)
    x0, y0 = rect.x + QUIET_ZONE * size, rect.y + QUIET_ZONE * size
    for row, cells in enumerate(modules):
        for column, dark in enumerate(cells):
            if dark:
                surface.fill(palette.qr_dark, (x0 + column * size, y0 + row * size, size, size))
    scene.canvas.marks["qr"] = rect
    return rect


def draw(scene: Scene) -> None:
    items = option_items(scene)
    box = above_buttons(scene, scene.content, items)
    text, picture = split(scene, box, 0.62)
    paging = paging_for(scene, scene.content, items)
    pages = text_column(scene, text, screen_texts(scene), paging=paging)
    place_buttons(scene, scene.content, items, pages=pages)
    number = scene.view.facts.get("card_number")
    if isinstance(number, str) and number:
        picture = _card_number(scene, number, picture)
    url = scene.view.facts.get("qr_url")
    if isinstance(url, str) and url:
        # The address itself under the code, for who cannot scan: data, not a sentence.
        small = font(max(12, scene.canvas.theme.text * 3 // 5))
        lines = wrap_anywhere(url, small, picture.width)
        height = len(lines) * small.get_linesize()
        code_box = pygame.Rect(picture.x, picture.y, picture.width, picture.height - height)
        code = draw_code(scene, url, code_box)
        below = pygame.Rect(picture.x, code.bottom + scene.canvas.theme.gap // 2,
                            picture.width, height)
        text_block(scene.canvas.surface, lines, small, scene.canvas.theme.palette.muted, below,
                   centre=True)


def _card_number(scene: Scene, number: str, box: pygame.Rect) -> pygame.Rect:
    """The card's number large at the top of ``box`` (the text says it too, for the voice);
    returns what is left below it for the code."""
    theme = scene.canvas.theme
    height = min(box.height // 5, theme.title * 2)
    area = pygame.Rect(box.x, box.y, box.width, height)
    fnt, lines = fit(number, theme.title * 2, Weight.BOLD, area, minimum=theme.body)
    text_block(scene.canvas.surface, lines, fnt, theme.palette.text, area, centre=True,
               middle=True)
    scene.canvas.marks["card_number"] = area
    return pygame.Rect(box.x, area.bottom + theme.gap, box.width,
                       box.bottom - area.bottom - theme.gap)
