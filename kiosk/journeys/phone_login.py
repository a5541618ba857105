"""Journey 6, "Continue with smartphone", as "Entra con CIE" does it with its QR code and OTP:
for a citizen whose card cannot be read, or who prefers the phone.

The kiosk asks the back-office for a one-time URL (bound to this kiosk, short-lived) and
shows it as a QR; on the phone the citizen logs in at the Comune's OpenID provider and reads
a short code; typed here, the back-office redeems it, once, for this kiosk's login only; only
then is the kiosk session bound to that identity (:attr:`Services.bind`), recorded as coming
from the smartphone, not the chip. Each refusal is its own screen with one way forward (type
the code again, or a new QR) and one way back: a wrong code, a code already used, an expired
QR or code, another kiosk's code, three wrong codes, the back-office out of reach.

Back-office calls are :class:`CallBackOffice` states: they run on the worker's thread (an
:class:`~kiosk.journeys.worker.Errand`), so the UI never waits on the network; the code's
digits move into the errand's own holder and are wiped when it ends.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kiosk.journeys.context import Failure, PhoneContext
from kiosk.journeys.events import CardDone, CardFailed, Confirmed, DigitDeleted, DigitTyped, Event
from kiosk.journeys.machine import JourneyId, JourneySpec, Table
from kiosk.journeys.ports import PhoneIdentity, PhoneLink, PhoneRefused
from kiosk.journeys.states import Ask, End, Exit, Services, State, WipeSecrets
from kiosk.journeys.views import Back, Choice, Fact, PadView, Screen, View, facts
from kiosk.journeys.worker import Errand, take

CODE_LENGTH = 6
# Refusals after which the same login can take another code; the others need a new QR.
RETYPE = frozenset({"PHONE_CODE_WRONG", "PHONE_CODE_OTHER_KIOSK", "UPLINK_UNREACHABLE"})
# Refusals with no way forward here: the citizen uses the card or the counter.
NO_WAY = frozenset({"PHONE_UNAVAILABLE", "PHONE_DISABLED"})


class CallBackOffice(State[PhoneContext]):
    """Run one back-office call off the UI thread; leave by what it answered. A refusal is
    kept in ``ctx.failure`` (the next screen shows it) and leaves by :attr:`Exit.FAILED`."""

    def __init__(self, name: str, call: Callable[[PhoneContext, Services], Errand],
                 done: Callable[[PhoneContext, Services, Any], Exit]) -> None:
        super().__init__(name)
        self._call = call
        self._done = done
        self.exits = frozenset({Exit.CONTINUE, Exit.FAILED})

    def enter(self, ctx: PhoneContext, services: Services) -> None:
        ctx.failure = None
        ctx.ticket = services.worker.submit(self._call(ctx, services))

    def handle(self, ctx: PhoneContext, services: Services, event: Event) -> Exit | None:
        if not isinstance(event, CardDone | CardFailed) or event.ticket != ctx.ticket:
            return None
        ctx.ticket = None
        if isinstance(event, CardFailed):
            ctx.failure = Failure(event.code)
            return Exit.FAILED
        if isinstance(event.result, PhoneRefused):
            ctx.failure = Failure(event.result.code)
            return Exit.FAILED
        return self._done(ctx, services, event.result)

    def view(self, ctx: PhoneContext, services: Services) -> View:
        return View(Screen.PHONE_WAIT, can_cancel=False)


class EnterCode(State[PhoneContext]):
    """The pad for the phone's code: six digits, then OK. Not the card's PIN pad: no card
    is involved, and taking one away changes nothing here."""

    exits = frozenset({Exit.CONTINUE, Exit.CANCEL})

    def enter(self, ctx: PhoneContext, services: Services) -> None:
        ctx.code.wipe()

    def handle(self, ctx: PhoneContext, services: Services, event: Event) -> Exit | None:
        if isinstance(event, DigitTyped) and len(ctx.code) < CODE_LENGTH:
            ctx.code.push(event.digit)
        elif isinstance(event, DigitDeleted):
            ctx.code.pop()
        elif isinstance(event, Confirmed) and len(ctx.code) == CODE_LENGTH:
            return Exit.CONTINUE
        return None

    def view(self, ctx: PhoneContext, services: Services) -> View:
        return View(Screen.PHONE_CODE, (), facts(), PadView(len(ctx.code), CODE_LENGTH))


def _ask_for_link(ctx: PhoneContext, services: Services) -> Errand:
    return Errand("phone-link", services.phone.link)


def _linked(ctx: PhoneContext, services: Services, link: PhoneLink) -> Exit:
    ctx.link = link
    return Exit.CONTINUE


def _redeem(ctx: PhoneContext, services: Services) -> Errand:
    assert ctx.link is not None
    login_id, code, phone = ctx.link.login_id, take(ctx.code), services.phone

    def run() -> PhoneIdentity | PhoneRefused:
        digits = code.reveal()
        try:
            return phone.redeem(login_id, bytes(digits).decode("ascii"))
        finally:
            digits.release()

    return Errand("phone-redeem", run, (code,))


def _bound(ctx: PhoneContext, services: Services, identity: PhoneIdentity) -> Exit:
    ctx.identity = identity
    services.bind(identity)
    return Exit.CONTINUE


def _qr_facts(ctx: PhoneContext, services: Services) -> Mapping[str, Fact]:
    return facts(qr_url=ctx.link.url if ctx.link else None)


def _identity_facts(ctx: PhoneContext, services: Services) -> Mapping[str, Fact]:
    """What the session is now bound to, and where it came from."""
    identity = ctx.identity
    assert identity is not None
    return facts(given_name=identity.given_name, surname=identity.family_name,
                 codice_fiscale=identity.fiscal_number, source="phone.identified.by_smartphone")


def _failed(ctx: PhoneContext) -> str:
    return ctx.failure.code if ctx.failure is not None else ""


def _after_link_refused(ctx: PhoneContext) -> tuple[Choice, ...]:
    return () if _failed(ctx) in NO_WAY else (Choice.RETRY,)


def _after_code_refused(ctx: PhoneContext) -> tuple[Choice, ...]:
    """One way forward, fitted to the refusal: the code again where this login can still
    take one, else a new QR; none where the service is missing."""
    code = _failed(ctx)
    if code in NO_WAY:
        return ()
    return (Choice.RETRY,) if code in RETYPE else (Choice.NEW_QR,)


ASK_FOR_LINK = CallBackOffice("AskForOneTimeLink", _ask_for_link, _linked)
SHOW_QR = Ask[PhoneContext]("ShowQrCode", Screen.PHONE_QR, {Choice.HAVE_CODE: Exit.CONTINUE},
                            _qr_facts)
ENTER_CODE = EnterCode("EnterPhoneCode")
REDEEM_CODE = CallBackOffice("RedeemPhoneCode", _redeem, _bound)
SHOW_LINK_REFUSED = Ask[PhoneContext]("ShowLinkRefused", Screen.ERROR,
                                      {Choice.RETRY: Exit.RETRY}, offered=_after_link_refused,
                                      back=Back.MENU, explains_failure=True)
SHOW_CODE_REFUSED = Ask[PhoneContext](
    "ShowCodeRefused", Screen.ERROR, {Choice.RETRY: Exit.RETRY, Choice.NEW_QR: Exit.CONTINUE},
    offered=_after_code_refused, back=Back.MENU, explains_failure=True,
)
SHOW_IDENTITY = Ask[PhoneContext]("ShowPhoneIdentity", Screen.PHONE_IDENTIFIED,
                                  {Choice.CONTINUE: Exit.CONTINUE}, _identity_facts)
WIPE_BACK_TO_QR = WipeSecrets("WipeBackToQr")
WIPE_BEFORE_NEW_QR = WipeSecrets("WipeBeforeNewQr")
WIPE_IDENTIFIED = WipeSecrets("WipeWhenIdentified")
WIPE_CANCELLED = WipeSecrets("WipeOnCancel")
END = End("End")

TRANSITIONS: Table = {
    (ASK_FOR_LINK, Exit.CONTINUE): SHOW_QR,
    (ASK_FOR_LINK, Exit.FAILED): SHOW_LINK_REFUSED,
    (SHOW_LINK_REFUSED, Exit.RETRY): ASK_FOR_LINK,
    (SHOW_LINK_REFUSED, Exit.CANCEL): WIPE_CANCELLED,
    (SHOW_QR, Exit.CONTINUE): ENTER_CODE,
    (SHOW_QR, Exit.CANCEL): WIPE_CANCELLED,
    (ENTER_CODE, Exit.CONTINUE): REDEEM_CODE,
    (ENTER_CODE, Exit.CANCEL): WIPE_BACK_TO_QR,  # back: the QR again, the same login
    (WIPE_BACK_TO_QR, Exit.CONTINUE): SHOW_QR,
    (REDEEM_CODE, Exit.CONTINUE): WIPE_IDENTIFIED,
    (REDEEM_CODE, Exit.FAILED): SHOW_CODE_REFUSED,
    (SHOW_CODE_REFUSED, Exit.RETRY): ENTER_CODE,
    (SHOW_CODE_REFUSED, Exit.CONTINUE): WIPE_BEFORE_NEW_QR,
    (SHOW_CODE_REFUSED, Exit.CANCEL): WIPE_CANCELLED,
    (WIPE_BEFORE_NEW_QR, Exit.CONTINUE): ASK_FOR_LINK,
    (WIPE_IDENTIFIED, Exit.CONTINUE): SHOW_IDENTITY,
    (SHOW_IDENTITY, Exit.CONTINUE): END,
    (SHOW_IDENTITY, Exit.CANCEL): END,
    (WIPE_CANCELLED, Exit.CONTINUE): END,
}

SPEC = JourneySpec(JourneyId.PHONE_LOGIN, ASK_FOR_LINK, END, TRANSITIONS, PhoneContext)
