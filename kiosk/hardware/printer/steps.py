"""The activation steps on paper: what an older citizen takes home to finish turning the card
into a digital identity, laid out in ESC/POS through python-escpos beside the hand-off
receipt (:mod:`.receipt`), with the same habits: every line arrives translated from the
caller, the QR codes are the configured addresses, and the fields are typed and checked when
built.

Nothing personal but the card's number, which the citizen types on the Ministry's site: no
name, no date of birth, never a PIN, PUK or CAN (the number must look like a CIE's, two
letters, five digits, two letters, so a code cannot pass for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from escpos.escpos import Escpos
from escpos.printer import Dummy

from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.receipt import MAX_LINES, heading, qr_dot, wrapped

CARD_NUMBER = re.compile(r"[A-Z]{2}[0-9]{5}[A-Z]{2}")
MAX_SECTIONS = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """One step: its heading, its lines, and the page it opens (None: no code)."""

    heading: str
    lines: tuple[str, ...]
    qr: str | None = None

    def __post_init__(self) -> None:
        if len(self.lines) > MAX_LINES:
            raise ValueError(f"at most {MAX_LINES} lines in a step")
        if self.qr is not None and not 0 < len(self.qr) <= 500:
            raise ValueError("the QR text must hold 1 to 500 characters")
        _printable(self.heading, *self.lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class Steps:
    """The whole printout: the Comune, a title, the card's number (with its label) and the
    steps in order."""

    comune: str
    title: str
    card_number_label: str
    card_number: str
    sections: tuple[Section, ...]

    def __post_init__(self) -> None:
        if not CARD_NUMBER.fullmatch(self.card_number):
            raise ValueError("the card number is not a CIE's (two letters, five digits, two "
                             "letters)")
        if not self.comune.strip() or not self.title.strip():
            raise ValueError("the steps need the Comune's name and a title")
        if not 0 < len(self.sections) <= MAX_SECTIONS:
            raise ValueError(f"1 to {MAX_SECTIONS} steps")
        _printable(self.comune, self.title, self.card_number_label)


def layout(steps: Steps, printer: Escpos, model: PrinterModel) -> None:
    columns = model.columns
    heading(printer, steps.comune, steps.title, columns)
    printer.ln()
    wrapped(printer, steps.card_number_label, columns)
    printer.set(bold=True, double_width=True, double_height=True)
    printer.textln(steps.card_number)
    printer.set(bold=False, normal_textsize=True)
    for section in steps.sections:
        printer.ln()
        printer.set(align="left", bold=True)
        wrapped(printer, section.heading, columns)
        printer.set(bold=False)
        for line in section.lines:
            wrapped(printer, f"- {line}", columns)
        if section.qr is not None:
            printer.qr(section.qr, size=qr_dot(section.qr, model.paper_dots), center=True)
    printer.cut()


def compose(steps: Steps, model: PrinterModel) -> bytes:
    """The whole job, composed on python-escpos's Dummy printer (as a receipt is)."""
    dummy = Dummy(profile=model.name)
    layout(steps, dummy, model)
    job: bytes = dummy.output
    return job


def _printable(*texts: str) -> None:
    for text in texts:
        if not text.isprintable():
            raise ValueError("printed text holds a control character")
