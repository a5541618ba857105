"""The lights and the buzzer on the Pi's own pins: :class:`~kiosk.hardware.indicators.Indicators`
over gpiozero's ``LED`` and ``Buzzer``.

A blinking light and a beep run on gpiozero's own background threads, so no call blocks the
UI loop. A device the pin map leaves out is not fitted: asking it for something does nothing.
A light is told only what changes, so a view drawn again does not restart its blinking.
"""

from __future__ import annotations

from gpiozero import LED, Buzzer, Factory

from kiosk.hardware.gpio.errors import claiming
from kiosk.hardware.indicators import Light

# (on, off) seconds. The reader's light blinks fast, "the card is being read, hold it still";
# the status LED slowly, "out of order", readable from across the hall.
GUIDANCE_BLINK = (0.25, 0.25)
STATUS_BLINK = (1.0, 1.0)


class _Lamp:
    """One LED and the :class:`Light` it shows."""

    def __init__(self, led: LED, blink: tuple[float, float]) -> None:
        self.led, self.blink, self.light = led, blink, Light.OFF

    def show(self, light: Light) -> None:
        if light is self.light:
            return
        self.light = light
        match light:
            case Light.ON:
                self.led.on()
            case Light.OFF:
                self.led.off()
            case Light.BLINK:
                self.led.blink(*self.blink, background=True)


class GpioIndicators:
    """The guidance light, the status LED and the buzzer, each on its BCM pin or absent.

    :param pins: the gpiozero pin factory (:func:`kiosk.hardware.gpio.open_pins`); the caller
        keeps and closes it, since the sensors share it.
    :raises GpioError: ``CONFIG_INVALID`` for a pin the board cannot give, ``GPIO_UNAVAILABLE``
        when the pins cannot be driven.
    """

    def __init__(self, pins: Factory, *, guidance_light: int | None = None,
                 status_led: int | None = None, buzzer: int | None = None) -> None:
        self._guidance = self._lamp(pins, "guidance_light", guidance_light, GUIDANCE_BLINK)
        self._status = self._lamp(pins, "status_led", status_led, STATUS_BLINK)
        self._buzzer: Buzzer | None = None
        if buzzer is not None:
            with claiming("buzzer", buzzer):
                self._buzzer = Buzzer(buzzer, pin_factory=pins)

    @staticmethod
    def _lamp(pins: Factory, name: str, pin: int | None,
              blink: tuple[float, float]) -> _Lamp | None:
        if pin is None:
            return None
        with claiming(name, pin):
            return _Lamp(LED(pin, pin_factory=pins), blink)

    def guidance(self, light: Light) -> None:
        if self._guidance is not None:
            self._guidance.show(light)

    def status(self, light: Light) -> None:
        if self._status is not None:
            self._status.show(light)

    def beep(self, milliseconds: int) -> None:
        if self._buzzer is not None:
            self._buzzer.beep(on_time=milliseconds / 1000, off_time=0, n=1, background=True)

    def close(self) -> None:
        """Lights off, buzzer silent, pins released; idempotent (gpiozero's close is)."""
        lamps = [lamp.led for lamp in (self._guidance, self._status) if lamp is not None]
        for device in [*lamps, self._buzzer]:
            if device is not None and not device.closed:
                device.off()
                device.close()
