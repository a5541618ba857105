"""The kiosk's side of the front panel over the in-process virtual board: the heartbeat that
feeds the watchdog only while the UI loop turns and reports the tamper latch, and the lights
sent from their own thread. The real firmware under the same heartbeat is in
test_heartbeat_firmware.py."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from kiosk.hardware.frontpanel import FrontPanel
from kiosk.hardware.frontpanel.heartbeat import PanelHeartbeat, Watchdog
from kiosk.hardware.frontpanel.indicators import FrontPanelIndicators
from kiosk.hardware.frontpanel.messages import (
    Buzz,
    Led,
    LedMode,
    SetLed,
    WatchdogStart,
    WatchdogStop,
)
from kiosk.hardware.frontpanel.virtual import VirtualBoard
from kiosk.hardware.indicators import Light
from kiosk.hardware.sensors import SensorEvent, TamperChanged
from tests.hardware.frontpanel.conftest import Clock


def eventually(check: Callable[[], bool], what: str) -> None:
    """Wait for ``check``; the deadline only guards against a hang."""
    deadline = time.monotonic() + 20
    while not check():
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.01)


@dataclass
class Loop:
    """Stands for the kiosk's UI loop: turning or hung."""

    turning: bool = True

    def alive(self) -> bool:
        return self.turning


@pytest.mark.parametrize(("seconds", "terms"), [
    (10, Watchdog(1000, 10)), (60, Watchdog(1000, 60)), (255, Watchdog(1000, 255)),
    (3600, Watchdog(14118, 255))])
def test_the_profiles_seconds_become_the_boards_terms(seconds: int, terms: Watchdog) -> None:
    assert Watchdog.after(seconds) == terms
    assert seconds <= terms.window < seconds + 1


def test_the_watchdog_is_armed_and_fed_while_the_loop_turns_and_disarmed_on_stop(
        board: VirtualBoard, panel: FrontPanel) -> None:
    heartbeat = PanelHeartbeat(panel, lambda event: None, alive=Loop().alive,
                               watchdog=Watchdog(100, 4))
    heartbeat.start()
    eventually(lambda: board.watchdog is not None and heartbeat.pings >= 3, "armed and fed")
    assert board.watchdog == WatchdogStart(100, 4)
    heartbeat.stop()
    assert board.watchdog is None and board.power_cycles == 0
    assert board.requests[-1] == WatchdogStop()


def test_a_hung_loop_stops_the_pings_and_the_board_cuts_the_power(
        board: VirtualBoard, panel: FrontPanel, clock: Clock,
        caplog: pytest.LogCaptureFixture) -> None:
    loop = Loop()
    heartbeat = PanelHeartbeat(panel, lambda event: None, alive=loop.alive,
                               watchdog=Watchdog(100, 4))
    heartbeat.start()
    try:
        eventually(lambda: board.watchdog is not None, "armed")
        loop.turning = False  # the UI thread hangs; the heartbeat's own thread does not
        eventually(lambda: any(getattr(record, "fields", {}).get("code")
                               == "FRONTPANEL_LOOP_STALLED" for record in caplog.records),
                   "the stall noticed")
        clock.now += 1  # past the window of 0.4 s, with no ping since the stall
        assert panel.tamper().latched is False  # any request lets the board judge its watchdog
        assert board.power_cycles == 1 and board.watchdog is None
        loop.turning = True  # the Pi came back (here: the loop turns again)
        eventually(lambda: board.watchdog is not None, "armed again")
    finally:
        heartbeat.stop()


def test_a_tamper_latched_while_the_pi_was_off_is_reported_at_start_and_until_cleared(
        board: VirtualBoard, panel: FrontPanel) -> None:
    board.open_case()
    board.close_case()  # the latch stays
    panel.hello()  # the kiosk boots
    sensed: list[SensorEvent] = []
    heartbeat = PanelHeartbeat(panel, sensed.append, alive=Loop().alive, watchdog=None)
    heartbeat.start()
    try:
        eventually(lambda: sensed == [TamperChanged(opened=True)], "the latch reported")
        pings = heartbeat.pings
        eventually(lambda: heartbeat.pings > pings + 1, "more pings")
        assert sensed == [TamperChanged(opened=True)]  # once, not at every ping
        panel.clear_tamper()  # the technician's act
        eventually(lambda: sensed[-1] == TamperChanged(opened=False), "the latch cleared")
        board.open_case()
        eventually(lambda: sensed[-1] == TamperChanged(opened=True), "opened while running")
    finally:
        heartbeat.stop()
    assert board.watchdog is None and WatchdogStop() not in board.requests  # never armed


def test_a_board_that_stops_answering_is_logged_once_and_asked_again(
        board: VirtualBoard, panel: FrontPanel, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    panel.timeout = 0.01
    heartbeat = PanelHeartbeat(panel, lambda event: None, alive=Loop().alive,
                               watchdog=Watchdog(100, 4))
    heartbeat.start()
    try:
        eventually(lambda: heartbeat.pings >= 1, "answered")
        board.plugged = False
        eventually(lambda: len(codes(caplog)) >= 1, "the silence logged")
        pings = heartbeat.pings
        board.plugged = True
        eventually(lambda: heartbeat.pings > pings, "answering again")
        assert codes(caplog) == ["FRONTPANEL_TIMEOUT"]
    finally:
        heartbeat.stop()


def codes(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.fields["code"] for record in caplog.records if hasattr(record, "fields")]


def test_the_lights_are_sent_from_their_own_thread_and_put_out_on_close(
        board: VirtualBoard, panel: FrontPanel) -> None:
    lights = FrontPanelIndicators(panel)
    lights.status(Light.ON)
    lights.guidance(Light.ON)
    lights.beep(60)
    eventually(lambda: board.leds[Led.GUIDANCE] is LedMode.ON, "guidance on")
    eventually(lambda: board.buzzes == [60], "a beep")
    lights.guidance(Light.BLINK)
    lights.guidance(Light.BLINK)  # already asked: sent once at most
    eventually(lambda: board.leds[Led.GUIDANCE] is LedMode.BLINK, "blinking")
    lights.close()
    assert board.leds == {Led.GUIDANCE: LedMode.OFF, Led.STATUS: LedMode.OFF}
    sent = [request for request in board.requests if isinstance(request, SetLed | Buzz)]
    assert sent.count(SetLed(Led.GUIDANCE, LedMode.BLINK)) == 1
    lights.guidance(Light.ON)  # after close: nothing more
    assert board.leds[Led.GUIDANCE] is LedMode.OFF


def test_lights_on_a_silent_board_cost_the_loop_nothing_but_a_log_line(
        board: VirtualBoard, panel: FrontPanel, caplog: pytest.LogCaptureFixture) -> None:
    panel.timeout = 0.01
    board.unplug()
    lights = FrontPanelIndicators(panel)
    for light in (Light.ON, Light.BLINK, Light.OFF):
        lights.guidance(light)
    lights.close()
    assert codes(caplog) == ["FRONTPANEL_TIMEOUT"]
