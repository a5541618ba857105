"""The files of the CIE's ICAO application (LDS 1), encoded as ICAO 9303-10 lays them out.

Each builder takes plain values and returns a whole file, tag and length included, because
that is what EF.SOD hashes and what a terminal reads. Where the Ministry test card was
published (``vectors/test-card-dg1.bin``, ``test-card-dg11.bin``) the layout copies it tag for
tag; DG12's tags are the ICAO ones, as which of them CIEs carry is UNCERTAIN (PROTOCOL.md §4.4).

The security infos are declared here with asn1crypto rather than borrowed from the terminal's
parser (DESIGN.md §2): writer and reader must not share their mistakes.
"""

from __future__ import annotations

import datetime as dt

from asn1crypto import core, keys

from kiosk.cie import tlv
from kiosk.sim import rfc5114

# EF.CardAccess of a real CIE, byte for byte (PROTOCOL.md §4.1): one PACEInfo,
# id-PACE-DH-GM-3DES-CBC-CBC, version 2, parameterId 2.
CARD_ACCESS = bytes.fromhex("31 14 30 12 06 0A 04 00 7F 00 07 02 02 04 01 01 02 01 02 02 01 02")

ID_CA_DH_3DES = "0.4.0.127.0.7.2.2.3.1.1"
ID_PK_DH = "0.4.0.127.0.7.2.2.1.1"
ID_TA = "0.4.0.127.0.7.2.2.2"

# Data group number → the tag its file starts with (ICAO 9303-10 §4.6).
TAGS = {1: 0x61, 2: 0x75, 11: 0x6B, 12: 0x6C, 14: 0x6E}
# LDS and Unicode versions as the Italian .NET SDK expects them in EF.COM (PROTOCOL.md §1.5).
LDS_VERSION, UNICODE_VERSION = b"0107", b"040000"


class SecurityInfo(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("protocol", core.ObjectIdentifier),
        ("required_data", core.Any),
    ]


class SecurityInfos(core.SetOf):  # type: ignore[misc]
    _child_spec = SecurityInfo


def _tag_list(tags: list[int]) -> bytes:
    return tlv.encode(0x5C, b"".join(tag.to_bytes(2 if tag > 0xFF else 1, "big") for tag in tags))


def _template(tag: int, items: list[tuple[int, bytes]]) -> bytes:
    """``tag { 5C <tags of the items>, items }``: the layout of DG11 and DG12."""
    body = _tag_list([item_tag for item_tag, _ in items])
    body += b"".join(tlv.encode(item_tag, value) for item_tag, value in items)
    return tlv.encode(tag, body)


def ef_com(groups: list[int]) -> bytes:
    body = tlv.encode(0x5F01, LDS_VERSION) + tlv.encode(0x5F36, UNICODE_VERSION)
    return tlv.encode(0x60, body + _tag_list([TAGS[number] for number in groups]))


def dg1(mrz: str) -> bytes:
    return tlv.encode(0x61, tlv.encode(0x5F1F, mrz.encode("ascii")))


def dg2(facial_record: bytes) -> bytes:
    """One face: the biometric header says facial features (81 02) in the ISO/IEC JTC 1 SC 37
    format (87 0101) for faces (88 0008), then 5F2E carries the 19794-5 record."""
    header = tlv.encode(
        0xA1,
        tlv.encode(0x80, b"\x01\x01")
        + tlv.encode(0x81, b"\x02")
        + tlv.encode(0x87, b"\x01\x01")
        + tlv.encode(0x88, b"\x00\x08"),
    )
    instance = tlv.encode(0x7F60, header + tlv.encode(0x5F2E, facial_record))
    return tlv.encode(0x75, tlv.encode(0x7F61, tlv.encode(0x02, b"\x01") + instance))


def dg11(
    full_name: str, codice_fiscale: str, birth: dt.date, birth_place: str, address: str
) -> bytes:
    """Like the test card's: name, codice fiscale as personal number, full date of birth,
    place of birth and address, each ``<``-separated as on the card."""
    return _template(
        0x6B,
        [
            (0x5F0E, full_name.encode("utf-8")),
            (0x5F10, codice_fiscale.encode("ascii")),
            (0x5F2B, birth.strftime("%Y%m%d").encode("ascii")),
            (0x5F11, birth_place.encode("utf-8")),
            (0x5F42, address.encode("utf-8")),
        ],
    )


def dg12(authority: str, issued: dt.date) -> bytes:
    return _template(
        0x6C,
        [
            (0x5F19, authority.encode("utf-8")),
            (0x5F26, issued.strftime("%Y%m%d").encode("ascii")),
        ],
    )


def dg14(chip_public_key: int) -> bytes:
    """Chip authentication v1 with DH and 3DES, terminal authentication v1 (as real DG14s
    list it, PROTOCOL.md §4.4), and the chip's DH key with the group spelt out (X9.42)."""
    public_key = keys.PublicKeyInfo(
        {
            "algorithm": {
                "algorithm": "dh",
                "parameters": {"p": rfc5114.P, "g": rfc5114.G, "q": rfc5114.Q},
            },
            "public_key": core.Integer(chip_public_key),
        }
    )
    infos = SecurityInfos(
        [
            {"protocol": ID_CA_DH_3DES, "required_data": core.Integer(1)},
            {"protocol": ID_TA, "required_data": core.Integer(1)},
            {"protocol": ID_PK_DH, "required_data": public_key},
        ]
    )
    der: bytes = infos.dump()
    return tlv.encode(0x6E, der)
