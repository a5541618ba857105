"""What a journey carries from one state to the next, one dataclass per journey.

Secrets sit in :class:`~kiosk.cie.secret.Secret` holders that are zeroed in place; the session
wipes every context when it ends and asserts the holders are empty (in every build, not only
in debug ones as AusweisApp does). Personal data read from the card (names, codice fiscale,
tries left) is dropped by :meth:`JourneyContext.forget` at the same moment.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field, fields

from kiosk.cie.identity import IdentityReport
from kiosk.cie.secret import Secret
from kiosk.cie.steps import Step
from kiosk.cie.tasks import CardStatus
from kiosk.journeys.card_rules import CardDates, Verdict
from kiosk.journeys.jobs import AuthResult, CardRead, CheckResult
from kiosk.journeys.pin_rules import PinRule
from kiosk.journeys.ports import FiledTicket, PhoneIdentity, PhoneLink, TicketKind
from kiosk.journeys.views import Choice


class After(enum.Enum):
    """Where the session goes when a journey ends."""

    MENU = "menu"
    END_SESSION = "end-session"


class Notice(enum.Enum):
    """Why a PIN pad is shown again; the value is the message id."""

    MISMATCH = "pin.notice.mismatch"
    EMAIL_INVALID = "handoff.notice.email_invalid"


# Failures that carry the tries left of the PIN, and of the PUK.
_PIN_FAILURES = frozenset({"WRONG_PIN"})
_PUK_FAILURES = frozenset({"WRONG_PUK", "CONFIRMATION_REQUIRED"})


@dataclass(frozen=True, slots=True)
class Failure:
    code: str
    tries_left: int | None = None


@dataclass(eq=False)
class JourneyContext:
    ticket: int | None = None
    status: CardStatus | None = None
    failure: Failure | None = None
    handoff: Choice | None = None
    after: After = After.MENU
    notice: PinRule | Notice | None = None
    # A card that left with a command's answer lost: that step, and what the card said after.
    doubt: Step | None = None
    reread: CardStatus | None = None
    progress: Step | None = None  # what the card is doing now, while a task runs

    def secrets(self) -> tuple[Secret, ...]:
        return tuple(value for f in fields(self)
                     if isinstance(value := getattr(self, f.name), Secret))

    def wipe_secrets(self) -> None:
        for secret in self.secrets():
            secret.wipe()

    @property
    def secrets_wiped(self) -> bool:
        return all(len(secret) == 0 for secret in self.secrets())

    def forget(self) -> None:
        """Wipe the secrets and drop everything read from the card."""
        self.wipe_secrets()
        for f in fields(self):
            if not isinstance(getattr(self, f.name), Secret) and f.name != "after":
                setattr(self, f.name, None)

    def tries(self, puk: bool = False) -> int | None:
        """Tries left as last learned: from a refused try (which may say "unknown"), else
        from the status read."""
        if self.failure is not None and self.failure.code in (_PUK_FAILURES if puk
                                                              else _PIN_FAILURES):
            return self.failure.tries_left
        if self.status is None:
            return None
        return (self.status.puk if puk else self.status.pin).left


@dataclass(eq=False)
class Renewable(JourneyContext):
    """A journey that learns the card's expiry and ends with the renewal reminder
    (:mod:`~kiosk.journeys.renewal`)."""

    expiry: dt.date | None = None
    renewal_due: bool | None = None


@dataclass(eq=False)
class CheckContext(Renewable):
    result: CheckResult | None = None


@dataclass(eq=False)
class PinTestContext(Renewable):
    pin: Secret = field(default_factory=Secret)
    result: AuthResult | None = None


@dataclass(eq=False)
class ChangePinContext(Renewable):
    old: Secret = field(default_factory=Secret)
    new: Secret = field(default_factory=Secret)
    repeat: Secret = field(default_factory=Secret)


@dataclass(eq=False)
class UnblockContext(Renewable):
    puk: Secret = field(default_factory=Secret)
    new: Secret = field(default_factory=Secret)
    repeat: Secret = field(default_factory=Secret)
    confirmed: bool | None = False


@dataclass(eq=False)
class LostCodesContext(JourneyContext):
    lost: Choice | None = None


@dataclass(eq=False)
class HandOffContext(Renewable):
    """A hand-off to the desk: ``kind`` is the journey's; the CAN until the card task takes
    it; then what the card said (or, in a session the smartphone login bound, what the
    provider said: no card is read), how the codes should come, and the ticket filed."""

    kind: TicketKind | None = None
    can: Secret = field(default_factory=Secret)
    identity: IdentityReport | None = None
    phone: PhoneIdentity | None = None
    delivery: Choice | None = None
    email: str | None = None
    filed: FiledTicket | None = None
    # The receipt: None until the printer answered, then RECEIPT_PRINTED or its error code.
    receipt: str | None = None


@dataclass(eq=False)
class PhoneContext(JourneyContext):
    link: PhoneLink | None = None
    code: Secret = field(default_factory=Secret)
    identity: PhoneIdentity | None = None


@dataclass(eq=False)
class ActivationContext(JourneyContext):
    """The activation helper: the CAN until the card task takes it; then only what the rules
    need (the card's number and dates, the tries left), the verdict, and whether the steps
    were printed."""

    can: Secret = field(default_factory=Secret)
    read: CardRead | None = None  # the card task's answer, until the rules take what they need
    card: CardDates | None = None
    verdict: Verdict | None = None
    can_print: bool | None = None
    renewal_due: bool | None = None
    printed: bool | None = None
