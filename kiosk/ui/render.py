"""The renderer: paints a journey :class:`~kiosk.journeys.views.View` and says where it drew
the buttons.

:func:`draw` is pure in the sense of Tuxemon's ``State.draw``: it changes nothing but the
surface's pixels and returns a :class:`~kiosk.ui.widgets.Layout` (hit areas → the event each
sends). Every screen has the same top bar, with the accessibility button and the help button
("call a clerk") on the left and the language switch (one key per language, the current one
highlighted) on the right: the help button is the bar's, not a journey's, so a screen added
later has it too. The help overlay covers the screen below the bar; the inactivity warning is
drawn over everything and is then the only thing that can be touched.
Example::

    layout = draw(surface, session.view, Catalog(language), Settings(dpi=160), frame=n)
    event = mapper.handle(pygame_event, layout)
"""

from __future__ import annotations

from collections.abc import Callable

import pygame

from kiosk.journeys.events import CallClerk, LanguageChosen
from kiosk.journeys.views import Language, Screen, View
from kiosk.ui import icons, messages, pinpad
from kiosk.ui.messages import Translator
from kiosk.ui.screens import (
    Scene,
    card,
    help_overlay,
    identity,
    info,
    keyboard,
    qr,
    ticket,
    warning,
)
from kiosk.ui.theme import Settings, theme_for
from kiosk.ui.widgets import Canvas, Layout, Look, UiAction, button, focus_ring, icon_button

# The help button's widest, in touch targets: on a wide panel it stays a button, not a bar.
HELP_MAX_TARGETS = 4

ScreenDraw = Callable[[Scene], None]

# Screens with a drawing of their own; the others are text and buttons (info.draw).
SCREENS: dict[Screen, ScreenDraw] = {
    Screen.LANGUAGE: info.draw_language,
    Screen.LAY_CARD: card.draw_lay_card,
    Screen.LAY_CARD_HELP: card.draw_lay_card,
    Screen.CARD_REMOVED: card.draw_lay_card,
    Screen.CARD_IN_DOUBT: card.draw_lay_card,
    Screen.WORKING: card.draw_working,
    Screen.PUK_RECOVERY_APP: qr.draw,
    Screen.HANDOFF_IDENTITY: identity.draw,
    Screen.ENTER_EMAIL: keyboard.draw,
    Screen.TICKET_FILED: ticket.draw,
    Screen.PHONE_QR: qr.draw,
    Screen.ACTIVATION_LEVELS_1_2: qr.draw,
    Screen.ACTIVATION_CIEID_APP: qr.draw,
    Screen.ACTIVATION_PUK_BLOCKED: qr.draw,
    Screen.ACTIVATION_PUK_WHERE: card.draw_puk_receipt,
    Screen.RENEWAL: qr.draw,
}


def screen_draw(view: View) -> ScreenDraw:
    if view.pad is not None:
        return pinpad.draw
    return SCREENS.get(view.screen, info.draw)


def _accessibility_icon(canvas: Canvas, rect: pygame.Rect) -> None:
    """The universal access figure: a head, open arms and legs inside a ring."""
    ink = canvas.theme.palette.on_bar
    surface, unit = canvas.surface, max(4, rect.width // 10)
    cx, cy = rect.center
    pygame.draw.circle(surface, ink, rect.center, unit * 4, width=max(2, unit // 2))
    pygame.draw.circle(surface, ink, (cx, cy - unit * 2), unit)
    width = max(2, unit // 2 + 1)
    pygame.draw.line(surface, ink, (cx - unit * 2, cy - unit // 2), (cx + unit * 2, cy - unit // 2),
                     width)
    pygame.draw.line(surface, ink, (cx, cy - unit // 2), (cx, cy + unit), width)
    pygame.draw.line(surface, ink, (cx, cy + unit), (cx - unit, cy + unit * 5 // 2), width)
    pygame.draw.line(surface, ink, (cx, cy + unit), (cx + unit, cy + unit * 5 // 2), width)


def top_bar(canvas: Canvas, view: View, tr: Translator) -> pygame.Rect:
    """Draw the bar; returns the content box below it (inside the margins). Focus order:
    accessibility, help, the languages."""
    theme = canvas.theme
    width, height = canvas.surface.get_size()
    bar = pygame.Rect(0, 0, width, theme.target + 2 * theme.gap)
    canvas.surface.fill(theme.palette.bar, bar)
    access = pygame.Rect(theme.margin, theme.gap, theme.target, theme.target)
    button(canvas, access, "", UiAction.ACCESSIBILITY, messages.ACCESSIBILITY, look=Look.BAR)
    _accessibility_icon(canvas, access)
    languages = len(Language) * (theme.target + theme.gap)
    help_width = min(width - theme.margin - languages - access.right - 2 * theme.gap,
                     HELP_MAX_TARGETS * theme.target)
    help_rect = pygame.Rect(access.right + 2 * theme.gap, theme.gap,
                            max(theme.target, help_width), theme.target)
    icon_button(canvas, help_rect, icons.PERSON, tr.text(messages.HELP), action=CallClerk(),
                name=messages.HELP, look=Look.HELP)
    x = width - theme.margin
    for language in reversed(Language):
        rect = pygame.Rect(x - theme.target, theme.gap, theme.target, theme.target)
        look = Look.BAR_CURRENT if language is view.language else Look.BAR
        # A language's code is its accessible short name (web-eid's switch), not a sentence.
        button(canvas, rect, language.value.upper(), LanguageChosen(language),
               f"language.{language.value}", look=look)
        x = rect.x - theme.gap
    return pygame.Rect(theme.margin, bar.bottom + theme.margin, width - 2 * theme.margin,
                       height - bar.bottom - 2 * theme.margin)


def draw(surface: pygame.Surface, view: View, catalog: Translator, settings: Settings,
         *, frame: int = 0, focus: int | None = None, page: int = 0) -> Layout:
    """Paint ``view`` on ``surface``; returns the hit areas drawn, in focus order.

    ``frame`` is the animation step (the reading screen's waves); ``focus`` the index of the
    area the physical keypad has reached, drawn with a ring (taken modulo the areas); ``page``
    the page of a text too long for the screen (the last one if there are fewer).
    """
    canvas = Canvas(surface, theme_for(settings, surface.get_size()))
    surface.fill(canvas.theme.palette.background)
    content = top_bar(canvas, view, catalog)
    canvas.home = len(canvas.areas)
    scene = Scene(canvas, view, catalog, frame, content, page)
    screen_draw(view)(scene)
    if view.help is not None:
        help_overlay.draw(scene, view.help)
    if view.warning is not None:
        warning.draw(scene, view.warning)
    if focus is not None and canvas.areas:
        focus_ring(canvas, canvas.areas[focus % len(canvas.areas)].rect)
    return canvas.layout()
