"""When the backlight is full, dimmed or off, over the Comune's opening hours and days, with
the clocks in the test's hands."""

from __future__ import annotations

import datetime as dt

import pytest

from kiosk.config import parse
from kiosk.hardware.backlight import BacklightPolicy, OpeningHours

HOURS = {"mon": ["08:30-12:30", "14:00-17:00"], "wed": ["08:30-12:30"], "sat": ["09:00-24:00"]}
MONDAY = dt.datetime(2026, 12, 7)  # a Monday


class Clocks:
    def __init__(self, when: dt.datetime) -> None:
        self.monotonic = 500.0
        self.when = when

    def clock(self) -> float:
        return self.monotonic

    def now(self) -> dt.datetime:
        return self.when

    def wait(self, seconds: float) -> None:
        self.monotonic += seconds
        self.when += dt.timedelta(seconds=seconds)


def at(day: int, hh: int, mm: int) -> dt.datetime:
    return MONDAY + dt.timedelta(days=day, hours=hh, minutes=mm)


@pytest.mark.parametrize(("when", "open_"), [
    (at(0, 8, 29), False), (at(0, 8, 30), True), (at(0, 12, 29), True),
    (at(0, 12, 30), False),  # the end is excluded
    (at(0, 13, 0), False), (at(0, 14, 0), True), (at(0, 16, 59), True), (at(0, 17, 0), False),
    (at(1, 10, 0), False),  # Tuesday is not named: closed
    (at(2, 10, 0), True), (at(2, 15, 0), False),  # Wednesday mornings only
    (at(5, 23, 59), True), (at(6, 0, 0), False),  # Saturday until midnight, Sunday closed
])
def test_opening_hours_by_day_and_span(when: dt.datetime, open_: bool) -> None:
    assert OpeningHours.parse(HOURS).open_at(when) is open_


def test_no_opening_hours_is_always_open() -> None:
    hours = OpeningHours.parse(None)
    assert all(hours.open_at(at(day, 3, 0)) for day in range(7))


def test_the_configurations_hours_are_what_the_policy_reads() -> None:
    profile = parse('[profiles.sim]\nreader = "pcsc"\nstate_dir = "/tmp"\n'
                    '[profiles.sim.site]\nopening_hours = { tue = ["07:00-13:00"] }\n',
                    "test").profile
    hours = OpeningHours.parse(profile.site.opening_hours)
    assert hours.open_at(at(1, 7, 0)) and not hours.open_at(at(0, 7, 0))


def policy(clocks: Clocks) -> BacklightPolicy:
    return BacklightPolicy(OpeningHours.parse(HOURS), idle_percent=30, idle_after_seconds=60,
                           clock=clocks.clock, now=clocks.now)


def test_open_it_dims_after_the_idle_time_and_a_touch_brings_it_back() -> None:
    clocks = Clocks(at(0, 9, 0))
    light = policy(clocks)
    assert light.level(in_session=False) == 100  # just started
    clocks.wait(59)
    assert light.level(in_session=False) == 100
    clocks.wait(1)
    assert light.level(in_session=False) == 30
    light.woken()
    assert light.level(in_session=False) == 100


def test_closed_it_goes_off_and_a_presence_lights_it_for_a_while() -> None:
    clocks = Clocks(at(1, 22, 0))  # Tuesday night
    light = policy(clocks)
    clocks.wait(60)
    assert light.level(in_session=False) == 0
    light.woken()
    assert light.level(in_session=False) == 100
    clocks.wait(60)
    assert light.level(in_session=False) == 0


def test_in_a_session_it_is_never_dimmed_nor_off_whatever_the_hour() -> None:
    clocks = Clocks(at(0, 12, 0))
    light = policy(clocks)
    for _ in range(10):  # through the lunch break and closing time
        clocks.wait(1800)
        assert light.level(in_session=True) == 100
    assert light.level(in_session=False) == 0  # the session over at 17:00: closed
