"""The machine's checks of ``kiosk doctor`` on a temporary tree laid out like a Raspberry Pi's
sysfs and procfs, and the clock's check against
kiosk.clock's earliest plausible date and timesyncd's flag."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kiosk.doctor.checks import Verdict, clock, machine
from kiosk.hardware.health import read
from tests.hardware.test_health import put

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def verdicts(root: Path, state: Path) -> dict[str, tuple[Verdict, str]]:
    return {check.name: (check.verdict, check.finding) for check in machine(read(root, state))}


def test_a_healthy_pi(tmp_path: Path) -> None:
    put(tmp_path, "sys/devices/platform/soc/soc:firmware/get_throttled", "0\n")
    put(tmp_path, "sys/class/thermal/thermal_zone0/type", "cpu-thermal\n")
    put(tmp_path, "sys/class/thermal/thermal_zone0/temp", "52100\n")
    put(tmp_path, "sys/fs/ext4/mmcblk0p3/errors_count", "0\n")
    put(tmp_path, "proc/self/mounts", "/dev/mmcblk0p3 / ext4 rw,relatime 0 0\n")
    found = verdicts(tmp_path, tmp_path)
    assert {name: verdict for name, (verdict, _) in found.items()} == {
        "disk": Verdict.OK, "filesystem": Verdict.OK, "power": Verdict.OK,
        "temperature": Verdict.OK}
    assert found["temperature"][1] == "52.1 °C"
    assert found["power"][1] == "no under-voltage or throttling (firmware)"


def test_a_pi_on_a_weak_supply_hot_with_a_failing_sd_card(tmp_path: Path) -> None:
    put(tmp_path, "sys/devices/platform/soc/soc:firmware/get_throttled", "0x50005\n")
    put(tmp_path, "sys/class/thermal/thermal_zone0/temp", "84300\n")
    put(tmp_path, "sys/fs/ext4/mmcblk0p3/errors_count", "12\n")
    put(tmp_path, "proc/self/mounts", "/dev/mmcblk0p3 / ext4 rw,relatime 0 0\n")
    found = verdicts(tmp_path, tmp_path)
    assert found["power"] == (Verdict.WARNING, "now: under-voltage, throttled; "
                                               "since boot: under-voltage, throttling")
    assert found["temperature"] == (Verdict.WARNING, "84.3 °C: the CPU slows down")
    assert found["filesystem"] == (Verdict.WARNING, "ext4 counted 12 errors")
    put(tmp_path, "proc/self/mounts", "/dev/mmcblk0p3 / ext4 ro,relatime 0 0\n")
    assert verdicts(tmp_path, tmp_path)["filesystem"][0] is Verdict.FAIL


def test_the_clock(tmp_path: Path) -> None:
    unset = clock(datetime(1970, 1, 1, tzinfo=UTC), tmp_path)
    assert unset.verdict is Verdict.FAIL and unset.finding.startswith("CLOCK_NOT_SET")
    assert clock(NOW, tmp_path).verdict is Verdict.WARNING
    put(tmp_path, "run/systemd/timesync/synchronized", "")
    assert clock(NOW, tmp_path).verdict is Verdict.OK


def test_the_gpio_check_takes_any_loader_and_reports_the_last_failure() -> None:
    from kiosk.config import Gpio
    from kiosk.doctor.checks import gpio

    assert gpio(Gpio(factory="auto"), load=lambda name: "lgpio").finding == \
        "pin factory lgpio loads"
    assert gpio(None).verdict is Verdict.ABSENT
    off_a_pi = gpio(Gpio(factory="auto"))  # neither RPi.GPIO's API nor lgpio works here
    assert off_a_pi.verdict is Verdict.FAIL
    assert off_a_pi.finding.startswith("pin factory auto: ")
