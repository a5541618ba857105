"""Titillium Web (Designers Italia's typeface, SIL OFL, from the ``fontpkg-titillium-web``
package), opened once per weight and size.

pygame's default font stands in only where the package is missing (a bare development
checkout); the kiosk image always has it.
"""

from __future__ import annotations

import enum
import functools
import importlib.resources
from pathlib import Path

import pygame

FONT_PACKAGE = "fontpkg_titillium_web"


class Weight(enum.Enum):
    REGULAR = "Regular"
    SEMIBOLD = "SemiBold"
    BOLD = "Bold"


@functools.cache
def font_file(weight: Weight) -> Path | None:
    """The TrueType file of ``weight``, or None without the font package."""
    try:
        folder = importlib.resources.files(FONT_PACKAGE).joinpath("files")
    except ModuleNotFoundError:
        return None
    path = Path(str(folder.joinpath(f"TitilliumWeb-{weight.value}.ttf")))
    return path if path.is_file() else None


_opened: dict[tuple[int, Weight], pygame.font.Font] = {}
# A Font outlives neither pygame.quit() nor pygame.font.quit(): using one after is a crash.
# pygame.quit() tells us, but runs each registered callback once and then forgets it, so the
# callback is registered again whenever the cache starts filling; a bare pygame.font.quit()
# shows as pygame.font not being initialised.


def font(size: int, weight: Weight = Weight.REGULAR) -> pygame.font.Font:
    """The font at ``size`` pixels; initialises pygame.font, and reopens after a quit."""
    if not pygame.font.get_init():
        pygame.font.init()
        _opened.clear()  # fonts opened before pygame.font.quit() are dead
    if not _opened:
        pygame.register_quit(_opened.clear)
    key = (max(size, 8), weight)
    if key not in _opened:
        path = font_file(weight)
        _opened[key] = pygame.font.Font(str(path) if path else None, key[0])
    return _opened[key]
