"""The UI's side of the loop: the view on screen, the citizen's display choices, the focus ring
and the animation frame, behind the three calls of pygame_gui's manager (style-models.md §5).

The screens themselves hold no state (they are pure functions of the View, see
:mod:`kiosk.ui.render`), so what Tuxemon keeps in one object per screen lives here once: the
focus ring and the page of a long text are dropped when the screen changes (``enter``), the
reading animation steps in ``update``, and the accessibility button and the page arrows are
handled here, never sent to the journeys. The
inactivity warning needs no stack: the session puts it in the View, and the renderer draws it
on top, modal. Example, in the app's loop::

    stage = Stage(Catalog, Settings(dpi=config.dpi))
    stage.enter(session.view)
    for event in pygame.event.get():
        action = stage.handle(event)
        if action is not None:
            stage.enter(session.handle(action))
    if stage.update(dt) or changed:
        stage.draw(surface); pygame.display.flip()
"""

from __future__ import annotations

from collections.abc import Callable

import pygame

from kiosk.journeys.events import PersonEvent
from kiosk.journeys.views import Language, Screen, View
from kiosk.ui import render
from kiosk.ui.input import InputMapper
from kiosk.ui.messages import Translator
from kiosk.ui.theme import Settings
from kiosk.ui.widgets import Layout, UiAction

# Screens that animate, and how long one frame of their animation stays.
ANIMATED = frozenset({Screen.WORKING})
FRAME_SECONDS = 0.4


class Stage:
    """What is on the screen and how the citizen wants it drawn (see the module docstring)."""

    def __init__(self, catalog: Callable[[Language], Translator], settings: Settings,
                 view: View | None = None) -> None:
        self._catalog = catalog
        self._translators: dict[Language, Translator] = {}
        self.settings = settings
        self.view = view or View(Screen.ATTRACT, can_cancel=False)
        self.frame = 0
        self.page = 0
        self.mapper = InputMapper()
        self.layout: Layout | None = None
        self._elapsed = 0.0
        self.dirty = True

    def enter(self, view: View) -> None:
        """Show ``view`` (the session's latest); a new screen, or the help overlay opened or
        closed, starts without a focus ring and on its first page."""
        if view == self.view:
            return
        if view.screen is not self.view.screen or view.language is not self.view.language \
                or view.help != self.view.help:
            self.mapper.reset()
            self.page = 0
        self.view, self.dirty = view, True

    def handle(self, event: pygame.event.Event) -> PersonEvent | None:
        """The journey event for a pygame event, if any (display choices are handled here)."""
        if self.layout is None:
            return None
        focus = self.mapper.focus
        action = self.mapper.handle(event, self.layout)
        if self.mapper.focus != focus:
            self.dirty = True
        match action:
            case UiAction.ACCESSIBILITY:
                # Another text size lays the text out again: from its first page.
                self.settings, self.page, self.dirty = self.settings.next_accessibility(), 0, True
            case UiAction.PAGE_NEXT | UiAction.PAGE_BACK:
                step = 1 if action is UiAction.PAGE_NEXT else -1
                page = max(0, min(self.layout.pages - 1, self.page + step))
                self.page, self.dirty = page, self.dirty or page != self.page
            case UiAction():
                raise AssertionError(action)
            case _:
                return action
        return None

    def update(self, seconds: float) -> bool:
        """Let time pass; returns whether the screen must be drawn again."""
        if self.view.screen in ANIMATED:
            self._elapsed += seconds
            while self._elapsed >= FRAME_SECONDS:
                self._elapsed -= FRAME_SECONDS
                self.frame, self.dirty = self.frame + 1, True
        return self.dirty

    def translator(self) -> Translator:
        language = self.view.language
        if language not in self._translators:
            self._translators[language] = self._catalog(language)
        return self._translators[language]

    def draw(self, surface: pygame.Surface) -> Layout:
        self.layout = render.draw(surface, self.view, self.translator(), self.settings,
                                  frame=self.frame, focus=self.mapper.focus, page=self.page)
        self.dirty = False
        return self.layout
