"""The Diffie-Hellman group of the CIE's ICAO side: RFC 5114 §2.3, PACE parameterId 2.

EF.CardAccess names this group for PACE (PROTOCOL.md §4.1) and the virtual card uses it for
chip authentication too, with the parameters spelled out in DG14 as real cards do (§4.4). The
numbers are RFC 5114's; ``tests/sim`` checks that p and q are prime and that g has order q.

Every public value a terminal sends is checked to lie in the subgroup of order q before the
card uses it: otherwise a terminal could pick a value of small order and learn bits of the
card's secret exponent from the answers (a small-subgroup attack).
"""

from __future__ import annotations

import secrets

from kiosk.cie.bignum import powmod

P = int(
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF45"
    "61B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C0"
    "22E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1"
    "CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E514056425"
    "1CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375"
    "D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    16,
)
G = int(
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4A"
    "AC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2"
    "DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2"
    "767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9"
    "B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D"
    "1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    16,
)
Q = int("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3", 16)

# Public values and shared secrets travel as octet strings as long as p (ICAO 9303-11 §9.4).
SIZE = (P.bit_length() + 7) // 8


def private_exponent() -> int:
    """A secret exponent in [1, q-1]."""
    return secrets.randbelow(Q - 1) + 1


def encode(value: int) -> bytes:
    return value.to_bytes(SIZE, "big")


def peer_value(data: bytes) -> int | None:
    """A terminal's public value, or None unless it is an element of order q."""
    if len(data) != SIZE:
        return None
    value = int.from_bytes(data, "big")
    if not 1 < value < P - 1 or powmod(value, Q, P) != 1:
        return None
    return value
