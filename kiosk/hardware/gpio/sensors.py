"""The case's tamper switch, the presence sensor and the headphone jack's detect switch on the
Pi's own pins, through gpiozero's input devices, reported as
:mod:`kiosk.hardware.sensors` events to one :data:`~kiosk.hardware.sensors.SensorListener`.

Wiring (docs/gpio.md): the tamper switch closes to ground while the case is shut, on the Pi's
pull-up, so a cut wire reads as an open case; the jack's detect switch closes to ground when a
plug is in, on the pull-up too; the presence sensor (a PIR or radar module) drives its output
high while someone is there, against the Pi's pull-down. The presence sensor is a plain
``DigitalInputDevice`` rather than gpiozero's ``MotionSensor``: the modules already hold their
output for seconds, and ``MotionSensor``'s averaging would add a sampling thread for nothing.

The listener is called from gpiozero's event thread (on the mock factory: from whoever drives
the pin); the tamper switch's and the jack's state are also reported once at start, since a
case may already be open, a plug already in, when the kiosk boots.
"""

from __future__ import annotations

from gpiozero import Button, DigitalInputDevice, Factory

from kiosk.hardware.gpio.errors import claiming
from kiosk.hardware.sensors import (
    HeadphonesChanged,
    PresenceSeen,
    SensorListener,
    TamperChanged,
)

# Contacts bounce for a few milliseconds; a hand at the case's door is slower than this.
BOUNCE_SECONDS = 0.05


class GpioSensors:
    """The switches and sensors the pin map names; each left out is not fitted.

    :param pins: the gpiozero pin factory (shared with the lights; the caller closes it).
    :param listener: gets every :data:`~kiosk.hardware.sensors.SensorEvent`.
    :raises GpioError: as :class:`~kiosk.hardware.gpio.indicators.GpioIndicators`.
    """

    def __init__(self, pins: Factory, listener: SensorListener, *, tamper: int | None = None,
                 presence: int | None = None, headphones: int | None = None,
                 bounce_seconds: float = BOUNCE_SECONDS) -> None:
        self._listener = listener
        self._devices: list[DigitalInputDevice] = []
        if tamper is not None:
            with claiming("tamper", tamper):
                case = Button(tamper, pull_up=True, bounce_time=bounce_seconds,
                              pin_factory=pins)
            self._devices.append(case)
            case.when_released = lambda: listener(TamperChanged(opened=True))
            case.when_pressed = lambda: listener(TamperChanged(opened=False))
            listener(TamperChanged(opened=not case.is_pressed))
        if presence is not None:
            with claiming("presence", presence):
                someone = DigitalInputDevice(presence, pull_up=False,
                                             bounce_time=bounce_seconds, pin_factory=pins)
            self._devices.append(someone)
            someone.when_activated = lambda: listener(PresenceSeen())
        if headphones is not None:
            with claiming("headphones", headphones):
                jack = DigitalInputDevice(headphones, pull_up=True,
                                          bounce_time=bounce_seconds, pin_factory=pins)
            self._devices.append(jack)
            jack.when_activated = lambda: listener(HeadphonesChanged(plugged=True))
            jack.when_deactivated = lambda: listener(HeadphonesChanged(plugged=False))
            listener(HeadphonesChanged(plugged=jack.is_active))

    def close(self) -> None:
        """Stop listening and release the pins; idempotent."""
        for device in self._devices:
            device.close()
