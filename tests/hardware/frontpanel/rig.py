"""The firmware on a serial line, for the tests that talk to it through the host's driver:
main.py under MicroPython's unix port on one pty, the driver's pyserial link on another, and
a :class:`Wire` between them, which records both directions and can damage a frame or inject
noise. Pins are files in a "world" directory (the stub machine module's trace of output
levels, and the tamper pin's level); the flash is the firmware's working directory.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading
import time
import tty
from collections.abc import Callable
from pathlib import Path

from tests.hardware.frontpanel.micropython import FIRMWARE, environment, tool


def pty_pair() -> tuple[int, int, str]:
    master, slave = os.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


class Wire:
    """Copies bytes between the board's pty and the host's, keeping what went each way."""

    def __init__(self) -> None:
        self.board_master, self._board_slave, self.board_path = pty_pair()
        self.host_master, self._host_slave, self.host_path = pty_pair()
        self.to_board = bytearray()
        self.to_host = bytearray()
        self.damage_next_frame = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def inject(self, data: bytes) -> None:
        """Noise on the line to the board."""
        os.write(self.board_master, data)

    def _run(self) -> None:
        ends = {self.host_master: self.board_master, self.board_master: self.host_master}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(ends), [], [], 0.05)
            for source in ready:
                data = os.read(source, 4096)
                if source == self.host_master:
                    data = self._maybe_damage(data)
                    self.to_board += data
                else:
                    self.to_host += data
                os.write(ends[source], data)

    def _maybe_damage(self, data: bytes) -> bytes:
        if not self.damage_next_frame or len(data) < 4:
            return data
        self.damage_next_frame = False
        flipped = data[-2] ^ 0x01 or 0x02  # the CRC's last byte; non-zero: no frame cut
        return data[:-2] + bytes((flipped,)) + data[-1:]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        for fd in (self.board_master, self._board_slave, self.host_master, self._host_slave):
            os.close(fd)


class Firmware:
    """main.py under MicroPython, on the wire's board end, with a flash and a world."""

    def __init__(self, wire: Wire, flash: Path, world: Path) -> None:
        self.flash, self.world = flash, world
        self.env = environment(FRONTPANEL_UART=wire.board_path, FRONTPANEL_WORLD=str(world))
        self.pins: dict[str, int] = json.loads(subprocess.run(
            [tool("micropython"), "-c", "import board, json; print(json.dumps(board.PINS))"],
            env=self.env, cwd=flash, capture_output=True, text=True, timeout=30,
            check=True).stdout)
        self.set_case(is_open=False)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log = (self.flash / "console.log").open("wb")
        self.process = subprocess.Popen([tool("micropython"), str(FIRMWARE / "main.py")],
                                        cwd=self.flash, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT)

    def stop(self) -> None:
        """The board losing power: only the flash remains."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
            self.log.close()

    def set_case(self, *, is_open: bool) -> None:
        (self.world / f"pin{self.pins['tamper']}").write_text("1" if is_open else "0")

    def levels(self, name: str) -> list[int]:
        """Every level written to the pin ``name``, in order."""
        trace = self.world / "trace"
        lines = trace.read_text().split("\n") if trace.exists() else []
        pin = str(self.pins[name])
        return [int(level) for got, _, level in (line.partition(" ") for line in lines)
                if got == pin]

    def console(self) -> str:
        return (self.flash / "console.log").read_text(errors="replace")


def eventually(check: Callable[[], bool], what: str, firmware: Firmware | None) -> None:
    """Wait for ``check`` to hold; the deadline only guards against a hang."""
    deadline = time.monotonic() + 20
    while not check():
        console = firmware.console() if firmware is not None else ""
        assert time.monotonic() < deadline, f"never: {what}\n{console}"
        time.sleep(0.02)
