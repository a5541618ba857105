"""PACE with the CAN, card side: DH generic mapping with 3DES (PROTOCOL.md §4.2).

Written from ICAO 9303-11 §4.4 and BSI TR-03110-3 alone, sharing only the 3DES, MAC and TLV
helpers with the terminal (DESIGN.md §2). The four GENERAL AUTHENTICATE steps, each inside
``7C`` dynamic authentication data:

1. ``7C 00`` → ``80 <z>``: z encrypts a fresh 8-byte nonce s under K_π (3DES-CBC, IV 0).
2. ``81 <PK_map,IFD>`` → ``82 <PK_map,IC>``; the mapped generator is g^s · PK_map,IFD^k.
3. ``83 <PK_eph,IFD>`` → ``84 <PK_eph,IC>`` over the mapped generator; both sides get Z.
4. ``85 <T_IFD>`` → ``86 <T_IC>``: each token is the retail MAC of the *other* side's
   ephemeral key in a ``7F49`` template, so each proves knowledge of K_π and Z.

A wrong CAN shows at step 4, where the terminal's token does not verify: the card answers
``6300`` and forgets the run. ``63Cx`` would announce a try counter, and the CAN has none
(BSI TR-03110-2 makes it a non-blocking password); the terminal learns nothing more than
"wrong" either way. Any other error also ends the run, so a terminal cannot resume half of one.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from kiosk.cie import des, tlv
from kiosk.cie.bignum import powmod
from kiosk.sim import rfc5114
from kiosk.sim.apdu import SW_AUTH_FAILED, SW_CONDITIONS, SW_NO_REFERENCE, SW_OK, SW_WRONG_DATA
from kiosk.sim.icao_data import kdf
from kiosk.sim.sm import SecureMessaging

OID = bytes.fromhex("04 00 7F 00 07 02 02 04 01 01")  # id-PACE-DH-GM-3DES-CBC-CBC
CAN = b"\x02"
PARAMETER_ID = b"\x02"
NONCE = 8
TOKEN = 8


Answer = tuple[bytes, bytes]


def token(k_mac: bytes, public_key: bytes) -> bytes:
    """The authentication token over a DH public key: the OID and ``84``, no domain
    parameters (PROTOCOL.md §4.2 step 9)."""
    data = tlv.encode(0x7F49, tlv.encode(0x06, OID) + tlv.encode(0x84, public_key))
    return des.retail_mac(k_mac, data)


@dataclass
class _Run:
    """What one run carries from a GENERAL AUTHENTICATE step to the next."""

    step: int = 1
    nonce: int = 0
    generator: int = 0
    own_public: bytes = b""
    peer_public: bytes = b""
    k_enc: bytes = b""
    k_mac: bytes = b""


class Pace:
    """One card's PACE state: armed by MSE SET AT, advanced by each GENERAL AUTHENTICATE."""

    def __init__(self, password_key: bytes) -> None:
        self._key = password_key
        self._run: _Run | None = None

    def reset(self) -> None:
        self._run = None

    def set_at(self, objects: dict[int, bytes]) -> bytes:
        """``80`` protocol, ``83`` password reference, optional ``84`` parameter id."""
        self._run = None
        if set(objects) - {0x80, 0x83, 0x84} or objects.get(0x80) != OID:
            return SW_WRONG_DATA
        if objects.get(0x84, PARAMETER_ID) != PARAMETER_ID:
            return SW_WRONG_DATA
        if objects.get(0x83) != CAN:  # PACE with the MRZ: the chip holds no key for it
            return SW_NO_REFERENCE
        self._run = _Run()
        return SW_OK

    def general_authenticate(
        self, data: bytes, *, last: bool
    ) -> tuple[Answer, SecureMessaging | None]:
        """The answer to one step; on success of the last, the channel PACE opened."""
        run, self._run = self._run, None  # put back only when the step succeeds
        if run is None or last != (run.step == 4):
            return (b"", SW_CONDITIONS), None
        objects = _dynamic_data(data)
        if objects is None:
            return (b"", SW_WRONG_DATA), None
        if run.step == 4:
            return self._finish(run, objects)
        step = (self._nonce, self._map, self._agree)[run.step - 1]
        answer = step(run, objects)
        if answer is None:
            return (b"", SW_WRONG_DATA), None
        run.step += 1
        self._run = run
        return (tlv.encode(0x7C, answer), SW_OK), None

    def _nonce(self, run: _Run, objects: dict[int, bytes]) -> bytes | None:
        if objects:
            return None
        nonce = secrets.token_bytes(NONCE)
        run.nonce = int.from_bytes(nonce, "big")
        return tlv.encode(0x80, des.encrypt_3des(self._key, nonce))

    def _map(self, run: _Run, objects: dict[int, bytes]) -> bytes | None:
        peer = rfc5114.peer_value(objects.get(0x81, b""))
        if set(objects) != {0x81} or peer is None:
            return None
        own = rfc5114.private_exponent()
        shared = powmod(peer, own, rfc5114.P)
        run.generator = powmod(rfc5114.G, run.nonce, rfc5114.P) * shared % rfc5114.P
        return tlv.encode(0x82, rfc5114.encode(powmod(rfc5114.G, own, rfc5114.P)))

    def _agree(self, run: _Run, objects: dict[int, bytes]) -> bytes | None:
        peer = rfc5114.peer_value(objects.get(0x83, b""))
        if set(objects) != {0x83} or peer is None:
            return None
        own = rfc5114.private_exponent()
        run.own_public = rfc5114.encode(powmod(run.generator, own, rfc5114.P))
        if run.own_public == objects[0x83]:
            return None  # ICAO 9303-11 §4.4: the chip checks that the ephemeral keys differ
        run.peer_public = objects[0x83]
        secret = rfc5114.encode(powmod(peer, own, rfc5114.P))
        run.k_enc, run.k_mac = kdf(secret, 1), kdf(secret, 2)
        return tlv.encode(0x84, run.own_public)

    def _finish(
        self, run: _Run, objects: dict[int, bytes]
    ) -> tuple[Answer, SecureMessaging | None]:
        received = objects.get(0x85, b"")
        if set(objects) != {0x85} or len(received) != TOKEN:
            return (b"", SW_WRONG_DATA), None
        if not hmac.compare_digest(received, token(run.k_mac, run.own_public)):
            return (b"", SW_AUTH_FAILED), None
        answer = tlv.encode(0x7C, tlv.encode(0x86, token(run.k_mac, run.peer_public)))
        return (answer, SW_OK), SecureMessaging(run.k_enc, run.k_mac, ssc=0)


def _dynamic_data(data: bytes) -> dict[int, bytes] | None:
    """The objects inside the single ``7C`` template of a GENERAL AUTHENTICATE."""
    try:
        outer = tlv.decode(data)
        if len(outer) != 1 or outer[0][0] != 0x7C:
            return None
        return dict(tlv.decode(outer[0][1]))
    except tlv.TlvError:
        return None
