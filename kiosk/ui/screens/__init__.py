"""The screens: one module per kind of screen, each a pure ``draw(scene)``.

A :class:`Scene` is what a screen draws with: the canvas (surface, theme, hit areas), the
View, the translator, the animation frame and the content box below the top bar. The helpers
here place the option buttons at the bottom and fit a column of texts into what is left, so
every screen keeps the same rhythm at 800x480 and at 1920x1080.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from kiosk.journeys.events import Cancel, Chosen
from kiosk.journeys.views import View
from kiosk.ui import messages
from kiosk.ui.fonts import Weight, font
from kiosk.ui.messages import Translator
from kiosk.ui.theme import Colour
from kiosk.ui.widgets import Action, Canvas, Look, button, grid, text_block, wrap


@dataclass(frozen=True, slots=True)
class Scene:
    canvas: Canvas
    view: View
    tr: Translator
    frame: int
    content: pygame.Rect

    @property
    def portrait(self) -> bool:
        width, height = self.canvas.surface.get_size()
        return height > width

    def text(self, message_id: str, **values: object) -> str:
        return self.tr.text(message_id, **values)


@dataclass(frozen=True, slots=True)
class Item:
    """One button to place: label, what it sends, its stable name and look."""

    label: str
    action: Action
    name: str
    look: Look = Look.SECONDARY


def option_items(scene: Scene) -> list[Item]:
    """The view's choices (the first one primary) and, where allowed, cancel."""
    items = [Item(scene.text(choice.value), Chosen(choice), choice.value,
                  Look.PRIMARY if index == 0 else Look.SECONDARY)
             for index, choice in enumerate(scene.view.options)]
    if scene.view.can_cancel:
        items.append(Item(scene.text(messages.CANCEL), Cancel(), messages.CANCEL))
    return items


def place_buttons(scene: Scene, box: pygame.Rect, items: Sequence[Item],
                  columns: int | None = None) -> pygame.Rect:
    """Draw ``items`` as a grid at the bottom of ``box``; returns the part of ``box`` above."""
    if not items:
        return box
    theme = scene.canvas.theme
    if columns is None:  # portrait: pairs; landscape: one row up to four, else rows of three
        columns = min(len(items), 2) if scene.portrait else (
            len(items) if len(items) <= 4 else 3)
    rows = -(-len(items) // columns)
    row_height = max(theme.target, theme.text * 2 + theme.gap)
    height = rows * row_height + (rows - 1) * theme.gap
    area = pygame.Rect(box.x, box.bottom - height, box.width, height)
    for item, rect in zip(items, grid(area, len(items), columns, theme.gap, row_height),
                          strict=True):
        button(scene.canvas, rect, item.label, item.action, item.name, look=item.look)
    return pygame.Rect(box.x, box.y, box.width, max(0, area.y - theme.gap - box.y))


class Role(enum.Enum):
    TITLE = "title"
    BODY = "body"
    ALERT = "alert"
    DETAIL = "detail"
    SMALL = "small"


def _style(scene: Scene, role: Role, scale: float) -> tuple[pygame.font.Font, Colour]:
    theme, palette = scene.canvas.theme, scene.canvas.theme.palette
    size, weight, colour = {
        Role.TITLE: (theme.title, Weight.BOLD, palette.text),
        Role.BODY: (theme.text, Weight.REGULAR, palette.text),
        Role.ALERT: (theme.text, Weight.SEMIBOLD, palette.error),
        Role.DETAIL: (theme.text, Weight.REGULAR, palette.text),
        Role.SMALL: (theme.text * 4 // 5, Weight.REGULAR, palette.muted),
    }[role]
    return font(max(12, round(size * scale)), weight), colour


def text_column(scene: Scene, box: pygame.Rect, parts: Sequence[tuple[str, Role]],
                *, centre: bool = False) -> None:
    """Draw ``parts`` top to bottom in ``box``, shrinking all together until they fit."""
    scale = 1.0
    while True:
        styled = [(*_style(scene, role, scale), text) for text, role in parts if text]
        laid = [(fnt, colour, wrap(text, fnt, box.width)) for fnt, colour, text in styled]
        spacing = round(scene.canvas.theme.gap * scale)
        height = sum(len(lines) * fnt.get_linesize() + spacing for fnt, _, lines in laid)
        if height <= box.height or scale <= 0.55:
            break
        scale -= 0.05
    y = box.y
    for fnt, colour, lines in laid:
        part = pygame.Rect(box.x, y, box.width, max(0, box.bottom - y))
        y = text_block(scene.canvas.surface, lines, fnt, colour, part, centre=centre) + spacing


def screen_texts(scene: Scene) -> list[tuple[str, Role]]:
    """Title, error (message, tries, remedy, support code), body and detail lines of a view."""
    view = scene.view
    parts = [(scene.text(messages.title_id(view.screen)), Role.TITLE)]
    shown: list[messages.Line] = []
    if view.error is not None:
        shown = list(messages.error_lines(view.error))
        remedy = view.error.remedy
        parts.extend((scene.text(message_id, **values),
                      Role.BODY if message_id == remedy else Role.ALERT)
                     for message_id, values in shown)
        # The code to quote at the desk comes before anything a small screen might cut.
        parts.append((scene.text(messages.SUPPORT_CODE, support_code=view.error.support_code),
                      Role.SMALL))
    parts.append((scene.text(messages.body_id(view.screen)), Role.BODY))
    notice = view.facts.get("notice")
    if messages.is_message_id(notice):
        assert isinstance(notice, str)
        parts.append((scene.text(notice), Role.ALERT))
    parts.extend(("• " + scene.text(message_id, **values), Role.DETAIL)
                 for message_id, values in messages.fact_lines(view.facts)
                 if (message_id, values) not in shown)  # tries left: once, with the error
    return parts


def split(scene: Scene, box: pygame.Rect, share: float = 0.55) -> tuple[pygame.Rect, pygame.Rect]:
    """Text part and picture part of ``box``: side by side in landscape, stacked in portrait."""
    gap = scene.canvas.theme.gap
    if scene.portrait:
        top = int(box.height * share)
        return (pygame.Rect(box.x, box.y, box.width, top),
                pygame.Rect(box.x, box.y + top + gap, box.width, box.height - top - gap))
    left = int(box.width * share)
    return (pygame.Rect(box.x, box.y, left, box.height),
            pygame.Rect(box.x + left + gap, box.y, box.width - left - gap, box.height))
