"""The example receipt, in Italian, that the tests print and the README shows.

    PYTHONPATH=. python -m tests.hardware.printer.example docs/screenshots/receipt-example.png
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import datetime
from pathlib import Path

import zxingcpp
from PIL import Image

from kiosk.hardware.printer import Receipt, open_printer
from kiosk.hardware.printer.virtual import VirtualPrinter

EXAMPLE = Receipt(
    comune="Comune di Forlì",
    title="Il tuo numero",
    ticket="A-042",
    qr="https://servizi.comune.forli.fc.it/ticket/A-042",
    next_steps=(
        "Vai allo sportello Anagrafe quando il display mostra il tuo numero.",
        "Porta con te la carta d'identità.",
    ),
    issued=datetime(2026, 12, 7, 10, 42),
)


def qr_texts(path: Path) -> list[str]:
    """The QR codes a real decoder (zxing-cpp) finds in a PNG."""
    with Image.open(path) as image:
        return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))]


def print_example(directory: Path) -> Path:
    """Print :data:`EXAMPLE` on a virtual printer in ``directory``; its PNG."""
    printer = open_printer(f"virtual:{directory}")
    printer.print_receipt(EXAMPLE)
    assert isinstance(printer.backend, VirtualPrinter)
    return printer.backend.files[-1]


def main(out: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(print_example(Path(folder)), out)


if __name__ == "__main__":
    main(sys.argv[1])
