"""The activation steps on the virtual printer: the card's number large, the steps in order,
and QR codes that a real decoder (zxing-cpp) reads back as the configured addresses; nothing
else personal can be given to it."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from kiosk.hardware.printer import ReceiptPrinter
from kiosk.hardware.printer.errors import PaperOut
from kiosk.hardware.printer.escpos_reader import Align, Cut, Style
from kiosk.hardware.printer.steps import Section, Steps
from kiosk.hardware.printer.virtual import VirtualPrinter
from tests.hardware.printer.example import qr_texts

ACTIVATION = "https://comune.example.it/attiva-cie"
APP = "https://comune.example.it/app-cieid"
STEPS = Steps(
    comune="Comune di Forlì", title="Attiva la tua identità digitale CIE",
    card_number_label="Numero della carta", card_number="CA00000AA",
    sections=(
        Section(heading="Livelli 1 e 2", lines=("Inquadri il codice QR.",), qr=ACTIVATION),
        Section(heading="L'app CieID", lines=("Installi l'app CieID.",), qr=APP),
        Section(heading="Livello 3", lines=("È facoltativo.",)),
    ))


def test_the_steps_come_out_with_the_number_and_the_codes(printer: ReceiptPrinter,
                                                          paper: VirtualPrinter) -> None:
    printer.print_steps(STEPS)
    (png,) = paper.files
    assert sorted(qr_texts(png)) == sorted([ACTIVATION, APP])
    out = paper.printouts[-1]
    number = out.line("CA00000AA")
    assert (number.styles, number.align) == ({Style(bold=True, width=2, height=2)}, Align.CENTER)
    headings = [line.text for line in out.lines if Style(bold=True) in line.styles
                and line.align is Align.LEFT]
    assert headings == ["Livelli 1 e 2", "L'app CieID", "Livello 3"]
    assert out.line("- È facoltativo.").align is Align.LEFT
    assert isinstance(out.marks[-1], Cut)


def test_a_printer_without_paper_prints_nothing_and_says_so(printer: ReceiptPrinter,
                                                            paper: VirtualPrinter) -> None:
    (paper.directory / "state").write_text("paper_out\n")
    with pytest.raises(PaperOut):
        printer.print_steps(STEPS)
    assert paper.files == []


@pytest.mark.parametrize(("change", "message"), [
    ({"card_number": "12345678"}, "not a CIE's"),  # eight digits: a PIN or a PUK, never a number
    ({"card_number": "123456"}, "not a CIE's"),  # a CAN
    ({"sections": ()}, "1 to 4 steps"),
    ({"title": "go\x1b@"}, "control character"),
])
def test_the_steps_refuse_what_they_could_not_print(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(STEPS, **change)
