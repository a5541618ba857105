"""Journey 4, "Unblock with PUK": the PUK tries left are read and shown before anything is
sent; at 3 or fewer (or unknown) an explicit confirmation says that 10 wrong PUKs end the
card's digital life, and offers to stop and go to the counter instead; then the PUK, the new
PIN's rules, and the new PIN twice. Every PUK try needs its own confirmation at low counts,
and the kiosk never sends a PUK again by itself.

Where a PUK is at stake (the confirmation, a wrong PUK) the way back is the counter: at the
anagrafe the codes are reprinted, and no try is spent.

The tries are read with the card's expiry, so that a card due for renewal gets the calm line
at the end, and "how to renew" (:mod:`~kiosk.journeys.renewal` says why it is read there and
what it costs).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.cie.pins import MAX_TRIES, Reference
from kiosk.cie.tasks import PUK_CONFIRMATION_THRESHOLD
from kiosk.journeys import jobs
from kiosk.journeys.common import (
    Endings,
    NewPinSteps,
    puk_tries,
    read_tries_and_expiry,
    show_card_dead,
    show_reprint_at_counter,
)
from kiosk.journeys.context import UnblockContext
from kiosk.journeys.doubt import AfterDoubt
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.renewal import NoteRenewal, offer_renewal, renewal_line, show_renewal
from kiosk.journeys.states import (
    Ask,
    Decide,
    End,
    EnterSecret,
    Exit,
    RunCardTask,
    Services,
    WaitForCard,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts


def _needs_confirmation(ctx: UnblockContext) -> Exit:
    ctx.confirmed = False
    left = ctx.tries(puk=True)
    if left is None or left <= PUK_CONFIRMATION_THRESHOLD:
        return Exit.CONFIRM_NEEDED
    return Exit.CONTINUE


def _record_confirmation(ctx: UnblockContext) -> Exit:
    ctx.confirmed = True
    return Exit.CONTINUE


def _confirmation_facts(ctx: UnblockContext, services: Services) -> Mapping[str, Fact]:
    return facts(puk_tries_left=ctx.tries(puk=True), puk_tries_max=MAX_TRIES[Reference.PUK],
                 warning="puk.warning.ten_wrong_end_digital_life")


def _tries_facts(ctx: UnblockContext, services: Services) -> Mapping[str, Fact]:
    return facts(puk_tries_left=ctx.tries(puk=True), pin_tries_left=ctx.tries())


WAIT_FOR_CARD = WaitForCard("WaitForCard")
READ_TRIES = read_tries_and_expiry(blocked_pin_ok=True)
SHOW_PUK_TRIES = Ask[UnblockContext](
    "ShowPukTriesLeft", Screen.PUK_TRIES, {Choice.CONTINUE: Exit.CONTINUE}, _tries_facts,
    needs_card=True,
)
CHECK_LOW_TRIES = Decide("CheckPukTriesLeft", _needs_confirmation,
                         {Exit.CONTINUE, Exit.CONFIRM_NEEDED})
CONFIRM_LAST_TRIES = Ask[UnblockContext](
    "ConfirmLastPukTries", Screen.PUK_CONFIRM_LAST_TRIES,
    {Choice.CONFIRM_PUK_TRY: Exit.CONTINUE, Choice.GO_TO_COUNTER: Exit.COUNTER},
    _confirmation_facts, needs_card=True, cancel=False,
)
RECORD_CONFIRMATION = Decide("RecordConfirmation", _record_confirmation, {Exit.CONTINUE})
ENTER_PUK = EnterSecret[UnblockContext]("EnterPuk", Screen.ENTER_PUK, "puk", puk_tries)
UNBLOCK = RunCardTask[UnblockContext](
    "ResetRetryCounter",
    lambda ctx, services: jobs.unblock(ctx.puk, ctx.new, confirmed=bool(ctx.confirmed)),
    lambda ctx, result: Exit.CONTINUE, {Exit.CONTINUE},
    {"WRONG_PUK": Exit.WRONG, "PUK_BLOCKED": Exit.DEAD,
     "CONFIRMATION_REQUIRED": Exit.CONFIRM_NEEDED}, may_change=True,
)
SHOW_UNBLOCKED = Ask[UnblockContext](
    "ShowPinUnblocked", Screen.PIN_UNBLOCKED,
    {Choice.DONE: Exit.DONE, Choice.HOW_TO_RENEW: Exit.RENEW}, renewal_line,
    offered=offer_renewal, on_removal=Exit.DONE, back=Back.MENU,
)
NOTE_RENEWAL, SHOW_RENEWAL = NoteRenewal("NoteRenewalDue"), show_renewal()
SHOW_WRONG_PUK = Ask[UnblockContext](
    "ShowWrongPuk", Screen.WRONG_PUK,
    {Choice.RETRY: Exit.RETRY, Choice.GO_TO_COUNTER: Exit.COUNTER}, puk_tries, cancel=False,
)
SHOW_COUNTER, SHOW_DEAD = show_reprint_at_counter(), show_card_dead()
WIPE_DONE, WIPE_WRONG = WipeSecrets("WipeAfterSuccess"), WipeSecrets("WipeAfterWrongPuk")
WIPE_RECONFIRM = WipeSecrets("WipeBeforeConfirmation")
WIPE_COUNTER, WIPE_DEAD = WipeSecrets("WipeForCounter"), WipeSecrets("WipeAfterDead")
END = End("End")
ENDINGS = Endings.build(WAIT_FOR_CARD, END)
NEW_PIN = NewPinSteps.build(ENDINGS)
AFTER_DOUBT = AfterDoubt.build()

TRANSITIONS: Table = {
    (WAIT_FOR_CARD, Exit.CONTINUE): READ_TRIES,
    (WAIT_FOR_CARD, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (READ_TRIES, Exit.CONTINUE): SHOW_PUK_TRIES,
    (READ_TRIES, Exit.DEAD): WIPE_DEAD,
    (READ_TRIES, Exit.FAILED): ENDINGS.wipe_failed,
    (READ_TRIES, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (SHOW_PUK_TRIES, Exit.CONTINUE): CHECK_LOW_TRIES,
    (SHOW_PUK_TRIES, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (SHOW_PUK_TRIES, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (CHECK_LOW_TRIES, Exit.CONTINUE): ENTER_PUK,
    (CHECK_LOW_TRIES, Exit.CONFIRM_NEEDED): CONFIRM_LAST_TRIES,
    (CONFIRM_LAST_TRIES, Exit.CONTINUE): RECORD_CONFIRMATION,
    (CONFIRM_LAST_TRIES, Exit.COUNTER): WIPE_COUNTER,
    (CONFIRM_LAST_TRIES, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (RECORD_CONFIRMATION, Exit.CONTINUE): ENTER_PUK,
    (ENTER_PUK, Exit.CONTINUE): NEW_PIN.show_rules,
    (ENTER_PUK, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (ENTER_PUK, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (UNBLOCK, Exit.CONTINUE): WIPE_DONE,
    (UNBLOCK, Exit.WRONG): WIPE_WRONG,
    (UNBLOCK, Exit.DEAD): WIPE_DEAD,
    (UNBLOCK, Exit.CONFIRM_NEEDED): WIPE_RECONFIRM,
    (UNBLOCK, Exit.FAILED): ENDINGS.wipe_failed,
    (UNBLOCK, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (UNBLOCK, Exit.IN_DOUBT): AFTER_DOUBT.wipe,
    (WIPE_RECONFIRM, Exit.CONTINUE): CONFIRM_LAST_TRIES,
    (WIPE_DONE, Exit.CONTINUE): NOTE_RENEWAL,
    (NOTE_RENEWAL, Exit.CONTINUE): SHOW_UNBLOCKED,
    (SHOW_UNBLOCKED, Exit.RENEW): SHOW_RENEWAL,
    (SHOW_RENEWAL, Exit.DONE): END,
    (SHOW_RENEWAL, Exit.CANCEL): SHOW_UNBLOCKED,
    (SHOW_UNBLOCKED, Exit.DONE): END,
    (SHOW_UNBLOCKED, Exit.CANCEL): END,
    (WIPE_WRONG, Exit.CONTINUE): SHOW_WRONG_PUK,
    (SHOW_WRONG_PUK, Exit.RETRY): WAIT_FOR_CARD,
    (SHOW_WRONG_PUK, Exit.COUNTER): SHOW_COUNTER,
    (WIPE_COUNTER, Exit.CONTINUE): SHOW_COUNTER,
    (SHOW_COUNTER, Exit.DONE): END,
    (SHOW_COUNTER, Exit.CANCEL): END,
    (WIPE_DEAD, Exit.CONTINUE): SHOW_DEAD,
    (SHOW_DEAD, Exit.DONE): END,
    (SHOW_DEAD, Exit.CANCEL): END,
    **NEW_PIN.rows(then=UNBLOCK),
    **ENDINGS.rows(),
    **AFTER_DOUBT.rows(END),
}

SPEC = JourneySpec(JourneyId.UNBLOCK_PIN, WAIT_FOR_CARD, END, TRANSITIONS, UnblockContext)
