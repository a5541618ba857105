"""Journey 3, "Change PIN": the current PIN, then the rules for a new one, then the new PIN
twice. The kiosk enforces the rules (8 digits, not all the same, not a sequence) before
anything is sent; the card would check only the length. The tries are read with the card's
expiry, so that a card due for renewal gets the calm line at the end, and "how to renew"
(:mod:`~kiosk.journeys.renewal` says why it is read there and what it costs).
"""

from __future__ import annotations

from kiosk.journeys import jobs
from kiosk.journeys.common import (
    Endings,
    NewPinSteps,
    pin_tries,
    read_tries_and_expiry,
    show_card_dead,
    show_pin_blocked,
    show_wrong_pin,
)
from kiosk.journeys.context import ChangePinContext
from kiosk.journeys.doubt import AfterDoubt
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.renewal import NoteRenewal, offer_renewal, renewal_line, show_renewal
from kiosk.journeys.states import (
    Ask,
    End,
    EnterSecret,
    Exit,
    RunCardTask,
    WaitForCard,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Screen

WAIT_FOR_CARD = WaitForCard("WaitForCard")
READ_TRIES = read_tries_and_expiry()
ENTER_OLD_PIN = EnterSecret[ChangePinContext]("EnterCurrentPin", Screen.ENTER_OLD_PIN, "old",
                                              pin_tries)
CHANGE_PIN = RunCardTask[ChangePinContext](
    "ChangePin", lambda ctx, services: jobs.change(ctx.old, ctx.new),
    lambda ctx, result: Exit.CONTINUE, {Exit.CONTINUE},
    {"WRONG_PIN": Exit.WRONG, "PIN_BLOCKED": Exit.BLOCKED}, may_change=True,
)
SHOW_CHANGED = Ask[ChangePinContext](
    "ShowPinChanged", Screen.PIN_CHANGED,
    {Choice.DONE: Exit.DONE, Choice.HOW_TO_RENEW: Exit.RENEW}, renewal_line,
    offered=offer_renewal, on_removal=Exit.DONE, back=Back.MENU,
)
NOTE_RENEWAL, SHOW_RENEWAL = NoteRenewal("NoteRenewalDue"), show_renewal()
SHOW_WRONG_PIN = show_wrong_pin()
SHOW_BLOCKED, SHOW_DEAD = show_pin_blocked(), show_card_dead()
WIPE_DONE, WIPE_WRONG = WipeSecrets("WipeAfterSuccess"), WipeSecrets("WipeAfterWrongPin")
WIPE_BLOCKED, WIPE_DEAD = WipeSecrets("WipeAfterBlocked"), WipeSecrets("WipeAfterDead")
END = End("End")
ENDINGS = Endings.build(WAIT_FOR_CARD, END)
NEW_PIN = NewPinSteps.build(ENDINGS)
AFTER_DOUBT = AfterDoubt.build()

TRANSITIONS: Table = {
    (WAIT_FOR_CARD, Exit.CONTINUE): READ_TRIES,
    (WAIT_FOR_CARD, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (READ_TRIES, Exit.CONTINUE): ENTER_OLD_PIN,
    (READ_TRIES, Exit.BLOCKED): WIPE_BLOCKED,
    (READ_TRIES, Exit.DEAD): WIPE_DEAD,
    (READ_TRIES, Exit.FAILED): ENDINGS.wipe_failed,
    (READ_TRIES, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (ENTER_OLD_PIN, Exit.CONTINUE): NEW_PIN.show_rules,
    (ENTER_OLD_PIN, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (ENTER_OLD_PIN, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (CHANGE_PIN, Exit.CONTINUE): WIPE_DONE,
    (CHANGE_PIN, Exit.WRONG): WIPE_WRONG,
    (CHANGE_PIN, Exit.BLOCKED): WIPE_BLOCKED,
    (CHANGE_PIN, Exit.FAILED): ENDINGS.wipe_failed,
    (CHANGE_PIN, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (CHANGE_PIN, Exit.IN_DOUBT): AFTER_DOUBT.wipe,
    (WIPE_DONE, Exit.CONTINUE): NOTE_RENEWAL,
    (NOTE_RENEWAL, Exit.CONTINUE): SHOW_CHANGED,
    (SHOW_CHANGED, Exit.RENEW): SHOW_RENEWAL,
    (SHOW_RENEWAL, Exit.DONE): END,
    (SHOW_RENEWAL, Exit.CANCEL): SHOW_CHANGED,
    (SHOW_CHANGED, Exit.DONE): END,
    (SHOW_CHANGED, Exit.CANCEL): END,
    (WIPE_WRONG, Exit.CONTINUE): SHOW_WRONG_PIN,
    (SHOW_WRONG_PIN, Exit.RETRY): WAIT_FOR_CARD,
    (SHOW_WRONG_PIN, Exit.CANCEL): END,
    (WIPE_BLOCKED, Exit.CONTINUE): SHOW_BLOCKED,
    (SHOW_BLOCKED, Exit.HANDOFF): END,
    (SHOW_BLOCKED, Exit.CANCEL): END,
    (WIPE_DEAD, Exit.CONTINUE): SHOW_DEAD,
    (SHOW_DEAD, Exit.DONE): END,
    (SHOW_DEAD, Exit.CANCEL): END,
    **NEW_PIN.rows(then=CHANGE_PIN),
    **ENDINGS.rows(),
    **AFTER_DOUBT.rows(END),
}

SPEC = JourneySpec(JourneyId.CHANGE_PIN, WAIT_FOR_CARD, END, TRANSITIONS, ChangePinContext)
