"""Journey 1, "Check my card" (no PIN): is the chip readable, is the digital identity active,
PIN-blocked or dead, how many PIN and PUK tries are left, is the certificate valid; and for
each outcome, what to do next: the one button forward leads to the journey that helps (a
blocked PIN to the unblock), or ends the visit; the way back is the menu. A card expiring
within the renewal window, or expired, gets its date and "how to renew"
(:mod:`~kiosk.journeys.renewal`).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.cie.tasks import DigitalIdentity
from kiosk.journeys import jobs
from kiosk.journeys.common import Endings
from kiosk.journeys.context import CheckContext
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
    Exit,
    RunCardTask,
    Services,
    WaitForCard,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts


def _read_done(ctx: CheckContext, result: jobs.CheckResult) -> Exit:
    ctx.result, ctx.status = result, result.status
    ctx.expiry = iso_date(result.certificate.expires)
    return Exit.CONTINUE


def _next_steps(ctx: CheckContext) -> tuple[Choice, ...]:
    """One way forward: the unblock for a blocked PIN, else how to renew a card that is due,
    else the end of the visit."""
    identity = ctx.status.digital_identity if ctx.status else DigitalIdentity.DEAD
    if identity is DigitalIdentity.PIN_BLOCKED:
        return (Choice.UNBLOCK_PIN,)
    return offer_renewal(ctx)


def _advice(ctx: CheckContext) -> str:
    """The message id of what to do next."""
    assert ctx.result is not None
    identity = ctx.result.status.digital_identity
    if identity is DigitalIdentity.DEAD:
        return "check.next.new_card_at_counter"
    if identity is DigitalIdentity.PIN_BLOCKED:
        return "check.next.unblock_with_puk"
    if ctx.result.certificate.state.name in {"EXPIRED", "REVOKED", "UNTRUSTED", "INVALID"}:
        return "check.next.certificate_at_counter"
    if ctx.result.status.pin.left == 1:
        return "check.next.last_pin_try"
    return "check.next.all_good"


def _status_facts(ctx: CheckContext, services: Services) -> Mapping[str, Fact]:
    assert ctx.result is not None
    status, cert = ctx.result.status, ctx.result.certificate
    return facts(
        digital_identity=status.digital_identity.value,
        pin_tries_left=status.pin.left,
        puk_tries_left=status.puk.left,
        certificate=cert.state.value,
        certificate_expires=cert.expires,
        revocation=cert.revocation,
        next_step=_advice(ctx),
        **renewal_line(ctx, services),
    )


WAIT_FOR_CARD = WaitForCard("WaitForCard")
READ_CARD = RunCardTask[CheckContext](
    "ReadCardStatus", lambda ctx, services: jobs.check(services.certificates), _read_done,
    {Exit.CONTINUE},
)
SHOW_STATUS = Ask[CheckContext](
    "ShowCardStatus", Screen.CHECK_RESULT,
    {Choice.UNBLOCK_PIN: Exit.HANDOFF, Choice.DONE: Exit.DONE, Choice.HOW_TO_RENEW: Exit.RENEW},
    _status_facts, offered=_next_steps, back=Back.MENU,
)
WIPE_READ = WipeSecrets("WipeAfterRead")
NOTE_RENEWAL = NoteRenewal("NoteRenewalDue")
SHOW_RENEWAL = show_renewal()
END = End("End")
ENDINGS = Endings.build(WAIT_FOR_CARD, END)

TRANSITIONS: Table = {
    (WAIT_FOR_CARD, Exit.CONTINUE): READ_CARD,
    (WAIT_FOR_CARD, Exit.CANCEL): ENDINGS.wipe_cancelled,
    (READ_CARD, Exit.CONTINUE): WIPE_READ,
    (READ_CARD, Exit.FAILED): ENDINGS.wipe_failed,
    (READ_CARD, Exit.CARD_REMOVED): ENDINGS.wipe_removed,
    (WIPE_READ, Exit.CONTINUE): NOTE_RENEWAL,
    (NOTE_RENEWAL, Exit.CONTINUE): SHOW_STATUS,
    (SHOW_STATUS, Exit.RENEW): SHOW_RENEWAL,
    (SHOW_RENEWAL, Exit.DONE): END,
    (SHOW_RENEWAL, Exit.CANCEL): SHOW_STATUS,
    (SHOW_STATUS, Exit.HANDOFF): END,
    (SHOW_STATUS, Exit.DONE): END,
    (SHOW_STATUS, Exit.CANCEL): END,
    **ENDINGS.rows(),
}

SPEC = JourneySpec(JourneyId.CHECK_CARD, WAIT_FOR_CARD, END, TRANSITIONS, CheckContext)
