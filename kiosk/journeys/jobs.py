"""The card jobs the journeys submit, built from :mod:`kiosk.cie.tasks`.

Only "check my card" composes its own flow: the tries left (as :func:`kiosk.cie.tasks.status`
reads them, spending no try) and then the authentication certificate. Whether EF ``1003`` can
be read without a PIN is not documented (PROTOCOL.md §2.1, UNCERTAIN): a card that refuses
gets "certificate not readable without the PIN", never an error, and the citizen is pointed
to "Test my PIN", which reads it after the PIN.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from kiosk.cie import ids, tasks
from kiosk.cie.errors import ProtocolError
from kiosk.cie.flow import Flow
from kiosk.cie.ias import read_protected
from kiosk.cie.link import CardLink, ias_session
from kiosk.cie.pins import Reference, tries_left
from kiosk.cie.secret import Secret
from kiosk.journeys.certificates import UNREADABLE, CertificateCheck, CertificatePolicy
from kiosk.journeys.worker import CardJob, take

CHALLENGE_SIZE = 32


@dataclass(frozen=True, slots=True)
class CheckResult:
    status: tasks.CardStatus
    certificate: CertificateCheck


@dataclass(frozen=True, slots=True)
class AuthResult:
    """What "Test my PIN" learned: the certificate's verdict, and whether the key signed."""

    nis: str
    serial: str
    certificate: CertificateCheck
    signature_valid: bool


Found = tuple[tasks.CardStatus, bytes | None]


def _status_and_certificate(link: CardLink) -> Flow[Found]:
    session = yield from ias_session(link)
    pin = yield from tries_left(session.channel, Reference.PIN)
    puk = yield from tries_left(session.channel, Reference.PUK)
    status = tasks.CardStatus(link.family, session.nis, pin, puk)
    try:
        der = yield from read_protected(session, ids.EF_CERT_CIE)
    except ProtocolError:
        return status, None
    return status, der


def check(policy: CertificatePolicy) -> CardJob:
    def finish(found: Found) -> CheckResult:
        status, der = found
        return CheckResult(status, UNREADABLE if der is None else policy.judge(der))

    return CardJob("check", _status_and_certificate, finish=finish)


def status() -> CardJob:
    return CardJob("status", tasks.status)


def authenticate(pin: Secret, policy: CertificatePolicy) -> CardJob:
    owned = take(pin)
    challenge = secrets.token_bytes(CHALLENGE_SIZE)
    digest = hashlib.sha256(challenge).digest()

    def finish(proof: tasks.Proof) -> AuthResult:
        checked = policy.judge(proof.certificate)
        return AuthResult(proof.nis, proof.serial, checked,
                          _signed(proof.certificate, challenge, proof.signature))

    return CardJob("authenticate", lambda link: tasks.authenticate(link, owned, digest),
                   (owned,), finish)


def change(old: Secret, new: Secret) -> CardJob:
    owned = take(old), take(new)
    return CardJob("change", lambda link: tasks.change(link, *owned), owned)


def unblock(puk: Secret, new: Secret, *, confirmed: bool) -> CardJob:
    owned = take(puk), take(new)
    return CardJob(
        "unblock", lambda link: tasks.unblock(link, *owned, confirmed=confirmed), owned
    )


def _signed(padded_der: bytes, challenge: bytes, signature: bytes) -> bool:
    """Whether the card's key 81 signed the challenge (PKCS#1 v1.5, SHA-256)."""
    try:
        der = asn1_x509.Certificate.load(bytes(padded_der), strict=False).dump()
        key = x509.load_der_x509_certificate(der).public_key()
    except ValueError:
        return False
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    try:
        key.verify(signature, challenge, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True
