"""The card side of the ICAO tests, written independently of the terminal code under test.

The arithmetic is plain ``pow`` on RFC 5114 §2.3's published constants, the ciphers are
pycryptodome's, the hashes hashlib's: nothing here calls kiosk.cie's PACE, BAC, SM or DES code,
so a mistake there cannot be mirrored here. BER-TLV framing uses kiosk.cie.tlv (tested apart).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable

from asn1crypto import core
from Crypto.Cipher import DES, DES3

from kiosk.cie import tlv
from kiosk.cie.apdu import Command, Response

# RFC 5114 §2.3: 2048-bit MODP Group with 256-bit Prime Order Subgroup, as published.
P = int(
    "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF45"
    "61B2AA3016C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C0"
    "22E0B1EF4275BF7B6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1"
    "CAA6B7902D52526735488A0EF13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564"
    "251CCACB83E6B486F6B3CA3F7971506026C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F263"
    "75D7014103A4B54330C198AF126116D2276E11715F693877FAD7EF09CADB094AE91E1A1597",
    16,
)
G = int(
    "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4A"
    "AC0BB555BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2"
    "DDF463E5E9EC144B777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2"
    "767164E1DFC967C1FB3F2E55A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588"
    "B9B7D2BBD2DF016199ECD06E1557CD0915B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B52"
    "3D1DB246C32F63078490F00EF8D647D148D47954515E2327CFEF98C582664B4C0F6CC41659",
    16,
)
Q = int("8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3", 16)
PACE_OID = "0.4.0.127.0.7.2.2.4.1.1"
OK = Response(b"", 0x9000)


def seeded(seed: int) -> Callable[[int], bytes]:
    """A deterministic random source for the terminal."""
    return random.Random(seed).randbytes


def i2b(value: int) -> bytes:
    return value.to_bytes(256, "big")


def kdf(secret: bytes, counter: int) -> bytes:
    return hashlib.sha1(secret + counter.to_bytes(4, "big")).digest()[:16]


def ref_pad(data: bytes) -> bytes:
    return data + b"\x80" + bytes(-(len(data) + 1) % 8)


def ref_mac(key: bytes, data: bytes) -> bytes:
    chain = DES.new(key[:8], DES.MODE_CBC, iv=bytes(8)).encrypt(ref_pad(data))[-8:]
    return DES.new(key[:8], DES.MODE_ECB).encrypt(DES.new(key[8:], DES.MODE_ECB).decrypt(chain))


def key_object(public: bytes) -> bytes:
    """7F49 { 06 OID, 84 public value }, as ICAO 9303-11 §4.4.3.4 defines the token input."""
    oid = core.ObjectIdentifier(PACE_OID).contents
    return tlv.encode(0x7F49, tlv.encode(0x06, oid) + tlv.encode(0x84, public))


class RefSm:
    """The card's secure messaging: one SSC step per command and per answer."""

    def __init__(self, k_enc: bytes, k_mac: bytes, ssc: int) -> None:
        self.k_enc, self.k_mac, self.ssc = k_enc, k_mac, ssc

    def open(self, command: Command) -> Command | None:
        """The plain command inside a protected one (its Le folded in); None if the MAC fails."""
        self.ssc += 1
        objects = dict(tlv.decode(command.data))
        header = bytes((command.cla, command.ins, command.p1, command.p2))
        signed = self.ssc.to_bytes(8, "big") + ref_pad(header) + command.data[:-10]
        if ref_mac(self.k_mac, signed) != objects[0x8E]:
            return None
        data = b""
        if 0x87 in objects:
            data = DES3.new(self.k_enc, DES3.MODE_CBC, iv=bytes(8)).decrypt(objects[0x87][1:])
            data = data.rstrip(b"\x00")[:-1]
        le = objects.get(0x97)
        plain_le = None if le is None else (int.from_bytes(le, "big") or 256 ** len(le))
        return Command(command.cla & 0xE3, command.ins, command.p1, command.p2, data, plain_le)

    def answer(self, data: bytes = b"", sw: int = 0x9000) -> Response:
        self.ssc += 1
        body = b""
        if data:
            cryptogram = DES3.new(self.k_enc, DES3.MODE_CBC, iv=bytes(8)).encrypt(ref_pad(data))
            body += tlv.encode(0x87, b"\x01" + cryptogram)
        body += tlv.encode(0x99, sw.to_bytes(2, "big"))
        mac = ref_mac(self.k_mac, self.ssc.to_bytes(8, "big") + body)
        return Response(body + tlv.encode(0x8E, mac), 0x9000)


class FileCard:
    """An eMRTD application behind secure messaging: SELECT EF and READ BINARY, plus CA.

    ``chip_key`` is the DG14 private exponent; MSE SET KAT switches to the derived keys with
    SSC 0 after answering under the old ones, as ICAO 9303-11 §6.2 describes.
    """

    def __init__(self, sm: RefSm, files: dict[bytes, bytes], chip_key: int | None = None) -> None:
        self.sm, self.files, self.chip_key = sm, files, chip_key
        self.current: bytes | None = None
        self.selected: list[bytes] = []
        self.refuse_kat: int | None = None
        self.kat = b""
        self.log: list[Command] = []

    def __call__(self, command: Command) -> Response:
        self.log.append(command)
        plain = self.sm.open(command)
        if plain is None:
            return Response(b"", 0x6988)  # SM data objects incorrect: the card drops SM
        if plain.ins == 0xA4 and plain.p1 == 0x04:
            return self.sm.answer()
        if plain.ins == 0xA4:
            self.selected.append(plain.data)
            if plain.data not in self.files:
                return self.sm.answer(sw=0x6A82)
            self.current = plain.data
            return self.sm.answer()
        if plain.ins == 0xB0:
            assert self.current is not None
            offset = plain.p1 << 8 | plain.p2
            content = self.files[self.current]
            assert plain.le is not None
            return self.sm.answer(content[offset : offset + plain.le])
        if plain.ins == 0x22 and plain.p1 == 0x41 and plain.p2 == 0xA6:
            if self.refuse_kat is not None:
                return self.sm.answer(sw=self.refuse_kat)
            self.kat += plain.data
            answer = self.sm.answer()
            if command.cla & 0x10 == 0:
                self._switch_keys()
            return answer
        return self.sm.answer(sw=0x6D00)

    def _switch_keys(self) -> None:
        assert self.chip_key is not None
        public = int.from_bytes(tlv.find(self.kat, 0x91) or b"", "big")
        shared = i2b(pow(public, self.chip_key, P))
        self.sm = RefSm(kdf(shared, 1), kdf(shared, 2), 0)


class PaceCard:
    """A chip that runs PACE DH-GM-3DES with parameterId 2, then serves ``after``."""

    def __init__(self, can: bytes, seed: int = 7) -> None:
        self.k_pi = kdf(can, 3)
        self.rng = random.Random(seed)
        self.nonce = self.rng.randbytes(8)
        self.answers: dict[int, Response] = {}  # GA step → forced answer
        self.step = 0
        self.sm: RefSm | None = None
        self.after: Callable[[Command], Response] | None = None
        self.log: list[Command] = []

    def __call__(self, command: Command) -> Response:
        if self.sm is not None and self.after is not None:
            return self.after(command)
        self.log.append(command)
        if command.ins == 0x22:
            assert command.encode() == bytes.fromhex("0022C1A40F800A04007F00070202040101830102")
            return OK
        assert command.ins == 0x86
        self.step += 1
        if self.step in self.answers:
            return self.answers[self.step]
        inner = tlv.find(command.data, 0x7C)
        assert inner is not None
        answer: Callable[[bytes], Response] = getattr(self, f"_ga{self.step}")
        return answer(inner)

    def _ga1(self, inner: bytes) -> Response:
        assert inner == b""
        encrypted = DES3.new(self.k_pi, DES3.MODE_CBC, iv=bytes(8)).encrypt(self.nonce)
        return Response(tlv.encode(0x7C, tlv.encode(0x80, encrypted)), 0x9000)

    def _ga2(self, inner: bytes) -> Response:
        terminal = int.from_bytes(tlv.find(inner, 0x81) or b"", "big")
        key = self.rng.randrange(1, Q)
        self.generator = pow(G, int.from_bytes(self.nonce, "big"), P) * pow(terminal, key, P) % P
        self.map_public = pow(G, key, P)
        return Response(tlv.encode(0x7C, tlv.encode(0x82, i2b(self.map_public))), 0x9000)

    def _ga3(self, inner: bytes) -> Response:
        self.terminal_key = tlv.find(inner, 0x83) or b""
        key = self.rng.randrange(1, Q)
        self.card_key = i2b(pow(self.generator, key, P))
        shared = i2b(pow(int.from_bytes(self.terminal_key, "big"), key, P))
        self.k_enc, self.k_mac = kdf(shared, 1), kdf(shared, 2)
        return Response(tlv.encode(0x7C, tlv.encode(0x84, self.card_key)), 0x9000)

    def _ga4(self, inner: bytes) -> Response:
        if tlv.find(inner, 0x85) != ref_mac(self.k_mac, key_object(self.card_key)):
            return Response(b"", 0x6300)
        self.sm = RefSm(self.k_enc, self.k_mac, 0)
        token = ref_mac(self.k_mac, key_object(self.terminal_key))
        return Response(tlv.encode(0x7C, tlv.encode(0x86, token)), 0x9000)
