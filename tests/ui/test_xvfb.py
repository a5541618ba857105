"""``kiosk run --window`` in a real X server (Xvfb), clicked by xdotool as a person would:
real X events, SDL's own mouse handling, the real window surface."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest
from PIL import Image, ImageGrab

from kiosk.journeys import Choice, Language, Screen, View
from kiosk.ui import render
from kiosk.ui.i18n import Catalog
from kiosk.ui.theme import Settings
from kiosk.ui.widgets import Layout
from tests.conftest import ROOT, kiosk_command

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("Xvfb") or not shutil.which("xdotool"),
                       reason="Xvfb and xdotool are installed by scripts/dev.sh"),
]
SIZE = (800, 480)


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    number = 90 + os.getpid() % 500
    name = f":{number}"
    # A screen the size of the window: SDL centres it, so it lies at the origin (there is no
    # window manager to ask, and without one a window's title is not searchable).
    server = subprocess.Popen(["Xvfb", name, "-screen", "0", "800x480x24", "-nolisten", "tcp"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not Path(f"/tmp/.X11-unix/X{number}").exists():
        assert time.monotonic() < deadline, "Xvfb did not start"
        time.sleep(0.05)
    yield name
    server.terminate()
    server.wait()


def expected(view: View) -> tuple[pygame.Surface, Layout]:
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    pygame.display.init()
    surface = pygame.Surface(SIZE)
    layout = render.draw(surface, view, Catalog("it"), Settings())
    return surface, layout


def grab(display: str, origin: tuple[int, int]) -> Image.Image:
    x, y = origin
    return ImageGrab.grab(bbox=(x, y, x + SIZE[0], y + SIZE[1]), xdisplay=display).convert("RGB")


def same(image: Image.Image, surface: pygame.Surface, points: list[tuple[int, int]]) -> bool:
    return all(image.getpixel(point) == surface.get_at(point)[:3] for point in points)


def test_a_real_click_starts_the_session(display: str, tmp_path: Path) -> None:
    conf = tmp_path / "kiosk.toml"
    conf.write_text(f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{tmp_path}"\n'
                    'display = { mode = "window", size = [800, 480] }\n')
    env = dict(os.environ, DISPLAY=display, SDL_VIDEODRIVER="x11", SDL_AUDIODRIVER="dummy")
    kiosk = subprocess.Popen(kiosk_command("run", "--window", "--config", str(conf)), cwd=ROOT,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        origin = (0, 0)
        attract, layout = expected(View(Screen.ATTRACT, options=(Choice.START,)))
        start = layout.named("choice.start").rect
        points = [start.center, (start.left + 3, start.centery), (10, 10), (400, 470)]
        deadline = time.monotonic() + 20
        while not same(grab(display, origin), attract, points):
            assert time.monotonic() < deadline, "the attract screen never appeared"
            time.sleep(0.2)
        subprocess.run(["xdotool", "mousemove", str(origin[0] + start.centerx),
                        str(origin[1] + start.centery), "click", "1"], env=env, check=True,
                       timeout=10)
        chooser, chooser_layout = expected(View(Screen.LANGUAGE, language=Language.IT))
        italian = chooser_layout.named("language.it").rect
        deadline = time.monotonic() + 20
        while not same(grab(display, origin), chooser, [italian.center, (italian.left + 3,
                                                                         italian.centery)]):
            assert time.monotonic() < deadline, "the click did not lead to the language screen"
            time.sleep(0.2)
    finally:
        kiosk.terminate()
        _out, err = kiosk.communicate(timeout=20)
    assert "Traceback" not in err.decode()
