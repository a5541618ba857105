"""When the backlight is bright, dimmed or off: a pure rule over the clocks it is given.

- A citizen in a session (from the language screen to the end of a journey): always full,
  whatever the hour; a screen that dims under someone reading it, or goes dark before a PIN
  is typed, is worse than light wasted.
- Otherwise, full for ``idle_after_seconds`` after the last touch or presence, then dimmed to
  ``idle_percent`` while the Comune is open and off while it is closed (``site.opening_hours``:
  a day not named is closed; no hours at all is always open). A touch or someone in front of
  it lights it for the same while, open or not: the kiosk may stand where people pass at night.

The composition root asks :meth:`BacklightPolicy.level` on every tick and input and writes
only a change; :meth:`BacklightPolicy.woken` may be called from a sensor's thread (it sets
one float).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FULL = 100
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday()'s order

Clock = Callable[[], float]
Now = Callable[[], dt.datetime]


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """Per weekday (0 Monday), the spans open, in minutes since midnight, end excluded;
    ``None``: always open."""

    spans: Mapping[int, Sequence[tuple[int, int]]] | None

    @classmethod
    def parse(cls, days: Mapping[Any, Sequence[str]] | None) -> OpeningHours:
        """From the profile's ``site.opening_hours`` (already checked by the configuration:
        ``"08:30-12:30"`` spans, start before end)."""
        if days is None:
            return cls(None)
        return cls({WEEKDAYS.index(day): tuple(_span(span) for span in spans)
                    for day, spans in days.items()})

    def open_at(self, when: dt.datetime) -> bool:
        if self.spans is None:
            return True
        minute = when.hour * 60 + when.minute
        return any(start <= minute < end for start, end in self.spans.get(when.weekday(), ()))


def _span(text: str) -> tuple[int, int]:
    start, end = text.split("-")
    return _minutes(start), _minutes(end)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class BacklightPolicy:
    """``clock`` is monotonic (for idleness), ``now`` the local wall time (for the hours)."""

    def __init__(self, hours: OpeningHours, *, idle_percent: int, idle_after_seconds: float,
                 clock: Clock = time.monotonic, now: Now = dt.datetime.now) -> None:
        self.hours = hours
        self.idle_percent = idle_percent
        self.idle_after_seconds = idle_after_seconds
        self._clock = clock
        self._now = now
        self._woken = clock()

    def woken(self) -> None:
        """A touch, or someone in front of the kiosk."""
        self._woken = self._clock()

    def level(self, in_session: bool) -> int:
        """The brightness due now, in per cent (0: off)."""
        if in_session or self._clock() - self._woken < self.idle_after_seconds:
            return FULL
        return self.idle_percent if self.hours.open_at(self._now()) else 0
