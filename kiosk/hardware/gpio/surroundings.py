"""The world around a simulated kiosk's pins: on gpiozero's MockFactory, the case's door, a
passer-by and a headphone plug act on the pins as the real ones would, so the demo and the tests
go through the same gpiozero devices and callbacks as a kiosk on a Pi (the sim profile's keys
F3, F4 and F5 call :class:`MockSurroundings`).
"""

from __future__ import annotations

from typing import Any

from gpiozero.pins.mock import MockFactory, MockPin


class SwitchPin(MockPin):  # type: ignore[misc]  # gpiozero has no type hints
    """A mock input with a switch to ground on it: while the switch is closed, the pin stays
    low whatever pull the device asks for, as a closed contact beats the Pi's pull-up (a plain
    MockPin follows the pull, which would open the case the moment the sensor is built)."""

    def __init__(self, factory: MockFactory, info: Any, closed: bool = False) -> None:
        super().__init__(factory, info)
        self.closed = closed

    def _set_pull(self, value: str) -> None:
        super()._set_pull(value)
        if self.closed:
            self.drive_low()

    def close_switch(self) -> None:
        self.closed = True
        self.drive_low()

    def open_switch(self) -> None:
        self.closed = False
        if self.pull == "up":
            self.drive_high()


class MockSurroundings:
    """The case (shut at start), the space in front of the kiosk and the headphone jack (no plug
    at start) on the pins of the pin map; build it before the sensors, which read the start."""

    def __init__(self, pins: MockFactory, *, tamper: int | None = None,
                 presence: int | None = None, headphones: int | None = None) -> None:
        self._case = None if tamper is None else pins.pin(tamper, pin_class=SwitchPin,
                                                            closed=True)
        self._presence = None if presence is None else pins.pin(presence)
        self._jack = None if headphones is None else pins.pin(headphones, pin_class=SwitchPin)

    def toggle_case(self) -> None:
        """Open the case's door, or shut it."""
        if self._case is not None:
            (self._case.open_switch if self._case.closed else self._case.close_switch)()

    def someone_passes(self) -> None:
        """A person steps in front of the kiosk and away: the sensor's output goes high, then
        low again."""
        if self._presence is not None:
            self._presence.drive_high()
            self._presence.drive_low()

    def toggle_headphones(self) -> None:
        """Plug the headphones in, or pull them out."""
        if self._jack is not None:
            (self._jack.open_switch if self._jack.closed else self._jack.close_switch)()
