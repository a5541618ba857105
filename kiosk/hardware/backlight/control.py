"""A backlight device under its policy: what the composition root holds. It writes a level
only when it changes (the kernel's driver may talk I2C to the panel for each write), and a
write that fails is logged with its code once, not every second: the kiosk goes on serving
with the light as it is."""

from __future__ import annotations

import logging

from kiosk.hardware.backlight.policy import BacklightPolicy
from kiosk.hardware.backlight.sysfs import BacklightError, SysfsBacklight

log = logging.getLogger(__name__)


class Backlight:
    def __init__(self, device: SysfsBacklight, policy: BacklightPolicy) -> None:
        self.device = device
        self.policy = policy
        self.level: int | None = None  # the last level written (None: not yet)

    def woken(self) -> None:
        """A touch or a presence; safe from a sensor's thread."""
        self.policy.woken()

    def apply(self, in_session: bool) -> None:
        level = self.policy.level(in_session)
        if level == self.level:
            return
        self.level = level
        try:
            self.device.set(level)
        except BacklightError as exc:
            log.error("backlight %s: %s", self.device.name, exc,
                      extra={"fields": {"code": exc.code}})
