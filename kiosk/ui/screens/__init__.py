"""The screens: one module per kind of screen, each a pure ``draw(scene)``.

A :class:`Scene` is what a screen draws with: the canvas (surface, theme, hit areas), the
View, the translator, the animation frame, the page of a long text and the content box below
the top bar. The helpers here place the option buttons at the bottom and fit a column of texts
into what is left, so every screen keeps the same rhythm at 800x480 and at 1920x1080. A text
that does not fit even shrunk is shown in pages (:func:`text_column`): on the 7-inch panel in
large text, a reader turns pages rather than squints, and no line is ever cut off.

Button labels never shrink: at the body text's size (large text included) a long label wraps
over more lines and its row grows to hold them, and a grid takes fewer columns when a word
would not fit its cells. The room comes out of the text above, which pages if it must.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from kiosk.journeys.events import Cancel, Chosen
from kiosk.journeys.views import Screen, View
from kiosk.ui import icons, messages
from kiosk.ui.fonts import Weight, font
from kiosk.ui.messages import Translator
from kiosk.ui.theme import Colour
from kiosk.ui.widgets import (
    Action,
    Canvas,
    Look,
    UiAction,
    button,
    colours,
    fit,
    grid,
    label_height,
    label_lines,
    text_block,
    wrap,
)


@dataclass(frozen=True, slots=True)
class Scene:
    canvas: Canvas
    view: View
    tr: Translator
    frame: int
    content: pygame.Rect
    page: int = 0  # which page of a text too long for its box (see text_column)

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
    """The view's choices (the first one primary) and, where allowed, the way back, named for
    where it leads."""
    items = [Item(scene.text(choice.value), Chosen(choice), choice.value,
                  Look.PRIMARY if index == 0 else Look.SECONDARY)
             for index, choice in enumerate(scene.view.options)]
    if scene.view.can_cancel:
        items.append(Item(scene.text(scene.view.back.value), Cancel(), messages.CANCEL))
    return items


# A label may wrap over this many lines before its grid takes fewer columns.
MAX_LABEL_LINES = 3


def _label_lines(scene: Scene, items: Sequence[Item], width: int, size: int) -> int | None:
    """The most lines a label of ``items`` needs in a cell ``width`` wide at ``size``; None
    if a word does not fit in it."""
    inner = width - 2 * scene.canvas.theme.gap  # widgets.button_inner
    most = 1
    for item in items:
        lines = label_lines(item.label, size, inner)
        if lines is None:
            return None
        most = max(most, len(lines))
    return most


def _cell_width(scene: Scene, box: pygame.Rect, columns: int, *, arrows: bool) -> int:
    theme = scene.canvas.theme
    width = box.width - (2 * (_arrow_width(scene) + theme.gap) if arrows else 0)
    return (width - theme.gap * (columns - 1)) // columns


def _columns(scene: Scene, box: pygame.Rect, items: Sequence[Item], size: int) -> int:
    """Pairs in portrait; in landscape one row up to four, else two rows; fewer where a word
    would not fit a cell or a label would need more than :data:`MAX_LABEL_LINES`."""
    if scene.portrait:
        columns = min(len(items), 2)
    else:
        columns = len(items) if len(items) <= 4 else 3 if len(items) <= 6 else 4
    while columns > 1:
        lines = _label_lines(scene, items, _cell_width(scene, box, columns, arrows=False), size)
        if lines is not None and lines <= MAX_LABEL_LINES:
            break
        columns -= 1
    return columns


@dataclass(frozen=True, slots=True)
class Grid:
    """How :func:`place_buttons` lays ``items`` out in a box: columns, the labels' size, the
    rows' height, and whether page arrows stand beside the buttons (only where no label needs
    another line for them: the grid then leaves their width whether or not the text pages, so
    a label wraps the same with or without them; elsewhere the arrows take a row of their own
    under the text, :attr:`Paging.OWN_ROW`)."""

    area: pygame.Rect
    columns: int
    size: int
    row_height: int
    beside: bool


def _min_text(scene: Scene) -> int:
    """What a grid leaves above it at the least: a title and a line of body, shrunk as far
    as a text column shrinks before it pages."""
    theme = scene.canvas.theme
    return round((theme.title + theme.text) * MIN_SCALE * LEADING) + 2 * theme.gap


def grid_for(scene: Scene, box: pygame.Rect, items: Sequence[Item],
             columns: int | None = None) -> Grid:
    """The grid of ``items`` at the bottom of ``box``. Labels are drawn at the body text's
    size; only where a grid of many long labels would leave no room for a title above it
    (large text on a 7-inch panel) do they step down, and never below the normal body size
    (:attr:`Theme.body`), as large text in a column never gets smaller than normal text."""
    theme = scene.canvas.theme
    size = theme.text
    while True:
        count = columns or _columns(scene, box, items, size)
        narrow = _label_lines(scene, items, _cell_width(scene, box, count, arrows=True), size)
        lines = _label_lines(scene, items, _cell_width(scene, box, count, arrows=False), size)
        beside = narrow is not None and narrow == lines
        rows = -(-len(items) // count)
        row_height = max(theme.target, label_height(lines or 1, size) + theme.gap)
        height = rows * row_height + (rows - 1) * theme.gap
        if size <= theme.body or box.height - height >= _min_text(scene):
            area = pygame.Rect(box.x, box.bottom - height, box.width, height)
            return Grid(area, count, size, row_height, beside)
        size = max(theme.body, size * 9 // 10)


def _arrow_width(scene: Scene) -> int:
    """Arrows beside the buttons are as narrow as a touch target may be: an icon, no words."""
    return scene.canvas.theme.target


def above_buttons(scene: Scene, box: pygame.Rect, items: Sequence[Item],
                  columns: int | None = None) -> pygame.Rect:
    """The part of ``box`` that :func:`place_buttons` leaves above the buttons."""
    if not items:
        return box
    area = grid_for(scene, box, items, columns).area
    return pygame.Rect(box.x, box.y, box.width, max(0, area.y - scene.canvas.theme.gap - box.y))


def place_buttons(scene: Scene, box: pygame.Rect, items: Sequence[Item],
                  columns: int | None = None, *, pages: int = 1) -> None:
    """Draw ``items`` as a grid at the bottom of ``box`` (:func:`above_buttons` says what it
    leaves above).

    With ``pages`` above one, the page arrows stand at both ends of the grid where they fit
    (:func:`paging_for` says so): a text in pages then loses no line of its own to them.
    They come after the buttons in the focus order, so the keypad's ring still starts on the
    screen's first choice.
    """
    if not items:
        return
    theme = scene.canvas.theme
    layout = grid_for(scene, box, items, columns)
    area = cells = layout.area
    if not layout.beside:
        pages = 1  # the text column drew its own arrows (Paging.OWN_ROW)
    if pages > 1:
        side = _arrow_width(scene) + theme.gap
        cells = pygame.Rect(area.x + side, area.y, area.width - 2 * side, area.height)
    for item, rect in zip(items, grid(cells, len(items), layout.columns, theme.gap,
                                      layout.row_height), strict=True):
        button(scene.canvas, rect, item.label, item.action, item.name, look=item.look,
               size=layout.size)
    if pages > 1:
        width = _arrow_width(scene)
        _arrows(scene, pygame.Rect(area.x, area.y, width, area.height),
                pygame.Rect(area.right - width, area.y, width, area.height), pages)


def _arrows(scene: Scene, back: pygame.Rect, forward: pygame.Rect, pages: int, *,
            labels: tuple[str, str] | None = None) -> None:
    """The page arrows, with ``labels`` or, without them, chevrons. Both arrows are always
    there, the one that leads nowhere greyed (as the PIN pad's confirm), so the keypad's focus
    ring stays on the arrow it pressed as the pages turn."""
    page = min(scene.page, pages - 1)
    theme = scene.canvas.theme
    arrows = ((back, UiAction.PAGE_BACK, messages.PAGE_BACK, icons.BACK,
               Look.SECONDARY if page > 0 else Look.DISABLED),
              (forward, UiAction.PAGE_NEXT, messages.PAGE_NEXT, icons.FORWARD,
               Look.PRIMARY if page < pages - 1 else Look.DISABLED))
    for index, (rect, action, name, icon, look) in enumerate(arrows):
        button(scene.canvas, rect, labels[index] if labels else "", action, name, look=look)
        if labels is None:
            side = min(rect.width, rect.height) // 2
            mark = pygame.Rect(0, 0, side, side)
            mark.center = rect.center
            icons.draw(scene.canvas.surface, icon, mark, colours(theme, look)[1])
    scene.canvas.marks["pages"] = back.union(forward)


class Role(enum.Enum):
    TITLE = "title"
    BODY = "body"
    ALERT = "alert"
    DETAIL = "detail"
    SMALL = "small"


def _style(scene: Scene, role: Role, scale: float) -> tuple[int, Weight, Colour]:
    theme, palette = scene.canvas.theme, scene.canvas.theme.palette
    size, weight, colour = {
        Role.TITLE: (theme.title, Weight.BOLD, palette.text),
        Role.BODY: (theme.text, Weight.REGULAR, palette.text),
        Role.ALERT: (theme.text, Weight.SEMIBOLD, palette.error),
        Role.DETAIL: (theme.text, Weight.REGULAR, palette.text),
        Role.SMALL: (theme.text * 4 // 5, Weight.REGULAR, palette.muted),
    }[role]
    return max(12, round(size * scale)), weight, colour


# Text shrinks to this share of its size to fit; beyond it, it is cut into pages instead, so
# large text never gets smaller than normal text (large is 1.4 times normal, theme.toml).
MIN_SCALE = 0.72
# Below this nothing is readable: a box too small for one line at MIN_SCALE shrinks to here.
FLOOR_SCALE = 0.55
LEADING = 1.35  # line pitch in a text column, of the font's size


@dataclass(frozen=True, slots=True)
class _Row:
    """One wrapped line of a text column, and the space left under it."""

    font: pygame.font.Font
    size: int
    colour: Colour
    text: str
    space_after: int

    @property
    def pitch(self) -> int:
        """From this line's top to the next's: Titillium's own line height is 1.55 times its
        size, looser than body text needs; at :data:`LEADING` a 7-inch panel shows a line more
        in six, and accents and descenders still clear each other."""
        return min(self.font.get_linesize(), round(self.size * LEADING))

    @property
    def height(self) -> int:
        return self.pitch + self.space_after


def _parts(scene: Scene, width: int, parts: Sequence[tuple[str, Role]],
           scale: float) -> list[list[_Row]]:
    """Each part wrapped into its rows (an empty part has none and is left out)."""
    spacing = round(scene.canvas.theme.gap * scale)
    wrapped: list[list[_Row]] = []
    for text, role in parts:
        if not text:
            continue
        size, weight, colour = _style(scene, role, scale)
        fnt = font(size, weight)
        lines = wrap(text, fnt, width)
        wrapped.append([_Row(fnt, size, colour, line, spacing if index == len(lines) - 1 else 0)
                        for index, line in enumerate(lines)])
    return wrapped


# Lines of a paragraph a page break may leave on either side of it, at the least.
KEEP_LINES = 2


def _paginate(parts: Sequence[Sequence[_Row]], height: int) -> list[list[_Row]]:
    """Pages of at most ``height``. A paragraph breaks across pages only with at least
    :data:`KEEP_LINES` lines on each side; otherwise it starts the next page whole (unless it
    is taller than a page)."""
    pages: list[list[_Row]] = [[]]
    used = 0
    for part in parts:
        need = sum(row.height for row in part) - part[-1].space_after
        if pages[-1] and used + need > height and need <= height:
            fit_here, room = 0, used
            for row in part:
                if room + row.pitch > height:
                    break
                fit_here, room = fit_here + 1, room + row.height
            if fit_here < KEEP_LINES or len(part) - fit_here < KEEP_LINES:
                pages.append([])
                used = 0
        for row in part:
            if pages[-1] and used + row.pitch > height:
                pages.append([])
                used = 0
            pages[-1].append(row)
            used += row.height
    return pages


def _draw_rows(scene: Scene, box: pygame.Rect, rows: Sequence[_Row], *, centre: bool,
               main: bool) -> None:
    """Draw ``rows`` at their pitch, clipped to ``box``; the ``main`` column's lines drawn are
    recorded in the layout."""
    y = box.y
    for row in rows:
        if y + row.pitch > box.bottom + 1:
            break
        image = row.font.render(row.text, True, row.colour)
        x = max(box.x, box.centerx - image.get_width() // 2) if centre else box.x
        scene.canvas.surface.blit(image, (x, y), area=pygame.Rect(0, 0, box.width,
                                                                   image.get_height()))
        if main:
            scene.canvas.shown.append((row.text, row.size))
        y += row.height


def _page_of(scene: Scene, pages: int) -> str:
    return scene.text(messages.PAGE_OF, page=min(scene.page, pages - 1) + 1, pages=pages)


def _page_control(scene: Scene, box: pygame.Rect, pages: int) -> None:
    """The arrows, "back" and "next", with "page 2 of 3" between them, in a row of ``box`` (a screen
    without buttons to put the arrows beside, or with too many)."""
    theme = scene.canvas.theme
    third = (box.width - 2 * theme.gap) // 3
    back = pygame.Rect(box.x, box.y, third, box.height)
    middle = pygame.Rect(back.right + theme.gap, box.y, third, box.height)
    forward = pygame.Rect(middle.right + theme.gap, box.y, box.right - middle.right - theme.gap,
                          box.height)
    labels = (scene.text(messages.PAGE_BACK), scene.text(messages.PAGE_NEXT))
    inner = back.width - 2 * theme.gap  # widgets.button_inner
    # Words, at the body's size, where both fit their third; chevrons where one would shrink
    # (the French "Précédente" in large text): a shrunk label reads worse than an arrow.
    fitting = all(label_lines(text, theme.text, inner) is not None for text in labels)
    _arrows(scene, back, forward, pages, labels=labels if fitting else None)
    label = _page_of(scene, pages)
    fnt, lines = fit(label, theme.text, Weight.SEMIBOLD, middle)
    text_block(scene.canvas.surface, lines, fnt, theme.palette.text, middle, centre=True,
               middle=True)


def _page_caption(scene: Scene, box: pygame.Rect, pages: int) -> None:
    """The "page 2 of 3" line at the column's foot, when the arrows stand beside the buttons."""
    size, weight, colour = _style(scene, Role.SMALL, 1.0)
    label = _page_of(scene, pages)
    text_block(scene.canvas.surface, [label], font(size, weight), colour, box)


def fits(scene: Scene, box: pygame.Rect, parts: Sequence[tuple[str, Role]]) -> bool:
    """Whether ``parts`` fit in ``box`` on one page (shrunk at most to :data:`MIN_SCALE`)."""
    wrapped = _parts(scene, box.width, parts, MIN_SCALE)
    return sum(row.height for part in wrapped for row in part) <= box.height


class Paging(enum.Enum):
    """What a text column does with a text too long for it."""

    NONE = "none"  # shrinks further (a caption that must stay in its place)
    OWN_ROW = "own-row"  # pages, with the arrows in a row of its own at its foot
    BESIDE_BUTTONS = "beside-buttons"  # pages; the caller's place_buttons draws the arrows


def paging_for(scene: Scene, box: pygame.Rect, items: Sequence[Item],
               columns: int | None = None) -> Paging:
    """How the text above the buttons :func:`place_buttons` draws in ``box`` turns pages."""
    if items and grid_for(scene, box, items, columns).beside:
        return Paging.BESIDE_BUTTONS
    return Paging.OWN_ROW


def text_column(scene: Scene, box: pygame.Rect, parts: Sequence[tuple[str, Role]],
                *, centre: bool = False, paging: Paging = Paging.OWN_ROW) -> int:
    """Draw ``parts`` top to bottom in ``box``, shrinking all together until they fit;
    returns how many pages the text takes.

    What does not fit at :data:`MIN_SCALE` is cut into pages, showing :attr:`Scene.page`;
    nothing is ever cut off unseen. A screen draws its text before its buttons, so that
    :func:`place_buttons` knows whether to add the arrows (:attr:`Paging.BESIDE_BUTTONS`).
    """
    theme = scene.canvas.theme
    small = font(*_style(scene, Role.SMALL, 1.0)[:2]).get_linesize()
    reserve = {Paging.NONE: box.height, Paging.OWN_ROW: theme.target + theme.gap,
               Paging.BESIDE_BUTTONS: small + theme.gap}[paging]
    room = box.height - reserve
    main = paging is not Paging.NONE
    scale = 1.0
    while True:
        wrapped = _parts(scene, box.width, parts, scale)
        rows = [row for part in wrapped for row in part]
        if sum(row.height for row in rows) <= box.height:
            _draw_rows(scene, box, rows, centre=centre, main=main)
            return 1
        tallest = max((row.pitch for row in rows), default=0)
        if scale <= FLOOR_SCALE or (scale <= MIN_SCALE and tallest <= room):
            break
        if scale == 1.0:
            # A text's height grows between linearly (lines that do not wrap) and with the
            # square of its size (lines that do): the square root of the overflow is where
            # the answer starts, so the search takes two or three steps, not seven.
            height = sum(row.height for row in rows)
            scale = max(MIN_SCALE + 0.05, min(1.0, math.sqrt(box.height / height) + 0.05))
        step = round(scale - 0.05, 2)
        # MIN_SCALE is tried before paging, and nothing below it unless pages cannot help.
        scale = MIN_SCALE if scale > MIN_SCALE > step else max(FLOOR_SCALE, step)
    if room < tallest:  # no room for pages either: what fits, as small as it may go
        _draw_rows(scene, box, rows, centre=centre, main=main)
        return 1
    chunks = _paginate(wrapped, room)
    _draw_rows(scene, pygame.Rect(box.x, box.y, box.width, room),
               chunks[min(scene.page, len(chunks) - 1)], centre=centre, main=True)
    foot = pygame.Rect(box.x, box.bottom - reserve + theme.gap, box.width, reserve - theme.gap)
    if paging is Paging.OWN_ROW:
        _page_control(scene, foot, len(chunks))
    else:
        _page_caption(scene, foot, len(chunks))
    scene.canvas.pages = len(chunks)
    return len(chunks)


NOTICE_FIRST = frozenset({Screen.TICKET_FILED})


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
    body = (scene.text(messages.body_id(view.screen)), Role.BODY)
    notice = view.facts.get("notice")
    alert = [(scene.text(notice), Role.ALERT)] if isinstance(notice, str) and \
        messages.is_message_id(notice) else []
    # A notice that says what to do instead of what the screen promised (no receipt: take a
    # photo of the number) comes first, where large text never pages it away.
    parts.extend([*alert, body] if view.screen in NOTICE_FIRST else [body, *alert])
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
