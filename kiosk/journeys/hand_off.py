"""Journeys 6 and 7, hand-offs to the anagrafe desk: "I lost PIN and PUK: reprint them", and
the PUK recovery asked at the counter instead of the CieID app.

The kiosk cannot reprint codes (only a clerk in CieOnline can), but it can do the part that
makes the desk quick and sure: read the card with PACE (the CAN printed on its front, typed on
the pad; it stays in the card job and is wiped with it), check passive and chip
authentication, show the citizen what it read, ask how the codes should come (both halves at
the counter, or the first half there and the second by e-mail, as the Ministry offers), and
file a ticket whose number the citizen takes to the desk. There the clerk sees the chip's
photo and the verdicts, and compares the face with the person.

Decisions: a card whose data or chip does not check out files no ticket (the clerk could not
rely on it; the screen sends the citizen to the counter with the card). A PUK-recovery ticket
carries what the kiosk verified exactly as a reprint does: the same reading, the same choice of
delivery (the PUK comes in two halves too). A ticket that cannot be kept (the outbox failed,
or no back-office) says so and sends the citizen to the counter. The ticket's screen says
whether the desk sees it already or will when the link is back: the number is the kiosk's own,
valid offline.

A session the smartphone login bound (:attr:`Services.bound`) reads no card: the citizen
used the phone because the card may be unreadable. The screen shows the provider's names and
codice fiscale, saying they come from the smartphone login, and the ticket files them as
such; there is no photo and there are no chip verdicts, so the clerk checks a document.

The ticket's screen prints the receipt as it opens (:class:`ShowTicket`), on the worker's
thread through the :class:`~kiosk.journeys.ports.Receipts` port, with the number, what was
asked and what to do next as message ids in the citizen's language. The number is on the
screen from the start, so a receipt that does not come out (no paper, cover open, printer
gone or broken, no printer at all) costs nothing but a notice: take a photo of the number
instead. Paper and cover are things a clerk fixes in a minute, so then the screen also offers
to print again; a printer that is gone or broken will not come back while the citizen waits.

A card due for renewal (DG1's expiry, on the kiosk's clock) gets the calm line on the ticket's
screen, and "how to renew" beside "done" (:mod:`~kiosk.journeys.renewal`); the offer's screen
has no way back, since the ticket's screen would print again.
"""


from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping

from kiosk.cie.identity import IdentityReport
from kiosk.journeys import jobs
from kiosk.journeys.card_rules import chip_date
from kiosk.journeys.common import CanReading, Endings
from kiosk.journeys.context import HandOffContext, Notice
from kiosk.journeys.events import (
    CardDone,
    CardFailed,
    CharacterTyped,
    Chosen,
    Confirmed,
    DigitDeleted,
    Event,
)
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.ports import NO_PRINTER, Delivery, HandOff, ReceiptRequest, TicketKind
from kiosk.journeys.renewal import NoteRenewal, renewal_line, show_renewal
from kiosk.journeys.states import (
    Ask,
    Decide,
    End,
    Exit,
    Facts,
    RunCardTask,
    Services,
    State,
    WaitForCard,
    WipeSecrets,
)
from kiosk.journeys.views import Back, Choice, Fact, Language, Screen, View, facts
from kiosk.journeys.worker import Errand

MAX_EMAIL = 254
# What the kiosk can check of an address without mailing it (the wire's Email says the same):
# one @, a dotted domain, no spaces or quotes.
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
DELIVERIES = {Choice.DELIVERY_COUNTER: Delivery.COUNTER,
              Choice.DELIVERY_EMAIL: Delivery.COUNTER_AND_EMAIL}
# What the citizen asked for, and the verdicts as the screen explains them (message ids).
ASKED = {TicketKind.REPRINT: "handoff.kind.reprint",
         TicketKind.PUK_RECOVERY: "handoff.kind.puk_recovery"}
PASSIVE = {"trusted": "handoff.passive.trusted", "untrusted": "handoff.passive.untrusted",
           "invalid": "handoff.passive.invalid"}
CHIP = {"passed": "handoff.chip.passed", "failed": "handoff.chip.failed",
        "not-supported": "handoff.chip.not_supported"}
IS_IT_YOU = "handoff.identity.is_it_you"
FROM_SMARTPHONE = "handoff.identity.from_smartphone"
DESK_SEES_IT, DESK_WHEN_LINK_BACK = "handoff.desk.sees_it", "handoff.desk.when_link_back"
# The receipt: its lines (the title above the number, then what to do next), and what the
# ticket's screen says of it.
RECEIPT_TITLE = "receipt.title"
RECEIPT_EMAIL = "receipt.second_half_by_email"
RECEIPT_QR = "receipt.qr_holds_the_number"
RECEIPT_PRINTED = "printed"
PRINTING, PRINTED = "handoff.receipt.printing", "handoff.receipt.printed"
# Why there is no receipt, as a notice: each says to take a photo of the number instead.
NO_RECEIPT = {NO_PRINTER: "handoff.receipt.no_printer",
              "PRINTER_PAPER_OUT": "handoff.receipt.paper_out",
              "PRINTER_COVER_OPEN": "handoff.receipt.cover_open"}
RECEIPT_FAILED = "handoff.receipt.failed"  # gone, fault, anything else
# Failures a clerk mends while the citizen waits: the screen offers to print again.
PRINT_AGAIN = frozenset({"PRINTER_PAPER_OUT", "PRINTER_COVER_OPEN"})


def valid_email(address: str) -> bool:
    return len(address) <= MAX_EMAIL and EMAIL.fullmatch(address) is not None


def _kind_facts(ctx: HandOffContext, services: Services) -> Mapping[str, Fact]:
    assert ctx.kind is not None
    return facts(asked=ASKED[ctx.kind])


def _identity_facts(ctx: HandOffContext, services: Services) -> Mapping[str, Fact]:
    who = ctx.identity
    assert who is not None
    return facts(given_name=who.given_name, surname=who.surname,
                 document_number=who.document_number, asked=IS_IT_YOU)


def _phone_facts(ctx: HandOffContext, services: Services) -> Mapping[str, Fact]:
    who = ctx.phone
    assert who is not None
    return facts(given_name=who.given_name, surname=who.family_name,
                 codice_fiscale=who.fiscal_number, source=FROM_SMARTPHONE, asked=IS_IT_YOU)


def _verdict_facts(ctx: HandOffContext, services: Services) -> Mapping[str, Fact]:
    who = ctx.identity
    assert who is not None
    return facts(passive=PASSIVE[who.passive_auth], chip=CHIP[who.chip_auth])


def _ticket_facts(ctx: HandOffContext, services: Services) -> Mapping[str, Fact]:
    filed = ctx.filed
    assert filed is not None
    link = DESK_SEES_IT if filed.online else DESK_WHEN_LINK_BACK
    receipt, notice = ctx.receipt, None
    if receipt is None:
        line: str | None = PRINTING if ctx.ticket is not None else None
    elif receipt == RECEIPT_PRINTED:
        line = PRINTED
    else:
        line, notice = None, NO_RECEIPT.get(receipt, RECEIPT_FAILED)
    return facts(ticket_number=filed.number, desk=link, receipt=line, notice=notice,
                 **renewal_line(ctx, services))


def _chip_expiry(ctx: HandOffContext, services: Services) -> dt.date | None:
    """DG1's expiry, the MRZ's two-digit year read against today (a clock that cannot be
    believed decides nothing: no date, no line)."""
    who, today = ctx.identity, services.guidance.today()
    if who is None or today is None:
        return None
    return chip_date(who.date_of_expiry, today, future=True)


def receipt_request(ctx: HandOffContext, language: Language) -> ReceiptRequest:
    """What the receipt says: the number, what was asked, what to do next (the ticket
    screen's own words), where the second half goes, and what the QR code holds."""
    assert ctx.filed is not None and ctx.kind is not None
    steps = [ASKED[ctx.kind], f"{Screen.TICKET_FILED.value}.body"]
    if ctx.delivery is Choice.DELIVERY_EMAIL:
        steps.append(RECEIPT_EMAIL)
    steps.append(RECEIPT_QR)
    return ReceiptRequest(ctx.filed.number, RECEIPT_TITLE, tuple(steps), language.value)


def _read_done(ctx: HandOffContext, report: IdentityReport) -> Exit:
    ctx.identity = report
    return Exit.CONTINUE


def _verified(ctx: HandOffContext) -> Exit:
    who = ctx.identity
    assert who is not None
    genuine = who.passive_auth == "trusted" and who.chip_auth == "passed"
    return Exit.CONTINUE if genuine else Exit.NOT_GENUINE


class EnterEmail(State[HandOffContext]):
    """The keyboard for the address the second half goes to; checked on OK, and typed again
    with a notice when it cannot be an address. The back key returns to the choice."""

    exits = frozenset({Exit.CONTINUE, Exit.CANCEL})

    def enter(self, ctx: HandOffContext, services: Services) -> None:
        ctx.email = ctx.email or ""
        ctx.notice = None

    def handle(self, ctx: HandOffContext, services: Services, event: Event) -> Exit | None:
        typed = ctx.email or ""
        if isinstance(event, CharacterTyped) and len(typed) < MAX_EMAIL:
            ctx.email, ctx.notice = typed + event.character, None
        elif isinstance(event, DigitDeleted):
            ctx.email, ctx.notice = typed[:-1], None
        elif isinstance(event, Confirmed):
            if valid_email(typed):
                return Exit.CONTINUE
            ctx.notice = Notice.EMAIL_INVALID
        return None

    def view(self, ctx: HandOffContext, services: Services) -> View:
        notice = None if ctx.notice is None else ctx.notice.value
        return View(Screen.ENTER_EMAIL, (), facts(email=ctx.email or "", notice=notice))


class UseBoundIdentity(State[HandOffContext]):
    """Take the identity the session is bound to, if any: then no card is read, and the
    intro, which asks for the card and its CAN, is not shown either."""

    exits = frozenset({Exit.CONTINUE, Exit.BOUND})

    def enter(self, ctx: HandOffContext, services: Services) -> Exit:
        ctx.phone = services.bound()
        return Exit.CONTINUE if ctx.phone is None else Exit.BOUND


class FileTicket(State[HandOffContext]):
    """Give the ticket to the desk's port (committed to the outbox before this returns)."""

    exits = frozenset({Exit.CONTINUE, Exit.FAILED})

    def enter(self, ctx: HandOffContext, services: Services) -> Exit:
        who = ctx.phone or ctx.identity
        assert ctx.kind is not None and who is not None
        delivery = DELIVERIES[ctx.delivery or Choice.DELIVERY_COUNTER]
        email = ctx.email if delivery is Delivery.COUNTER_AND_EMAIL else None
        desk = services.tickets
        ctx.filed = None if desk is None else desk.file(HandOff(ctx.kind, delivery, email, who))
        return Exit.CONTINUE if ctx.filed is not None else Exit.FAILED


class ShowTicket(Ask[HandOffContext]):
    """The ticket's number, with its receipt printing as the screen opens. The printer works
    on the worker's thread; its answer arrives as the errand's outcome. "Print again" is
    offered only after paper out or cover open, and only while no print is under way."""

    def __init__(self, name: str, shows: Facts) -> None:
        super().__init__(name, Screen.TICKET_FILED,
                         {Choice.DONE: Exit.DONE, Choice.HOW_TO_RENEW: Exit.RENEW}, shows,
                         cancel=False)

    def enter(self, ctx: HandOffContext, services: Services) -> None:
        self._print(ctx, services)

    def options(self, ctx: HandOffContext) -> tuple[Choice, ...]:
        again = ctx.ticket is None and ctx.receipt in PRINT_AGAIN
        renew = (Choice.HOW_TO_RENEW,) if ctx.renewal_due else ()
        return (*((Choice.PRINT_AGAIN,) if again else ()), *renew, Choice.DONE)

    def handle(self, ctx: HandOffContext, services: Services, event: Event) -> Exit | None:
        if isinstance(event, CardDone | CardFailed) and event.ticket == ctx.ticket:
            ctx.ticket = None
            code = event.code if isinstance(event, CardFailed) else event.result
            ctx.receipt = RECEIPT_PRINTED if code is None else str(code)
            services.receipt_outcome(code)
            return None
        if isinstance(event, Chosen) and event.choice is Choice.PRINT_AGAIN:
            if event.choice in self.options(ctx):
                self._print(ctx, services)
            return None
        return super().handle(ctx, services, event)

    @staticmethod
    def _print(ctx: HandOffContext, services: Services) -> None:
        ctx.receipt = None
        request, receipts = receipt_request(ctx, services.language()), services.receipts
        ctx.ticket = services.worker.submit(Errand("receipt", lambda: receipts.print(request)))


class _Identity(Ask[HandOffContext]):
    """The screen that shows what the card said, with the chip's photo."""

    def view(self, ctx: HandOffContext, services: Services) -> View:
        view = super().view(ctx, services)
        photo = ctx.identity.photo if ctx.identity is not None else None
        if photo is None:
            return view
        return View(view.screen, view.options, view.facts, can_cancel=view.can_cancel,
                    photo=photo.data)


def build(journey: JourneyId, kind: TicketKind) -> JourneySpec:
    """One hand-off journey; both kinds have the same steps, their own states and table."""
    intro = Ask[HandOffContext]("ShowHowItWorks", Screen.HANDOFF_INTRO,
                                {Choice.CONTINUE: Exit.CONTINUE}, _kind_facts)
    use_bound = UseBoundIdentity("UseBoundIdentity")
    show_phone = Ask[HandOffContext]("ShowPhoneIdentity", Screen.HANDOFF_IDENTITY,
                                     {Choice.CONTINUE: Exit.CONTINUE}, _phone_facts)
    wait = WaitForCard("WaitForCard")
    read = RunCardTask[HandOffContext](
        "ReadIdentity", lambda ctx, services: jobs.read_identity(ctx.can, services.certificates),
        _read_done, {Exit.CONTINUE}, {"WRONG_CAN": Exit.WRONG, "INVALID_CAN_FORMAT": Exit.WRONG})
    reading = CanReading.build(wait, read)
    check = Decide[HandOffContext]("CheckVerdicts", _verified, {Exit.CONTINUE, Exit.NOT_GENUINE})
    not_verified = Ask[HandOffContext]("ShowNotVerified", Screen.HANDOFF_NOT_VERIFIED,
                                       {Choice.DONE: Exit.DONE}, _verdict_facts, back=Back.MENU)
    show = _Identity("ShowIdentity", Screen.HANDOFF_IDENTITY, {Choice.CONTINUE: Exit.CONTINUE},
                     _identity_facts)
    delivery = Ask[HandOffContext](
        "AskDelivery", Screen.HANDOFF_DELIVERY,
        {Choice.DELIVERY_COUNTER: Exit.CONTINUE, Choice.DELIVERY_EMAIL: Exit.EMAIL},
        remember="delivery")
    email = EnterEmail("EnterEmail")
    file = FileTicket("FileTicket")
    wipe_filed = WipeSecrets("WipeAfterFiling")
    note_renewal = NoteRenewal("NoteRenewalDue", _chip_expiry)
    ticket = ShowTicket("ShowTicket", _ticket_facts)
    renewal = show_renewal(back=False)
    not_filed = Ask[HandOffContext]("ShowNotFiled", Screen.TICKET_NOT_FILED,
                                    {Choice.DONE: Exit.DONE}, cancel=False)
    wipe_done = WipeSecrets("WipeWhenDone")
    end = End("End")
    endings = Endings.build(wait, end)
    cancelled = endings.wipe_cancelled
    table: Table = {
        (use_bound, Exit.CONTINUE): intro,
        (use_bound, Exit.BOUND): show_phone,
        (intro, Exit.CONTINUE): wait,
        (show_phone, Exit.CONTINUE): delivery,
        (show_phone, Exit.CANCEL): cancelled,
        (intro, Exit.CANCEL): cancelled,
        **reading.rows(endings),
        (reading.wipe_read, Exit.CONTINUE): check,
        (check, Exit.CONTINUE): show,
        (check, Exit.NOT_GENUINE): not_verified,
        (not_verified, Exit.DONE): wipe_done,
        (not_verified, Exit.CANCEL): cancelled,
        (show, Exit.CONTINUE): delivery,
        (show, Exit.CANCEL): cancelled,
        (delivery, Exit.CONTINUE): file,
        (delivery, Exit.EMAIL): email,
        (delivery, Exit.CANCEL): cancelled,
        (email, Exit.CONTINUE): file,
        (email, Exit.CANCEL): delivery,
        (file, Exit.CONTINUE): wipe_filed,
        (file, Exit.FAILED): not_filed,
        (wipe_filed, Exit.CONTINUE): note_renewal,
        (note_renewal, Exit.CONTINUE): ticket,
        (ticket, Exit.DONE): end,
        (ticket, Exit.RENEW): renewal,
        (renewal, Exit.DONE): end,
        (not_filed, Exit.DONE): wipe_done,
        (wipe_done, Exit.CONTINUE): end,
        **endings.rows(),
    }
    return JourneySpec(journey, use_bound, end, table,
                       functools.partial(HandOffContext, kind=kind))


REPRINT_SPEC = build(JourneyId.REPRINT_CODES, TicketKind.REPRINT)
PUK_SPEC = build(JourneyId.PUK_AT_COUNTER, TicketKind.PUK_RECOVERY)
