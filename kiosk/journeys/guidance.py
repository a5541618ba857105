"""The official pages the activation helper and the renewal reminder point to, and the
Comune's own renewal text: data from the configuration (``links`` and ``renewal``, see
:mod:`kiosk.config`), with the national defaults below, since the Ministry's pages move.

``now`` is the kiosk's clock, injected so the tests can stand on any day (1970 included);
:func:`today` passes it through :func:`kiosk.clock.trusted_today`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.clock import trusted_today
from kiosk.journeys.card_rules import RENEWAL_WINDOW_DAYS

# The Ministry's page on digital identification with the CIE (levels 1-2 and 3, field-
# references.md C.2 §5); the CieID app's page (the stores' links for both phones); the national
# booking service for a new card (Agenda CIE), which every Comune without its own uses.
ACTIVATION_URL = "https://www.cartaidentita.interno.gov.it/identificazione-digitale/"
CIEID_APP_URL = "https://www.cartaidentita.interno.gov.it/identificazione-digitale/cieid/"
BOOKING_URL = "https://www.prenotazionicie.interno.gov.it/"


def _local_now() -> dt.datetime:
    """The kiosk's time in its own time zone (first boot sets the Comune's): a card expires
    at the end of its day in Italy, not in UTC."""
    return dt.datetime.now().astimezone()


@dataclass(frozen=True, slots=True)
class Guidance:
    activation_url: str = ACTIVATION_URL
    cieid_app_url: str = CIEID_APP_URL
    booking_url: str = BOOKING_URL
    renewal_window_days: int = RENEWAL_WINDOW_DAYS
    comune_text: str | None = None  # the Comune's own words on renewing (how, where, when)
    now: Callable[[], dt.datetime] = field(default=_local_now, compare=False)

    def today(self) -> dt.date | None:
        """Today's date, or None when the kiosk's clock cannot be believed."""
        return trusted_today(self.now())
