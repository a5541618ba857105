"""Printer errors, each with a stable code that tells a technician (and the citizen's screen,
"take a photo of the number instead") what went wrong."""

from __future__ import annotations

from typing import Any

from kiosk.errors import KioskError


class PrinterError(KioskError):
    code = "PRINTER_ERROR"


class PaperOut(PrinterError):
    """The roll is empty: a receipt sent now would not come out."""

    code = "PRINTER_PAPER_OUT"


class CoverOpen(PrinterError):
    """The paper cover is open (roll being changed, or left open)."""

    code = "PRINTER_COVER_OPEN"


class PrinterGone(PrinterError, ConnectionError):
    """The printer cannot be reached or does not answer: unplugged, switched off, cable or
    network down."""

    code = "PRINTER_GONE"


class PrinterFault(PrinterError):
    """The printer is there but stopped for another reason it reports (a cutter jam, a head
    too hot): it needs a technician."""

    code = "PRINTER_FAULT"


class BadPrinterUri(PrinterError, ValueError):
    """A printer URI this kiosk does not understand, or a printer model unknown to
    python-escpos's printer database."""

    code = "PRINTER_BAD_URI"


class BackendMissing(PrinterError, ImportError):
    """The library a backend needs is not installed (pyusb for ``usb:``, pyserial for
    ``serial:``): a broken image, never silently replaced by the virtual printer."""

    code = "PRINTER_BACKEND_MISSING"


class BadEscPos(PrinterError, ValueError):
    """The virtual printer received bytes it cannot print: a command it does not know, or
    one cut short. ``offset`` is where in the job the command starts."""

    code = "PRINTER_BAD_ESCPOS"

    def __init__(self, message: str, *, offset: int) -> None:
        super().__init__(f"{message} at byte {offset}")
        self.offset = offset

    def details(self) -> dict[str, Any]:
        return {**super().details(), "offset": self.offset}
