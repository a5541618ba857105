"""One contract suite for every backend (kiosk.hardware.printer.backend): the virtual printer,
and python-escpos's Network and Serial printers each against a real line whose far end is
a virtual printer. USB has no such rig: tests/hardware/printer/test_uri.py reaches pyusb."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.hardware.printer.backend import PrinterBackend
from kiosk.hardware.printer.escpos_backend import EscposBackend
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.status import ANSWERS, PrinterState, request
from kiosk.hardware.printer.uri import parse_uri
from kiosk.hardware.printer.virtual import VirtualPrinter
from tests.hardware.printer.wire_printers import PtyPrinter, TcpPrinter

MODEL = PrinterModel.named("TM-T20II")
JOB = b"\x1b@\x1ba\x01contract\n\x1dV\x00"


@pytest.fixture(params=["virtual", "network", pytest.param("serial", marks=pytest.mark.slow)])
def rig(request: pytest.FixtureRequest, tmp_path: Path
        ) -> Iterator[tuple[PrinterBackend, VirtualPrinter, TcpPrinter | PtyPrinter | None]]:
    """The backend under test, the virtual printer that holds the state and the paper, and
    the far end of the line (None for the virtual printer itself)."""
    state = VirtualPrinter(tmp_path / "paper", MODEL)
    if request.param == "virtual":
        yield state, state, None
        return
    far = TcpPrinter(state) if request.param == "network" else PtyPrinter(state)
    uri = (f"network:127.0.0.1:{far.port}" if isinstance(far, TcpPrinter)
           else f"serial:{far.path}")
    backend = EscposBackend.open(parse_uri(uri), MODEL)
    try:
        yield backend, state, far
    finally:
        backend.close()
        far.stop()


Rig = tuple[PrinterBackend, VirtualPrinter, TcpPrinter | PtyPrinter | None]


def test_a_status_request_gets_the_printer_state(rig: Rig) -> None:
    backend, state, _ = rig
    assert backend.query(request(1)) == bytes((ANSWERS[PrinterState.READY][0],))
    state.simulate(PrinterState.COVER_OPEN)
    assert backend.query(request(2)) == bytes((ANSWERS[PrinterState.COVER_OPEN][1],))


def test_a_job_arrives_whole(rig: Rig) -> None:
    backend, state, far = rig
    backend.write(JOB)
    backend.close()
    if far is not None:
        far.stop()
        assert bytes(far.received) == JOB
        state.write(bytes(far.received))
    assert state.printouts[-1].line("contract").text == "contract"


def test_close_is_idempotent_and_the_backend_opens_again(rig: Rig) -> None:
    backend, _, _ = rig
    backend.close()
    backend.close()
    assert backend.query(request(4)) == bytes((ANSWERS[PrinterState.READY][2],))
