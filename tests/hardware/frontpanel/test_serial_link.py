"""The pyserial link on a real tty (a pty pair): bytes both ways, and a port that is busy or
goes away gives the coded error a technician can act on."""

from __future__ import annotations

import os
import tty
from collections.abc import Iterator

import pytest

from kiosk.hardware.frontpanel.errors import PanelNotFound
from kiosk.hardware.frontpanel.serial_link import SerialLink


class Pty:
    """The board's end (``board``, a master fd) and the ``path`` the host opens."""

    def __init__(self) -> None:
        self.board, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        os.close(slave)
        self.up = True

    def hang_up(self) -> None:
        if self.up:
            os.close(self.board)
            self.up = False


@pytest.fixture
def pty() -> Iterator[Pty]:
    pty = Pty()
    try:
        yield pty
    finally:
        pty.hang_up()


def test_bytes_cross_both_ways(pty: Pty) -> None:
    link = SerialLink(pty.path)
    try:
        link.write(b"\x03\x01\x01\x03\xc8\x9d\x00")
        assert os.read(pty.board, 64) == b"\x03\x01\x01\x03\xc8\x9d\x00"
        assert link.read(0.01) == b""
        os.write(pty.board, b"\x03\x90\x04\x03xa\x00")
        assert link.read(5) == b"\x03\x90\x04\x03xa\x00"
    finally:
        link.close()


def test_a_port_another_process_holds_is_not_found(pty: Pty) -> None:
    first = SerialLink(pty.path)
    try:
        with pytest.raises(PanelNotFound, match="cannot open"):
            SerialLink(pty.path)
    finally:
        first.close()


def test_a_port_that_went_away_is_not_found(pty: Pty) -> None:
    link = SerialLink(pty.path)
    pty.hang_up()  # as a USB-serial adapter pulled out
    try:
        with pytest.raises(PanelNotFound) as gone:
            link.read(0.5)
        assert gone.value.code == "FRONTPANEL_NOT_FOUND"
    finally:
        link.close()
