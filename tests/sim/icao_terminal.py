"""A throw-away terminal for the virtual CIE's ICAO applet: PACE-CAN, BAC, chip authentication.

Written from PROTOCOL.md §4 and ICAO 9303-11 with pycryptodome, ``pow`` and asn1crypto, and
sharing nothing with ``kiosk.cie`` or the card's protocol code (DESIGN.md §2); it extends the
IAS test terminal's secure messaging, which already follows the ICAO layout. The only thing
taken from the card's package is the RFC 5114 group, which the tests check on its own.
"""

from __future__ import annotations

import hashlib
import secrets

from asn1crypto import core, keys
from Crypto.Cipher import DES3

from kiosk.sim import rfc5114
from tests.sim.terminal import Terminal, parse, retail_mac, tlv

OK = b"\x90\x00"
PACE_OID = bytes.fromhex("04007F00070202040101")
ICAO_AID = bytes.fromhex("A0000002471001")
P, G, Q = rfc5114.P, rfc5114.G, rfc5114.Q


def sha1_key(data: bytes, counter: int) -> bytes:
    return hashlib.sha1(data + counter.to_bytes(4, "big")).digest()[:16]


def number(value: int) -> bytes:
    return value.to_bytes(256, "big")


def extended(header: str, data: bytes) -> bytes:
    """Extended Lc and an extended Le of 00 00."""
    return bytes.fromhex(header) + b"\x00" + len(data).to_bytes(2, "big") + data + b"\x00\x00"


def dynamic(answer: bytes, tag: int) -> bytes:
    return parse(parse(answer)[0x7C])[tag]


def encrypt(key: bytes, data: bytes) -> bytes:
    return DES3.new(key, DES3.MODE_CBC, iv=bytes(8)).encrypt(data)


def decrypt(key: bytes, data: bytes) -> bytes:
    return DES3.new(key, DES3.MODE_CBC, iv=bytes(8)).decrypt(data)


# asn1crypto ships no type information (follow_imports = skip), so its classes are Any.
class SecurityInfo(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("required_data", core.Any),
        ("optional_data", core.Any, {"optional": True}),
    ]


class SecurityInfos(core.SetOf):  # type: ignore[misc]  # asn1crypto is untyped
    _child_spec = SecurityInfo


class IcaoTerminal(Terminal):
    """The IAS test terminal plus the ICAO ways to open a channel; ``send`` is protected."""

    def pace(self, can: str, *, parameter_id: bool = True) -> bytes:
        """PACE with the CAN (§4.2); the SW of GA4, with SM set up when it is 9000."""
        objects = tlv(0x80, PACE_OID) + tlv(0x83, b"\x02")
        if parameter_id:
            objects += tlv(0x84, b"\x02")
        assert self.plain(bytes.fromhex("0022C1A4") + bytes((len(objects),)) + objects)[1] == OK
        k_pi = sha1_key(can.encode("ascii"), 3)
        answer, sw = self.plain("10860000027C0000")
        assert sw == OK
        nonce = int.from_bytes(decrypt(k_pi, dynamic(answer, 0x80)), "big")
        x_map = secrets.randbelow(Q - 1) + 1
        mapping = number(pow(G, x_map, P))
        answer, sw = self.plain(extended("10860000", tlv(0x7C, tlv(0x81, mapping))))
        assert sw == OK
        mapped = pow(G, nonce, P) * pow(int.from_bytes(dynamic(answer, 0x82), "big"), x_map, P) % P
        x_eph = secrets.randbelow(Q - 1) + 1
        own = number(pow(mapped, x_eph, P))
        answer, sw = self.plain(extended("10860000", tlv(0x7C, tlv(0x83, own))))
        assert sw == OK
        chip = dynamic(answer, 0x84)
        secret = number(pow(int.from_bytes(chip, "big"), x_eph, P))
        k_enc, k_mac = sha1_key(secret, 1), sha1_key(secret, 2)
        token = retail_mac(k_mac, tlv(0x7F49, tlv(0x06, PACE_OID) + tlv(0x84, chip)))
        answer, sw = self.plain(bytes.fromhex("008600000C") + tlv(0x7C, tlv(0x85, token)) + b"\x00")
        if sw != OK:
            return sw
        expected = retail_mac(k_mac, tlv(0x7F49, tlv(0x06, PACE_OID) + tlv(0x84, own)))
        assert dynamic(answer, 0x86) == expected
        self.k_enc, self.k_mac, self.ssc = k_enc, k_mac, 0
        return sw

    def bac(self, mrz_information: str) -> bytes:
        """BAC (§4.3) after a plain SELECT of the application; the SW of MUTUAL AUTHENTICATE."""
        assert self.plain(bytes.fromhex("00A4040C07") + ICAO_AID)[1] == OK
        rnd_icc, sw = self.plain("0084000008")
        assert sw == OK and len(rnd_icc) == 8
        seed = hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]
        k_enc, k_mac = sha1_key(seed, 1), sha1_key(seed, 2)
        rnd_ifd, k_ifd = secrets.token_bytes(8), secrets.token_bytes(16)
        cryptogram = encrypt(k_enc, rnd_ifd + rnd_icc + k_ifd)
        command = cryptogram + retail_mac(k_mac, cryptogram)
        answer, sw = self.plain(bytes.fromhex("0082000028") + command + b"\x28")
        if sw != OK:
            return sw
        assert retail_mac(k_mac, answer[:32]) == answer[32:]
        plain = decrypt(k_enc, answer[:32])
        assert plain[:8] == rnd_icc and plain[8:16] == rnd_ifd
        session = bytes(a ^ b for a, b in zip(k_ifd, plain[16:], strict=True))
        self.k_enc, self.k_mac = sha1_key(session, 1), sha1_key(session, 2)
        self.ssc = int.from_bytes(rnd_icc[4:] + rnd_ifd[4:], "big")
        return sw

    def read(self, fid: str, chunk: int = 0xE7) -> bytes:
        """SELECT under SM and READ BINARY in chunks until the TLV's announced end."""
        assert self.send("A4020C", bytes.fromhex(fid)) == (b"", OK)
        head, sw = self.send("B00000", le=4)
        assert sw == OK
        size = head[1] if head[1] < 0x80 else int.from_bytes(head[2 : 2 + (head[1] & 0x7F)], "big")
        total = 1 + (1 if head[1] < 0x80 else 1 + (head[1] & 0x7F)) + size
        data = b""
        while len(data) < total:
            piece, sw = self.send(f"B0{len(data):04X}", le=min(chunk, total - len(data)))
            assert sw == OK, sw.hex()
            data += piece
        return data

    def chip_authentication(self, dg14: bytes) -> bytes:
        """MSE SET KAT with an ephemeral key against DG14's; the card's SW (§4.6)."""
        infos = SecurityInfos.load(parse(dg14)[0x6E])
        found = [info for info in infos if info["protocol"].dotted == "0.4.0.127.0.7.2.2.1.1"]
        public = keys.PublicKeyInfo.load(found[0]["required_data"].dump())
        domain = public["algorithm"]["parameters"]
        p, g = domain["p"].native, domain["g"].native
        chip = public["public_key"].parsed.native
        x = secrets.randbelow(domain["q"].native - 1) + 1
        _, sw = self.send("2241A6", tlv(0x91, pow(g, x, p).to_bytes(256, "big")))
        if sw == OK:
            secret = pow(chip, x, p).to_bytes(256, "big")
            self.k_enc, self.k_mac, self.ssc = sha1_key(secret, 1), sha1_key(secret, 2), 0
        return sw
