"""``kiosk run`` on the sim profile: the real pygame loop on SDL's dummy driver."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pygame
import pytest

from kiosk import config
from kiosk.app import Kiosk
from kiosk.ui import card_screen
from tests.conftest import ROOT, kiosk_command

NIS = "910718464654"


def sim_config(state_dir: Path, extra: str = "") -> str:
    return (f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "{state_dir}"\n'
            f'display = {{ mode = "headless", size = [800, 480] }}\n{extra}')


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Kiosk]:
    running = Kiosk(config.parse(sim_config(tmp_path), "test"))
    running.start()
    yield running
    running.stop()


def pump_until(kiosk: Kiosk, done: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, f"stuck at {kiosk.view}"
        kiosk.pump(0.05)


def press(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))


def dark_pixels(surface: pygame.Surface, area: pygame.Rect) -> int:
    return sum(
        1
        for x in range(area.left, area.right, 2)
        for y in range(area.top, area.bottom, 2)
        if sum(surface.get_at((x, y))[:3]) < 300
    )


def test_demo_card_is_created_and_the_screen_waits(kiosk: Kiosk, tmp_path: Path) -> None:
    assert (tmp_path / "card.json").exists()
    assert kiosk.view == card_screen.WaitingForCard()
    assert kiosk.surface.get_size() == (800, 480)
    assert kiosk.surface.get_at((5, 5))[:3] == card_screen.BLUE  # the header band
    assert kiosk.surface.get_at((5, 470))[:3] == card_screen.WHITE


def test_laying_the_card_shows_its_nis_and_taking_it_away_returns(kiosk: Kiosk) -> None:
    body = pygame.Rect(0, 200, 800, 200)
    waiting = pygame.image.tobytes(kiosk.surface, "RGB")
    press(pygame.K_F2)
    pump_until(kiosk, lambda: isinstance(kiosk.view, card_screen.CardRead))
    assert kiosk.view == card_screen.CardRead(NIS)
    assert pygame.image.tobytes(kiosk.surface, "RGB") != waiting
    assert dark_pixels(kiosk.surface, body) > 50  # the NIS line is drawn
    press(pygame.K_F2)
    pump_until(kiosk, lambda: kiosk.view == card_screen.WaitingForCard())
    assert pygame.image.tobytes(kiosk.surface, "RGB") == waiting


def test_frames_are_drawn_only_when_the_view_changes(kiosk: Kiosk) -> None:
    assert kiosk.frames == 1
    for _ in range(20):
        kiosk.pump(0.01)
    assert kiosk.frames == 1
    press(pygame.K_F2)
    pump_until(kiosk, lambda: isinstance(kiosk.view, card_screen.CardRead))
    assert kiosk.frames == 3  # reading, then read


def test_a_card_that_is_not_a_cie_shows_its_code(tmp_path: Path) -> None:
    (tmp_path / "card.json").write_text(
        '{"format": "kiosk-sim-card/1", "family": "generic", "atr": "3B80800100",'
        ' "files": {"mf:2F00": "00"}}'
    )
    running = Kiosk(config.parse(sim_config(tmp_path), "test"))
    running.start()
    try:
        press(pygame.K_F2)
        pump_until(running, lambda: isinstance(running.view, card_screen.CardFailed))
        assert running.view == card_screen.CardFailed("NOT_A_CIE")
    finally:
        running.stop()


@pytest.mark.slow
def test_kiosk_run_notifies_systemd_and_stops_on_sigterm(tmp_path: Path) -> None:
    conf = tmp_path / "kiosk.toml"
    conf.write_text(sim_config(tmp_path))
    notify_path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(notify_path)
        notify.settimeout(30)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        proc = subprocess.Popen(kiosk_command("run", "--headless", "--config", str(conf)),
                                cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        try:
            assert notify.recv(4096).startswith(b"READY=1")
            proc.send_signal(signal.SIGTERM)
            assert notify.recv(4096) == b"STOPPING=1"
            assert proc.wait(15) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
            _out, err = proc.communicate()
    assert "Traceback" not in err


def test_no_display_is_a_clear_error(tmp_path: Path) -> None:
    conf = tmp_path / "kiosk.toml"
    conf.write_text(sim_config(tmp_path).replace('mode = "headless"', 'mode = "window"'))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["SDL_VIDEODRIVER"] = "x11"
    done = subprocess.run(kiosk_command("run", "--config", str(conf)), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "DISPLAY_UNAVAILABLE" in done.stderr
