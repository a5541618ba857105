"""Choosing the pin factory: the mock loads anywhere, a factory that cannot load is a coded
error with its reason and remedy, and importing the kiosk never loads a pin library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from gpiozero.pins.mock import MockFactory

from kiosk.hardware.gpio import GpioError, GpioIndicators, GpioSensors, open_pins
from kiosk.hardware.gpio.factory import FactoryName
from kiosk.hardware.sensors import SensorEvent

ON_A_PI = Path("/dev/gpiochip0").exists()


def test_the_mock_factory_is_gpiozeros() -> None:
    factory = open_pins("mock")
    try:
        assert isinstance(factory, MockFactory)
    finally:
        factory.close()


@pytest.mark.skipif(ON_A_PI, reason="this machine has GPIO: the factories load here")
@pytest.mark.parametrize(("name", "tried"), [
    ("rpigpio", ["rpigpio"]), ("lgpio", ["lgpio"]), ("auto", ["rpigpio", "lgpio"]),
])
def test_a_factory_that_cannot_load_is_a_coded_error_with_reason_and_remedy(
        name: FactoryName, tried: list[str]) -> None:
    with pytest.raises(GpioError) as raised:
        open_pins(name)
    assert raised.value.code == "GPIO_UNAVAILABLE"
    message = str(raised.value)
    assert f"gpio.factory = {name!r}" in message
    for candidate in tried:
        assert f"{candidate}: " in message
    if "rpigpio" in tried:
        assert "rpi-lgpio" in message and 'gpio.factory = "mock"' in message
    if "lgpio" in tried:
        assert "/dev/gpiochip0" in message


def test_importing_the_kiosk_and_using_mock_pins_loads_no_pin_library() -> None:
    program = (
        "import sys\n"
        "import kiosk.hardware, kiosk.hardware.gpio, kiosk.app\n"
        "from kiosk.hardware.gpio import open_pins\n"
        "open_pins('mock').close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('RPi', 'lgpio')))\n"
        "print('gpiozero' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.splitlines() == ["[]", "True"]


def test_a_pin_the_board_cannot_give_is_config_invalid(pins: MockFactory) -> None:
    """GPIO 2 carries the I2C bus's fixed pull-up: a presence sensor wants a pull-down."""
    events: list[SensorEvent] = []
    with pytest.raises(GpioError) as raised:
        GpioSensors(pins, events.append, presence=2)
    assert raised.value.code == "CONFIG_INVALID"
    assert "gpio.presence = 2" in str(raised.value)


def test_a_pin_already_taken_is_config_invalid(pins: MockFactory) -> None:
    """The config refuses a pin named twice; a pin another device of the process holds (the
    front panel's UART, a HAT) is refused when the device is built."""
    lights = GpioIndicators(pins, guidance_light=18)
    try:
        with pytest.raises(GpioError) as raised:
            GpioIndicators(pins, status_led=18)
        assert raised.value.code == "CONFIG_INVALID"
        assert "gpio.status_led = 18" in str(raised.value)
    finally:
        lights.close()
