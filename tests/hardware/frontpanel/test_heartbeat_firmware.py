"""The kiosk's heartbeat (kiosk.hardware.frontpanel.heartbeat) and the real firmware over the
pty pair of rig.py: the host arms the board's watchdog and feeds it while the UI loop turns;
when the loop hangs the pings stop and the firmware cuts the Pi's power through its relay pin;
the case opened reaches the kiosk's listener; a kiosk stopped on purpose disarms it. Then the
same with the whole kiosk on the line."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from kiosk import config
from kiosk.app import LOOP_STALE_SECONDS, Kiosk
from kiosk.hardware.audio import RecordingSpeaker
from kiosk.hardware.frontpanel import FrontPanel
from kiosk.hardware.frontpanel.heartbeat import PanelHeartbeat, Watchdog
from kiosk.hardware.sensors import SensorEvent, TamperChanged
from tests.hardware.frontpanel.rig import Firmware, Wire, eventually
from tests.ui.conftest import sim_config
from tests.ui.test_kiosk import pump_until

pytestmark = pytest.mark.slow

# A window of 2 s fed every 0.5 s: no loaded machine delays four pings in a row.
TERMS = Watchdog(interval_ms=500, misses=4)
TERMS_AFTER_10_S = Watchdog.after(10)


@dataclass
class Loop:
    turning: bool = True

    def alive(self) -> bool:
        return self.turning


def test_the_host_arms_the_watchdog_and_a_hung_loop_gets_the_power_cut(
        firmware_panel: FrontPanel, firmware: Firmware) -> None:
    panel = firmware_panel
    panel.hello()
    loop, sensed = Loop(), list[SensorEvent]()
    heartbeat = PanelHeartbeat(panel, sensed.append, alive=loop.alive, watchdog=TERMS)
    heartbeat.start()
    try:
        eventually(lambda: panel.hello().status.watchdog_armed, "armed by the host", firmware)
        pings = heartbeat.pings
        eventually(lambda: heartbeat.pings >= pings + 6, "three seconds of pings", firmware)
        assert panel.hello().status.power_cycles == 0  # fed: longer than the window, no cut
        firmware.set_case(is_open=True)
        eventually(lambda: sensed == [TamperChanged(opened=True)], "the case opened", firmware)
        firmware.set_case(is_open=False)

        loop.turning = False  # the UI loop hangs: the pings stop
        eventually(lambda: firmware.levels("power_cut") == [0, 1, 0], "power cut, restored",
                   firmware)
        status = panel.hello().status
        assert status.power_cycles == 1 and not status.watchdog_armed
        assert status.tamper_latched  # the Pi's power, not the board's: the latch stays

        loop.turning = True  # the Pi is back: the next run arms the watchdog again
        eventually(lambda: panel.hello().status.watchdog_armed, "armed again", firmware)
    finally:
        heartbeat.stop()
    assert not panel.hello().status.watchdog_armed  # stopped on purpose: no cut coming
    assert firmware.levels("power_cut") == [0, 1, 0]


def test_the_running_kiosk_feeds_the_firmware_until_its_loop_hangs(
        tmp_path: Path, wire: Wire, firmware: Firmware) -> None:
    """The whole kiosk (``kiosk run``'s loop, headless) on the firmware's serial line, with the
    shortest window a profile allows: fed while the loop turns; a loop that stops turning
    (here: nobody pumps it) stops the pings, and the board cuts the power."""
    extra = f'frontpanel = {{ uri = "serial:{wire.host_path}", watchdog_seconds = 10 }}\n'
    kiosk = Kiosk(config.parse(sim_config(tmp_path, extra), "test"), speaker=RecordingSpeaker())
    kiosk.start()
    try:
        panel, heartbeat = kiosk.frontpanel, kiosk.heartbeat
        assert panel is not None and heartbeat is not None
        pump_until(kiosk, lambda: panel.hello().status.watchdog_armed)
        pings = heartbeat.pings
        pump_until(kiosk, lambda: heartbeat.pings >= pings + 3)
        assert panel.hello().status.power_cycles == 0
        hung_for = LOOP_STALE_SECONDS + TERMS_AFTER_10_S.window
        deadline = time.monotonic() + 3 * hung_for  # only a guard against a hang
        while firmware.levels("power_cut") != [0, 1, 0]:  # the loop is not pumped: hung
            assert time.monotonic() < deadline, firmware.console()
            time.sleep(0.1)
        assert panel.hello().status.power_cycles == 1
    finally:
        kiosk.stop()
