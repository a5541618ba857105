"""``kiosk run`` on the sim profile: the real pygame loop on SDL's dummy driver."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pygame
import pytest

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.journeys import Screen
from kiosk.ui.widgets import Layout
from tests.conftest import ROOT, kiosk_command
from tests.ui.conftest import sim_config


def pump_until(kiosk: Kiosk, done: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"stuck at {kiosk.session.view.screen}"
        kiosk.pump(0.05)


def area(kiosk: Kiosk, name: str) -> pygame.Rect:
    """Where the last frame drew ``name``."""
    layout = kiosk.stage.layout
    assert layout is not None, "no frame drawn yet"
    return layout.named(name).rect


def touch(kiosk: Kiosk, name: str) -> None:
    """A finger on the centre of the area drawn as ``name``: posted FINGERDOWN and FINGERUP
    with normalised coordinates, as a touchscreen sends them (SDL does not turn posted touch
    events into mouse events, so the kiosk must handle them itself)."""
    x, y = area(kiosk, name).center
    width, height = kiosk.surface.get_size()
    for kind in (pygame.FINGERDOWN, pygame.FINGERUP):
        pygame.event.post(pygame.event.Event(kind, x=x / width, y=y / height, dx=0.0, dy=0.0,
                                             touch_id=1, finger_id=0, pressure=1.0))
    kiosk.pump(0.05)
    kiosk.pump(0.05)


def press(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))


def until_test_pin_asks_for_the_card(kiosk: Kiosk) -> None:
    """From the attract screen, by touch: Italian, "test my PIN", to "lay your card"."""
    touch(kiosk, "choice.start")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.LANGUAGE)
    touch(kiosk, "language.it")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.MENU)
    touch(kiosk, "choice.test_pin")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.LAY_CARD)


def test_a_complete_demo_card_is_created(kiosk: Kiosk, tmp_path: Path) -> None:
    assert (tmp_path / "card.json").exists()
    assert (tmp_path / "card.pki" / "csca.pem").exists()
    assert kiosk.session.view.screen is Screen.ATTRACT
    assert kiosk.surface.get_size() == (800, 480)


def test_test_my_pin_by_touch(kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []  # every line of text every frame put on the screen
    draw = kiosk.stage.draw

    def recording(surface: pygame.Surface) -> Layout:
        layout = draw(surface)
        shown.extend(text for text, _ in layout.shown)
        return layout

    monkeypatch.setattr(kiosk.stage, "draw", recording)
    until_test_pin_asks_for_the_card(kiosk)
    press(pygame.K_F2)  # the simulated panel lays the demo card on the reader
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.ENTER_PIN)
    for digit in "12345678":
        touch(kiosk, f"pad.key.{digit}")
    assert kiosk.session.view.pad is not None and kiosk.session.view.pad.entered == 8
    confirm = area(kiosk, "pad.confirm")
    assert kiosk.surface.get_rect().contains(confirm)
    assert kiosk.surface.get_at(confirm.center)[:3] != kiosk.surface.get_at((2, 240))[:3]
    touch(kiosk, "pad.confirm")
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.PIN_WORKS)
    facts = dict(kiosk.session.view.facts)
    assert "RSSMRA95A58H501Z" in str(facts.values())
    done = area(kiosk, "choice.done")
    assert kiosk.surface.get_rect().contains(done)
    screen_text = "\n".join(shown)
    assert "RSSMRA95A58H501Z" in screen_text  # the recording saw the result screen
    assert "12345678" not in screen_text.replace(" ", "")


def test_frames_are_drawn_only_when_something_changes(kiosk: Kiosk) -> None:
    drawn = kiosk.frames
    for _ in range(10):
        kiosk.pump(0.01)
    assert kiosk.frames == drawn
    touch(kiosk, "choice.start")
    assert kiosk.frames > drawn


def test_the_pin_is_never_spoken(tmp_path: Path) -> None:
    speaker = RecordingSpeaker()
    running = Kiosk(config.parse(sim_config(tmp_path), "test"), speaker=speaker)
    running.start()
    try:
        touch(running, "choice.start")
        touch(running, "language.it")
        touch(running, "choice.test_pin")
        press(pygame.K_F2)
        pump_until(running, lambda: running.session.view.screen is Screen.ENTER_PIN)
        for digit in "12345678":
            touch(running, f"pad.key.{digit}")
    finally:
        running.stop()
    said = " ".join(text for _language, text in speaker.said)
    assert "Cifra 8 di 8 inserita" in said
    assert "12345678" not in said and "1234" not in said and "5678" not in said


def test_no_display_is_a_clear_error(tmp_path: Path) -> None:
    conf = tmp_path / "kiosk.toml"
    conf.write_text(sim_config(tmp_path).replace('mode = "headless"', 'mode = "window"'))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = "x11"
    done = subprocess.run(kiosk_command("run", "--config", str(conf)), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "DISPLAY_UNAVAILABLE" in done.stderr
