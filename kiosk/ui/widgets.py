"""What a drawn screen can be touched on, and the drawing helpers every screen shares.

:class:`Layout` is the renderer's answer: the hit areas it drew, each with the action it sends
(a journey event, or a :class:`UiAction` the UI handles itself, like the accessibility button),
in focus order, plus named marks (PIN dots, the QR code) for tests and speech. Example::

    layout = render.draw(surface, view, catalog, settings)
    area = layout.hit((400, 300))
    if area is not None: session.handle(area.action)   # when it is a journey event
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import pygame

from kiosk.journeys.events import PersonEvent
from kiosk.ui.fonts import Weight, font
from kiosk.ui.theme import Colour, Theme


class UiAction(enum.Enum):
    """A button the UI handles itself: nothing the journeys need to know."""

    ACCESSIBILITY = "accessibility"
    PAGE_BACK = "page-back"  # a text longer than its box: the page before
    PAGE_NEXT = "page-next"  # and the page after


Action = PersonEvent | UiAction


@dataclass(frozen=True, slots=True)
class HitArea:
    """A touchable rectangle; ``name`` is stable for tests and speech (``"choice.done"``)."""

    rect: pygame.Rect
    action: Action
    name: str


@dataclass(frozen=True, slots=True)
class Layout:
    """The hit areas of one drawn frame in focus order, and named marks."""

    size: tuple[int, int]
    areas: tuple[HitArea, ...] = ()
    marks: Mapping[str, pygame.Rect] = field(default_factory=lambda: MappingProxyType({}))
    has_pad: bool = False
    home: int = 0  # where the focus ring starts: the screen's first button, after the top bar
    pages: int = 1  # how many pages the screen's text needed (see screens.text_column)
    # The lines of the screen's main text drawn on this page, with their font size in pixels.
    shown: tuple[tuple[str, int], ...] = ()

    def hit(self, pos: tuple[int, int]) -> HitArea | None:
        """The area under ``pos``; the last drawn wins (overlays are drawn last)."""
        for area in reversed(self.areas):
            if area.rect.collidepoint(pos):
                return area
        return None

    def named(self, name: str) -> HitArea:
        for area in self.areas:
            if area.name == name:
                return area
        raise KeyError(name)


class Canvas:
    """Collects hit areas and marks while a screen draws (one per frame)."""

    def __init__(self, surface: pygame.Surface, theme: Theme) -> None:
        self.surface = surface
        self.theme = theme
        self.areas: list[HitArea] = []
        self.marks: dict[str, pygame.Rect] = {}
        self.has_pad = False
        self.home = 0
        self.pages = 1
        self.shown: list[tuple[str, int]] = []

    def add(self, rect: pygame.Rect, action: Action, name: str) -> None:
        self.areas.append(HitArea(pygame.Rect(rect), action, name))

    def layout(self) -> Layout:
        return Layout(self.surface.get_size(), tuple(self.areas),
                      MappingProxyType(dict(self.marks)), self.has_pad,
                      self.home if self.home < len(self.areas) else 0, self.pages,
                      tuple(self.shown))


# -- text --------------------------------------------------------------------------------------


def wrap(text: str, fnt: pygame.font.Font, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (a word longer than that stands alone)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            candidate = f"{line} {word}" if line else word
            if line and fnt.size(candidate)[0] > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def wrap_anywhere(text: str, fnt: pygame.font.Font, width: int) -> list[str]:
    """Break ``text`` wherever it must (an address has no spaces to break at)."""
    lines = [""]
    for char in text:
        if lines[-1] and fnt.size(lines[-1] + char)[0] > width:
            lines.append("")
        lines[-1] += char
    return lines


# Below ``minimum`` a font only shrinks further to avoid cutting a word, never below this.
HARD_FLOOR = 10


def fit(text: str, size: int, weight: Weight, box: pygame.Rect,
        minimum: int = 14) -> tuple[pygame.font.Font, list[str]]:
    """The largest font up to ``size`` whose wrapped ``text`` fits ``box``. Below ``minimum``
    it goes on shrinking, down to :data:`HARD_FLOOR`, only while a word or a line would be
    cut: a smaller word reads better than a missing one."""
    while True:
        fnt = font(size, weight)
        lines = wrap(text, fnt, box.width)
        wide_enough = all(fnt.size(line)[0] <= box.width for line in lines)
        fits = wide_enough and len(lines) * fnt.get_linesize() <= box.height
        if fits or size <= HARD_FLOOR:
            return fnt, lines
        size = max(HARD_FLOOR, size * 9 // 10) if size <= minimum else max(minimum, size * 9 // 10)


def text_block(surface: pygame.Surface, lines: list[str], fnt: pygame.font.Font, colour: Colour,
               box: pygame.Rect, *, centre: bool = False, middle: bool = False) -> int:
    """Draw ``lines`` inside ``box`` (clipped); returns the y below the last line drawn."""
    height = len(lines) * fnt.get_linesize()
    y = box.y + max(0, (box.height - height) // 2) if middle else box.y
    for line in lines:
        if y + fnt.get_linesize() > box.bottom + 1:
            break
        image = fnt.render(line, True, colour)
        x = max(box.x, box.centerx - image.get_width() // 2) if centre else box.x
        surface.blit(image, (x, y), area=pygame.Rect(0, 0, box.width, image.get_height()))
        y += fnt.get_linesize()
    return y


# -- buttons -----------------------------------------------------------------------------------


class Look(enum.Enum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DISABLED = "disabled"
    BAR = "bar"
    BAR_CURRENT = "bar-current"


def colours(theme: Theme, look: Look) -> tuple[Colour, Colour, Colour]:
    """Fill, label and border colours of a button."""
    p = theme.palette
    match look:
        case Look.PRIMARY:
            return p.primary, p.on_primary, p.primary
        case Look.SECONDARY:
            return p.secondary, p.on_secondary, p.on_secondary
        case Look.DISABLED:
            return p.disabled, p.on_disabled, p.disabled
        case Look.BAR:
            return p.bar, p.on_bar, p.on_bar
        case Look.BAR_CURRENT:
            return p.on_bar, p.bar, p.on_bar


def button(canvas: Canvas, rect: pygame.Rect, label: str, action: Action, name: str,
           *, look: Look = Look.SECONDARY, size: int | None = None) -> None:
    """A rounded button with its label fitted inside, registered as a hit area."""
    fill, ink, border = colours(canvas.theme, look)
    radius = max(4, canvas.theme.mm(1.5))
    pygame.draw.rect(canvas.surface, fill, rect, border_radius=radius)
    pygame.draw.rect(canvas.surface, border, rect, width=max(2, canvas.theme.mm(0.4)),
                     border_radius=radius)
    inner = rect.inflate(-2 * canvas.theme.gap, -canvas.theme.gap)
    fnt, lines = fit(label, size or canvas.theme.text, Weight.SEMIBOLD, inner)
    text_block(canvas.surface, lines, fnt, ink, inner, centre=True, middle=True)
    canvas.add(rect, action, name)


def focus_ring(canvas: Canvas, rect: pygame.Rect) -> None:
    width = max(3, canvas.theme.mm(0.8))
    ring = rect.inflate(2 * width, 2 * width)
    pygame.draw.rect(canvas.surface, canvas.theme.palette.focus, ring, width=width,
                     border_radius=max(4, canvas.theme.mm(2)))


def grid(box: pygame.Rect, count: int, columns: int, gap: int,
         row_height: int) -> Iterator[pygame.Rect]:
    """``count`` cells of ``columns`` per row, rows of ``row_height`` from the top of ``box``."""
    width = (box.width - gap * (columns - 1)) // columns
    for index in range(count):
        row, column = divmod(index, columns)
        yield pygame.Rect(box.x + column * (width + gap), box.y + row * (row_height + gap),
                          width, row_height)
