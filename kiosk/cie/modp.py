"""The standardised DH group of PACE on the CIE, and the checks every received public value passes.

ICAO 9303-11 §9.5.1 numbers the standardised domain parameters; the CIE's EF.CardAccess names
parameterId 2, the 2048-bit MODP group with a 256-bit prime-order subgroup of RFC 5114 §2.3
(PROTOCOL.md §4.1). Its constants live here and nowhere else in the package; the tests check the
arithmetic against a copy typed from the RFC, so a mistake here cannot hide.

A public value from a card is used only if it lies strictly between 1 and p-1 and in the
subgroup of order q (y^q = 1 mod p): otherwise a hostile card could push the shared secret into
a small set of values (the same rule as :mod:`kiosk.cie.dh`).
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.cie.bignum import powmod
from kiosk.cie.errors import ProtocolError


@dataclass(frozen=True, slots=True)
class ModpGroup:
    """A prime-field DH group; ``q`` is None when the card's parameters do not name the order."""

    p: int
    g: int
    q: int | None

    @property
    def size(self) -> int:
        """The byte length of p, in which public values and shared secrets are written."""
        return (self.p.bit_length() + 7) // 8

    def encode(self, value: int) -> bytes:
        return value.to_bytes(self.size, "big")

    def checked_public(self, value: bytes, what: str) -> int:
        """The card's public value ``value`` as an int, or ProtocolError if it is unsafe."""
        y = int.from_bytes(value, "big")
        if len(value) > self.size or not 1 < y < self.p - 1:
            raise ProtocolError(f"{what} is out of range")
        if self.q is not None and powmod(y, self.q, self.p) != 1:
            raise ProtocolError(f"{what} is not in the subgroup")
        return y


# RFC 5114 §2.3, "2048-bit MODP Group with 256-bit Prime Order Subgroup".
RFC5114_2048_256 = ModpGroup(
    p=int(
        "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF45"
        "61B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C0"
        "22E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1"
        "CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564"
        "251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F263"
        "75D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
        16,
    ),
    g=int(
        "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4A"
        "AC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2"
        "DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2"
        "767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588"
        "B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B52"
        "3D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
        16,
    ),
    q=int("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3", 16),
)

# ICAO 9303-11 §9.5.1, Table: standardised domain parameters. Only the CIE's is implemented.
STANDARD_GROUPS = {2: RFC5114_2048_256}
