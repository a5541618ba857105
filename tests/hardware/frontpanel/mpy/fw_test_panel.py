# The board's logic: lights, buzzer, tamper latch across power cycles, watchdog (run by
# tests/hardware/frontpanel/test_firmware.py under MicroPython, in a temp dir that stands
# for the board's flash).
import frame
import messages as m
from panel import BLINK_HALF_MS, DEBOUNCE_MS, LEVELS, POWER_CUT_MS, Panel
from store import Store

FLASH = "panel.json"


class Host:
    """Sends requests to a panel as the kiosk would, with its own sequence numbers."""

    def __init__(self, panel):
        self.panel = panel
        self.seq = 0

    def send(self, type_, fields, now, seq=None):
        """(reply name, reply fields) for one request."""
        if seq is None:
            self.seq += 1
        wire = frame.frame(type_, self.seq if seq is None else seq, m.encode(type_, fields))
        reply = self.panel.receive(wire, now)
        problem, reply_type, reply_seq, payload = frame.unframe(reply[:-1])
        assert problem == 0 and reply_seq == (self.seq if seq is None else seq)
        return m.decode(reply_type, payload)


def boot(now=0):
    """The board powering up on what its flash holds."""
    return Panel(Store(FLASH), now)


def level(panel, name, now):
    return panel.outputs(now)[LEVELS.index(name)]


def open_case(panel, now):
    panel.sense(True, now)
    panel.sense(True, now + DEBOUNCE_MS)


def test_hello_says_the_version_and_status():
    name, fields = Host(boot()).send(m.HELLO, {}, 0)
    assert name == "HELLO_ACK" and fields["protocol"] == 1 and fields["firmware"] == "1.0.0"
    assert fields["status"] == {"tamper_latched": False, "tamper_open": False,
                                "watchdog_armed": False, "power_cut": False, "power_cycles": 0}


def test_every_output_is_off_at_power_up():
    assert boot().outputs(0) == (0, 0, 0, 0)


def test_guidance_light_on_blink_and_off():
    panel = boot()
    host = Host(panel)
    assert host.send(m.SET_LED, {"led": "GUIDANCE", "mode": "ON"}, 0) == ("SET_LED_ACK", {})
    assert [level(panel, "guidance", t) for t in (0, 400, 9000)] == [1, 1, 1]
    host.send(m.SET_LED, {"led": "GUIDANCE", "mode": "BLINK"}, 1000)
    times = [1000, 1000 + BLINK_HALF_MS, 1000 + 2 * BLINK_HALF_MS, 1000 + 3 * BLINK_HALF_MS]
    assert [level(panel, "guidance", t) for t in times] == [1, 0, 1, 0]
    host.send(m.SET_LED, {"led": "GUIDANCE", "mode": "OFF"}, 3000)
    assert level(panel, "guidance", 3000) == 0
    assert level(panel, "status", 3000) == 0


def test_status_led_is_its_own():
    panel = boot()
    Host(panel).send(m.SET_LED, {"led": "STATUS", "mode": "ON"}, 0)
    assert (level(panel, "status", 5), level(panel, "guidance", 5)) == (1, 0)


def test_buzzer_sounds_for_the_duration_asked():
    panel = boot()
    assert Host(panel).send(m.BUZZ, {"duration_ms": 300}, 100) == ("BUZZ_ACK", {})
    assert [level(panel, "buzzer", t) for t in (100, 399, 400)] == [1, 1, 0]


def test_a_resent_request_is_answered_from_memory_not_done_again():
    panel = boot()
    host = Host(panel)
    host.send(m.BUZZ, {"duration_ms": 300}, 0)
    host.send(m.BUZZ, {"duration_ms": 300}, 200, seq=host.seq)  # the ACK was lost
    assert level(panel, "buzzer", 300) == 0  # not stretched to 500 ms


def test_hello_is_never_answered_from_memory():
    panel = boot()
    host = Host(panel)
    host.send(m.HELLO, {}, 0, seq=0)
    open_case(panel, 10)
    _, fields = host.send(m.HELLO, {}, 100, seq=0)  # a restarted host, seq 0 again
    assert fields["status"]["tamper_latched"]


def test_contact_bounce_is_no_tamper():
    panel = boot()
    panel.sense(True, 0)
    panel.sense(False, DEBOUNCE_MS // 2)
    panel.sense(True, DEBOUNCE_MS)
    assert not panel.store.latched


def test_opening_the_case_latches_and_the_latch_survives_a_power_cycle():
    panel = boot()
    open_case(panel, 0)
    panel.sense(False, 500)  # shut again before anyone looked
    assert Host(panel).send(m.TAMPER_READ, {}, 600) == ("TAMPER_READ_ACK",
                                                        {"latched": True, "open": False})
    del panel  # the board loses power; only its flash remains
    _, fields = Host(boot()).send(m.HELLO, {}, 0)
    assert fields["status"]["tamper_latched"] and not fields["status"]["tamper_open"]


def test_the_latch_cannot_be_cleared_while_the_case_is_open():
    panel = boot()
    open_case(panel, 0)
    host = Host(panel)
    assert host.send(m.TAMPER_CLEAR, {}, 100) == ("NAK", {"code": "TAMPER_OPEN",
                                                         "request": m.TAMPER_CLEAR})
    panel.sense(False, 200)
    assert host.send(m.TAMPER_CLEAR, {}, 300) == ("TAMPER_CLEAR_ACK",
                                                  {"latched": False, "open": False})
    assert not boot().store.latched  # the clearing is in the flash too


def test_an_unreadable_flash_reads_as_tampered():
    with open(FLASH, "w") as f:
        f.write('{"latched": fal')
    assert boot().store.latched


def test_pings_keep_the_watchdog_quiet():
    panel = boot()
    host = Host(panel)
    host.send(m.WATCHDOG_START, {"interval_ms": 1000, "misses": 3}, 0)
    for now in range(0, 20000, 2500):
        assert host.send(m.PING, {}, now)[1]["status"]["watchdog_armed"]
        panel.tick(now + 2000)
    assert level(panel, "power_cut", 20000) == 0 and panel.store.cycles == 0


def test_missed_pings_power_cycle_the_pi_once_and_disarm():
    panel = boot()
    host = Host(panel)
    host.send(m.WATCHDOG_START, {"interval_ms": 1000, "misses": 3}, 0)
    panel.tick(3000)
    assert level(panel, "power_cut", 3000) == 0  # three intervals, not yet more
    panel.tick(3001)
    assert level(panel, "power_cut", 3001) == 1
    _, fields = host.send(m.PING, {}, 3100)
    assert fields["status"]["power_cut"] and not fields["status"]["watchdog_armed"]
    panel.tick(3001 + POWER_CUT_MS)
    assert level(panel, "power_cut", 3001 + POWER_CUT_MS) == 0  # the Pi gets its power back
    panel.tick(60000)
    assert panel.store.cycles == 1  # disarmed: no second cycle while the Pi boots
    _, fields = Host(boot()).send(m.HELLO, {}, 0)
    assert fields["status"]["power_cycles"] == 1  # kept in the flash


def test_the_timeout_is_set_by_the_message():
    panel = boot()
    host = Host(panel)
    host.send(m.WATCHDOG_START, {"interval_ms": 100, "misses": 2}, 0)
    panel.tick(201)
    assert level(panel, "power_cut", 201) == 1


def test_a_stopped_watchdog_never_cuts():
    panel = boot()
    host = Host(panel)
    host.send(m.WATCHDOG_START, {"interval_ms": 100, "misses": 1}, 0)
    assert host.send(m.WATCHDOG_STOP, {}, 50) == ("WATCHDOG_STOP_ACK", {})
    panel.tick(100000)
    assert level(panel, "power_cut", 100000) == 0
