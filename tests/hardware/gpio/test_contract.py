"""One suite for every pin factory the kiosk can be configured with (style-models.md §2):
the mock runs everywhere; the Pi's factories run where they load (on a kiosk) and are skipped,
with gpiozero's reason, elsewhere. On a Pi it lights the guidance light's pin for a moment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero import Factory

from kiosk.hardware.gpio import GpioError, GpioIndicators, open_pins
from kiosk.hardware.gpio.factory import FactoryName
from kiosk.hardware.indicators import Light

GUIDANCE = 18


@pytest.fixture(params=["mock", "rpigpio", "lgpio"])
def factory(request: pytest.FixtureRequest) -> Iterator[Factory]:
    name: FactoryName = request.param
    try:
        pins = open_pins(name)
    except GpioError as exc:
        pytest.skip(f"{exc.code}: {exc}")
    yield pins
    pins.close()


def test_a_light_switched_on_and_off_drives_its_pin(factory: Factory) -> None:
    lights = GpioIndicators(factory, guidance_light=GUIDANCE)
    try:
        lights.guidance(Light.ON)
        assert factory.pin(GUIDANCE).state
        lights.guidance(Light.OFF)
        assert not factory.pin(GUIDANCE).state
    finally:
        lights.close()
