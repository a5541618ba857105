# The board's log (micropython-lib's logging, vendored in the firmware's lib/): what a
# technician reads on the USB console with mpremote. Run by test_firmware.py under
# MicroPython, the log caught in a StringIO as app.run() configures it, at INFO.
import io
import logging

import messages as m
from fw_test_panel import FLASH, Host, boot, open_case
from panel import POWER_CUT_MS
from vectors import VECTORS, unhex


def console():
    """The log, as the board's console would show it, from here on."""
    stream = io.StringIO()
    logging.basicConfig(level=logging.INFO, stream=stream, force=True)
    return stream


def lines(stream):
    return stream.getvalue().splitlines()


def test_boot_says_the_latch_kept_in_flash():
    stream = console()
    open_case(boot(), 0)
    boot()
    assert lines(stream)[-1] == "INFO:panel:boot: firmware 1.0.0, tamper latch set, 0 power cycles"


def test_the_case_opened_and_closed_is_logged():
    stream = console()
    panel = boot()
    open_case(panel, 0)
    panel.sense(False, 100)
    Host(panel).send(m.TAMPER_CLEAR, {}, 200)
    assert lines(stream) == [
        "INFO:panel:boot: firmware 1.0.0, tamper latch clear, 0 power cycles",
        "WARNING:panel:tamper: case opened, latch set",
        "INFO:panel:tamper: case closed, latch set",
        "INFO:panel:tamper: latch cleared by the host",
    ]


def test_the_watchdog_armed_fired_and_disarmed_is_logged():
    stream = console()
    panel = boot()
    host = Host(panel)
    host.send(m.WATCHDOG_START, {"interval_ms": 100, "misses": 3}, 0)
    panel.tick(301)
    panel.tick(301 + POWER_CUT_MS)
    host.send(m.WATCHDOG_START, {"interval_ms": 1000, "misses": 2}, 5000)
    host.send(m.WATCHDOG_STOP, {}, 5100)
    host.send(m.WATCHDOG_STOP, {}, 5200)  # already disarmed: nothing to say
    assert lines(stream)[1:] == [
        "INFO:panel:watchdog: armed, 100 ms x 3 misses",
        "WARNING:panel:watchdog: no PING for 300 ms, the Pi's power cut for 2000 ms "
        "(power cycle 1), watchdog disarmed",
        "INFO:panel:watchdog: the Pi's power is back",
        "INFO:panel:watchdog: armed, 1000 ms x 2 misses",
        "INFO:panel:watchdog: disarmed by the host",
    ]


def test_every_bad_frame_is_logged_with_its_nak_code():
    stream = console()
    panel = boot()
    for case in VECTORS["corrupt"]:
        assert panel.receive(unhex(case["wire"]), 0) == unhex(case["reply"])
    naks = [line for line in lines(stream) if line.startswith("WARNING:panel:nak: ")]
    assert len(naks) == len(VECTORS["corrupt"])
    assert naks[0] == "WARNING:panel:nak: 2 BAD_CRC for type 0x02, seq 12"
    assert naks[2] == "WARNING:panel:nak: 1 BAD_FRAME for type 0x02, seq 14"


def test_a_refused_request_is_logged_with_its_nak_code():
    stream = console()
    panel = boot()
    open_case(panel, 0)
    assert Host(panel).send(m.TAMPER_CLEAR, {}, 100)[0] == "NAK"
    assert lines(stream)[-1] == "WARNING:panel:nak: 5 TAMPER_OPEN for type 0x21, seq 1"


def test_an_unreadable_flash_is_logged():
    with open(FLASH, "w") as f:
        f.write("{not json")
    stream = console()
    boot()
    assert lines(stream) == [
        "ERROR:store:panel.json is unreadable: tamper latch set",
        "INFO:panel:boot: firmware 1.0.0, tamper latch set, 0 power cycles",
    ]
