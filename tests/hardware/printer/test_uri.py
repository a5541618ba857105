"""Printer URIs: the hardware's parser and the configuration's check agree, a wrong one in
kiosk.toml is CONFIG_INVALID, and each backend opens without touching a device."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import config
from kiosk.config import ConfigError
from kiosk.hardware.printer import PrinterState, open_printer
from kiosk.hardware.printer.errors import BadPrinterUri
from kiosk.hardware.printer.uri import (
    NetworkTarget,
    SerialTarget,
    UsbTarget,
    VirtualTarget,
    parse_uri,
)

GOOD = [
    ("usb:0x04b8:0x0e15", UsbTarget(0x04B8, 0x0E15)),
    ("usb:0x0DD4:0x0195", UsbTarget(0x0DD4, 0x0195)),
    ("serial:/dev/ttyUSB0", SerialTarget("/dev/ttyUSB0", 9600)),
    ("serial:/dev/ttyS0:19200", SerialTarget("/dev/ttyS0", 19200)),
    ("network:192.168.1.50", NetworkTarget("192.168.1.50", 9100)),
    ("network:printer.comune.local:9101", NetworkTarget("printer.comune.local", 9101)),
    ("virtual:/tmp/receipts", VirtualTarget(Path("/tmp/receipts"))),
    ("virtual:receipts", VirtualTarget(Path("/var/lib/kiosk/receipts"))),
]
BAD = ["", "usb", "usb:04b8:0e15", "usb:0x4b8:0x0e15", "usb:0x04b8", "serial:", "serial:ttyUSB0",
       "serial:/dev/ttyS0:fast", "network:", "network:-x", "network:host:0",
       "network:host:65536", "network:host:port", "virtual:", "lp:/dev/usb/lp0", "cups:Epson"]


@pytest.mark.parametrize(("uri", "target"), GOOD)
def test_good_uris(uri: str, target: object) -> None:
    assert parse_uri(uri, Path("/var/lib/kiosk")) == target


@pytest.mark.parametrize("uri", BAD)
def test_bad_uris_are_coded_errors(uri: str) -> None:
    with pytest.raises(BadPrinterUri) as caught:
        parse_uri(uri)
    assert caught.value.code == "PRINTER_BAD_URI"


def profile_with_printer(line: str) -> str:
    return f'[profiles.sim]\nreader = "sim:card.json"\nstate_dir = "/tmp/k"\n{line}\n'


@pytest.mark.parametrize(("uri", "good"), [(uri, True) for uri, _ in GOOD] +
                         [(uri, False) for uri in BAD])
def test_the_configuration_accepts_exactly_the_uris_the_hardware_parses(
    tmp_path: Path, uri: str, good: bool
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(profile_with_printer(f'printer = {{ uri = "{uri}" }}'))
    if good:
        assert config.load(path).profile.printer is not None
        return
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert caught.value.code == "CONFIG_INVALID"
    assert "profiles.sim.printer.uri: Value error, not usb:0xVENDOR:0xPRODUCT" in str(caught.value)


@pytest.mark.parametrize(("line", "message"), [
    ('printer = { uri = "network:10.0.0.9", colour = "red" }', "printer.colour: unknown key"),
    ('printer = { uri = "network:10.0.0.9", model = "" }', "printer.model"),
    ('printer = "network:10.0.0.9"', "printer: Input should be"),
])
def test_other_printer_mistakes_are_config_invalid(tmp_path: Path, line: str,
                                                   message: str) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(profile_with_printer(line))
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert (caught.value.code, message in str(caught.value)) == ("CONFIG_INVALID", True)


def test_the_packaged_profiles_name_printers_that_open(tmp_path: Path) -> None:
    for name in ("sim", "realistic", "pi"):
        profile = config.parse(config.default_config_text(), "packaged", name).profile
        assert profile.printer is not None
        open_printer(profile.printer.uri, model=profile.printer.model, base=tmp_path).close()


def test_an_unknown_model_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(BadPrinterUri, match="'TM-X1' is not in python-escpos's database"):
        open_printer(f"virtual:{tmp_path}", model="TM-X1")
    with pytest.raises(BadPrinterUri, match=r"'default' .* with a known paper width") as caught:
        open_printer(f"virtual:{tmp_path}", model="default")  # the database's has none
    assert caught.value.code == "PRINTER_BAD_URI"


@pytest.mark.parametrize("uri", ["usb:0x04b8:0x0e15", "serial:/dev/ttyKIOSKNONE",
                                 "network:127.0.0.1:1"])
def test_a_printer_not_there_is_gone_and_not_a_crash(uri: str) -> None:
    """Opening touches no device; asking reaches the real library (pyusb over libusb,
    pyserial, a socket) and finds nothing."""
    printer = open_printer(uri)
    status = printer.status()
    assert (status.state, status.code) == (PrinterState.GONE, "PRINTER_GONE")
    assert "cannot be reached" in status.detail and "\n" not in status.detail
    printer.close()


def test_a_missing_library_is_a_coded_startup_error() -> None:
    program = ("import sys\nsys.modules['usb'] = None\n"
               "from kiosk.hardware.printer import open_printer\n"
               "from kiosk.hardware.printer.errors import BackendMissing\n"
               "try:\n    open_printer('usb:0x04b8:0x0e15')\n"
               "except BackendMissing as error:\n    print(error.code, error)\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True)
    assert done.stdout.strip() == ("PRINTER_BACKEND_MISSING the usb printer needs pyusb, "
                                   "which is not installed")
