"""A kiosk's life on the back-office: added (with a one-time enrollment token), enrolled (a
client certificate for the key it made), renewed, revoked.

Each method is one transaction of its own, so the CLI and the enrollment endpoint call the same
code and get the same guarantees:

- A token is ``v1.<secret>.<ca pin>``. The technician gives it to the kiosk; the kiosk keeps the
  pin and sends only the secret. Only SHA-256(secret) is stored.
- A token is spent by one conditional UPDATE (unused, unexpired, kiosk not revoked): of two
  concurrent redemptions, the database lets exactly one change the row, on SQLite and
  PostgreSQL alike. An unknown, used, expired or revoked token gets one and the same answer,
  so the answer tells a guesser nothing.
- Enrollment means a new key: the kiosk's earlier certificates are revoked when a new one is
  issued on a token. Renewal keeps the old certificate valid until it expires, since the
  kiosk may still be using it on another connection.
- ``add`` refuses a name in use. ``add(..., reenroll=True)`` gives a known kiosk a new token
  (its unused tokens lapse): the way to replace a kiosk's SD card, or to take a revoked
  kiosk back. Its old certificates stay revoked; it is cut off until it enrolls again.
- Revocation marks the kiosk and its certificates in the database, which the application
  checks on every request, and rewrites the CRL for nginx.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from kiosk.backoffice.ca import (
    CertificateAuthority,
    Revoked,
    check_csr,
    fingerprint_sha256,
    serial_hex,
    to_pem,
)
from kiosk.backoffice.models import Certificate, EnrollmentToken, Kiosk, utcnow
from kiosk.errors import KioskError

FORMAT = "v1"  # the first part of every token, for the day its layout changes
KIOSK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
REFUSAL = "the enrollment token is not valid (unknown, used, expired, or its kiosk revoked)"


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Enrolled:
    kiosk: str
    certificate_pem: str


@dataclass(frozen=True)
class KioskSummary:
    """One line of ``kiosk backoffice kiosks``. ``enrollment`` is ``pending`` (token given,
    no certificate yet), ``enrolled``, ``expired`` (every certificate ran out) or
    ``revoked``; ``state`` is what the last heartbeat reported, ``health`` the problems its
    health report showed (comma-separated, "" none; None: no report)."""

    name: str
    enrollment: str
    state: str | None
    last_contact: dt.datetime | None
    certificate_expires: dt.datetime | None
    revoked_at: dt.datetime | None
    health: str | None = None


class Registry:
    def __init__(self, sessions: sessionmaker[Session], ca: CertificateAuthority) -> None:
        self.sessions = sessions
        self.ca = ca

    def add_kiosk(self, name: str, hours: int, *, reenroll: bool = False) -> str:
        """A new kiosk (or, with ``reenroll``, a known one) and its one-time token."""
        if not KIOSK_NAME.fullmatch(name):
            raise KioskError(f"kiosk name {name!r}: 1 to 64 letters, digits, '.', '_' or '-', "
                             "starting with a letter or digit", code="BAD_INPUT")
        pin = self.ca.pin()  # before anything is stored: no CA, no kiosk
        secret = secrets.token_urlsafe(24)
        now = utcnow()
        with self.sessions.begin() as session:
            kiosk = session.scalar(select(Kiosk).where(Kiosk.name == name))
            if kiosk is None:
                kiosk = Kiosk(name=name, created_at=now)
                session.add(kiosk)
                session.flush()
            elif not reenroll:
                raise KioskError(f"kiosk {name!r} exists; to give it a new token, add it "
                                 "again with --reenroll", code="KIOSK_EXISTS")
            else:
                kiosk.revoked_at = None
                _lapse_tokens(session, kiosk, now)
            session.add(EnrollmentToken(
                kiosk_id=kiosk.id, token_sha256=token_digest(secret), created_at=now,
                expires_at=now + dt.timedelta(hours=hours),
            ))
        return f"{FORMAT}.{secret}.{pin}"

    def redeem(self, secret: str, csr_pem: str) -> Enrolled:
        """Spend the token whose secret this is, and certify the CSR's key for its kiosk."""
        check_csr(csr_pem)  # a bad CSR spends no token
        now = utcnow()
        with self.sessions.begin() as session:
            live_kiosks = select(Kiosk.id).where(Kiosk.revoked_at.is_(None))
            kiosk_id = session.scalar(
                update(EnrollmentToken)
                .where(EnrollmentToken.token_sha256 == token_digest(secret),
                       EnrollmentToken.used_at.is_(None),
                       EnrollmentToken.expires_at > now,
                       EnrollmentToken.kiosk_id.in_(live_kiosks))
                .values(used_at=now)
                .returning(EnrollmentToken.kiosk_id)
            )
            if kiosk_id is None:
                raise KioskError(REFUSAL, code="TOKEN_INVALID")
            kiosk = session.get_one(Kiosk, kiosk_id)
            superseded = session.scalars(
                update(Certificate)
                .where(Certificate.kiosk_id == kiosk.id, Certificate.revoked_at.is_(None))
                .values(revoked_at=now)
                .returning(Certificate.id)
            ).all()
            pem = self._certify(session, kiosk, csr_pem)
        if superseded:
            self.refresh_crl()
        return Enrolled(kiosk.name, pem)

    def renew(self, kiosk_name: str, csr_pem: str) -> str:
        """A new certificate for a kiosk that is still in good standing (the application has
        already checked the certificate it called with)."""
        with self.sessions.begin() as session:
            kiosk = self._kiosk(session, kiosk_name)
            if kiosk.revoked_at is not None:
                raise KioskError(f"kiosk {kiosk_name!r} is revoked", code="KIOSK_REVOKED")
            return self._certify(session, kiosk, csr_pem)

    def _certify(self, session: Session, kiosk: Kiosk, csr_pem: str) -> str:
        certificate = self.ca.issue_kiosk_certificate(csr_pem, kiosk.name)
        session.add(Certificate(
            serial=serial_hex(certificate), kiosk_id=kiosk.id,
            fingerprint_sha256=fingerprint_sha256(certificate),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
        ))
        return to_pem(certificate)

    def revoke(self, name: str) -> None:
        """Cut the kiosk off: its certificates and unused tokens stop working. Revoking a
        revoked kiosk again changes nothing."""
        now = utcnow()
        with self.sessions.begin() as session:
            kiosk = self._kiosk(session, name)
            if kiosk.revoked_at is None:
                kiosk.revoked_at = now
            session.execute(
                update(Certificate)
                .where(Certificate.kiosk_id == kiosk.id, Certificate.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            _lapse_tokens(session, kiosk, now)
        self.refresh_crl()

    def refresh_crl(self) -> None:
        """Re-sign the CRL from the database: every revoked certificate not yet expired (an
        expired one is refused anyway, and the list stays short)."""
        now = utcnow()
        with self.sessions() as session:
            rows = session.execute(
                select(Certificate.serial, Certificate.revoked_at)
                .where(Certificate.revoked_at.is_not(None), Certificate.not_after > now)
                .order_by(Certificate.id)
            )
            revoked = [Revoked(int(serial, 16), at) for serial, at in rows if at is not None]
        self.ca.write_crl(revoked)

    def kiosks(self) -> list[KioskSummary]:
        now = utcnow()
        with self.sessions() as session:
            expiry = (
                select(Certificate.kiosk_id, func.max(Certificate.not_after).label("not_after"))
                .where(Certificate.revoked_at.is_(None))
                .group_by(Certificate.kiosk_id)
                .subquery()
            )
            rows = session.execute(
                select(Kiosk, expiry.c.not_after)
                .outerjoin(expiry, expiry.c.kiosk_id == Kiosk.id)
                .order_by(Kiosk.name)
            )
            return [
                KioskSummary(
                    name=kiosk.name,
                    enrollment=_enrollment(kiosk, expires, now),
                    state=kiosk.state,
                    last_contact=kiosk.last_seen_at,
                    certificate_expires=expires,
                    revoked_at=kiosk.revoked_at,
                    health=kiosk.health_problems,
                )
                for kiosk, expires in rows
            ]

    @staticmethod
    def _kiosk(session: Session, name: str) -> Kiosk:
        kiosk = session.scalar(select(Kiosk).where(Kiosk.name == name))
        if kiosk is None:
            raise KioskError(f"no kiosk named {name!r}", code="KIOSK_NOT_FOUND")
        return kiosk


def _lapse_tokens(session: Session, kiosk: Kiosk, now: dt.datetime) -> None:
    session.execute(
        update(EnrollmentToken)
        .where(EnrollmentToken.kiosk_id == kiosk.id, EnrollmentToken.used_at.is_(None),
               EnrollmentToken.expires_at > now)
        .values(expires_at=now)
    )


def _enrollment(kiosk: Kiosk, expires: dt.datetime | None, now: dt.datetime) -> str:
    if kiosk.revoked_at is not None:
        return "revoked"
    if expires is None:
        return "pending"
    return "enrolled" if expires > now else "expired"
