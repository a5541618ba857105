"""A throw-away terminal for driving the virtual CIE's IAS applet in tests.

Written from PROTOCOL.md §2 with pycryptodome primitives only, and on purpose sharing nothing
with ``kiosk.cie`` or ``kiosk.sim``: the card is checked against a third, independent reading
of the protocol (DESIGN.md §2).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path

from Crypto.Cipher import DES, DES3
from Crypto.PublicKey import RSA

from kiosk.sim.card import VirtualCie

INTEROP = json.loads(
    (Path(__file__).resolve().parents[2] / "kiosk/cie/data/dapp-interop.json").read_text()
)
IFD_N = int(INTEROP["ifd_modulus_hex"], 16)
IFD_D = int(INTEROP["ifd_private_exponent_hex"], 16)
IFD_E = bytes.fromhex(INTEROP["ifd_public_exponent_hex"])
CA_D = int(INTEROP["ca_private_exponent_hex"], 16)
SN_IFD = bytes.fromhex(INTEROP["sn_ifd_hex"])
CPI = bytes.fromhex(INTEROP["cpi_hex"])
OID = bytes.fromhex(INTEROP["oid_base_hex"] + INTEROP["oid_suffix_sha256_hex"])
CHR_IFD = bytes(4) + SN_IFD

SELECT_IAS = bytes.fromhex("00A4040C0DA0000000308000000009816001")
SELECT_CIE = bytes.fromhex("00A4040C06A00000000039")


def pad(data: bytes) -> bytes:
    return data + b"\x80" + bytes(-(len(data) + 1) % 8)


def unpad(data: bytes) -> bytes:
    body = data.rstrip(b"\x00")
    assert body.endswith(b"\x80")
    return body[:-1]


def retail_mac(key: bytes, data: bytes) -> bytes:
    k1, k2 = DES.new(key[:8], DES.MODE_ECB), DES.new(key[8:16], DES.MODE_ECB)
    chain = bytes(8)
    padded = pad(data)
    for start in range(0, len(padded), 8):
        block = padded[start : start + 8]
        chain = k1.encrypt(bytes(a ^ b for a, b in zip(chain, block, strict=True)))
    return k1.encrypt(k2.decrypt(chain))


def tlv(tag: int, value: bytes) -> bytes:
    size = len(value)
    if size < 0x80:
        length = bytes((size,))
    elif size < 0x100:
        length = bytes((0x81, size))
    else:
        length = b"\x82" + size.to_bytes(2, "big")
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big") + length + value


def parse(data: bytes) -> dict[int, bytes]:
    """Top-level BER-TLV objects; tags of up to 3 bytes."""
    found: dict[int, bytes] = {}
    pos = 0
    while pos < len(data):
        tag = data[pos]
        pos += 1
        if tag & 0x1F == 0x1F:
            while True:
                tag = tag << 8 | data[pos]
                pos += 1
                if not data[pos - 1] & 0x80:
                    break
        size = data[pos]
        pos += 1
        if size & 0x80:
            count = size & 0x7F
            size = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        found[tag] = data[pos : pos + size]
        pos += size
    return found


def rsa_raw(block: bytes, exponent: int, modulus: int) -> bytes:
    size = (modulus.bit_length() + 7) // 8
    return pow(int.from_bytes(block, "big"), exponent, modulus).to_bytes(size, "big")


class Terminal:
    """Plain APDUs, DH, secure messaging and DAPP, as a client would send them."""

    def __init__(self, card: VirtualCie) -> None:
        self.card = card
        self.k_enc = self.k_mac = b""
        self.ssc = 0
        self.g = self.p = self.q = b""
        self.pk_ifd = self.pk_icc = b""
        self.ca_n = self.ca_e = 0
        self.ca_chr = self.ca_cha = b""

    # -- plain ------------------------------------------------------------------------------

    def raw(self, apdu: bytes) -> bytes:
        answer = self.card.apdu(apdu)
        assert answer is not None
        return answer

    def plain(self, apdu: bytes | str) -> tuple[bytes, bytes]:
        """Send, follow 61xx with plain GET RESPONSE, return (data, SW)."""
        answer = self.raw(bytes.fromhex(apdu) if isinstance(apdu, str) else apdu)
        data, sw = answer[:-2], answer[-2:]
        while sw[0] == 0x61:
            more = self.raw(bytes.fromhex("00C00000") + sw[1:])
            data, sw = data + more[:-2], more[-2:]
        return data, sw

    def key_agreement(self) -> None:
        """§2.2: DH parameters (the family's form), CA key, MSE SET KAT, the card's half."""
        assert self.plain(SELECT_IAS)[1] == b"\x90\x00"
        if self.card.profile.family in ("Gemalto", "Gemalto2"):
            answer, sw = self.plain("00CB3FFF0A4D087006BFA10102A380")
            assert sw == b"\x90\x00"
            domain = parse(parse(parse(answer)[0x70])[0xBFA101])[0xA3]
            values = parse(domain)
            self.g, self.p, self.q = values[0x97], values[0x98], values[0x99]
        else:
            parts = []
            for tag in ("97", "98", "99"):
                answer, sw = self.plain(f"00CB3FFF0C4D0A7008BFA10104A302{tag}00")
                assert sw == b"\x90\x00"
                parts.append(parse(parse(parse(parse(answer)[0x70])[0xBFA101])[0xA3])[int(tag, 16)])
            self.g, self.p, self.q = parts
        answer, sw = self.plain("00CB3FFF0B4D097007BFA004037F4980")
        assert sw == b"\x90\x00"
        ca = parse(parse(parse(parse(answer)[0x70])[0xBFA004])[0x7F49])
        self.ca_n, self.ca_e = int.from_bytes(ca[0x81], "big"), int.from_bytes(ca[0x82], "big")
        self.ca_chr, self.ca_cha = ca[0x5F20], ca[0x5F4C]
        p, q = int.from_bytes(self.p, "big"), int.from_bytes(self.q, "big")
        x = secrets.randbelow(q - 1) + 1
        self.pk_ifd = pow(int.from_bytes(self.g, "big"), x, p).to_bytes(len(self.p), "big")
        data = bytes.fromhex("80019B830181") + tlv(0x91, self.pk_ifd)
        assert len(data) > 255  # plain chaining, CLA 10 then 00
        first = bytes.fromhex("102241A6FF") + data[:255]
        assert self.raw(first) == b"\x90\x00"
        rest = data[255:]
        assert self.raw(bytes.fromhex("002241A6") + bytes((len(rest),)) + rest) == b"\x90\x00"
        answer, sw = self.plain("00CB3FFF064D04A6029100")
        assert sw == b"\x90\x00"
        self.pk_icc = parse(parse(answer)[0xA6])[0x91]
        secret = pow(int.from_bytes(self.pk_icc, "big"), x, p).to_bytes(len(self.p), "big")
        self.k_enc = hashlib.sha256(secret + b"\x00\x00\x00\x01").digest()[:16]
        self.k_mac = hashlib.sha256(secret + b"\x00\x00\x00\x02").digest()[:16]
        self.ssc = 1

    # -- secure messaging -----------------------------------------------------------------

    def wrap(self, header: bytes, data: bytes, le: int | None) -> bytes:
        """A protected APDU for ``header`` (CLA INS P1 P2, CLA already 0C or 1C)."""
        self.ssc += 1
        objects = b""
        if data:
            cipher = DES3.new(self.k_enc, DES3.MODE_CBC, iv=bytes(8)).encrypt(pad(data))
            objects += tlv(0x87, b"\x01" + cipher)
        if le is not None:
            objects += tlv(0x97, bytes((le & 0xFF,)))
        mac = retail_mac(self.k_mac, self.ssc.to_bytes(8, "big") + pad(header) + objects)
        body = objects + tlv(0x8E, mac)
        return header + bytes((len(body),)) + body + b"\x00"

    def unwrap(self, answer: bytes) -> tuple[bytes, bytes]:
        """(data, inner SW) of a protected answer; a plain error SW comes back as it is."""
        data, sw = answer[:-2], answer[-2:]
        self.ssc += 1
        if sw != b"\x90\x00" or not data:
            return b"", sw
        objects = parse(data)
        covered = data[: data.index(b"\x8e\x08", len(data) - 10)]
        assert retail_mac(self.k_mac, self.ssc.to_bytes(8, "big") + covered) == objects[0x8E]
        plain = b""
        if 0x87 in objects:
            cryptogram = objects[0x87]
            assert cryptogram[0] == 1
            decrypted = DES3.new(self.k_enc, DES3.MODE_CBC, iv=bytes(8)).decrypt(cryptogram[1:])
            plain = unpad(decrypted)
        return plain, objects[0x99]

    def send(
        self, command: str, data: bytes = b"", *, le: int | None = None
    ) -> tuple[bytes, bytes]:
        """INS P1 P2 (hex) protected, chained in 231-byte pieces; the unwrapped answer."""
        header = bytes.fromhex(command)
        pieces = [data[i : i + 231] for i in range(0, len(data), 231)] or [b""]
        for piece in pieces[:-1]:
            answer = self._exchange(self.wrap(b"\x1c" + header, piece, None))
            _, sw = self.unwrap(answer)
            if sw != b"\x90\x00":
                return b"", sw
        return self.unwrap(self._exchange(self.wrap(b"\x0c" + header, pieces[-1], le)))

    def _exchange(self, apdu: bytes) -> bytes:
        data, sw = self.plain(apdu)
        return data + sw

    # -- DAPP -----------------------------------------------------------------------------

    def certificate(self, *, tamper: bool = False) -> bytes:
        """The terminal CVC of §2.4 D2, signed with the published CA exponent and n_CA."""
        car = self.ca_chr[4:]
        body = CPI + car + CHR_IFD + self.ca_cha[:6] + b"\x01" + OID
        body += IFD_N.to_bytes(256, "big") + IFD_E
        size = (self.ca_n.bit_length() + 7) // 8
        recovered, remainder = body[: size - 34], body[size - 34 :]
        block = b"\x6a" + recovered + hashlib.sha256(body).digest() + b"\xbc"
        signature = rsa_raw(block, CA_D, self.ca_n)
        assert rsa_raw(signature, self.ca_e, self.ca_n) == block  # e_CA pairs with the CA d
        if tamper:
            signature = signature[:-1] + bytes((signature[-1] ^ 1,))
        return tlv(0x7F21, tlv(0x5F37, signature) + tlv(0x5F38, remainder) + tlv(0x42, car))

    def external_signature(self, rnd_icc: bytes, *, pk_ifd: bytes | None = None) -> bytes:
        prnd = secrets.token_bytes(256 - 34)
        bound = (
            prnd
            + (pk_ifd or self.pk_ifd)
            + SN_IFD
            + rnd_icc
            + self.pk_icc
            + self.g
            + self.p
            + self.q
        )
        block = b"\x6a" + prnd + hashlib.sha256(bound).digest() + b"\xbc"
        return SN_IFD + rsa_raw(block, IFD_D, IFD_N)

    def dapp(self) -> None:
        """D1-D7 of §2.4, checking the card's INTERNAL AUTHENTICATE; then the SSC restart."""
        assert self.send("2281B6", bytes.fromhex("800141830184"), le=0) == (b"", b"\x90\x00")
        assert self.send("2A00AE", self.certificate()) == (b"", b"\x90\x00")
        assert self.send("2281A4", tlv(0x83, CHR_IFD)) == (b"", b"\x90\x00")
        rnd_icc, sw = self.send("840000", le=8)
        assert sw == b"\x90\x00" and len(rnd_icc) == 8
        assert self.send("820000", self.external_signature(rnd_icc)) == (b"", b"\x90\x00")
        assert self.send("2241A4", bytes.fromhex("84018280019B")) == (b"", b"\x90\x00")
        rnd_ifd = secrets.token_bytes(8)
        answer, sw = self.send("880000", rnd_ifd)
        assert sw == b"\x90\x00"
        sn_icc, signature = answer[:8], answer[8:]
        dapp = RSA.import_key(self.card.profile.files["cie:1004"])
        block = rsa_raw(signature, dapp.e, dapp.n)
        assert block[0] == 0x6A and block[-1] == 0xBC
        prnd2, digest = block[1:-33], block[-33:-1]
        bound = prnd2 + self.pk_icc + sn_icc + rnd_ifd + self.pk_ifd + self.g + self.p + self.q
        assert hashlib.sha256(bound).digest() == digest
        self.ssc = int.from_bytes(rnd_icc[4:8] + rnd_ifd[4:8], "big")

    def open_session(self) -> None:
        self.key_agreement()
        self.dapp()
