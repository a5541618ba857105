"""What the machine itself says about its health: power, heat, storage. Read from sysfs and
procfs under a ``root`` (``/`` on a kiosk; a temporary tree laid out like the real files in
tests), every reading on its own: a file that is missing or unreadable makes that reading
None ("unknown"), never an exception, because a health report must come out of a machine
that is half broken.

Power and throttling, from the first source present:

- ``/sys/devices/platform/soc/soc:firmware/get_throttled`` (Raspberry Pi OS's kernel: the
  firmware's bit field, as ``vcgencmd get_throttled`` prints it: bit 0 under-voltage now,
  bit 2 throttled now, bit 16 under-voltage since boot, bit 18 throttled since boot);
- ``/sys/class/hwmon/hwmon*/`` named ``rpi_volt`` (Debian's own arm64 kernel on a Pi 4/5,
  the mainline ``raspberrypi-hwmon`` driver): ``in0_lcrit_alarm`` is the firmware's
  under-voltage bit seen in the driver's last poll (every two seconds), and the driver
  clears the firmware's sticky bits as it polls, so "since boot" cannot be read there:
  :class:`BootLatch` keeps it in the state directory per boot id (as Anthias does).
  Throttling has no interface on that kernel: it stays unknown.

Temperature: the ``cpu-thermal`` zone of ``/sys/class/thermal`` (millidegrees), else the
first zone. Filesystem errors: ext4's ``errors_count`` under ``/sys/fs/ext4/*/`` summed
over every filesystem, and whether the state directory's mount is read-only now
(``/proc/self/mounts``: ext4 remounts itself so on an error with ``errors=remount-ro``).
Disk space: ``statvfs`` of the state directory.

Written by hand: psutil has temperatures and disk usage but none of the Pi's power bits,
ext4's error counters or a read-only remount, and it would be one more compiled dependency
on the image for four small files.
"""

from __future__ import annotations

import json
import os
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from kiosk.durable import write_atomically

FIRMWARE_THROTTLED = "sys/devices/platform/soc/soc:firmware/get_throttled"
HWMON = "sys/class/hwmon"
THERMAL = "sys/class/thermal"
EXT4 = "sys/fs/ext4"
MOUNTS = "proc/self/mounts"
BOOT_ID = "proc/sys/kernel/random/boot_id"
HWMON_NAME = "rpi_volt"
CPU_ZONE = "cpu-thermal"

UNDER_VOLTAGE_NOW, THROTTLED_NOW = 1 << 0, 1 << 2
UNDER_VOLTAGE_SINCE_BOOT, THROTTLED_SINCE_BOOT = 1 << 16, 1 << 18


@dataclass(frozen=True, slots=True)
class Power:
    """The power and throttling bits, each None when the source cannot tell."""

    source: str | None = None  # "firmware", "hwmon", or None: no source on this machine
    under_voltage_now: bool | None = None
    under_voltage_since_boot: bool | None = None
    throttled_now: bool | None = None
    throttled_since_boot: bool | None = None


@dataclass(frozen=True, slots=True)
class Readings:
    power: Power
    temperature_celsius: float | None
    fs_errors: int | None
    fs_read_only: bool | None
    disk_free_bytes: int | None
    disk_total_bytes: int | None


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _number(path: Path, base: int = 10) -> int | None:
    text = _text(path)
    try:
        return int(text, base) if text else None
    except ValueError:
        return None


def read_power(root: Path) -> Power:
    bits = _number(root / FIRMWARE_THROTTLED, 16)  # "50005" or "0x50005": int() takes both
    if bits is not None:
        return Power("firmware", bool(bits & UNDER_VOLTAGE_NOW),
                     bool(bits & UNDER_VOLTAGE_SINCE_BOOT), bool(bits & THROTTLED_NOW),
                     bool(bits & THROTTLED_SINCE_BOOT))
    for device in sorted((root / HWMON).glob("hwmon*")):
        if _text(device / "name") == HWMON_NAME:
            alarm = _number(device / "in0_lcrit_alarm")
            return Power("hwmon", None if alarm is None else alarm != 0)
    return Power()


def read_temperature(root: Path) -> float | None:
    zones = sorted((root / THERMAL).glob("thermal_zone*"))
    zones.sort(key=lambda zone: _text(zone / "type") != CPU_ZONE)  # the CPU's zone first
    for zone in zones:
        milli = _number(zone / "temp")
        if milli is not None:
            return milli / 1000
    return None


def read_fs_errors(root: Path) -> int | None:
    counts = [_number(device / "errors_count") for device in (root / EXT4).glob("*")]
    known = [count for count in counts if count is not None]
    return sum(known) if known else None


def read_only(root: Path, directory: Path) -> bool | None:
    """Whether the mount that holds ``directory`` is read-only now."""
    mounts = _text(root / MOUNTS)
    if mounts is None:
        return None
    target = str(directory.resolve())
    best: tuple[int, bool] | None = None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and (best is None or len(point) > best[0]):
            best = (len(point), "ro" in fields[3].split(","))
    return None if best is None else best[1]


def disk_space(directory: Path) -> tuple[int | None, int | None]:
    """Free bytes (for an unprivileged writer, as the kiosk is) and total, of ``directory``."""
    try:
        stats = os.statvfs(directory)
    except OSError:
        return None, None
    return stats.f_bavail * stats.f_frsize, stats.f_blocks * stats.f_frsize


def read(root: Path, state_dir: Path) -> Readings:
    free, total = disk_space(state_dir)
    return Readings(read_power(root), read_temperature(root), read_fs_errors(root),
                    read_only(root, state_dir), free, total)


class BootLatch:
    """Remembers, per boot, that under-voltage was seen: the hwmon driver reports only the
    last two seconds, so "since boot" is what the kiosk itself saw since boot. Kept in a
    small file so a restarted kiosk process still knows; a new boot id starts afresh."""

    def __init__(self, path: Path, root: Path) -> None:
        self.path = path
        self.root = root

    def apply(self, power: Power) -> Power:
        if power.source != "hwmon":
            return power
        boot = _text(self.root / BOOT_ID)
        seen = self._seen(boot)
        if power.under_voltage_now and not seen:
            seen = True
            with suppress(OSError):  # a read-only disk is reported by its own reading
                write_atomically(self.path, json.dumps({"boot_id": boot,
                                                        "under_voltage": True}).encode())
        return Power(power.source, power.under_voltage_now, seen, power.throttled_now,
                     power.throttled_since_boot)

    def _seen(self, boot: str | None) -> bool:
        try:
            saved = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(saved, dict) and saved.get("boot_id") == boot \
            and saved.get("under_voltage") is True
