"""The back-office's tables. Everything a worker knows is here, so any worker on any machine can
answer any kiosk (DESIGN.md §5: stateless workers).

Times are aware UTC datetimes everywhere in Python. PostgreSQL keeps ``timestamptz``; SQLite
has no time type, so :class:`UtcDateTime` stores UTC as SQLAlchemy's fixed-width text, which
sorts and compares in SQL as the times do.

Constraint names come from one naming convention, so that Alembic can find them again on
SQLite (batch mode) and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite gives a rowid alias (and so an autoincrement) only to a column declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime in, an aware UTC datetime out, on both databases. A naive datetime
    is refused: guessing its zone is how audit trails end up an hour off."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the back-office stores aware UTC times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UtcDateTime(), dict[str, Any]: JSON(), bytes: LargeBinary(),
    }


class Kiosk(Base):
    """One kiosk, from ``kiosk add`` on. The row stays after revocation: its events and
    verdicts keep pointing at it, and the name cannot be taken by another machine by mistake."""

    __tablename__ = "kiosks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None]
    # Any authenticated request counts as contact; the heartbeat fields are its last report.
    last_seen_at: Mapped[dt.datetime | None]
    last_heartbeat_at: Mapped[dt.datetime | None]
    last_heartbeat: Mapped[dict[str, Any] | None]
    state: Mapped[str | None] = mapped_column(String(32))  # schemas.KioskState's value
    outbox_depth: Mapped[int | None]
    outbox_alarm: Mapped[bool] = mapped_column(default=False)
    # The problems of the last heartbeat's health report, comma-separated
    # (schemas.HealthProblem's values; "" none, None: the kiosk sends no health report).
    health_problems: Mapped[str | None] = mapped_column(String(200))


class Certificate(Base):
    """A client certificate the CA issued. The app looks the forwarded certificate's serial up
    here on every request: this table, not nginx's CRL, decides whether it is still good."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(40), unique=True)  # lowercase hex, no 0x
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    fingerprint_sha256: Mapped[str] = mapped_column(String(64))  # lowercase hex of the DER
    not_before: Mapped[dt.datetime]
    not_after: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class EnrollmentToken(Base):
    """A one-time enrollment token; only the SHA-256 of its secret is kept, so a copy of the
    database enrolls nothing."""

    __tablename__ = "enrollment_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class Event(Base):
    """An audit event as the kiosk sent it. ``id`` is arrival order; UNIQUE(kiosk_id, key)
    turns the outbox's at-least-once delivery into exactly one row per event."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "key"),
        Index(None, "kiosk_id", "seq"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    key: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Command(Base):
    """A clerk's command to one kiosk, kept after acknowledgement as the record of who was
    told what and what the kiosk answered."""

    __tablename__ = "commands"
    __table_args__ = (Index(None, "kiosk_id", "acked_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    kind: Mapped[str] = mapped_column(String(16))  # schemas.CommandKind's value
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None]
    acked_at: Mapped[dt.datetime | None]
    ack_ok: Mapped[bool | None]
    ack_detail: Mapped[str | None] = mapped_column(String(64))


class Nonce(Base):
    """A level-3 challenge, bound to the kiosk that asked for it and good once."""

    __tablename__ = "nonces"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    value: Mapped[bytes]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]


class Verification(Base):
    """The back-office's level-3 verdict. The codice fiscale is kept only where the Comune's
    config says so (``level3.record_codice_fiscale``); otherwise the row says only how the
    check went."""

    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    nonce_id: Mapped[str] = mapped_column(ForeignKey("nonces.id"), unique=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    works: Mapped[bool]
    certificate: Mapped[str] = mapped_column(String(16))  # schemas.CertificateVerdict's value
    signature_valid: Mapped[bool]
    revocation: Mapped[str] = mapped_column(String(64))
    codice_fiscale: Mapped[str | None] = mapped_column(String(16))


# -- the clerks' console (kiosk/backoffice/console) ------------------------------------------


class ConsoleUser(Base):
    """A person who signs in to the console. ``password_hash`` is argon2id (argon2-cffi's
    encoded form, parameters included, so they can be raised later); ``auth_epoch`` is in every
    session cookie and bumped by a new password, so the old sessions end with it."""

    __tablename__ = "console_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # console.accounts.Role's value
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # base32; None: no second factor
    auth_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ConsoleLoginFailure(Base):
    """Wrong passwords counted per account and per client address, in the database so that
    every worker on every machine counts the same guesses."""

    __tablename__ = "console_login_failures"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)  # "account:NAME", "address:IP"
    failures: Mapped[int]
    first_at: Mapped[dt.datetime]
    locked_until: Mapped[dt.datetime | None]


class ConsoleAudit(Base):
    """What a console user did, for the admin's audit page: who, what, to which kiosk or
    account. Never a password, a code or a citizen's data."""

    __tablename__ = "console_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    user_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)


class ConsoleHelpAck(Base):
    """A clerk's acknowledgement of a kiosk's "call a clerk" (the ``help.requested`` event it
    answers): the alert leaves every console."""

    __tablename__ = "console_help_acks"

    event_id: Mapped[int] = mapped_column(BigId, ForeignKey("events.id"), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# The console reads events by kind and time (help alerts, statistics), never by scanning all.
Index("ix_events_kind_at", Event.kind, Event.at)


# -- hand-off tickets (issue 11: reprint of lost codes, PUK recovery at the counter) -----------


class Ticket(Base):
    """A hand-off from a kiosk to the anagrafe desk, as the kiosk's outbox delivered it;
    UNIQUE(kiosk_id, key) makes the delivery exactly once. ``status`` goes open → claimed →
    completed, or to refused from open or claimed; who did each and when is kept.

    The personal columns (names, codice fiscale, document number, date of birth, e-mail and
    both photos) are emptied ``tickets.retention_days`` after the ticket closes
    (kiosk/backoffice/tickets.py, ``purge``); what is left says only what was asked, how the
    card checked out, and who handled it."""

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("kiosk_id", "key"),
        Index(None, "status", "received_at"),
        Index(None, "closed_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"))
    key: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(16))  # what the citizen holds
    kind: Mapped[str] = mapped_column(String(16))  # schemas.TicketKind's value
    delivery: Mapped[str] = mapped_column(String(20))  # schemas.Delivery's value
    filed_at: Mapped[dt.datetime]  # on the kiosk
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open")
    identity_source: Mapped[str] = mapped_column(String(16))
    passive_auth: Mapped[str] = mapped_column(String(16))
    chip_auth: Mapped[str] = mapped_column(String(16))
    data_groups: Mapped[dict[str, Any]] = mapped_column(default=dict)
    given_name: Mapped[str | None] = mapped_column(String(120))
    surname: Mapped[str | None] = mapped_column(String(120))
    codice_fiscale: Mapped[str | None] = mapped_column(String(16))
    document_number: Mapped[str | None] = mapped_column(String(16))
    date_of_birth: Mapped[str | None] = mapped_column(String(10))
    email: Mapped[str | None] = mapped_column(String(254))
    photo: Mapped[bytes | None]  # DG2's image as the chip gave it
    photo_format: Mapped[str | None] = mapped_column(String(8))
    photo_browser: Mapped[bytes | None]  # the same, made once into what a browser shows
    photo_browser_type: Mapped[str | None] = mapped_column(String(16))  # image/jpeg
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[dt.datetime | None]
    refusal_reason: Mapped[str | None] = mapped_column(Text)
    purged_at: Mapped[dt.datetime | None]


# -- "continue with smartphone" (kiosk/backoffice/phone/) ------------------------------------


class PhoneLogin(Base):
    """One "continue with smartphone" login, from the QR a kiosk shows to the code the citizen
    types on it. Only digests of the one-time URL's token, of the OpenID ``state``, of the
    phone's flow cookie and of the code are kept (phone/tokens.py): a copy of the database
    opens no login and redeems no code. The identity is the provider's, as its claims said,
    kept only while the code may be redeemed (phone/store.py forgets it after);
    ``identity_source`` is set when a kiosk session is bound to it."""

    __tablename__ = "phone_logins"
    __table_args__ = (Index(None, "code_digest"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[int] = mapped_column(ForeignKey("kiosks.id"), index=True)
    link_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    link_expires_at: Mapped[dt.datetime]
    # The phone opened the link and went to the provider: the link is spent.
    started_at: Mapped[dt.datetime | None]
    state_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    flow_digest: Mapped[str | None] = mapped_column(String(64))
    # The provider's answer checked; the phone shows the code until code_expires_at.
    authenticated_at: Mapped[dt.datetime | None]
    code_digest: Mapped[str | None] = mapped_column(String(64))
    code_expires_at: Mapped[dt.datetime | None]
    given_name: Mapped[str | None] = mapped_column(String(128))
    family_name: Mapped[str | None] = mapped_column(String(128))
    fiscal_number: Mapped[str | None] = mapped_column(String(32))
    wrong_codes: Mapped[int] = mapped_column(default=0)
    ended_at: Mapped[dt.datetime | None]  # too many wrong codes
    redeemed_at: Mapped[dt.datetime | None]
    identity_source: Mapped[str | None] = mapped_column(String(16))  # "smartphone"
