"""GMP arithmetic against Python's own, and the terminal key's primes against the published
modulus (so that the CRT signature is the published key's signature, bit for bit)."""

from __future__ import annotations

import json
import secrets
from importlib import resources

import gmpy2
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.cie.bignum import CrtKey, powmod
from kiosk.cie.dapp import interop_constants


def test_powmod_is_pow() -> None:
    modulus = secrets.randbits(2048) | 1
    base, exponent = secrets.randbelow(modulus), secrets.randbits(256)
    assert powmod(base, exponent, modulus) == pow(base, exponent, modulus)


def test_the_crt_gives_the_plain_private_operation() -> None:
    numbers = rsa.generate_private_key(65537, 2048).private_numbers()
    key = CrtKey.from_private(numbers)
    value = secrets.randbelow(key.n)
    assert key.private(value) == pow(value, numbers.d, key.n)
    assert CrtKey.from_primes(numbers.q, numbers.p, numbers.d).private(value) == key.private(value)


def test_the_shipped_primes_are_those_of_the_published_terminal_key() -> None:
    raw = json.loads(resources.files("kiosk.cie").joinpath("data/dapp-ifd-primes.json")
                     .read_text("utf-8"))
    p, q = int(raw["ifd_p_hex"], 16), int(raw["ifd_q_hex"], 16)
    k = interop_constants()
    assert p * q == k.ifd_n and gmpy2.is_prime(p) and gmpy2.is_prime(q)
    block = secrets.randbelow(k.ifd_n)
    assert k.ifd_key.private(block) == pow(block, k.ifd_d, k.ifd_n)
