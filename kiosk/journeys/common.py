"""Steps and view data several journeys share: reading the tries left, the screens that
close a journey (error, card removed, PIN blocked, card dead), the endings every card
journey has, and the new-PIN steps of the two journeys that set one. Each function builds a
new instance, so that every journey has its own states, with its own names in its own table.

Each screen offers one way forward and one way back (:class:`~kiosk.journeys.views.Back`): a
result that leaves more to do goes forward to it (retry, unblock) and back to the menu; a
result that closes the visit goes forward to "I am done" (the session ends) and back to the
menu, for another service. The lost-codes journey stays one menu button away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.cie.pace import CAN_LENGTH
from kiosk.cie.tasks import CardStatus, DigitalIdentity
from kiosk.journeys import jobs
from kiosk.journeys.context import JourneyContext, Notice
from kiosk.journeys.machine import Table
from kiosk.journeys.pin_rules import RULES_SHOWN, broken_rule, same_digits
from kiosk.journeys.renewal import iso_date
from kiosk.journeys.states import (
    Ask,
    Decide,
    End,
    EnterSecret,
    Exit,
    RunCardTask,
    Services,
    State,
    WaitForCard,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts


def pin_tries(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    return facts(pin_tries_left=ctx.tries())


def puk_tries(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    return facts(puk_tries_left=ctx.tries(puk=True))


def new_pin_rules(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    return facts(rules=tuple(rule.value for rule in RULES_SHOWN))


def _status_exit(ctx: JourneyContext, status: CardStatus, blocked_pin_ok: bool) -> Exit:
    ctx.status = status
    identity = status.digital_identity
    if identity is DigitalIdentity.DEAD:
        return Exit.DEAD
    if identity is DigitalIdentity.PIN_BLOCKED and not blocked_pin_ok:
        return Exit.BLOCKED
    return Exit.CONTINUE


def read_tries(name: str = "ReadTriesLeft", *, blocked_pin_ok: bool = False) -> RunCardTask[Any]:
    """Read the tries left (spends none): a blocked PIN or a dead card leave by their exits."""
    exits = {Exit.CONTINUE, Exit.DEAD} | (set() if blocked_pin_ok else {Exit.BLOCKED})
    return RunCardTask(
        name,
        lambda ctx, services: jobs.status(),
        lambda ctx, status: _status_exit(ctx, status, blocked_pin_ok),
        exits,
    )


def read_tries_and_expiry(name: str = "ReadTriesAndExpiry", *,
                          blocked_pin_ok: bool = False) -> RunCardTask[Any]:
    """The tries left, and in the same IAS session the certificate whose end of validity is
    the card's expiry (:mod:`~kiosk.journeys.renewal` says what it costs), before any code is
    typed; spends no try."""
    exits = {Exit.CONTINUE, Exit.DEAD} | (set() if blocked_pin_ok else {Exit.BLOCKED})

    def done(ctx: Any, result: jobs.CheckResult) -> Exit:
        ctx.expiry = iso_date(result.certificate.expires)
        return _status_exit(ctx, result.status, blocked_pin_ok)

    return RunCardTask(name, lambda ctx, services: jobs.check(services.certificates), done, exits)


# Failures of a card the kiosk cannot use at all: laying it again will not help, and the
# citizen can still be identified by continuing with the smartphone.
CARD_UNUSABLE = frozenset({
    "UNSUPPORTED_CHIP", "PACE_UNSUPPORTED", "PUBLIC_KEY_INVALID", "CERTIFICATE_INVALID",
    "SOD_MALFORMED", "SOD_UNSUPPORTED_ALGORITHM", "SECURITY_INFOS_MALFORMED",
    "DATA_GROUP_MALFORMED",
})


def _after_error(ctx: JourneyContext) -> tuple[Choice, ...]:
    unusable = ctx.failure is not None and ctx.failure.code in CARD_UNUSABLE
    return (Choice.CONTINUE_WITH_PHONE if unusable else Choice.RETRY,)


def show_error() -> Ask[Any]:
    return Ask("ShowError", Screen.ERROR,
               {Choice.RETRY: Exit.RETRY, Choice.CONTINUE_WITH_PHONE: Exit.HANDOFF},
               offered=_after_error, back=Back.MENU, explains_failure=True)


def show_card_removed() -> Ask[Any]:
    """The safe stop: the card left mid-way; whatever was sent, the citizen can check."""
    return Ask("ShowCardRemoved", Screen.CARD_REMOVED,
               {Choice.CHECK_CARD: Exit.HANDOFF, Choice.DONE: Exit.DONE}, cancel=False)


def show_pin_blocked() -> Ask[Any]:
    return Ask("ShowPinBlocked", Screen.PIN_BLOCKED, {Choice.UNBLOCK_PIN: Exit.HANDOFF},
               puk_tries, back=Back.MENU)


def show_wrong_pin() -> Ask[Any]:
    """The PIN was wrong: the tries left, and a retry (a lost PIN is the menu's business)."""
    return Ask[Any]("ShowWrongPin", Screen.WRONG_PIN, {Choice.RETRY: Exit.RETRY}, pin_tries,
                    back=Back.MENU)


def show_card_dead() -> Ask[Any]:
    """Ten wrong PUKs: only a new card at the anagrafe gives back a digital identity."""
    return Ask("ShowCardDead", Screen.CARD_DEAD, {Choice.DONE: Exit.DONE}, back=Back.MENU)


def _check_new(ctx: Any) -> Exit:
    rule = broken_rule(ctx.new)
    ctx.notice = rule
    if rule is not None:
        ctx.new.wipe()
        return Exit.WEAK
    return Exit.CONTINUE


def _check_repeat(ctx: Any) -> Exit:
    if same_digits(ctx.new, ctx.repeat):
        ctx.notice = None
        return Exit.CONTINUE
    ctx.new.wipe()
    ctx.repeat.wipe()
    ctx.notice = Notice.MISMATCH
    return Exit.MISMATCH


def check_new_pin() -> Decide[Any]:
    """The kiosk's rules for a new PIN (the card checks only its length); WEAK names the rule."""
    return Decide("CheckNewPinRules", _check_new, {Exit.CONTINUE, Exit.WEAK})


def check_repeated_pin() -> Decide[Any]:
    return Decide("CheckNewPinRepeated", _check_repeat, {Exit.CONTINUE, Exit.MISMATCH})


def show_new_pin_rules() -> Ask[Any]:
    """The rules, stated before the citizen types a new PIN."""
    return Ask("ShowNewPinRules", Screen.NEW_PIN_RULES, {Choice.CONTINUE: Exit.CONTINUE},
               new_pin_rules, needs_card=True)


# What to bring to the anagrafe for a reprint of PIN/PUK (field-references.md C.2 §2): the
# clerk identifies the citizen and needs the card's data; the second half goes by e-mail (any
# address, not PEC), or on paper with a signed delega when there is no e-mail.
BRING_TO_COUNTER = ("lost.bring.identity_document", "lost.bring.cie", "lost.bring.email_address")


def counter_facts(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    return facts(bring=BRING_TO_COUNTER, second_half="lost.second_half_by_email",
                 without_email="lost.paper_with_delega")


def show_reprint_at_counter() -> Ask[Any]:
    return Ask("ShowReprintAtCounter", Screen.REPRINT_AT_COUNTER, {Choice.DONE: Exit.DONE},
               counter_facts, back=Back.MENU)


@dataclass(frozen=True, slots=True)
class Endings:
    """How every card journey ends when it does not succeed: a failure shows the error (and
    may start again), a removal shows how to place the card, a cancel just ends; each behind
    its own wipe step. Like AusweisApp's composite states: built once per journey (states
    belong to one table) and merged into its table with :meth:`rows`."""

    wipe_failed: WipeSecrets
    show_error: Ask[Any]
    wipe_removed: WipeSecrets
    show_removed: Ask[Any]
    wipe_cancelled: WipeSecrets
    restart: WaitForCard
    end: End

    @classmethod
    def build(cls, restart: WaitForCard, end: End) -> Endings:
        return cls(
            wipe_failed=WipeSecrets("WipeAfterFailure"),
            show_error=show_error(),
            wipe_removed=WipeSecrets("WipeAfterRemoval"),
            show_removed=show_card_removed(),
            wipe_cancelled=WipeSecrets("WipeOnCancel"),
            restart=restart,
            end=end,
        )

    def rows(self) -> Table:
        return {
            (self.wipe_failed, Exit.CONTINUE): self.show_error,
            (self.show_error, Exit.RETRY): self.restart,
            (self.show_error, Exit.HANDOFF): self.end,
            (self.show_error, Exit.CANCEL): self.end,
            (self.wipe_removed, Exit.CONTINUE): self.show_removed,
            (self.show_removed, Exit.HANDOFF): self.end,
            (self.show_removed, Exit.DONE): self.end,
            (self.wipe_cancelled, Exit.CONTINUE): self.end,
        }


@dataclass(frozen=True, slots=True)
class CanReading:
    """The card read with the CAN printed on its front, as the activation helper and the
    hand-offs both do it: wait for the card, type the CAN, run ``read``; a wrong CAN says so
    and waits for the card again; a cancel or a removal takes the journey's endings. The CAN
    is wiped right after the read (``wipe_read``), whose way on is the journey's own. Built
    once per journey and merged into its table with :meth:`rows`."""

    wait: WaitForCard
    enter_can: EnterSecret[Any]
    read: RunCardTask[Any]
    wrong_can: Ask[Any]
    wipe_read: WipeSecrets

    @classmethod
    def build(cls, wait: WaitForCard, read: RunCardTask[Any]) -> CanReading:
        return cls(
            wait=wait,
            enter_can=EnterSecret[Any]("EnterCan", Screen.ENTER_CAN, "can", length=CAN_LENGTH),
            read=read,
            wrong_can=Ask[Any]("ShowWrongCan", Screen.ERROR, {Choice.RETRY: Exit.RETRY},
                               back=Back.MENU, explains_failure=True),
            wipe_read=WipeSecrets("WipeAfterRead"),
        )

    def rows(self, endings: Endings) -> Table:
        cancelled = endings.wipe_cancelled
        return {
            (self.wait, Exit.CONTINUE): self.enter_can,
            (self.wait, Exit.CANCEL): cancelled,
            (self.enter_can, Exit.CONTINUE): self.read,
            (self.enter_can, Exit.CANCEL): cancelled,
            (self.enter_can, Exit.CARD_REMOVED): endings.wipe_removed,
            (self.read, Exit.CONTINUE): self.wipe_read,
            (self.read, Exit.WRONG): self.wrong_can,
            (self.read, Exit.FAILED): endings.wipe_failed,
            (self.read, Exit.CARD_REMOVED): endings.wipe_removed,
            (self.wrong_can, Exit.RETRY): self.wait,
            (self.wrong_can, Exit.CANCEL): cancelled,
        }


@dataclass(frozen=True, slots=True)
class NewPinSteps:
    """The new PIN, as the change and the unblock journeys both ask for it: the rules stated
    first, the PIN typed and checked against them (back to typing on a weak one), typed again
    and compared (back on a mismatch); a cancel or a removal at any step takes the journey's
    endings. Built once per journey and merged into its table with :meth:`rows`."""

    show_rules: Ask[Any]
    enter: EnterSecret[Any]
    check: Decide[Any]
    repeat: EnterSecret[Any]
    check_repeated: Decide[Any]
    endings: Endings

    @classmethod
    def build(cls, endings: Endings) -> NewPinSteps:
        return cls(
            show_rules=show_new_pin_rules(),
            enter=EnterSecret[Any]("EnterNewPin", Screen.ENTER_NEW_PIN, "new"),
            check=check_new_pin(),
            repeat=EnterSecret[Any]("RepeatNewPin", Screen.REPEAT_NEW_PIN, "repeat"),
            check_repeated=check_repeated_pin(),
            endings=endings,
        )

    def rows(self, then: State[Any]) -> Table:
        """The steps' transitions; a PIN typed twice alike goes on to ``then``."""
        cancelled, removed = self.endings.wipe_cancelled, self.endings.wipe_removed
        return {
            (self.show_rules, Exit.CONTINUE): self.enter,
            (self.show_rules, Exit.CANCEL): cancelled,
            (self.show_rules, Exit.CARD_REMOVED): removed,
            (self.enter, Exit.CONTINUE): self.check,
            (self.enter, Exit.CANCEL): cancelled,
            (self.enter, Exit.CARD_REMOVED): removed,
            (self.check, Exit.CONTINUE): self.repeat,
            (self.check, Exit.WEAK): self.enter,
            (self.repeat, Exit.CONTINUE): self.check_repeated,
            (self.repeat, Exit.CANCEL): cancelled,
            (self.repeat, Exit.CARD_REMOVED): removed,
            (self.check_repeated, Exit.CONTINUE): then,
            (self.check_repeated, Exit.MISMATCH): self.enter,
        }
