""""La tua carta sta per scadere": the renewal reminder the journeys that read the card's
expiry add at their end, and the offer behind it.

Which journeys know the expiry: the activation helper (DG1, read with the CAN) and "check my
card" (line and offer) and "test my PIN" (the line), from the authentication certificate's end
of validity, which on a CIE is the card's: the certificate is issued with the card, for its
lifetime. Change PIN and unblock
read no date (they talk to the IAS application only, and reading the certificate would cost
seconds on a real chip for a line most citizens do not need there); the hand-offs read DG1,
but file a ticket for the desk, where the clerk sees the card.

The rule is :func:`~kiosk.journeys.card_rules.renewal_due` on the kiosk's clock: a card due
within the configured window (renewal.window_days, default 180: a CIE can be renewed from 180
days before its expiry, DL 76/2020 art. 24) or expired gets one calm line with its date, and
the offer: the Comune's own words (renewal.comune_text), what to bring, and the booking page
as a QR (the Comune's, else the national Agenda CIE).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from kiosk.journeys.card_rules import expired, renewal_due
from kiosk.journeys.states import Services
from kiosk.journeys.views import Fact, facts

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
