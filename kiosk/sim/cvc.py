"""The terminal certificate (CVC) the card accepts in DAPP's PSO VERIFY CERTIFICATE.

PROTOCOL.md §2.4 step D2 gives the body as CPI ‖ CAR ‖ CHR ‖ CHA ‖ OID ‖ n ‖ e, signed with
ISO 9796-2 scheme 1 under the DAPP CA key, and says that real cards check it. The card
checks everything it can: the signature with its own (n_CA, e_CA), the CAR against its own
CA, the CHA's CA_AID, the CPI and the OID of the public constants. The field sizes are fixed
by CPI ``8A`` (INFERRED: 12-byte CHR, 7-byte CHA, 9-byte OID, RSA-2048 modulus and a 4-byte
exponent, which is what every client sends).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.sim import iso9796
from kiosk.sim.ias_data import interop
from kiosk.sim.sm import objects

_CHR, _CHA, _OID, _MODULUS, _EXPONENT = 12, 7, 9, 256, 4


class CvcRejected(Exception):
    """Not a certificate this card trusts: answer ``6A80`` (format) or ``6300`` (signature)."""

    def __init__(self, reason: str, *, signature: bool = False) -> None:
        super().__init__(reason)
        self.signature = signature


@dataclass(frozen=True, slots=True)
class TerminalKey:
    """What an accepted CVC leaves on the card: whose key it is, and the key."""

    chr: bytes
    key: rsa.RSAPublicNumbers


def accept(cvc: bytes, ca: rsa.RSAPublicNumbers, chr_ca: bytes, cha_ca: bytes) -> TerminalKey:
    """Check ``7F21 {5F37 sig, 5F38 remainder, 42 CAR}`` against the card's DAPP CA."""
    outer = objects(cvc)
    if outer is None or len(outer) != 1 or outer[0][0] != 0x7F21:
        raise CvcRejected("not a 7F21 certificate")
    fields = objects(outer[0][1])
    if fields is None:
        raise CvcRejected("certificate fields do not parse")
    found = dict(fields)
    if len(found) != len(fields) or set(found) != {0x5F37, 0x5F38, 0x42}:
        raise CvcRejected("certificate fields are not 5F37, 5F38, 42")
    car = chr_ca[4:]
    if found[0x42] != car:
        raise CvcRejected("issued by another CA")
    try:
        recovered = iso9796.verify(found[0x5F37], ca, found[0x5F38], b"")
    except iso9796.BadSignature as exc:
        raise CvcRejected(str(exc), signature=True) from None
    return _body(recovered + found[0x5F38], car, cha_ca[:6])


def _body(body: bytes, car: bytes, ca_aid: bytes) -> TerminalKey:
    constants = interop()
    fields: list[bytes] = []
    pos = 1 + len(car)
    for size in (_CHR, _CHA, _OID, _MODULUS, _EXPONENT):
        fields.append(body[pos : pos + size])
        pos += size
    chr_ifd, cha, oid, modulus, exponent = fields
    if pos != len(body) or body[:1] != constants["cpi"] or body[1 : 1 + len(car)] != car:
        raise CvcRejected("certificate body has the wrong profile")
    if cha != ca_aid + b"\x01" or oid != constants["oid_base"] + constants["oid_suffix_sha256"]:
        raise CvcRejected("certificate body names another application or algorithm")
    n, e = int.from_bytes(modulus, "big"), int.from_bytes(exponent, "big")
    if n.bit_length() != _MODULUS * 8 or e < 3 or not e & 1:
        raise CvcRejected("certificate carries no usable RSA-2048 key")
    return TerminalKey(chr_ifd, rsa.RSAPublicNumbers(e, n))
