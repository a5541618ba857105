"""The hand-off receipt: what the citizen takes to the counter, and how it is laid out in
ESC/POS through python-escpos.

The rule of the room: a receipt carries the ticket's number, a QR code, what to do next, the
Comune's name and the time — nothing personal beyond what the citizen needs, and never a
PIN, PUK or CAN. The printer does no translation: every line comes already in the citizen's
language from the caller, who holds the catalogues. Codes cannot reach a receipt by accident
because every field is typed: the card's codes live in :class:`kiosk.cie.secret.Secret`
holders, which are not ``str`` and have no text to give; the ticket number must look like one.
Nothing here inspects text to guess whether it is a code: the types are the guard.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from datetime import datetime

import qrcode  # type: ignore[import-untyped]
import qrcode.constants  # type: ignore[import-untyped]
from escpos.escpos import Escpos
from escpos.printer import Dummy

from kiosk.hardware.printer.model import PrinterModel

# A ticket number as the desk calls it out: a letter or two, then digits ("A-042", "R17"), or
# as the uplink makes it (kiosk.uplink.tickets): a prefix of up to 8 letters and digits, at
# least one a letter, a dash, 3 to 7 digits ("ATRIO1-001"). Never eight bare digits.
TICKET = re.compile(r"[A-Z]{1,2}-?[0-9]{1,4}|(?=[A-Z0-9]*[A-Z])[A-Z0-9]{1,8}-[0-9]{3,7}")
MAX_LINES = 12
QR_DOT = 6  # dots per QR module: 8 modules per cm, easy for any phone (the border is 1,
# as python-escpos draws it; with its error correction L, as here)


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    """One hand-off receipt; refuses, when built, a field it could not print as given.

    >>> Receipt(comune="Comune di Forlì", title="Il tuo numero", ticket="A-042",
    ...         qr="https://comune.example/t/A-042", next_steps=("Vai allo sportello 3.",),
    ...         issued=datetime(2026, 12, 7, 10, 42)).ticket
    'A-042'
    """

    comune: str
    title: str  # the words above the number, e.g. "Il tuo numero"
    ticket: str
    qr: str  # a URL or text for the citizen's phone; the caller says what
    next_steps: tuple[str, ...]
    issued: datetime  # printed as ISO 8601, read the same way in every language

    def __post_init__(self) -> None:
        if not TICKET.fullmatch(self.ticket):
            raise ValueError(f"ticket number {self.ticket!r} is not letters then digits")
        if not 0 < len(self.qr) <= 500:
            raise ValueError("the QR text must hold 1 to 500 characters")
        if not self.comune.strip() or not self.title.strip():
            raise ValueError("a receipt needs the Comune's name and a title")
        if len(self.next_steps) > MAX_LINES:
            raise ValueError(f"at most {MAX_LINES} lines of next steps")
        for text in (self.comune, self.title, *self.next_steps):
            if not text.isprintable():
                raise ValueError("receipt text holds a control character")


def layout(receipt: Receipt, printer: Escpos, model: PrinterModel) -> None:
    """Print ``receipt`` on ``printer``, a ``model`` (whose width the profile must know)."""
    columns = model.columns
    heading(printer, receipt.comune, receipt.title, columns)
    printer.set(bold=True, double_width=True, double_height=True)
    printer.textln(receipt.ticket)
    printer.set(bold=False, normal_textsize=True)
    printer.qr(receipt.qr, size=qr_dot(receipt.qr, model.paper_dots), center=True)
    printer.set(align="left")
    for step in receipt.next_steps:
        wrapped(printer, step, columns)
    printer.ln()
    printer.set(align="right")
    printer.textln(receipt.issued.strftime("%Y-%m-%d %H:%M"))
    printer.cut()


def compose(receipt: Receipt, model: PrinterModel) -> bytes:
    """The whole job for ``receipt``, composed on python-escpos's Dummy printer: the same
    bytes whichever printer then receives them."""
    dummy = Dummy(profile=model.name)
    layout(receipt, dummy, model)
    job: bytes = dummy.output
    return job


def qr_dot(text: str, paper_dots: int) -> int:
    """Dots per module: :data:`QR_DOT`, or fewer when a long text's code would not fit the
    paper (python-escpos refuses an image wider than the paper)."""
    code = qrcode.QRCode(border=1, error_correction=qrcode.constants.ERROR_CORRECT_L)
    code.add_data(text)
    code.make(fit=True)
    modules: int = code.modules_count + 2
    return max(1, min(QR_DOT, paper_dots // modules))


def heading(printer: Escpos, comune: str, title: str, columns: int) -> None:
    """The top of every printout: the Comune's name in bold, then the title, centred."""
    printer.hw("INIT")
    printer.set(align="center", bold=True)
    wrapped(printer, comune, columns)
    printer.set(bold=False)
    printer.ln()
    wrapped(printer, title, columns)


def wrapped(printer: Escpos, text: str, columns: int) -> None:
    for line in textwrap.wrap(text, columns) or [""]:
        printer.textln(line)
