"""Enrollment (the kiosk's first contact with its back-office) and certificate renewal.

The technician's token is ``v1.<secret>.<ca_pin>``. The pin (base64url SHA-256 of the CA
certificate's DER) is what makes the one unverified request safe: the kiosk fetches the CA from
``/enroll/ca.pem`` without checking anything, then refuses it unless its pin is the token's, and
from then on trusts that CA alone. Only the secret goes back to the back-office, with a CSR for a
key made here and never sent. Nothing is written unless the whole exchange succeeded.

Renewal keeps the same key: the key never leaves the kiosk, so a new certificate for it loses
nothing, and the certificate is then the only file that changes (one atomic rename, safe
against a power cut). A kiosk whose key may be compromised is revoked and enrolled again.
"""

from __future__ import annotations

import hmac
import ssl
from datetime import UTC, datetime, timedelta

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec

from kiosk.uplink.client import UplinkClient, UplinkError, exchange
from kiosk.uplink.credentials import (
    ENROLLMENT,
    CredentialsError,
    Identity,
    Store,
    ca_pin,
    csr_pem,
    load_certificate,
    new_key,
    same_key,
)
from kiosk.uplink.schemas import CA_PATH, ENROLL_PATH, EnrollRequest, EnrollResponse, RenewRequest

TOKEN_VERSION = "v1"  # noqa: S105 - the format's version, not a secret


class EnrollError(CredentialsError):
    code = "ENROLL_REFUSED"


def parse_token(token: str) -> tuple[str, str]:
    """The secret and the CA pin. The token itself never goes into a message."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION or not parts[1] or len(parts[2]) != 43:
        raise EnrollError("the enrollment token is malformed: expected v1.<secret>.<pin> as "
                          "printed by 'kiosk backoffice kiosk add'", code="BAD_INPUT")
    return parts[1], parts[2]


def enroll(url: str, token: str, store: Store, *, timeout: float = 10.0,
           force: bool = False) -> Identity:
    """Enroll with the back-office's enrollment listener at ``url`` and store the identity."""
    if not force:
        refuse_if_enrolled(store)
    secret, pin = parse_token(token)
    base = url.rstrip("/")
    ca_pem = fetch_ca(base, pin, timeout)
    key = new_key()
    context = ssl.create_default_context(cadata=ca_pem.decode())
    with httpx.Client(verify=context, timeout=timeout, trust_env=False) as pinned:
        try:
            reply = exchange(pinned, "POST", base + ENROLL_PATH, EnrollResponse,
                             EnrollRequest(token=secret, csr=csr_pem(key)))
        except UplinkError as exc:
            raise _enroll_error(exc) from None
    if not hmac.compare_digest(ca_pin(reply.ca.encode()), pin):
        raise EnrollError("the back-office answered with another CA than the pinned one",
                          code="ENROLL_CA_MISMATCH")
    _check(reply.certificate.encode(), ca_pem, key)
    store.save(reply.kiosk, reply.api_url, key, reply.certificate.encode(), ca_pem)
    return store.load()


def refuse_if_enrolled(store: Store) -> None:
    if store.enrolled():
        meta = store.directory / ENROLLMENT
        raise EnrollError(f"already enrolled ({meta}); use --force to enroll again",
                          code="ALREADY_ENROLLED")


def fetch_ca(base: str, pin: str, timeout: float) -> bytes:
    """The back-office CA, accepted only if its pin is the token's: the one request made
    without verifying the server, because the pin verifies what it returns."""
    with httpx.Client(verify=False, timeout=timeout, trust_env=False) as unverified:  # noqa: S501
        try:
            response = unverified.get(base + CA_PATH)
        except httpx.HTTPError as exc:
            raise EnrollError(f"GET {base}{CA_PATH}: unreachable ({type(exc).__name__}: {exc})",
                              code="ENROLL_UNREACHABLE") from None
    if response.status_code != 200:
        raise EnrollError(f"GET {base}{CA_PATH}: HTTP {response.status_code}",
                          code="ENROLL_UNREACHABLE")
    ca_pem = response.content
    if not hmac.compare_digest(ca_pin(ca_pem), pin):
        raise EnrollError(f"the CA at {base}{CA_PATH} is not the one the token names: wrong "
                          "URL, or someone in between", code="ENROLL_CA_MISMATCH")
    return ca_pem


def _enroll_error(exc: UplinkError) -> EnrollError:
    if exc.code == "UPLINK_REFUSED":
        return EnrollError(f"enrollment refused: {exc}", code="ENROLL_REFUSED")
    if exc.code == "UPLINK_UNREACHABLE":
        return EnrollError(str(exc), code="ENROLL_UNREACHABLE")
    return EnrollError(str(exc), code=exc.code)


def _check(certificate_pem: bytes, ca_pem: bytes, key: ec.EllipticCurvePrivateKey) -> None:
    """The issued certificate must be for our key and signed by the pinned CA."""
    certificate = load_certificate(certificate_pem, "the issued certificate")
    ca = load_certificate(ca_pem, "the back-office CA")
    try:
        certificate.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature) as exc:
        raise EnrollError(f"the issued certificate is not from the pinned CA "
                          f"({type(exc).__name__})", code="UPLINK_PROTOCOL") from None
    if not same_key(certificate, key):
        raise EnrollError("the issued certificate is not for this kiosk's key",
                          code="UPLINK_PROTOCOL")


def renewal_due(identity: Identity, before_days: float, now: datetime | None = None) -> bool:
    return (now or datetime.now(UTC)) >= identity.not_after - timedelta(days=before_days)


def renew(identity: Identity, client: UplinkClient, store: Store) -> Identity:
    """A new certificate for the same key, over mTLS with the current one."""
    reply = client.renew(RenewRequest(csr=csr_pem(identity.key)))
    _check(reply.certificate.encode(), identity.ca_pem, identity.key)
    store.replace_certificate(reply.certificate.encode())
    return store.load()
