"""Journey 5, "I lost my codes": what is lost, then the official way back.

A lost PIN alone is journey 4 (the PUK sets a new PIN). A lost PUK, or both, has two official
paths (field-references.md C.2 §2-3): the CieID app's "Recupero PUK", if an e-mail or mobile
number was left at the Comune (after 48 hours a message lets the citizen see the PUK), shown
with a QR code to the official instructions; and the reprint at the anagrafe counter, where the
clerk reprints one or both halves in CieOnline and the second half arrives by e-mail. The
kiosk itself cannot reprint codes, but the counter's screen files the request for the desk
(:mod:`~kiosk.journeys.hand_off`): a reprint when both are lost, a PUK recovery when the PUK is.

The way back of each screen leads to the screen before it: a citizen who opened the app's
path can still choose the counter.
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.journeys.common import counter_facts
from kiosk.journeys.context import LostCodesContext
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.states import (
    PUK_RECOVERY_HOURS,
    Ask,
    Decide,
    End,
    Exit,
    Services,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts


def _lost_facts(ctx: LostCodesContext, services: Services) -> Mapping[str, Fact]:
    return facts(lost="both" if ctx.lost is Choice.LOST_BOTH else "puk")


def _app_facts(ctx: LostCodesContext, services: Services) -> Mapping[str, Fact]:
    """In the order the citizen meets them (the screen and the voice follow it): who can use
    the app's recovery, what to do in the app, the wait, and what comes after."""
    return facts(qr_url=services.puk_recovery_url,
                 needs="lost.app.needs_contacts_at_comune",
                 app_menu="lost.app.menu_recupero_puk",
                 hours=PUK_RECOVERY_HOURS,
                 then_unblock=ctx.lost is Choice.LOST_BOTH)


def _hand_off_to_unblock(ctx: LostCodesContext) -> Exit:
    ctx.handoff = Choice.UNBLOCK_PIN
    return Exit.CONTINUE


ASK_WHAT_IS_LOST = Ask[LostCodesContext](
    "AskWhatIsLost", Screen.LOST_WHAT,
    {Choice.LOST_PIN: Exit.LOST_PIN, Choice.LOST_PUK: Exit.LOST_OTHER,
     Choice.LOST_BOTH: Exit.LOST_OTHER},
    back=Back.PREVIOUS, remember="lost",
)
HAND_OFF_TO_UNBLOCK = Decide("HandOffToUnblock", _hand_off_to_unblock, {Exit.CONTINUE})
SHOW_PATHS = Ask[LostCodesContext](
    "ShowRecoveryPaths", Screen.LOST_PATHS,
    {Choice.RECOVER_PUK_APP: Exit.APP, Choice.GO_TO_COUNTER: Exit.COUNTER},
    _lost_facts, back=Back.PREVIOUS,
)
SHOW_APP_RECOVERY = Ask[LostCodesContext](
    "ShowPukRecoveryInApp", Screen.PUK_RECOVERY_APP,
    {Choice.DONE: Exit.DONE}, _app_facts, back=Back.PREVIOUS,
)
def _request_offered(ctx: LostCodesContext) -> tuple[Choice, ...]:
    request = (Choice.REQUEST_REPRINT if ctx.lost is Choice.LOST_BOTH
               else Choice.REQUEST_PUK_AT_COUNTER)
    return (request,)


SHOW_COUNTER = Ask[LostCodesContext](
    "ShowReprintAtCounter", Screen.REPRINT_AT_COUNTER,
    {Choice.REQUEST_REPRINT: Exit.HANDOFF, Choice.REQUEST_PUK_AT_COUNTER: Exit.HANDOFF},
    counter_facts, offered=_request_offered, back=Back.PREVIOUS,
)
WIPE_HANDOFF, WIPE_DONE = WipeSecrets("WipeBeforeUnblock"), WipeSecrets("WipeWhenDone")
WIPE_CANCELLED = WipeSecrets("WipeOnCancel")
END = End("End")

TRANSITIONS: Table = {
    (ASK_WHAT_IS_LOST, Exit.LOST_PIN): HAND_OFF_TO_UNBLOCK,
    (ASK_WHAT_IS_LOST, Exit.LOST_OTHER): SHOW_PATHS,
    (ASK_WHAT_IS_LOST, Exit.CANCEL): WIPE_CANCELLED,
    (HAND_OFF_TO_UNBLOCK, Exit.CONTINUE): WIPE_HANDOFF,
    (WIPE_HANDOFF, Exit.CONTINUE): END,
    (SHOW_PATHS, Exit.APP): SHOW_APP_RECOVERY,
    (SHOW_PATHS, Exit.COUNTER): SHOW_COUNTER,
    (SHOW_PATHS, Exit.CANCEL): ASK_WHAT_IS_LOST,
    (SHOW_APP_RECOVERY, Exit.DONE): WIPE_DONE,
    (SHOW_APP_RECOVERY, Exit.CANCEL): SHOW_PATHS,
    (SHOW_COUNTER, Exit.HANDOFF): WIPE_HANDOFF,
    (SHOW_COUNTER, Exit.CANCEL): SHOW_PATHS,
    (WIPE_DONE, Exit.CONTINUE): END,
    (WIPE_CANCELLED, Exit.CONTINUE): END,
}

SPEC = JourneySpec(JourneyId.LOST_CODES, ASK_WHAT_IS_LOST, END, TRANSITIONS, LostCodesContext)
