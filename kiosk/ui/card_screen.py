"""The first screen of the kiosk: "lay your card on the reader", then what the card said.

It is a pure renderer: :func:`draw` paints a :class:`View` and changes nothing, so the loop can
redraw only when the view changes. Colours are the Designers Italia palette (primary blue
#0066CC on white, text #17324D), the public administration's visual language. Strings are
Italian only for now; translations arrive with the journeys.
"""

from __future__ import annotations

from dataclasses import dataclass

import pygame

BLUE = (0x00, 0x66, 0xCC)
WHITE = (0xFF, 0xFF, 0xFF)
TEXT = (0x17, 0x32, 0x4D)
ERROR = (0xD9, 0x36, 0x4F)


@dataclass(frozen=True, slots=True)
class WaitingForCard:
    pass


@dataclass(frozen=True, slots=True)
class ReadingCard:
    pass


@dataclass(frozen=True, slots=True)
class CardRead:
    nis: str


@dataclass(frozen=True, slots=True)
class CardFailed:
    code: str


View = WaitingForCard | ReadingCard | CardRead | CardFailed


def _lines(view: View) -> tuple[str, list[str], tuple[int, int, int]]:
    """Title, body lines and title colour of a view."""
    match view:
        case WaitingForCard():
            hold = "Tieni la carta ferma finché non compare il risultato."
            return "Appoggia la carta sul lettore", [hold], TEXT
        case ReadingCard():
            return "Lettura della carta…", ["Tieni la carta ferma."], TEXT
        case CardRead(nis=nis):
            grouped = " ".join(nis[i : i + 4] for i in range(0, len(nis), 4))
            return "Carta letta", [f"NIS {grouped}", "Puoi togliere la carta."], TEXT
        case CardFailed(code=code):
            return "Carta non leggibile", ["Togli la carta e riprova.", f"Codice: {code}"], ERROR


def draw(surface: pygame.Surface, view: View, hint: str | None = None) -> None:
    width, height = surface.get_size()
    unit = max(height // 24, 8)
    surface.fill(WHITE)
    band = pygame.Rect(0, 0, width, unit * 3)
    surface.fill(BLUE, band)
    header = pygame.font.Font(None, unit * 2).render("Carta d'Identità Elettronica", True, WHITE)
    surface.blit(header, header.get_rect(midleft=(unit, band.centery)))
    title_text, body, colour = _lines(view)
    title = pygame.font.Font(None, unit * 3).render(title_text, True, colour)
    y = band.bottom + unit * 4
    surface.blit(title, title.get_rect(midtop=(width // 2, y)))
    y += title.get_height() + unit * 2
    body_font = pygame.font.Font(None, unit * 2)
    for line in body:
        rendered = body_font.render(line, True, TEXT)
        surface.blit(rendered, rendered.get_rect(midtop=(width // 2, y)))
        y += rendered.get_height() + unit
    if hint:
        small = pygame.font.Font(None, unit + unit // 2).render(hint, True, BLUE)
        surface.blit(small, small.get_rect(midbottom=(width // 2, height - unit)))
