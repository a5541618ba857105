"""The in-process virtual board on a clock the test turns, and the firmware on a serial line
(rig.py), as fixtures: each test gets its own board, or its own ptys, flash and world, so
tests run side by side under xdist."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.hardware.frontpanel import FrontPanel
from kiosk.hardware.frontpanel.serial_link import SerialLink
from kiosk.hardware.frontpanel.virtual import VirtualBoard
from tests.hardware.frontpanel.rig import Firmware, Wire


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def board(clock: Clock) -> VirtualBoard:
    return VirtualBoard(clock=clock)


@pytest.fixture
def panel(board: VirtualBoard) -> Iterator[FrontPanel]:
    panel = FrontPanel(board, timeout=0.05)
    panel.hello()
    yield panel
    panel.close()


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
def firmware_panel(wire: Wire, firmware: Firmware) -> Iterator[FrontPanel]:
    panel = FrontPanel(SerialLink(wire.host_path), timeout=1.0)
    try:
        yield panel
    finally:
        panel.close()
