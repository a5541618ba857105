"""A virtual printer per test, in the test's own directory (no clash under xdist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.hardware.printer import ReceiptPrinter, open_printer
from kiosk.hardware.printer.virtual import VirtualPrinter


@pytest.fixture
def printer(tmp_path: Path) -> ReceiptPrinter:
    return open_printer(f"virtual:{tmp_path / 'receipts'}")


@pytest.fixture
def paper(printer: ReceiptPrinter) -> VirtualPrinter:
    """The virtual printer behind ``printer``: its printouts, files and troubles."""
    assert isinstance(printer.backend, VirtualPrinter)
    return printer.backend
