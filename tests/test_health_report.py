"""The heartbeat's health report from the app's side (kiosk/health.py): the machine's
readings from a tree laid out like a Pi's sysfs, and the virtual printer's state, asked
only when no receipt holds the printer (the last known state meanwhile)."""

from __future__ import annotations

from pathlib import Path

from kiosk.hardware.printer import open_printer
from kiosk.health import HealthMonitor
from kiosk.uplink.schemas import HealthProblem
from tests.hardware.test_health import put


def test_the_report_of_a_pi_with_a_virtual_printer(tmp_path: Path) -> None:
    root, state = tmp_path / "root", tmp_path / "state"
    state.mkdir()
    put(root, "proc/sys/kernel/random/boot_id", "1f0c3bd2-0000-4000-8000-000000000001\n")
    put(root, "sys/class/hwmon/hwmon2/name", "rpi_volt\n")
    put(root, "sys/class/hwmon/hwmon2/in0_lcrit_alarm", "1\n")
    put(root, "sys/class/thermal/thermal_zone0/temp", "48312\n")
    printer = open_printer("virtual:receipts", base=state)
    monitor = HealthMonitor(state, printer, root=root)
    try:
        report = monitor.report()
        assert (report.under_voltage_now, report.under_voltage_since_boot) == (True, True)
        assert (report.throttled_now, report.temperature_celsius) == (None, 48.3)
        assert (report.printer, report.frontpanel_present) == ("ok", None)
        assert report.problems() == [HealthProblem.UNDER_VOLTAGE]

        put(root, "sys/class/hwmon/hwmon2/in0_lcrit_alarm", "0\n")
        (state / "receipts" / "state").write_text("cover_open\n")
        monitor.frontpanel_present = False
        report = monitor.report()
        assert (report.under_voltage_now, report.under_voltage_since_boot) == (False, True)
        assert report.printer == "PRINTER_COVER_OPEN"
        assert report.problems() == [HealthProblem.UNDER_VOLTAGE, HealthProblem.PRINTER,
                                     HealthProblem.FRONTPANEL]

        # A receipt being printed holds the printer: the report repeats what it last saw.
        (state / "receipts" / "state").write_text("ready\n")
        with printer._lock:
            assert printer.status_if_idle(0.01) is None
            assert monitor.printer() == "PRINTER_COVER_OPEN"
        assert monitor.printer() == "ok"
    finally:
        printer.close()


def test_no_printer_configured_is_absent(tmp_path: Path) -> None:
    report = HealthMonitor(tmp_path, None, root=tmp_path / "empty").report()
    assert report.printer == "absent"
    assert report.problems() == []
