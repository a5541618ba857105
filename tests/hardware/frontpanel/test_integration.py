"""The host's driver and the real firmware talking over serial lines: the firmware's main.py
under MicroPython's unix port on one pty, the driver's pyserial link on another, and this
test as the wire between them, which records both directions and can damage a frame or
inject noise. Pins are files in a "world" directory (the stub machine module's trace of
output levels, and the tamper pin's level), the flash is the firmware's working directory.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.hardware.frontpanel import FrontPanel, LedMode
from kiosk.hardware.frontpanel.errors import TamperStillOpen
from kiosk.hardware.frontpanel.framing import Packet, encode
from kiosk.hardware.frontpanel.messages import Buzz, Nak, NakCode
from kiosk.hardware.frontpanel.serial_link import SerialLink
from tests.hardware.frontpanel.micropython import FIRMWARE, environment, tool, vectors

pytestmark = pytest.mark.slow


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


def eventually(check: Callable[[], bool], what: str, firmware: Firmware) -> None:
    """Wait for ``check`` to hold; the deadline only guards against a hang."""
    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, f"never: {what}\n{firmware.console()}"
        time.sleep(0.02)


@pytest.fixture
def wire() -> Iterator[Wire]:
    wire = Wire()
    yield wire
    wire.close()


@pytest.fixture
def firmware(wire: Wire, tmp_path: Path) -> Iterator[Firmware]:
    (tmp_path / "flash").mkdir()
    (tmp_path / "world").mkdir()
    firmware = Firmware(wire, tmp_path / "flash", tmp_path / "world")
    firmware.start()
    try:
        yield firmware
    finally:
        firmware.stop()


@pytest.fixture
def panel(wire: Wire, firmware: Firmware) -> Iterator[FrontPanel]:
    panel = FrontPanel(SerialLink(wire.host_path), timeout=1.0)
    try:
        yield panel
    finally:
        panel.close()


def test_hello_over_the_serial_line(panel: FrontPanel) -> None:
    ack = panel.hello()
    assert (ack.protocol, ack.firmware) == (1, "1.0.0")
    assert not ack.status.tamper_latched and ack.status.power_cycles == 0


def test_lights_and_buzzer_reach_the_pins(panel: FrontPanel, firmware: Firmware) -> None:
    panel.hello()
    panel.set_guidance(LedMode.ON)
    eventually(lambda: firmware.levels("guidance")[-1:] == [1], "guidance on", firmware)
    panel.set_guidance(LedMode.BLINK)
    eventually(lambda: firmware.levels("guidance")[-4:] == [1, 0, 1, 0], "blinking", firmware)
    panel.set_guidance(LedMode.OFF)
    panel.set_status_led(LedMode.ON)
    eventually(lambda: firmware.levels("status")[-1:] == [1], "status LED on", firmware)
    eventually(lambda: firmware.levels("guidance")[-1:] == [0], "guidance off", firmware)
    panel.buzz(100)
    eventually(lambda: firmware.levels("buzzer") == [0, 1, 0], "one beep", firmware)


def test_tamper_latched_cleared_and_kept_across_the_board_losing_power(
        panel: FrontPanel, firmware: Firmware) -> None:
    panel.hello()
    firmware.set_case(is_open=True)
    eventually(lambda: panel.ping().tamper_latched, "latched", firmware)
    with pytest.raises(TamperStillOpen):
        panel.clear_tamper()
    firmware.set_case(is_open=False)
    eventually(lambda: not panel.tamper().open, "case shut", firmware)
    assert panel.tamper_latched()
    assert not panel.clear_tamper().latched
    firmware.set_case(is_open=True)
    eventually(panel.tamper_latched, "latched again", firmware)
    firmware.set_case(is_open=False)
    firmware.stop()
    firmware.start()
    assert panel.hello().status.tamper_latched  # read back from the flash at boot


def test_the_watchdog_power_cycles_the_pi_when_the_pings_stop(
        panel: FrontPanel, firmware: Firmware) -> None:
    panel.hello()
    panel.watchdog_start(interval_ms=100, misses=2)
    for _ in range(3):
        panel.ping()  # whether these came in time depends on the machine's load: no assert
    eventually(lambda: panel.hello().status.power_cycles == 1, "a power cycle", firmware)
    eventually(lambda: firmware.levels("power_cut") == [0, 1, 0], "power cut, restored",
               firmware)
    status = panel.hello().status
    assert not status.watchdog_armed and status.power_cycles == 1


def test_a_damaged_frame_is_refused_and_sent_again(panel: FrontPanel, wire: Wire,
                                                   firmware: Firmware) -> None:
    panel.hello()
    wire.damage_next_frame = True
    panel.buzz(100)
    assert panel.resends == 1
    assert encode(Packet(Nak.TYPE, 2, Nak(NakCode.BAD_CRC, Buzz.TYPE).payload())) in wire.to_host
    eventually(lambda: firmware.levels("buzzer") == [0, 1, 0], "one beep, not two", firmware)


def test_noise_on_the_line_is_answered_and_passed_over(panel: FrontPanel, wire: Wire,
                                                       firmware: Firmware) -> None:
    overlong = next(case for case in vectors()["corrupt"] if case["name"].startswith("60"))
    panel.hello()
    wire.inject(bytes.fromhex(overlong["wire"]))
    eventually(lambda: bytes.fromhex(overlong["reply"]) in wire.to_host, "the NAK", firmware)
    assert panel.ping().power_cycles == 0
    assert panel.resends == 0
