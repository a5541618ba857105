"""The hand-off receipt, printed on the virtual printer: the PNG's QR code read by a real
decoder, and the lines the printer drew read back with their style."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from kiosk.hardware.printer import Receipt, ReceiptPrinter
from kiosk.hardware.printer.escpos_reader import Align, Cut, Style
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.receipt import compose, qr_dot
from kiosk.hardware.printer.virtual import VirtualPrinter
from tests.hardware.printer.example import EXAMPLE, print_example, qr_texts


def test_the_printed_receipt_holds_what_the_citizen_needs(
    printer: ReceiptPrinter, paper: VirtualPrinter
) -> None:
    printer.print_receipt(EXAMPLE)
    (png,) = paper.files
    assert qr_texts(png) == [EXAMPLE.qr]
    out = paper.printouts[-1]
    assert out.line("Comune di Forlì").styles == {Style(bold=True)}
    assert out.line("Comune di Forlì").align is Align.CENTER
    assert out.line("Il tuo numero").align is Align.CENTER
    number = out.line("A-042")
    assert (number.styles, number.align) == ({Style(bold=True, width=2, height=2)}, Align.CENTER)
    assert out.line("2026-12-07 10:42").align is Align.RIGHT
    steps = [line.text for line in out.lines if line.align is Align.LEFT and line.text]
    assert steps == ["Vai allo sportello Anagrafe quando il display",  # 48 columns
                     "mostra il tuo numero.", "Porta con te la carta d'identità."]
    assert isinstance(out.marks[-1], Cut)
    assert out.unprinted == ""


def test_the_png_is_the_paper_the_printer_would_print(printer: ReceiptPrinter,
                                                      paper: VirtualPrinter) -> None:
    printer.print_receipt(EXAMPLE)
    with Image.open(paper.files[0]) as image:
        assert image.mode == "1"
        assert image.width == PrinterModel.named("TM-T20II").paper_dots
        (qr,) = paper.printouts[0].rasters
        assert qr.align is Align.CENTER
        assert qr.size[0] == image.width  # python-escpos centred it within the paper width


def test_the_virtual_printer_keeps_every_receipt(printer: ReceiptPrinter, paper: VirtualPrinter,
                                                 tmp_path: Path) -> None:
    printer.print_receipt(EXAMPLE)
    printer.print_receipt(dataclasses.replace(EXAMPLE, ticket="B-7", qr="https://x.example/B-7"))
    assert [path.name for path in paper.files] == ["receipt-0001.png", "receipt-0002.png"]
    assert qr_texts(paper.files[1]) == ["https://x.example/B-7"]
    again = VirtualPrinter(paper.directory, paper.model)  # a restart numbers on
    again.write(compose(EXAMPLE, paper.model))
    assert again.files[0].name == "receipt-0003.png"


def test_the_job_is_the_same_bytes_for_every_printer() -> None:
    model = PrinterModel.named("TM-T20II")
    assert compose(EXAMPLE, model) == compose(EXAMPLE, model)
    assert compose(EXAMPLE, model).startswith(b"\x1b@")


def test_a_narrow_printer_gets_its_own_layout(tmp_path: Path) -> None:
    model = PrinterModel.named("NT-5890K")  # 58 mm paper, 384 dots
    printer = VirtualPrinter(tmp_path, model)
    printer.write(compose(EXAMPLE, model))
    with Image.open(printer.files[0]) as image:
        assert image.width == 384
    assert qr_texts(printer.files[0]) == [EXAMPLE.qr]
    assert all(len(line.text) <= model.columns for line in printer.printouts[0].lines)


def test_a_long_qr_text_shrinks_to_fit_a_narrow_paper(tmp_path: Path) -> None:
    model = PrinterModel.named("NT-5890K")
    long = dataclasses.replace(EXAMPLE, qr="https://comune.example/t?" + "x" * 470)
    assert qr_dot(long.qr, model.paper_dots) < qr_dot(EXAMPLE.qr, model.paper_dots) == 6
    printer = VirtualPrinter(tmp_path, model)
    printer.write(compose(long, model))
    assert qr_texts(printer.files[0]) == [long.qr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ticket": "12345678"}, "is not letters then digits"),  # eight digits: never a ticket
        ({"ticket": "A-042\n"}, "is not letters then digits"),
        ({"ticket": "1234-5678"}, "is not letters then digits"),  # a code with a dash neither
        ({"qr": ""}, "1 to 500 characters"),
        ({"qr": "x" * 501}, "1 to 500 characters"),
        ({"comune": " "}, "the Comune's name and a title"),
        ({"next_steps": ("a",) * 13}, "at most 12 lines"),
        ({"next_steps": ("go\x1b@",)}, "control character"),  # no ESC/POS smuggled in text
    ],
)
def test_a_receipt_refuses_what_it_could_not_print(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(EXAMPLE, **change)


def test_the_receipt_is_built_from_typed_fields_only() -> None:
    """The rule of the room: only these fields, each a plain value, reach the paper."""
    fields = {field.name: field.type for field in dataclasses.fields(Receipt)}
    assert fields == {"comune": "str", "title": "str", "ticket": "str", "qr": "str",
                      "next_steps": "tuple[str, ...]", "issued": "datetime"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        EXAMPLE.ticket = "B-1"  # type: ignore[misc]
    assert EXAMPLE.issued == datetime(2026, 12, 7, 10, 42)


def test_the_example_script_writes_the_readme_picture(tmp_path: Path) -> None:
    assert qr_texts(print_example(tmp_path)) == [EXAMPLE.qr]
