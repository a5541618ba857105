"""The image draws with Debian's pygame: its SDL has the kmsdrm display, the one a Pi with no
desktop has, which the SDL inside pygame's PyPI wheels lacks (image/wheelhouse.py). Every
screen the kiosk can show is drawn in the amd64 twin of the image's root filesystem with the
pygame the image runs, so code that needs a newer pygame than Debian bookworm's fails here,
not on a Pi.

The tree is read-only to the test: Python writes no bytecode, pygame draws into a surface.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from kiosk.cli.ui import SCENARIOS
from tests.appliance import rootfs

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="mmdebstrap and chroot need root"),
    pytest.mark.timeout(900),  # a fresh machine builds the root filesystem first
]

# Run with the image's /opt/kiosk/bin/python. The SDL is the one pygame loaded (read from
# the process's memory map), asked for its display drivers.
DRAW_EVERY_SCREEN = """
import ctypes, json, os
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
import pygame
from kiosk.cli.ui import SCENARIOS, drive
from kiosk.ui import render
from kiosk.ui.i18n import Catalog
from kiosk.ui.theme import Settings

with open("/proc/self/maps") as maps:
    sdl_path = next(line.split()[-1] for line in maps if "/libSDL2-2" in line)
sdl = ctypes.CDLL(sdl_path)
sdl.SDL_GetVideoDriver.restype = ctypes.c_char_p
drivers = [sdl.SDL_GetVideoDriver(i).decode() for i in range(sdl.SDL_GetNumVideoDrivers())]
pygame.display.init()
pygame.font.init()
surface = pygame.Surface((800, 480))
drawn = []
for name, scenario in SCENARIOS.items():
    render.draw(surface, drive(scenario, "it"), Catalog("it"), Settings())
    drawn.append(name)
print(json.dumps({"pygame": pygame.__file__, "version": pygame.version.ver, "sdl": sdl_path,
                  "drivers": drivers, "drawn": drawn}))
"""


@pytest.fixture(scope="module")
def drawn_in_the_image() -> dict[str, Any]:
    output = rootfs.in_root(rootfs.tree(), "env", "PYTHONDONTWRITEBYTECODE=1", "HOME=/nonexistent",
                            f"{rootfs.VENV}/bin/python", "-c", DRAW_EVERY_SCREEN)
    result: dict[str, Any] = json.loads(output.splitlines()[-1])
    return result


def test_the_image_runs_debians_pygame_on_debians_sdl(
        drawn_in_the_image: dict[str, Any]) -> None:
    assert str(drawn_in_the_image["pygame"]).startswith("/usr/lib/python3/dist-packages/pygame/")
    assert str(drawn_in_the_image["sdl"]).startswith("/usr/lib/")


def test_its_sdl_can_draw_on_a_screen_with_no_desktop(
        drawn_in_the_image: dict[str, Any]) -> None:
    drivers = [name.lower() for name in drawn_in_the_image["drivers"]]
    assert "kmsdrm" in drivers


def test_every_screen_draws_with_the_images_pygame(
        drawn_in_the_image: dict[str, Any]) -> None:
    assert drawn_in_the_image["drawn"] == list(SCENARIOS)
