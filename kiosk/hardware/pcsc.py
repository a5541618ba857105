"""PC/SC readers through pyscard's low-level ``scard`` module.

| capability                          | support                                             |
|-------------------------------------|-----------------------------------------------------|
| list readers, hot-plug              | yes (``\\\\?PnP?\\Notification``)                    |
| card inserted / removed events      | yes (``SCardGetStatusChange``)                      |
| T=0 and T=1, extended APDUs         | as the reader allows                                |
| pcscd restarted or stopped          | survived: contexts are dropped and re-established   |
| card removed during an exchange,    | ``CARD_REMOVED``: after a failed exchange or reset, |
| between two, or during a reset      | the reader's state change is awaited (bounded)      |
| pcscd stopped during an exchange    | ``READER_UNAVAILABLE``                              |
| extended APDU the reader refuses    | answered ``6700``, as many readers do themselves,   |
|                                     | so the protocol decides (BAC, or a clear error)     |

The low-level API is used rather than pyscard's ``CardMonitor`` and ``CardConnection``
because those keep one context for ever: after pcscd restarts every call fails with
``SCARD_E_NO_SERVICE`` until a new context is established, and the monitor thread dies with a
traceback. Here the monitor has a context of its own (a blocked ``SCardGetStatusChange`` must
not hold up an exchange), and any "service gone" answer drops it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from smartcard import scard

from kiosk.cie.apdu import is_extended
from kiosk.hardware.errors import CardRemoved, NoCard, NoReader, ReaderError, ReaderUnavailable
from kiosk.hardware.reader import (
    CardInserted,
    CardLeft,
    Connection,
    ReaderAttached,
    ReaderDetached,
    ReaderDriver,
    ReaderEvent,
)

log = logging.getLogger(__name__)

PNP_READER = "\\\\?PnP?\\Notification"
RETRY_SECONDS = 0.25
# How long a failed exchange may take to turn out to be a removal. pcscd learns that a card
# left only at its next poll of the reader (every 400 ms for vpcd and for most CCID readers
# without interrupt endpoints), so right after a torn exchange it still reports the card
# PRESENT; one look at that moment called half of all tears a reader fault.
REMOVAL_SETTLE_SECONDS = 1.0

_SERVICE_GONE = {scard.SCARD_E_NO_SERVICE, scard.SCARD_E_SERVICE_STOPPED}
_NO_CARD = {
    scard.SCARD_E_NO_SMARTCARD, scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_W_UNPOWERED_CARD, scard.SCARD_W_UNRESPONSIVE_CARD,
}
_READER_GONE = {scard.SCARD_E_UNKNOWN_READER, scard.SCARD_E_READER_UNAVAILABLE}
_PROTOCOLS = scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
# SCardStatus's card state bit for "a card is in the reader", from pcsc-lite's pcsclite.h;
# pyscard does not export the SCardStatus state constants (Windows numbers them differently).
_STATUS_PRESENT = 0x0004


def _hr(value: int) -> int:
    return value & 0xFFFFFFFF


def _message(hr: int) -> str:
    return f"{scard.SCardGetErrorMessage(hr)} (0x{hr:08X})"


class _ServiceGone(Exception):
    pass


def _establish() -> Any:
    hr, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if _hr(hr):
        raise ReaderUnavailable(f"the PC/SC service is not available: {_message(_hr(hr))}")
    return context


def _list(context: Any) -> list[str]:
    hr, names = scard.SCardListReaders(context, [])
    hr = _hr(hr)
    if hr == scard.SCARD_E_NO_READERS_AVAILABLE:
        return []
    if hr in _SERVICE_GONE or hr == scard.SCARD_E_INVALID_HANDLE:
        raise _ServiceGone
    if hr:
        raise ReaderError(f"cannot list readers: {_message(hr)}")
    return list(names)


class PcscDriver(ReaderDriver):
    def __init__(self) -> None:
        self._context: Any = None
        self._monitor: Any = None
        self._states: dict[str, int] = {}
        self._cards: dict[str, bytes] = {}
        self._pnp_state = scard.SCARD_STATE_UNAWARE

    # -- exchanges (frontend's lock held) ------------------------------------------------

    def _with_context(self, call: Any) -> Any:
        """Run ``call(context)``; after a pcscd restart, once more with a fresh context."""
        for _ in range(2):
            if self._context is None:
                self._context = _establish()
            try:
                return call(self._context)
            except _ServiceGone:
                self._release("_context")
        raise ReaderUnavailable("the PC/SC service went away")

    def readers(self) -> list[str]:
        names: list[str] = self._with_context(_list)
        return names

    def connect(self, reader: str) -> Connection:
        def attempt(context: Any) -> Connection:
            hr, card, protocol = scard.SCardConnect(
                context, reader, scard.SCARD_SHARE_EXCLUSIVE, _PROTOCOLS
            )
            hr = _hr(hr)
            if hr in _SERVICE_GONE or hr == scard.SCARD_E_INVALID_HANDLE:
                raise _ServiceGone
            if hr in _NO_CARD:
                raise NoCard(f"no card on {reader}")
            if hr in _READER_GONE:
                raise NoReader(f"reader {reader!r} is not connected")
            if hr == scard.SCARD_E_SHARING_VIOLATION:
                raise ReaderError(f"{reader} is in use by another program", code="READER_BUSY")
            if hr:
                raise ReaderError(f"cannot connect to {reader}: {_message(hr)}")
            return PcscConnection(card, protocol, self, reader)

        connection: Connection = self._with_context(attempt)
        return connection

    def service_gone(self) -> None:
        self._release("_context")

    def wait_for_change(self, reader: str, known: int, timeout: float) -> int:
        """Wait up to ``timeout`` seconds for ``reader``'s state to differ from ``known``
        (``SCARD_STATE_UNAWARE``: answer at once); the state it has then."""
        def wait(context: Any) -> int:
            hr, result = scard.SCardGetStatusChange(
                context, max(1, int(timeout * 1000)), [(reader, known)]
            )
            hr = _hr(hr)
            if hr in _SERVICE_GONE or hr == scard.SCARD_E_INVALID_HANDLE:
                raise _ServiceGone
            if hr in _READER_GONE:
                raise NoReader(f"the reader {reader!r} was disconnected")
            if hr:  # a timeout, or a reader between states: look again, not at once
                if hr != scard.SCARD_E_TIMEOUT:
                    time.sleep(min(timeout, RETRY_SECONDS / 5))
                return known
            state: int = result[0][1] & ~scard.SCARD_STATE_CHANGED
            return state

        changed: int = self._with_context(wait)
        return changed

    # -- monitoring (monitor thread) -----------------------------------------------------

    def poll(self, timeout: float) -> list[ReaderEvent]:
        events: list[ReaderEvent] = []
        try:
            if self._monitor is None:
                self._monitor = _establish()
            events += self._sync_readers(_list(self._monitor))
            events += self._wait_for_change(timeout)
        except (_ServiceGone, ReaderUnavailable):
            self._release("_monitor")
            events += self._sync_readers([])
            self._pnp_state = scard.SCARD_STATE_UNAWARE
            if not events:
                time.sleep(min(timeout, RETRY_SECONDS))
        return events

    def _wait_for_change(self, timeout: float) -> list[ReaderEvent]:
        watched = [(name, state) for name, state in self._states.items()]
        watched.append((PNP_READER, self._pnp_state))
        hr, result = scard.SCardGetStatusChange(self._monitor, int(timeout * 1000), watched)
        hr = _hr(hr)
        if hr == scard.SCARD_E_TIMEOUT:
            return []
        if hr in _SERVICE_GONE or hr == scard.SCARD_E_INVALID_HANDLE:
            raise _ServiceGone
        if hr:
            # A reader vanished between listing and waiting: the next poll lists again.
            log.debug("SCardGetStatusChange: %s", _message(hr))
            return []
        events: list[ReaderEvent] = []
        for name, state, atr in result:
            settled = state & ~scard.SCARD_STATE_CHANGED
            if name == PNP_READER:
                self._pnp_state = settled
                continue
            self._states[name] = settled
            present = bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE
            events += self._card_state(name, bytes(atr) if present else None)
        return events

    def _card_state(self, name: str, atr: bytes | None) -> list[ReaderEvent]:
        known = self._cards.get(name)
        if atr == known:
            return []
        events: list[ReaderEvent] = []
        if known is not None:
            del self._cards[name]
            events.append(CardLeft(name))
        if atr is not None:
            self._cards[name] = atr
            events.append(CardInserted(name, atr))
        return events

    def _sync_readers(self, names: list[str]) -> list[ReaderEvent]:
        events: list[ReaderEvent] = []
        for gone in [n for n in self._states if n not in names]:
            events += self._card_state(gone, None)
            del self._states[gone]
            events.append(ReaderDetached(gone))
        for new in [n for n in names if n not in self._states]:
            self._states[new] = scard.SCARD_STATE_UNAWARE
            events.append(ReaderAttached(new))
        return events

    # -- teardown ------------------------------------------------------------------------

    def _release(self, attribute: str) -> None:
        context = getattr(self, attribute)
        setattr(self, attribute, None)
        if context is not None:
            scard.SCardReleaseContext(context)

    def close(self) -> None:
        self._release("_context")
        self._release("_monitor")


class PcscConnection(Connection):
    def __init__(self, card: Any, protocol: int, driver: PcscDriver, reader: str) -> None:
        self._card = card
        self._protocol = protocol
        self._driver = driver
        self._reader = reader
        self.atr = self._status_atr()

    @property
    def _pci(self) -> Any:
        if self._protocol == scard.SCARD_PROTOCOL_T0:
            return scard.SCARD_PCI_T0
        return scard.SCARD_PCI_T1

    def _status_atr(self) -> bytes:
        hr, _reader, state, _protocol, atr = scard.SCardStatus(self._card)
        hr = _hr(hr)
        if hr:
            self._raise(hr, "card status")
        if not state & _STATUS_PRESENT:
            raise CardRemoved("the card left the reader")
        return bytes(atr)

    def transmit(self, apdu: bytes) -> bytes:
        if self._card is None:
            raise ReaderError("the card session is closed")
        hr, response = scard.SCardTransmit(self._card, self._pci, list(apdu))
        hr = _hr(hr)
        if hr and is_extended(apdu) and hr not in _NO_CARD | _SERVICE_GONE | _READER_GONE:
            self._raise_if_removed("exchange")
            log.warning("the reader refused an extended-length APDU: %s", _message(hr))
            return b"\x67\x00"
        if hr:
            self._raise(hr, "exchange")
        if len(response) < 2:
            self._raise_if_removed("exchange")
            raise ReaderError("the reader returned an answer without a status word")
        return bytes(response)

    def _raise_if_removed(self, what: str) -> None:
        if self._left_within(REMOVAL_SETTLE_SECONDS):
            raise CardRemoved(f"the card left the reader during the {what}")

    def _left_within(self, bound: float) -> bool:
        """Whether the card turns out to have left, waiting up to ``bound`` seconds for the
        reader's state to change (``SCardGetStatusChange``) rather than looking once.

        Raises ReaderUnavailable when pcscd itself is gone and NoReader when the reader is:
        those are not a card that left.
        """
        deadline = time.monotonic() + bound
        known = scard.SCARD_STATE_UNAWARE
        while True:
            if self._card_gone():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            known = self._driver.wait_for_change(self._reader, known, left)

    def present(self) -> bool:
        if self._card is None:
            return False
        hr, _reader, state, _protocol, _atr = scard.SCardStatus(self._card)
        return not _hr(hr) and bool(state & _STATUS_PRESENT)

    def _card_gone(self) -> bool:
        hr, _reader, state, _protocol, _atr = scard.SCardStatus(self._card)
        hr = _hr(hr)
        if hr in _SERVICE_GONE or hr == scard.SCARD_E_INVALID_HANDLE:
            self._driver.service_gone()
            raise ReaderUnavailable("the PC/SC service went away")
        if hr in _READER_GONE:
            raise NoReader("the reader was disconnected")
        return hr in _NO_CARD or not state & _STATUS_PRESENT

    def _raise(self, hr: int, what: str) -> None:
        if hr in _NO_CARD:
            raise CardRemoved(f"the card left the reader during the {what}")
        if hr in _SERVICE_GONE or hr == scard.SCARD_E_INVALID_HANDLE:
            self._driver.service_gone()
            raise ReaderUnavailable(f"the PC/SC service went away during the {what}")
        if hr in _READER_GONE:
            raise NoReader(f"the reader was disconnected during the {what}")
        # Any other failure ("Transaction failed" above all): a card that left, told apart
        # from a broken exchange by the reader's next report.
        self._raise_if_removed(what)
        raise ReaderError(f"{what} failed: {_message(hr)}")

    def reset(self) -> bytes:
        hr, self._protocol = scard.SCardReconnect(
            self._card, scard.SCARD_SHARE_EXCLUSIVE, _PROTOCOLS, scard.SCARD_RESET_CARD
        )
        hr = _hr(hr)
        if hr:
            self._raise(hr, "reset")
        self.atr = self._status_atr()
        return self.atr

    def close(self) -> None:
        card, self._card = self._card, None
        if card is not None:
            scard.SCardDisconnect(card, scard.SCARD_RESET_CARD)
