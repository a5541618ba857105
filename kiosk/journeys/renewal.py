""""La tua carta sta per scadere": the renewal reminder every journey that reads the card adds
at its end, and the offer behind it ("how to renew").

Where each journey learns the expiry: the activation helper and the hand-offs (the reprint and
the PUK recovery at the counter) from DG1, read with the CAN; "check my card", "test my PIN",
"change PIN" and "unblock with the PUK" from the authentication certificate's end of
validity, which on a CIE is the card's: the certificate is issued with the card, for its
lifetime. Change PIN and unblock read it with the tries left, before any code is typed, in
the IAS session the tries already open: on the virtual card's CIE timing model
(kiosk/sim/timing.py) the DH/DAPP session costs 0.84 s and the certificate (EF 1003, 2 KiB
under secure messaging, nine READ BINARYs) 0.28 s more, no extra session and no extra card
round trip; read there, a card taken away mid-read costs no try. "I lost my codes" reads no
card: its reprint goes through the hand-off, which ends with the reminder. A hand-off by the
smartphone login reads no card, and a card whose chip did not check out files no ticket: no
reminder there.

The rule is :func:`~kiosk.journeys.card_rules.renewal_due` on the kiosk's clock: a card due
within the configured window (renewal.window_days, default 180: a CIE can be renewed from 180
days before its expiry, DL 76/2020 art. 24) or expired gets one calm line with its date, and
the offer: the Comune's own words (renewal.comune_text), what to bring, and the booking page
as a QR (the Comune's, else the national Agenda CIE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from kiosk.journeys.card_rules import expired, renewal_due
from kiosk.journeys.context import Renewable
from kiosk.journeys.states import Ask, Exit, Services, State
from kiosk.journeys.views import Back, Choice, Fact, Screen, facts

# What to bring to renew a CIE (the Comuni's pages: a photo, the old card, the health card
# for the codice fiscale); a Comune adds its own words through renewal.comune_text.
RENEWAL_BRING = ("renewal.bring.photo", "renewal.bring.old_card", "renewal.bring.health_card")


def iso_date(value: str | None) -> dt.date | None:
    """A date the journeys hold as ISO text (the certificate's), or None."""
    return None if value is None else dt.date.fromisoformat(value)


def renewal_facts(expiry: dt.date | None, services: Services) -> dict[str, Fact]:
    """The calm line, when the card expires within the window (``expires_on``) or has
    expired (``expired_on``)."""
    guidance = services.guidance
    today = guidance.today()
    if expiry is None or today is None or not renewal_due(expiry, today,
                                                          guidance.renewal_window_days):
        return {}
    return {"expired_on" if expired(expiry, today) else "expires_on": expiry.isoformat()}


def renewal_offer(expiry: dt.date | None, services: Services) -> Mapping[str, Fact]:
    """The renewal screen: the expiry, the Comune's words, what to bring, the booking QR."""
    guidance = services.guidance
    return facts(**renewal_facts(expiry, services), comune_text=guidance.comune_text,
                 bring=RENEWAL_BRING, qr_url=guidance.booking_url)


def renewal_line(ctx: Renewable, services: Services) -> Mapping[str, Fact]:
    """The calm line of an end screen (nothing when the card is not due)."""
    return renewal_facts(ctx.expiry, services)


def offer_renewal(ctx: Renewable) -> tuple[Choice, ...]:
    """An end screen's way forward: "how to renew" for a card that is due, else done."""
    return (Choice.HOW_TO_RENEW,) if ctx.renewal_due else (Choice.DONE,)


def _offer(ctx: Renewable, services: Services) -> Mapping[str, Fact]:
    return renewal_offer(ctx.expiry, services)


class NoteRenewal(State[Any]):
    """Whether the card is due for renewal, on the kiosk's clock, before the end screen (its
    buttons are chosen from the context alone). ``learn``, when given, first finds the expiry
    in what the journey read (a date that needs the clock to be read, as the MRZ's)."""

    exits = frozenset({Exit.CONTINUE})

    def __init__(self, name: str,
                 learn: Callable[[Any, Services], dt.date | None] | None = None) -> None:
        super().__init__(name)
        self._learn = learn

    def enter(self, ctx: Renewable, services: Services) -> Exit:
        if self._learn is not None:
            ctx.expiry = self._learn(ctx, services)
        ctx.renewal_due = bool(renewal_facts(ctx.expiry, services))
        return Exit.CONTINUE


def show_renewal(name: str = "ShowHowToRenew", *, back: bool = True) -> Ask[Any]:
    """The offer: done ends the journey; back (when the screen before can be shown again)
    returns to it."""
    return Ask(name, Screen.RENEWAL, {Choice.DONE: Exit.DONE}, _offer,
               back=Back.PREVIOUS, cancel=back)
