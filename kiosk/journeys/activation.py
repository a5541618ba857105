"""Journey 9, "Attiva la tua identità digitale CIE": what the citizen needs to turn the card
into a digital identity, and whether it can be one at all.

**What is read, without the PIN.** The rules need the holder's date of birth and the card's
expiry, and the steps need the card's number as printed on its front. Without the CAN a real
CIE gives only the NIS and the IAS-side public files (PROTOCOL.md §0.3, §1.3): no date, and the
printed number (EF 1002) is read after the PIN in every client. So the kiosk reads as the
reprint hand-off does: PACE with the CAN printed on the front (typed on the pad; it stays in
the card job and is wiped with it), DG1 (the number and the dates, DG11's full date of birth
when it is there), then the tries left in the same card session, spending none. The eMRTD
read takes the whole set the hand-off reads (kiosk.cie.icao reads the listed files in one
go, a few seconds more on a real chip for the photo); only the number, the two dates and the
tries left are kept, the rest is dropped as soon as the rules have them. The passive and chip
authentication verdicts are not acted on: the kiosk only explains, and the Ministry's site
checks the card itself.

**What applies** is :func:`~kiosk.journeys.card_rules.verdict` on the chip's dates and the
kiosk's clock: a clock that cannot be believed says so and decides nothing; an expired card
goes to the renewal; a child under 5 gets no digital identity; a dead card (PUK blocked) only
a new card, said once with how to book one; a blocked PIN goes to the unblock journey, or the
reprint hand-off when the PUK is lost too; a minor gets levels 1 and 2 only, never sent to the
level-3 screen.

**The steps**, one screen each, as the Ministry's procedure goes: what to have at hand,
"where is the first half of the PUK?" (the receipt, drawn), level 1-2 activation on the
Ministry's site (a QR, the card number large), the CieID app (a QR), level 3 (adults), and the
end, where the receipt printer, when there is one, prints the same steps. A card expiring within the
configured window gets one calm line there, with the way to renew.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kiosk.clock import EARLIEST_PLAUSIBLE
from kiosk.journeys.card_rules import CardDates, Verdict, chip_date, verdict
from kiosk.journeys.common import CanReading, Endings
from kiosk.journeys.context import ActivationContext
from kiosk.journeys.jobs import CardRead, read_card
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.ports import ActivationSteps
from kiosk.journeys.renewal import renewal_facts, renewal_offer
from kiosk.journeys.states import (
    Ask,
    Decide,
    End,
    Exit,
    RunCardTask,
    Services,
    State,
    WaitForCard,
)
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts

AT_HAND = ("activation.have.card", "activation.have.pin", "activation.have.puk_half",
           "activation.have.phone")
LEVELS_STEPS = ("activation.levels.step_site", "activation.levels.step_number",
                "activation.levels.step_puk", "activation.levels.step_otp")
APP_STEPS = ("activation.app.step_install", "activation.app.step_login")
LEVEL3_ADDS = ("activation.level3.adds_services", "activation.level3.needs_nfc",
               "activation.level3.optional")
EXITS = {
    Verdict.CLOCK_UNKNOWN: Exit.CLOCK_UNKNOWN,
    Verdict.EXPIRED: Exit.EXPIRED,
    Verdict.TOO_YOUNG: Exit.TOO_YOUNG,
    Verdict.PUK_BLOCKED: Exit.DEAD,
    Verdict.PIN_BLOCKED: Exit.BLOCKED,
    Verdict.LEVELS_1_2: Exit.CONTINUE,
    Verdict.ALL_LEVELS: Exit.CONTINUE,
}


def card_dates(read: CardRead, today: dt.date | None) -> CardDates:
    """The number, the dates and the tries left; the MRZ's two-digit years are read against
    today (or, on a clock that cannot be believed, against the firmware's date)."""
    base = today or EARLIEST_PLAUSIBLE
    who = read.identity
    return CardDates(who.document_number, chip_date(who.date_of_birth, base, future=False),
                     chip_date(who.date_of_expiry, base, future=True),
                     read.status.pin.left, read.status.puk.left)


def _read_done(ctx: ActivationContext, read: CardRead) -> Exit:
    ctx.read, ctx.status = read, read.status
    return Exit.CONTINUE


class DecideWhatApplies(State[ActivationContext]):
    """Keep the number, the dates and the tries left (the rest of the read is dropped), and
    find the verdict against today's date."""

    exits = frozenset(EXITS.values())

    def enter(self, ctx: ActivationContext, services: Services) -> Exit:
        assert ctx.read is not None
        today = services.guidance.today()
        ctx.card, ctx.read = card_dates(ctx.read, today), None
        ctx.verdict = verdict(ctx.card, today)
        ctx.can_print = services.steps_printer is not None
        ctx.renewal_due = bool(renewal_facts(ctx.card.expiry, services))
        return EXITS[ctx.verdict]


class PrintSteps(State[ActivationContext]):
    """Hand the steps to the receipt printer's port; the end screen says how it went."""

    exits = frozenset({Exit.CONTINUE})

    def enter(self, ctx: ActivationContext, services: Services) -> Exit:
        printer, card, guidance = services.steps_printer, ctx.card, services.guidance
        assert card is not None
        ctx.printed = printer is not None and printer.print_steps(ActivationSteps(
            card.document_number, ctx.verdict is Verdict.ALL_LEVELS,
            guidance.activation_url, guidance.cieid_app_url))
        return Exit.CONTINUE


def _expiry(ctx: ActivationContext) -> dt.date | None:
    return ctx.card.expiry if ctx.card is not None else None


def _dead_facts(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    guidance = services.guidance
    return facts(comune_text=guidance.comune_text, qr_url=guidance.booking_url)


def _renewal_facts(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    return renewal_offer(_expiry(ctx), services)


def _at_hand(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    return facts(have=AT_HAND)


def _levels_facts(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    assert ctx.card is not None
    minor = "activation.minor.levels_1_2_only" if ctx.verdict is Verdict.LEVELS_1_2 else None
    return facts(card_number=ctx.card.document_number, steps=LEVELS_STEPS, minor=minor,
                 qr_url=services.guidance.activation_url)


def _app_facts(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    return facts(steps=APP_STEPS, qr_url=services.guidance.cieid_app_url)


def _level3_facts(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    return facts(adds=LEVEL3_ADDS)


def _done_facts(ctx: ActivationContext, services: Services) -> Mapping[str, Fact]:
    printed = {True: "activation.printed", False: "activation.not_printed", None: None}
    return facts(printed=printed[ctx.printed], **renewal_facts(_expiry(ctx), services))


def _done_offered(ctx: ActivationContext) -> tuple[Choice, ...]:
    """One way forward: "print these steps" where there is a printer and they are not printed
    yet, then "how to renew" when the card is due, else "I am done"."""
    if ctx.can_print and ctx.printed is None:
        return (Choice.PRINT_STEPS,)
    return (Choice.HOW_TO_RENEW,) if ctx.renewal_due else (Choice.DONE,)


def _after_app(ctx: ActivationContext) -> Exit:
    """A minor is not shown level 3: the card gives it from 18 only."""
    return Exit.CONTINUE if ctx.verdict is Verdict.ALL_LEVELS else Exit.DONE


INTRO = Ask[ActivationContext]("ShowWhatItNeeds", Screen.ACTIVATION_INTRO,
                               {Choice.CONTINUE: Exit.CONTINUE})
WAIT_FOR_CARD = WaitForCard("WaitForCard")
READ_CARD = RunCardTask[ActivationContext](
    "ReadCardDates", lambda ctx, services: read_card(ctx.can, services.certificates),
    _read_done, {Exit.CONTINUE}, {"WRONG_CAN": Exit.WRONG, "INVALID_CAN_FORMAT": Exit.WRONG})
READING = CanReading.build(WAIT_FOR_CARD, READ_CARD)
DECIDE = DecideWhatApplies("DecideWhatApplies")
CLOCK = Ask[ActivationContext]("ShowClockUnknown", Screen.ACTIVATION_CLOCK,
                               {Choice.DONE: Exit.DONE}, back=Back.MENU)
TOO_YOUNG = Ask[ActivationContext]("ShowTooYoung", Screen.ACTIVATION_TOO_YOUNG,
                                   {Choice.DONE: Exit.DONE}, back=Back.MENU)
# An expired or dead card has nothing left to do at the kiosk: the way to a new card, said
# once, and "I am done".
EXPIRED = Ask[ActivationContext]("ShowRenewal", Screen.RENEWAL, {Choice.DONE: Exit.DONE},
                                 _renewal_facts, cancel=False)
DEAD = Ask[ActivationContext]("ShowNewCardOnly", Screen.ACTIVATION_PUK_BLOCKED,
                              {Choice.DONE: Exit.DONE}, _dead_facts, cancel=False)
PIN_BLOCKED = Ask[ActivationContext](
    "ShowUnblockFirst", Screen.ACTIVATION_PIN_BLOCKED,
    {Choice.UNBLOCK_PIN: Exit.HANDOFF, Choice.REQUEST_REPRINT: Exit.HANDOFF},
    back=Back.MENU)
AT_HAND_STEP = Ask[ActivationContext](
    "ShowWhatToHaveAtHand", Screen.ACTIVATION_AT_HAND, {Choice.CONTINUE: Exit.CONTINUE},
    _at_hand, back=Back.MENU)
PUK_WHERE = Ask[ActivationContext]("ShowWhereThePukIs", Screen.ACTIVATION_PUK_WHERE,
                                   {Choice.CONTINUE: Exit.CONTINUE}, back=Back.PREVIOUS)
LEVELS = Ask[ActivationContext]("ShowLevelsOneAndTwo", Screen.ACTIVATION_LEVELS_1_2,
                                {Choice.CONTINUE: Exit.CONTINUE}, _levels_facts,
                                back=Back.PREVIOUS)
APP = Ask[ActivationContext]("ShowCieIdApp", Screen.ACTIVATION_CIEID_APP,
                             {Choice.CONTINUE: Exit.CONTINUE}, _app_facts, back=Back.PREVIOUS)
LEVEL_3_OR_NOT = Decide[ActivationContext]("OfferLevelThree", _after_app,
                                           {Exit.CONTINUE, Exit.DONE})
LEVEL_3 = Ask[ActivationContext]("ShowLevelThree", Screen.ACTIVATION_LEVEL_3,
                                 {Choice.CONTINUE: Exit.CONTINUE}, _level3_facts,
                                 back=Back.PREVIOUS)
DONE = Ask[ActivationContext](
    "ShowDone", Screen.ACTIVATION_DONE,
    {Choice.PRINT_STEPS: Exit.PRINT, Choice.HOW_TO_RENEW: Exit.RENEW, Choice.DONE: Exit.DONE},
    _done_facts, offered=_done_offered, back=Back.MENU)
PRINT = PrintSteps("PrintSteps")
RENEWAL = Ask[ActivationContext]("ShowHowToRenew", Screen.RENEWAL, {Choice.DONE: Exit.DONE},
                                 _renewal_facts, back=Back.PREVIOUS)
END = End("End")
ENDINGS = Endings.build(WAIT_FOR_CARD, END)
CANCELLED = ENDINGS.wipe_cancelled

TRANSITIONS: Table = {
    (INTRO, Exit.CONTINUE): WAIT_FOR_CARD,
    (INTRO, Exit.CANCEL): CANCELLED,
    **READING.rows(ENDINGS),
    (READING.wipe_read, Exit.CONTINUE): DECIDE,
    (DECIDE, Exit.CLOCK_UNKNOWN): CLOCK,
    (DECIDE, Exit.EXPIRED): EXPIRED,
    (DECIDE, Exit.TOO_YOUNG): TOO_YOUNG,
    (DECIDE, Exit.DEAD): DEAD,
    (DECIDE, Exit.BLOCKED): PIN_BLOCKED,
    (DECIDE, Exit.CONTINUE): AT_HAND_STEP,
    (CLOCK, Exit.DONE): END,
    (CLOCK, Exit.CANCEL): END,
    (TOO_YOUNG, Exit.DONE): END,
    (TOO_YOUNG, Exit.CANCEL): END,
    (EXPIRED, Exit.DONE): END,
    (DEAD, Exit.DONE): END,
    (PIN_BLOCKED, Exit.HANDOFF): END,
    (PIN_BLOCKED, Exit.CANCEL): END,
    (AT_HAND_STEP, Exit.CONTINUE): PUK_WHERE,
    (AT_HAND_STEP, Exit.CANCEL): END,
    (PUK_WHERE, Exit.CONTINUE): LEVELS,
    (PUK_WHERE, Exit.CANCEL): AT_HAND_STEP,
    (LEVELS, Exit.CONTINUE): APP,
    (LEVELS, Exit.CANCEL): AT_HAND_STEP,
    (APP, Exit.CONTINUE): LEVEL_3_OR_NOT,
    (APP, Exit.CANCEL): LEVELS,
    (LEVEL_3_OR_NOT, Exit.CONTINUE): LEVEL_3,
    (LEVEL_3_OR_NOT, Exit.DONE): DONE,
    (LEVEL_3, Exit.CONTINUE): DONE,
    (LEVEL_3, Exit.CANCEL): APP,
    (DONE, Exit.PRINT): PRINT,
    (DONE, Exit.RENEW): RENEWAL,
    (DONE, Exit.DONE): END,
    (DONE, Exit.CANCEL): END,
    (PRINT, Exit.CONTINUE): DONE,
    (RENEWAL, Exit.DONE): END,
    (RENEWAL, Exit.CANCEL): DONE,
    **ENDINGS.rows(),
}

SPEC = JourneySpec(JourneyId.ACTIVATION, INTRO, END, TRANSITIONS, ActivationContext)
