"""The contract every printer backend implements: move a job's bytes to the printer, and ask
it a real-time status question. Like nfcpy's drivers, a backend owns its library and nothing
else: locking, the layout and what a status means live in the frontend.

Not thread-safe; the frontend calls a backend under its lock.
"""

from __future__ import annotations

import abc

from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.uri import Target


class PrinterBackend(abc.ABC):
    @classmethod
    @abc.abstractmethod
    def open(cls, target: Target, model: PrinterModel) -> PrinterBackend:
        """The backend for ``target`` (BackendMissing when its library is not installed).
        Opening reaches no device: a printer switched off at boot is a status, not a crash."""

    @abc.abstractmethod
    def write(self, job: bytes) -> None:
        """Send one whole job (PrinterGone when the printer cannot be reached)."""

    @abc.abstractmethod
    def query(self, request: bytes) -> bytes:
        """Send a ``DLE EOT n`` request and return the answer, b"" when none came
        (PrinterGone when the printer cannot be reached)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the device; idempotent. A later call opens it again."""

