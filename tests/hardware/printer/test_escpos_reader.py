"""The ESC/POS interpreter: what python-escpos sends for each call, read back as the printer
would print it, and every byte sequence it cannot print refused with PRINTER_BAD_ESCPOS."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from escpos.escpos import Escpos
from escpos.printer import Dummy

from kiosk.hardware.printer.errors import BadEscPos
from kiosk.hardware.printer.escpos_reader import Align, Cut, Printout, Style, interpret
from kiosk.hardware.printer.model import PrinterModel

MODEL = PrinterModel.named("TM-T20II")
BOLD, DOUBLE = Style(bold=True), Style(width=2, height=2)


def printed(calls: Callable[[Escpos], object]) -> Printout:
    """What the bytes python-escpos produced for ``calls`` print."""
    dummy = Dummy(profile=MODEL.name)
    calls(dummy)
    return interpret(dummy.output, MODEL.codecs, MODEL.paper_dots)


def raw(data: bytes) -> Printout:
    return interpret(data, MODEL.codecs, MODEL.paper_dots)


@pytest.mark.parametrize(
    ("calls", "text", "style", "align"),
    [
        (lambda p: p.textln("plain"), "plain", Style(), Align.LEFT),
        (lambda p: (p.set(bold=True), p.textln("bold")), "bold", BOLD, Align.LEFT),
        (lambda p: (p.set(double_width=True, double_height=True), p.textln("big")),
         "big", DOUBLE, Align.LEFT),
        (lambda p: (p.set(double_height=True), p.textln("tall")), "tall", Style(height=2),
         Align.LEFT),
        (lambda p: (p.set(custom_size=True, width=3, height=4), p.textln("huge")), "huge",
         Style(width=3, height=4), Align.LEFT),
        (lambda p: (p.set(underline=2), p.textln("under")), "under", Style(underline=2),
         Align.LEFT),
        (lambda p: (p.set(font="b"), p.textln("small")), "small", Style(font=1), Align.LEFT),
        (lambda p: (p.set(align="center"), p.textln("mid")), "mid", Style(), Align.CENTER),
        (lambda p: (p.set(align="right"), p.textln("end")), "end", Style(), Align.RIGHT),
        (lambda p: (p.set(bold=True, align="center"), p.set(bold=False), p.textln("x")),
         "x", Style(), Align.CENTER),
    ],
)
def test_style_and_alignment_of_python_escpos_calls(
    calls: Callable[[Escpos], object], text: str, style: Style, align: Align
) -> None:
    line = printed(calls).line(text)
    assert line.styles == {style}
    assert line.align is align


def test_styles_change_within_a_line() -> None:
    out = printed(lambda p: (p.text("normal "), p.set(bold=True), p.textln("bold")))
    runs = out.line("normal bold").runs
    assert [(run.text, run.style.bold) for run in runs] == [("normal ", False), ("bold", True)]


def test_initialise_resets_every_mode() -> None:
    out = printed(lambda p: (p.set(bold=True, double_width=True, align="right"), p.hw("INIT"),
                             p.textln("again")))
    assert out.line("again").styles == {Style()}
    assert out.line("again").align is Align.LEFT


def test_alignment_takes_effect_from_the_next_line() -> None:
    out = raw(b"left\x1ba\x01 still left\ncentred\n")
    assert out.line("left still left").align is Align.LEFT
    assert out.line("centred").align is Align.CENTER


@pytest.mark.parametrize("text", ["Città di Forlì", "Grüße aus Görz", "Čedad, Šentjur, Žalec",
                                  "À bientôt, garçon", "Thank you"])
def test_text_of_the_five_languages_decodes_through_the_code_pages(text: str) -> None:
    """python-escpos switches code pages (ESC t) to encode each letter; the interpreter must
    follow, or the preview would print what a real printer does not."""
    assert printed(lambda p: p.textln(text)).lines[0].text == text


def test_a_full_line_wraps_as_on_paper() -> None:
    out = raw(b"x" * (MODEL.columns + 5) + b"\n")
    assert [len(line.text) for line in out.lines] == [MODEL.columns, 5]
    out = raw(b"\x1b!\x20" + b"y" * MODEL.columns + b"\n")  # double width: half as many
    assert [len(line.text) for line in out.lines] == [MODEL.columns // 2] * 2


def test_feeds_and_cuts() -> None:
    out = printed(lambda p: (p.textln("a"), p.ln(2), p.print_and_feed(3), p.cut()))
    assert [line.text for line in out.lines][:4] == ["a", "", "", ""]
    assert out.marks[-1] == Cut(partial=False)
    assert printed(lambda p: p.cut(mode="PART")).marks[-1] == Cut(partial=True)
    assert raw(b"\x1dVB\x00").marks == [Cut(partial=False)]  # cut(feed=False): GS V 66 n


def test_text_not_yet_fed_is_reported_unprinted() -> None:
    assert raw(b"done\nwaiting").unprinted == "waiting"


def test_a_raster_image_keeps_its_dots_and_alignment() -> None:
    rows = bytes([0b10000001, 0xFF]) * 3
    out = raw(b"\x1ba\x01\x1dv0\x00\x02\x00\x03\x00" + rows)
    (image,) = out.rasters
    assert (image.width_bytes, image.height, image.rows, image.align) == (2, 3, rows, Align.CENTER)
    assert raw(b"\x1dv0\x03\x01\x00\x01\x00\xff").rasters[0].size == (16, 2)  # double both


def test_status_requests_print_nothing() -> None:
    out = raw(b"\x10\x04\x01\x10\x04\x04")
    assert (out.marks, out.status_requests) == ([], [1, 4])


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"ok\n\x1b\x7a\x00", "unknown command b'\\x1bz\\x00' at byte 3"),
        (b"\x1c\x70\x01\x00", "unknown command"),  # FS p: a stored logo, never sent by us
        (b"\x1d(k\x04\x001A2\x00", "unknown command"),  # native QR: ours are raster images
        (b"\x07", "unknown command"),  # BEL
        (b"text\x1b", "cut short at the end of the job at byte 4"),
        (b"\x1bE", "cut short at byte 0"),
        (b"\x1dv0\x00\x02\x00\x03\x00\xff\xff", "cut short"),  # 6 bytes announced, 2 sent
        (b"\x1dv0\x00\x80\x00\x01\x00" + b"\x00" * 128, "does not fit 576 dots"),
        (b"\x1ba\x07", "ESC a 7: no such alignment"),
        (b"\x1b-\x05", "no such underline"),
        (b"\x1d!\x99", "size beyond 8 x 8"),
        (b"\x1bt\x06", "ESC t 6: a code page this model lacks"),
        (b"\x1bt\x1eabc", "ESC t 30: a code page"),  # TCVN: Python has no codec for it
        (b"\x1dV\x07", "GS V 7: no such cut"),
        (b"\x10\x04\x09", "DLE EOT 9: no such status"),
    ],
)
def test_what_no_printer_should_get_is_a_coded_error(data: bytes, message: str) -> None:
    with pytest.raises(BadEscPos) as caught:
        raw(data)
    assert caught.value.code == "PRINTER_BAD_ESCPOS"
    assert message in str(caught.value)
    assert caught.value.details()["offset"] == caught.value.offset
