"""Trust anchors (CSCA certificates) and the CSCA → Document Signer check of passive authentication.

The check is one hop, made directly with ``cryptography`` (``verify_directly_issued_by``,
which handles RSASSA-PSS, PKCS#1 v1.5 and ECDSA certificate signatures), not with
pyhanko-certvalidator. pyhanko-certvalidator does accept the Italian vectors, but:

* the ICAO 9303-12 PKI is exactly two levels, CSCA → Document Signer, with no policies, name
  constraints or intermediate CAs, so a general RFC 5280 path builder brings nothing to check;
* it is an asyncio engine built around revocation fetchers, while :mod:`kiosk.cie` is sans-IO;
* some CSCA certificates break RFC 5280 (Italy's master list has negative serials and a
  basicConstraints with a path length but cA false), and a full validator judges every
  extension, turning such quirks into failures that are neither "untrusted" nor "invalid";
  ``verify_directly_issued_by`` checks only the names and the signature. (A certificate that
  ``cryptography`` cannot parse at all, 11 of the ~620 in that list, is refused here too.);
* passive authentication needs three answers, not one: *trusted*, *untrusted* (no anchor issued
  the signer, e.g. a test card) and *invalid* (an anchor with the issuer's name and key identifier
  exists, yet the signature or a validity period says no), and with a direct check these come from
  the code's own branches instead of being guessed from exception types.

Validity is the shell model at the checking time (both certificates valid then): ICAO 9303-12
sets the Document Signer's validity to cover the life of the documents it signs. Two anchors may
share a subject (Italy's CSCA 04 and 05 do), so a subject key identifier that differs from the
signer's authority key identifier rules an anchor out before its signature is tried.
Revocation (the CSCA's CRL) needs I/O and is not checked here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from kiosk.cie.errors import CertificateInvalid

_PEM_MARKER = b"-----BEGIN"


@dataclass(frozen=True, slots=True)
class Certificate:
    """An X.509 certificate with the fields passive authentication needs, read once.

    Everything is read at load time so a malformed certificate fails there, with
    :class:`CertificateInvalid`, and never later in the middle of a check.
    """

    x509: x509.Certificate
    subject: str
    key_identifier: bytes | None
    authority_key_identifier: bytes | None
    not_before: datetime
    not_after: datetime

    def valid_at(self, at: datetime) -> bool:
        return self.not_before <= at <= self.not_after


class ChainStatus(enum.Enum):
    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class ChainCheck:
    status: ChainStatus
    anchor: Certificate | None


def load_certificate(der: bytes) -> Certificate:
    """One DER certificate; raises :class:`CertificateInvalid` if it cannot be used."""
    try:
        cert = x509.load_der_x509_certificate(der)
        # asn1crypto reads the key identifiers: cryptography parses every extension to give
        # one, and refuses some that real CSCA certificates carry (a basicConstraints with a
        # path length but cA false, in Italy's master list).
        parsed = asn1_x509.Certificate.load(der, strict=True)
        if parsed["signature_value"].unused_bits:
            # cryptography ignores the count, so the signature would verify with any value.
            raise CertificateInvalid("the signature BIT STRING has unused bits")
        return Certificate(
            x509=cert,
            subject=cert.subject.rfc4514_string(),
            key_identifier=parsed.key_identifier,
            authority_key_identifier=parsed.authority_key_identifier,
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
        )
    except (ValueError, TypeError, KeyError, x509.InvalidVersion) as exc:
        raise CertificateInvalid(str(exc) or type(exc).__name__) from None


def load_certificates(data: bytes) -> list[Certificate]:
    """The certificates of a DER file (one) or a PEM file (one or more)."""
    if data.lstrip().startswith(_PEM_MARKER):
        try:
            pems = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise CertificateInvalid(str(exc)) from None
        return [load_certificate(cert.public_bytes(Encoding.DER)) for cert in pems]
    return [load_certificate(data)]


def default_anchors() -> list[Certificate]:
    """The Italian CSCA certificates shipped with the package (Ministero dell'Interno)."""
    folder = resources.files("kiosk.cie").joinpath("data", "csca")
    entries = sorted(folder.iterdir(), key=lambda entry: entry.name)
    return [load_certificate(entry.read_bytes()) for entry in entries]


def _may_have_issued(anchor: Certificate, signer: Certificate) -> bool:
    if anchor.x509.subject != signer.x509.issuer:
        return False
    ids = (anchor.key_identifier, signer.authority_key_identifier)
    return None in ids or ids[0] == ids[1]


def _signed_by(signer: Certificate, anchor: Certificate) -> bool:
    try:
        signer.x509.verify_directly_issued_by(anchor.x509)
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def verify_chain(signer: Certificate, anchors: Iterable[Certificate], at: datetime) -> ChainCheck:
    """Whether ``signer`` was issued by one of ``anchors`` and both are valid at ``at`` (aware)."""
    candidates = [anchor for anchor in anchors if _may_have_issued(anchor, signer)]
    if not candidates:
        return ChainCheck(ChainStatus.UNTRUSTED, None)
    for anchor in candidates:
        if _signed_by(signer, anchor):
            valid = signer.valid_at(at) and anchor.valid_at(at)
            return ChainCheck(ChainStatus.TRUSTED if valid else ChainStatus.INVALID, anchor)
    return ChainCheck(ChainStatus.INVALID, None)
