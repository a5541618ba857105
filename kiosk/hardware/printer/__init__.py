"""The receipt printer: a frontend (:mod:`.frontend`) over python-escpos's USB, serial and
network printers (:mod:`.escpos_backend`) and a virtual printer (:mod:`.virtual`) that reads
the ESC/POS bytes back (:mod:`.escpos_reader`) and prints them as PNG (:mod:`.paper`).
The hand-off receipt's fields and layout are in :mod:`.receipt`; the status bytes and the
heartbeat's snapshot in :mod:`.status`."""

from kiosk.hardware.printer.frontend import ReceiptPrinter, open_printer
from kiosk.hardware.printer.receipt import Receipt
from kiosk.hardware.printer.status import PrinterState, PrinterStatus

__all__ = ["PrinterState", "PrinterStatus", "Receipt", "ReceiptPrinter", "open_printer"]
