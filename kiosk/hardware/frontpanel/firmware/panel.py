# The board's logic, sans-IO: bytes and readings in, bytes and pin levels out.
#
# Nothing here touches a pin, the UART or the clock: the caller passes the time (ticks_ms)
# and the tamper switch's reading, sends what receive() returns, and sets the pins to what
# outputs() says. So the whole board runs in tests under MicroPython's unix port, and the
# same code runs on the RP2040 behind board.py. The one output besides those is the log
# (micropython-lib's logging, vendored in lib/): on the board it is the USB console, where a
# technician reads with mpremote what the board did, also while the Pi is off.
import logging
import time

import frame
import messages as m
from micropython import const

VERSION = "1.0.0"
BLINK_HALF_MS = const(250)  # 2 Hz: reads as "busy", not as an alarm
DEBOUNCE_MS = const(30)  # the switch must read open this long: contact bounce is no tamper
POWER_CUT_MS = const(2000)  # long enough for the Pi's supply to drain and the SoC to reset
LEVELS = ("guidance", "status", "buzzer", "power_cut")  # the order of outputs()

log = logging.getLogger("panel")


class Panel:
    def __init__(self, store, now):
        self.store = store
        self.leds = [("OFF", now), ("OFF", now)]  # (mode, since) per LED
        self.buzz_until = now
        self.watchdog = None  # (interval_ms, misses) while armed
        self.last_ping = now
        self.cut_until = None  # ticks_ms when the Pi gets its power back
        self.tamper_open = False
        self._open_since = None
        self._deframer = frame.Deframer()
        self._last = None  # (request frame, reply bytes): what a resend gets
        self._handlers = {
            m.HELLO: self._hello, m.PING: self._ping, m.SET_LED: self._set_led,
            m.BUZZ: self._buzz, m.TAMPER_READ: self._tamper_read,
            m.TAMPER_CLEAR: self._tamper_clear, m.WATCHDOG_START: self._watchdog_start,
            m.WATCHDOG_STOP: self._watchdog_stop,
        }
        log.info("boot: firmware %s, tamper latch %s, %d power cycles", VERSION,
                 "set" if store.latched else "clear", store.cycles)

    # Inputs

    def receive(self, data, now):
        """The bytes to send back for the bytes that arrived (empty while a frame is
        incomplete)."""
        out = b""
        for stuffed in self._deframer.feed(data):
            out += self._answer(stuffed, now)
        return out

    def sense(self, switch_open, now):
        """The tamper switch's reading. Open for DEBOUNCE_MS latches, and the latch is
        saved at once: the case may be opened to pull the board's power next."""
        if not switch_open:
            if self.tamper_open:
                log.info("tamper: case closed, latch %s",
                         "set" if self.store.latched else "clear")
            self._open_since = None
            self.tamper_open = False
        elif self._open_since is None:
            self._open_since = now
        elif time.ticks_diff(now, self._open_since) >= DEBOUNCE_MS and not self.tamper_open:
            self.tamper_open = True
            log.warning("tamper: case opened, latch set")
            if not self.store.latched:
                self.store.latched = True
                self.store.save()

    def tick(self, now):
        """Judge the watchdog: misses x interval without a PING and the Pi's power is cut
        for POWER_CUT_MS, then restored; the watchdog disarms, for the kiosk to arm again
        once it runs (a Pi that cannot boot is not cut forever)."""
        if self.cut_until is not None and time.ticks_diff(now, self.cut_until) >= 0:
            self.cut_until = None
            log.info("watchdog: the Pi's power is back")
        if self.watchdog is None:
            return
        interval, misses = self.watchdog
        if time.ticks_diff(now, self.last_ping) > interval * misses:
            self.watchdog = None
            self.cut_until = time.ticks_add(now, POWER_CUT_MS)
            self.store.cycles = min(self.store.cycles + 1, 0xFFFF)
            self.store.save()
            log.warning("watchdog: no PING for %d ms, the Pi's power cut for %d ms "
                        "(power cycle %d), watchdog disarmed", interval * misses,
                        POWER_CUT_MS, self.store.cycles)

    # Outputs

    def outputs(self, now):
        """The level (0 or 1) of each pin named in LEVELS."""
        levels = [self._led(mode, since, now) for mode, since in self.leds]
        levels.append(int(time.ticks_diff(self.buzz_until, now) > 0))
        levels.append(int(self.cut_until is not None))
        return tuple(levels)

    def status(self):
        return {"tamper_latched": self.store.latched, "tamper_open": self.tamper_open,
                "watchdog_armed": self.watchdog is not None,
                "power_cut": self.cut_until is not None, "power_cycles": self.store.cycles}

    @staticmethod
    def _led(mode, since, now):
        if mode == "BLINK":
            return int(time.ticks_diff(now, since) // BLINK_HALF_MS % 2 == 0)
        return int(mode == "ON")

    # Requests

    def _answer(self, stuffed, now):
        if stuffed is None:
            return self._nak(frame.BAD_FRAME, 0, 0)
        problem, type_, seq, payload = frame.unframe(stuffed)
        if problem:
            return self._nak(problem, seq, type_)
        if self._last is not None and self._last[0] == stuffed and type_ != m.HELLO:
            return self._last[1]  # a resend: the reply was lost, the request was done
        try:
            if type_ not in self._handlers:
                raise m.Reject(m.UNKNOWN_TYPE)
            _, fields = m.decode(type_, payload)
            reply = frame.frame(type_ | m.ACK, seq,
                                m.encode(type_ | m.ACK, self._handlers[type_](fields, now)))
        except m.Reject as refusal:
            reply = self._nak(refusal.code, seq, type_)
        self._last = (stuffed, reply)
        return reply

    @staticmethod
    def _nak(code, seq, type_):
        log.warning("nak: %d %s for type 0x%02x, seq %d", code, m.NAKS[code], type_, seq)
        return frame.frame(m.NAK, seq, bytes((code, type_)))

    def _hello(self, fields, now):
        return {"protocol": m.PROTOCOL, "firmware": VERSION, "status": self.status()}

    def _ping(self, fields, now):
        self.last_ping = now
        return {"status": self.status()}

    def _set_led(self, fields, now):
        self.leds[m.LEDS.index(fields["led"])] = (fields["mode"], now)
        return {}

    def _buzz(self, fields, now):
        self.buzz_until = time.ticks_add(now, fields["duration_ms"])
        return {}

    def _tamper_read(self, fields, now):
        return {"latched": self.store.latched, "open": self.tamper_open}

    def _tamper_clear(self, fields, now):
        if self.tamper_open:
            raise m.Reject(m.TAMPER_OPEN)
        if self.store.latched:
            self.store.latched = False
            self.store.save()
            log.info("tamper: latch cleared by the host")
        return {"latched": False, "open": False}

    def _watchdog_start(self, fields, now):
        self.watchdog = (fields["interval_ms"], fields["misses"])
        self.last_ping = now
        log.info("watchdog: armed, %d ms x %d misses", fields["interval_ms"], fields["misses"])
        return {}

    def _watchdog_stop(self, fields, now):
        if self.watchdog is not None:
            log.info("watchdog: disarmed by the host")
        self.watchdog = None
        return {}
