"""Judging the card's authentication certificate for the citizen: is it valid, and if not,
why, as a stable id the UI can explain. The check itself is :func:`kiosk.cie.certificate.verify`
against the anchors and CRLs the Comune configured; this module only turns its verdict into
view data, and it runs on the card worker thread (path validation is not for the UI thread).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import x509

from kiosk.cie import certificate, csca
from kiosk.cie.errors import ProtocolError

WallClock = Callable[[], datetime]


class CertificateState(enum.Enum):
    """The value is the message id that explains it."""

    VALID = "certificate.valid"
    EXPIRED = "certificate.expired"
    REVOKED = "certificate.revoked"
    UNTRUSTED = "certificate.untrusted"
    INVALID = "certificate.invalid"
    UNREADABLE = "certificate.unreadable"


@dataclass(frozen=True, slots=True)
class CertificateCheck:
    state: CertificateState
    revocation: str
    holder: certificate.Holder | None
    expires: str | None  # ISO date

    @property
    def valid(self) -> bool:
        return self.state is CertificateState.VALID


UNREADABLE = CertificateCheck(CertificateState.UNREADABLE, "not-checked", None, None)


@dataclass(frozen=True)
class CertificatePolicy:
    """The Comune's trust settings, from the configuration (wired in :mod:`kiosk.app`);
    ``documents`` are the CSCA certificates that passive authentication of the travel
    document (DG1, DG2, DG11 read with the CAN) chains to."""

    anchors: Sequence[x509.Certificate]
    crls: Sequence[bytes] = ()
    revocation: certificate.Revocation = certificate.Revocation.SOFT_FAIL
    now: WallClock = lambda: datetime.now(UTC)
    documents: Sequence[csca.Certificate] = ()

    def judge(self, padded_der: bytes) -> CertificateCheck:
        try:
            cert = certificate.load(padded_der)
        except ProtocolError:
            return UNREADABLE
        holder = certificate.holder(cert)
        at = self.now()
        not_after = cert["tbs_certificate"]["validity"]["not_after"].native
        expires = not_after.date().isoformat()
        if not_after < at:
            return CertificateCheck(CertificateState.EXPIRED, "not-checked", holder, expires)
        verdict = certificate.verify(
            cert, self.anchors, at, crls=self.crls, revocation=self.revocation
        )
        return CertificateCheck(_state(verdict), verdict.revocation, holder, expires)


def _state(verdict: certificate.Verdict) -> CertificateState:
    return CertificateState(f"certificate.{verdict.outcome}")
