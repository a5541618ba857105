"""Whether the kiosk's clock can be believed, for what the kiosk tells a citizen from a date.

A Raspberry Pi has no battery-backed clock: after a power cut it starts at 1970, or at the
last time fake-hwclock saved, until NTP answers. A rule computed from such a date would tell a
citizen that a valid card has expired, or that an adult is a child. So every rule that reads
today's date goes through :func:`trusted_today`: a date before this firmware was written
cannot be today, and the rule says "I cannot tell today's date" instead of an answer.

The check is pure (the time is passed in), so ``kiosk doctor`` can name the clock with the
same verdict the journeys act on: ``clock_problem(datetime.now(timezone.utc))``.
"""

from __future__ import annotations

import datetime as dt

# No kiosk running this firmware can see a date earlier than the day it was written; raise it
# with a release (a later floor catches more wrong clocks, never a right one).
EARLIEST_PLAUSIBLE = dt.date(2026, 12, 1)
CLOCK_NOT_SET = "CLOCK_NOT_SET"


def trusted_today(now: dt.datetime, *, earliest: dt.date = EARLIEST_PLAUSIBLE) -> dt.date | None:
    """Today's date, or None when ``now`` is before ``earliest`` (the clock is not set)."""
    today = now.date()
    return today if today >= earliest else None


def clock_problem(now: dt.datetime, *, earliest: dt.date = EARLIEST_PLAUSIBLE) -> str | None:
    """:data:`CLOCK_NOT_SET` with what was read, or None when the clock can be believed;
    for ``kiosk doctor``."""
    if trusted_today(now, earliest=earliest) is not None:
        return None
    return (f"{CLOCK_NOT_SET}: the clock reads {now.isoformat(timespec='seconds')}, before "
            f"{earliest.isoformat()}; the kiosk cannot tell today's date (is NTP reachable?)")
