"""Who is calling: the kiosk named by the certificate nginx verified, as the database knows it.

The application is reached only through nginx's Unix socket, and nginx always overwrites the
two certificate headers (nginx.py), so they are nginx's word, not the kiosk's. Even so the
application trusts them only as far as it must: ``X-Client-Verify`` must be exactly
``SUCCESS``; the certificate is parsed again here; and its serial is looked up in the database
on every request, because the database, not nginx's CRL (read only at start and reload), is
the authority for revocation. The kiosk's identity comes from that row alone: no header or
body field a kiosk sets can name another kiosk.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import (
    Connection,
    Interval,
    Select,
    Update,
    UpdateBase,
    bindparam,
    literal,
    or_,
    select,
    update,
)
from starlette.datastructures import Headers

from kiosk.backoffice.errors import ApiError
from kiosk.backoffice.models import Certificate, Kiosk
from kiosk.backoffice.nginx import CLIENT_CERT_HEADER, CLIENT_VERIFY_HEADER

# "Any authenticated request counts as contact" (models.Kiosk), but writing the time on every
# request would turn each read into a write: it is refreshed when older than this.
LAST_SEEN_RESOLUTION = dt.timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class Presented:
    """The certificate nginx forwarded, as the database indexes it."""

    serial: str  # lowercase hex, as models.Certificate keeps it
    fingerprint_sha256: str


@dataclass(frozen=True, slots=True)
class Caller:
    kiosk_id: int
    kiosk_name: str


def presented(headers: Headers) -> Presented:
    """The verified certificate from nginx's headers, or a 403 with a code."""
    verify = headers.get(CLIENT_VERIFY_HEADER)
    escaped = headers.get(CLIENT_CERT_HEADER)
    if not verify or not escaped:
        raise ApiError(403, "CLIENT_CERT_REQUIRED", "no verified client certificate")
    if verify != "SUCCESS":
        raise ApiError(403, "CLIENT_CERT_INVALID", "the client certificate did not verify")
    return _parse(escaped)


@lru_cache(maxsize=8192)
def _parse(escaped_pem: str) -> Presented:
    """Parsing a certificate costs more than the rest of a heartbeat; a kiosk sends the same
    one on every request, so the parse is kept (refusals raise, and are not kept)."""
    try:
        cert = x509.load_pem_x509_certificate(unquote(escaped_pem).encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ApiError(403, "CLIENT_CERT_INVALID", "the forwarded certificate is unreadable") \
            from None
    der = cert.public_bytes(Encoding.DER)
    return Presented(format(cert.serial_number, "x"), hashlib.sha256(der).hexdigest())


# Built once: a statement object keeps its compiled form's cache key, so the per-request cost
# is the query itself (DESIGN.md's figures: 1000 requests/s on two cores).
_LOOKUP = (
    select(Kiosk.id.label("kiosk_id"), Kiosk.name, Kiosk.revoked_at.label("kiosk_revoked_at"),
           Kiosk.last_seen_at, Certificate.fingerprint_sha256,
           Certificate.revoked_at.label("certificate_revoked_at"), Certificate.not_after)
    .join(Certificate, Certificate.kiosk_id == Kiosk.id)
    .where(Certificate.serial == bindparam("serial"))
)
_SEEN = update(Kiosk).where(Kiosk.id == bindparam("kiosk")).values(
    last_seen_at=bindparam("now"))


def identify(connection: Connection, certificate: Presented, now: dt.datetime) -> Caller:
    """The kiosk the certificate belongs to, if the certificate and the kiosk are both still
    good; one indexed lookup (by serial)."""
    row = connection.execute(_LOOKUP, {"serial": certificate.serial}).one_or_none()
    return _caller(connection, row, certificate, now)


# What one PostgreSQL statement does for its caller besides the lookup (``guarded``):
# writes, given the caller's kiosk id as a subquery (empty when the identity checks refuse
# it), one of which sets ``last_seen_at``; and reads, given the lookup's row and that subquery,
# that join more columns to the row.
Writes = Callable[[Select[Any]], Sequence[UpdateBase]]
Reads = Callable[[Select[Any], Select[Any]], Select[Any]]

LOOKUP_COLUMNS = len(_LOOKUP.selected_columns)


def identify_and_update(connection: Connection, certificate: Presented, now: dt.datetime,
                        statement: Update, values: dict[str, object]) -> Caller:
    """SQLite: ``identify``, then ``statement`` (an UPDATE of the caller's kiosk row, with
    no WHERE of its own, that sets ``last_seen_at``; ``bindparam("now")`` is the request's
    time) with ``values``. (PostgreSQL makes them one statement: ``updating``.)"""
    caller = identify(connection, certificate, now)
    connection.execute(_for_caller(statement), {"kiosk": caller.kiosk_id, "now": now, **values})
    return caller


@lru_cache(maxsize=32)
def guarded(writes: Writes, reads: Reads | None = None) -> Select[Any]:
    """PostgreSQL: the lookup ``identify`` makes, ``writes`` and ``reads`` as one statement,
    so one round trip and, in autocommit, one atomic commit. Each write is a CTE guarded by
    the same checks ``identify`` makes, and the lookup's row comes back first in every row
    for ``checked``, so a refusal keeps its code and nothing was written. ``writes`` and
    ``reads`` must be module-level functions: the statement is built once for them. Its
    parameters: ``guarded_values``."""
    found = _LOOKUP.cte("found")
    good = select(found.c.kiosk_id).where(
        found.c.fingerprint_sha256 == bindparam("fingerprint"),
        found.c.kiosk_revoked_at.is_(None),
        found.c.certificate_revoked_at.is_(None),
        found.c.not_after > bindparam("now"),
    )
    done = [write.cte(f"write_{index}") for index, write in enumerate(writes(good))]
    row = select(found)
    return (reads(row, good) if reads else row).add_cte(*done)


def guarded_values(certificate: Presented, now: dt.datetime,
                   values: dict[str, object]) -> dict[str, object]:
    return {"serial": certificate.serial, "fingerprint": certificate.fingerprint_sha256,
            "now": now, **values}  # (values' keys must not be these three)


def checked(rows: Sequence[Sequence[Any]], certificate: Presented, now: dt.datetime) -> Caller:
    """The checks on a ``guarded`` statement's rows (its writes set ``last_seen_at``)."""
    return _caller(None, rows[0][:LOOKUP_COLUMNS] if rows else None, certificate, now,
                   seen=True)


def seen(good: Select[Any]) -> Update:
    """The write that records the caller's contact, for ``Writes`` that have no other
    reason to touch the kiosk's row: like ``identify``, only when the last one is stale."""
    return update(Kiosk).where(
        Kiosk.id.in_(good),
        or_(Kiosk.last_seen_at.is_(None),
            Kiosk.last_seen_at + literal(LAST_SEEN_RESOLUTION, Interval()) <= bindparam("now")),
    ).values(last_seen_at=bindparam("now"))


def only_seen(good: Select[Any]) -> list[UpdateBase]:
    return [seen(good)]


@lru_cache(maxsize=16)
def updating(statement: Update) -> Writes:
    """``statement`` (as ``identify_and_update`` takes it) as the ``Writes`` of ``guarded``."""
    return lambda good: [statement.where(Kiosk.id.in_(good))]


@lru_cache(maxsize=16)
def _for_caller(statement: Update) -> Update:
    return statement.where(Kiosk.id == bindparam("kiosk"))


def _caller(connection: Connection | None, row: Any, certificate: Presented,
            now: dt.datetime, *, seen: bool = False) -> Caller:
    """The checks on the lookup's row, each refusal with its code. ``seen``: the caller's
    statement already set ``last_seen_at``."""
    if row is None or row[4] != certificate.fingerprint_sha256:
        raise ApiError(403, "CLIENT_CERT_UNKNOWN", "this certificate was not issued here")
    kiosk_id, name, kiosk_revoked, last_seen, _fingerprint, cert_revoked, not_after = row
    if kiosk_revoked is not None:
        raise ApiError(403, "KIOSK_REVOKED", f"kiosk {name} has been revoked")
    if cert_revoked is not None:
        raise ApiError(403, "CLIENT_CERT_REVOKED", "this certificate has been revoked")
    if not_after <= now:
        raise ApiError(403, "CLIENT_CERT_EXPIRED", "this certificate has expired")
    if not seen and (last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION):
        assert connection is not None
        connection.execute(_SEEN, {"kiosk": kiosk_id, "now": now})
    return Caller(kiosk_id, name)
