"""Big-number arithmetic in native code: the modular exponentiations of DH, DAPP and PACE.

Python's ``pow`` on 2048-bit numbers cost each card operation about 100 ms of host CPU on the
CI machine (0.3-0.5 s on a Raspberry Pi 4) before the chip did anything. Measured here
(2026-12-07, 2-core x86_64, 2048-bit modulus): a 256-bit exponent, as in DH, 4.4 ms with
``pow`` and 0.9 ms with GMP; a full 2048-bit exponent 73 ms and 14 ms; with the CRT, a quarter
of that again. OpenSSL through ``cryptography`` was measured too and not taken: its RSA offers
no raw (unpadded) operation, which ISO 9796-2 needs, and its finite-field DH checks the group
for 325 ms whenever a key is built from numbers (and is deprecated since cryptography 50). So
GMP it is, through ``gmpy2``; the protocol modules keep plain ints and call these two helpers.

Shared by the terminal (:mod:`kiosk.cie`) and the virtual card (:mod:`kiosk.sim`): it is
arithmetic, not protocol, so sharing it hides no mistake of either side.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import gmpy2
from cryptography.hazmat.primitives.asymmetric import rsa


def powmod(base: int, exponent: int, modulus: int) -> int:
    """``pow(base, exponent, modulus)`` in GMP (not constant-time, like ``pow``)."""
    return int(gmpy2.powmod(base, exponent, modulus))


@dataclass(frozen=True, slots=True)
class CrtKey:
    """An RSA private key kept as its CRT parts, for raw (unpadded) private operations."""

    n: int
    p: int = field(repr=False)
    q: int = field(repr=False)
    dp: int = field(repr=False)
    dq: int = field(repr=False)
    qinv: int = field(repr=False)

    @classmethod
    def from_private(cls, numbers: rsa.RSAPrivateNumbers) -> CrtKey:
        return cls(numbers.public_numbers.n, numbers.p, numbers.q, numbers.dmp1, numbers.dmq1,
                   numbers.iqmp)

    @classmethod
    def from_primes(cls, p: int, q: int, d: int) -> CrtKey:
        if p < q:
            p, q = q, p
        return cls(p * q, p, q, d % (p - 1), d % (q - 1), rsa.rsa_crt_iqmp(p, q))

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    def private(self, value: int) -> int:
        """``value ** d mod n`` by Garner's recombination (RFC 8017 §5.1.2)."""
        if not 0 <= value < self.n:
            raise ValueError("the value must be below the modulus")
        m1 = gmpy2.powmod(value, self.dp, self.p)
        m2 = gmpy2.powmod(value, self.dq, self.q)
        h = (self.qinv * (m1 - m2)) % self.p
        return int(m2 + h * self.q)

