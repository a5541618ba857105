"""The heartbeat's health report, put together from the machine's readings
(:mod:`kiosk.hardware.health`) and the devices the app holds: shared by the kiosk
(:mod:`kiosk.app`, every heartbeat) and ``kiosk doctor``, so both say the same thing.

Cheap enough for every heartbeat: a handful of small sysfs files, one ``statvfs``, and the
printer's three status bytes, asked only when no receipt is printing (a heartbeat does not
wait behind a job: it repeats the last status it had).
"""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.hardware.health import BootLatch, Readings, read
from kiosk.hardware.printer import PrinterStatus, ReceiptPrinter
from kiosk.uplink.schemas import PRINTER_ABSENT, PRINTER_OK, PRINTER_PAPER_LOW, HealthReport

LATCH_FILE = "health-latch.json"
PRINTER_WAIT_SECONDS = 0.5


def printer_word(status: PrinterStatus | None) -> str | None:
    """The report's printer field: ok, paper_low, or the code of a printer that cannot print."""
    if status is None:
        return None
    if status.code is not None:
        return status.code
    return PRINTER_PAPER_LOW if status.state.value == "paper_low" else PRINTER_OK


def report(readings: Readings, printer: str | None,
           frontpanel_present: bool | None = None) -> HealthReport:
    power = readings.power
    return HealthReport(
        under_voltage_now=power.under_voltage_now,
        under_voltage_since_boot=power.under_voltage_since_boot,
        throttled_now=power.throttled_now, throttled_since_boot=power.throttled_since_boot,
        temperature_celsius=None if readings.temperature_celsius is None
        else round(readings.temperature_celsius, 1),
        fs_errors=readings.fs_errors, fs_read_only=readings.fs_read_only,
        disk_free_bytes=readings.disk_free_bytes, disk_total_bytes=readings.disk_total_bytes,
        printer=printer, frontpanel_present=frontpanel_present)


class HealthMonitor:
    """The kiosk's health for its heartbeat. Called from the uplink's thread."""

    def __init__(self, state_dir: Path, printer: ReceiptPrinter | None, *,
                 root: Path = Path("/")) -> None:
        self.state_dir = state_dir
        self.root = root
        self._printer = printer
        self._latch = BootLatch(state_dir / LATCH_FILE, root)
        self._lock = threading.Lock()
        self._last_printer: PrinterStatus | None = None
        self.frontpanel_present: bool | None = None  # set by whoever holds the front panel

    def readings(self) -> Readings:
        found = read(self.root, self.state_dir)
        return Readings(self._latch.apply(found.power), found.temperature_celsius,
                        found.fs_errors, found.fs_read_only, found.disk_free_bytes,
                        found.disk_total_bytes)

    def printer(self) -> str:
        if self._printer is None:
            return PRINTER_ABSENT
        status = self._printer.status_if_idle(PRINTER_WAIT_SECONDS)
        with self._lock:
            if status is not None:
                self._last_printer = status
            status = self._last_printer
        return printer_word(status) or PRINTER_OK  # busy since start: printing, so it prints

    def report(self) -> HealthReport:
        return report(self.readings(), self.printer(), self.frontpanel_present)
