"""The PIN-less "genuine card present" check: INTERNAL AUTHENTICATE with the Servizi key (``83``).

PROTOCOL.md §2.9: the card signs the terminal's challenge with the private key of EF ``1005``
(PKCS#1 v1.5, block type 1, no DigestInfo), and the terminal opens the answer with the public key.
``cryptography``'s ``recover_data_from_signature`` with no hash algorithm does exactly that
opening (RSA public operation, then a strict type-1 padding check), so no modular arithmetic is
written here. The payload must *equal* the challenge: §2.9 only asks for the block to end with
it, but in a valid type-1 block the payload is all that follows the ``00`` separator, and a
card that signed more than the challenge did not answer this protocol.

This proves that the key of the card in the field answered; it says nothing about the holder,
and it is worth something only once EF ``1005`` has been matched with the ``A5`` hash of a
trusted EF.SOD (:mod:`kiosk.cie.sod`).
"""

from __future__ import annotations

from asn1crypto import keys
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.cie.errors import PublicKeyInvalid


def load_servizi_key(der: bytes) -> rsa.RSAPublicKey:
    """The RSA key of EF ``1005``: a PKCS#1 ``SEQUENCE {n, e}``, trimmed to its TLV."""
    try:
        numbers = keys.RSAPublicKey.load(der, strict=True).native
        return rsa.RSAPublicNumbers(numbers["public_exponent"], numbers["modulus"]).public_key()
    except (ValueError, TypeError, KeyError) as exc:
        raise PublicKeyInvalid(f"EF 1005 is not a PKCS#1 RSA public key: {exc}") from None


def verify_internal_authentication(key: rsa.RSAPublicKey, challenge: bytes, answer: bytes) -> bool:
    """Whether ``answer`` is the card's type-1 signature of exactly ``challenge`` under ``key``."""
    try:
        payload = key.recover_data_from_signature(answer, padding.PKCS1v15(), None)
    except (InvalidSignature, ValueError):
        return False
    return payload == challenge
