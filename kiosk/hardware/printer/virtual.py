"""The virtual printer: a backend that reads each job's ESC/POS bytes with our interpreter
and prints them as PNG files, so what a test or a developer sees is what a real printer
would have received, not what the layout meant to send.

It plays the outside world as gpiozero's MockPin does: :meth:`VirtualPrinter.simulate` puts
it out of paper, opens its cover or unplugs it. The state lives in a control file in its
directory (``state``, holding ``ready``, ``paper_low``, ``paper_out``, ``cover_open``,
``fault`` or ``gone``), so another process — ``kiosk doctor``, a developer's shell — can
change or read it too::

    echo paper_out > ~/.local/state/kiosk/receipts/state
"""

from __future__ import annotations

from pathlib import Path

from kiosk.hardware.printer.backend import PrinterBackend
from kiosk.hardware.printer.errors import PrinterGone
from kiosk.hardware.printer.escpos_reader import Printout, interpret
from kiosk.hardware.printer.model import PrinterModel
from kiosk.hardware.printer.paper import draw
from kiosk.hardware.printer.status import ANSWERS, QUESTIONS, PrinterState, request
from kiosk.hardware.printer.uri import Target, VirtualTarget

CONTROL = "state"


class VirtualPrinter(PrinterBackend):
    """Extends :class:`PrinterBackend`: a printer whose paper is a folder of PNG files.

    >>> printer = VirtualPrinter(Path(tmp), PrinterModel.named("TM-T20II"))
    >>> printer.write(b"\\x1b@Comune di Forli\\n\\x1dV\\x00")
    >>> printer.printouts[-1].lines[0].text, printer.files[-1].name
    ('Comune di Forli', 'receipt-0001.png')
    >>> printer.simulate(PrinterState.PAPER_OUT)
    """

    def __init__(self, directory: Path, model: PrinterModel) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.model = model
        self.jobs: list[bytes] = []  # every job's bytes, as received
        self.printouts: list[Printout] = []
        self.files: list[Path] = []
        self._number = len(list(directory.glob("receipt-*.png")))

    @classmethod
    def open(cls, target: Target, model: PrinterModel) -> VirtualPrinter:
        assert isinstance(target, VirtualTarget)
        return cls(target.directory, model)

    @property
    def state(self) -> PrinterState:
        """What the control file says; a missing file is a ready printer, unreadable text a
        fault (a typo there must show, not pass for "ready")."""
        try:
            text = (self.directory / CONTROL).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return PrinterState.READY
        try:
            return PrinterState(text)
        except ValueError:
            return PrinterState.FAULT

    def simulate(self, state: PrinterState) -> None:
        (self.directory / CONTROL).write_text(state.value + "\n", encoding="utf-8")

    def write(self, job: bytes) -> None:
        """Print ``job``; a printer that is gone or stopped prints nothing of it."""
        state = self.state
        if state is PrinterState.GONE:
            raise PrinterGone("the virtual printer is unplugged")
        self.jobs.append(job)
        if state not in (PrinterState.READY, PrinterState.PAPER_LOW):
            return  # a stopped printer: the bytes arrive, no paper comes out
        printout = interpret(job, self.model.codecs, self.model.paper_dots)
        self._number += 1
        path = self.directory / f"receipt-{self._number:04d}.png"
        draw(printout, self.model.paper_dots).save(path)
        self.printouts.append(printout)
        self.files.append(path)

    def query(self, request_bytes: bytes) -> bytes:
        state = self.state
        if state is PrinterState.GONE:
            raise PrinterGone("the virtual printer is unplugged")
        for index, question in enumerate(QUESTIONS):
            if request_bytes == request(question):
                return bytes((ANSWERS[state][index],))
        return b""

    def close(self) -> None:
        """Nothing to release."""
