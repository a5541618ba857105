"""DAPP, the terminal side: how the kiosk proves to the card that it is a CIE terminal, and
checks that the card holds the chip key, binding both to the DH values (PROTOCOL.md §2.4).

Every CIE client uses the same public interoperability constants (``data/dapp-interop.json``,
shipped as package data and never retyped): the terminal's RSA key, the fixed fields of its
card-verifiable certificate, and the private exponent of the "CA" that signs that certificate.
The CA's modulus is read from the card (GET DATA ``BF A0 04``), so the certificate is signed
for each card's CA key. When the card refuses it, the kiosk checks it with the card's own
(n, e), as the official middleware does before sending it: a card whose CA key does not pair
with the public exponent is an unsupported chip, not a protocol error. (Checking first would
cost a full 2048-bit exponentiation on every first contact with a CA key, for a refusal no
card of the field gives.)

The signatures are ISO/IEC 9796-2 scheme 1 with SHA-256 (``6A ‖ M1 ‖ H ‖ BC``, raw RSA). No
maintained library offers message-recovery RSA, so the few lines of it are written here on
:mod:`kiosk.cie.bignum`; what is signed and checked follows the middleware byte for byte.

The arithmetic is kept to what each operation needs. The terminal's own key is used through
its CRT parts (its primes, found once from the published n, e and d, are package data). The
CA's key is only an exponent
against each card's n_CA, with no primes to speed it up, so a certificate, which depends on
nothing but the CA key, is made and checked once per CA key and kept (cards of one issuing
batch share it; a kiosk meets few of them).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from asn1crypto.keys import RSAPublicKey

from kiosk.cie import tlv
from kiosk.cie.apdu import Command, Response
from kiosk.cie.bignum import CrtKey, powmod
from kiosk.cie.dh import DhAgreement
from kiosk.cie.errors import ProtocolError, UnsupportedChip
from kiosk.cie.flow import Flow
from kiosk.cie.secured import protected
from kiosk.cie.sm import SecureChannel, ssc_from_challenges

HASH_SIZE = 32
# Header list of GET DATA for the CA public key: 70 → BF A0 04 → 7F 49 (§2.2 step 7).
_CA_KEY_REQUEST = bytes.fromhex("4D 09 70 07 BF A0 04 03 7F 49 80")
_CA_KEY_PATH = (0x70, 0xBFA004, 0x7F49)


@dataclass(frozen=True, slots=True)
class InteropConstants:
    ifd_n: int
    ifd_d: int
    ifd_e: bytes
    ca_d: int
    sn_ifd: bytes
    cpi: bytes
    oid: bytes

    @property
    def chr(self) -> bytes:
        """The terminal's certificate holder reference: four zero bytes and SN.IFD."""
        return bytes(4) + self.sn_ifd

    @property
    def ifd_key(self) -> CrtKey:
        return _ifd_key(self.ifd_n, self.ifd_d)


@cache
def _ifd_key(n: int, d: int) -> CrtKey:
    """The terminal's key with its primes (``data/dapp-ifd-primes.json``, found once from the
    published n, e and d), checked against the published modulus."""
    raw = json.loads(
        resources.files("kiosk.cie").joinpath("data/dapp-ifd-primes.json").read_text("utf-8")
    )
    key = CrtKey.from_primes(int(raw["ifd_p_hex"], 16), int(raw["ifd_q_hex"], 16), d)
    if key.n != n:
        raise ValueError("dapp-ifd-primes.json does not factor the published IFD modulus")
    return key


@cache
def interop_constants() -> InteropConstants:
    raw = json.loads(
        resources.files("kiosk.cie").joinpath("data/dapp-interop.json").read_text("utf-8")
    )
    return InteropConstants(
        ifd_n=int(raw["ifd_modulus_hex"], 16),
        ifd_d=int(raw["ifd_private_exponent_hex"], 16),
        ifd_e=bytes.fromhex(raw["ifd_public_exponent_hex"]),
        ca_d=int(raw["ca_private_exponent_hex"], 16),
        sn_ifd=bytes.fromhex(raw["sn_ifd_hex"]),
        cpi=bytes.fromhex(raw["cpi_hex"]),
        oid=bytes.fromhex(raw["oid_base_hex"] + raw["oid_suffix_sha256_hex"]),
    )


@dataclass(frozen=True, slots=True)
class CaKey:
    """The card's DAPP CA public key and its references (GET DATA ``BF A0 04``)."""

    n: bytes
    e: bytes
    chr: bytes
    cha: bytes


@dataclass(frozen=True, slots=True)
class RsaKey:
    n: int
    e: int

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    @classmethod
    def from_pkcs1(cls, der: bytes) -> RsaKey:
        """A PKCS#1 ``SEQUENCE {n, e}`` as stored in EF 1004/1005, padding after it ignored."""
        try:
            key = RSAPublicKey.load(bytes(der), strict=False)
            return cls(int(key["modulus"].native), int(key["public_exponent"].native))
        except (ValueError, TypeError, KeyError) as exc:
            raise ProtocolError(f"not an RSA public key ({exc})") from None


def read_ca_key() -> Flow[CaKey]:
    answer = yield Command(0x00, 0xCB, 0x3F, 0xFF, _CA_KEY_REQUEST)
    if not answer.ok:
        raise ProtocolError("GET DATA of the DAPP CA key refused", answer.sw)
    template = tlv.find(answer.data, *_CA_KEY_PATH)
    if template is None:
        raise ProtocolError("the DAPP CA key answer lacks 7F49")
    fields = dict(tlv.decode(template))
    try:
        key = CaKey(n=fields[0x81], e=fields[0x82], chr=fields[0x5F20], cha=fields[0x5F4C])
    except KeyError as missing:
        raise ProtocolError(f"the DAPP CA key lacks {missing.args[0]:X}") from None
    if len(key.chr) <= 4 or len(key.cha) < 6 or not key.n or key.n[0] == 0:
        raise ProtocolError("the DAPP CA key references are malformed")
    return key


def _block_9796(message: bytes, digest: bytes, size: int) -> int:
    block = b"\x6a" + message + digest + b"\xbc"
    if len(block) != size:
        raise ValueError("ISO 9796-2 block must be as long as the modulus")
    return int.from_bytes(block, "big")


def _recover_9796(signature: bytes, key: RsaKey) -> tuple[bytes, bytes]:
    """The recoverable message and the digest inside an ISO 9796-2 scheme 1 signature."""
    s = int.from_bytes(signature, "big")
    if len(signature) != key.size or s >= key.n:
        raise ProtocolError("ISO 9796-2 signature of the wrong size")
    opened = powmod(s, key.e, key.n)
    for candidate in (opened, key.n - opened):
        block = candidate.to_bytes(key.size, "big")
        if block[0] == 0x6A and block[-1] == 0xBC:
            return block[1 : -1 - HASH_SIZE], block[-1 - HASH_SIZE : -1]
    raise ProtocolError("ISO 9796-2 signature does not open to 6A … BC")


def terminal_certificate(ca: CaKey, k: InteropConstants | None = None) -> bytes:
    """The CVC ``7F21 {5F37 signature, 5F38 remainder, 42 CAR}`` for this card's CA."""
    return _certificate(ca, k or interop_constants())


def _body(ca: CaKey, k: InteropConstants) -> tuple[bytes, int]:
    """The CVC body, and where its recoverable part ends (the rest goes in 5F38)."""
    ifd_n = k.ifd_n.to_bytes((k.ifd_n.bit_length() + 7) // 8, "big")
    body = k.cpi + ca.chr[4:] + k.chr + ca.cha[:6] + b"\x01" + k.oid + ifd_n + k.ifd_e
    return body, len(ca.n) - HASH_SIZE - 2


@lru_cache(maxsize=16)
def _certificate(ca: CaKey, k: InteropConstants) -> bytes:
    body, split = _body(ca, k)
    size = len(ca.n)
    block = _block_9796(body[:split], hashlib.sha256(body).digest(), size)
    signature = powmod(block, k.ca_d, int.from_bytes(ca.n, "big")).to_bytes(size, "big")
    return tlv.encode(0x7F21, tlv.encode(0x5F37, signature) + tlv.encode(0x5F38, body[split:])
                      + tlv.encode(0x42, ca.chr[4:]))


def pairs(ca: CaKey, k: InteropConstants | None = None) -> bool:
    """Whether the card's CA key opens the certificate signed with the published exponent."""
    k = k or interop_constants()
    signature = tlv.find(terminal_certificate(ca, k), 0x7F21, 0x5F37) or b""
    body, split = _body(ca, k)
    try:
        recovered, _digest = _recover_9796(
            signature, RsaKey(int.from_bytes(ca.n, "big"), int.from_bytes(ca.e, "big")))
    except ProtocolError:
        return False
    return recovered == body[:split]


def _dh_tail(dh: DhAgreement) -> bytes:
    return dh.group.g + dh.group.p + dh.group.q


def external_auth_data(rnd_icc: bytes, dh: DhAgreement,
                       random_bytes: Callable[[int], bytes] = secrets.token_bytes,
                       k: InteropConstants | None = None) -> bytes:
    """SN.IFD ‖ the terminal's signature binding the card's challenge to both DH values."""
    k = k or interop_constants()
    key = k.ifd_key
    prnd = random_bytes(key.size - HASH_SIZE - 2)
    digest = hashlib.sha256(prnd + dh.pk_ifd + k.sn_ifd + rnd_icc + dh.pk_icc
                            + _dh_tail(dh)).digest()
    signature = key.private(_block_9796(prnd, digest, key.size)).to_bytes(key.size, "big")
    return k.sn_ifd + signature


def check_internal_auth(answer: bytes, rnd_ifd: bytes, dh: DhAgreement, chip: RsaKey) -> None:
    """The card's answer is SN.ICC ‖ SIG, SIG opening to a digest over both DH values."""
    sn_icc, signature = answer[:8], answer[8:]
    prnd2, digest = _recover_9796(signature, chip)
    expected = hashlib.sha256(prnd2 + dh.pk_icc + sn_icc + rnd_ifd + dh.pk_ifd
                              + _dh_tail(dh)).digest()
    if digest != expected:
        raise ProtocolError("the chip's DAPP signature does not match this session")


def _require(answer: Response, step: str) -> Response:
    if not answer.ok:
        raise ProtocolError(f"DAPP: {step} refused", answer.sw)
    return answer


def authenticate(channel: SecureChannel, dh: DhAgreement, ca: CaKey, chip: RsaKey,
                 random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> Flow[None]:
    """Steps D1-D7 of §2.4 under secure messaging; afterwards the SSC restarts from the
    challenges, as both sides expect."""
    k = interop_constants()
    _require((yield from protected(channel, Command(
        0x00, 0x22, 0x81, 0xB6, bytes.fromhex("80 01 41 83 01 84"), le=256))), "MSE SET DST")
    answer = yield from protected(channel, Command(
        0x00, 0x2A, 0x00, 0xAE, terminal_certificate(ca, k)))
    if not answer.ok and not pairs(ca, k):
        raise UnsupportedChip("the card's DAPP CA key does not pair with the CIE constants")
    _require(answer, "PSO VERIFY CERTIFICATE")
    _require((yield from protected(channel, Command(
        0x00, 0x22, 0x81, 0xA4, tlv.encode(0x83, k.chr)))), "MSE SET AT (terminal)")
    rnd_icc = _require((yield from protected(channel, Command(
        0x00, 0x84, 0x00, 0x00, le=8))), "GET CHALLENGE").data
    if len(rnd_icc) != 8:
        raise ProtocolError("GET CHALLENGE did not give 8 bytes")
    _require((yield from protected(channel, Command(
        0x00, 0x82, 0x00, 0x00, external_auth_data(rnd_icc, dh, random_bytes, k)))),
        "EXTERNAL AUTHENTICATE")
    _require((yield from protected(channel, Command(
        0x00, 0x22, 0x41, 0xA4, bytes.fromhex("84 01 82 80 01 9B")))), "MSE SET AT (chip)")
    rnd_ifd = random_bytes(8)
    answer = _require((yield from protected(channel, Command(
        0x00, 0x88, 0x00, 0x00, rnd_ifd))), "INTERNAL AUTHENTICATE")
    check_internal_auth(answer.data, rnd_ifd, dh, chip)
    channel.reset_ssc(ssc_from_challenges(rnd_icc, rnd_ifd))
