"""Touches, clicks and keys → journey events, through the hit areas of the last drawn frame.

- Touch: ``FINGERDOWN`` carries x, y normalised to 0..1; they become pixels of the layout's
  size. SDL turns real touches into mouse events too (``event.touch`` is then true): those
  are dropped, so one tap is one event. Posted FINGER events (tests) get no mouse twin.
- Mouse: a left click (``MOUSEBUTTONDOWN``, button 1).
- Physical keypad: digits (top row or keypad) type on a PIN pad, Backspace deletes, Enter
  confirms — or, once the arrows have moved the focus ring onto a button, Enter presses that
  button (the arrows reach the top bar's too: accessibility, help, languages). Elsewhere digit
  N presses the screen's N-th button (its choices, then the way back), the number the speech
  gives it, and 0 the help button. Escape takes the way back where the screen offers one.
  Page Down and Page Up turn the pages of a text too long for the screen.

The mapper keeps one piece of UI state, the focus index, which the loop passes to
:func:`kiosk.ui.render.draw`; :meth:`InputMapper.reset` drops it when the screen changes.
Example::

    mapper = InputMapper()
    for event in pygame.event.get():
        action = mapper.handle(event, layout)
        if isinstance(action, UiAction): settings = settings.next_accessibility()
        elif action is not None: view = session.handle(action)
"""

from __future__ import annotations

import pygame

from kiosk.journeys.events import Cancel, Confirmed, DigitDeleted, DigitTyped
from kiosk.ui import messages
from kiosk.ui.widgets import Action, HitArea, Layout, UiAction

DIGIT_KEYS = {
    **{getattr(pygame, f"K_{n}"): n for n in range(10)},
    **{getattr(pygame, f"K_KP{n}"): n for n in range(10)},
}
ENTER_KEYS = {pygame.K_RETURN, pygame.K_KP_ENTER}
DELETE_KEYS = {pygame.K_BACKSPACE, pygame.K_DELETE}
# The hit areas of the view's choices are named by their message id, "choice.retry".
CHOICE_PREFIX = "choice."
# Buttons numbered after the choices: the way back, and the help overlay's own.
_NUMBERED = frozenset({messages.CANCEL, messages.HELP_CLOSE})
PAGE_KEYS = {pygame.K_PAGEDOWN: UiAction.PAGE_NEXT, pygame.K_PAGEUP: UiAction.PAGE_BACK}
# Arrow → direction (dx, dy) on the screen.
ARROWS = {
    pygame.K_LEFT: (-1, 0),
    pygame.K_RIGHT: (1, 0),
    pygame.K_UP: (0, -1),
    pygame.K_DOWN: (0, 1),
}


def _nearest(areas: tuple[HitArea, ...], start: int, direction: tuple[int, int]) -> int:
    """The area nearest to ``areas[start]`` in ``direction`` (the same one if none lies there).

    Distance along the direction counts once, across it three times, so "down" prefers the
    key right below to a nearer one diagonally below.
    """
    dx, dy = direction
    cx, cy = areas[start].rect.center
    best, best_score = start, float("inf")
    for index, area in enumerate(areas):
        ox, oy = area.rect.centerx - cx, area.rect.centery - cy
        along = ox * dx + oy * dy
        if index == start or along <= 0:
            continue
        across = abs(ox * dy) + abs(oy * dx)
        score = along + 3 * across
        if score < best_score:
            best, best_score = index, score
    return best


class InputMapper:
    """Turns pygame events into journey events (or a :class:`UiAction`) for one layout."""

    def __init__(self) -> None:
        self.focus: int | None = None

    def reset(self) -> None:
        """Forget the focus ring (the loop calls this when the screen changes)."""
        self.focus = None

    def handle(self, event: pygame.event.Event, layout: Layout) -> Action | None:
        if event.type == pygame.FINGERDOWN:
            width, height = layout.size
            return self._tap(layout, (int(event.x * width), int(event.y * height)))
        if event.type == pygame.MOUSEBUTTONDOWN:
            if event.button != 1 or getattr(event, "touch", False):
                return None
            return self._tap(layout, event.pos)
        if event.type == pygame.KEYDOWN:
            return self._key(event.key, layout)
        return None

    def _tap(self, layout: Layout, pos: tuple[int, int]) -> Action | None:
        area = layout.hit(pos)
        if area is None:
            return None
        self.focus = None
        return area.action

    def _key(self, key: int, layout: Layout) -> Action | None:
        if key in ARROWS and layout.areas:
            if self.focus is None:
                self.focus = layout.home
            else:
                start = self.focus % len(layout.areas)
                self.focus = _nearest(layout.areas, start, ARROWS[key])
            return None
        if key in ENTER_KEYS:
            if self.focus is not None and layout.areas:
                return layout.areas[self.focus % len(layout.areas)].action
            return Confirmed() if layout.has_pad else None
        if key in DIGIT_KEYS and layout.has_pad:
            return DigitTyped(0x30 + DIGIT_KEYS[key])
        if key in DIGIT_KEYS:
            buttons = [area for area in layout.areas
                       if area.name.startswith(CHOICE_PREFIX) or area.name in _NUMBERED]
            number = DIGIT_KEYS[key]
            if number == 0:
                helps = [area for area in layout.areas if area.name == messages.HELP]
                return helps[0].action if helps else None
            return buttons[number - 1].action if number <= len(buttons) else None
        if key in DELETE_KEYS and layout.has_pad:
            return DigitDeleted()
        if key in PAGE_KEYS and layout.pages > 1:
            return PAGE_KEYS[key]
        if key == pygame.K_ESCAPE and any(isinstance(a.action, Cancel) for a in layout.areas):
            return Cancel()
        return None
