"""Choosing gpiozero's pin factory from the profile's ``gpio.factory``.

gpiozero picks a factory by itself when none is given, trying each in turn and warning on the
way; a kiosk must not fall back silently to something else than the technician configured, so
the factory is chosen here, by name, and one that cannot load is a coded startup error with
the reason and what to do about it. Each backend module of gpiozero imports its library (the
RPi.GPIO API, lgpio) at its top, so it is imported only inside :func:`open_pins`, when chosen:
importing this package on a laptop loads neither.

- ``rpigpio``: gpiozero's ``RPiGPIOFactory`` over the RPi.GPIO API. On Debian bookworm and
  the Pi 5 that API comes from ``rpi-lgpio`` (the classic RPi.GPIO pokes registers the Pi 5
  no longer has); both install the same ``RPi.GPIO`` module.
- ``lgpio``: ``LGPIOFactory``, straight on the kernel's ``/dev/gpiochip*``.
- ``auto``: ``rpigpio``, then ``lgpio``; the error names both reasons.
- ``mock``: gpiozero's ``MockFactory``, for the simulated kiosk and the tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from gpiozero import Factory

from kiosk.hardware.gpio.errors import GpioError

FactoryName = Literal["auto", "rpigpio", "lgpio", "mock"]

REMEDIES = {
    "rpigpio": "on a Raspberry Pi install rpi-lgpio (Debian: python3-rpi-lgpio, or "
               "pip install 'cie-kiosk[pi]'); on any other machine set gpio.factory = \"mock\"",
    "lgpio": "install lgpio (Debian: python3-lgpio), check that /dev/gpiochip0 exists and that "
             "the kiosk's user may open it (group gpio)",
}


def _rpigpio() -> Factory:
    from gpiozero.pins.rpigpio import RPiGPIOFactory  # noqa: PLC0415 - loads the library

    return RPiGPIOFactory()


def _lgpio() -> Factory:
    from gpiozero.pins.lgpio import LGPIOFactory  # noqa: PLC0415 - loads the library

    return LGPIOFactory()


def _mock() -> Factory:
    from gpiozero.pins.mock import MockFactory  # noqa: PLC0415

    return MockFactory()


LOADERS: dict[str, Callable[[], Factory]] = {"rpigpio": _rpigpio, "lgpio": _lgpio, "mock": _mock}
ORDER: dict[FactoryName, tuple[str, ...]] = {
    "auto": ("rpigpio", "lgpio"), "rpigpio": ("rpigpio",), "lgpio": ("lgpio",),
    "mock": ("mock",),
}


def open_pins(name: FactoryName) -> Factory:
    """The gpiozero pin factory ``name``; the caller closes it.

    :raises GpioError: ``GPIO_UNAVAILABLE``, with every reason and remedy, when none loads.
    """
    reasons = []
    for candidate in ORDER[name]:
        try:
            return LOADERS[candidate]()
        # Each library fails its own way off a Pi: ImportError (not installed), RuntimeError
        # (RPi.GPIO: "only on a Raspberry Pi"), lgpio.error (no gpiochip), OSError (no
        # /proc/device-tree): every one of them means the same thing here.
        except Exception as exc:  # noqa: BLE001
            reasons.append(f"{candidate}: {type(exc).__name__}: {exc}; "
                           f"{REMEDIES.get(candidate, '')}")
    raise GpioError(f"gpio.factory = {name!r}: no pin factory could be loaded ("
                    + " / ".join(reasons) + ")")
