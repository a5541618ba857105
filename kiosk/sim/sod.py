"""Signing the IAS-side EF.SOD (EF 1006) of a virtual card, shaped like a real card's.

PROTOCOL.md §2.11 decoded a real one: tag ``77`` around a CMS SignedData (version 3) whose
content is an ICAO LDSSecurityObject (version 1, SHA-512, LDS "0108"/"040000"), entries
numbered with one-byte INTEGERs (``A5`` is -91 in DER), and an RSASSA-PSS signature
(SHA-512, MGF1-SHA-512, salt 64) over contentType and messageDigest. Copying that shape is the
point: a kiosk that verifies our cards then verifies real ones.

The LDSSecurityObject is declared here rather than imported from the terminal's parser
(DESIGN.md §2): the writer and the reader of a structure must not share their mistakes.
"""

from __future__ import annotations

import hashlib

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from kiosk.cie import tlv
from kiosk.sim.pki import Authority

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
SALT = 64


# asn1crypto has no type information: mypy sees its bases as Any, and its field lists are
# mutable class attributes by design.
class DataGroupHash(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashValues(core.SequenceOf):  # type: ignore[misc]
    _child_spec = DataGroupHash


class LdsVersionInfo(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("lds_version", core.PrintableString),
        ("unicode_version", core.PrintableString),
    ]


class LdsSecurityObject(core.Sequence):  # type: ignore[misc]
    _fields = [  # noqa: RUF012
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


def entry_number(tag: int) -> int:
    """The signed value whose one-byte DER encoding is ``tag`` (``0xA5`` → -91)."""
    return tag - 256 if tag & 0x80 else tag


def security_object(entries: list[tuple[int, bytes]], signer: Authority) -> bytes:
    """EF 1006 for ``(tag, trimmed file content)`` entries, signed by the document signer."""
    content = LdsSecurityObject(
        {
            "version": 1,
            "hash_algorithm": {"algorithm": "sha512"},
            "data_group_hash_values": [
                {
                    "data_group_number": entry_number(tag),
                    "data_group_hash_value": hashlib.sha512(data).digest(),
                }
                for tag, data in entries
            ],
            "lds_version_info": {"lds_version": "0108", "unicode_version": "040000"},
        }
    ).dump()
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [LDS_SECURITY_OBJECT]},
            {"type": "message_digest", "values": [hashlib.sha512(content).digest()]},
        ]
    )
    signature = signer.key.sign(
        attributes.dump(),
        padding.PSS(padding.MGF1(hashes.SHA512()), SALT),
        hashes.SHA512(),
    )
    certificate = asn1_x509.Certificate.load(
        signer.certificate.public_bytes(serialization.Encoding.DER)
    )
    pss = {
        "algorithm": "rsassa_pss",
        "parameters": {
            "hash_algorithm": {"algorithm": "sha512"},
            "mask_gen_algorithm": {
                "algorithm": "mgf1",
                "parameters": {"algorithm": "sha512"},
            },
            "salt_length": SALT,
            "trailer_field": "trailer_field_bc",
        },
    }
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha512"}],
            "encap_content_info": {
                "content_type": LDS_SECURITY_OBJECT,
                "content": content,
            },
            "certificates": [certificate],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": cms.SignerIdentifier(
                        name="issuer_and_serial_number",
                        value={
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        },
                    ),
                    "digest_algorithm": {"algorithm": "sha512"},
                    "signed_attrs": attributes,
                    "signature_algorithm": pss,
                    "signature": signature,
                }
            ],
        }
    )
    info: bytes = cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()
    return tlv.encode(0x77, info)
