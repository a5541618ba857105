"""The journeys' printing ports over the receipt printer — :class:`~kiosk.journeys.ports.Receipts`
(a hand-off's ticket) and :class:`~kiosk.journeys.ports.StepsPrinter` (the activation helper's
steps): adapters the composition root owns, because they need two rooms the journeys may not
touch (the UI's catalogues to translate, the hardware's printer to print).

The journey asks for a receipt in message ids and a language; this turns them into a
:class:`~kiosk.hardware.printer.Receipt` with the Comune's name (``site.comune``), and the
printer's trouble into its error code, which the ticket screen turns into "take a photo of the
number instead".

**What the QR code holds: the ticket's number, nothing else.** It is what the receipt is
for: a phone that scans it gets the number the desk calls out, and a desk scanner types it
into the console's search (a scanner is a keyboard). It is not personal (the number means
something only at the Comune's desk, which purges the ticket's data when it closes), it stays
true offline (the number is the kiosk's own), and it cannot go stale as a web address can.
A URL with the number in it would add a page the Comune must keep, and a place where the
number leaves the town hall.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from kiosk import logs
from kiosk.errors import KioskError
from kiosk.hardware.printer import Receipt, ReceiptPrinter
from kiosk.hardware.printer.errors import PrinterError
from kiosk.hardware.printer.steps import Section, Steps
from kiosk.journeys import Language, Screen, activation
from kiosk.journeys.ports import NO_PRINTER, ActivationSteps, ReceiptRequest
from kiosk.ui.i18n import DOCUMENT_NUMBER, Catalog

log = logging.getLogger(__name__)

RECEIPT_INVALID = "RECEIPT_INVALID"  # a field the receipt refused: a bug, never a crash


class PrinterReceipts:
    """Receipts on ``printer`` (None: the kiosk has none), headed with ``comune``. Called on
    the card worker's thread; the printer's own lock keeps the heartbeat's status questions
    out of a job."""

    def __init__(self, printer: ReceiptPrinter | None, comune: str, *,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self._printer = printer
        self._comune = comune
        self._clock = clock

    def print(self, request: ReceiptRequest) -> str | None:
        if self._printer is None:
            return NO_PRINTER
        words = Catalog(request.language)
        try:
            receipt = Receipt(comune=self._comune, title=words.text(request.title),
                              ticket=request.number, qr=request.number,
                              next_steps=tuple(words.text(step) for step in request.next_steps),
                              issued=self._clock().replace(second=0, microsecond=0))
        except ValueError as error:
            log.error("receipt refused: %s", error, extra=logs.fields(code=RECEIPT_INVALID))
            return RECEIPT_INVALID
        try:
            self._printer.print_receipt(receipt)
        except PrinterError as error:
            log.warning("receipt not printed [%s]", error.code,
                        extra=logs.fields(code=error.code))
            return error.code
        return None


class StepsOnPaper:
    """The activation helper's :class:`~kiosk.journeys.ports.StepsPrinter` over the receipt
    printer: the steps in the session's language (the UI's catalogue), under the Comune's name.
    A printer that cannot print is logged with its code, and the screen says so."""

    def __init__(self, printer: ReceiptPrinter, comune: str,
                 language: Callable[[], Language]) -> None:
        self._printer = printer
        self._comune = comune
        self._language = language

    def print_steps(self, steps: ActivationSteps) -> bool:
        tr = Catalog(self._language())
        level3 = (activation.LEVEL3_ADDS if steps.level3
                  else ("activation.minor.levels_1_2_only",))
        sections = (
            Section(heading=tr.title(Screen.ACTIVATION_LEVELS_1_2),
                    lines=tuple(map(tr.text, activation.LEVELS_STEPS)), qr=steps.activation_url),
            Section(heading=tr.title(Screen.ACTIVATION_CIEID_APP),
                    lines=tuple(map(tr.text, activation.APP_STEPS)), qr=steps.cieid_app_url),
            Section(heading=tr.title(Screen.ACTIVATION_LEVEL_3),
                    lines=tuple(map(tr.text, level3))),
        )
        # The card number's line without its value is its label ("Numero della carta").
        label = tr.text(DOCUMENT_NUMBER, document_number="").rstrip(" :")
        try:
            self._printer.print_steps(Steps(
                comune=self._comune, title=tr.title(Screen.ACTIVATION_INTRO),
                card_number_label=label, card_number=steps.document_number,
                sections=sections))
        except KioskError as failed:
            log.warning("activation steps not printed", extra=logs.fields(code=failed.code))
            return False
        return True
