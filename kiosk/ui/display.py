"""Opening the screen: fullscreen on the kiosk, a window on a desk, nothing in tests.

SDL picks its video driver from ``SDL_VIDEODRIVER`` when the display is initialised, so the
choice is made here, before ``pygame.display.init``: ``dummy`` for headless runs, the configured
driver (``kmsdrm`` on the Pi, which draws without a desktop) otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame

from kiosk.errors import KioskError

DEFAULT_WINDOW = (800, 480)


class DisplayUnavailable(KioskError):
    code = "DISPLAY_UNAVAILABLE"


def open_display(mode: str, size: tuple[int, int] | None, driver: str | None) -> pygame.Surface:
    if mode == "headless":
        os.environ["SDL_VIDEODRIVER"] = "dummy"
    elif driver:
        os.environ["SDL_VIDEODRIVER"] = driver
    if driver == "kmsdrm":
        # With no desktop, SDL shows the window's surface through a renderer on EGL, and by
        # default picks desktop OpenGL for it, which KMS/DRM's EGL (GLES only) cannot give:
        # every frame comes out black (seen booting the image under qemu). GLES2 draws.
        os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "opengles2")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    try:
        pygame.display.init()
        pygame.font.init()
        if mode == "fullscreen":
            surface = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN)
            pygame.mouse.set_visible(False)
        else:
            surface = pygame.display.set_mode(size or DEFAULT_WINDOW)
    except pygame.error as exc:
        pygame.quit()
        hint = " (try --headless, or --window on a desktop)" if mode != "headless" else ""
        raise DisplayUnavailable(f"cannot open the display: {exc}{hint}") from None
    pygame.display.set_caption("Kiosk CIE")
    return surface
