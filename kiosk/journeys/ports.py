"""What the journeys and the session need from the world beyond the card, as interfaces the
composition root (:mod:`kiosk.app`) fills in: the audit trail, the back-office's check of a
level-3 authentication, the desk that takes hand-off tickets, the smartphone login, the receipt
printer (:class:`Receipts`), and whether the back-office link is up (:class:`BackOfficeLink`,
for what the help overlay may promise); and what the session tells the world in return
(:class:`KioskStatus`, for the heartbeat). The journeys never import the uplink (DESIGN.md §2,
§5); they talk to these ports, and a kiosk without a back-office gets the do-nothing versions
below (or, for the link, none: the help overlay then says to ask in person).

The ports are called from the session's thread (:class:`EventSink`, :class:`BackOfficeLink`)
or the card worker's (:class:`Level3Checker`, :class:`Receipts`), never from the UI's
drawing, and none may block for long: the sink commits to a local outbox, the link reads what
the uplink last noted, the checker has a short timeout and answers ``None`` when the
back-office cannot be reached, so the kiosk falls back to its own check and says so; a
printer answers with its trouble's code rather than wait for it to pass.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from kiosk.cie.identity import IdentityReport

# An audit event's values: codes, ids and counts, never personal data or a secret.
EventValue = str | int | bool | None


class EventSink(Protocol):
    def record(self, kind: str, data: Mapping[str, EventValue]) -> None:
        """Keep one audit event (``kind`` like ``journey.started``) for the back-office."""


class NoEvents:
    """The sink of a kiosk with no back-office."""

    def record(self, kind: str, data: Mapping[str, EventValue]) -> None:
        return None


@dataclass(frozen=True, slots=True)
class Nonce:
    """A challenge issued by the back-office; the card signs SHA-256(``value``)."""

    id: str
    value: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class RemoteVerdict:
    """The back-office's verdict on a level-3 authentication; ``certificate`` is the value of a
    :class:`~kiosk.uplink.schemas.CertificateVerdict` (valid, expired, revoked, ...)."""

    verification_id: int
    works: bool
    certificate: str
    signature_valid: bool
    revocation: str


@dataclass(frozen=True, slots=True)
class CardProof:
    """What the card gave for the back-office to check (no secret, no personal data beyond
    what the certificate itself holds)."""

    certificate: bytes
    signature: bytes
    card_serial: str
    nis: str


class Level3Checker(Protocol):
    def nonce(self) -> Nonce | None:
        """A fresh nonce from the back-office, or None when it cannot be reached in time."""

    def verify(self, nonce: Nonce, proof: CardProof) -> RemoteVerdict | None:
        """The back-office's verdict, or None when it cannot be reached in time."""


class Offline:
    """The checker of a kiosk with no back-office: always offline."""

    def nonce(self) -> Nonce | None:
        return None

    def verify(self, nonce: Nonce, proof: CardProof) -> RemoteVerdict | None:
        return None


class BackOfficeLink(Protocol):
    def reachable(self) -> bool:
        """Whether the back-office answered lately; asked on the UI thread when the citizen
        calls a clerk, so it reads what the uplink already knows and never waits on the
        network."""


class Activity(enum.Enum):
    """What the kiosk is doing; the values are those of the heartbeat's ``KioskState``, so the
    uplink maps one to the other by value."""

    IDLE = "idle"  # the attract screen, or a citizen choosing the language or a journey
    IN_JOURNEY = "in-journey"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class KioskStatus:
    """What the heartbeat says of the session: no screen, no person, only the activity and,
    in a journey, which one (a :class:`~kiosk.journeys.machine.JourneyId` value)."""

    activity: Activity
    journey: str | None = None


class TicketKind(enum.Enum):
    """A hand-off to the anagrafe desk; the values are the wire's ``TicketKind``."""

    REPRINT = "reprint"
    PUK_RECOVERY = "puk_recovery"


class Delivery(enum.Enum):
    """How the codes come; the values are the wire's ``Delivery``."""

    COUNTER = "counter"
    COUNTER_AND_EMAIL = "counter_and_email"


@dataclass(frozen=True, slots=True)
class HandOff:
    """What a ticket tells the clerk: what the citizen asked for, and who the card (read with
    PACE and verified) says they are, or, in a session bound by the smartphone login, who the
    Comune's provider said they are. Never the CAN, never a code."""

    kind: TicketKind
    delivery: Delivery
    email: str | None
    identity: IdentityReport | PhoneIdentity = field(repr=False)


@dataclass(frozen=True, slots=True)
class FiledTicket:
    """The number the citizen holds, and whether the back-office was reachable lately (else
    the screen says the desk will see the ticket when the link is back)."""

    number: str
    online: bool


class TicketDesk(Protocol):
    def file(self, hand_off: HandOff) -> FiledTicket | None:
        """Commit the ticket where nothing loses it (the outbox) and give its number; None
        when it could not be kept, so the citizen is sent to the counter instead."""


class NoDesk:
    """The desk of a kiosk with no back-office: nothing can be filed."""

    def file(self, hand_off: HandOff) -> FiledTicket | None:
        return None


# -- "continue with smartphone" ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PhoneLink:
    """The one-time URL the kiosk shows as a QR, and the login it belongs to."""

    login_id: str
    url: str = field(repr=False)  # a one-time secret until the phone opens it


@dataclass(frozen=True, slots=True)
class PhoneIdentity:
    """Who the Comune's provider said the citizen is, once the code was redeemed: what the
    kiosk session is bound to. ``source`` is ``"smartphone"`` (the ticket says so), never the
    chip."""

    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    fiscal_number: str = field(repr=False)
    source: str


@dataclass(frozen=True, slots=True)
class PhoneRefused:
    """Why the back-office said no (its ``PHONE_*`` code), or ``UPLINK_UNREACHABLE`` when it
    could not be asked, or ``PHONE_UNAVAILABLE`` on a kiosk without a back-office."""

    code: str


class PhoneLogin(Protocol):
    """The back-office's side of "continue with smartphone". Both calls block for at most the
    uplink's short timeout: the journey runs them on the worker's thread, never the UI's."""

    def link(self) -> PhoneLink | PhoneRefused:
        """A new one-time URL bound to this kiosk."""

    def redeem(self, login_id: str, code: str) -> PhoneIdentity | PhoneRefused:
        """The identity of the login ``login_id``, if ``code`` is the code its phone showed."""


class NoPhone:
    """The smartphone login of a kiosk with no back-office: never available."""

    def link(self) -> PhoneLink | PhoneRefused:
        return PhoneRefused("PHONE_UNAVAILABLE")

    def redeem(self, login_id: str, code: str) -> PhoneIdentity | PhoneRefused:
        return PhoneRefused("PHONE_UNAVAILABLE")


# -- the receipt printer -----------------------------------------------------------------------

# The outcome of a receipt no printer took: the kiosk has none (the printer's own failures
# are its PRINTER_* codes).
NO_PRINTER = "PRINTER_NONE"


@dataclass(frozen=True, slots=True)
class ReceiptRequest:
    """A hand-off receipt as the journey knows it: the ticket's number and the message ids
    of what to do next, in the order printed; the composition root's adapter translates
    them into ``language`` (a :class:`~kiosk.journeys.views.Language` value) and adds the
    Comune's name and the QR code. Nothing personal: no name, no e-mail address, no code."""

    number: str
    title: str
    next_steps: tuple[str, ...]
    language: str


class Receipts(Protocol):
    """The receipt printer. Called on the worker's thread (an
    :class:`~kiosk.journeys.worker.Errand`), never the UI's: a printer may take seconds."""

    def print(self, request: ReceiptRequest) -> str | None:
        """Print the receipt; None when it came out, else the printer's error code
        (``PRINTER_PAPER_OUT``, ``PRINTER_COVER_OPEN``, ``PRINTER_GONE``,
        ``PRINTER_FAULT``, or :data:`NO_PRINTER`). Never raises for a printer's trouble."""


class NoReceipts:
    """The printer of a kiosk that has none."""

    def print(self, request: ReceiptRequest) -> str | None:
        return NO_PRINTER


# -- "print these steps" (the activation helper) ----------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivationSteps:
    """What the printed steps carry, so an older citizen can finish at home: the card's
    number (typed on the Ministry's site), whether level 3 is for this holder, and the two
    addresses, printed as QR codes; the printer's side writes the texts in the session's
    language. Nothing else personal: no name, no date of birth, never a code."""

    document_number: str = field(repr=False)
    level3: bool
    activation_url: str
    cieid_app_url: str


class StepsPrinter(Protocol):
    def print_steps(self, steps: ActivationSteps) -> bool:
        """Print the steps; False when they could not be printed (no paper, printer off)."""
