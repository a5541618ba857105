"""Attaching a virtual card to nfcpy's simulated ``udp`` link, where the kiosk's ``nfc:udp:…``
reader finds it: the card side of ISO/IEC 14443-3 Type A activation and 14443-4 (ISO-DEP).

nfcpy's udp driver answers anticollision itself (``listen``) and hands over the first frame
after it, RATS. From there this module is the card: an ATS carrying the profile's historical
bytes (so the reader builds the same ATR a PC/SC reader shows), then I-blocks to
:meth:`VirtualCie.apdu`, with chaining both ways because an extended APDU outgrows a frame
(the reader asked for frames of at most 256 bytes; nfcpy's udp link carries at most 290), an
R(ACK) to the reader's R(NAK) presence checks, and S(DESELECT).

The field going off (RFOFF, sent when the reader resets the card or closes) cuts the card's
power: it resets and waits to be activated again. A card torn from the field (``apdu``
answers None) falls silent and the link ends, as with vpcd.

nfcpy's udp card side binds ``0.0.0.0:PORT`` whatever HOST says, so anyone who can reach the
port can talk to the virtual card: fine on a test machine or a developer's laptop, not on a
network anyone else shares. HOST only names the reader's side for nfcpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import nfc
import nfc.clf

from kiosk.sim.card import VirtualCie

log = logging.getLogger(__name__)
logging.getLogger("nfc").setLevel(logging.WARNING)  # nfcpy logs every frame, PINs included

LISTEN_SECONDS = 1.0
# ATS format byte: TA, TB and TC follow, FSCI 8 (we take frames of up to 256 bytes).
_T0 = 0x78
_TA = 0x80  # the same bit rate both ways, 106 kbit/s only
# FWI 12: a frame waiting time of 1.24 s, twenty times the slowest answer of the virtual card
# (an RSA signature, about 60 ms), so a loaded test machine does not make it time out.
FWI = 12
_TB = FWI << 4  # SFGI 0
_TC = 0x00  # no NAD, no CID
_FSD = (16, 24, 32, 40, 48, 64, 96, 128, 256)

_SENS_RES = bytes.fromhex("4400")
_SEL_RES = bytes([0x20])  # ISO/IEC 14443-4 compliant
_UID = bytes.fromhex("08A1B2C3")  # a first byte of 08 marks a random UID (ISO/IEC 14443-3)


class _Torn(Exception):
    """The card was torn from the field during a command."""


def ats(atr: bytes) -> bytes:
    """The ATS whose historical bytes are those of the PC/SC-style ATR ``3B 8n 80 01 …``."""
    historical = atr[4:4 + (atr[1] & 0x0F)] if atr[2:4] == b"\x80\x01" else b""
    body = bytes([_T0, _TA, _TB, _TC]) + historical
    return bytes([len(body) + 1]) + body


@dataclass
class IsoDepCard:
    """The card's half of ISO-DEP blocks (ISO/IEC 14443-4 §7) for one activation.

    Block numbers follow the PICC rule: a block answering an I-block or R(ACK) carries that
    block's number. CID and NAD are not offered in the ATS, so no block carries them.
    """

    card: VirtualCie
    max_inf: int  # the reader's FSD less PCB and CRC
    _command: bytearray = field(default_factory=bytearray, init=False)  # chained so far
    _answer: bytes = field(default=b"", init=False)  # what is left of a chained answer
    _last: bytes = field(default=b"", init=False)  # the last I-block, for a resend

    def block(self, frame: bytes) -> bytes | None:
        """The answer to one block; None to stay silent. Raises _Torn."""
        pcb = frame[0] if frame else 0
        if pcb & 0xE2 == 0x02:  # I-block
            return self._i_block(pcb, frame[1:])
        if pcb & 0xF6 == 0xA2:  # R(ACK): the next piece of a chained answer, or a resend
            if self._last and self._last[0] & 1 == pcb & 1:
                return self._last
            return self._send(pcb & 1)
        if pcb & 0xF6 == 0xB2:  # R(NAK): a presence check
            return bytes([0xA2 | (pcb & 1)])
        return None

    @property
    def answering(self) -> bool:
        """Whether part of a chained answer is still to be sent."""
        return bool(self._answer)

    def _i_block(self, pcb: int, inf: bytes) -> bytes:
        self._command += inf
        if pcb & 0x10:  # chaining: more of the command follows
            self._last = b""
            return bytes([0xA2 | (pcb & 1)])
        command, self._command = bytes(self._command), bytearray()
        answer = self.card.apdu(command)
        if answer is None:
            raise _Torn
        self._answer = answer
        return self._send(pcb & 1)

    def _send(self, number: int) -> bytes:
        piece, self._answer = self._answer[:self.max_inf], self._answer[self.max_inf:]
        chaining = 0x10 if self._answer else 0x00
        self._last = bytes([0x02 | chaining | number]) + piece
        return self._last


def _serve(clf: Any, card: VirtualCie, rats: bytes) -> None:
    """Answer the reader from RATS until the field goes off or the reader deselects us."""
    link = IsoDepCard(card, _FSD[min(rats[1] >> 4, 8)] - 3)
    answer: bytes | None = ats(card.atr)
    while True:
        try:
            frame = clf.exchange(answer, None)
        except nfc.clf.BrokenLinkError:
            log.info("the field went off")
            return
        except nfc.clf.CommunicationError:
            answer = None  # a garbled frame: a card stays silent
            continue
        if frame == b"\xc2":  # S(DESELECT)
            clf.exchange(frame, 0)
            return
        if frame == b"\x26":  # REQA: a reader that vanished without turning the field off
            return
        answer = link.block(bytes(frame))
        if not card.in_field and not link.answering:
            clf.exchange(answer, 0)  # the last answer goes out; then the card is gone
            raise _Torn


def attach(card: VirtualCie, host: str, port: int) -> None:
    """Keep ``card`` in the field of the ``udp:HOST:PORT`` reader until it is torn away or the
    caller is interrupted (KeyboardInterrupt, which the CLI also raises on SIGTERM)."""
    target = nfc.clf.LocalTarget("106A")
    target.sens_res, target.sdd_res, target.sel_res = _SENS_RES, _UID, _SEL_RES
    clf = nfc.ContactlessFrontend(f"udp:{host}:{port}")
    log.info("virtual card on nfcpy udp port %d (bound on all interfaces)", port)
    try:
        while True:
            activated = clf.listen(target, LISTEN_SECONDS)
            rats = activated.tt4_cmd if activated is not None else None
            if rats is None or len(rats) < 2:
                continue
            card.reset()
            try:
                _serve(clf, card, bytes(rats))
            except _Torn:
                log.info("virtual card torn from the field")
                return
    finally:
        clf.close()
