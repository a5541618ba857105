"""The text keyboard, for the e-mail address the second half of the codes goes to.

Every key is a touch target of its own size (12 mm), so a whole keyboard does not fit a
7-inch panel: the keys come in pages (letters first, then what every address needs, ``@ . -
_``, then digits and the rarer characters), as many a page as the panel holds, turned by the
arrows at both ends of the bottom row with the stage's own page actions: the keyboard keeps no
state. The bottom row holds, between the arrows, the way back, delete and OK. What is typed is
shown above the keys in full; it is no secret (the address goes to the clerk).
"""

from __future__ import annotations

import pygame

from kiosk.journeys.events import Cancel, CharacterTyped, Confirmed, DigitDeleted
from kiosk.ui import icons, messages
from kiosk.ui.i18n import TYPED_EMAIL
from kiosk.ui.screens import Paging, Role, Scene, fits, text_column
from kiosk.ui.widgets import Action, Look, UiAction, button, colours, grid

KEYS = "abcdefghijklmnopqrstuvwxyz@.-_0123456789+'!#&="
MAX_COLUMNS, MAX_ROWS = 10, 4
CONTROLS = 5  # back arrow, way back, delete, OK, next arrow


def key_name(character: str) -> str:
    """The hit area's stable name: ``keyboard.key.a``, ``keyboard.key.@``."""
    return f"keyboard.key.{character}"


def fit(scene: Scene, box: pygame.Rect) -> tuple[int, int]:
    """Columns and rows of character keys (above the bottom row) that fit ``box`` at the
    touch target's size, leaving a line of text and the typed address above them."""
    theme = scene.canvas.theme
    pitch = theme.target + theme.gap
    columns = max(CONTROLS, min(MAX_COLUMNS, (box.width + theme.gap) // pitch))
    text = theme.title + theme.text + theme.gap
    rows = max(1, min(MAX_ROWS, (box.height - text + theme.gap) // pitch - 1))
    return columns, rows


def pages(scene: Scene) -> list[str]:
    columns, rows = fit(scene, scene.content)
    size = columns * rows
    return [KEYS[start:start + size] for start in range(0, len(KEYS), size)]


def draw(scene: Scene) -> None:
    theme = scene.canvas.theme
    box = scene.content
    columns, _ = fit(scene, box)
    chunks = pages(scene)
    page = min(scene.page, len(chunks) - 1)
    key_rows = -(-len(chunks[0]) // columns) + 1
    keys_height = key_rows * theme.target + (key_rows - 1) * theme.gap
    keys = pygame.Rect(box.x, box.bottom - keys_height, box.width, keys_height)
    text = pygame.Rect(box.x, box.y, box.width, max(0, keys.y - theme.gap - box.y))
    email = scene.view.facts.get("email")
    typed = [(scene.text(TYPED_EMAIL, email=email if isinstance(email, str) else ""),
              Role.BODY)]
    notice = scene.view.facts.get("notice")
    if isinstance(notice, str) and messages.is_message_id(notice):
        typed.append((scene.text(notice), Role.ALERT))
    # The title goes first where there is room; the address and the notice always show.
    parts = [(scene.text(messages.title_id(scene.view.screen)), Role.TITLE), *typed]
    if not fits(scene, text, parts):
        parts = typed
    text_column(scene, text, parts, paging=Paging.NONE)
    scene.canvas.home = len(scene.canvas.areas)
    characters = chunks[page]
    for character, rect in zip(characters, grid(keys, len(characters), columns, theme.gap,
                                                theme.target), strict=True):
        button(scene.canvas, rect, character, CharacterTyped(character), key_name(character),
               size=theme.title)
    _bottom_row(scene, pygame.Rect(keys.x, keys.bottom - theme.target, keys.width,
                                   theme.target), page, len(chunks))
    scene.canvas.pages = len(chunks)
    scene.canvas.marks["keys"] = keys


def _spans(columns: int) -> list[int]:
    """The bottom row's five buttons over ``columns`` columns: the middle three get the rest."""
    spans = [columns // CONTROLS] * CONTROLS
    for index in range(columns - sum(spans)):
        spans[1 + index % 3] += 1
    return spans


def _bottom_row(scene: Scene, row: pygame.Rect, page: int, count: int) -> None:
    theme = scene.canvas.theme
    columns, _ = fit(scene, scene.content)
    cell = (row.width - theme.gap * (columns - 1)) / columns
    buttons: list[tuple[str, Action, str, Look, icons.Icon | None]] = [
        ("", UiAction.PAGE_BACK, messages.PAGE_BACK,
         Look.SECONDARY if page > 0 else Look.DISABLED, icons.BACK),
        (scene.text(messages.CANCEL), Cancel(), messages.CANCEL, Look.SECONDARY, None),
        ("", DigitDeleted(), "keyboard.delete", Look.SECONDARY, icons.BACKSPACE),
        (scene.text(messages.PAD_CONFIRM), Confirmed(), "keyboard.confirm", Look.PRIMARY, None),
        ("", UiAction.PAGE_NEXT, messages.PAGE_NEXT,
         Look.PRIMARY if page < count - 1 else Look.DISABLED, icons.FORWARD),
    ]
    x = float(row.x)
    for span, (label, action, name, look, icon) in zip(_spans(columns), buttons, strict=True):
        width = round(cell * span + theme.gap * (span - 1))
        rect = pygame.Rect(round(x), row.y, width, row.height)
        button(scene.canvas, rect, label, action, name, look=look)
        if icon is not None:
            side = min(rect.width, rect.height) // 2
            mark = pygame.Rect(0, 0, side, side)
            mark.center = rect.center
            icons.draw(scene.canvas.surface, icon, mark, colours(theme, look)[1])
        x += width + theme.gap
