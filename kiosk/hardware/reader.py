"""Contactless readers: the contract drivers implement, and the frontend the kiosk uses.

Like nfcpy's ``ContactlessFrontend``, one :class:`CardReader` sits over many drivers
(``pcsc``, ``sim`` and ``nfc``) picked by a URI. The frontend owns what is the same for
every reader: the lock, choosing a reader, and the transport-level status words of
ISO/IEC 7816-3/-4 (``61xx`` → GET RESPONSE, ``6Cxx`` → resend with the right Le), so a
:mod:`kiosk.cie` flow never sees them. Drivers own only their library.

Logging follows the house rule: the header and status word of an exchange, never its data
(VERIFY and CHANGE REFERENCE DATA carry PINs).
"""

from __future__ import annotations

import abc
import importlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from kiosk.cie.apdu import Command, Response, get_response, with_short_le
from kiosk.cie.errors import ProtocolError
from kiosk.cie.flow import Flow, drive
from kiosk.cie.steps import CHANGES_CARD, Step
from kiosk.hardware.errors import BadReaderUri, NoCard, NoReader, ReaderError

log = logging.getLogger(__name__)
T = TypeVar("T")

# A hostile card could answer 61xx forever; a CIE answer is never longer than this.
MAX_RESPONSE = 64 * 1024


@dataclass(frozen=True, slots=True)
class CardInserted:
    reader: str
    atr: bytes


@dataclass(frozen=True, slots=True)
class CardLeft:
    reader: str


@dataclass(frozen=True, slots=True)
class ReaderAttached:
    reader: str


@dataclass(frozen=True, slots=True)
class ReaderDetached:
    reader: str


ReaderEvent = CardInserted | CardLeft | ReaderAttached | ReaderDetached


class Connection(abc.ABC):
    """One card session on one reader. Drivers must implement every method.

    ``transmit`` raises :class:`~kiosk.hardware.errors.CardRemoved` when the card left during
    the exchange, :class:`~kiosk.hardware.errors.ReaderUnavailable` when the reader service
    went away, and another :class:`~kiosk.hardware.errors.ReaderError` otherwise.
    """

    atr: bytes

    @abc.abstractmethod
    def transmit(self, apdu: bytes) -> bytes: ...

    @abc.abstractmethod
    def reset(self) -> bytes:
        """Reset the card (forgetting any verified PIN and secure channel); the new ATR."""

    @abc.abstractmethod
    def present(self) -> bool:
        """Whether the card of this session still lies on the reader, unreset by anyone else:
        asked of the reader, without an APDU (a card session is kept between tasks)."""

    @abc.abstractmethod
    def close(self) -> None:
        """End the session, resetting the card; idempotent."""


class ReaderDriver(abc.ABC):
    """A family of readers reached through one library.

    Not thread-safe, except that :meth:`poll` may run in a monitor thread while the other
    methods are called, under the frontend's lock, from another.
    """

    @abc.abstractmethod
    def readers(self) -> list[str]:
        """Names of the readers connected now (raises ReaderUnavailable without a service)."""

    @abc.abstractmethod
    def connect(self, reader: str) -> Connection:
        """Open the card on ``reader`` (NoCard when empty, NoReader when gone)."""

    @abc.abstractmethod
    def poll(self, timeout: float) -> list[ReaderEvent]:
        """Wait up to ``timeout`` seconds for reader and card changes.

        The first call reports what is there already (readers attached, cards inserted).
        Must survive its service going away and coming back: it then reports the readers and
        cards as detached and left, and attached and inserted again when they reappear.
        """

    @abc.abstractmethod
    def close(self) -> None: ...

    @classmethod
    def from_uri(cls, rest: str) -> ReaderDriver:
        """The driver for what follows the scheme in a reader URI; most drivers need nothing
        from it (for ``pcsc`` it is a reader-name prefix, which the frontend applies)."""
        return cls()


# Driver modules, loaded only when a URI names them (pyscard is not imported for "sim:").
_DRIVERS = {
    "pcsc": "kiosk.hardware.pcsc:PcscDriver",
    "sim": "kiosk.hardware.virtual:VirtualDriver",
    "nfc": "kiosk.hardware.nfc:NfcDriver",
}


def open_reader(uri: str) -> CardReader:
    """The reader named by ``uri``: ``pcsc`` (any PC/SC reader), ``pcsc:NAME`` (a reader
    whose name starts with NAME), ``nfc:PATH`` (the nfcpy device at PATH) or ``sim`` (the
    in-process virtual reader)."""
    scheme, _, rest = uri.partition(":")
    target = _DRIVERS.get(scheme)
    if target is None:
        raise BadReaderUri(f"unknown reader {uri!r}; use pcsc, pcsc:NAME, nfc:PATH or sim:PROFILE")
    module, _, cls = target.partition(":")
    driver_class: type[ReaderDriver] = getattr(importlib.import_module(module), cls)
    driver = driver_class.from_uri(rest)
    return CardReader(driver, name=rest if scheme == "pcsc" and rest else None)


class CardReader:
    """The kiosk's view of its reader: pick a reader, connect, exchange APDUs, run flows."""

    def __init__(self, driver: ReaderDriver, name: str | None = None) -> None:
        self.driver = driver
        self.name = name
        self._lock = threading.RLock()

    def readers(self) -> list[str]:
        with self._lock:
            names = self.driver.readers()
        return [name for name in names if self._mine(name)]

    def poll(self, timeout: float) -> list[ReaderEvent]:
        return [event for event in self.driver.poll(timeout) if self._mine(event.reader)]

    def _mine(self, reader: str) -> bool:
        return self.name is None or reader.startswith(self.name)

    @contextmanager
    def session(self, reader: str | None = None) -> Iterator[CardSession]:
        """A card session on ``reader``, or on the first reader that holds a card."""
        with self._lock:
            name, connection = self._connect(reader)
        try:
            yield CardSession(name, connection, self._lock)
        finally:
            with self._lock:
                connection.close()

    def _connect(self, reader: str | None) -> tuple[str, Connection]:
        names = self.readers()
        if not names:
            raise NoReader("no card reader is connected" if self.name is None
                           else f"no reader named {self.name!r} is connected")
        if reader is not None:
            if reader not in names:
                raise NoReader(f"reader {reader!r} is not connected")
            return reader, self.driver.connect(reader)
        for name in names:
            try:
                return name, self.driver.connect(name)
            except NoCard:
                continue
        raise NoCard("no card on the reader")

    def close(self) -> None:
        self.driver.close()


class CardSession:
    """One connected card. Resolves ``61xx`` and ``6Cxx`` before anyone sees them.

    When the link fails while a command waits for its answer, the error says whether that
    command may have changed the card (:attr:`ReaderError.in_doubt`): a card that leaves during
    CHANGE REFERENCE DATA may or may not hold the new PIN.
    """

    def __init__(self, reader: str, connection: Connection, lock: threading.RLock) -> None:
        self.reader = reader
        self._connection = connection
        self._lock = lock
        self.resets = 0  # how often this session reset the card: what the card forgot

    @property
    def atr(self) -> bytes:
        return self._connection.atr

    def transmit(self, command: Command) -> Response:
        with self._lock:
            try:
                return self._exchange(command.encode(), command.describe())
            except ReaderError as error:
                if command.step in CHANGES_CARD and error.in_doubt is None:
                    error.in_doubt = command.step
                raise

    def run(self, flow: Flow[T], on_step: Callable[[Step], None] | None = None) -> T:
        """Run ``flow``; ``on_step`` hears each new step as the flow reaches it (progress)."""
        if on_step is None:
            return drive(flow, self.transmit)
        current: list[Step | None] = [None]

        def transmit(command: Command) -> Response:
            if command.step is not None and command.step is not current[0]:
                current[0] = command.step
                on_step(command.step)
            return self.transmit(command)

        return drive(flow, transmit)

    def reset(self) -> bytes:
        with self._lock:
            self.resets += 1
            return self._connection.reset()

    def present(self) -> bool:
        with self._lock:
            return self._connection.present()

    def _exchange(self, raw: bytes, header: str) -> Response:
        answer = Response.parse(self._connection.transmit(raw))
        if answer.sw1 == 0x6C:
            corrected = with_short_le(raw, answer.sw2)
            if corrected is None:
                raise ProtocolError(f"{header}: 6Cxx for a command without Le", answer.sw)
            answer = Response.parse(self._connection.transmit(corrected))
        data = bytearray(answer.data)
        while answer.sw1 == 0x61:
            if len(data) > MAX_RESPONSE:
                raise ProtocolError(f"{header}: answer longer than {MAX_RESPONSE} bytes")
            answer = Response.parse(self._connection.transmit(get_response(answer.sw2)))
            data += answer.data
        log.debug("APDU %s -> %04X", header, answer.sw)
        return Response(bytes(data), answer.sw)
