"""``kiosk run``'s loop drives the backlight: the sim profile's virtual backlight (the sysfs
files in a folder, written by the real sysfs code) goes dimmed when the kiosk is idle, full on
a touch or a presence, off outside the opening hours, and is never dimmed while a citizen is
in a session. A touch on the dark screen only lights it. The kiosk's clocks are the test's;
the loop runs as it does on a kiosk."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.hardware.sensors import PresenceSeen
from kiosk.journeys import Choice, Chosen, Screen
from tests.hardware.backlight.test_policy import Clocks, at
from tests.test_app_uplink import pump_until
from tests.ui.conftest import sim_config

FULL, DIMMED, OFF = (255, 0), (77, 0), (0, 4)  # (brightness, bl_power); 30 % of 255 is 77
pytestmark = pytest.mark.slow

SETTINGS = """[profiles.sim.backlight]
device = "virtual:backlight"
idle_percent = 30
idle_after_seconds = 10
[profiles.sim.site]
opening_hours = { mon = ["08:30-12:30"] }
"""


@pytest.fixture
def clocks() -> Clocks:
    return Clocks(at(0, 9, 0))  # Monday, open


@pytest.fixture
def kiosk(tmp_path: Path, clocks: Clocks) -> Iterator[Kiosk]:
    running = Kiosk(config.parse(sim_config(tmp_path, SETTINGS), "test"),
                    speaker=RecordingSpeaker(), clock=clocks.clock, now=clocks.now)
    running.start()
    yield running
    running.stop()


def light(kiosk: Kiosk) -> tuple[int, int]:
    assert kiosk.backlight is not None
    folder = kiosk.backlight.device.directory
    return (int((folder / "brightness").read_text()), int((folder / "bl_power").read_text()))


def tick(kiosk: Kiosk) -> None:
    """The loop's 1 Hz timer, now rather than within the second."""
    pygame.event.post(pygame.event.Event(Kiosk.TICK))
    pump_until(kiosk, lambda: not pygame.event.peek(Kiosk.TICK))


def nowhere(kiosk: Kiosk) -> tuple[int, int]:
    """A point of the screen where no button is: a touch there only wakes the light."""
    layout = kiosk.stage.layout
    assert layout is not None
    width, height = kiosk.surface.get_size()
    return next((x, y) for y in range(0, height, 8) for x in range(0, width, 8)
                if not any(area.rect.collidepoint(x, y) for area in layout.areas))


def start_button(kiosk: Kiosk) -> tuple[int, int]:
    layout = kiosk.stage.layout
    assert layout is not None
    return next(area.rect.center for area in layout.areas if area.name == Choice.START.value)


def test_idle_dims_a_touch_lights_and_closing_time_switches_it_off(kiosk: Kiosk,
                                                                   clocks: Clocks) -> None:
    assert kiosk.config.profile.backlight is not None
    assert light(kiosk) == FULL
    clocks.wait(10)
    tick(kiosk)
    assert light(kiosk) == DIMMED
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=nowhere(kiosk), button=1))
    pump_until(kiosk, lambda: light(kiosk) == FULL)
    assert kiosk.session.view.screen is Screen.ATTRACT  # the touch pressed nothing
    clocks.when = at(0, 12, 30)  # closing time
    clocks.wait(10)
    tick(kiosk)
    assert light(kiosk) == OFF
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=start_button(kiosk),
                                         button=1))
    pump_until(kiosk, lambda: light(kiosk) == FULL)
    assert kiosk.session.view.screen is Screen.ATTRACT  # a touch in the dark only lights it
    clocks.wait(10)
    tick(kiosk)
    assert light(kiosk) == OFF
    sensor = threading.Thread(target=kiosk._post_sensor, args=(PresenceSeen(),))
    sensor.start()  # someone walks up, reported from the sensor's thread
    sensor.join()
    pump_until(kiosk, lambda: light(kiosk) == FULL)
    clocks.wait(10)
    tick(kiosk)
    assert light(kiosk) == OFF


def test_a_citizen_in_a_session_is_never_left_in_the_dark(kiosk: Kiosk,
                                                          clocks: Clocks) -> None:
    kiosk.session.handle(Chosen(Choice.START))
    clocks.when = at(0, 12, 29)
    for _ in range(8):  # past closing time, into the inactivity warning
        clocks.wait(10)
        tick(kiosk)
        assert light(kiosk) == FULL
    assert kiosk.session.view.warning is not None
    clocks.wait(10)
    tick(kiosk)  # the session times out: the kiosk is idle, and closed
    assert kiosk.session.view.screen is Screen.ATTRACT and light(kiosk) == OFF
