"""What the printer says about itself: the real-time status bytes of ESC/POS decoded into one
state, and the snapshot the heartbeat and ``kiosk doctor`` report.

A printer answers ``DLE EOT n`` with one byte whose bits 1 and 4 are always set (Epson's
"fixed" bits; a byte without them is not a status answer). Three questions are asked:

    n=1 printer status    bit 3: off line
    n=2 off-line cause    bit 2: cover open, bit 5: stopped by paper end, bit 6: error
    n=4 paper sensor      bits 2-3: roll near its end, bits 5-6: no paper

python-escpos's ``is_online()`` and ``paper_status()`` ask the same questions but read a
missing answer as "off line" and as "plenty of paper": here no answer means the printer is
gone, so the bytes are decoded here, from its ``query_status``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.hardware.printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterError,
    PrinterFault,
    PrinterGone,
)

DLE_EOT = b"\x10\x04"
PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR = 1, 2, 4
QUESTIONS = (PRINTER_STATUS, OFFLINE_CAUSE, PAPER_SENSOR)
FIXED, FIXED_MASK = 0x12, 0x93
OFFLINE = 0x08
COVER_OPEN, PAPER_END_STOP, ERROR = 0x04, 0x20, 0x40
NEAR_END, NO_PAPER = 0x0C, 0x60


class PrinterState(enum.Enum):
    READY = "ready"
    PAPER_LOW = "paper_low"  # the near-end sensor: still prints, the roll wants changing
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    FAULT = "fault"
    GONE = "gone"


_ERRORS: dict[PrinterState, tuple[type[PrinterError], str]] = {
    PrinterState.PAPER_OUT: (PaperOut, "the printer has no paper"),
    PrinterState.COVER_OPEN: (CoverOpen, "the printer's cover is open"),
    PrinterState.FAULT: (PrinterFault, "the printer stopped with an error"),
    PrinterState.GONE: (PrinterGone, "the printer does not answer"),
}

# The bytes a printer in each state answers to n = 1, 2, 4: what the virtual printer says.
ANSWERS: dict[PrinterState, tuple[int, int, int]] = {
    PrinterState.READY: (FIXED, FIXED, FIXED),
    PrinterState.PAPER_LOW: (FIXED, FIXED, FIXED | NEAR_END),
    PrinterState.PAPER_OUT: (FIXED | OFFLINE, FIXED | PAPER_END_STOP, FIXED | NEAR_END | NO_PAPER),
    PrinterState.COVER_OPEN: (FIXED | OFFLINE, FIXED | COVER_OPEN, FIXED),
    PrinterState.FAULT: (FIXED | OFFLINE, FIXED | ERROR, FIXED),
}


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """One reading of the printer. ``detail`` says, for a technician, what was seen."""

    state: PrinterState
    detail: str = ""

    @property
    def can_print(self) -> bool:
        return self.state in (PrinterState.READY, PrinterState.PAPER_LOW)

    @property
    def code(self) -> str | None:
        """The error code of a printer that cannot print; None when it can."""
        entry = _ERRORS.get(self.state)
        return entry[0].code if entry else None

    def error(self) -> PrinterError | None:
        """The coded error to raise for a printer that cannot print; None when it can."""
        entry = _ERRORS.get(self.state)
        if entry is None:
            return None
        kind, message = entry
        return kind(f"{message} ({self.detail})" if self.detail else message)

    def snapshot(self) -> dict[str, str | None]:
        """For the heartbeat and ``kiosk doctor``: plain strings, nothing else."""
        return {"state": self.state.value, "code": self.code, "detail": self.detail}


def request(question: int) -> bytes:
    return DLE_EOT + bytes((question,))


def decode(printer: bytes, cause: bytes, paper: bytes) -> PrinterStatus:
    """The state from the answers to n = 1, 2 and 4 (each b"" when none came)."""
    answers = (printer, cause, paper)
    if any(len(answer) == 0 for answer in answers):
        return PrinterStatus(PrinterState.GONE, "no answer to a status request")
    first = [answer[0] for answer in answers]
    if any(byte & FIXED_MASK != FIXED for byte in first):
        return PrinterStatus(PrinterState.FAULT, f"not a status answer: {bytes(first).hex()}")
    status, why, sensor = first
    if why & COVER_OPEN:
        return PrinterStatus(PrinterState.COVER_OPEN)
    if why & PAPER_END_STOP or sensor & NO_PAPER == NO_PAPER:
        return PrinterStatus(PrinterState.PAPER_OUT)
    if status & OFFLINE or why & ERROR:
        return PrinterStatus(PrinterState.FAULT, f"status {bytes(first).hex()}")
    if sensor & NEAR_END == NEAR_END:
        return PrinterStatus(PrinterState.PAPER_LOW)
    return PrinterStatus(PrinterState.READY)
