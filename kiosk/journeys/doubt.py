"""After a card left while a PIN or PUK command was on its way: the truth, as far as it is known.

When the answer to VERIFY, CHANGE REFERENCE DATA or RESET RETRY COUNTER is lost with the card
(:attr:`~kiosk.journeys.events.CardFailed.in_doubt`), nobody knows whether the card acted on
it: the try may be spent, the PIN may be the new one. So the citizen is told that it may have
happened, never that nothing did, and asked to lay the card again. Then the tries left are
read (spending none) and compared with those read before the command: what they prove is
said, and which PIN to try first. The kiosk never tries a PIN itself to find out.

What the counters prove (PROTOCOL.md §3): a VERIFY with a wrong code lowers its counter by
one, a right one leaves it full; RESET RETRY COUNTER fills the PIN's counter, and nothing else
does; CHANGE REFERENCE DATA follows a VERIFY of the old PIN that already filled it, so after
a torn change the counters cannot tell old from new, and the new PIN is the one to try first
(a refusal costs one try and the old PIN then works).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.cie.pins import MAX_TRIES, Reference
from kiosk.cie.steps import Step
from kiosk.cie.tasks import CardStatus
from kiosk.journeys import jobs
from kiosk.journeys.context import JourneyContext
from kiosk.journeys.events import CardInserted, Event
from kiosk.journeys.machine import Table
from kiosk.journeys.states import Ask, End, Exit, RunCardTask, Services, WipeSecrets
from kiosk.journeys.views import Choice, Fact, Screen, facts

MAY_HAVE = {
    Step.VERIFY_PIN: "doubt.may_have.verify_pin",
    Step.VERIFY_PUK: "doubt.may_have.verify_puk",
    Step.CHANGE_PIN: "doubt.may_have.change_pin",
    Step.UNBLOCK_PIN: "doubt.may_have.unblock_pin",
}
PIN_UNCHANGED = "doubt.known.pin_unchanged"
PIN_STILL_BLOCKED = "doubt.known.pin_still_blocked"
PIN_TRY_COUNTED = "doubt.known.pin_try_counted"
NO_PIN_TRY_COUNTED = "doubt.known.no_pin_try_counted"
PUK_TRY_COUNTED = "doubt.known.puk_try_counted"
NO_PUK_TRY_COUNTED = "doubt.known.no_puk_try_counted"
NEW_PIN_SET = "doubt.known.new_pin_set"
MAYBE_NEW_PIN = "doubt.known.maybe_new_pin"
TRY_CURRENT_PIN = "doubt.try.current_pin"
TRY_NEW_PIN = "doubt.try.new_pin"
TRY_NEW_THEN_OLD = "doubt.try.new_then_old"

FULL_PIN = MAX_TRIES[Reference.PIN]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the counters prove (message ids, one line each) and which PIN to try first."""

    known: tuple[str, ...]
    try_first: str | None


def _counted(before: int | None, after: int | None, counted: str, none: str) -> tuple[str, ...]:
    if before is None or after is None:
        return ()
    return (counted,) if after < before else (none,)


def _current(after: CardStatus) -> tuple[tuple[str, ...], str | None]:
    """The PIN did not change: use it, unless it is blocked."""
    if after.pin.left == 0:
        return (PIN_STILL_BLOCKED,), None
    return (PIN_UNCHANGED,), TRY_CURRENT_PIN


def verdict(doubt: Step, before: CardStatus | None, after: CardStatus) -> Verdict:
    """What the tries read ``before`` the torn command and ``after`` it say about ``doubt``."""
    pin_before = before.pin.left if before else None
    if doubt in (Step.VERIFY_PIN, Step.VERIFY_PUK):
        if doubt is Step.VERIFY_PIN:
            counted = _counted(pin_before, after.pin.left, PIN_TRY_COUNTED, NO_PIN_TRY_COUNTED)
        else:
            counted = _counted(before.puk.left if before else None, after.puk.left,
                               PUK_TRY_COUNTED, NO_PUK_TRY_COUNTED)
        known, try_first = _current(after)
        return Verdict((*known, *counted), try_first)
    if doubt is Step.UNBLOCK_PIN and pin_before is not None and pin_before < FULL_PIN:
        if after.pin.left == FULL_PIN:
            return Verdict((NEW_PIN_SET,), TRY_NEW_PIN)
        if after.pin.left == pin_before:
            return Verdict(*_current(after))
    return Verdict((MAYBE_NEW_PIN,), TRY_NEW_THEN_OLD)


def _doubt_facts(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    return facts(may_have=MAY_HAVE[ctx.doubt] if ctx.doubt else None)


def _verdict_facts(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    after = ctx.reread
    if ctx.doubt is None or after is None:
        return facts()
    found = verdict(ctx.doubt, ctx.status, after)
    puk = ctx.doubt in (Step.VERIFY_PUK, Step.UNBLOCK_PIN)
    return facts(known=found.known, try_first=found.try_first, pin_tries_left=after.pin.left,
                 puk_tries_left=after.puk.left if puk else None)


class WaitForCardAgain(Ask[JourneyContext]):
    """Say what may have happened, and go on when the card is laid again (or, if it lies there
    already and the reader's report was missed, when the citizen presses "retry")."""

    def handle(self, ctx: JourneyContext, services: Services, event: Event) -> Exit | None:
        if isinstance(event, CardInserted):
            return Exit.CONTINUE
        return super().handle(ctx, services, event)


def _reread(ctx: JourneyContext, status: CardStatus) -> Exit:
    ctx.reread = status
    return Exit.CONTINUE


@dataclass(frozen=True, slots=True)
class AfterDoubt:
    """The steps after a torn change, merged into a journey's table with :meth:`rows`; the
    journey sends its task's :attr:`Exit.IN_DOUBT` to :attr:`wipe`."""

    wipe: WipeSecrets
    wait: WaitForCardAgain
    reread: RunCardTask[Any]
    show: Ask[Any]

    @classmethod
    def build(cls) -> AfterDoubt:
        return cls(
            wipe=WipeSecrets("WipeAfterDoubt"),
            wait=WaitForCardAgain("WaitForCardAgain", Screen.CARD_IN_DOUBT,
                                  {Choice.RETRY: Exit.CONTINUE, Choice.DONE: Exit.DONE},
                                  _doubt_facts, cancel=False),
            reread=RunCardTask("RereadTriesLeft", lambda ctx, services: jobs.status(), _reread,
                               {Exit.CONTINUE}),
            show=Ask("ShowWhatTheCardSays", Screen.AFTER_DOUBT, {Choice.DONE: Exit.DONE},
                     _verdict_facts, cancel=False),
        )

    def rows(self, end: End) -> Table:
        return {
            (self.wipe, Exit.CONTINUE): self.wait,
            (self.wait, Exit.CONTINUE): self.reread,
            (self.wait, Exit.DONE): end,
            (self.reread, Exit.CONTINUE): self.show,
            (self.reread, Exit.FAILED): self.wait,
            (self.reread, Exit.CARD_REMOVED): self.wait,
            (self.show, Exit.DONE): end,
        }
