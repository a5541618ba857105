"""Hand-off tickets at the back-office: storing what a kiosk filed, and what the clerks'
console does with it (the queue, one ticket, claim, complete, refuse) and the retention purge.

Every operation takes a Core :class:`~sqlalchemy.Connection` inside the caller's transaction
(an ORM session gives one with ``session.connection()``), so the console can put a ticket's
change and its own audit line in one commit. A change of state is one guarded UPDATE (``WHERE
status IN (...)``): two clerks claiming the same ticket get one claim and one
``TICKET_NOT_OPEN``, never two owners.

The photo is kept as the chip gave it (JPEG 2000 usually: the proof, byte for byte) and once,
on arrival, as a JPEG that any browser shows (Pillow's wheels carry OpenJPEG). A photo Pillow
cannot open is kept all the same, with no browser copy: the clerk then asks for another
document, which is what they would do with no photo at all.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects import postgresql, sqlite

from kiosk.backoffice import db
from kiosk.backoffice.config import BackofficeConfig
from kiosk.backoffice.models import Kiosk
from kiosk.backoffice.models import Ticket as TicketRow
from kiosk.errors import KioskError
from kiosk.uplink.schemas import Ticket

OPEN, CLAIMED, COMPLETED, REFUSED = "open", "claimed", "completed", "refused"
CLOSED = (COMPLETED, REFUSED)
BROWSER_TYPE = "image/jpeg"
MAX_REASON = 500
# The columns the purge empties: everything that tells who the citizen is, and the clerk's
# reason for a refusal, which is free text and may name them.
PERSONAL = ("given_name", "surname", "codice_fiscale", "document_number", "date_of_birth",
            "email", "photo", "photo_format", "photo_browser", "photo_browser_type",
            "refusal_reason")


class TicketError(KioskError):
    """``TICKET_NOT_FOUND``, ``TICKET_NOT_OPEN`` (claimed or closed already),
    ``TICKET_NOT_CLAIMED`` (complete before claim), ``REASON_REQUIRED``, ``PHOTO_INVALID``."""

    code = "TICKET_ERROR"


# -- arrival ---------------------------------------------------------------------------------


def decode_photo(ticket: Ticket) -> bytes | None:
    if ticket.identity.photo is None:
        return None
    try:
        return base64.b64decode(ticket.identity.photo, validate=True)
    except binascii.Error:
        raise TicketError("identity.photo: not base64", code="PHOTO_INVALID") from None


def browser_photo(photo: bytes | None) -> bytes | None:
    """The photo as a JPEG for the browser, or None when there is none or Pillow cannot read
    it. CPU-bound: run it outside the event loop and outside a transaction."""
    if photo is None:
        return None
    try:
        with Image.open(io.BytesIO(photo)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, "JPEG", quality=90)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    return out.getvalue()


def _values(kiosk_id: int, ticket: Ticket, photo: bytes | None, browser: bytes | None,
            now: dt.datetime) -> dict[str, Any]:
    who = ticket.identity
    return {
        "kiosk_id": kiosk_id, "key": ticket.key, "number": ticket.number,
        "kind": ticket.kind.value, "delivery": ticket.delivery.value, "filed_at": ticket.at,
        "received_at": now, "status": OPEN, "identity_source": ticket.identity_source.value,
        "passive_auth": who.passive_auth.value, "chip_auth": who.chip_auth.value,
        "data_groups": dict(who.data_groups), "given_name": who.given_name,
        "surname": who.surname, "codice_fiscale": who.codice_fiscale,
        "document_number": who.document_number, "date_of_birth": who.date_of_birth,
        "email": ticket.email, "photo": photo, "photo_format": who.photo_format,
        "photo_browser": browser, "photo_browser_type": BROWSER_TYPE if browser else None,
    }


def store(connection: Connection, kiosk_id: int, ticket: Ticket, *, photo: bytes | None,
          browser: bytes | None, now: dt.datetime) -> None:
    """Keep the ticket once: a copy the kiosk sends again (its acknowledgement was lost) is
    skipped by the insert itself, on both databases."""
    values = _values(kiosk_id, ticket, photo, browser, now)
    insert = (postgresql.insert(TicketRow) if connection.dialect.name == "postgresql"
              else sqlite.insert(TicketRow))
    connection.execute(insert.values(**values)
                       .on_conflict_do_nothing(index_elements=["kiosk_id", "key"]))


# -- what the console shows ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueuedTicket:
    """A line of the queue: enough to call the citizen, nothing to identify them by."""

    id: int
    number: str
    kiosk: str
    kind: str
    delivery: str
    status: str
    received_at: dt.datetime
    claimed_by: str | None


@dataclass(frozen=True, slots=True)
class TicketDetail:
    """The ticket page: what the kiosk verified, side by side with the person at the desk.
    The personal fields are None once purged (``purged_at``)."""

    id: int
    number: str
    kiosk: str
    kind: str
    delivery: str
    status: str
    filed_at: dt.datetime
    received_at: dt.datetime
    identity_source: str
    passive_auth: str
    chip_auth: str
    data_groups: dict[str, str]
    given_name: str | None
    surname: str | None
    codice_fiscale: str | None
    document_number: str | None
    date_of_birth: str | None
    email: str | None
    photo: bytes | None
    photo_format: str | None
    photo_browser: bytes | None
    photo_browser_type: str | None
    claimed_by: str | None
    claimed_at: dt.datetime | None
    closed_by: str | None
    closed_at: dt.datetime | None
    refusal_reason: str | None
    purged_at: dt.datetime | None

    @property
    def verified(self) -> bool:
        """Both checks passed: the issuer signed the data, and the chip is no copy."""
        return self.passive_auth == "trusted" and self.chip_auth == "passed"


def queue(connection: Connection) -> list[QueuedTicket]:
    """The tickets still to serve (open and claimed), oldest first."""
    rows = connection.execute(
        select(TicketRow.id, TicketRow.number, Kiosk.name, TicketRow.kind, TicketRow.delivery,
               TicketRow.status, TicketRow.received_at, TicketRow.claimed_by)
        .join(Kiosk, Kiosk.id == TicketRow.kiosk_id)
        .where(TicketRow.status.in_((OPEN, CLAIMED)))
        .order_by(TicketRow.received_at, TicketRow.id))
    return [QueuedTicket(*row) for row in rows]


def get(connection: Connection, ticket_id: int) -> TicketDetail:
    columns = [TicketRow.__table__.c[name] for name in TicketDetail.__slots__ if name != "kiosk"]
    row = connection.execute(
        select(*columns, Kiosk.name.label("kiosk")).join(Kiosk, Kiosk.id == TicketRow.kiosk_id)
        .where(TicketRow.id == ticket_id)).one_or_none()
    if row is None:
        raise TicketError(f"no ticket {ticket_id}", code="TICKET_NOT_FOUND")
    return TicketDetail(**row._mapping)


# -- what the clerks do ----------------------------------------------------------------------


def _change(connection: Connection, ticket_id: int, allowed: tuple[str, ...],
            values: dict[str, Any]) -> None:
    """One guarded UPDATE; on no row, says why (no such ticket, or not in a state for it)."""
    done = connection.execute(update(TicketRow).where(
        TicketRow.id == ticket_id, TicketRow.status.in_(allowed)).values(**values))
    if done.rowcount == 1:
        return
    status = connection.scalar(select(TicketRow.status).where(TicketRow.id == ticket_id))
    if status is None:
        raise TicketError(f"no ticket {ticket_id}", code="TICKET_NOT_FOUND")
    if status == OPEN:
        raise TicketError(f"ticket {ticket_id} is not claimed yet", code="TICKET_NOT_CLAIMED")
    raise TicketError(f"ticket {ticket_id} is {status}", code="TICKET_NOT_OPEN")


def claim(connection: Connection, ticket_id: int, clerk: str, now: dt.datetime) -> None:
    """The clerk takes the ticket: the others see who serves it."""
    _change(connection, ticket_id, (OPEN,), {"status": CLAIMED, "claimed_by": clerk,
                                             "claimed_at": now})


def complete(connection: Connection, ticket_id: int, clerk: str, now: dt.datetime) -> None:
    """Done in CieOnline: the codes are reprinted (or the PUK recovered)."""
    _change(connection, ticket_id, (CLAIMED,), {"status": COMPLETED, "closed_by": clerk,
                                                "closed_at": now})


def refuse(connection: Connection, ticket_id: int, clerk: str, reason: str,
           now: dt.datetime) -> None:
    """Not served (the face is not the card's, the citizen left...): the reason is kept."""
    reason = reason.strip()
    if not reason:
        raise TicketError("a refusal needs its reason", code="REASON_REQUIRED")
    _change(connection, ticket_id, (OPEN, CLAIMED), {
        "status": REFUSED, "closed_by": clerk, "closed_at": now,
        "refusal_reason": reason[:MAX_REASON]})


# -- retention -------------------------------------------------------------------------------


def purge(connection: Connection, retention_days: int, now: dt.datetime) -> int:
    """Empty the personal columns of the tickets closed ``retention_days`` ago or more;
    returns how many. The row stays, with what was asked, the verdicts and who handled it."""
    cutoff = now - dt.timedelta(days=retention_days)
    done = connection.execute(update(TicketRow).where(
        TicketRow.status.in_(CLOSED), TicketRow.closed_at <= cutoff,
        TicketRow.purged_at.is_(None)).values(
        purged_at=now, **dict.fromkeys(PERSONAL)))
    return done.rowcount


def purge_expired(config: BackofficeConfig, now: dt.datetime) -> int:
    """:func:`purge` with the configured retention, in a transaction of its own (``kiosk
    backoffice tickets purge``, and ``serve`` every ``tickets.purge_minutes``)."""
    engine = db.make_engine(config.database_url)
    try:
        with db.unavailable_as_error(engine.url), engine.begin() as connection:
            return purge(connection, config.tickets.retention_days, now)
    finally:
        engine.dispose()
