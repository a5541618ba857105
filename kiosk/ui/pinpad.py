"""The PIN pad: masked progress (one dot per digit, never the digit), "n of 8", and large keys
in a fixed layout (1-9, then delete, 0, confirm), each at least the minimum touch target.

The pad draws only what :class:`~kiosk.journeys.views.PadView` says, a count: the digits live
in the journey's secret holder and never reach the UI. Confirm looks disabled until the pad
is complete (the journey ignores an early OK anyway).
"""

from __future__ import annotations

import pygame

from kiosk.journeys.events import Confirmed, DigitDeleted, DigitTyped
from kiosk.journeys.views import PadView
from kiosk.ui import icons, messages
from kiosk.ui.fonts import Weight, font
from kiosk.ui.screens import (
    Scene,
    above_buttons,
    option_items,
    paging_for,
    place_buttons,
    screen_texts,
    text_column,
)
from kiosk.ui.widgets import Action, Canvas, Look, button, colours, fit, text_block

# The keys row by row: a digit, or the delete and confirm keys.
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "delete", "0", "confirm")
COLUMNS, ROWS = 3, 4


def key_name(key: str) -> str:
    """The hit area's stable name: ``pad.key.7``, ``pad.delete``, ``pad.confirm``."""
    return f"pad.key.{key}" if key.isdigit() else f"pad.{key}"


def _key_size(scene: Scene, box: pygame.Rect) -> int:
    gap = scene.canvas.theme.gap
    side = min((box.width - gap * (COLUMNS - 1)) // COLUMNS,
               (box.height - gap * (ROWS - 1)) // ROWS)
    return max(scene.canvas.theme.target, min(side, scene.canvas.theme.target * 2))


def _icon_key(canvas: Canvas, rect: pygame.Rect, key: str, label: str, look: Look) -> None:
    """An icon above the label: the icon reads in any language, and the label gets the key's
    whole width (a word like "Bestätigen" inside the button's padding shrank to unreadable)."""
    theme = canvas.theme
    ink = colours(theme, look)[1]
    inner = rect.inflate(-2 * theme.mm(0.6), -2 * theme.mm(0.6))
    # The label takes at most 2/5 of the height: the icon is what tells the two keys apart.
    fnt, lines = fit(label, theme.text, Weight.SEMIBOLD,
                     pygame.Rect(inner.x, inner.y, inner.width, inner.height * 2 // 5))
    height, spacing = len(lines) * fnt.get_linesize(), theme.mm(0.3)
    side = max(1, min(inner.width, inner.height - height - spacing, rect.height // 2))
    icon = pygame.Rect(0, 0, side, side)
    icon.midtop = (inner.centerx, inner.y + (inner.height - side - spacing - height) // 2)
    icons.draw(canvas.surface, icons.BACKSPACE if key == "delete" else icons.CHECK, icon, ink)
    text = pygame.Rect(inner.x, icon.bottom + spacing, inner.width, height)
    text_block(canvas.surface, lines, fnt, ink, text, centre=True)
    width = max(fnt.size(line)[0] for line in lines)
    canvas.marks[f"icon.{key}"] = icon
    canvas.marks[f"label.{key}"] = pygame.Rect(text.centerx - width // 2, text.y, width, height)


def draw_keys(scene: Scene, box: pygame.Rect, pad: PadView) -> None:
    """The 3x4 keys, centred in ``box``."""
    theme = scene.canvas.theme
    side, gap = _key_size(scene, box), theme.gap
    block = pygame.Rect(0, 0, side * COLUMNS + gap * (COLUMNS - 1), side * ROWS + gap * (ROWS - 1))
    block.center = box.center
    scene.canvas.home = len(scene.canvas.areas)  # the focus ring starts on "1"
    for index, key in enumerate(KEYS):
        row, column = divmod(index, COLUMNS)
        rect = pygame.Rect(block.x + column * (side + gap), block.y + row * (side + gap),
                           side, side)
        if key.isdigit():
            button(scene.canvas, rect, key, DigitTyped(ord(key)), key_name(key),
                   size=theme.title)
            continue
        action: Action
        if key == "delete":
            action, label, look = DigitDeleted(), scene.text(messages.PAD_DELETE), Look.SECONDARY
        else:
            action, label = Confirmed(), scene.text(messages.PAD_CONFIRM)
            look = Look.PRIMARY if pad.complete else Look.DISABLED
        button(scene.canvas, rect, "", action, key_name(key), look=look)
        _icon_key(scene.canvas, rect, key, label, look)
    scene.canvas.marks["keys"] = block
    scene.canvas.has_pad = True


def _dot_diameter(scene: Scene, width: int, pad: PadView, label: str) -> int | None:
    """The dots' diameter with the count beside them in ``width``, or None if they would be
    too small there (the count then goes under them). Beside saves a line of height, which
    the texts need on a 7-inch panel in large text."""
    theme = scene.canvas.theme
    room = width - font(theme.text).size(label)[0] - theme.gap * pad.length
    diameter = min(theme.text, room // pad.length)
    return diameter if diameter >= theme.text * 3 // 5 else None


def progress_height(scene: Scene, width: int, pad: PadView, label: str) -> int:
    theme = scene.canvas.theme
    line = font(theme.text).get_linesize()
    if _dot_diameter(scene, width, pad, label) is not None:
        return max(theme.text, line)
    return theme.text + theme.gap // 2 + line


def draw_progress(scene: Scene, box: pygame.Rect, pad: PadView, label: str) -> None:
    """One dot per digit of the PIN, filled for those typed, and the count ("3 of 8") beside
    or under them, centred at the top of ``box``."""
    theme, palette = scene.canvas.theme, scene.canvas.theme.palette
    gap, fnt = theme.gap, font(theme.text)
    diameter = _dot_diameter(scene, box.width, pad, label)
    beside = diameter is not None
    if diameter is None:
        diameter = max(10, min(theme.text, (box.width - gap * (pad.length - 1)) // pad.length))
    dots_width = diameter * pad.length + gap * (pad.length - 1)
    label_width = fnt.size(label)[0]
    row = pygame.Rect(0, 0, dots_width + (gap + label_width if beside else 0),
                      max(diameter, fnt.get_linesize()) if beside else diameter)
    row.midtop = (box.centerx, box.y)
    top = row.centery - diameter // 2
    for index in range(pad.length):
        dot = pygame.Rect(row.x + index * (diameter + gap), top, diameter, diameter)
        filled = index < pad.entered
        pygame.draw.ellipse(scene.canvas.surface, palette.text, dot,
                            width=0 if filled else max(2, diameter // 8))
        scene.canvas.marks[f"dot{index}"] = dot
    if beside:
        where = pygame.Rect(row.x + dots_width + gap, row.y, label_width, row.height)
    else:
        where = pygame.Rect(box.x, row.bottom + gap // 2, box.width, fnt.get_linesize())
    text_block(scene.canvas.surface, [label], fnt, palette.text, where, centre=True, middle=True)
    scene.canvas.marks["progress"] = where


def draw(scene: Scene) -> None:
    """Texts, dots and progress on one side (above in portrait), the keys on the other."""
    pad = scene.view.pad
    assert pad is not None
    theme = scene.canvas.theme
    box = scene.content
    if scene.portrait:
        keys_height = _key_size(scene, box) * ROWS + theme.gap * (ROWS - 1)
        keys_height = max(keys_height, int(box.height * 0.45))
        left = pygame.Rect(box.x, box.y, box.width, box.height - keys_height - theme.gap)
        keys = pygame.Rect(box.x, left.bottom + theme.gap, box.width, keys_height)
        columns = 2
    else:
        keys_width = _key_size(scene, box) * COLUMNS + theme.gap * (COLUMNS - 1)
        keys_width = max(keys_width, int(box.width * 0.4))
        left = pygame.Rect(box.x, box.y, box.width - keys_width - theme.margin, box.height)
        keys = pygame.Rect(left.right + theme.margin, box.y, keys_width, box.height)
        columns = 1
    draw_keys(scene, keys, pad)
    items = option_items(scene)
    above = above_buttons(scene, left, items, columns)
    label = scene.text(messages.PAD_PROGRESS, entered=pad.entered, length=pad.length)
    height = progress_height(scene, above.width, pad, label)
    text = pygame.Rect(above.x, above.y, above.width, max(0, above.height - height - theme.gap))
    paging = paging_for(scene, left, items, columns)
    pages = text_column(scene, text, screen_texts(scene), paging=paging)
    draw_progress(scene, pygame.Rect(above.x, text.bottom + theme.gap, above.width, height), pad,
                  label)
    place_buttons(scene, left, items, columns, pages=pages)
