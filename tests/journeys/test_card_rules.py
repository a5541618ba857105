"""The rules of the activation helper and the renewal reminder, on any day: pure functions of
the chip's dates and the kiosk's clock (kiosk.clock says when the clock cannot be believed)."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.clock import CLOCK_NOT_SET, EARLIEST_PLAUSIBLE, clock_problem, trusted_today
from kiosk.journeys.card_rules import (
    CardDates,
    Verdict,
    age_on,
    chip_date,
    renewal_due,
    verdict,
)

TODAY = dt.date(2027, 3, 1)


def card(birth: dt.date = dt.date(1985, 12, 10), expiry: dt.date = dt.date(2035, 12, 10),
         pin: int | None = 3, puk: int | None = 10) -> CardDates:
    return CardDates("CA00000AA", birth, expiry, pin, puk)


@pytest.mark.parametrize(("birth", "expected"), [
    (dt.date(2022, 3, 2), Verdict.TOO_YOUNG),  # 5 tomorrow
    (dt.date(2022, 3, 1), Verdict.LEVELS_1_2),  # 5 today
    (dt.date(2009, 3, 2), Verdict.LEVELS_1_2),  # 18 tomorrow
    (dt.date(2009, 3, 1), Verdict.ALL_LEVELS),  # 18 today
    (dt.date(1940, 1, 1), Verdict.ALL_LEVELS),
])
def test_the_garantes_limits_for_minors(birth: dt.date, expected: Verdict) -> None:
    assert verdict(card(birth=birth), TODAY) is expected


def test_a_leap_day_birthday_comes_on_the_first_of_march() -> None:
    born = dt.date(2008, 2, 29)
    assert age_on(born, dt.date(2026, 2, 28)) == 17
    assert age_on(born, dt.date(2026, 3, 1)) == 18


def test_a_card_is_valid_on_its_expiry_day_and_expired_the_day_after() -> None:
    assert verdict(card(expiry=TODAY), TODAY) is Verdict.ALL_LEVELS
    assert verdict(card(expiry=TODAY - dt.timedelta(days=1)), TODAY) is Verdict.EXPIRED


@pytest.mark.parametrize(("dates", "expected"), [
    # the first that applies: the clock, the expiry, the age, the PUK, the PIN
    (card(expiry=dt.date(2020, 1, 1), pin=0, puk=0), Verdict.EXPIRED),
    (card(birth=dt.date(2024, 1, 1), pin=0, puk=0), Verdict.TOO_YOUNG),
    (card(pin=0, puk=0), Verdict.PUK_BLOCKED),
    (card(pin=0), Verdict.PIN_BLOCKED),
    (card(birth=dt.date(2015, 1, 1), pin=0), Verdict.PIN_BLOCKED),
    (card(pin=None, puk=None), Verdict.ALL_LEVELS),  # tries unknown: nothing is blocked
])
def test_the_order_of_the_rules(dates: CardDates, expected: Verdict) -> None:
    assert verdict(dates, TODAY) is expected


def test_without_a_date_nothing_is_decided() -> None:
    assert verdict(card(expiry=dt.date(1971, 1, 1)), None) is Verdict.CLOCK_UNKNOWN
    assert not renewal_due(dt.date(1971, 1, 1), None)


@pytest.mark.parametrize(("days_left", "window", "due"), [
    (181, 180, False), (180, 180, True), (30, 180, True), (0, 180, True), (-400, 180, True),
    (30, 20, False),
])
def test_the_renewal_window(days_left: int, window: int, due: bool) -> None:
    assert renewal_due(TODAY + dt.timedelta(days=days_left), TODAY, window) is due


def test_a_clock_before_the_firmware_cannot_be_believed() -> None:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert trusted_today(epoch) is None
    problem = clock_problem(epoch)
    assert problem is not None and problem.startswith(CLOCK_NOT_SET) and "1970-01-01" in problem
    now = dt.datetime.combine(EARLIEST_PLAUSIBLE, dt.time(9), dt.UTC)
    assert trusted_today(now) == EARLIEST_PLAUSIBLE and clock_problem(now) is None


@pytest.mark.parametrize(("value", "future", "expected"), [
    ("1985-12-10", False, dt.date(1985, 12, 10)),  # DG11's full date
    ("851210", False, dt.date(1985, 12, 10)),
    ("150601", False, dt.date(2015, 6, 1)),
    ("270302", False, dt.date(1927, 3, 2)),  # a birth is never after today
    ("351210", True, dt.date(2035, 12, 10)),
    ("261210", True, dt.date(2026, 12, 10)),  # an expiry may be in the past
])
def test_the_mrz_dates_get_their_century(value: str, future: bool, expected: dt.date) -> None:
    assert chip_date(value, TODAY, future=future) == expected
