"""The network path: python-escpos's Network printer against a real TCP listener. What the
listener receives, read by the same interpreter, prints the same receipt as the virtual
printer: the bytes on the wire are the bytes composed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.hardware.printer import PrinterState, ReceiptPrinter, open_printer
from kiosk.hardware.printer.errors import PrinterError, PrinterGone
from kiosk.hardware.printer.escpos_reader import Align
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.receipt import compose
from kiosk.hardware.printer.virtual import VirtualPrinter
from tests.hardware.printer.example import EXAMPLE, qr_texts
from tests.hardware.printer.wire_printers import TcpPrinter

MODEL = PrinterModel.named("TM-T20II")
STATUS_REQUESTS = b"\x10\x04\x01\x10\x04\x02\x10\x04\x04"


@pytest.fixture
def behind(tmp_path: Path) -> VirtualPrinter:
    """The printer inside the network box: its state, and the paper it prints on."""
    return VirtualPrinter(tmp_path / "paper", MODEL)


@pytest.fixture
def listener(behind: VirtualPrinter) -> Iterator[TcpPrinter]:
    server = TcpPrinter(behind)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def network(listener: TcpPrinter) -> Iterator[ReceiptPrinter]:
    printer = open_printer(f"network:127.0.0.1:{listener.port}")
    try:
        yield printer
    finally:
        printer.close()


def test_the_network_printer_receives_exactly_the_composed_receipt(
    network: ReceiptPrinter, listener: TcpPrinter, behind: VirtualPrinter
) -> None:
    network.print_receipt(EXAMPLE)
    network.close()  # the job is flushed when the connection closes
    listener.stop()
    received = bytes(listener.received)
    assert received == STATUS_REQUESTS + compose(EXAMPLE, MODEL)  # asked first, then printed
    behind.write(received)  # the paper in the box prints what the wire carried
    assert behind.printouts[-1].status_requests == [1, 2, 4]
    assert behind.printouts[-1].line("A-042").align is Align.CENTER
    assert qr_texts(behind.files[-1]) == [EXAMPLE.qr]


@pytest.mark.parametrize("state", [PrinterState.PAPER_OUT, PrinterState.COVER_OPEN])
def test_the_status_comes_over_the_network(network: ReceiptPrinter, listener: TcpPrinter,
                                           behind: VirtualPrinter, state: PrinterState) -> None:
    assert network.status().state is PrinterState.READY
    behind.simulate(state)
    assert network.status().state is state
    with pytest.raises(PrinterError) as caught:
        network.print_receipt(EXAMPLE)
    assert caught.value.code == f"PRINTER_{state.name}"
    assert bytes(listener.received) == STATUS_REQUESTS * 3  # no receipt went out


def test_a_printer_that_rebooted_is_reached_again(network: ReceiptPrinter,
                                                  listener: TcpPrinter) -> None:
    assert network.status().state is PrinterState.READY
    listener.drop()
    assert network.status().state is PrinterState.READY  # asked again on a new connection
    network.print_receipt(EXAMPLE)
    assert listener.connections == 2


def test_a_printer_switched_off_is_gone(network: ReceiptPrinter, listener: TcpPrinter) -> None:
    listener.stop()
    status = network.status()
    assert (status.state, status.code) == (PrinterState.GONE, "PRINTER_GONE")
    assert "Connection refused" in status.detail
    with pytest.raises(PrinterGone):
        network.print_receipt(EXAMPLE)
