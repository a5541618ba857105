"""systemd's watchdog, fed by the UI loop: a loop that hangs stops feeding it, and systemd kills
and restarts the kiosk (``WatchdogSec=`` in systemd/kiosk.service).

The pings come from the loop itself, never from a thread of their own: a side thread would
keep pinging while the loop it vouches for is stuck.

systemd-python (235) wraps ``sd_notify`` but not ``sd_watchdog_enabled``, so its rules are
written out here: the watchdog is on when ``$WATCHDOG_USEC`` holds a positive number of
microseconds and ``$WATCHDOG_PID``, if set, is this process (a child that inherited the
variables must not ping on its parent's behalf). systemd's advice is to ping at half the
interval.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from systemd import daemon


def watchdog_interval(environ: Mapping[str, str], pid: int) -> float | None:
    """The interval systemd gives us, in seconds, or None when the watchdog is off for us
    (``sd_watchdog_enabled`` semantics; a malformed value is off, as it is an error there)."""
    usec = environ.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    owner = environ.get("WATCHDOG_PID")
    if owner is not None and (not owner.isdigit() or int(owner) != pid):
        return None
    return int(usec) / 1_000_000


class Watchdog:
    """Pings systemd at most every half interval, however often :meth:`feed` is called."""

    def __init__(self, interval: float | None) -> None:
        self.interval = interval
        self._next = float("-inf")

    @classmethod
    def from_environment(cls) -> Watchdog:
        return cls(watchdog_interval(os.environ, os.getpid()))

    def feed(self) -> None:
        if self.interval is None:
            return
        now = time.monotonic()
        if now >= self._next:
            daemon.notify("WATCHDOG=1")
            self._next = now + self.interval / 2
