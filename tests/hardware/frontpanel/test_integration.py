"""The host's driver and the real firmware talking over serial lines (rig.py): what only the
firmware can show — its pins, its flash across a power loss, its watchdog cutting the Pi's
power — and what the wire may do to the frames between them. What every backend must do
alike is in test_contract.py.
"""

from __future__ import annotations

import pytest

from kiosk.hardware.frontpanel import FrontPanel, LedMode
from kiosk.hardware.frontpanel.framing import Packet, encode
from kiosk.hardware.frontpanel.messages import Buzz, Nak, NakCode
from tests.hardware.frontpanel.micropython import vectors
from tests.hardware.frontpanel.rig import Firmware, Wire, eventually

pytestmark = pytest.mark.slow


@pytest.fixture
def panel(firmware_panel: FrontPanel) -> FrontPanel:
    return firmware_panel


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
    panel.buzz(500)  # long enough to be seen by a tick loop on a loaded machine
    eventually(lambda: firmware.levels("buzzer") == [0, 1, 0], "one beep", firmware)


def test_the_tamper_latch_is_kept_across_the_board_losing_power(
        panel: FrontPanel, firmware: Firmware) -> None:
    panel.hello()
    firmware.set_case(is_open=True)
    eventually(panel.tamper_latched, "latched", firmware)
    firmware.set_case(is_open=False)
    firmware.stop()
    firmware.start()
    status = panel.hello().status
    assert status.tamper_latched and not status.tamper_open  # read back from the flash


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
    panel.buzz(500)  # long enough to be seen by a tick loop on a loaded machine
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


def test_the_board_logs_its_events_on_its_console(panel: FrontPanel, wire: Wire,
                                                   firmware: Firmware) -> None:
    """What a technician reads with ``mpremote`` on the board's USB console (here: main.py's
    stderr), through the vendored micropython-lib logging."""
    panel.hello()
    assert "INFO:panel:boot: firmware 1.0.0, tamper latch clear, 0 power cycles\n" in (
        firmware.console())
    firmware.set_case(is_open=True)
    eventually(lambda: "WARNING:panel:tamper: case opened, latch set\n" in firmware.console(),
               "the case opened, on the console", firmware)
    wire.damage_next_frame = True
    panel.buzz(10)
    eventually(lambda: "WARNING:panel:nak: 2 BAD_CRC for type 0x11, seq 2\n" in firmware.console(),
               "the damaged frame's NAK, on the console", firmware)
