"""How long to wait before trying the back-office again: exponential backoff with full jitter.

Full jitter (a uniform draw between 0 and the exponential ceiling, as in AWS's "Exponential
Backoff and Jitter") spreads the retries of a whole town's kiosks after a back-office outage,
so they do not all knock at the same second when it comes back. The ceiling is capped, and a
success resets it.

It only computes delays; the runner waits them out on its stop event, so a test needs no clock
and a kiosk that is shutting down never sleeps through its stop.
"""

from __future__ import annotations

import random
from collections.abc import Callable


class Backoff:
    def __init__(self, cap: float, base: float = 0.5,
                 uniform: Callable[[float, float], float] = random.uniform) -> None:
        self.cap = cap
        self.base = base
        self._uniform = uniform
        self.failures = 0

    def ceiling(self) -> float:
        """The largest delay the next failure may draw."""
        # The exponent is bounded so a kiosk offline for a month does not overflow a float.
        return min(self.cap, self.base * 2.0 ** min(self.failures, 62))

    def failed(self) -> float:
        """Count a failure and return how long to wait before the next try."""
        delay = self._uniform(0.0, self.ceiling())
        self.failures += 1
        return delay

    def succeeded(self) -> None:
        self.failures = 0
