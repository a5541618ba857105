"""The PNG the virtual printer draws: the style and alignment the interpreter read show on
paper, dot for dot (ink measured on the image, black = 0)."""

from __future__ import annotations

from PIL import Image, ImageChops

from kiosk.hardware.printer.escpos_reader import interpret
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.paper import draw

MODEL = PrinterModel.named("TM-T20II")


def paper(data: bytes) -> Image.Image:
    return draw(interpret(data, MODEL.codecs, MODEL.paper_dots), MODEL.paper_dots)


def ink_box(image: Image.Image) -> tuple[int, int, int, int]:
    box = ImageChops.invert(image.convert("L")).getbbox()
    assert box is not None, "nothing printed"
    return box


def ink(image: Image.Image) -> int:
    return image.convert("L").histogram()[0]


def test_alignment_places_the_line() -> None:
    left, centre, right = (ink_box(paper(b"\x1ba" + bytes((n,)) + b"HELLO\n")) for n in (0, 1, 2))
    assert left[0] < 3
    assert abs((centre[0] + centre[2]) - MODEL.paper_dots) <= 4  # centred within a dot or two
    assert MODEL.paper_dots - right[2] < 3


def test_double_size_doubles_the_dots() -> None:
    normal, double = ink_box(paper(b"HELLO\n")), ink_box(paper(b"\x1d!\x11HELLO\n"))
    assert double[2] - double[0] in range(2 * (normal[2] - normal[0]) - 2,
                                          2 * (normal[2] - normal[0]) + 3)
    assert double[3] - double[1] in range(2 * (normal[3] - normal[1]) - 2,
                                          2 * (normal[3] - normal[1]) + 3)


def test_bold_strikes_twice() -> None:
    assert ink(paper(b"\x1bE\x01HELLO\n")) > ink(paper(b"HELLO\n")) * 1.3


def test_underline_draws_a_rule_under_the_text() -> None:
    under = ink_box(paper(b"\x1b-\x02HELLO\n"))
    plain = ink_box(paper(b"HELLO\n"))
    assert under[3] > plain[3]


def test_a_raster_prints_its_dots() -> None:
    # 16 x 2: the left byte all black, the right byte white
    image = paper(b"\x1dv0\x00\x02\x00\x02\x00\xff\x00\xff\x00")
    box = ink_box(image)
    assert (box[2] - box[0], box[3] - box[1]) == (8, 2)
    assert ink(image) == 16


def test_a_cut_shows_as_a_dashed_line_and_empty_jobs_are_blank() -> None:
    assert ink(paper(b"\x1dV\x00")) > 0
    assert ink(paper(b"")) == 0
