"""The backlight through Linux's backlight class: ``/sys/class/backlight/NAME`` holds
``max_brightness`` (read), ``brightness`` (0 to that) and ``bl_power`` (0 on, 4 powered down,
the framebuffer's FB_BLANK values). The official 7-inch panel's driver (``rpi_backlight``, or
``10-0045`` on newer kernels) and most DSI/PWM panels expose exactly these.

Three files written by hand rather than through a library: the only PyPI package for it
(rpi-backlight) knows one panel's paths and brings a GUI along, and the kernel's interface is
these text files. The simulated kiosk's backlight (``virtual:DIR``) is the same three files in
a folder of the state directory, made on first use, so the tests run this very code; ``cat
DIR/brightness`` shows what a real panel would have been told.
"""

from __future__ import annotations

import math
from pathlib import Path

from kiosk.errors import KioskError

SYSFS = Path("/sys/class/backlight")
POWER_ON, POWER_DOWN = 0, 4  # FB_BLANK_UNBLANK, FB_BLANK_POWERDOWN
VIRTUAL_PREFIX = "virtual:"
VIRTUAL_MAX = 255


class BacklightError(KioskError):
    """The backlight cannot be driven: ``BACKLIGHT_NOT_FOUND`` (no such device),
    ``BACKLIGHT_INVALID`` (its files do not say what they should), ``BACKLIGHT_WRITE_FAILED``
    (the kernel refused a value, or the device went away)."""

    code = "BACKLIGHT_ERROR"


class SysfsBacklight:
    """One backlight device's folder. Levels are per cent of ``max_brightness``: 0 is off
    (powered down), any other level at least the panel's lowest step, so dimmed is never dark.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            self.max_brightness = int((directory / "max_brightness").read_text().strip())
        except FileNotFoundError:
            raise BacklightError(f"{directory}: no backlight device there",
                                 code="BACKLIGHT_NOT_FOUND") from None
        except (OSError, ValueError) as exc:
            raise BacklightError(f"{directory}/max_brightness: unreadable ({exc})",
                                 code="BACKLIGHT_INVALID") from None
        if self.max_brightness <= 0:
            raise BacklightError(f"{directory}/max_brightness: {self.max_brightness}",
                                 code="BACKLIGHT_INVALID")

    @property
    def name(self) -> str:
        return self.directory.name

    def set(self, percent: int) -> None:
        """Light the panel at ``percent`` (0: off)."""
        if not 0 <= percent <= 100:
            raise ValueError("a backlight level is 0 to 100 per cent")
        if percent == 0:
            self._write("brightness", 0)
            self._write("bl_power", POWER_DOWN)
            return
        self._write("bl_power", POWER_ON)
        self._write("brightness", max(1, math.ceil(self.max_brightness * percent / 100)))

    def _write(self, name: str, value: int) -> None:
        try:
            (self.directory / name).write_text(f"{value}\n")
        except OSError as exc:
            raise BacklightError(f"{self.directory}/{name}: cannot write {value} ({exc})",
                                 code="BACKLIGHT_WRITE_FAILED") from None


def open_backlight(device: str, base: Path, sysfs: Path = SYSFS) -> SysfsBacklight:
    """The profile's ``backlight.device``: ``auto`` (the first device under ``sysfs``, by
    name), a device's name, or ``virtual:DIR`` (relative to ``base``, the state directory)."""
    if device.startswith(VIRTUAL_PREFIX):
        return SysfsBacklight(_virtual(base / Path(device[len(VIRTUAL_PREFIX):]).expanduser()))
    if device == "auto":
        found = sorted(sysfs.iterdir()) if sysfs.is_dir() else []
        if not found:
            raise BacklightError(f"{sysfs}: no backlight device (is the panel's driver "
                                 "loaded?)", code="BACKLIGHT_NOT_FOUND")
        return SysfsBacklight(found[0])
    return SysfsBacklight(sysfs / device)


def _virtual(directory: Path) -> Path:
    """A folder with a backlight's files, made as a panel at full brightness on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, value in (("max_brightness", VIRTUAL_MAX), ("brightness", VIRTUAL_MAX),
                        ("bl_power", POWER_ON)):
        path = directory / name
        if not path.exists():
            path.write_text(f"{value}\n")
    return directory
