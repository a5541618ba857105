"""The in-process virtual reader: a reader with one slot, into which a test or the demo puts a
card object. Fast (no daemon, no socket) and deterministic, for unit tests and ``kiosk run``
on the ``sim`` profile.

| capability                          | support                                             |
|-------------------------------------|-----------------------------------------------------|
| card inserted / removed events      | yes: :meth:`VirtualDriver.insert`, ``remove``        |
| card torn away during an exchange   | yes: the card answers None, the session gets        |
|                                     | ``CARD_REMOVED``                                    |
| card taken away after an answer     | yes: the answer arrives, the next command gets      |
|                                     | ``CARD_REMOVED``                                    |
| extended APDUs                      | yes, unless built with ``extended_apdus=False``:    |
|                                     | then ``6700``, as many short-APDU readers answer    |

The card is anything shaped like :class:`VirtualCard`, which is how :mod:`kiosk.sim`'s card
fits without this room importing it.
"""

from __future__ import annotations

import queue
import threading
from typing import Protocol

from kiosk.cie.apdu import is_extended
from kiosk.hardware.errors import CardRemoved, NoCard, NoReader, ReaderError
from kiosk.hardware.reader import (
    CardInserted,
    CardLeft,
    Connection,
    ReaderAttached,
    ReaderDriver,
    ReaderEvent,
)


class VirtualCard(Protocol):
    atr: bytes

    @property
    def in_field(self) -> bool:
        """False once the card has left, after its last answer or instead of one."""

    def reset(self) -> None: ...

    def apdu(self, raw: bytes) -> bytes | None:
        """The card's answer, or None when it has been torn from the field."""


class VirtualDriver(ReaderDriver):
    READER = "Virtual CIE reader 00 00"

    def __init__(self, *, extended_apdus: bool = True) -> None:
        self.extended_apdus = extended_apdus
        self._card: VirtualCard | None = None
        self.laid = 0  # cards laid so far: a card taken away and laid again is a new one
        self._lock = threading.Lock()
        self._events: queue.Queue[ReaderEvent] = queue.Queue()
        self._events.put(ReaderAttached(self.READER))

    @property
    def card(self) -> VirtualCard | None:
        return self._card

    def insert(self, card: VirtualCard) -> None:
        """Lay ``card`` on the reader (taking away any card already there)."""
        self.remove()
        with self._lock:
            card.reset()
            self._card = card
            self.laid += 1
            self._events.put(CardInserted(self.READER, card.atr))

    def remove(self) -> None:
        with self._lock:
            if self._card is not None:
                self._card = None
                self._events.put(CardLeft(self.READER))

    def readers(self) -> list[str]:
        return [self.READER]

    def connect(self, reader: str) -> Connection:
        if reader != self.READER:
            raise NoReader(f"reader {reader!r} is not connected")
        card = self._card
        if card is None:
            raise NoCard("no card on the virtual reader")
        return VirtualConnection(self, card)

    def poll(self, timeout: float) -> list[ReaderEvent]:
        try:
            events = [self._events.get(timeout=timeout)]
        except queue.Empty:
            return []
        while not self._events.empty():
            events.append(self._events.get_nowait())
        return events

    def close(self) -> None:
        self.remove()


class VirtualConnection(Connection):
    def __init__(self, driver: VirtualDriver, card: VirtualCard) -> None:
        self._driver = driver
        self._card: VirtualCard | None = card
        self._laid = driver.laid
        self.atr = card.atr

    def _present(self) -> VirtualCard:
        if self._card is None:
            raise ReaderError("the card session is closed")
        if not self.present():
            raise CardRemoved("the card left the reader")
        return self._card

    def transmit(self, apdu: bytes) -> bytes:
        card = self._present()
        if not self._driver.extended_apdus and is_extended(apdu):
            return b"\x67\x00"
        answer = card.apdu(apdu)
        if answer is None:
            self._driver.remove()
            raise CardRemoved("the card left the reader during the exchange")
        if not card.in_field:
            self._driver.remove()  # it answered, then left: the next command finds no card
        return answer

    def reset(self) -> bytes:
        card = self._present()
        card.reset()
        return card.atr

    def present(self) -> bool:
        return (self._card is not None and self._driver.card is self._card
                and self._driver.laid == self._laid)

    def close(self) -> None:
        if self.present():
            assert self._card is not None
            self._card.reset()
        self._card = None
