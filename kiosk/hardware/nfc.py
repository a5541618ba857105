"""Contactless readers driven by nfcpy, for boards without pcscd: PN532 on a UART
(``nfc:tty:S0:pn532``), ACR122U and RC-S380 on USB (``nfc:usb``), and nfcpy's simulated link
(``nfc:udp:HOST:PORT``), where :mod:`kiosk.sim.nfc_link` plays the card.

| capability                          | support                                             |
|-------------------------------------|-----------------------------------------------------|
| readers                             | the one device the path names                       |
| card inserted / removed events      | yes: sense, then ISO-DEP presence checks (R(NAK))   |
| ISO 14443-4 Type A (the CIE)        | yes                                                 |
| Type B, FeliCa, non-ISO-DEP tags    | no: not reported as cards                           |
| extended APDUs                      | yes: raw ISO-DEP exchange, with I-block chaining    |
| ATR                                 | PC/SC form ``3B 8n 80 01 <ATS historical bytes>``   |
| card removed during an exchange     | ``CARD_REMOVED`` (checked with a presence check)    |
| device unplugged                    | ``NO_READER``; poll reports it detached and opens   |
|                                     | it again (not tried on hardware yet)                |

nfcpy's ``Type4ATag`` is not used: it sends RATS with a 30 ms timeout (tight for a card in
another process on a loaded machine) and throws the ATS away, so the chip family could only
come from EF.ATR, and its ``send_apdu`` refuses extended APDUs. This driver activates the card
itself and keeps nfcpy's ISO-DEP block layer (``IsoDepInitiator``), which chains long commands
and answers and follows waiting-time extensions.

Threading. The nfcpy frontend is opened once and kept. Its own lock covers one frame, but an
ISO-DEP exchange is several frames (chaining, block numbers), and the monitor thread's
:meth:`NfcDriver.poll` runs outside the :class:`~kiosk.hardware.reader.CardReader` lock. So the
driver has one lock of its own, taken for one APDU exchange or one poll step (one sense or one
presence check) and released while poll sleeps between steps; while a session is open poll
leaves the device alone, since the session's exchanges tell whether the card is there. So a
connect waits at most one poll step: a presence check (up to the card's frame waiting time) or
a sense of an empty field (a few milliseconds on a real reader; 1 s on the udp link, which
waits that long for an answer), and transmits never wait for poll.

nfcpy logs every frame in hex at DEBUG level, PINs included, so its loggers are held at
WARNING whatever the kiosk's level is.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import nfc
import nfc.clf
import nfc.tag
from nfc.tag.tt4 import IsoDepInitiator

from kiosk.hardware.errors import CardRemoved, NoCard, NoReader, ReaderError
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
logging.getLogger("nfc").setLevel(logging.WARNING)

# RATS with FSDI 8 (we take frames of up to 256 bytes) and CID 0. ISO/IEC 14443-4 gives the
# card about 5 ms to answer; this is generous for USB readers and a card in another process.
RATS = bytes.fromhex("E0 80")
ACTIVATION_TIMEOUT = 0.25
# How long the field stays off for a reset: ISO/IEC 14443-3 asks for at least 5 ms.
FIELD_OFF_SECONDS = 0.05
POLL_INTERVAL = 0.1
_FSC = (16, 24, 32, 40, 48, 64, 96, 128, 256)
_ISO_DEP = 0x20  # SEL_RES bit: the card speaks ISO/IEC 14443-4


def pcsc_atr(historical: bytes) -> bytes:
    """The ATR a PC/SC reader makes up for a Type A card (PC/SC part 3; PROTOCOL.md §1.1), so
    the chip family is told the same way through either stack."""
    historical = historical[:15]
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


@dataclass(frozen=True, slots=True)
class Ats:
    fsc: int
    fwt: float
    historical: bytes

    @classmethod
    def parse(cls, ats: bytes) -> Ats:
        """ISO/IEC 14443-4 §5.2; absent interface bytes take their defaults (FSCI 2, FWI 4)."""
        if not ats or ats[0] != len(ats):
            raise ValueError(f"malformed ATS ({len(ats)} bytes)")
        fsci, fwi, index = 2, 4, 2
        if len(ats) > 1:
            t0 = ats[1]
            fsci = min(t0 & 0x0F, 8)
            index += bool(t0 & 0x10)  # TA: bit rates, which nfcpy leaves at 106 kbit/s
            if t0 & 0x20 and len(ats) > index:
                fwi = ats[index] >> 4 if ats[index] >> 4 < 15 else 4
                index += 1
            index += bool(t0 & 0x40)  # TC: NAD and CID, which we do not use
        return cls(_FSC[fsci], 4096 / 13.56e6 * 2**fwi, ats[index:])


@dataclass(frozen=True, slots=True)
class ActiveCard:
    """A card taken to the ISO-DEP state: its block layer, and the ATR made from its ATS."""

    link: Any  # nfc.tag.tt4.IsoDepInitiator
    atr: bytes

    def present(self) -> bool:
        """The presence check of nfcpy's ``Type4Tag.is_present``: an R(NAK) that a card in
        the field must answer."""
        try:
            self.link.exchange(None)
        except nfc.clf.CommunicationError:
            return False
        return True


def activate(clf: Any, attempts: int = 1) -> ActiveCard | None:
    """Sense a Type A card and send it RATS; None when no ISO-DEP card answers."""
    target = clf.sense(nfc.clf.RemoteTarget("106A"), iterations=attempts, interval=0.05)
    if target is None:
        return None
    if not target.sel_res[0] & _ISO_DEP:
        log.info("ignoring a Type A tag that does not speak ISO-DEP")
        return None
    try:
        ats = Ats.parse(bytes(clf.exchange(bytearray(RATS), ACTIVATION_TIMEOUT)))
    except (nfc.clf.CommunicationError, ValueError) as error:
        log.warning("the card did not answer RATS: %s", error)
        return None
    link = IsoDepInitiator(clf, min(ats.fsc, clf.max_send_data_size), ats.fwt)
    return ActiveCard(link, pcsc_atr(ats.historical))


class NfcDriver(ReaderDriver):
    @classmethod
    def from_uri(cls, rest: str) -> NfcDriver:
        """nfcpy names its device by a path: ``usb``, ``tty:S0:pn532``, ``udp:HOST:PORT``."""
        return cls(rest or "usb")

    def __init__(self, path: str = "usb") -> None:
        self._path = path
        self._clf: Any = None
        self._name: str | None = None
        self._card: ActiveCard | None = None
        self._session: NfcConnection | None = None
        self._shown: tuple[str | None, bytes | None] = (None, None)  # what poll last reported
        self._field_off_at: float | None = None
        self._lock = threading.Lock()

    # -- the device (driver lock held) -----------------------------------------------------

    def _frontend(self) -> Any:
        """The open nfcpy frontend, opened on first use; None while no device answers."""
        if self._clf is None:
            try:
                self._clf = nfc.ContactlessFrontend(self._path)
            except OSError as error:
                log.debug("no nfcpy device on %s: %s", self._path, error)
                return None
            self._name = str(self._clf)
            self._field_off_at = time.monotonic()  # the field is off until the first sense
        return self._clf

    def close_device(self) -> None:
        clf, self._clf, self._card, self._session = self._clf, None, None, None
        if clf is not None:
            clf.close()  # nfcpy swallows the IOError of a device that has gone

    def _field_off(self) -> None:
        """Turn the RF field off: the card loses power, which is how a contactless card is
        reset, and forgets its ISO-DEP state."""
        self._card = None
        self._field_off_at = time.monotonic()
        with self._clf.lock:
            self._clf.device.mute()

    def _activate(self, clf: Any) -> ActiveCard | None:
        """Activate the card in the field. After the field was off (a reset, the end of a
        session, or the device just opened) it stays off for the reset time, and the card
        gets a second chance: over the udp link a card that is still restarting misses the
        first sense."""
        attempts = 1
        if self._field_off_at is not None:
            time.sleep(max(0.0, self._field_off_at + FIELD_OFF_SECONDS - time.monotonic()))
            self._field_off_at, attempts = None, 2
        self._card = activate(clf, attempts)
        return self._card

    def reactivate(self) -> ActiveCard | None:
        self._field_off()
        return self._activate(self._clf)

    def card_lost(self) -> None:
        self._card = None

    def end_session(self, connection: NfcConnection) -> None:
        if self._session is connection:
            self._session = None
            if self._clf is not None:
                self._field_off()

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def current(self) -> ActiveCard | None:
        return self._card

    # -- the contract ----------------------------------------------------------------------

    def readers(self) -> list[str]:
        with self._lock:
            return [self._name] if self._frontend() is not None and self._name else []

    def connect(self, reader: str) -> Connection:
        with self._lock:
            clf = self._frontend()
            if clf is None or reader != self._name:
                raise NoReader(f"reader {reader!r} is not connected")
            try:
                if self._card is None:
                    self._activate(clf)
            except OSError as error:
                self.close_device()
                raise NoReader(f"the reader went away: {error}") from error
            if self._card is None:
                raise NoCard(f"no card on {reader}")
            self._session = NfcConnection(self, self._card)
            return self._session

    def poll(self, timeout: float) -> list[ReaderEvent]:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                events = self._poll_step()
            left = deadline - time.monotonic()
            if events or left <= 0:
                return events
            time.sleep(min(POLL_INTERVAL, left))

    def _poll_step(self) -> list[ReaderEvent]:
        if self._session is not None:
            return self._report(self._name, self._card.atr if self._card else None)
        try:
            clf, card = self._frontend(), self._card
            if clf is not None and card is None:
                self._activate(clf)
            elif card is not None and not card.present():
                self._card = None
        except OSError as error:
            log.warning("nfcpy device %s failed: %s", self._path, error)
            self.close_device()
        return self._report(self._name if self._clf else None,
                            self._card.atr if self._card else None)

    def _report(self, reader: str | None, atr: bytes | None) -> list[ReaderEvent]:
        """Events for the change from what was reported last to ``reader`` holding ``atr``."""
        shown_reader, shown_atr = self._shown
        self._shown = (reader, atr)
        events: list[ReaderEvent] = []
        if shown_reader is not None and shown_atr is not None and (
            atr != shown_atr or reader != shown_reader
        ):
            events.append(CardLeft(shown_reader))
            shown_atr = None
        if reader != shown_reader:
            if shown_reader is not None:
                events.append(ReaderDetached(shown_reader))
            if reader is not None:
                events.append(ReaderAttached(reader))
        if reader is not None and atr is not None and atr != shown_atr:
            events.append(CardInserted(reader, atr))
        return events

    def close(self) -> None:
        with self._lock:
            self.close_device()


class NfcConnection(Connection):
    def __init__(self, driver: NfcDriver, card: ActiveCard) -> None:
        self._driver = driver
        self._card: ActiveCard | None = card
        self.atr = card.atr

    def _live(self) -> ActiveCard:
        if self._card is None:
            raise ReaderError("the card session is closed")
        if self._driver.current() is not self._card:
            raise CardRemoved("the card left the reader")
        return self._card

    def transmit(self, apdu: bytes) -> bytes:
        with self._driver.lock:
            card = self._live()
            try:
                answer = bytes(card.link.exchange(bytearray(apdu)))
            except nfc.clf.BrokenLinkError as error:
                self._driver.card_lost()
                raise CardRemoved("the card left the reader during the exchange") from error
            except (nfc.tag.TagCommandError, nfc.clf.CommunicationError) as error:
                # A timeout or a garbled frame: the card left, or the exchange broke.
                if not card.present():
                    self._driver.card_lost()
                    raise CardRemoved("the card left the reader during the exchange") from error
                raise ReaderError(f"exchange failed: {error}") from error
            except OSError as error:
                self._driver.close_device()
                raise NoReader(f"the reader was disconnected during the exchange: {error}") \
                    from error
        if len(answer) < 2:
            raise ReaderError("the card answered without a status word")
        return answer

    def present(self) -> bool:
        with self._driver.lock:
            return self._card is not None and self._driver.current() is self._card

    def reset(self) -> bytes:
        with self._driver.lock:
            self._live()
            try:
                card = self._driver.reactivate()
            except OSError as error:
                self._driver.close_device()
                raise NoReader(f"the reader was disconnected during the reset: {error}") \
                    from error
            if card is None:
                raise CardRemoved("the card left the reader during the reset")
            self._card = card
            self.atr = card.atr
            return self.atr

    def close(self) -> None:
        with self._driver.lock:
            if self._card is not None:
                self._card = None
                try:
                    self._driver.end_session(self)
                except OSError:
                    self._driver.close_device()
