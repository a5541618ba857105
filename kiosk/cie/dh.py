"""The IAS Diffie-Hellman key agreement, terminal side (PROTOCOL.md §2.2 steps 6, 8 and 9).

The group and both public values are kept as the bytes that crossed the wire, because DAPP
hashes exactly those bytes (§2.4); integers are only made for the arithmetic.

The modular exponentiations use GMP (:mod:`kiosk.cie.bignum`): ``cryptography`` 50 deprecates
finite-field DH and announces its removal, and its DH checks the group for a third of a second
at every key it builds from numbers. GMP's ``powmod`` is not constant-time, but the exponent
is fresh for every session and used for just two exponentiations, which leaves a timing
observer a single sample per secret. Python ints cannot be wiped either; the exponent lives
only in :func:`agree`'s frame.

What a card sends is checked before use: the group must be plausible, and the card's public
value must lie in the subgroup of order q, so that a broken or hostile card cannot steer the
shared secret into a small set of values.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.cie import tlv
from kiosk.cie.apdu import SHORT_MAX_DATA, Command, Response
from kiosk.cie.bignum import powmod
from kiosk.cie.errors import ProtocolError
from kiosk.cie.flow import Flow

INS_GET_DATA = 0xCB
INS_MSE = 0x22
CLA_CHAINING = 0x10
MIN_P_BITS = 1024

TAG_G, TAG_P, TAG_Q = 0x97, 0x98, 0x99
_GROUP_PATH = (0x70, 0xBFA101, 0xA3)
# GET DATA header lists, byte for byte as the middleware sends them (§2.2 steps 6a, 6b, 9).
_WHOLE_GROUP = bytes.fromhex("4D 08 70 06 BF A1 01 02 A3 80")
_GROUP_PART = {
    tag: bytes.fromhex(f"4D 0A 70 08 BF A1 01 04 A3 02 {tag:02X} 00")
    for tag in (TAG_G, TAG_P, TAG_Q)
}
_ICC_PUBLIC_KEY = bytes.fromhex("4D 04 A6 02 91 00")
# MSE SET KAT: algorithm 9B, key reference 81; the public value follows in DO 91.
_KAT_PREFIX = bytes.fromhex("80 01 9B 83 01 81")


@dataclass(frozen=True, slots=True)
class DhGroup:
    """The card's DH domain parameters, as it sent them."""

    g: bytes
    p: bytes
    q: bytes


@dataclass(frozen=True, slots=True)
class DhAgreement:
    """The outcome of the key agreement: what DAPP needs, and the shared secret K."""

    group: DhGroup
    pk_ifd: bytes
    pk_icc: bytes
    secret: bytes = field(repr=False)


def read_group(single_request: bool) -> Flow[DhGroup]:
    """GET DATA of g, p and q: in one request (Gemalto) or in three (the other families)."""
    if single_request:
        answer = yield _get_data(_WHOLE_GROUP)
        g, p, q = (_find(answer, *_GROUP_PATH, tag) for tag in (TAG_G, TAG_P, TAG_Q))
    else:
        parts = []
        for tag in (TAG_G, TAG_P, TAG_Q):
            answer = yield _get_data(_GROUP_PART[tag])
            parts.append(_find(answer, *_GROUP_PATH, tag))
        g, p, q = parts
    return _checked_group(g, p, q)


def agree(
    group: DhGroup, random_bytes: Callable[[int], bytes] = secrets.token_bytes
) -> Flow[DhAgreement]:
    """Send our public value (MSE SET KAT), fetch the card's, and compute K."""
    g, p, q = (int.from_bytes(value, "big") for value in (group.g, group.p, group.q))
    x = private_exponent(q, random_bytes)
    pk_ifd = _fixed(powmod(g, x, p), p)
    for command in mse_set_kat(pk_ifd):
        answer = yield command
        if not answer.ok:
            raise ProtocolError("MSE SET KAT refused", answer.sw)
    answer = yield _get_data(_ICC_PUBLIC_KEY)
    pk_icc = _find(answer, 0xA6, 0x91)
    y = int.from_bytes(pk_icc, "big")
    if not 1 < y < p - 1 or powmod(y, q, p) != 1:
        raise ProtocolError("the card's DH public value is not in the group")
    return DhAgreement(group, pk_ifd, pk_icc, _fixed(powmod(y, x, p), p))


def private_exponent(q: int, random_bytes: Callable[[int], bytes]) -> int:
    """x as the middleware draws it: q's byte length, first byte at most q's, odd (§2.2)."""
    size = (q.bit_length() + 7) // 8
    top = q >> (8 * (size - 1))
    draw = random_bytes(size)
    while draw[0] > top:
        draw = random_bytes(size)
    return int.from_bytes(draw, "big") | 1


def mse_set_kat(pk_ifd: bytes) -> list[Command]:
    """MSE SET KAT with our public value, in plain command chaining when over 255 bytes."""
    data = _KAT_PREFIX + tlv.encode(0x91, pk_ifd)
    pieces = [data[start : start + SHORT_MAX_DATA] for start in range(0, len(data), SHORT_MAX_DATA)]
    last = len(pieces) - 1
    return [
        Command(0x00 if index == last else CLA_CHAINING, INS_MSE, 0x41, 0xA6, piece)
        for index, piece in enumerate(pieces)
    ]


def _get_data(header_list: bytes) -> Command:
    """GET DATA without Le (case 3), as the middleware sends it."""
    return Command(0x00, INS_GET_DATA, 0x3F, 0xFF, header_list)


def _find(answer: Response, *path: int) -> bytes:
    if not answer.ok:
        raise ProtocolError("GET DATA refused", answer.sw)
    value = tlv.find(answer.data, *path)
    if not value:
        raise ProtocolError(f"GET DATA answer lacks {path[-1]:02X}")
    return value


def _checked_group(g: bytes, p: bytes, q: bytes) -> DhGroup:
    p_int, g_int, q_int = (int.from_bytes(value, "big") for value in (p, g, q))
    if p_int.bit_length() < MIN_P_BITS or not p_int & 1:
        raise ProtocolError("the card's DH prime is not a plausible prime")
    if not 1 < g_int < p_int - 1 or not 1 < q_int < p_int or powmod(g_int, q_int, p_int) != 1:
        raise ProtocolError("the card's DH generator does not have order q")
    return DhGroup(g, p, q)


def _fixed(value: int, p: int) -> bytes:
    """Big-endian in p's byte length, leading zeros kept (§2.2: UNCERTAIN, middleware form)."""
    return value.to_bytes((p.bit_length() + 7) // 8, "big")
