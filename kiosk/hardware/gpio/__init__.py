"""The devices on the Pi's own pins, through gpiozero: devices over a swappable pin factory
(:mod:`.factory`: the RPi.GPIO API, lgpio, or gpiozero's MockFactory for the simulated kiosk
and the tests), the lights and buzzer (:mod:`.indicators`) and the switches and sensors
(:mod:`.sensors`). Importing it loads gpiozero only, never a pin library; docs/gpio.md has the
pin map and the wiring."""

from kiosk.hardware.gpio.errors import GpioError
from kiosk.hardware.gpio.factory import open_pins
from kiosk.hardware.gpio.indicators import GpioIndicators
from kiosk.hardware.gpio.sensors import GpioSensors

__all__ = ["GpioError", "GpioIndicators", "GpioSensors", "open_pins"]
