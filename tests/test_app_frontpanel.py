"""The front-panel board in the running kiosk (``kiosk run``'s :class:`~kiosk.app.Kiosk`, a
headless pygame window, the virtual card), on the in-process virtual board: the lights follow
the screen, the watchdog is armed and fed while the loop turns and disarmed when the kiosk
stops, a tamper latched while the Pi was off reaches the kiosk's sensor listener at start and
locks it, and
a board that does not answer leaves a coded line in the log and a kiosk that serves on. The
firmware on a serial line under the same heartbeat is in
tests/hardware/frontpanel/test_heartbeat_firmware.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import config
from kiosk.app import Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.hardware.frontpanel import FrontPanel
from kiosk.hardware.frontpanel.messages import Led, LedMode, Ping, WatchdogStart, WatchdogStop
from kiosk.hardware.frontpanel.virtual import VirtualBoard
from kiosk.hardware.sensors import SensorEvent, TamperChanged
from kiosk.journeys import Choice, Chosen, Language, LanguageChosen, Screen
from tests.ui.conftest import sim_config
from tests.ui.test_kiosk import pump_until

pytestmark = pytest.mark.slow  # a kiosk each, with its demo card

PANEL = 'frontpanel = { uri = "sim", watchdog_seconds = 30 }\n'


class Listening(Kiosk):
    """The kiosk, keeping what its sensor listener (the one the board's heartbeat is given)
    heard, then passing it on."""

    sensed: list[SensorEvent]

    def _post_sensor(self, event: SensorEvent) -> None:
        self.sensed.append(event)
        super()._post_sensor(event)


def start(tmp_path: Path, board: VirtualBoard | None, extra: str = PANEL) -> Listening:
    kiosk = Listening(config.parse(sim_config(tmp_path, extra), "test"),
                      speaker=RecordingSpeaker(),
                      frontpanel=FrontPanel(board) if board is not None else None)
    kiosk.sensed = []
    kiosk.start()
    return kiosk


@pytest.fixture
def board() -> VirtualBoard:
    return VirtualBoard()


@pytest.fixture
def kiosk(tmp_path: Path, board: VirtualBoard) -> Iterator[Listening]:
    running = start(tmp_path, board)
    yield running
    running.stop()


def lights(board: VirtualBoard) -> tuple[LedMode, LedMode]:
    return board.leds[Led.GUIDANCE], board.leds[Led.STATUS]


def test_the_lights_follow_the_screen_that_waits_for_the_card(
        kiosk: Listening, board: VirtualBoard) -> None:
    pump_until(kiosk, lambda: lights(board) == (LedMode.OFF, LedMode.ON))
    for event in (Chosen(Choice.START), LanguageChosen(Language.IT), Chosen(Choice.CHECK_CARD)):
        kiosk.session.post(event)  # through the loop, as the stage's touches go
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.LAY_CARD)
    pump_until(kiosk, lambda: lights(board) == (LedMode.ON, LedMode.ON))  # lay the card here
    kiosk.toggle_sim_card()
    pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.CHECK_RESULT)
    pump_until(kiosk, lambda: lights(board) == (LedMode.OFF, LedMode.ON))


def test_the_watchdog_is_armed_fed_while_the_loop_turns_and_disarmed_on_stop(
        tmp_path: Path, board: VirtualBoard) -> None:
    kiosk = start(tmp_path, board)
    try:
        pump_until(kiosk, lambda: board.watchdog == WatchdogStart(1000, 30))
        heartbeat = kiosk.heartbeat
        assert heartbeat is not None
        pings = heartbeat.pings
        pump_until(kiosk, lambda: heartbeat.pings >= pings + 2)
        assert board.requests.count(Ping()) >= 3 and board.power_cycles == 0
    finally:
        kiosk.stop()
    assert board.watchdog is None and WatchdogStop() in board.requests
    assert lights(board) == (LedMode.OFF, LedMode.OFF)  # a stopped kiosk asks for no card
    assert kiosk.sensed == []  # the case was never opened


def test_a_tamper_latched_while_the_pi_was_off_reaches_the_sensor_listener_at_start(
        board: VirtualBoard, tmp_path: Path) -> None:
    board.open_case()
    board.close_case()  # opened and shut while the kiosk was off: the board's latch keeps it
    kiosk = start(tmp_path, board)
    try:
        pump_until(kiosk, lambda: kiosk.sensed == [TamperChanged(opened=True)])
        pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.TAMPERED)
        panel = kiosk.frontpanel
        assert panel is not None
        panel.clear_tamper()  # the technician's act (kiosk frontpanel clear-tamper)
        pump_until(kiosk, lambda: kiosk.sensed[-1] == TamperChanged(opened=False))
        pump_until(kiosk, lambda: not kiosk.session.case_open)
        assert kiosk.session.view.screen is Screen.TAMPERED  # until a clerk unlocks it
    finally:
        kiosk.stop()


@pytest.mark.parametrize("silent", ["unplugged", "no port"])
def test_a_board_that_does_not_answer_is_logged_and_the_kiosk_serves_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, silent: str) -> None:
    board = VirtualBoard()
    board.unplug()
    kiosk = (start(tmp_path, board) if silent == "unplugged" else
             start(tmp_path, None, 'frontpanel = { uri = "serial:/dev/nonexistent-panel" }\n'))
    try:
        assert kiosk.frontpanel is None and kiosk.heartbeat is None
        codes = [record.fields["code"] for record in caplog.records
                 if record.levelno == logging.ERROR and hasattr(record, "fields")]
        assert codes == [{"unplugged": "FRONTPANEL_TIMEOUT",
                          "no port": "FRONTPANEL_NOT_FOUND"}[silent]]
        kiosk.session.post(Chosen(Choice.START))
        pump_until(kiosk, lambda: kiosk.session.view.screen is Screen.LANGUAGE)
    finally:
        kiosk.stop()
