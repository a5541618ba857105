"""Secure messaging with 3DES and the retail MAC (ISO/IEC 7816-4 §10, ICAO 9303-11 §9.8).

The IAS channel after DH (PROTOCOL.md §2.3), BAC and PACE-3DES differ only in where the keys and
the first SSC come from, so one sans-IO :class:`SecureChannel` serves all three: it turns a plain
command into the APDUs to send and each protected answer back into a plain one. It never sends
anything itself, which keeps it testable against hand-made answers and reusable by the virtual
card's tests.

Strategy for the send sequence counter: it is stepped before every command and again before
every answer is checked (§2.3), so a command split into pieces (data longer than ``E7`` bytes,
CLA ``1C`` on all pieces but the last) uses two values per piece. :meth:`SecureChannel.protect`
wraps all pieces at once, leaving between them the values their answers will use; the caller
sends them in order and passes every answer to :meth:`SecureChannel.unprotect` until one of them
is not ``9000``, which ends the chain (the remaining pieces are not sent).

Any other outer status word than ``9000``, ``6282`` and ``6B00`` is a plain error: it is
returned as it is, and the counter still steps for it, since the middleware counts one value per
answer whatever its form. A card that answers in plain may have dropped its own session, so the
channel is not reused for another task after one (:attr:`SecureChannel.usable`); the SM errors
``6882``, ``6987`` and ``6988`` say it has (ICAO 9303-11 asks the card to end the session),
and raise :class:`SmError` at once. A forged or malformed protected answer raises
:class:`SmError` too, and closes the channel for good, as h11 does after a protocol error.

One channel serves every task of a card session (:mod:`kiosk.cie.link`), so its keys are
kept in buffers that :meth:`SecureChannel.wipe` zeroes when the session ends.
"""

from __future__ import annotations

import hashlib
import hmac

from kiosk.cie import tlv
from kiosk.cie.apdu import (
    SHORT_MAX_LE,
    SW_END_OF_FILE,
    SW_OFFSET_BEYOND_EOF,
    SW_OK,
    Command,
    Response,
)
from kiosk.cie.des import (
    BLOCK,
    PaddingError,
    decrypt_3des,
    encrypt_3des,
    pad,
    padding,
    retail_mac,
    unpad,
)
from kiosk.cie.errors import SmError

SSC_SIZE = 8
PIECE_SIZE = 0xE7
CLA_SM = 0x0C
CLA_CHAINING = 0x10
UNWRAPPED_SWS = frozenset({SW_OK, SW_END_OF_FILE, SW_OFFSET_BEYOND_EOF})
# "SM not supported", "SM data objects missing", "SM data objects incorrect": the card has no
# session (any more) for this channel.
SW_SESSION_LOST = frozenset({0x6882, 0x6987, 0x6988})

TAG_CRYPTOGRAM = 0x87  # padding indicator 01, then the cryptogram (even INS)
TAG_CRYPTOGRAM_ODD = 0x85  # the cryptogram alone (odd INS, whose data is BER-TLV)
TAG_LE = 0x97
TAG_STATUS = 0x99
TAG_MAC = 0x8E
MAC_SIZE = 8
_MAC_OBJECT_SIZE = 2 + MAC_SIZE
_ANSWER_LAYOUTS = ((TAG_CRYPTOGRAM,), (TAG_STATUS,), (TAG_CRYPTOGRAM, TAG_STATUS))


def ias_session_keys(secret: bytes) -> tuple[bytes, bytes]:
    """K_ENC and K_MAC from the DH shared secret: SHA-256(K ‖ counter)[0:16] (PROTOCOL.md §2.3)."""
    return (
        hashlib.sha256(bytes(secret) + b"\x00\x00\x00\x01").digest()[:16],
        hashlib.sha256(bytes(secret) + b"\x00\x00\x00\x02").digest()[:16],
    )


def ssc_from_challenges(rnd_icc: bytes, rnd_ifd: bytes) -> bytes:
    """RND.ICC[4:8] ‖ RND.IFD[4:8]: the counter after DAPP (§2.4), and the first one of BAC."""
    if len(rnd_icc) != BLOCK or len(rnd_ifd) != BLOCK:
        raise ValueError("challenges are 8 bytes")
    return bytes(rnd_icc[4:]) + bytes(rnd_ifd[4:])


class SecureChannel:
    """One secure-messaging session: two 3DES keys and the send sequence counter."""

    __slots__ = ("_broken", "_k_enc", "_k_mac", "_plain_seen", "_ssc", "_unanswered")

    def __init__(self, k_enc: bytes, k_mac: bytes, ssc: bytes) -> None:
        self._k_enc = bytearray(k_enc)
        self._k_mac = bytearray(k_mac)
        self._ssc = 0
        self._unanswered = 0
        self._broken = False
        self._plain_seen = False
        self.reset_ssc(ssc)

    @property
    def usable(self) -> bool:
        """Whether another task may go on with this channel: not wiped or broken, no answer
        pending, and no plain answer seen (after which the card may have dropped it)."""
        return not (self._broken or self._plain_seen or self._unanswered)

    @property
    def wiped(self) -> bool:
        return not any(self._k_enc) and not any(self._k_mac)

    def wipe(self) -> None:
        """Zero the keys in place and close the channel; idempotent."""
        _wipe(self._k_enc)
        _wipe(self._k_mac)
        self._broken = True

    @classmethod
    def for_ias(cls, secret: bytes) -> SecureChannel:
        """The channel right after the IAS DH key agreement: derived keys, SSC ``00…01``."""
        k_enc, k_mac = ias_session_keys(secret)
        return cls(k_enc, k_mac, (1).to_bytes(SSC_SIZE, "big"))

    @property
    def ssc(self) -> bytes:
        """The last counter value used, by a command or by an answer."""
        return self._ssc.to_bytes(SSC_SIZE, "big")

    def reset_ssc(self, ssc: bytes) -> None:
        """Start counting again from ``ssc`` with the same keys, as after DAPP."""
        if len(ssc) != SSC_SIZE:
            raise ValueError("the send sequence counter is 8 bytes")
        self._ssc = int.from_bytes(ssc, "big")

    def protect(self, command: Command) -> list[Command]:
        """The protected APDUs that carry ``command``: one, or one per 231-byte piece."""
        return self._protect(command, memoryview(command.data))

    def protect_secret(self, command: Command, *parts: bytearray | memoryview) -> list[Command]:
        """Like :meth:`protect`, with the data taken from ``parts`` (PIN, PUK) in that order.

        ``command`` gives the header and Le and must carry no data. The only plain copies made
        here are in buffers this method owns, sized up front so they never move, and zeroed
        before it returns; the caller still wipes its own.
        """
        if command.data:
            raise ValueError("the secret is the data: the command must carry none")
        joined = bytearray(sum(len(part) for part in parts))
        try:
            offset = 0
            for part in parts:
                joined[offset : offset + len(part)] = part
                offset += len(part)
            with memoryview(joined) as view:
                return self._protect(command, view)
        finally:
            _wipe(joined)

    def unprotect(self, response: Response) -> Response:
        """The plain answer inside ``response``, or ``response`` itself for a plain error."""
        self._check_open()
        if not self._unanswered:
            raise RuntimeError("no protected command is waiting for this answer")
        self._unanswered -= 1
        self._ssc += 1
        try:
            plain = self._open(response)
        except SmError:
            self._broken = True
            raise
        if self._unanswered:
            if plain.sw == SW_OK:
                self._ssc += 1  # the next piece, wrapped already with this value
            else:
                self._unanswered = 0  # the card ended the chain
        return plain

    def _protect(self, command: Command, data: memoryview) -> list[Command]:
        self._check_open()
        if self._unanswered:
            raise RuntimeError("the previous protected command has not been answered")
        pieces = [data[start : start + PIECE_SIZE] for start in range(0, len(data), PIECE_SIZE)]
        pieces = pieces or [data]
        last = len(pieces) - 1
        wrapped = [
            self._wrap(
                command,
                piece,
                cla=command.cla | CLA_SM | (0 if index == last else CLA_CHAINING),
                le=command.le if index == last else None,
                ssc=self._ssc + 1 + 2 * index,
            )
            for index, piece in enumerate(pieces)
        ]
        self._ssc += 1
        self._unanswered = len(wrapped)
        return wrapped

    def _wrap(
        self, command: Command, data: memoryview, cla: int, le: int | None, ssc: int
    ) -> Command:
        header = bytes((cla, command.ins, command.p1, command.p2))
        objects = b""
        if data:
            cryptogram = self._encrypt(data)
            if command.ins & 1:
                objects += tlv.encode(TAG_CRYPTOGRAM_ODD, cryptogram)
            else:
                objects += tlv.encode(TAG_CRYPTOGRAM, b"\x01" + cryptogram)
        if le is not None:
            objects += tlv.encode(TAG_LE, _le_bytes(le))
        mac = retail_mac(self._k_mac, ssc.to_bytes(SSC_SIZE, "big") + pad(header) + objects)
        return Command(
            cla,
            command.ins,
            command.p1,
            command.p2,
            objects + tlv.encode(TAG_MAC, mac),
            le=SHORT_MAX_LE,
            step=command.step,
        )

    def _encrypt(self, data: memoryview) -> bytes:
        tail = padding(len(data))
        plain = bytearray(len(data) + len(tail))
        try:
            plain[: len(data)] = data
            plain[len(data) :] = tail
            return encrypt_3des(self._k_enc, plain)
        finally:
            _wipe(plain)

    def _open(self, response: Response) -> Response:
        if response.sw in SW_SESSION_LOST:
            raise SmError("the card dropped the secure channel", response.sw)
        if response.sw not in UNWRAPPED_SWS:
            self._plain_seen = True
            return response
        raw = response.data
        try:
            objects = tlv.decode(raw)
        except tlv.TlvError as error:
            raise SmError(f"protected answer is not BER-TLV: {error}", response.sw) from None
        tags = tuple(tag for tag, _ in objects)
        if tags[:-1] not in _ANSWER_LAYOUTS or tags[-1:] != (TAG_MAC,):
            raise SmError("protected answer has unexpected data objects", response.sw)
        values = dict(objects)
        mac = values.pop(TAG_MAC)
        if len(mac) != MAC_SIZE or not raw.endswith(bytes((TAG_MAC, MAC_SIZE)) + mac):
            raise SmError("protected answer has a malformed MAC object", response.sw)
        signed = self.ssc + raw[:-_MAC_OBJECT_SIZE]
        if not hmac.compare_digest(retail_mac(self._k_mac, signed), mac):
            raise SmError("protected answer fails its MAC", response.sw)
        status = values.get(TAG_STATUS, response.sw.to_bytes(2, "big"))
        if len(status) != 2:
            raise SmError("protected status word is not two bytes", response.sw)
        cryptogram = values.get(TAG_CRYPTOGRAM)
        return Response(self._decrypt(cryptogram, response.sw), int.from_bytes(status, "big"))

    def _decrypt(self, cryptogram: bytes | None, sw: int) -> bytes:
        if cryptogram is None:
            return b""
        if cryptogram[:1] != b"\x01" or not cryptogram[1:] or len(cryptogram[1:]) % BLOCK:
            raise SmError("protected answer has a malformed cryptogram", sw)
        try:
            return unpad(decrypt_3des(self._k_enc, cryptogram[1:]))
        except PaddingError:
            raise SmError("protected answer has bad padding", sw) from None

    def _check_open(self) -> None:
        if self._broken:
            raise SmError("secure channel closed (wiped, or after a forged or malformed answer)")


def _le_bytes(le: int) -> bytes:
    """Le as DO97 carries it: one byte (00 for 256) or two (00 00 for 65536)."""
    if le <= SHORT_MAX_LE:
        return bytes((le % SHORT_MAX_LE,))
    return (le % 0x10000).to_bytes(2, "big")


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))
