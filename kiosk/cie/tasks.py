"""What the kiosk does with a CIE, each as one flow on a card session (:class:`CardLink`).

A task goes on with the IAS session an earlier task of the same card session opened, and
opens one (DH, DAPP) only when there is none (:func:`kiosk.cie.link.ias_session`): the
official middleware resets the card before every operation and pays for DH and DAPP each
time, which on a real chip is seconds. A task run alone (``kiosk card ...``) gets a fresh link
on a freshly reset card. Secrets are taken as :class:`~kiosk.cie.secret.Secret` holders,
checked for format before the first APDU, and wiped right after the last APDU that carries
them, whatever the card answered. A task abandoned half-way (the card taken away) leaves them
to the caller, which wipes them on every path too.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.cie import ids
from kiosk.cie.atr import ChipFamily
from kiosk.cie.errors import ConfirmationRequired, PukBlocked
from kiosk.cie.flow import Flow
from kiosk.cie.ias import read_protected, sign_digest
from kiosk.cie.link import CardLink, ias_session
from kiosk.cie.pins import (
    Reference,
    Tries,
    change_pin,
    require_format,
    tries_left,
    unblock_pin,
    verify,
)
from kiosk.cie.secret import Secret

# At this many PUK tries left, or fewer, the citizen must confirm before one is spent.
PUK_CONFIRMATION_THRESHOLD = 3
SERIAL_LENGTH = 9

Random = Callable[[int], bytes]


class DigitalIdentity(enum.Enum):
    ACTIVE = "active"
    PIN_BLOCKED = "pin-blocked"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class CardStatus:
    family: ChipFamily | None
    nis: str
    pin: Tries
    puk: Tries

    @property
    def digital_identity(self) -> DigitalIdentity:
        if self.puk.blocked:
            return DigitalIdentity.DEAD
        if self.pin.blocked:
            return DigitalIdentity.PIN_BLOCKED
        return DigitalIdentity.ACTIVE


@dataclass(frozen=True, slots=True)
class Proof:
    """What level-3 authentication gives: the certificate, the serial, and the card's
    signature over the SHA-256 of a challenge, all still to be checked by whoever trusts it."""

    nis: str
    certificate: bytes
    serial: str
    signature: bytes
    security_object: bytes | None  # EF 1006, when asked for


def status(link: CardLink, random_bytes: Random = secrets.token_bytes) -> Flow[CardStatus]:
    """Family, NIS and tries left; spends no try."""
    session = yield from ias_session(link, random_bytes)
    pin = yield from tries_left(session.channel, Reference.PIN)
    puk = yield from tries_left(session.channel, Reference.PUK)
    return CardStatus(link.family, session.nis, pin, puk)


def authenticate(
    link: CardLink,
    pin: Secret,
    digest: bytes,
    random_bytes: Random = secrets.token_bytes,
    *,
    with_security_object: bool = False,
) -> Flow[Proof]:
    """VERIFY the PIN, read certificate and serial (and EF.SOD when asked: 11 APDUs and 2 KB
    that only passive authentication needs), sign ``digest`` with key 81."""
    require_format(pin)
    session = yield from ias_session(link, random_bytes)
    try:
        yield from verify(session.channel, Reference.PIN, pin)
    finally:
        pin.wipe()
    certificate = yield from read_protected(session, ids.EF_CERT_CIE)
    serial = yield from read_protected(session, ids.EF_SERIALE)
    security_object = None
    if with_security_object:
        security_object = yield from read_protected(session, ids.EF_SOD)
    signature = yield from sign_digest(session.channel, digest)
    return Proof(
        nis=session.nis,
        certificate=certificate,
        serial=serial[:SERIAL_LENGTH].decode("ascii", "replace"),
        signature=signature,
        security_object=security_object,
    )


def change(
    link: CardLink, old: Secret, new: Secret, random_bytes: Random = secrets.token_bytes
) -> Flow[None]:
    require_format(old, new)
    session = yield from ias_session(link, random_bytes)
    try:
        yield from change_pin(session.channel, old, new)
    finally:
        old.wipe()
        new.wipe()


def unblock(
    link: CardLink,
    puk: Secret,
    new_pin: Secret,
    *,
    confirmed: bool = False,
    random_bytes: Random = secrets.token_bytes,
) -> Flow[None]:
    """Unblock the PIN with the PUK, refusing to spend one of the last PUK tries unconfirmed."""
    require_format(puk, new_pin)
    session = yield from ias_session(link, random_bytes)
    left = (yield from tries_left(session.channel, Reference.PUK)).left
    if left == 0:
        raise PukBlocked("PUK blocked: the card's digital identity is lost")
    if not confirmed and (left is None or left <= PUK_CONFIRMATION_THRESHOLD):
        known = "unknown" if left is None else str(left)
        raise ConfirmationRequired(f"PUK tries left: {known}; confirm before trying", left)
    try:
        yield from unblock_pin(session.channel, puk, new_pin)
    finally:
        puk.wipe()
        new_pin.wipe()
