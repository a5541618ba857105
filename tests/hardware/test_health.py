"""The machine's health readings, from a temporary tree laid out like the real sysfs and procfs
files of a Raspberry Pi (their real contents: the firmware's hex bit field, millidegrees, the
mounts table), and from a tree with none of them: every reading unknown, nothing raised."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.hardware.health import BootLatch, Power, read, read_power, read_temperature


def put(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("0\n", Power("firmware", False, False, False, False)),
    ("50005\n", Power("firmware", True, True, True, True)),
    ("0x50005\n", Power("firmware", True, True, True, True)),
    ("50000\n", Power("firmware", False, True, False, True)),  # it happened, it is over
    ("80008\n", Power("firmware", False, False, False, False)),  # soft temperature limit only
])
def test_the_firmware_bits_of_raspberry_pi_os_kernel(tmp_path: Path, text: str,
                                                     expected: Power) -> None:
    put(tmp_path, "sys/devices/platform/soc/soc:firmware/get_throttled", text)
    assert read_power(tmp_path) == expected


def test_debian_kernel_hwmon_gives_under_voltage_now_and_throttling_unknown(
        tmp_path: Path) -> None:
    put(tmp_path, "sys/class/hwmon/hwmon0/name", "cpu_thermal\n")
    put(tmp_path, "sys/class/hwmon/hwmon1/name", "rpi_volt\n")
    put(tmp_path, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n")
    assert read_power(tmp_path) == Power("hwmon", under_voltage_now=True)


def test_the_latch_remembers_under_voltage_until_the_next_boot(tmp_path: Path) -> None:
    root, latch = tmp_path / "root", BootLatch(tmp_path / "state" / "latch.json", tmp_path / "root")
    (tmp_path / "state").mkdir()
    put(root, "proc/sys/kernel/random/boot_id", "1f0c3bd2-0000-4000-8000-000000000001\n")
    put(root, "sys/class/hwmon/hwmon1/name", "rpi_volt\n")
    put(root, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "0\n")
    assert latch.apply(read_power(root)).under_voltage_since_boot is False
    put(root, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "1\n")
    assert latch.apply(read_power(root)).under_voltage_since_boot is True
    put(root, "sys/class/hwmon/hwmon1/in0_lcrit_alarm", "0\n")
    seen = latch.apply(read_power(root))
    assert (seen.under_voltage_now, seen.under_voltage_since_boot) == (False, True)
    put(root, "proc/sys/kernel/random/boot_id", "1f0c3bd2-0000-4000-8000-000000000002\n")
    assert latch.apply(read_power(root)).under_voltage_since_boot is False


def test_temperature_comes_from_the_cpu_zone(tmp_path: Path) -> None:
    put(tmp_path, "sys/class/thermal/thermal_zone0/type", "gpu-thermal\n")
    put(tmp_path, "sys/class/thermal/thermal_zone0/temp", "40000\n")
    put(tmp_path, "sys/class/thermal/thermal_zone1/type", "cpu-thermal\n")
    put(tmp_path, "sys/class/thermal/thermal_zone1/temp", "61850\n")
    assert read_temperature(tmp_path) == pytest.approx(61.85)


def test_filesystem_errors_and_a_read_only_remount(tmp_path: Path) -> None:
    state = tmp_path / "data" / "kiosk"
    state.mkdir(parents=True)
    put(tmp_path, "sys/fs/ext4/mmcblk0p2/errors_count", "0\n")
    put(tmp_path, "sys/fs/ext4/mmcblk0p3/errors_count", "3\n")
    put(tmp_path, "proc/self/mounts",
        "/dev/mmcblk0p2 / ext4 ro,relatime 0 0\n"
        f"/dev/mmcblk0p3 {tmp_path / 'data'} ext4 ro,relatime,errors=remount-ro 0 0\n")
    readings = read(tmp_path, state)
    assert (readings.fs_errors, readings.fs_read_only) == (3, True)
    put(tmp_path, "proc/self/mounts",
        "/dev/mmcblk0p2 / ext4 ro,relatime 0 0\n"
        f"/dev/mmcblk0p3 {tmp_path / 'data'} ext4 rw,relatime,errors=remount-ro 0 0\n")
    assert read(tmp_path, state).fs_read_only is False


def test_a_machine_without_any_of_these_files_gives_unknowns(tmp_path: Path) -> None:
    put(tmp_path, "sys/devices/platform/soc/soc:firmware/get_throttled", "garbage\n")
    put(tmp_path, "sys/class/thermal/thermal_zone0/temp", "")
    readings = read(tmp_path, tmp_path)
    assert readings.power == Power()
    assert (readings.temperature_celsius, readings.fs_errors, readings.fs_read_only) == \
        (None, None, None)
    assert readings.disk_free_bytes is not None and readings.disk_total_bytes is not None
    assert read(tmp_path, tmp_path / "gone").disk_free_bytes is None
