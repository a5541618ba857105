"""ISO/IEC 9796-2 digital signature scheme 1 with SHA-256, as DAPP uses it (PROTOCOL.md §2.4).

Neither ``cryptography`` nor ``pycryptodome`` offers this scheme (it is raw RSA on a
``6A ‖ recoverable part ‖ SHA-256 ‖ BC`` block), so the card does the few lines itself, with
the numbers of keys that ``cryptography`` made, in GMP with the CRT (kiosk.cie.bignum).
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.cie.bignum import CrtKey, powmod

_HEADER, _TRAILER = 0x6A, 0xBC
_HASH = 32
OVERHEAD = _HASH + 2  # header, hash, trailer


class BadSignature(Exception):
    """The block does not open to ``6A … hash … BC`` or its hash does not match."""


def recover(signature: bytes, modulus: int, exponent: int) -> tuple[bytes, bytes]:
    """The recoverable part and the hash from ``signature`` (raw RSA with the public key)."""
    size = (modulus.bit_length() + 7) // 8
    value = int.from_bytes(signature, "big")
    if len(signature) != size or value >= modulus:
        raise BadSignature("signature is not a residue of the key")
    block = powmod(value, exponent, modulus).to_bytes(size, "big")
    if block[0] != _HEADER or block[-1] != _TRAILER:
        raise BadSignature("no 6A … BC frame")
    return block[1 : -1 - _HASH], block[-1 - _HASH : -1]


def verify(signature: bytes, key: rsa.RSAPublicNumbers, rest: bytes, bound: bytes) -> bytes:
    """Check a signature whose hash covers recovered ‖ ``rest`` ‖ ``bound``; the recovered part.

    A certificate puts its non-recoverable remainder in ``rest``; an EXTERNAL AUTHENTICATE
    binds the DH values with ``bound``.
    """
    recovered, digest = recover(signature, key.n, key.e)
    if hashlib.sha256(recovered + rest + bound).digest() != digest:
        raise BadSignature("hash mismatch")
    return recovered


def sign_with_random(key: CrtKey, bound: bytes) -> bytes:
    """``6A ‖ PRND ‖ SHA-256(PRND ‖ bound) ‖ BC`` signed raw, PRND filling the block."""
    size = key.size
    prnd = secrets.token_bytes(size - OVERHEAD)
    block = bytes((_HEADER,)) + prnd + hashlib.sha256(prnd + bound).digest() + bytes((_TRAILER,))
    return key.private(int.from_bytes(block, "big")).to_bytes(size, "big")
