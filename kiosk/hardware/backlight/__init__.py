"""The screen's backlight: the device (:mod:`.sysfs`: Linux's backlight class, or the same
files in a folder for the simulated kiosk) and when it should be bright, dimmed or off
(:mod:`.policy`, pure: the clocks come in, nothing is read or written), and the two together
(:mod:`.control`), which the composition root holds."""

from kiosk.hardware.backlight.control import Backlight
from kiosk.hardware.backlight.policy import BacklightPolicy, OpeningHours
from kiosk.hardware.backlight.sysfs import BacklightError, SysfsBacklight, open_backlight

__all__ = ["Backlight", "BacklightError", "BacklightPolicy", "OpeningHours", "SysfsBacklight",
           "open_backlight"]
