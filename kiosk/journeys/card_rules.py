"""What applies to a card, from the dates its chip gives and the kiosk's clock: can it become
a digital identity (and at which levels), and is it time to renew it.

Pure functions over plain values, with today's date passed in (``None`` when the kiosk's
clock cannot be believed, :func:`kiosk.clock.trusted_today`): the journeys decide with them,
the tests drive them with any date. Sources (field-references.md C.2 §5, PROTOCOL.md §5.1):
the Garante's limits for minors give no credentials before 5 years and, from 5 to 18, levels
1 and 2 of "Entra con CIE" only; an expired card activates nothing; a blocked PIN is unblocked
with the PUK first; a blocked PUK (10 wrong tries) makes the card unusable for good.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

MIN_AGE = 5  # no digital identity before
ADULT_AGE = 18  # level 3 with the card from
RENEWAL_WINDOW_DAYS = 180


class Verdict(enum.Enum):
    """What applies to a card; each has its own screen in the activation helper."""

    CLOCK_UNKNOWN = "clock-unknown"
    EXPIRED = "expired"
    TOO_YOUNG = "too-young"
    PUK_BLOCKED = "puk-blocked"
    PIN_BLOCKED = "pin-blocked"
    LEVELS_1_2 = "levels-1-2"  # a minor from 5 to 18
    ALL_LEVELS = "all-levels"


@dataclass(frozen=True, slots=True)
class CardDates:
    """What the chip said, reduced to what the rules need (no name, no codice fiscale)."""

    document_number: str
    birth: dt.date
    expiry: dt.date
    pin_left: int | None
    puk_left: int | None


def age_on(birth: dt.date, today: dt.date) -> int:
    """Full years on ``today`` (someone born on 29 February has a birthday on 1 March)."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def expired(expiry: dt.date, today: dt.date) -> bool:
    """A CIE is valid up to and including its expiry date."""
    return today > expiry


def verdict(card: CardDates, today: dt.date | None) -> Verdict:
    """The first that applies: a date the kiosk cannot tell, an expired card, a child under 5,
    a dead card, a blocked PIN, then the levels the holder's age allows."""
    if today is None:
        return Verdict.CLOCK_UNKNOWN
    if expired(card.expiry, today):
        return Verdict.EXPIRED
    age = age_on(card.birth, today)
    if age < MIN_AGE:
        return Verdict.TOO_YOUNG
    if card.puk_left == 0:
        return Verdict.PUK_BLOCKED
    if card.pin_left == 0:
        return Verdict.PIN_BLOCKED
    return Verdict.LEVELS_1_2 if age < ADULT_AGE else Verdict.ALL_LEVELS


def renewal_due(expiry: dt.date, today: dt.date | None,
                window_days: int = RENEWAL_WINDOW_DAYS) -> bool:
    """Whether to remind the holder: expired, or expiring within the window. Never on a
    clock that cannot be believed (a citizen must not hear "expired" from a 1970 clock)."""
    return today is not None and expiry - today <= dt.timedelta(days=window_days)


def mrz_date(yymmdd: str, today: dt.date, *, future: bool) -> dt.date:
    """A date of the MRZ, which has no century: an expiry is the nearest that is not more
    than 50 years back, a birth the latest that is not after today."""
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    century = today.year // 100 * 100
    full = dt.date(century + year, month, day)
    if future and full.year < today.year - 50:
        full = full.replace(year=full.year + 100)
    if not future and full > today:
        full = full.replace(year=full.year - 100)
    return full


def chip_date(value: str, today: dt.date, *, future: bool) -> dt.date:
    """A date as :class:`~kiosk.cie.identity.IdentityReport` gives it: ``YYYY-MM-DD`` (DG11's
    full date of birth) or ``YYMMDD`` (the MRZ)."""
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    return mrz_date(value, today, future=future)
