"""The kiosk's lights and buzzer as one interface, whichever board drives them: the Pi's own
pins through gpiozero (:mod:`kiosk.hardware.gpio`) or the front-panel controller
(:mod:`kiosk.hardware.frontpanel`). The composition root picks one; the journeys say what the
lights must show, never which pin.
"""

from __future__ import annotations

import enum
from typing import Protocol


class Light(enum.Enum):
    OFF = "off"
    ON = "on"
    BLINK = "blink"


class Indicators(Protocol):
    """Calls come from the UI loop; an implementation must not block it on slow hardware."""

    def guidance(self, light: Light) -> None:
        """The light around the reader: on while the kiosk waits for the card, blinking while
        it reads."""

    def status(self, light: Light) -> None:
        """The status LED: on while the kiosk serves, blinking while it is out of order."""

    def beep(self, milliseconds: int) -> None:
        """One beep, for the blind-user mode."""

    def close(self) -> None: ...


class NoIndicators:
    """A kiosk with no lights and no buzzer."""

    def guidance(self, light: Light) -> None:
        pass

    def status(self, light: Light) -> None:
        pass

    def beep(self, milliseconds: int) -> None:
        pass

    def close(self) -> None:
        pass
