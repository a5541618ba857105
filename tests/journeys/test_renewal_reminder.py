"""The renewal reminder at the end of every journey that reads the card ("La tua carta sta per
scadere"), on virtual cards issued for the case: a card expiring in 30 days gets the calm line
with its date on the end screen and "how to renew" (the booking QR); one expiring in 3 years
gets neither; a kiosk whose clock says 1970 never speaks of expiry. Check my card and the
activation helper are tested in test_activation.py."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.journeys import Choice, Screen, View
from kiosk.journeys.audit import OUTCOMES as OUTCOME
from kiosk.journeys.guidance import BOOKING_URL, Guidance
from kiosk.journeys.views import Back
from kiosk.sim import issuing, pki
from tests.conftest import TEST_NEW_PIN, TEST_PIN, TEST_PUK
from tests.journeys.harness import Kiosk, set_tries
from tests.journeys.test_hand_off import Desk, at_counter, read_card

TODAY = dt.date.today()  # the virtual cards are issued today, as the issuing rules demand
IN_30_DAYS = TODAY + dt.timedelta(days=30)
IN_3_YEARS = TODAY + dt.timedelta(days=3 * 365)


def at(day: dt.date) -> Guidance:
    moment = dt.datetime.combine(day, dt.time(10, 0), dt.UTC)
    return Guidance(now=lambda: moment)


def pin_test(k: Kiosk) -> View:
    k.open(Choice.TEST_PIN)
    k.insert()
    return k.type(TEST_PIN)


def change_pin(k: Kiosk) -> View:
    k.open(Choice.CHANGE_PIN)
    k.insert()
    k.type(TEST_PIN)
    k.choose(Choice.CONTINUE)
    k.type(TEST_NEW_PIN)
    return k.type(TEST_NEW_PIN)


def unblock(k: Kiosk) -> View:
    k.open(Choice.UNBLOCK_PIN)
    k.insert()
    k.choose(Choice.CONTINUE)  # the PUK tries left
    k.type(TEST_PUK)
    k.choose(Choice.CONTINUE)  # the new PIN's rules
    k.type(TEST_NEW_PIN)
    return k.type(TEST_NEW_PIN)


def hand_off(lost: Choice, request: Choice) -> Callable[[Kiosk], View]:
    def journey(k: Kiosk) -> View:
        at_counter(k, lost, request)
        read_card(k)
        k.choose(Choice.CONTINUE)  # "is it you?"
        return k.choose(Choice.DELIVERY_COUNTER)
    return journey


# Each journey, its end screen, and what "how to renew" sits beside there ("done" on the
# ticket's screen, which has no way back).
JOURNEYS = {
    "test-pin": (pin_test, Screen.PIN_WORKS, ()),
    "change-pin": (change_pin, Screen.PIN_CHANGED, ()),
    "unblock-pin": (unblock, Screen.PIN_UNBLOCKED, ()),
    "reprint-codes": (hand_off(Choice.LOST_BOTH, Choice.REQUEST_REPRINT), Screen.TICKET_FILED,
                      (Choice.DONE,)),
    "puk-at-counter": (hand_off(Choice.LOST_PUK, Choice.REQUEST_PUK_AT_COUNTER),
                       Screen.TICKET_FILED, (Choice.DONE,)),
}


@pytest.fixture(scope="module")
def authority(test_pki: Path) -> pki.TestPki:
    return pki.load(test_pki)


@pytest.fixture(params=list(JOURNEYS))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def card(authority: pki.TestPki, tmp_path: Path, name: str) -> Callable[[dt.date], Path]:
    """A virtual CIE issued today, expiring on the given day (its certificate too); with its
    PIN blocked for the unblock."""
    def make(expiry: dt.date) -> Path:
        path = tmp_path / "cie.json"
        issuing.issue(authority, pin=TEST_PIN, puk=TEST_PUK, expiry=expiry).save(path)
        if name == "unblock-pin":
            set_tries(path, pin=0)
        return path
    return make


def kiosk(profile: Path, test_pki: Path, today: dt.date) -> Kiosk:
    return Kiosk(profile, test_pki, tickets=Desk(), guidance=at(today))


def test_a_card_expiring_in_30_days_gets_the_line_and_how_to_renew(
        name: str, card: Callable[[dt.date], Path], test_pki: Path) -> None:
    journey, end, beside = JOURNEYS[name]
    k = kiosk(card(IN_30_DAYS), test_pki, TODAY)
    done = journey(k)
    assert done.screen is end
    assert done.facts["expires_on"] == IN_30_DAYS.isoformat() and "expired_on" not in done.facts
    assert done.options == (Choice.HOW_TO_RENEW, *beside)
    renewal = k.choose(Choice.HOW_TO_RENEW)
    assert renewal.screen is Screen.RENEWAL and renewal.facts["qr_url"] == BOOKING_URL
    assert renewal.facts["expires_on"] == IN_30_DAYS.isoformat()
    if renewal.can_cancel:  # back to the end screen, where it can be shown again
        assert renewal.back is Back.PREVIOUS and k.back().screen is end
        renewal = k.choose(Choice.HOW_TO_RENEW)
    else:  # the ticket's screen is not shown twice: it prints as it opens
        assert end is Screen.TICKET_FILED
    k.choose(Choice.DONE)
    assert k.session.journey is None
    # The statistics count the journey's result once, and the offer each time it was opened:
    # coming back to the end screen is no second result.
    shown = [data["outcome"] for kind, data in k.audit.events if kind == "journey.outcome"]
    offers = 2 if end is not Screen.TICKET_FILED else 1
    assert shown[-1 - offers:] == [OUTCOME[end], *["RENEWAL_OFFERED"] * offers]
    assert shown.count(OUTCOME[end]) == 1


def test_a_card_expiring_in_3_years_gets_neither(
        name: str, card: Callable[[dt.date], Path], test_pki: Path) -> None:
    journey, end, _ = JOURNEYS[name]
    done = journey(kiosk(card(IN_3_YEARS), test_pki, TODAY))
    assert done.screen is end
    assert "expires_on" not in done.facts and "expired_on" not in done.facts
    assert done.options == (Choice.DONE,)


def test_a_clock_at_1970_never_speaks_of_expiry(
        name: str, card: Callable[[dt.date], Path], test_pki: Path) -> None:
    journey, end, _ = JOURNEYS[name]
    done = journey(kiosk(card(IN_30_DAYS), test_pki, dt.date(1970, 1, 1)))
    assert done.screen is end
    assert "expires_on" not in done.facts and "expired_on" not in done.facts
    assert done.options == (Choice.DONE,)
