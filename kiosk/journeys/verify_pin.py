"""Journey 2, "Test my PIN" (level-3 authentication, as "Entra con CIE" does it): the PIN on
the pad, then "you are MARIA ROSSI, codice fiscale …, your CIE works for Entra con CIE", with
the certificate's verdict and who gave it: the Comune's back-office when it answers (it issues
the challenge the card signs and judges the proof itself), else this kiosk alone. A wrong PIN
shows the tries left and lets the citizen type again (never the kiosk by itself); a blocked
PIN leads to "Unblock with PUK". The tries are read first, so no PIN is ever sent to a card
whose PIN is blocked. A card due for renewal gets the calm line with its date at the end, and
"how to renew" (:mod:`~kiosk.journeys.renewal`).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.journeys import jobs
from kiosk.journeys.common import (
    Endings,
    pin_tries,
    read_tries,
    show_card_dead,
    show_pin_blocked,
    show_wrong_pin,
)
from kiosk.journeys.context import PinTestContext
from kiosk.journeys.doubt import AfterDoubt
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.renewal import (
    NoteRenewal,
    iso_date,
    offer_renewal,
    renewal_line,
    show_renewal,
)
from kiosk.journeys.states import (
    Ask,
    End,
    EnterSecret,
    Exit,
    RunCardTask,
    Services,
    WaitForCard,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts


def _authenticated(ctx: PinTestContext, result: jobs.AuthResult) -> Exit:
    ctx.result = result
    ctx.expiry = iso_date(result.certificate.expires)
    return Exit.CONTINUE


def _identity_facts(ctx: PinTestContext, services: Services) -> Mapping[str, Fact]:
    """Who the card says the citizen is and whether it works for Entra con CIE, then the
    certificate's details: the order of the screen and of the voice, the answer first."""
    assert ctx.result is not None
    cert = ctx.result.certificate
    holder = cert.holder
    return facts(
        given_name=holder.given_name if holder else None,
        surname=holder.surname if holder else None,
        codice_fiscale=holder.codice_fiscale if holder else None,
        works_for_entra_con_cie=ctx.result.works,
        checked_by=ctx.result.checked_by.value if ctx.result.checked_by else None,
        certificate=cert.state.value,
        certificate_valid=cert.valid,
        certificate_expires=cert.expires,
        revocation=cert.revocation,
        signature_valid=ctx.result.signature_valid,
        **renewal_line(ctx, services),
    )


WAIT_FOR_CARD = WaitForCard("WaitForCard")
READ_TRIES = read_tries()
ENTER_PIN = EnterSecret[PinTestContext]("EnterPin", Screen.ENTER_PIN, "pin", pin_tries)
AUTHENTICATE = RunCardTask[PinTestContext](
    "Authenticate",
    lambda ctx, services: jobs.authenticate(ctx.pin, services.certificates, services.level3),
    _authenticated, {Exit.CONTINUE},
    {"WRONG_PIN": Exit.WRONG, "PIN_BLOCKED": Exit.BLOCKED}, may_change=True,
)
SHOW_IDENTITY = Ask[PinTestContext](
    "ShowIdentity", Screen.PIN_WORKS, {Choice.DONE: Exit.DONE, Choice.HOW_TO_RENEW: Exit.RENEW},
    _identity_facts, offered=offer_renewal, on_removal=Exit.DONE, back=Back.MENU,
)
NOTE_RENEWAL, SHOW_RENEWAL = NoteRenewal("NoteRenewalDue"), show_renewal()
SHOW_WRONG_PIN = show_wrong_pin()
SHOW_BLOCKED, SHOW_DEAD = show_pin_blocked(), show_card_dead()
WIPE_DONE, WIPE_WRONG = WipeSecrets("WipeAfterSuccess"), WipeSecrets("WipeAfterWrongPin")
WIPE_BLOCKED, WIPE_DEAD = WipeSecrets("WipeAfterBlocked"), WipeSecrets("WipeAfterDead")
END = End("End")
ENDINGS = Endings.build(WAIT_FOR_CARD, END)
AFTER_DOUBT = AfterDoubt.build()

TRANSITIONS: Table = {
    (WAIT_FOR_CARD, Exit.CONTINUE): READ_TRIES,
    (WAIT_FOR_CARD, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (READ_TRIES, Exit.CONTINUE): ENTER_PIN,
    (READ_TRIES, Exit.BLOCKED): WIPE_BLOCKED,
    (READ_TRIES, Exit.DEAD): WIPE_DEAD,
    (READ_TRIES, Exit.FAILED): ENDINGS.wipe_failed,
    (READ_TRIES, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (ENTER_PIN, Exit.CONTINUE): AUTHENTICATE,
    (ENTER_PIN, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (ENTER_PIN, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (AUTHENTICATE, Exit.CONTINUE): WIPE_DONE,
    (AUTHENTICATE, Exit.WRONG): WIPE_WRONG,
    (AUTHENTICATE, Exit.BLOCKED): WIPE_BLOCKED,
    (AUTHENTICATE, Exit.FAILED): ENDINGS.wipe_failed,
    (AUTHENTICATE, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (AUTHENTICATE, Exit.IN_DOUBT): AFTER_DOUBT.wipe,
    (WIPE_DONE, Exit.CONTINUE): NOTE_RENEWAL,
    (NOTE_RENEWAL, Exit.CONTINUE): SHOW_IDENTITY,
    (SHOW_IDENTITY, Exit.RENEW): SHOW_RENEWAL,
    (SHOW_RENEWAL, Exit.DONE): END,
    (SHOW_RENEWAL, Exit.CANCEL): SHOW_IDENTITY,
    (SHOW_IDENTITY, Exit.DONE): END,
    (SHOW_IDENTITY, Exit.CANCEL): END,
    (WIPE_WRONG, Exit.CONTINUE): SHOW_WRONG_PIN,
    (SHOW_WRONG_PIN, Exit.RETRY): WAIT_FOR_CARD,
    (SHOW_WRONG_PIN, Exit.CANCEL): END,
    (WIPE_BLOCKED, Exit.CONTINUE): SHOW_BLOCKED,
    (SHOW_BLOCKED, Exit.HANDOFF): END,
    (SHOW_BLOCKED, Exit.CANCEL): END,
    (WIPE_DEAD, Exit.CONTINUE): SHOW_DEAD,
    (SHOW_DEAD, Exit.DONE): END,
    (SHOW_DEAD, Exit.CANCEL): END,
    **ENDINGS.rows(),
    **AFTER_DOUBT.rows(END),
}

SPEC = JourneySpec(JourneyId.TEST_PIN, WAIT_FOR_CARD, END, TRANSITIONS, PinTestContext)
