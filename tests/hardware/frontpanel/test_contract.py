"""What every front-panel backend does alike, run against the virtual board (the sim
profile's) and the real firmware on a serial line: the virtual model may not drift from
the board it stands for."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from kiosk.hardware.frontpanel import FrontPanel, LedMode
from kiosk.hardware.frontpanel.errors import PanelRejected, TamperStillOpen
from kiosk.hardware.frontpanel.messages import Message, PanelStatus, SetLedAck
from kiosk.hardware.frontpanel.virtual import VirtualBoard
from tests.hardware.frontpanel.rig import Firmware, eventually


@dataclass
class Rig:
    """A panel and the outside world it sits in."""

    panel: FrontPanel
    set_case: Callable[[bool], None]
    firmware: Firmware | None = None


def virtual_rig() -> Rig:
    board = VirtualBoard()
    return Rig(FrontPanel(board), lambda is_open: (board.open_case() if is_open
                                                    else board.close_case()))


@pytest.fixture(params=["virtual", pytest.param("firmware", marks=pytest.mark.slow)])
def rig(request: pytest.FixtureRequest) -> Rig:
    if request.param == "virtual":
        return virtual_rig()
    firmware: Firmware = request.getfixturevalue("firmware")
    return Rig(request.getfixturevalue("firmware_panel"),
               lambda is_open: firmware.set_case(is_open=is_open), firmware)


@dataclass(frozen=True, slots=True)
class Unknown(Message):
    TYPE = 0x42
    NAME = "UNKNOWN"


def test_hello_names_protocol_firmware_and_a_clean_status(rig: Rig) -> None:
    ack = rig.panel.hello()
    assert (ack.protocol, ack.firmware, ack.status) == (1, "1.0.0", PanelStatus())


def test_every_request_is_acknowledged(rig: Rig) -> None:
    panel = rig.panel
    panel.hello()
    for mode in LedMode:
        panel.set_guidance(mode)
        panel.set_status_led(mode)
    panel.buzz(10)
    panel.watchdog_start(interval_ms=60000, misses=1)
    assert panel.ping().watchdog_armed
    panel.watchdog_stop()
    assert panel.ping() == PanelStatus()
    assert panel.resends == 0


def test_the_latch_outlives_the_open_case_and_clears_once_it_is_shut(rig: Rig) -> None:
    panel = rig.panel
    panel.hello()
    rig.set_case(True)
    eventually(lambda: panel.ping().tamper_open, "case seen open", rig.firmware)
    with pytest.raises(TamperStillOpen):
        panel.clear_tamper()
    rig.set_case(False)
    eventually(lambda: not panel.tamper().open, "case seen shut", rig.firmware)
    assert panel.tamper_latched()
    assert not panel.clear_tamper().latched
    assert not panel.ping().tamper_latched


def test_an_unknown_request_is_refused_with_its_code(rig: Rig) -> None:
    rig.panel.hello()
    with pytest.raises(PanelRejected) as refused:
        rig.panel.request(Unknown(), SetLedAck)
    assert refused.value.nak == "UNKNOWN_TYPE"
