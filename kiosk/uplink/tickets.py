"""A hand-off as the journey gives it (:class:`~kiosk.journeys.ports.HandOff`) made into the
wire's :class:`~kiosk.uplink.schemas.Ticket`, inside the outbox's transaction that gives it a
key and a number.

The number is the kiosk's prefix and its counter, ``ATRIO1-007``: short enough to read out at
a desk, unique per kiosk, and made here so that an offline kiosk can show it at once. The
photo goes as the chip gave it (JPEG 2000 usually): the back-office keeps those bytes and
makes the browser's copy itself. A session bound by the smartphone login files the
provider's identity instead, marked as such: no chip, so no photo, document or verdicts.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from kiosk.journeys.ports import HandOff, PhoneIdentity
from kiosk.uplink.outbox import TicketMaker
from kiosk.uplink.schemas import (
    ChipAuth,
    Delivery,
    IdentitySource,
    PassiveAuth,
    Ticket,
    TicketIdentity,
    TicketKind,
)


def ticket_number(prefix: str, counter: int) -> str:
    return f"{prefix}-{counter:03d}"


def ticket_maker(hand_off: HandOff, prefix: str) -> TicketMaker:
    """Everything is built inside ``make``, so the outbox turns a value the schema refuses
    into its ``TICKET_INVALID`` error."""

    def make(key: str, counter: int, at: datetime) -> Ticket:
        return Ticket(key=key, number=ticket_number(prefix, counter),
                      kind=TicketKind(hand_off.kind.value), at=at,
                      delivery=Delivery(hand_off.delivery.value), email=hand_off.email,
                      **_identity(hand_off))

    return make


def _identity(hand_off: HandOff) -> dict[str, Any]:
    """The ticket's source and identity: the chip's as it was read and verified, or the
    smartphone login's, which has no chip data at all."""
    report = hand_off.identity
    if isinstance(report, PhoneIdentity):
        return {"identity_source": IdentitySource.SMARTPHONE, "identity": _from_phone(report)}
    photo = report.photo
    return {"identity_source": IdentitySource.CHIP, "identity": TicketIdentity(
        given_name=report.given_name, surname=report.surname,
        codice_fiscale=report.codice_fiscale, document_number=report.document_number,
        date_of_birth=report.date_of_birth,
        photo=base64.b64encode(photo.data).decode("ascii") if photo is not None else None,
        photo_format=photo.format.value if photo is not None else None,
        passive_auth=PassiveAuth(report.passive_auth), chip_auth=ChipAuth(report.chip_auth),
        data_groups=dict(report.data_groups),
    )}


def _from_phone(who: PhoneIdentity) -> TicketIdentity:
    """The provider's names and codice fiscale; no chip was read, so nothing of one."""
    return TicketIdentity(
        given_name=who.given_name, surname=who.family_name, codice_fiscale=who.fiscal_number,
        passive_auth=PassiveAuth.NOT_APPLICABLE, chip_auth=ChipAuth.NOT_APPLICABLE)
