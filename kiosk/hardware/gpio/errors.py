"""GPIO errors, each with a stable code: the board's pins cannot be driven at all
(``GPIO_UNAVAILABLE``), or the pin map asks for a pin the board cannot give (``CONFIG_INVALID``,
the code of every other mistake in kiosk.toml, since a technician fixes both in the same file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from gpiozero.exc import GPIOPinInUse, GPIOZeroError, PinFixedPull, PinInvalidPin

from kiosk.errors import KioskError


class GpioError(KioskError):
    code = "GPIO_UNAVAILABLE"


@contextmanager
def claiming(device: str, pin: int) -> Iterator[None]:
    """Build a gpiozero device on ``pin`` for the pin map's ``device`` key, turning gpiozero's
    errors into ours: a pin the board lacks, with a fixed pull the device cannot use (GPIO 2
    and 3 carry the I2C pull-ups) or given twice is the pin map's fault; anything else is the
    board's."""
    try:
        yield
    except (PinInvalidPin, PinFixedPull, GPIOPinInUse) as exc:
        raise GpioError(f"gpio.{device} = {pin}: this pin cannot serve here ({exc}); "
                        "choose another BCM pin in kiosk.toml", code="CONFIG_INVALID") from exc
    except GPIOZeroError as exc:
        raise GpioError(f"gpio.{device} = {pin}: the pin cannot be driven ({exc})") from exc
