"""A small ESC/POS interpreter: the bytes a printer receives, read as the printer would, into
what comes out on paper (lines of styled text, raster images, cuts). No I/O, as in h11: the
virtual printer draws its result (:mod:`.paper`), and tests read it.

It knows the commands python-escpos sends for the calls the receipt layout makes, and the
few style commands around them; anything else is :class:`BadEscPos`, never skipped, because
a byte sequence this reader does not understand may print as garbage on a real printer. Its
model of the printer (Epson's TM series):

- text collects in a line buffer with the style of each character (``ESC !``, ``ESC E``,
  ``ESC -``, ``GS !``, ``ESC M``) and prints on ``LF``, or wraps when the line is full;
- ``ESC a`` aligns from the start of the next line (a printer ignores it mid-line);
- ``ESC t`` picks the code page that decodes the following bytes (``ESC @`` resets to 0);
- ``GS v 0`` prints a raster image, aligned like text; ``GS V`` feeds and cuts;
- ``DLE EOT`` is a status request: answered by the printer, nothing printed.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from kiosk.hardware.printer.errors import BadEscPos

# Font A is 12 x 24 dots, font B 9 x 17 (Epson TM-T20II at 203 dpi).
CELLS = {0: (12, 24), 1: (9, 17)}
MAX_RASTER_LINES = 4000  # 50 cm of paper: more is a runaway job, not a receipt


class Align(enum.Enum):
    LEFT = 0
    CENTER = 1
    RIGHT = 2


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    underline: int = 0  # dots: 0, 1 or 2
    width: int = 1  # character width multiplier, 1-8
    height: int = 1
    font: int = 0  # 0 = A, 1 = B

    @property
    def cell(self) -> tuple[int, int]:
        width, height = CELLS[self.font]
        return width * self.width, height * self.height


@dataclass(frozen=True, slots=True)
class Run:
    """Characters printed in one style."""

    text: str
    style: Style


@dataclass(frozen=True, slots=True)
class TextLine:
    """One printed line; no runs for an empty line (a line feed alone)."""

    runs: tuple[Run, ...]
    align: Align

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def styles(self) -> set[Style]:
        return {run.style for run in self.runs if run.text.strip()}


@dataclass(frozen=True, slots=True)
class Raster:
    """A ``GS v 0`` image: ``rows`` of packed bits, 1 = a black dot; ``scale`` is the
    double-width and double-height of the command's mode byte."""

    width_bytes: int
    height: int
    rows: bytes
    align: Align
    scale: tuple[int, int] = (1, 1)

    @property
    def size(self) -> tuple[int, int]:
        return self.width_bytes * 8 * self.scale[0], self.height * self.scale[1]


@dataclass(frozen=True, slots=True)
class Cut:
    partial: bool


Mark = TextLine | Raster | Cut


@dataclass
class Printout:
    """What one job put on paper, in order, and the text left unprinted in the buffer."""

    marks: list[Mark] = field(default_factory=list)
    unprinted: str = ""
    status_requests: list[int] = field(default_factory=list)

    @property
    def lines(self) -> list[TextLine]:
        """The text lines, empty ones included."""
        return [mark for mark in self.marks if isinstance(mark, TextLine)]

    @property
    def rasters(self) -> list[Raster]:
        return [mark for mark in self.marks if isinstance(mark, Raster)]

    def line(self, text: str) -> TextLine:
        """The printed line that reads ``text`` (stripped): for tests' assertions."""
        found = [line for line in self.lines if line.text.strip() == text]
        if len(found) != 1:
            raise LookupError(f"{len(found)} printed lines read {text!r}")
        return found[0]


class _Cursor:
    """The job's bytes and the position of the command being read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.start = 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise BadEscPos(f"command {self.data[self.start:self.start + 3]!r} cut short",
                            offset=self.start)
        chunk = self.data[self.pos:self.pos + count]
        self.pos += count
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]

    def refuse(self, what: str) -> BadEscPos:
        return BadEscPos(what, offset=self.start)


class Interpreter:
    """The printer's state while it reads one job. ``codecs`` maps ``ESC t n`` to a Python
    codec (from :class:`~kiosk.hardware.printer.model.PrinterModel`), ``paper_dots`` is
    the printable width, where lines wrap."""

    def __init__(self, codecs: Mapping[int, str], paper_dots: int) -> None:
        self.codecs = codecs
        self.paper_dots = paper_dots
        self.out = Printout()
        self._reset()

    def _reset(self) -> None:
        self.style = Style()
        self.align = Align.LEFT
        self.codepage = 0
        self._runs: list[Run] = []
        self._line_align = Align.LEFT
        self._used = 0  # dots of the line buffer already taken

    def read(self, data: bytes) -> Printout:
        cursor = _Cursor(data)
        while cursor.pos < len(data):
            cursor.start = cursor.pos
            if data[cursor.pos] >= 0x20:
                self._text(cursor)
            else:
                _command(cursor)(self, cursor)
        self.out.unprinted = "".join(run.text for run in self._runs)
        return self.out

    # text and lines

    def _text(self, cursor: _Cursor) -> None:
        end = cursor.pos
        while end < len(cursor.data) and cursor.data[end] >= 0x20:
            end += 1
        codec = self.codecs.get(self.codepage)
        if codec is None:
            raise cursor.refuse(f"text in code page {self.codepage}, which this model lacks")
        for char in cursor.take(end - cursor.pos).decode(codec, errors="replace"):
            self._put(char)

    def _put(self, char: str) -> None:
        width = self.style.cell[0]
        if self._used + width > self.paper_dots:
            self._print_line()
        if not self._runs:
            self._line_align = self.align
        if self._runs and self._runs[-1].style == self.style:
            self._runs[-1] = replace(self._runs[-1], text=self._runs[-1].text + char)
        else:
            self._runs.append(Run(char, self.style))
        self._used += width

    def _print_line(self) -> None:
        align = self._line_align if self._runs else self.align
        self.out.marks.append(TextLine(tuple(self._runs), align))
        self._runs, self._used = [], 0

    # commands: each reads its parameters from the cursor (see COMMANDS)

    def line_feed(self, cursor: _Cursor) -> None:
        self._print_line()

    def initialise(self, cursor: _Cursor) -> None:
        self._reset()

    def print_mode(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        self.style = replace(self.style, font=n & 0x01, bold=bool(n & 0x08),
                             height=2 if n & 0x10 else 1, width=2 if n & 0x20 else 1,
                             underline=1 if n & 0x80 else 0)

    def bold(self, cursor: _Cursor) -> None:
        self.style = replace(self.style, bold=bool(cursor.byte() & 0x01))

    def underline(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        if n not in (0, 1, 2, 48, 49, 50):
            raise cursor.refuse(f"ESC - {n}: no such underline")
        self.style = replace(self.style, underline=n % 48)

    def font(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        if n not in (0, 1, 48, 49):
            raise cursor.refuse(f"ESC M {n}: no such font")
        self.style = replace(self.style, font=n % 48)

    def size(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        width, height = (n >> 4) + 1, (n & 0x0F) + 1
        if width > 8 or height > 8:
            raise cursor.refuse(f"GS ! {n:#04x}: size beyond 8 x 8")
        self.style = replace(self.style, width=width, height=height)

    def justify(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        if n not in (0, 1, 2, 48, 49, 50):
            raise cursor.refuse(f"ESC a {n}: no such alignment")
        self.align = Align(n % 48)

    def code_page(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        if n not in self.codecs:
            raise cursor.refuse(f"ESC t {n}: a code page this model lacks")
        self.codepage = n

    def feed_lines(self, cursor: _Cursor) -> None:
        """ESC d n: print the buffer, then n empty lines (python-escpos's cut() feeds 6,
        the distance from the head to the cutter)."""
        n = cursor.byte()
        if self._runs:
            self._print_line()
        for _ in range(n):
            self._print_line()

    def raster(self, cursor: _Cursor) -> None:
        mode = cursor.byte()
        if mode not in (0, 1, 2, 3, 48, 49, 50, 51):
            raise cursor.refuse(f"GS v 0 mode {mode}")
        width_bytes = int.from_bytes(cursor.take(2), "little")
        height = int.from_bytes(cursor.take(2), "little")
        scale = (2 if mode & 1 else 1, 2 if mode & 2 else 1)
        if width_bytes * 8 * scale[0] > self.paper_dots or height > MAX_RASTER_LINES:
            raise cursor.refuse(f"a {width_bytes * 8 * scale[0]} x {height} image does not "
                                f"fit {self.paper_dots} dots of paper")
        rows = cursor.take(width_bytes * height)
        if self._runs:
            self._print_line()
        self.out.marks.append(Raster(width_bytes, height, rows, self.align, scale))

    def cut(self, cursor: _Cursor) -> None:
        mode = cursor.byte()
        if mode in (65, 66):
            cursor.byte()  # the feed before the cut, in motion units: not drawn
        elif mode not in (0, 1, 48, 49):
            raise cursor.refuse(f"GS V {mode}: no such cut")
        if self._runs:
            self._print_line()
        self.out.marks.append(Cut(partial=bool(mode & 1)))

    def status_request(self, cursor: _Cursor) -> None:
        n = cursor.byte()
        if n not in (1, 2, 3, 4):
            raise cursor.refuse(f"DLE EOT {n}: no such status")
        self.out.status_requests.append(n)


Handler = Callable[[Interpreter, _Cursor], None]
ESC, GS, DLE = 0x1B, 0x1D, 0x10

# The commands this printer knows, by their opening bytes.
COMMANDS: dict[bytes, Handler] = {
    b"\n": Interpreter.line_feed,
    b"\x1b@": Interpreter.initialise,
    b"\x1b!": Interpreter.print_mode,
    b"\x1bE": Interpreter.bold,
    b"\x1b-": Interpreter.underline,
    b"\x1bM": Interpreter.font,
    b"\x1ba": Interpreter.justify,
    b"\x1bt": Interpreter.code_page,
    b"\x1bd": Interpreter.feed_lines,
    b"\x1d!": Interpreter.size,
    b"\x1dv0": Interpreter.raster,
    b"\x1dV": Interpreter.cut,
    b"\x10\x04": Interpreter.status_request,
}


def _command(cursor: _Cursor) -> Handler:
    """The handler of the command at the cursor, which it moves past the opening bytes."""
    for length in (1, 2, 3):
        handler = COMMANDS.get(cursor.data[cursor.pos:cursor.pos + length])
        if handler is not None:
            cursor.pos += length
            return handler
    if cursor.data[cursor.pos] in (ESC, GS, DLE) and cursor.pos + 1 >= len(cursor.data):
        raise cursor.refuse("a command cut short at the end of the job")
    raise cursor.refuse(f"unknown command {cursor.data[cursor.pos:cursor.pos + 3]!r}")


def interpret(data: bytes, codecs: Mapping[int, str], paper_dots: int) -> Printout:
    """What a job of ESC/POS ``data`` prints (BadEscPos for what no printer should get)."""
    return Interpreter(codecs, paper_dots).read(data)
