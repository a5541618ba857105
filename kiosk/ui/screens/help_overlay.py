"""The "call a clerk" overlay: what the desk knows of the call, and the way back to the screen.

It covers the whole screen below the top bar, opaque: a citizen who asked for help may step
aside to wait, and what the screen showed (a name, a codice fiscale) must not stay in view of
the next person in the hall. The top bar stays, so the text can still grow or change language;
the screen's own buttons are gone until the overlay is closed (the session ignores them too).
"""

from __future__ import annotations

import pygame

from kiosk.journeys.events import CloseHelp
from kiosk.journeys.views import HelpView
from kiosk.ui import messages
from kiosk.ui.screens import (
    Item,
    Role,
    Scene,
    above_buttons,
    paging_for,
    place_buttons,
    text_column,
)
from kiosk.ui.widgets import Look


def draw(scene: Scene, help_view: HelpView) -> None:
    canvas = scene.canvas
    theme = canvas.theme
    del canvas.areas[canvas.home:]
    canvas.marks.clear()
    canvas.shown.clear()
    canvas.labels[:] = [label for label in canvas.labels
                        if any(area.name == label[0] for area in canvas.areas)]
    canvas.has_pad = False
    canvas.pages = 1
    width, height = canvas.surface.get_size()
    top = scene.content.y - theme.margin
    canvas.surface.fill(theme.palette.background, pygame.Rect(0, top, width, height - top))
    canvas.marks["help"] = scene.content
    items = [Item(scene.text(messages.HELP_CLOSE), CloseHelp(), messages.HELP_CLOSE,
                  Look.PRIMARY)]
    box = above_buttons(scene, scene.content, items)
    desk = help_view.desk.value
    pages = text_column(scene, box, [(scene.text(f"{desk}.title"), Role.TITLE),
                                     (scene.text(f"{desk}.body"), Role.BODY)],
                        paging=paging_for(scene, scene.content, items))
    place_buttons(scene, scene.content, items, pages=pages)
