"""The checks of ``kiosk doctor``: each looks at one thing and says what it found and what a
technician should do about it. A check never raises: whatever goes wrong inside it is its
finding. Each takes what it looks at as arguments (the profile, a root for sysfs, the time),
so the tests give it a temporary kiosk.

Verdicts: ``ok``; ``warning`` (the kiosk serves citizens, but something wants attention);
``fail`` (it cannot serve them, or a configured device does not work); ``absent`` (not
configured on this kiosk: nothing to check). docs/doctor.md lists every check.
"""

from __future__ import annotations

import enum
import ssl
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

from kiosk import health
from kiosk.attach import build_reader
from kiosk.clock import clock_problem
from kiosk.config import Gpio, Profile
from kiosk.errors import KioskError
from kiosk.hardware.frontpanel import open_frontpanel
from kiosk.hardware.gpio.factory import FactoryName, open_pins
from kiosk.hardware.health import Readings
from kiosk.hardware.printer import PrinterState, open_printer
from kiosk.uplink.client import UplinkClient, UplinkError
from kiosk.uplink.credentials import CredentialsError, Identity, Store
from kiosk.uplink.runner import uplink_directory
from kiosk.uplink.schemas import HOT_CELSIUS, HealthReport

TIMESYNC_FLAG = "run/systemd/timesync/synchronized"
CLOCK_SKEW = timedelta(minutes=2)
PING_TIMEOUT = 5.0
DISK_FAIL_BYTES = 20 * 1024 * 1024  # the outbox and the logs cannot be written any more


class Verdict(enum.Enum):
    OK = "ok"
    WARNING = "warning"
    FAIL = "fail"
    ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    verdict: Verdict
    finding: str
    remedy: str = ""

    def as_json(self) -> dict[str, str]:
        return {**asdict(self), "verdict": self.verdict.value}


def ok(name: str, finding: str) -> Check:
    return Check(name, Verdict.OK, finding)


# -- devices -------------------------------------------------------------------------------


def reader(profile: Profile) -> Check:
    uri = profile.reader
    try:
        device, card = build_reader(uri, profile.state_path)
    except KioskError as exc:
        if exc.code == "PROFILE_NOT_FOUND":
            return Check("reader", Verdict.WARNING, f"{uri}: the virtual card does not exist "
                         "yet", "start the kiosk once (kiosk run): it makes the demo card")
        return Check("reader", Verdict.FAIL, f"{uri}: {exc.code}: {exc}",
                     "check the reader setting in kiosk.toml")
    try:
        names = device.readers()
    except KioskError as exc:
        return Check("reader", Verdict.FAIL, f"{uri}: {exc.code}: {exc}",
                     "is pcscd running? systemctl status pcscd; journalctl -u pcscd")
    finally:
        device.close()
    if not names:
        return Check("reader", Verdict.FAIL, f"{uri}: no reader connected",
                     "plug the contactless reader in (lsusb lists it), then "
                     "systemctl restart pcscd")
    virtual = " (virtual card)" if card is not None else ""
    return ok("reader", f"{', '.join(names)}{virtual}")


PRINTER_REMEDIES = {
    PrinterState.PAPER_OUT: "put a new paper roll in the printer",
    PrinterState.COVER_OPEN: "close the printer's cover",
    PrinterState.FAULT: "switch the printer off and on; clear any paper jam",
    PrinterState.GONE: "check the printer's power and cable (lsusb, or ping its address)",
    PrinterState.PAPER_LOW: "change the paper roll soon",
}


def printer(profile: Profile) -> Check:
    if profile.printer is None:
        return Check("printer", Verdict.ABSENT, "no printer configured",
                     "citizens are told to take a photo of their ticket number")
    try:
        device = open_printer(profile.printer.uri, model=profile.printer.model,
                              base=profile.state_path)
    except KioskError as exc:
        return Check("printer", Verdict.FAIL, f"{profile.printer.uri}: {exc.code}: {exc}",
                     "check the printer setting in kiosk.toml")
    try:
        status = device.status()
    finally:
        device.close()
    finding = f"{profile.printer.uri}: {status.state.value}"
    if status.code:
        finding += f" ({status.code})"
    if status.detail:
        finding += f": {status.detail}"
    if status.state is PrinterState.READY:
        return ok("printer", finding)
    verdict = Verdict.WARNING if status.can_print else Verdict.FAIL
    return Check("printer", verdict, finding, PRINTER_REMEDIES[status.state])


def frontpanel(profile: Profile) -> Check:
    if profile.frontpanel is None:
        return Check("frontpanel", Verdict.ABSENT, "no front panel configured")
    uri = profile.frontpanel.uri
    try:
        panel = open_frontpanel(uri)
        try:
            status = panel.ping()
        finally:
            panel.close()
    except (KioskError, OSError) as exc:
        code = exc.code if isinstance(exc, KioskError) else type(exc).__name__
        return Check("frontpanel", Verdict.FAIL, f"{uri}: {code}: {exc}",
                     "check the board's USB cable and that its firmware runs "
                     "(docs/frontpanel-protocol.md)")
    if status.tamper_open or status.tamper_latched:
        return Check("frontpanel", Verdict.FAIL,
                     f"{uri}: the case is open or was opened (tamper latched)",
                     "close the case; a clerk or technician clears the latch")
    return ok("frontpanel", f"{uri}: answering, {status.power_cycles} watchdog power cycles")


def load_gpio_factory(name: FactoryName) -> str:
    """Open the pin factory the kiosk would open (kiosk.hardware.gpio) and close it again;
    its class name."""
    pins = open_pins(name)
    try:
        return type(pins).__name__
    finally:
        pins.close()


def gpio(settings: Gpio | None,
         load: Callable[[FactoryName], str] = load_gpio_factory) -> Check:
    if settings is None:
        return Check("gpio", Verdict.ABSENT, "no GPIO devices configured")
    try:
        loaded = load(settings.factory)
    except KioskError as exc:  # GPIO_UNAVAILABLE, every factory's reason in it
        return Check("gpio", Verdict.FAIL, f"pin factory {settings.factory}: {exc.code}: {exc}",
                     "on a Pi: apt install python3-rpi-lgpio (or python3-lgpio); "
                     "elsewhere set gpio.factory = \"mock\" (docs/gpio.md)")
    return ok("gpio", f"pin factory {loaded} loads")


# -- the back-office link ------------------------------------------------------------------


def uplink(profile: Profile, now: datetime) -> list[Check]:
    if profile.uplink is None or not profile.uplink.enabled:
        return [Check("uplink", Verdict.ABSENT, "no back-office link configured")]
    store = Store(uplink_directory(profile.state_path))
    try:
        identity = store.load()
    except CredentialsError as exc:
        return [Check("uplink", Verdict.WARNING, f"{exc.code}: {exc}",
                      "kiosk enroll --url https://BACKOFFICE:8444 (the token from "
                      "kiosk backoffice kiosk add NAME)")]
    left = identity.not_after - now
    checks = [ok("uplink", f"enrolled as {identity.kiosk} with {identity.api_url}")]
    expiry = f"certificate valid until {identity.not_after.isoformat(timespec='minutes')}"
    if left <= timedelta(0):
        checks.append(Check("certificate", Verdict.FAIL, f"{expiry}: expired",
                            "kiosk backoffice kiosk add NAME --reenroll on the back-office, "
                            "then kiosk enroll --force with the new token"))
        return checks
    if left < timedelta(days=profile.uplink.renew_before_days):  # it should have renewed
        checks.append(Check("certificate", Verdict.WARNING, f"{expiry}: not renewed yet",
                            "the kiosk renews it by itself when it reaches the back-office: "
                            "see the backoffice check"))
    else:
        checks.append(ok("certificate", expiry))
    checks.append(backoffice(identity_client(identity), now))
    return checks


def identity_client(identity: Identity) -> Callable[[], datetime]:
    def ping() -> datetime:
        client = UplinkClient(identity, PING_TIMEOUT)
        try:
            return client.ping().server_time
        finally:
            client.close()
    return ping


def backoffice(ping: Callable[[], datetime], now: datetime) -> Check:
    try:
        server_time = ping()
    except (UplinkError, ssl.SSLError, OSError) as exc:
        code = exc.code if isinstance(exc, UplinkError) else type(exc).__name__
        server = exc.server_code if isinstance(exc, UplinkError) else None
        finding = f"{code}{f' ({server})' if server else ''}: {exc}"
        if code == "UPLINK_REFUSED":  # revoked, unknown, expired: it will not get better
            return Check("backoffice", Verdict.FAIL, finding,
                         "the back-office refuses this kiosk: ask for a new token "
                         "(kiosk backoffice kiosk add NAME --reenroll) and kiosk enroll --force")
        return Check("backoffice", Verdict.WARNING, finding,
                     "check the network and that the back-office runs; the kiosk serves "
                     "citizens meanwhile and sends what it holds when the link is back")
    skew = abs(server_time - now)
    if skew > CLOCK_SKEW:
        return Check("backoffice", Verdict.WARNING,
                     f"reachable; its clock and ours differ by {int(skew.total_seconds())} s",
                     "check time synchronisation (timedatectl)")
    return ok("backoffice", "reachable, the certificate accepted")


# -- the machine ---------------------------------------------------------------------------


def configuration(source: str, name: str) -> Check:
    return ok("configuration", f"{source}, profile {name}: valid")


def clock(now: datetime, root: Path) -> Check:
    problem = clock_problem(now)  # the same verdict the journeys' date rules act on
    if problem is not None:
        return Check("clock", Verdict.FAIL, problem, "connect the network so that "
                     "systemd-timesyncd sets it (timedatectl status)")
    if (root / TIMESYNC_FLAG).exists():
        return ok("clock", f"{now.isoformat(timespec='seconds')}, synchronised")
    return Check("clock", Verdict.WARNING, f"{now.isoformat(timespec='seconds')}, "
                 "not known to be synchronised", "timedatectl status; check that "
                 "systemd-timesyncd runs and reaches its NTP server")


def machine(readings: Readings) -> list[Check]:
    """Disk, filesystem, power, temperature: the health report's own judgement."""
    report = health.report(readings, None)
    return [disk(report), filesystem(report), power(report, readings.power.source),
            temperature(report)]


def disk(report: HealthReport) -> Check:
    free = report.disk_free_bytes
    if free is None:
        return Check("disk", Verdict.FAIL, "the state directory cannot be read",
                     "check that the data partition is mounted")
    finding = f"{free // 2**20} MiB free"
    if report.disk_total_bytes:
        finding += f" of {report.disk_total_bytes // 2**20} MiB"
    if free < DISK_FAIL_BYTES:
        return Check("disk", Verdict.FAIL, finding, "free space on the data partition: "
                     "journalctl --vacuum-size=50M; look for large files in the state directory")
    if report.disk_low():
        return Check("disk", Verdict.WARNING, finding, "journalctl --vacuum-size=50M")
    return ok("disk", finding)


def filesystem(report: HealthReport) -> Check:
    if report.fs_read_only:
        return Check("filesystem", Verdict.FAIL, "the data partition was remounted read-only",
                     "replace the SD card: it failed (copy the state directory first)")
    if report.fs_errors:
        return Check("filesystem", Verdict.WARNING, f"ext4 counted {report.fs_errors} errors",
                     "plan to replace the SD card; dmesg | grep EXT4 shows where")
    if report.fs_errors is None and report.fs_read_only is None:
        return Check("filesystem", Verdict.WARNING, "no ext4 error counters to read",
                     "nothing to do on a machine that is not a kiosk")
    return ok("filesystem", "no errors")


def power(report: HealthReport, source: str | None) -> Check:
    if source is None:
        return Check("power", Verdict.WARNING, "no power readings on this machine "
                     "(neither the Pi firmware's get_throttled nor the rpi_volt hwmon)",
                     "on a Pi: modprobe raspberrypi-hwmon")
    now = report.under_voltage_now or report.throttled_now
    before = report.under_voltage_since_boot or report.throttled_since_boot
    if now or before:
        what = [word for word, on in (("under-voltage", report.under_voltage_now),
                                      ("throttled", report.throttled_now)) if on]
        since = [word for word, on in (("under-voltage", report.under_voltage_since_boot),
                                       ("throttling", report.throttled_since_boot)) if on]
        finding = "; ".join(filter(None, [("now: " + ", ".join(what)) if what else "",
                                          ("since boot: " + ", ".join(since)) if since else ""]))
        return Check("power", Verdict.WARNING, finding,
                     "use the official power supply (5.1 V, 3 A for a Pi 4, 5 A for a Pi 5) "
                     "and a short, thick cable")
    return ok("power", f"no under-voltage or throttling ({source})")


def temperature(report: HealthReport) -> Check:
    celsius = report.temperature_celsius
    if celsius is None:
        return Check("temperature", Verdict.WARNING, "no thermal zone to read",
                     "nothing to do on a machine that is not a kiosk")
    if celsius >= HOT_CELSIUS:
        return Check("temperature", Verdict.WARNING, f"{celsius:.1f} °C: the CPU slows down",
                     "free the case's vents; fit the Pi's fan or heatsink")
    return ok("temperature", f"{celsius:.1f} °C")
