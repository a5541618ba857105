"""Printer URIs: which printer a profile names, parsed into a typed target.

    usb:0x04b8:0x0e15       a USB printer by vendor and product id
    serial:/dev/ttyUSB0     a serial printer (9600 baud), or serial:/dev/ttyS0:19200
    network:192.168.1.50    a network printer on port 9100, or network:HOST:PORT
    virtual:DIR             the virtual printer, writing PNG receipts into DIR

kiosk.config checks the same grammar with :data:`kiosk.config.PRINTER_URI` (the configuration
may not import the hardware room); tests/hardware/printer/test_uri.py holds the two together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from kiosk.hardware.printer.errors import BadPrinterUri

DEFAULT_BAUDRATE = 9600
DEFAULT_PORT = 9100  # the raw printing port every network receipt printer listens on
USB_ID = re.compile(r"0x[0-9a-fA-F]{4}")
HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})")


@dataclass(frozen=True, slots=True)
class UsbTarget:
    vendor: int
    product: int


@dataclass(frozen=True, slots=True)
class SerialTarget:
    device: str
    baudrate: int = DEFAULT_BAUDRATE


@dataclass(frozen=True, slots=True)
class NetworkTarget:
    host: str
    port: int = DEFAULT_PORT


@dataclass(frozen=True, slots=True)
class VirtualTarget:
    directory: Path


Target = UsbTarget | SerialTarget | NetworkTarget | VirtualTarget


def parse_uri(uri: str, base: Path | None = None) -> Target:
    """The printer ``uri`` names; a relative ``virtual:`` directory is taken from ``base``
    (the profile's state directory). Raises :class:`BadPrinterUri`."""
    scheme, _, rest = uri.partition(":")
    parser = _PARSERS.get(scheme)
    target = parser(rest, base) if parser is not None else None
    if target is None:
        raise BadPrinterUri(f"printer {uri!r} is not usb:0xVVVV:0xPPPP, serial:DEVICE[:BAUD], "
                            "network:HOST[:PORT] or virtual:DIR")
    return target


def _usb(rest: str, base: Path | None) -> UsbTarget | None:
    vendor, _, product = rest.partition(":")
    if not (USB_ID.fullmatch(vendor) and USB_ID.fullmatch(product)):
        return None
    return UsbTarget(int(vendor, 16), int(product, 16))


def _serial(rest: str, base: Path | None) -> SerialTarget | None:
    device, _, baud = rest.partition(":")
    if not device.startswith("/") or (baud and not baud.isdigit()):
        return None
    return SerialTarget(device, int(baud) if baud else DEFAULT_BAUDRATE)


def _network(rest: str, base: Path | None) -> NetworkTarget | None:
    host, _, port = rest.partition(":")
    if not HOST.fullmatch(host) or (port and not (port.isdigit() and 0 < int(port) < 65536)):
        return None
    return NetworkTarget(host, int(port) if port else DEFAULT_PORT)


def _virtual(rest: str, base: Path | None) -> VirtualTarget | None:
    if not rest:
        return None
    path = Path(rest).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return VirtualTarget(path)


_PARSERS = {"usb": _usb, "serial": _serial, "network": _network, "virtual": _virtual}
