"""The virtual printer's paper: a :class:`Printout` drawn with Pillow, dot for dot, as a
thermal printer would print it (black on white, one pixel a dot).

Characters sit on the printer's grid (font A 12 x 24 dots) in DejaVu Sans Mono from Debian's
``fonts-dejavu-core``; double width and height multiply the dots as the printer does; bold is
the printer's double strike, one dot to the right.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.hardware.printer.errors import BackendMissing
from kiosk.hardware.printer.escpos_reader import (
    CELLS,
    Align,
    Cut,
    Mark,
    Printout,
    Raster,
    Run,
    TextLine,
)

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf")
LINE_SPACING = 30  # dots from one line to the next: ESC 2, about 1/6 inch
CUT_SPACE = 24
MARGIN = 8  # white above and below the receipt, so the PNG shows where the paper ends
WHITE, BLACK = 1, 0
INVERT = bytes(255 - value for value in range(256))


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(str(FONT), size)
    except OSError:
        raise BackendMissing(f"the virtual printer draws with {FONT}: "
                             "apt-get install fonts-dejavu-core") from None


def draw(printout: Printout, paper_dots: int) -> Image.Image:
    """The paper of ``printout``, ``paper_dots`` wide, in mode "1"."""
    heights = [_advance(mark) for mark in printout.marks]
    page = Image.new("1", (paper_dots, sum(heights) + 2 * MARGIN), WHITE)
    y = MARGIN
    for mark, height in zip(printout.marks, heights, strict=True):
        if isinstance(mark, Cut):
            _dashes(page, y + height // 2)
        else:
            picture = _picture(mark)
            page.paste(picture, (_left(mark.align, picture.width, paper_dots), y + height -
                                 picture.height - (0 if isinstance(mark, Raster) else 4)))
        y += height
    return page


def _advance(mark: Mark) -> int:
    if isinstance(mark, Cut):
        return CUT_SPACE
    if isinstance(mark, Raster):
        return mark.size[1]
    return max([LINE_SPACING] + [run.style.cell[1] + 6 for run in mark.runs])


def _left(align: Align, width: int, paper_dots: int) -> int:
    return {Align.LEFT: 0, Align.CENTER: (paper_dots - width) // 2,
            Align.RIGHT: paper_dots - width}[align]


def _picture(mark: TextLine | Raster) -> Image.Image:
    if isinstance(mark, Raster):
        # ESC/POS: a 1 bit is a black dot; in Pillow's mode "1" it is white
        size = (mark.width_bytes * 8, mark.height)
        dots = Image.frombytes("1", size, mark.rows.translate(INVERT))
        return dots.resize(mark.size, Image.Resampling.NEAREST)
    pictures = [_run(run) for run in mark.runs]
    height = max((picture.height for picture in pictures), default=1)
    line = Image.new("1", (max(1, sum(picture.width for picture in pictures)), height), WHITE)
    x = 0
    for picture in pictures:
        line.paste(picture, (x, height - picture.height))  # runs share the baseline
        x += picture.width
    return line


def _run(run: Run) -> Image.Image:
    """One run at its base cell size, then multiplied as the printer multiplies dots."""
    cell_w, cell_h = CELLS[run.style.font]
    picture = Image.new("1", (cell_w * len(run.text), cell_h), WHITE)
    pen = ImageDraw.Draw(picture)
    font = _font(cell_h * 5 // 6)
    for i, char in enumerate(run.text):
        for shift in (0, 1) if run.style.bold else (0,):
            pen.text((i * cell_w + shift, 0), char, font=font, fill=BLACK)
    if run.style.underline:
        pen.rectangle((0, cell_h - run.style.underline, picture.width, cell_h), fill=BLACK)
    width, height = run.style.cell
    return picture.resize((width * len(run.text), height), Image.Resampling.NEAREST)


def _dashes(page: Image.Image, y: int) -> None:
    pen = ImageDraw.Draw(page)
    for x in range(0, page.width, 16):
        pen.line((x, y, x + 8, y), fill=BLACK)
