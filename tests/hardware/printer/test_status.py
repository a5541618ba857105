"""Paper out, cover open, printer gone: each read from the status bytes, each with its code,
each played by the virtual printer, and none of them lets a receipt be sent."""

from __future__ import annotations

import pytest

from kiosk.hardware.printer import PrinterState, ReceiptPrinter
from kiosk.hardware.printer.errors import PrinterError
from kiosk.hardware.printer.status import ANSWERS, PrinterStatus, decode
from kiosk.hardware.printer.virtual import VirtualPrinter
from tests.hardware.printer.example import EXAMPLE

CODES = {
    PrinterState.PAPER_OUT: "PRINTER_PAPER_OUT",
    PrinterState.COVER_OPEN: "PRINTER_COVER_OPEN",
    PrinterState.FAULT: "PRINTER_FAULT",
    PrinterState.GONE: "PRINTER_GONE",
}


@pytest.mark.parametrize(
    ("printer", "cause", "paper", "state"),
    [
        (b"\x12", b"\x12", b"\x12", PrinterState.READY),
        (b"\x12", b"\x12", b"\x1e", PrinterState.PAPER_LOW),
        (b"\x1a", b"\x32", b"\x7e", PrinterState.PAPER_OUT),  # Epson with an empty roll
        (b"\x12", b"\x12", b"\x72", PrinterState.PAPER_OUT),  # sensor says so before stopping
        (b"\x1a", b"\x16", b"\x12", PrinterState.COVER_OPEN),
        (b"\x1a", b"\x36", b"\x7e", PrinterState.COVER_OPEN),  # cover open with an empty roll
        (b"\x1a", b"\x52", b"\x12", PrinterState.FAULT),  # cutter jam: error bit
        (b"\x1a", b"\x12", b"\x12", PrinterState.FAULT),  # off line, no reason given
        (b"\xff", b"\x12", b"\x12", PrinterState.FAULT),  # not a status byte at all
        (b"", b"\x12", b"\x12", PrinterState.GONE),
        (b"\x12", b"", b"", PrinterState.GONE),
    ],
)
def test_status_bytes(printer: bytes, cause: bytes, paper: bytes, state: PrinterState) -> None:
    assert decode(printer, cause, paper).state is state


@pytest.mark.parametrize("state", list(ANSWERS))
def test_what_the_virtual_printer_answers_reads_back_as_its_state(state: PrinterState) -> None:
    assert decode(*(bytes((byte,)) for byte in ANSWERS[state])).state is state


@pytest.mark.parametrize("state", list(CODES))
def test_a_printer_that_cannot_print_refuses_the_receipt_with_its_code(
    printer: ReceiptPrinter, paper: VirtualPrinter, state: PrinterState
) -> None:
    paper.simulate(state)
    status = printer.status()
    assert (status.state, status.code, status.can_print) == (state, CODES[state], False)
    with pytest.raises(PrinterError) as caught:
        printer.print_receipt(EXAMPLE)
    assert caught.value.code == CODES[state]
    assert (paper.jobs, paper.files) == ([], [])  # nothing was sent


def test_paper_low_still_prints_and_back_to_ready(printer: ReceiptPrinter,
                                                  paper: VirtualPrinter) -> None:
    paper.simulate(PrinterState.PAPER_LOW)
    assert printer.status() == PrinterStatus(PrinterState.PAPER_LOW)
    printer.print_receipt(EXAMPLE)
    paper.simulate(PrinterState.COVER_OPEN)
    paper.simulate(PrinterState.READY)
    printer.print_receipt(EXAMPLE)
    assert len(paper.files) == 2


def test_bytes_sent_to_a_stopped_printer_print_nothing(paper: VirtualPrinter) -> None:
    """Only the frontend asks first; a backend written to blindly loses the receipt."""
    paper.simulate(PrinterState.PAPER_OUT)
    paper.write(b"lost\n")
    assert (paper.jobs, paper.printouts) == ([b"lost\n"], [])


def test_the_control_file_is_the_printer_state_for_any_process(printer: ReceiptPrinter,
                                                               paper: VirtualPrinter) -> None:
    (paper.directory / "state").write_text("cover_open\n")  # as `echo cover_open > state`
    assert printer.status().code == "PRINTER_COVER_OPEN"
    (paper.directory / "state").write_text("paper_gone\n")  # a typo must not read as ready
    assert printer.status().state is PrinterState.FAULT
    (paper.directory / "state").unlink()
    assert printer.status().state is PrinterState.READY


def test_the_heartbeat_snapshot_is_plain_data(printer: ReceiptPrinter,
                                              paper: VirtualPrinter) -> None:
    assert printer.status().snapshot() == {"state": "ready", "code": None, "detail": ""}
    paper.simulate(PrinterState.GONE)
    assert printer.status().snapshot() == {"state": "gone", "code": "PRINTER_GONE",
                                           "detail": "the virtual printer is unplugged"}
    paper.simulate(PrinterState.PAPER_OUT)
    assert printer.status().snapshot()["code"] == "PRINTER_PAPER_OUT"
