"""The kiosk's view of its front-panel board: lights, buzzer, tamper latch and watchdog.

One :class:`FrontPanel` sits over a :class:`Link` (the serial port, or the in-process virtual
board), as nfcpy's frontend sits over its drivers: the frontend owns the lock, the sequence
numbers, the resends and the errors; a link only moves bytes. Every request waits for its
reply; a reply lost or damaged on the wire (timeout, or the board's NAK for a bad CRC) is
sent again with the same sequence number, which the board recognises and answers from memory
instead of doing it twice.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol, TypeVar

from kiosk.hardware.frontpanel.errors import (
    BadPanelUri,
    BadPayload,
    PanelProtocolError,
    PanelRejected,
    PanelTimeout,
    TamperStillOpen,
)
from kiosk.hardware.frontpanel.framing import Corrupt, Deframer, Packet, encode
from kiosk.hardware.frontpanel.messages import (
    ACK_BIT,
    PROTOCOL,
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
    TamperRead,
    TamperState,
    WatchdogStart,
    WatchdogStartAck,
    WatchdogStop,
    WatchdogStopAck,
    parse,
)

M = TypeVar("M", bound=Message)

# NAKs that say the request never arrived whole: worth sending again.
RESEND = {NakCode.BAD_FRAME, NakCode.BAD_CRC}


class Link(Protocol):
    """A byte pipe to the board. Not thread-safe: the frontend calls it under its lock."""

    def write(self, data: bytes) -> None:
        """Send ``data`` (PanelNotFound when the port went away)."""

    def read(self, timeout: float) -> bytes:
        """What arrived within ``timeout`` seconds: returns as soon as anything did, b""
        when nothing (PanelNotFound when the port went away)."""

    def close(self) -> None:
        """Release the port; idempotent."""


class FrontPanel:
    """The front-panel board. Call :meth:`hello` first (``open_frontpanel`` does).

    >>> panel = open_frontpanel("sim")
    >>> panel.set_guidance(LedMode.BLINK)
    >>> panel.watchdog_start(interval_ms=1000, misses=3)
    >>> panel.ping().tamper_latched
    False
    """

    def __init__(self, link: Link, *, timeout: float = 0.3, retries: int = 2,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._link = link
        self.timeout = timeout
        self.retries = retries
        self._clock = clock
        self._lock = threading.Lock()
        self._deframer = Deframer()
        self._pending: deque[Packet | Corrupt] = deque()
        self._seq = 0
        self.resends = 0  # requests sent again after a loss: a noisy cable shows here
        self.board: HelloAck | None = None

    def hello(self) -> HelloAck:
        """Open a session; the answer has the firmware's version and the status (a tamper
        latched while the Pi was off shows here, at boot)."""
        with self._lock:
            self._link.write(b"\x00")  # ends any half frame the board holds from before
            ack = self._request(Hello(), HelloAck)
        if ack.protocol != PROTOCOL:
            raise PanelProtocolError(f"the board speaks protocol {ack.protocol}, "
                                     f"this kiosk {PROTOCOL}: update the firmware")
        self.board = ack
        return ack

    def ping(self) -> PanelStatus:
        """The heartbeat: feeds the watchdog when armed, and returns the board's status."""
        return self.request(Ping(), PingAck).status

    def set_guidance(self, mode: LedMode) -> None:
        """The light around the reader: ON while waiting for the card, BLINK while reading."""
        self.request(SetLed(Led.GUIDANCE, mode), SetLedAck)

    def set_status_led(self, mode: LedMode) -> None:
        self.request(SetLed(Led.STATUS, mode), SetLedAck)

    def buzz(self, duration_ms: int) -> None:
        """Sound the buzzer for up to 5 s; returns at once (0 silences it)."""
        self.request(Buzz(duration_ms), BuzzAck)

    def tamper(self) -> TamperState:
        return self.request(TamperRead(), TamperState)

    def tamper_latched(self) -> bool:
        return self.tamper().latched

    def clear_tamper(self) -> TamperState:
        """Clear the latch once a technician has checked the case (TamperStillOpen while
        the case is open)."""
        return self.request(TamperClear(), TamperState)

    def watchdog_start(self, *, interval_ms: int = 1000, misses: int = 3) -> None:
        """Arm the watchdog: ``misses`` intervals without :meth:`ping` and the board
        power-cycles the Pi (then disarms: the kiosk arms it again once it runs)."""
        self.request(WatchdogStart(interval_ms, misses), WatchdogStartAck)

    def watchdog_stop(self) -> None:
        """Disarm the watchdog (before a planned shutdown or reboot)."""
        self.request(WatchdogStop(), WatchdogStopAck)

    def close(self) -> None:
        with self._lock:
            self._link.close()

    def request(self, message: Message, reply: type[M]) -> M:
        """Send ``message`` and return the board's ACK, checked to be a ``reply``."""
        with self._lock:
            return self._request(message, reply)

    def _request(self, message: Message, reply: type[M]) -> M:
        self._seq = (self._seq + 1) & 0xFF
        frame = encode(Packet(message.TYPE, self._seq, message.payload()))
        heard = "no answer"
        for attempt in range(self.retries + 1):
            if attempt:
                self.resends += 1
            self._link.write(frame)
            answer = self._await(self._seq)
            if isinstance(answer, Nak):
                if answer.code in RESEND:
                    heard = f"only {answer.code.name}"  # the line damages our frames
                    continue
                raise _refusal(message, answer)
            if answer is not None:
                return _checked(message, answer, reply)
        raise PanelTimeout(f"the front panel gave {heard} to {message.NAME} "
                           f"({self.retries + 1} tries, {self.timeout} s each)")

    def _await(self, seq: int) -> Message | None:
        """The reply to ``seq``; None when none came in time or one came damaged. Replies
        to earlier sequence numbers (late answers to a resent request) are dropped."""
        deadline = self._clock() + self.timeout
        while True:
            while self._pending:
                item = self._pending.popleft()
                if isinstance(item, Corrupt):
                    return None
                if item.seq == seq:
                    return _parse(item)
            left = deadline - self._clock()
            if left <= 0:
                return None
            self._pending.extend(self._deframer.feed(self._link.read(left)))


def _parse(packet: Packet) -> Message:
    try:
        return parse(packet.type, packet.payload)
    except KeyError:
        raise PanelProtocolError(f"the board sent unknown type {packet.type:#04x}") from None
    except BadPayload as error:
        raise PanelProtocolError(f"the board sent a bad payload: {error}") from None


def _checked(message: Message, answer: Message, reply: type[M]) -> M:
    if answer.TYPE != message.TYPE | ACK_BIT or not isinstance(answer, reply):
        raise PanelProtocolError(f"the board answered {message.NAME} with {answer.NAME}")
    return answer


def _refusal(message: Message, nak: Nak) -> PanelRejected:
    if nak.code is NakCode.TAMPER_OPEN:
        return TamperStillOpen("the case is open: close it before clearing the tamper latch",
                               nak=nak.code.name)
    return PanelRejected(f"the board refused {message.NAME}: {nak.code.name}",
                         nak=nak.code.name)


# Link modules, loaded only when a URI names them (pyserial is not imported for "sim").
_LINKS = {
    "serial": "kiosk.hardware.frontpanel.serial_link:SerialLink",
    "sim": "kiosk.hardware.frontpanel.virtual:VirtualBoard",
}


def open_frontpanel(uri: str, *, timeout: float = 0.3) -> FrontPanel:
    """The board named by ``uri`` (``serial:/dev/serial0`` or ``sim``), greeted with HELLO."""
    scheme, _, rest = uri.partition(":")
    target = _LINKS.get(scheme)
    if target is None:
        raise BadPanelUri(f"unknown front panel {uri!r}; use serial:PATH or sim")
    module, _, name = target.partition(":")
    link: Link = getattr(importlib.import_module(module), name).from_uri(rest)
    panel = FrontPanel(link, timeout=timeout)
    try:
        panel.hello()
    except BaseException:
        link.close()
        raise
    return panel
