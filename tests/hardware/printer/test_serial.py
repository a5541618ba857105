"""The serial path: python-escpos's Serial printer (pyserial) on a pty pair, the virtual
printer's state answering at the far end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.hardware.printer import PrinterState, open_printer
from kiosk.hardware.printer.errors import PaperOut
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.receipt import compose
from kiosk.hardware.printer.virtual import VirtualPrinter
from tests.hardware.printer.example import EXAMPLE, qr_texts
from tests.hardware.printer.wire_printers import PtyPrinter

MODEL = PrinterModel.named("TM-T20II")


@pytest.fixture
def line(tmp_path: Path) -> Iterator[PtyPrinter]:
    far = PtyPrinter(VirtualPrinter(tmp_path / "paper", MODEL))
    try:
        yield far
    finally:
        far.stop()


@pytest.mark.slow  # each status answer waits for pyserial's read timeout
def test_a_serial_printer_prints_and_reports(line: PtyPrinter) -> None:
    printer = open_printer(f"serial:{line.path}:19200")
    try:
        assert printer.status().state is PrinterState.READY
        printer.print_receipt(EXAMPLE)
        line.state.simulate(PrinterState.PAPER_OUT)
        with pytest.raises(PaperOut):
            printer.print_receipt(EXAMPLE)
    finally:
        printer.close()
    job = compose(EXAMPLE, MODEL)
    assert job in bytes(line.received)
    line.state.simulate(PrinterState.READY)
    line.state.write(job)  # the paper at the far end prints what the line carried
    assert qr_texts(line.state.files[-1]) == [EXAMPLE.qr]
