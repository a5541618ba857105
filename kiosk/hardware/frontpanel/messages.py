"""The messages of the front-panel protocol, as plain values (h11's events).

Each class is one type code; :meth:`Message.payload` and :meth:`Message.from_payload` turn it
into the bytes after the header and back, checking ranges both ways so that a bad message
fails where it is built. The host sends requests and the board answers each with its ACK
(the request's type with the top bit set) or a :class:`Nak`; the board never speaks first.
docs/frontpanel-protocol.md is the reference; vectors.json beside this file holds examples
that the firmware's tests check too.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass, field
from typing import ClassVar, Self

from kiosk.hardware.frontpanel.errors import BadPayload

PROTOCOL = 1
ACK_BIT = 0x80
MAX_BUZZ_MS = 5000
WATCHDOG_INTERVAL_MS = (50, 60000)
WATCHDOG_MISSES = (1, 255)


class Led(enum.IntEnum):
    GUIDANCE = 0  # around the reader: where to lay the card
    STATUS = 1


class LedMode(enum.IntEnum):
    OFF = 0
    ON = 1
    BLINK = 2


class NakCode(enum.IntEnum):
    BAD_FRAME = 1  # not COBS, too short or too long, or the length byte disagrees
    BAD_CRC = 2
    UNKNOWN_TYPE = 3
    BAD_PAYLOAD = 4
    TAMPER_OPEN = 5  # the latch cannot be cleared while the case is open


class Flag(enum.IntFlag):
    TAMPER_LATCHED = 1
    TAMPER_OPEN = 2
    WATCHDOG_ARMED = 4
    POWER_CUT = 8  # the board is cutting the Pi's power right now


@dataclass(frozen=True, slots=True)
class PanelStatus:
    """What the board reports with every HELLO and PING: the tamper latch (kept in the board's
    flash while the Pi is off), the watchdog, and how often it has power-cycled the Pi."""

    tamper_latched: bool = False
    tamper_open: bool = False
    watchdog_armed: bool = False
    power_cut: bool = False
    power_cycles: int = 0

    SIZE: ClassVar[int] = 3

    def pack(self) -> bytes:
        flags = Flag(0)
        for flag, on in ((Flag.TAMPER_LATCHED, self.tamper_latched),
                         (Flag.TAMPER_OPEN, self.tamper_open),
                         (Flag.WATCHDOG_ARMED, self.watchdog_armed),
                         (Flag.POWER_CUT, self.power_cut)):
            if on:
                flags |= flag
        return struct.pack(">BH", flags, self.power_cycles)

    @classmethod
    def unpack(cls, raw: bytes) -> PanelStatus:
        flags, cycles = struct.unpack(">BH", raw)
        if flags & ~0x0F:
            raise BadPayload(f"unknown status flags {flags:#04x}")
        return cls(bool(flags & Flag.TAMPER_LATCHED), bool(flags & Flag.TAMPER_OPEN),
                   bool(flags & Flag.WATCHDOG_ARMED), bool(flags & Flag.POWER_CUT), cycles)


@dataclass(frozen=True, slots=True)
class Message:
    """A message without fields; subclasses with fields override both conversions."""

    TYPE: ClassVar[int]
    NAME: ClassVar[str]

    def payload(self) -> bytes:
        return b""

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 0)
        return cls()


def _expect(payload: bytes, size: int) -> None:
    if len(payload) != size:
        raise BadPayload(f"payload of {len(payload)} bytes; {size} expected")


def _within(name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise BadPayload(f"{name} {value} outside {low}..{high}")


# Requests (host -> board)

@dataclass(frozen=True, slots=True)
class Hello(Message):
    """Opens a session: the board forgets the last request it would otherwise take for a
    resend, so a host that restarted with seq 0 is never answered from that memory."""

    TYPE = 0x01
    NAME = "HELLO"


@dataclass(frozen=True, slots=True)
class Ping(Message):
    """The heartbeat: feeds the watchdog when it is armed, and asks for the status."""

    TYPE = 0x02
    NAME = "PING"


@dataclass(frozen=True, slots=True)
class SetLed(Message):
    TYPE = 0x10
    NAME = "SET_LED"
    led: Led = Led.GUIDANCE
    mode: LedMode = LedMode.OFF

    def payload(self) -> bytes:
        return bytes((self.led, self.mode))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 2)
        try:
            return cls(Led(payload[0]), LedMode(payload[1]))
        except ValueError as error:
            raise BadPayload(str(error)) from None


@dataclass(frozen=True, slots=True)
class Buzz(Message):
    """Sound the buzzer for ``duration_ms`` (0 silences it); the ACK comes at once."""

    TYPE = 0x11
    NAME = "BUZZ"
    duration_ms: int = 0

    def __post_init__(self) -> None:
        _within("duration_ms", self.duration_ms, 0, MAX_BUZZ_MS)

    def payload(self) -> bytes:
        return struct.pack(">H", self.duration_ms)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 2)
        return cls(*struct.unpack(">H", payload))


@dataclass(frozen=True, slots=True)
class TamperRead(Message):
    TYPE = 0x20
    NAME = "TAMPER_READ"


@dataclass(frozen=True, slots=True)
class TamperClear(Message):
    """Clear the latch (refused with TAMPER_OPEN while the case is still open)."""

    TYPE = 0x21
    NAME = "TAMPER_CLEAR"


@dataclass(frozen=True, slots=True)
class WatchdogStart(Message):
    """Arm (or re-arm with new values) the watchdog: after ``misses`` intervals of
    ``interval_ms`` without a PING, the board cuts the Pi's power, restores it, and disarms."""

    TYPE = 0x30
    NAME = "WATCHDOG_START"
    interval_ms: int = 1000
    misses: int = 3

    def __post_init__(self) -> None:
        _within("interval_ms", self.interval_ms, *WATCHDOG_INTERVAL_MS)
        _within("misses", self.misses, *WATCHDOG_MISSES)

    def payload(self) -> bytes:
        return struct.pack(">HB", self.interval_ms, self.misses)

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 3)
        return cls(*struct.unpack(">HB", payload))


@dataclass(frozen=True, slots=True)
class WatchdogStop(Message):
    TYPE = 0x31
    NAME = "WATCHDOG_STOP"


# Replies (board -> host)

@dataclass(frozen=True, slots=True)
class HelloAck(Message):
    TYPE = Hello.TYPE | ACK_BIT
    NAME = "HELLO_ACK"
    protocol: int = PROTOCOL
    firmware: str = "0.0.0"
    status: PanelStatus = field(default_factory=PanelStatus)

    def payload(self) -> bytes:
        version = bytes(int(part) for part in self.firmware.split("."))
        return bytes((self.protocol,)) + version + self.status.pack()

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 4 + PanelStatus.SIZE)
        return cls(payload[0], ".".join(str(part) for part in payload[1:4]),
                   PanelStatus.unpack(payload[4:]))


@dataclass(frozen=True, slots=True)
class PingAck(Message):
    TYPE = Ping.TYPE | ACK_BIT
    NAME = "PING_ACK"
    status: PanelStatus = field(default_factory=PanelStatus)

    def payload(self) -> bytes:
        return self.status.pack()

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, PanelStatus.SIZE)
        return cls(PanelStatus.unpack(payload))


@dataclass(frozen=True, slots=True)
class SetLedAck(Message):
    TYPE = SetLed.TYPE | ACK_BIT
    NAME = "SET_LED_ACK"


@dataclass(frozen=True, slots=True)
class BuzzAck(Message):
    TYPE = Buzz.TYPE | ACK_BIT
    NAME = "BUZZ_ACK"


@dataclass(frozen=True, slots=True)
class TamperState(Message):
    """The latch and the switch as they are now (the answer to a read and to a clear)."""

    TYPE = TamperRead.TYPE | ACK_BIT
    NAME = "TAMPER_READ_ACK"
    latched: bool = False
    open: bool = False

    def payload(self) -> bytes:
        return bytes((self.latched, self.open))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 2)
        if max(payload) > 1:
            raise BadPayload(f"tamper state {payload.hex()} is not two booleans")
        return cls(bool(payload[0]), bool(payload[1]))


@dataclass(frozen=True, slots=True)
class TamperClearAck(TamperState):
    TYPE = TamperClear.TYPE | ACK_BIT
    NAME = "TAMPER_CLEAR_ACK"


@dataclass(frozen=True, slots=True)
class WatchdogStartAck(Message):
    TYPE = WatchdogStart.TYPE | ACK_BIT
    NAME = "WATCHDOG_START_ACK"


@dataclass(frozen=True, slots=True)
class WatchdogStopAck(Message):
    TYPE = WatchdogStop.TYPE | ACK_BIT
    NAME = "WATCHDOG_STOP_ACK"


@dataclass(frozen=True, slots=True)
class Nak(Message):
    """The board's refusal; ``request`` is the type byte it refused, as received (0 when the
    frame was too damaged to have one)."""

    TYPE = 0xFF
    NAME = "NAK"
    code: NakCode = NakCode.BAD_FRAME
    request: int = 0

    def payload(self) -> bytes:
        return bytes((self.code, self.request))

    @classmethod
    def from_payload(cls, payload: bytes) -> Self:
        _expect(payload, 2)
        try:
            return cls(NakCode(payload[0]), payload[1])
        except ValueError as error:
            raise BadPayload(str(error)) from None


REQUESTS: tuple[type[Message], ...] = (Hello, Ping, SetLed, Buzz, TamperRead, TamperClear,
                                       WatchdogStart, WatchdogStop)
REPLIES: tuple[type[Message], ...] = (HelloAck, PingAck, SetLedAck, BuzzAck, TamperState,
                                      TamperClearAck, WatchdogStartAck, WatchdogStopAck, Nak)
BY_TYPE: dict[int, type[Message]] = {cls.TYPE: cls for cls in REQUESTS + REPLIES}


def parse(type_code: int, payload: bytes) -> Message:
    """The message a packet holds (KeyError for an unknown type, BadPayload for a bad one)."""
    return BY_TYPE[type_code].from_payload(payload)
