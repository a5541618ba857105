"""The technician's screen: shown by ``kiosk provision --screen`` while the kiosk cannot be set
up (no provisioning file, a wrong one, a back-office that refuses or cannot be reached), in
place of a kiosk that would crash and restart in a loop.

Nobody touches it: the technician reads it, fixes the file on the boot partition or the
network, and the next try (counted down on the screen) goes on by itself. It speaks Italian
and English at once, since the technician's language is not known before the file is read:
the title, what to do for the error code, the countdown; the sentence naming the file and the
key is the error's own (English, as in the journal and ``kiosk provision``'s output).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pygame

from kiosk.ui.fonts import Weight, font
from kiosk.ui.messages import Translator
from kiosk.ui.theme import Colour, Settings, theme_for
from kiosk.ui.widgets import wrap

TITLE = "setup.title"
CODE = "setup.code"  # {code}
RETRY = "setup.retry"  # {seconds}
RETRYING = "setup.retrying"
# What to do, per error code; any other code gets OTHER.
REMEDIES: Mapping[str, str] = {
    "PROVISION_MISSING": "setup.remedy.missing",
    "PROVISION_INVALID": "setup.remedy.invalid",
    "PROVISION_NO_TOKEN": "setup.remedy.no_token",
    "PROVISION_NAME_MISMATCH": "setup.remedy.name_mismatch",
    "PROVISION_WRITE_FAILED": "setup.remedy.write_failed",
    "ENROLL_UNREACHABLE": "setup.remedy.unreachable",
    "ENROLL_REFUSED": "setup.remedy.refused",
    "ENROLL_CA_MISMATCH": "setup.remedy.ca_mismatch",
}
OTHER = "setup.remedy.other"
# Below this the text no longer shrinks to fit (lines past the bottom are cut).
SMALLEST = 12


@dataclass(frozen=True)
class Problem:
    """Why the kiosk is not set up: an error's code and its sentence."""

    code: str
    detail: str


@dataclass(frozen=True)
class _Part:
    text: str
    scale: float
    weight: Weight
    colour: Colour


def draw(surface: pygame.Surface, problem: Problem, catalogs: Sequence[Translator],
         settings: Settings, *, seconds_left: int | None = None) -> list[str]:
    """Paint the screen; returns its lines as drawn, top to bottom (what a test reads back).
    ``seconds_left`` is the countdown to the next try; 0 means trying now, None no retry."""
    theme = theme_for(settings, surface.get_size())
    palette = theme.palette
    surface.fill(palette.background)
    width, height = surface.get_size()
    remedy = REMEDIES.get(problem.code, OTHER)
    title = "\n".join(catalog.text(TITLE) for catalog in catalogs)
    parts = [_Part(catalogs[0].text(CODE, code=problem.code), 1.2, Weight.BOLD, palette.error),
             _Part(problem.detail, 0.8, Weight.REGULAR, palette.muted)]
    parts += [_Part(catalog.text(remedy), 1.0, Weight.SEMIBOLD, palette.text)
              for catalog in catalogs]
    if seconds_left is not None:
        parts += [_Part(" / ".join(catalog.text(RETRY, seconds=seconds_left) if seconds_left
                                   else catalog.text(RETRYING) for catalog in catalogs),
                        0.8, Weight.REGULAR, palette.muted)]
    bar_font, bar_lines = _fit([_Part(title, 1.0, Weight.BOLD, palette.on_bar)],
                               theme.title, (width - 2 * theme.margin, height // 4), 0)[0]
    bar = pygame.Rect(0, 0, width, len(bar_lines) * bar_font.get_linesize() + 2 * theme.gap)
    surface.fill(palette.bar, bar)
    drawn = _blit(surface, bar_font, bar_lines, palette.on_bar, (theme.margin, theme.gap))
    box = pygame.Rect(theme.margin, bar.bottom + theme.margin, width - 2 * theme.margin,
                      height - bar.bottom - 2 * theme.margin)
    y = box.y
    for (fnt, lines), part in zip(_fit(parts, theme.text, box.size, theme.gap), parts,
                                  strict=True):
        drawn += _blit(surface, fnt, lines, part.colour, (box.x, y))
        y += len(lines) * fnt.get_linesize() + theme.gap
    return drawn


def _fit(parts: Sequence[_Part], size: int, box: tuple[int, int],
         gap: int) -> list[tuple[pygame.font.Font, list[str]]]:
    """Each part's font and lines at the largest common size whose whole, ``gap`` between
    parts, fits ``box``."""
    width, height = box
    while True:
        laid = []
        for part in parts:
            fnt = font(max(SMALLEST, round(size * part.scale)), part.weight)
            laid.append((fnt, wrap(part.text, fnt, width)))
        total = sum(len(lines) * fnt.get_linesize() + gap for fnt, lines in laid) - gap
        if total <= height or size <= SMALLEST:
            return laid
        size = max(SMALLEST, size * 9 // 10)


def _blit(surface: pygame.Surface, fnt: pygame.font.Font, lines: list[str], colour: Colour,
          at: tuple[int, int]) -> list[str]:
    x, y = at
    for line in lines:
        surface.blit(fnt.render(line, True, colour), (x, y))
        y += fnt.get_linesize()
    return lines
