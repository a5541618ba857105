"""The kiosk's receipt printer: one frontend over the backends, as nfcpy's frontend sits over
its drivers. It owns the lock, the layout and the reading of the status bytes; a backend
only moves bytes (:mod:`.backend`)."""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

from kiosk.hardware.printer.backend import PrinterBackend
from kiosk.hardware.printer.errors import PrinterGone
from kiosk.hardware.printer.model import DEFAULT_MODEL, PrinterModel
from kiosk.hardware.printer.receipt import Receipt, compose
from kiosk.hardware.printer.status import QUESTIONS, PrinterState, PrinterStatus, decode, request
from kiosk.hardware.printer.steps import Steps
from kiosk.hardware.printer.steps import compose as compose_steps
from kiosk.hardware.printer.uri import (
    NetworkTarget,
    SerialTarget,
    Target,
    UsbTarget,
    VirtualTarget,
    parse_uri,
)

# Backend modules, loaded only when a URI names them.
_BACKENDS: dict[type[Target], str] = {
    UsbTarget: "kiosk.hardware.printer.escpos_backend:EscposBackend",
    SerialTarget: "kiosk.hardware.printer.escpos_backend:EscposBackend",
    NetworkTarget: "kiosk.hardware.printer.escpos_backend:EscposBackend",
    VirtualTarget: "kiosk.hardware.printer.virtual:VirtualPrinter",
}


class ReceiptPrinter:
    """The receipt printer. Thread-safe: the heartbeat asks its status while a journey prints.

    >>> printer = open_printer(f"virtual:{tmp}")
    >>> printer.status().state
    <PrinterState.READY: 'ready'>
    >>> printer.print_receipt(receipt)
    """

    def __init__(self, backend: PrinterBackend, model: PrinterModel) -> None:
        self.backend = backend
        self.model = model
        self._lock = threading.Lock()

    def status(self) -> PrinterStatus:
        """Ask the printer; a printer that cannot be reached is a GONE status, not an error."""
        with self._lock:
            return self._status()

    def status_if_idle(self, wait: float) -> PrinterStatus | None:
        """Ask the printer unless a job holds it for more than ``wait`` seconds (None then):
        for the heartbeat, which must not stand in line behind a long receipt."""
        if not self._lock.acquire(timeout=wait):
            return None
        try:
            return self._status()
        finally:
            self._lock.release()

    def print_receipt(self, receipt: Receipt) -> None:
        """Print ``receipt``; raises the coded error of a printer that cannot print it
        (PRINTER_PAPER_OUT, PRINTER_COVER_OPEN, PRINTER_FAULT, PRINTER_GONE), and sends
        nothing then."""
        self._send(compose(receipt, self.model))

    def print_steps(self, steps: Steps) -> None:
        """Print the activation steps; the same errors as :meth:`print_receipt`."""
        self._send(compose_steps(steps, self.model))

    def _send(self, job: bytes) -> None:
        with self._lock:
            error = self._status().error()
            if error is not None:
                raise error
            self.backend.write(job)

    def close(self) -> None:
        with self._lock:
            self.backend.close()

    def _status(self) -> PrinterStatus:
        try:
            answers = [self.backend.query(request(question)) for question in QUESTIONS]
        except PrinterGone as gone:
            return PrinterStatus(PrinterState.GONE, str(gone))
        return decode(*answers)


def open_printer(uri: str, *, model: str = DEFAULT_MODEL, base: Path | None = None
                 ) -> ReceiptPrinter:
    """The printer named by ``uri`` (see :mod:`.uri`; a relative ``virtual:`` directory is
    taken from ``base``), of ``model`` in python-escpos's printer database. Raises
    BadPrinterUri or BackendMissing; a printer that is off is a status, not an error."""
    target = parse_uri(uri, base)
    printer_model = PrinterModel.named(model)
    module, _, name = _BACKENDS[type(target)].partition(":")
    backend: type[PrinterBackend] = getattr(importlib.import_module(module), name)
    return ReceiptPrinter(backend.open(target, printer_model), printer_model)
