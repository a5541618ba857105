"""The CIE authentication certificate (EF 1003): who it names, and whether to believe it.

The holder comes from the subject as the official clients read it (PROTOCOL.md §5.4): the CN
starts with the 16-character codice fiscale, givenName and surname are their own attributes.
The verdict comes from pyhanko-certvalidator (a maintained RFC 5280 path validator) against
the anchors the Comune configures, with the CIE policy OID ``1.3.76.47.4`` required.
Revocation uses the CRLs and OCSP responses handed in, never the network: fetching would be
I/O, which this package does not do, and a kiosk must not hang on an unreachable CRL
distribution point. pyhanko's own soft/hard-fail modes consult revocation data only for
certificates that declare a CRL or OCSP source, which would ignore a CRL the Comune configured;
so revocation information is always asked for, and the policy decides only what its *absence*
means (accepted under soft-fail, reported as "unknown"; refused under hard-fail). A revoked
certificate is refused under both. The validator's API is asynchronous; with fetching off it
awaits nothing external, so it runs to completion in a private event loop.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import x509
from cryptography import x509 as crypto_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
    ValidationError,
)
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from kiosk.cie.errors import ProtocolError

CIE_POLICY = "1.3.76.47.4"
CF_LENGTH = 16


class Revocation(enum.Enum):
    """What a missing or unreadable revocation answer means (from the configuration)."""

    OFF = "off"
    SOFT_FAIL = "soft-fail"
    HARD_FAIL = "hard-fail"


@dataclass(frozen=True, slots=True)
class Holder:
    codice_fiscale: str
    given_name: str
    surname: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """``valid`` with no reason, or not valid and why (a short stable phrase first); and what
    is known of revocation: ``good``, ``revoked``, ``unknown`` or ``not-checked``."""

    valid: bool
    reason: str | None = None
    revocation: str = "not-checked"

    @property
    def outcome(self) -> str:
        """``valid``, ``revoked``, ``untrusted`` or ``invalid``: what the kiosk's screen and the
        back-office's verdict each name in their own words."""
        if self.valid:
            return "valid"
        reason = self.reason or ""
        if self.revocation == "revoked" or reason.startswith("revoked"):
            return "revoked"
        if reason.startswith("untrusted"):
            return "untrusted"
        return "invalid"


def load(der_padded: bytes) -> x509.Certificate:
    """The certificate at the start of a padded file, trimmed to its DER length."""
    try:
        cert = x509.Certificate.load(bytes(der_padded), strict=False)
        cert.native  # noqa: B018 - parse it all now, so malformed input fails here
    except (ValueError, TypeError) as exc:
        raise ProtocolError(f"EF 1003 does not hold an X.509 certificate ({exc})") from None
    return cert


def holder(cert: x509.Certificate) -> Holder:
    subject = cert.subject.native
    common_name = str(subject.get("common_name", ""))
    return Holder(
        codice_fiscale=common_name[:CF_LENGTH],
        given_name=str(subject.get("given_name", "")),
        surname=str(subject.get("surname", "")),
    )


def signed(cert: x509.Certificate, message: bytes, signature: bytes) -> bool:
    """Whether the certificate's key signed ``message`` as key 81 does for level-3
    authentication: RSA, PKCS#1 v1.5 over SHA-256 of the message."""
    try:
        key = crypto_x509.load_der_x509_certificate(cert.dump()).public_key()
    except ValueError:
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def has_cie_policy(cert: x509.Certificate) -> bool:
    policies = cert.certificate_policies_value
    return policies is not None and any(
        policy["policy_identifier"].dotted == CIE_POLICY for policy in policies
    )


def verify(
    cert: x509.Certificate,
    anchors: Iterable[x509.Certificate],
    at: datetime,
    *,
    intermediates: Iterable[x509.Certificate] = (),
    crls: Iterable[bytes] = (),
    ocsps: Iterable[bytes] = (),
    revocation: Revocation = Revocation.SOFT_FAIL,
) -> Verdict:
    if not has_cie_policy(cert):
        return Verdict(False, f"not a CIE certificate (policy {CIE_POLICY} missing)")
    anchors, intermediates = list(anchors), list(intermediates)
    crls, ocsps = list(crls), list(ocsps)

    def context(check_revocation: bool) -> ValidationContext:
        rule = (
            RevocationCheckingRule.CRL_OR_OCSP_REQUIRED
            if check_revocation
            else RevocationCheckingRule.NO_CHECK
        )
        return ValidationContext(
            trust_roots=anchors,
            other_certs=intermediates,
            moment=at,
            allow_fetching=False,
            crls=crls,
            ocsps=ocsps,
            revinfo_policy=CertRevTrustPolicy(
                RevocationCheckingPolicy(rule, RevocationCheckingRule.NO_CHECK)
            ),
        )

    if revocation is Revocation.OFF:
        return _judge(cert, context(check_revocation=False), "not-checked")
    try:
        return _judge(cert, context(check_revocation=True), "good")
    except InsufficientRevinfoError as exc:
        if revocation is Revocation.HARD_FAIL:
            return Verdict(False, f"invalid: revocation unknown ({exc})", "unknown")
        return _judge(cert, context(check_revocation=False), "unknown")


def _judge(cert: x509.Certificate, context: ValidationContext, revocation: str) -> Verdict:
    """Validate for digital signatures; missing revocation data is left to the caller."""
    validator = CertificateValidator(cert, validation_context=context)
    try:
        # pyhanko-certvalidator leaves this coroutine unannotated.
        asyncio.run(validator.async_validate_usage({"digital_signature"}))  # type: ignore[no-untyped-call]
    except PathBuildingError:
        return Verdict(False, "untrusted: no configured anchor issued it", revocation)
    except RevokedError as exc:
        return Verdict(False, f"revoked: {exc}", "revoked")
    except InsufficientRevinfoError:
        raise
    except (PathValidationError, ValidationError) as exc:
        return Verdict(False, f"invalid: {exc}", revocation)
    return Verdict(True, None, revocation)
