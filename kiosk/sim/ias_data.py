"""What a card profile keeps for the IAS applet: its keys and its PIN/PUK counters.

Keys are drawn once, when the card is made, and stored: a real card never changes its DH
domain, its DAPP CA key or its private keys, and regenerating them at every start would make
the public files (EF 1004, EF 1005, EF.SOD) disagree with the card that serves them. The PIN
and PUK counters are state a real card keeps in EEPROM, so they live here too and are saved
after every change.

The DAPP CA key is not ours to choose freely: every terminal signs its CVC with the
*published* private exponent of ``dapp-interop.json``, so the card's (n_CA, e_CA) must pair
with it (PROTOCOL.md §10).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from functools import cache
from importlib import resources
from math import gcd, lcm
from typing import Annotated, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator

from kiosk.cie import ids
from kiosk.cie.bignum import CrtKey

PIN_TRIES = 3
PUK_TRIES = 10
PIN_LENGTH = 8
RSA_BITS = 2048

# CHR of the card's DAPP CA key: four zero bytes, then the CAR that terminals put in their
# CVC (PROTOCOL.md §2.2 step 7). The value itself is ours: real cards' CARs are not published.
CA_CHR = bytes(4) + b"ITCIEDAP"
# CHA: the first 6 bytes are the CA_AID that terminals copy into their CVC (INFERRED: the CIE
# DF's AID); the last byte is a role we made up.
CA_CHA = ids.CIE_AID + b"\x01"


def _hex(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a hex string")
    return bytes.fromhex(value)


HexBytes = Annotated[bytes, PlainValidator(_hex), PlainSerializer(lambda b: b.hex().upper())]


def _pem_key(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a PEM private key")
    # Parsed only: the full RSA consistency check costs ~40 ms a key and runs at first use.
    key = serialization.load_pem_private_key(
        value.encode("ascii"), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("expected an RSA private key")
    return value


PemKey = Annotated[str, PlainValidator(_pem_key)]


class IasKeys(BaseModel):
    """The applet's key material (PROTOCOL.md §1.4); byte strings are hex in the JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dh_p: HexBytes
    dh_g: HexBytes
    dh_q: HexBytes
    ca_modulus: HexBytes
    ca_exponent: HexBytes
    ca_chr: HexBytes
    ca_cha: HexBytes
    dapp_key: PemKey
    auth_key: PemKey
    servizi_key: PemKey

    def private_key(self, reference: int) -> rsa.RSAPrivateKey:
        """Key 81 (authentication), 82 (DAPP) or 83 (Servizi)."""
        return _load_key(self._pem(reference))

    def crt_key(self, reference: int) -> CrtKey:
        """The same key as CRT numbers, for the card's raw RSA; made once per key and kept,
        as a chip keeps its keys ready rather than parsing them at every signature."""
        return _crt_key(self._pem(reference))

    def _pem(self, reference: int) -> str:
        return {0x81: self.auth_key, 0x82: self.dapp_key, 0x83: self.servizi_key}[reference]


def _digits(value: str) -> str:
    if len(value) != PIN_LENGTH or not value.isascii() or not value.isdigit():
        raise ValueError(f"must be {PIN_LENGTH} digits")
    return value


class PinState(BaseModel):
    """PIN and PUK as salted digests, with their remaining tries. Mutable: the card writes it
    back after each try.

    Only digests are stored, so a profile file never holds the digits a test or a demo typed
    (the suite scans every file it leaves for them). Eight digits are no match for a brute
    force, whatever the hash: this keeps values out of files, it does not protect them.
    """

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    salt: HexBytes
    pin_digest: HexBytes
    puk_digest: HexBytes
    pin_tries: int = Field(PIN_TRIES, ge=0, le=PIN_TRIES)
    puk_tries: int = Field(PUK_TRIES, ge=0, le=PUK_TRIES)

    @classmethod
    def create(cls, pin: str, puk: str) -> PinState:
        """Raises ValueError unless both are 8 digits."""
        salt = secrets.token_bytes(16)
        return cls(
            salt=salt,
            pin_digest=_code_digest(salt, _digits(pin).encode("ascii")),
            puk_digest=_code_digest(salt, _digits(puk).encode("ascii")),
        )

    def matches(self, candidate: bytes, *, is_pin: bool) -> bool:
        expected = self.pin_digest if is_pin else self.puk_digest
        return hmac.compare_digest(expected, _code_digest(self.salt, candidate))

    def set_pin(self, new: bytes) -> None:
        self.pin_digest = _code_digest(self.salt, new)


def _code_digest(salt: bytes, code: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", code, salt, 1000)


@cache
def _load_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


@cache
def _crt_key(pem: str) -> CrtKey:
    return CrtKey.from_private(_load_key(pem).private_numbers())


@cache
def interop() -> dict[str, bytes]:
    """The public DAPP constants of ``kiosk/cie/data/dapp-interop.json``, as bytes."""
    text = resources.files("kiosk.cie").joinpath("data/dapp-interop.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return {
        key.removesuffix("_hex"): bytes.fromhex(value)
        for key, value in raw.items()
        if key.endswith("_hex")
    }


def unsigned(value: int) -> bytes:
    """Big-endian, as short as the number allows: how the card writes g, p, q and n."""
    return value.to_bytes((value.bit_length() + 7) // 8, "big")


def pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def dapp_ca_public_key(private_exponent: int) -> tuple[int, int]:
    """(n_CA, e_CA) pairing with the published exponent (PROTOCOL.md §10).

    The primes come from ``cryptography``'s RSA generator; OpenSSL sets the top two bits of
    each, so n has 2048 bits and a top byte of at least ``90``, above the ``6A`` that starts
    every ISO 9796-2 message.
    """
    while True:
        numbers = rsa.generate_private_key(65537, RSA_BITS).private_numbers()
        lam = lcm(numbers.p - 1, numbers.q - 1)
        if gcd(private_exponent, lam) == 1:
            return numbers.public_numbers.n, pow(private_exponent, -1, lam)


def new_ias_keys() -> IasKeys:
    """Fresh key material for one card: about a second, dominated by the DH domain."""
    domain = dsa.generate_parameters(RSA_BITS).parameter_numbers()
    n_ca, e_ca = dapp_ca_public_key(int.from_bytes(interop()["ca_private_exponent"], "big"))
    return IasKeys(
        dh_p=unsigned(domain.p),
        dh_g=unsigned(domain.g),
        dh_q=unsigned(domain.q),
        ca_modulus=unsigned(n_ca),
        ca_exponent=unsigned(e_ca),
        ca_chr=CA_CHR,
        ca_cha=CA_CHA,
        dapp_key=pem(rsa.generate_private_key(65537, RSA_BITS)),
        auth_key=pem(rsa.generate_private_key(65537, RSA_BITS)),
        servizi_key=pem(rsa.generate_private_key(65537, RSA_BITS)),
    )
