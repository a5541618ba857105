"""The 3DES pieces of secure messaging: ISO/IEC 9797-1 padding, 2-key 3DES-CBC and the retail MAC.

The IAS channel, BAC and PACE-3DES all use the same three (PROTOCOL.md §2.3, §4.2). The
ciphers come from ``cryptography``'s decrepit TripleDES: DES belongs to a maintained library,
not to us; only the padding and the MAC's chaining are written here, because ``cryptography``
offers neither ISO 9797-1 method 2 nor MAC algorithm 3.

:class:`PaddingError` lives here, not in :mod:`kiosk.cie.errors`, so that the virtual card, which
may import this module but not the terminal's errors (DESIGN.md §2), can catch it.
"""

from __future__ import annotations

from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
from cryptography.hazmat.primitives.ciphers import Cipher, modes

from kiosk.cie.errors import ProtocolError

BLOCK = 8
KEY_SIZE = 16
_ZERO_IV = bytes(BLOCK)


class PaddingError(ProtocolError):
    """A decrypted block that does not end in ISO/IEC 9797-1 padding method 2."""


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2: ``80`` then zeros up to a multiple of 8 (always adds)."""
    return bytes(data) + padding(len(data))


def padding(length: int) -> bytes:
    """What :func:`pad` appends to ``length`` bytes, for callers that pad a secret in place."""
    return b"\x80" + bytes(-(length + 1) % BLOCK)


def unpad(data: bytes) -> bytes:
    """Undo :func:`pad`; anything else is a broken or forged cryptogram."""
    body = bytes(data).rstrip(b"\x00")
    if len(data) % BLOCK or not body.endswith(b"\x80") or len(data) - len(body) >= BLOCK:
        raise PaddingError("bad ISO 9797-1 padding")
    return body[:-1]


def encrypt_3des(key: bytes | bytearray, data: bytes | bytearray) -> bytes:
    """2-key 3DES (K1 K2 K1) in CBC mode with a zero IV; ``data`` must be padded already."""
    encryptor = _cbc(key, data).encryptor()
    return encryptor.update(data) + encryptor.finalize()


def decrypt_3des(key: bytes | bytearray, data: bytes) -> bytes:
    """Inverse of :func:`encrypt_3des`."""
    decryptor = _cbc(key, data).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def retail_mac(key: bytes | bytearray, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 over ``pad(data)``, 8 bytes.

    Single DES with K1 in CBC over every block but the last; the last block goes through the
    full 3DES (E K1, D K2, E K1) chained on that result, which is the same as finishing the
    single-DES chain and then applying D K2, E K1.
    """
    _check_key(key)
    padded = pad(data)
    chain = _ZERO_IV
    if len(padded) > BLOCK:
        single = Cipher(TripleDES(bytes(key[:BLOCK]) * 3), modes.CBC(_ZERO_IV)).encryptor()
        chain = (single.update(padded[:-BLOCK]) + single.finalize())[-BLOCK:]
    final = Cipher(_k1k2k1(key), modes.CBC(chain)).encryptor()
    return final.update(padded[-BLOCK:]) + final.finalize()


def _cbc(key: bytes | bytearray, data: bytes | bytearray) -> Cipher[modes.CBC]:
    _check_key(key)
    if len(data) % BLOCK:
        raise ValueError("3DES-CBC data must be a multiple of 8 bytes")
    return Cipher(_k1k2k1(key), modes.CBC(_ZERO_IV))


def _k1k2k1(key: bytes | bytearray) -> TripleDES:
    """The 24-byte form: ``cryptography`` deprecates the 16-byte shorthand for the same cipher."""
    return TripleDES(bytes(key) + bytes(key[:BLOCK]))


def _check_key(key: bytes | bytearray) -> None:
    if len(key) != KEY_SIZE:
        raise ValueError("a 2-key 3DES key is 16 bytes")
