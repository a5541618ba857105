"""The hand-off's receipt, through the journeys' Receipts port: the ticket's screen prints it
as it opens (on the worker's thread), says whether it came out, and, when it did not, tells
the citizen to take a photo of the number instead; paper out and cover open may be mended by
a clerk, so those offer to print again. The real printer behind the port (the adapter, the
virtual printer's PNG and its QR code) is tested end to end in tests/test_app_receipts.py."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kiosk.journeys import Choice, Language, LanguageChosen, Phase, Screen
from kiosk.journeys.events import Chosen, Confirmed
from kiosk.journeys.ports import NO_PRINTER, EventValue, ReceiptRequest
from tests.journeys.harness import Kiosk
from tests.journeys.test_hand_off import Desk, at_counter, read_card, type_text

Card = Callable[..., Path]


@dataclass
class Printer:
    """Keeps what it was asked to print; answers ``trouble`` (None: the receipt came out)."""

    trouble: str | None = None
    printed: list[ReceiptRequest] = field(default_factory=list)

    def print(self, request: ReceiptRequest) -> str | None:
        if self.trouble is None:
            self.printed.append(request)
        return self.trouble


@pytest.fixture
def printer() -> Printer:
    return Printer()


@pytest.fixture
def kiosk(issued_card: Card, test_pki: Path, printer: Printer) -> Kiosk:
    return Kiosk(issued_card(), test_pki, tickets=Desk(), receipts=printer, threaded=True)


def to_the_ticket(k: Kiosk, email: bool = False) -> None:
    at_counter(k, Choice.LOST_BOTH, Choice.REQUEST_REPRINT)
    read_card(k)
    k.choose(Choice.CONTINUE)
    if email:
        k.choose(Choice.DELIVERY_EMAIL)
        type_text(k, "mario.rossi@comune.example.it")
        k.send(Confirmed())
    else:
        k.choose(Choice.DELIVERY_COUNTER)
    assert k.screen is Screen.TICKET_FILED


def test_the_ticket_prints_its_receipt_in_the_citizens_language(
        kiosk: Kiosk, printer: Printer) -> None:
    kiosk.send(LanguageChosen(Language.DE))
    to_the_ticket(kiosk, email=True)
    shown = kiosk.view
    assert shown.facts["receipt"] == "handoff.receipt.printed"
    assert shown.facts["notice"] is None and shown.options == (Choice.DONE,)
    (asked,) = printer.printed
    assert asked == ReceiptRequest(
        "ATRIO1-001", "receipt.title",
        ("handoff.kind.reprint", "handoff.ticket_filed.body", "receipt.second_half_by_email",
         "receipt.qr_holds_the_number"), "de")
    assert ("receipt.printed", {}) in kiosk.audit.events
    kiosk.close()


@pytest.mark.parametrize("trouble", ["PRINTER_PAPER_OUT", "PRINTER_COVER_OPEN"])
def test_paper_out_or_cover_open_says_take_a_photo_and_offers_to_print_again(
        kiosk: Kiosk, printer: Printer, trouble: str) -> None:
    printer.trouble = trouble
    to_the_ticket(kiosk)
    shown = kiosk.view
    assert shown.facts["ticket_number"] == "ATRIO1-001"  # the number is there all the same
    assert shown.facts["notice"] == {"PRINTER_PAPER_OUT": "handoff.receipt.paper_out",
                                     "PRINTER_COVER_OPEN": "handoff.receipt.cover_open"}[trouble]
    assert shown.options == (Choice.PRINT_AGAIN, Choice.DONE)
    assert ("receipt.failed", {"code": trouble}) in kiosk.audit.events
    printer.trouble = None  # a clerk put paper in, closed the cover
    again = kiosk.choose(Choice.PRINT_AGAIN)
    assert again.facts["receipt"] == "handoff.receipt.printed" and again.facts["notice"] is None
    assert again.options == (Choice.DONE,) and len(printer.printed) == 1
    assert kiosk.audit.kinds()[-1] == "receipt.printed"
    filed: tuple[str, dict[str, EventValue]] = (
        "journey.outcome", {"journey": "reprint-codes", "outcome": "TICKET_FILED"})
    assert kiosk.audit.events.count(filed) == 1  # printing again is not a second outcome
    kiosk.choose(Choice.DONE)
    assert kiosk.session.phase is Phase.ATTRACT
    kiosk.close()


@pytest.mark.parametrize(("trouble", "notice"), [
    ("PRINTER_GONE", "handoff.receipt.failed"), ("PRINTER_FAULT", "handoff.receipt.failed"),
    (NO_PRINTER, "handoff.receipt.no_printer")])
def test_a_printer_gone_broken_or_missing_says_take_a_photo_and_nothing_more(
        kiosk: Kiosk, printer: Printer, trouble: str, notice: str) -> None:
    printer.trouble = trouble
    to_the_ticket(kiosk)
    shown = kiosk.view
    assert shown.facts["notice"] == notice and shown.facts["receipt"] is None
    assert shown.options == (Choice.DONE,)  # it will not come back while the citizen waits
    assert kiosk.send(Chosen(Choice.PRINT_AGAIN)).facts["notice"] == notice  # not offered
    assert ("receipt.failed", {"code": trouble}) in kiosk.audit.events
    kiosk.close()


def test_a_kiosk_without_a_printer_says_so_on_the_ticket(issued_card: Card,
                                                         test_pki: Path) -> None:
    kiosk = Kiosk(issued_card(), test_pki, tickets=Desk())
    to_the_ticket(kiosk)
    assert kiosk.view.facts["notice"] == "handoff.receipt.no_printer"
    assert ("receipt.failed", {"code": NO_PRINTER}) in kiosk.audit.events
