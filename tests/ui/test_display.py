"""Opening the screen: the driver the configuration names, and what SDL is asked for with it.
Each case runs in its own process, since SDL reads its environment once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

OPEN = """
import json, os, sys
from kiosk.ui.display import DisplayUnavailable, open_display
mode, driver = sys.argv[1], sys.argv[2] or None
try:
    surface = open_display(mode, (320, 200), driver)
    opened = list(surface.get_size())
except DisplayUnavailable as exc:
    opened = exc.code
print(json.dumps({"opened": opened, "driver": os.environ.get("SDL_VIDEODRIVER"),
                  "framebuffer": os.environ.get("SDL_FRAMEBUFFER_ACCELERATION")}))
"""


def open_in_a_process(mode: str, driver: str) -> dict[str, object]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("SDL_")}
    done = subprocess.run([sys.executable, "-c", OPEN, mode, driver], env=environment,
                          capture_output=True, text=True, check=True, timeout=60)
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_headless_draws_into_a_surface_of_the_size_asked() -> None:
    assert open_in_a_process("headless", "")["opened"] == [320, 200]


def test_the_kiosks_screen_asks_sdl_for_gles2_to_show_its_frames() -> None:
    # Here the display does not open (no DRM device, or a desktop holds it) and says so with
    # its code; what SDL was asked for is what the Pi, and the image under qemu, gets.
    result = open_in_a_process("fullscreen", "kmsdrm")
    assert result["opened"] in ("DISPLAY_UNAVAILABLE", [320, 200])
    assert result["driver"] == "kmsdrm"
    assert result["framebuffer"] == "opengles2"
