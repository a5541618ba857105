"""The in-process virtual board, for the sim profile and for tests of what uses the panel.

It is a :class:`~kiosk.hardware.frontpanel.driver.Link` that answers as the firmware does,
modelled on the host's own codec (the firmware's behaviour is proved by its own tests and
the pty integration test, not by this model). Like gpiozero's ``MockPin`` it records what it
was asked and lets a test play the outside world:

| capability                     | support                                                   |
|--------------------------------|-----------------------------------------------------------|
| lights, buzzer                 | ``leds`` (mode per LED), ``buzzes`` (durations asked)      |
| the case opened, closed        | :meth:`open_case`, :meth:`close_case`; the latch stays    |
| watchdog                       | judged against ``clock`` at each request; ``power_cycles`` |
| board unplugged                | :meth:`unplug`: requests go unanswered (``PanelTimeout``)  |
| damaged frames                 | answered with the NAK the firmware sends                  |
| a request sent again           | answered from memory, not done twice, as the firmware does |
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.hardware.frontpanel.errors import BadPayload
from kiosk.hardware.frontpanel.framing import Corrupt, Deframer, Packet, encode
from kiosk.hardware.frontpanel.messages import (
    Buzz,
    BuzzAck,
    Hello,
    HelloAck,
    Led,
    LedMode,
    Message,
    Nak,
    NakCode,
    PanelStatus,
    Ping,
    PingAck,
    SetLed,
    SetLedAck,
    TamperClear,
    TamperClearAck,
    TamperRead,
    TamperState,
    WatchdogStart,
    WatchdogStartAck,
    WatchdogStop,
    WatchdogStopAck,
    parse,
)

FIRMWARE = "1.0.0"


class VirtualBoard:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._deframer = Deframer()
        self._out = bytearray()
        self.plugged = True
        self.leds = dict.fromkeys(Led, LedMode.OFF)
        self.buzzes: list[int] = []
        self.requests: list[Message] = []
        self.case_open = False
        self.tamper_latched = False
        self.watchdog: WatchdogStart | None = None
        self._last_ping = 0.0
        self.power_cycles = 0
        self._last: tuple[Packet, Packet] | None = None  # (request, reply): for a resend

    @classmethod
    def from_uri(cls, rest: str) -> VirtualBoard:
        return cls()

    # The outside world

    def open_case(self) -> None:
        self.case_open = self.tamper_latched = True

    def close_case(self) -> None:
        self.case_open = False

    def unplug(self) -> None:
        self.plugged = False

    # Link

    def write(self, data: bytes) -> None:
        if not self.plugged:
            return
        self._judge_watchdog()
        for item in self._deframer.feed(data):
            if self._last and item == self._last[0] and item.type != Hello.TYPE:
                self._out += encode(self._last[1])
                continue
            reply = self._answer(item)
            if isinstance(item, Packet):
                self._last = (item, reply)
            self._out += encode(reply)

    def read(self, timeout: float) -> bytes:
        if not self._out:
            time.sleep(timeout)  # the answers are made on write: nothing more will come
        out = bytes(self._out)
        self._out.clear()
        return out

    def close(self) -> None:
        self._out.clear()

    # The board

    def status(self) -> PanelStatus:
        return PanelStatus(self.tamper_latched, self.case_open, self.watchdog is not None,
                           False, self.power_cycles)

    def _answer(self, item: Packet | Corrupt) -> Packet:
        if isinstance(item, Corrupt):
            return Packet(Nak.TYPE, item.seq, Nak(NakCode[item.reason], item.type).payload())
        try:
            request = parse(item.type, item.payload)
        except KeyError:
            return self._nak(item, NakCode.UNKNOWN_TYPE)
        except BadPayload:
            return self._nak(item, NakCode.BAD_PAYLOAD)
        self.requests.append(request)
        reply = self._do(request)
        if reply is None:
            return self._nak(item, NakCode.TAMPER_OPEN)
        return Packet(reply.TYPE, item.seq, reply.payload())

    @staticmethod
    def _nak(item: Packet, code: NakCode) -> Packet:
        return Packet(Nak.TYPE, item.seq, Nak(code, item.type).payload())

    def _do(self, request: Message) -> Message | None:
        match request:
            case Hello():
                return HelloAck(firmware=FIRMWARE, status=self.status())
            case Ping():
                self._last_ping = self._clock()
                return PingAck(self.status())
            case SetLed(led=led, mode=mode):
                self.leds[led] = mode
                return SetLedAck()
            case Buzz(duration_ms=duration):
                self.buzzes.append(duration)
                return BuzzAck()
            case TamperRead():
                return TamperState(self.tamper_latched, self.case_open)
            case TamperClear():
                if self.case_open:
                    return None
                self.tamper_latched = False
                return TamperClearAck(False, False)
            case WatchdogStart():
                self.watchdog, self._last_ping = request, self._clock()
                return WatchdogStartAck()
            case WatchdogStop():
                self.watchdog = None
                return WatchdogStopAck()
        raise AssertionError(f"no arm for {request.NAME}")

    def _judge_watchdog(self) -> None:
        """What the firmware does in its tick, done when the next request comes: a Pi that
        stopped pinging for too long is power-cycled (here: counted) and the watchdog
        disarmed."""
        armed = self.watchdog
        if armed and self._clock() - self._last_ping > armed.interval_ms * armed.misses / 1000:
            self.power_cycles += 1
            self.watchdog = None
