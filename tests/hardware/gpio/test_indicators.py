"""The lights and the buzzer on mock pins: what each pin does for each :class:`Light`, read
from the pin's own history as gpiozero records it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.hardware.gpio import GpioIndicators
from kiosk.hardware.indicators import Light

GUIDANCE, STATUS, BUZZER = 18, 23, 24


@pytest.fixture
def lights(pins: MockFactory) -> Iterator[GpioIndicators]:
    built = GpioIndicators(pins, guidance_light=GUIDANCE, status_led=STATUS, buzzer=BUZZER)
    yield built
    built.close()


def states(pins: MockFactory, pin: int) -> list[bool]:
    return [change.state for change in pins.pin(pin).states]


def wait_for(check: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "never happened"
        time.sleep(0.01)


def test_a_light_is_on_off_or_blinking(pins: MockFactory, lights: GpioIndicators) -> None:
    lights.guidance(Light.ON)
    assert pins.pin(GUIDANCE).state
    lights.guidance(Light.OFF)
    assert not pins.pin(GUIDANCE).state
    lights.status(Light.BLINK)
    wait_for(lambda: states(pins, STATUS).count(True) >= 2)  # on, off, on: it blinks
    lights.status(Light.ON)
    history = len(pins.pin(STATUS).states)
    assert pins.pin(STATUS).state
    assert len(pins.pin(STATUS).states) == history  # blinking has stopped on "on"
    assert states(pins, GUIDANCE) == [False, True, False]


def test_a_beep_sounds_once_and_stops(pins: MockFactory, lights: GpioIndicators) -> None:
    lights.beep(30)
    wait_for(lambda: states(pins, BUZZER) == [False, True, False])


def test_a_device_left_out_of_the_pin_map_is_absent(pins: MockFactory) -> None:
    only_status = GpioIndicators(pins, status_led=STATUS)
    try:
        only_status.guidance(Light.BLINK)
        only_status.beep(50)
        only_status.status(Light.ON)
        assert pins.pin(STATUS).state
        assert set(pins.pins) == {pins.pin(STATUS).info}  # no other pin was ever claimed
    finally:
        only_status.close()


def test_close_turns_everything_off_and_releases_the_pins(
        pins: MockFactory, lights: GpioIndicators) -> None:
    lights.guidance(Light.ON)
    lights.status(Light.BLINK)
    lights.close()
    lights.close()
    assert not pins.pin(GUIDANCE).state and not pins.pin(STATUS).state
    again = GpioIndicators(pins, guidance_light=GUIDANCE)  # the pin is free again
    again.close()
