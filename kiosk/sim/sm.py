"""The card's half of secure messaging, written apart from the terminal's on purpose.

If the card reused ``kiosk.cie.sm``, a wrong MAC input or SSC step would be made identically on
both sides and every test would still pass (DESIGN.md §2). So this module rebuilds the card's
view from PROTOCOL.md §2.3 alone, sharing only the byte-level 3DES, MAC and TLV helpers.

The card is the strict side: a command whose MAC does not verify, whose data objects are not
``87``/``97``/``8E`` in that order, or whose cryptogram does not decrypt to ISO padding is an
``SmFailure``. ISO/IEC 7816-4 §10 and ICAO 9303-11 §9.8.6 make the card end the session after
such an error, and the applet does so.

ICAO secure messaging after PACE, BAC and chip authentication has the very same layout (3DES,
retail MAC, DO87/97/99/8E, ICAO 9303-11 §9.8); only where the keys and the first SSC come from
differs, so one class serves both and takes them as arguments.
"""

from __future__ import annotations

import hashlib
import hmac

from kiosk.cie import des, tlv

_MAC_OBJECT = 10  # 8E 08 <8 bytes>


class SmFailure(Exception):
    """The command is not a valid protected APDU for this session: answer ``6988``."""


def session_keys(secret: bytes) -> tuple[bytes, bytes]:
    """K_ENC and K_MAC: SHA-256(K ‖ counter)[0:16] with counters 1 and 2 (PROTOCOL.md §2.3)."""
    return (
        hashlib.sha256(secret + b"\x00\x00\x00\x01").digest()[:16],
        hashlib.sha256(secret + b"\x00\x00\x00\x02").digest()[:16],
    )


def objects(data: bytes) -> list[tuple[int, bytes]] | None:
    """The TLV objects of terminal data, or None when they do not parse."""
    try:
        return tlv.decode(data)
    except tlv.TlvError:
        return None


class SecureMessaging:
    """Keys and send sequence counter of one session (the IAS DH starts it at 1, PACE at 0)."""

    def __init__(self, k_enc: bytes, k_mac: bytes, ssc: int) -> None:
        self._k_enc, self._k_mac = k_enc, k_mac
        self.ssc = ssc
        self._next_keys: tuple[bytes, bytes] | None = None

    def unprotect(self, header: bytes, data: bytes) -> tuple[bytes, int | None]:
        """The plain data and Le of a protected command with ``header`` (CLA INS P1 P2)."""
        self._step()
        if len(data) < _MAC_OBJECT or data[-_MAC_OBJECT:-8] != b"\x8e\x08":
            raise SmFailure("no DO8E at the end")
        covered = data[:-_MAC_OBJECT]
        expected = self._mac(des.pad(header) + covered)
        if not hmac.compare_digest(expected, data[-8:]):
            raise SmFailure("wrong MAC")
        found = objects(covered)
        if found is None or [tag for tag, _ in found] not in ([], [0x87], [0x97], [0x87, 0x97]):
            raise SmFailure("unexpected data objects")
        plain, le = b"", None
        for tag, value in found:
            if tag == 0x87:
                plain = self._decrypt(value)
            elif len(value) in (1, 2):
                le = int.from_bytes(value, "big") or (256 if len(value) == 1 else 65536)
            else:
                raise SmFailure("DO97 is not an Le")
        return plain, le

    def protect(self, data: bytes, sw: bytes) -> bytes:
        """DO87 (when there is data), DO99 and DO8E: the body of the answer to send with 9000."""
        self._step()
        body = b""
        if data:
            body += tlv.encode(0x87, b"\x01" + des.encrypt_3des(self._k_enc, des.pad(data)))
        body += tlv.encode(0x99, sw)
        body += tlv.encode(0x8E, self._mac(body))
        if self._next_keys is not None:
            (self._k_enc, self._k_mac), self._next_keys = self._next_keys, None
            self.ssc = 0
        return body

    def rekey_after_answer(self, k_enc: bytes, k_mac: bytes) -> None:
        """Chip authentication: the answer that agreed the keys still goes out under the old
        ones, then the new keys take over with SSC 0 and the old ones are gone (§4.6)."""
        self._next_keys = (k_enc, k_mac)

    def skip(self) -> None:
        """An answer sent unprotected still uses up its counter value, as terminals count it."""
        self._step()

    def restart(self, ssc: bytes) -> None:
        """DAPP's last step sets the counter to RND.ICC[4:8] ‖ RND.IFD[4:8] (PROTOCOL.md §2.4)."""
        self.ssc = int.from_bytes(ssc, "big")

    def _step(self) -> None:
        self.ssc = (self.ssc + 1) % (1 << 64)

    def _mac(self, data: bytes) -> bytes:
        return des.retail_mac(self._k_mac, self.ssc.to_bytes(8, "big") + data)

    def _decrypt(self, value: bytes) -> bytes:
        if len(value) < 9 or value[0] != 0x01 or (len(value) - 1) % 8:
            raise SmFailure("DO87 is not a padded 3DES cryptogram")
        try:
            return des.unpad(des.decrypt_3des(self._k_enc, value[1:]))
        except des.PaddingError:
            raise SmFailure("bad padding in DO87") from None
