"""Shared by the renderer's tests: SDL's dummy driver, the four panel sizes, the two
accessibility modes, a translator that shows message ids, and the View of every screen as a
real session shows it (driven by ``kiosk screenshot``'s scenarios on the virtual card)."""

from __future__ import annotations

import functools
import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk.cli.ui import SCENARIOS, drive
from kiosk.journeys import View
from kiosk.ui.theme import Settings

SIZES = [(800, 480), (1280, 800), (1920, 1080), (720, 1280)]
MODES = [Settings(), Settings(large_text=True, high_contrast=True)]


def init() -> None:
    pygame.display.init()
    pygame.font.init()


class Ids:
    """A translator double: the id and its values, and a record of what was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict[str, object]]] = []

    def text(self, message_id: str, **values: object) -> str:
        self.asked.append((message_id, values))
        shown = " ".join(f"{key}={value}" for key, value in values.items())
        return f"{message_id} {shown}".strip()


@functools.cache
def session_views() -> dict[str, View]:
    """Every scenario's View, each reached by a real session on a fresh virtual card."""
    return {name: drive(scenario, "it") for name, scenario in SCENARIOS.items()}


def pixel(surface: pygame.Surface, pos: tuple[int, int]) -> tuple[int, int, int]:
    colour = surface.get_at(pos)
    return (colour.r, colour.g, colour.b)
