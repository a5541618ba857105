"""The switches and sensors on mock pins: the outside world drives the pins (as the sim
profile's keys do, through :class:`MockSurroundings`), the listener gets the events."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.hardware.gpio import GpioSensors
from kiosk.hardware.gpio.surroundings import MockSurroundings
from kiosk.hardware.sensors import HeadphonesChanged, PresenceSeen, SensorEvent, TamperChanged

TAMPER, PRESENCE, HEADPHONES = 17, 27, 22


@pytest.fixture
def events() -> list[SensorEvent]:
    return []


@pytest.fixture
def world(pins: MockFactory, events: list[SensorEvent]) -> Iterator[MockSurroundings]:
    surroundings = MockSurroundings(pins, tamper=TAMPER, presence=PRESENCE,
                                    headphones=HEADPHONES)
    sensors = GpioSensors(pins, events.append, tamper=TAMPER, presence=PRESENCE,
                          headphones=HEADPHONES)
    yield surroundings
    sensors.close()


def test_at_start_the_case_and_the_jack_report_their_state(
        world: MockSurroundings, events: list[SensorEvent]) -> None:
    assert events == [TamperChanged(opened=False), HeadphonesChanged(plugged=False)]


def test_a_case_already_open_at_start_says_so(pins: MockFactory) -> None:
    """Nothing holds the tamper pin low: the pull-up reads it as an open case, as a cut wire."""
    events: list[SensorEvent] = []
    sensors = GpioSensors(pins, events.append, tamper=TAMPER)
    sensors.close()
    assert events == [TamperChanged(opened=True)]


def test_the_case_opened_and_shut(world: MockSurroundings, events: list[SensorEvent]) -> None:
    events.clear()
    world.toggle_case()
    world.toggle_case()
    assert events == [TamperChanged(opened=True), TamperChanged(opened=False)]


def test_the_tamper_pin_is_low_while_the_case_is_shut(
        pins: MockFactory, world: MockSurroundings, events: list[SensorEvent]) -> None:
    events.clear()
    pins.pin(TAMPER).drive_high()  # the contact opens
    pins.pin(TAMPER).drive_low()
    assert events == [TamperChanged(opened=True), TamperChanged(opened=False)]


def test_someone_passing_is_seen_once(world: MockSurroundings,
                                      events: list[SensorEvent]) -> None:
    events.clear()
    world.someone_passes()
    world.someone_passes()
    assert events == [PresenceSeen(), PresenceSeen()]


def test_headphones_plugged_in_and_out(pins: MockFactory, world: MockSurroundings,
                                       events: list[SensorEvent]) -> None:
    events.clear()
    world.toggle_headphones()
    assert not pins.pin(HEADPHONES).state  # the detect switch pulls it low
    world.toggle_headphones()
    assert events == [HeadphonesChanged(plugged=True), HeadphonesChanged(plugged=False)]


def test_debouncing_is_asked_of_the_pins(pins: MockFactory, world: MockSurroundings) -> None:
    """gpiozero's MockPin keeps the bounce time without playing it; a real pin applies it."""
    assert {pins.pin(pin).bounce for pin in (TAMPER, PRESENCE, HEADPHONES)} == {0.05}


def test_a_sensor_left_out_is_absent(pins: MockFactory) -> None:
    events: list[SensorEvent] = []
    sensors = GpioSensors(pins, events.append, presence=PRESENCE)
    try:
        pins.pin(PRESENCE).drive_high()
        assert events == [PresenceSeen()]
        assert set(pins.pins) == {pins.pin(PRESENCE).info}
    finally:
        sensors.close()
