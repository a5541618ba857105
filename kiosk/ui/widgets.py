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
from kiosk.ui import icons
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
    # Each labelled button drawn: its name and its label's font size in pixels.
    labels: tuple[tuple[str, int], ...] = ()

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
        self.labels: list[tuple[str, int]] = []

    def add(self, rect: pygame.Rect, action: Action, name: str) -> None:
        self.areas.append(HitArea(pygame.Rect(rect), action, name))

    def layout(self) -> Layout:
        return Layout(self.surface.get_size(), tuple(self.areas),
                      MappingProxyType(dict(self.marks)), self.has_pad,
                      self.home if self.home < len(self.areas) else 0, self.pages,
                      tuple(self.shown), tuple(self.labels))


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


def fit_size(text: str, size: int, weight: Weight, box: pygame.Rect, minimum: int = 14) -> int:
    """The largest font size up to ``size`` whose wrapped ``text`` fits ``box``. Below
    ``minimum`` it goes on shrinking, down to :data:`HARD_FLOOR`, only while a word or a line
    would be cut: a smaller word reads better than a missing one."""
    while True:
        fnt = font(size, weight)
        lines = wrap(text, fnt, box.width)
        wide_enough = all(fnt.size(line)[0] <= box.width for line in lines)
        fits = wide_enough and len(lines) * fnt.get_linesize() <= box.height
        if fits or size <= HARD_FLOOR:
            return size
        size = max(HARD_FLOOR, size * 9 // 10) if size <= minimum else max(minimum, size * 9 // 10)


def fit(text: str, size: int, weight: Weight, box: pygame.Rect,
        minimum: int = 14) -> tuple[pygame.font.Font, list[str]]:
    """The font of :func:`fit_size`, and ``text`` wrapped with it."""
    fnt = font(fit_size(text, size, weight, box, minimum), weight)
    return fnt, wrap(text, fnt, box.width)


def text_block(surface: pygame.Surface, lines: list[str], fnt: pygame.font.Font, colour: Colour,
               box: pygame.Rect, *, centre: bool = False, middle: bool = False,
               pitch: int | None = None) -> int:
    """Draw ``lines`` inside ``box`` (clipped), ``pitch`` pixels apart (the font's own line
    height by default); returns the y below the last line drawn."""
    step = pitch or fnt.get_linesize()
    # The last line's glyphs reach the font's line height below its top, not the pitch.
    height = (len(lines) - 1) * step + fnt.get_linesize() if lines else 0
    y = box.y + max(0, (box.height - height) // 2) if middle else box.y
    for line in lines:
        if y + min(step, fnt.get_linesize()) > box.bottom + 1:
            break
        image = fnt.render(line, True, colour)
        x = max(box.x, box.centerx - image.get_width() // 2) if centre else box.x
        surface.blit(image, (x, y), area=pygame.Rect(0, 0, box.width, image.get_height()))
        y += step
    return y


# A button's label lines are this many times its font size apart: Titillium's own line height
# (1.55) spreads a two-line label over a touch target and a half.
LABEL_LEADING = 1.2


def label_pitch(size: int) -> int:
    return round(size * LABEL_LEADING)


def label_lines(label: str, size: int, width: int) -> list[str] | None:
    """``label`` wrapped at ``size`` into ``width``; None if one of its words is wider."""
    fnt = font(size, Weight.SEMIBOLD)
    lines = wrap(label, fnt, width)
    return lines if all(fnt.size(line)[0] <= width for line in lines) else None


def label_height(lines: int, size: int) -> int:
    """The height ``lines`` of label take at ``size`` (see :data:`LABEL_LEADING`)."""
    return (lines - 1) * label_pitch(size) + font(size, Weight.SEMIBOLD).get_linesize()


# -- buttons -----------------------------------------------------------------------------------


class Look(enum.Enum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DISABLED = "disabled"
    BAR = "bar"
    BAR_CURRENT = "bar-current"
    HELP = "help"


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
        case Look.HELP:
            return p.help, p.on_help, p.on_help


def button_inner(theme: Theme, rect: pygame.Rect) -> pygame.Rect:
    """Where a button's label may go: inside its border, with a gap at the sides."""
    return rect.inflate(-2 * theme.gap, -max(2, theme.mm(0.4)) * 2)


def button(canvas: Canvas, rect: pygame.Rect, label: str, action: Action, name: str,
           *, look: Look = Look.SECONDARY, size: int | None = None) -> None:
    """A rounded button with its label inside, registered as a hit area.

    The label keeps its size (the body text's by default) and wraps to more lines; the
    caller gives the button the height they need (:func:`label_height`). Only a word wider
    than the button shrinks, as a smaller word reads better than a cut one; the grids of
    :mod:`kiosk.ui.screens` choose their columns so that none is.
    """
    theme = canvas.theme
    fill, ink, border = colours(theme, look)
    radius = max(4, theme.mm(1.5))
    pygame.draw.rect(canvas.surface, fill, rect, border_radius=radius)
    pygame.draw.rect(canvas.surface, border, rect, width=max(2, theme.mm(0.4)),
                     border_radius=radius)
    if label:
        inner = button_inner(theme, rect)
        size = size or theme.text
        lines = label_lines(label, size, inner.width)
        if lines is None:
            size = fit_size(label, size, Weight.SEMIBOLD, inner)
            fnt = font(size, Weight.SEMIBOLD)
            lines, pitch = wrap(label, fnt, inner.width), fnt.get_linesize()
        else:
            fnt, pitch = font(size, Weight.SEMIBOLD), label_pitch(size)
        text_block(canvas.surface, lines, fnt, ink, inner, centre=True, middle=True,
                   pitch=pitch)
        canvas.labels.append((name, size))
    canvas.add(rect, action, name)


def icon_button(canvas: Canvas, rect: pygame.Rect, icon: icons.Icon, label: str, *,
                action: Action, name: str, look: Look) -> None:
    """A button with an icon and a one-line label beside it, at the body text's size. Where
    the button is too narrow for both, the label stays and the icon goes (a word says more);
    where it is too narrow for the label, the icon stands alone: a label is never shrunk, and
    the spoken name still says what the button is."""
    theme = canvas.theme
    button(canvas, rect, "", action, name, look=look)
    ink = colours(theme, look)[1]
    inner = button_inner(theme, rect)
    side = min(inner.height, rect.height * 3 // 5)
    fnt = font(theme.text, Weight.SEMIBOLD)
    width = fnt.size(label)[0]
    with_icon = side + theme.gap + width <= inner.width
    left = rect.centerx - (side + theme.gap + width) // 2  # of the icon and the label together
    if with_icon or width > inner.width:
        mark = pygame.Rect(0, 0, side, side)
        mark.midleft = (left if with_icon else rect.centerx - side // 2, rect.centery)
        icons.draw(canvas.surface, icon, mark, ink)
        canvas.marks[f"icon.{name}"] = mark
    if width <= inner.width:
        x = left + side + theme.gap if with_icon else rect.centerx - width // 2
        text = pygame.Rect(x, inner.y, width, inner.height)
        text_block(canvas.surface, [label], fnt, ink, text, middle=True)
        canvas.labels.append((name, theme.text))


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
