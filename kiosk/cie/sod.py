"""EF.SOD: the signed list of file hashes that passive authentication checks.

The CIE has two: EF ``1006`` in the IAS application (hashes of the NIS, the Servizi public key,
EF.DH…) and the ICAO EF.SOD (hashes of DG1…DG14). Both are a tag-``77`` object holding a CMS
ContentInfo → SignedData → LDSSecurityObject (ICAO 9303-10 §4.6.2), so one parser serves both.
The tag-``77`` wrapper is optional here: a CMS ContentInfo starts with ``30``, so the two forms
cannot be confused. After the wrapper only ``00``/``FF`` padding is allowed, because IAS EFs are
allocated larger than what they hold (PROTOCOL.md §2.11 hashes "trimmed" files).

asn1crypto parses the CMS part; the LDSSecurityObject is declared below with its core classes,
because asn1crypto does not know ICAO's content type. The IAS SOD numbers its entries with
one-byte INTEGERs that are negative in DER (``A5`` is -91), so hashes are keyed by the low byte
as two upper-case hex digits: ``"A5"``, ``"1B"``, ``"01"``, ``"0B"``.

Everything is read and checked for shape in :func:`parse_sod`, so a malformed SOD raises
:class:`SodMalformed` there and the checks that follow only answer yes or no.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from asn1crypto import algos, cms, core
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from kiosk.cie.csca import Certificate, load_certificate
from kiosk.cie.errors import CertificateInvalid, SodMalformed, SodUnsupported

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
_SOD_TAG = 0x77
_PADDING = b"\x00\xff"

_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


# asn1crypto has no type information, so mypy sees its base classes as Any (hence the ignores),
# and declares fields as mutable class attributes (hence the noqa).
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


class FileCheck(enum.Enum):
    MATCH = "match"
    MISMATCH = "mismatch"
    ABSENT = "absent"  # the SOD lists no hash for this tag


@dataclass(frozen=True, slots=True)
class SecurityObject:
    """A parsed EF.SOD: what it vouches for, who signed it, and what the signature covers."""

    hash_algorithm: str
    hashes: Mapping[str, bytes]
    signer: Certificate
    content: bytes
    digest_algorithm: str
    message_digest: bytes
    content_type_attribute: str
    signed_attributes: bytes
    signature: bytes
    signature_padding: padding.AsymmetricPadding | None  # None for ECDSA
    signature_hash: str


def parse_sod(data: bytes) -> SecurityObject:
    """Parse an EF.SOD, with or without its tag-``77`` wrapper."""
    try:
        return _parse_content_info(_unwrap(data))
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise SodMalformed(f"EF.SOD does not parse: {exc}") from None


def verify_signature(sod: SecurityObject) -> bool:
    """The signed attributes bind the LDSSecurityObject and the signer's signature covers them."""
    if _digest(sod.digest_algorithm, sod.content) != sod.message_digest:
        return False
    if sod.content_type_attribute != LDS_SECURITY_OBJECT:
        return False
    key = sod.signer.x509.public_key()
    algorithm = _HASHES[sod.signature_hash]()
    try:
        if isinstance(key, rsa.RSAPublicKey) and sod.signature_padding is not None:
            key.verify(sod.signature, sod.signed_attributes, sod.signature_padding, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and sod.signature_padding is None:
            key.verify(sod.signature, sod.signed_attributes, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def check_files(sod: SecurityObject, files: Mapping[str, bytes]) -> dict[str, FileCheck]:
    """Hash each file (keyed like :attr:`SecurityObject.hashes`) and compare with the SOD."""
    out: dict[str, FileCheck] = {}
    for tag, content in files.items():
        expected = sod.hashes.get(tag)
        if expected is None:
            out[tag] = FileCheck.ABSENT
        elif _digest(sod.hash_algorithm, content) == expected:
            out[tag] = FileCheck.MATCH
        else:
            out[tag] = FileCheck.MISMATCH
    return out


def _digest(name: str, data: bytes) -> bytes:
    h = hashes.Hash(_HASHES[name]())
    h.update(data)
    return h.finalize()


def _hash_name(algorithm: algos.DigestAlgorithm) -> str:
    name = algorithm["algorithm"].native
    if name not in _HASHES:
        raise SodUnsupported(f"digest algorithm {name} is not supported")
    if algorithm["parameters"].native is not None:
        raise SodMalformed(f"{name} takes no parameters (absent or NULL)")
    return str(name)


def _unwrap(data: bytes) -> bytes:
    if data[:1] == b"\x30":
        return data
    if data[:1] != bytes((_SOD_TAG,)):
        raise SodMalformed("neither a tag-77 EF.SOD nor a CMS ContentInfo")
    outer = core.Asn1Value.load(data)
    if data[len(outer.dump()) :].strip(_PADDING):
        raise SodMalformed("data after the EF.SOD object")
    return bytes(outer.contents)


def _parse_content_info(der: bytes) -> SecurityObject:
    info = cms.ContentInfo.load(der, strict=True)
    if info["content_type"].native != "signed_data":
        raise SodMalformed("the ContentInfo is not a SignedData")
    signed = info["content"]
    # ICAO 9303-10 fixes it at 3, as RFC 5652 §5.1 does for a content other than id-data.
    if signed["version"].native != "v3":
        raise SodMalformed("the SignedData version is not 3")
    encap = signed["encap_content_info"]
    if encap["content_type"].dotted != LDS_SECURITY_OBJECT:
        raise SodMalformed("the SignedData does not hold an LDSSecurityObject")
    content = bytes(encap["content"])
    lds = LdsSecurityObject.load(content, strict=True)
    if len(signed["signer_infos"]) != 1:
        raise SodMalformed("an EF.SOD has exactly one SignerInfo")
    signer_info = signed["signer_infos"][0]
    # RFC 5652 §5.3: version 1 names the signer by issuer and serial, version 3 by key identifier.
    version = 1 if signer_info["sid"].name == "issuer_and_serial_number" else 3
    if signer_info["version"].native != f"v{version}":
        raise SodMalformed("the SignerInfo version does not match how it names the signer")
    message_digest, content_type = _signed_attributes(signer_info)
    digest_algorithm = _hash_name(signer_info["digest_algorithm"])
    if digest_algorithm not in {a["algorithm"].native for a in signed["digest_algorithms"]}:
        raise SodMalformed("the signer's digest algorithm is not among the SignedData's")
    signature_padding, signature_hash = _signature_scheme(signer_info, digest_algorithm)
    return SecurityObject(
        hash_algorithm=_hash_name(lds["hash_algorithm"]),
        hashes=_data_group_hashes(lds),
        signer=_signer_certificate(signed, signer_info),
        content=content,
        digest_algorithm=digest_algorithm,
        message_digest=message_digest,
        content_type_attribute=content_type,
        signed_attributes=signer_info["signed_attrs"].untag().dump(),
        signature=signer_info["signature"].native,
        signature_padding=signature_padding,
        signature_hash=signature_hash,
    )


def _data_group_hashes(lds: LdsSecurityObject) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for entry in lds["data_group_hash_values"]:
        number = entry["data_group_number"].native
        if not -0x80 <= number <= 0xFF:
            raise SodMalformed(f"data-group number {number} is not one byte")
        key = f"{number & 0xFF:02X}"
        if key in out:
            raise SodMalformed(f"data group {key} is listed twice")
        out[key] = entry["data_group_hash_value"].native
    return out


def _signed_attributes(signer_info: cms.SignerInfo) -> tuple[bytes, str]:
    """The messageDigest and the contentType (dotted) of the signed attributes."""
    found: dict[str, core.Asn1Value] = {}
    for attribute in signer_info["signed_attrs"]:
        name = attribute["type"].native
        if name not in ("message_digest", "content_type"):
            continue
        values = attribute["values"]
        if name in found or len(values) != 1:
            raise SodMalformed(f"signed attribute {name} must appear once with one value")
        found[name] = values[0]
    if len(found) != 2:
        raise SodMalformed("the signed attributes lack messageDigest or contentType")
    return found["message_digest"].native, found["content_type"].dotted


def _signature_scheme(
    signer_info: cms.SignerInfo, digest_algorithm: str
) -> tuple[padding.AsymmetricPadding | None, str]:
    """The padding (``None`` for ECDSA) and hash of the signature over the signed attributes.

    PKCS#1 v1.5 and ECDSA use the SignerInfo's digest algorithm (RFC 5652 §5.4); RSASSA-PSS
    carries its own hash, mask generation hash and salt length (RFC 4055 §3.1).
    """
    algorithm = signer_info["signature_algorithm"]
    scheme = algorithm.signature_algo
    if scheme == "rsassa_pkcs1v15":
        return padding.PKCS1v15(), digest_algorithm
    if scheme == "ecdsa":
        return None, digest_algorithm
    if scheme != "rsassa_pss":
        raise SodUnsupported(f"signature algorithm {scheme} is not supported")
    params = algorithm["parameters"]
    mgf = params["mask_gen_algorithm"]
    if mgf["algorithm"].native != "mgf1" or params["trailer_field"].native != "trailer_field_bc":
        raise SodUnsupported("RSASSA-PSS without MGF1 or the BC trailer")
    mgf_hash = _HASHES[_hash_name(mgf["parameters"])]()
    pss = padding.PSS(mgf=padding.MGF1(mgf_hash), salt_length=params["salt_length"].native)
    return pss, _hash_name(params["hash_algorithm"])


def _signer_certificate(signed: cms.SignedData, signer_info: cms.SignerInfo) -> Certificate:
    """The certificate named by the SignerInfo's sid among those the SOD embeds."""
    sid = signer_info["sid"]
    for choice in signed["certificates"] or ():
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            named = sid.chosen["issuer"] == cert.issuer and (
                sid.chosen["serial_number"].native == cert.serial_number
            )
        else:
            named = sid.chosen.native == cert.key_identifier
        if named:
            return _usable(cert.dump())
    raise SodMalformed("the EF.SOD does not embed its signer's certificate")


def _usable(der: bytes) -> Certificate:
    try:
        certificate = load_certificate(der)
        certificate.x509.public_key()
    except CertificateInvalid as exc:
        raise SodMalformed(f"signer certificate: {exc.reason}") from None
    except UnsupportedAlgorithm as exc:
        raise SodUnsupported(f"signer key: {exc}") from None
    return certificate
