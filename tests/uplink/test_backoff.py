"""Backoff: full jitter under an exponential ceiling, capped, reset by a success."""

from __future__ import annotations

from kiosk.uplink.backoff import Backoff


def highest(low: float, high: float) -> float:
    return high


def test_the_ceiling_doubles_up_to_the_cap() -> None:
    backoff = Backoff(cap=10.0, base=0.5, uniform=highest)
    assert [backoff.failed() for _ in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_each_delay_is_drawn_between_zero_and_the_ceiling() -> None:
    draws: list[tuple[float, float]] = []

    def record(low: float, high: float) -> float:
        draws.append((low, high))
        return (low + high) / 2

    backoff = Backoff(cap=60.0, base=1.0, uniform=record)
    assert backoff.failed() == 0.5 and backoff.failed() == 1.0
    assert draws == [(0.0, 1.0), (0.0, 2.0)]


def test_a_success_starts_again_from_the_base() -> None:
    backoff = Backoff(cap=60.0, base=0.5, uniform=highest)
    for _ in range(5):
        backoff.failed()
    backoff.succeeded()
    assert backoff.failed() == 0.5


def test_a_month_of_failures_stays_at_the_cap() -> None:
    backoff = Backoff(cap=60.0, uniform=highest)
    for _ in range(100_000):
        delay = backoff.failed()
    assert delay == 60.0


def test_real_jitter_stays_within_bounds() -> None:
    backoff = Backoff(cap=5.0)
    delays = [backoff.failed() for _ in range(200)]
    assert all(0.0 <= d <= 5.0 for d in delays) and len(set(delays)) > 100
