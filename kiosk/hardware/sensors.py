"""What the kiosk's switches and sensors report, whichever board reads them: the Pi's own
pins through gpiozero or the front-panel controller (whose tamper latch also remembers a case
opened while the Pi was off). Each backend calls a :data:`SensorListener` from its own thread;
the composition root passes the events on (the tamper switch to the session, presence to the
backlight, the headphone jack to speech).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TamperChanged:
    opened: bool  # True: the case is open (or was opened while the kiosk was off)


@dataclass(frozen=True, slots=True)
class PresenceSeen:
    """Someone stands in front of the kiosk."""


@dataclass(frozen=True, slots=True)
class HeadphonesChanged:
    plugged: bool


SensorEvent = TamperChanged | PresenceSeen | HeadphonesChanged
SensorListener = Callable[[SensorEvent], None]
