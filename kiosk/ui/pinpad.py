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
from kiosk.ui import messages
from kiosk.ui.screens import Role, Scene, option_items, place_buttons, screen_texts, text_column
from kiosk.ui.widgets import Action, Look, button

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
        action: Action
        if key.isdigit():
            action, label, look, size = DigitTyped(ord(key)), key, Look.SECONDARY, theme.title
        elif key == "delete":
            action, label, look = DigitDeleted(), scene.text(messages.PAD_DELETE), Look.SECONDARY
            size = theme.text
        else:
            action, label = Confirmed(), scene.text(messages.PAD_CONFIRM)
            look, size = (Look.PRIMARY if pad.complete else Look.DISABLED), theme.text
        button(scene.canvas, rect, label, action, key_name(key), look=look, size=size)
    scene.canvas.marks["keys"] = block
    scene.canvas.has_pad = True


def draw_dots(scene: Scene, box: pygame.Rect, pad: PadView) -> int:
    """One dot per digit of the PIN, filled for those typed; returns the y below them."""
    theme, palette = scene.canvas.theme, scene.canvas.theme.palette
    gap = theme.gap
    diameter = max(10, min(theme.text, (box.width - gap * (pad.length - 1)) // pad.length))
    row = pygame.Rect(0, 0, diameter * pad.length + gap * (pad.length - 1), diameter)
    row.midtop = (box.centerx, box.y)
    for index in range(pad.length):
        dot = pygame.Rect(row.x + index * (diameter + gap), row.y, diameter, diameter)
        filled = index < pad.entered
        pygame.draw.ellipse(scene.canvas.surface, palette.text, dot,
                            width=0 if filled else max(2, diameter // 8))
        scene.canvas.marks[f"dot{index}"] = dot
    return row.bottom


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
        left = place_buttons(scene, left, option_items(scene), columns=2)
    else:
        keys_width = _key_size(scene, box) * COLUMNS + theme.gap * (COLUMNS - 1)
        keys_width = max(keys_width, int(box.width * 0.4))
        left = pygame.Rect(box.x, box.y, box.width - keys_width - theme.margin, box.height)
        keys = pygame.Rect(left.right + theme.margin, box.y, keys_width, box.height)
        left = place_buttons(scene, left, option_items(scene), columns=1)
    draw_keys(scene, keys, pad)
    progress = scene.text(messages.PAD_PROGRESS, entered=pad.entered, length=pad.length)
    dots_height = theme.text + theme.gap + theme.text * 2
    text = pygame.Rect(left.x, left.y, left.width, max(0, left.height - dots_height))
    text_column(scene, text, screen_texts(scene))
    below = draw_dots(scene, pygame.Rect(left.x, text.bottom + theme.gap, left.width,
                                         theme.text), pad)
    text_column(scene, pygame.Rect(left.x, below + theme.gap // 2, left.width, theme.text * 2),
                [(progress, Role.BODY)], centre=True)
