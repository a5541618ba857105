"""Real printers through python-escpos: ``escpos.printer.Usb``, ``Serial`` or ``Network``,
chosen by the URI's target.

    backend   write  status  remarks
    usb       yes    yes     pyusb and libusb; the kiosk's user needs the device (udev rule)
    serial    yes    yes     pyserial; a status answer takes the read timeout (0.5 s)
    network   yes    yes     raw TCP on port 9100; one connection, opened again after a loss

A python-escpos printer object opens its device on first use and, once that failed, stays
unusable; so the backend builds a fresh one whenever the last one lost its device.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Network, Serial, Usb

from kiosk.hardware.printer.backend import PrinterBackend
from kiosk.hardware.printer.errors import BackendMissing, PrinterGone
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.uri import NetworkTarget, SerialTarget, Target, UsbTarget

TIMEOUT_SECONDS = 5.0
SERIAL_READ_SECONDS = 0.5  # a status read waits this long for the rest of 16 bytes
# What a device gone away raises: sockets and pyserial raise OSError subclasses, pyusb's
# USBError is one, and python-escpos raises DeviceNotFoundError when it cannot open it.
LINK_ERRORS = (OSError, DeviceNotFoundError)


class EscposBackend(PrinterBackend):
    """Extends :class:`PrinterBackend` over one python-escpos printer class."""

    def __init__(self, make: Callable[[], Escpos], name: str) -> None:
        self._make = make
        self.name = name
        self._printer: Escpos | None = None

    @classmethod
    def open(cls, target: Target, model: PrinterModel) -> EscposBackend:
        if isinstance(target, UsbTarget):
            _require(Usb, "pyusb")
            return cls(lambda: Usb(target.vendor, target.product, timeout=TIMEOUT_SECONDS * 1000,
                                   profile=model.name),
                       f"usb:{target.vendor:#06x}:{target.product:#06x}")
        if isinstance(target, SerialTarget):
            _require(Serial, "pyserial")
            return cls(lambda: Serial(target.device, baudrate=target.baudrate,
                                      timeout=SERIAL_READ_SECONDS, profile=model.name),
                       f"serial:{target.device}")
        assert isinstance(target, NetworkTarget)
        return cls(lambda: Network(target.host, target.port, timeout=TIMEOUT_SECONDS,
                                   profile=model.name), f"network:{target.host}:{target.port}")

    def write(self, job: bytes) -> None:
        # _raw is python-escpos's way to send bytes made elsewhere (its Dummy's docstring
        # says so): the job is composed whole on a Dummy, then sent in one piece.
        self._use(lambda printer: printer._raw(job))

    def query(self, request: bytes) -> bytes:
        """The answer; a kept connection that died since its last use (a network printer
        rebooted) is opened anew and asked once more, so a reboot is no false alarm."""
        reused = self._printer is not None
        try:
            answer = self._ask(request)
        except PrinterGone:
            if not reused:
                raise
            answer = b""
        return answer if answer or not reused else self._ask(request)

    def close(self) -> None:
        printer, self._printer = self._printer, None
        if printer is not None:
            with contextlib.suppress(*LINK_ERRORS):  # a device already gone has nothing left
                printer.close()

    def _ask(self, request: bytes) -> bytes:
        answer = bytes(self._use(lambda printer: printer.query_status(request)))
        if not answer:
            self.close()  # silent, or the line closed: the next use starts over
        return answer

    def _use(self, action: Callable[[Escpos], bytes | None]) -> bytes:
        if self._printer is None:
            self._printer = self._make()
        try:
            return action(self._printer) or b""
        except LINK_ERRORS as error:
            self.close()
            reason = " ".join(str(error).split())  # python-escpos's messages span lines
            raise PrinterGone(f"printer {self.name} cannot be reached: {reason}") from None


def _require(kind: type[Escpos], library: str) -> None:
    if not kind.is_usable():
        raise BackendMissing(f"the {kind.__name__.lower()} printer needs {library}, "
                             "which is not installed")
