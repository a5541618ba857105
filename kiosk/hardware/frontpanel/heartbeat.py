"""The kiosk's heartbeat to the front-panel board: the watchdog fed, the tamper latch read.

One thread pings the board about once a second while the kiosk's UI loop is alive. Its
liveness is asked of the loop (``alive``), not taken from this thread's own: a loop hung in a
driver or a deadlock leaves this thread running, and a heartbeat that went on regardless
would keep a frozen screen powered for ever. When the loop stops turning, the pings stop, and
the board power-cycles the Pi after the watchdog's window. A kiosk that stops on purpose
disarms the watchdog first (:meth:`PanelHeartbeat.stop`), so it is not cut while it is being
stopped, updated or rebooted.

Every PING's reply carries the tamper latch (docs/frontpanel-protocol.md §4): the case opened
since a technician last cleared it, even while the Pi was off, as the first reply after boot
shows. The thread reports what changed as :class:`~kiosk.hardware.sensors.TamperChanged`
(opened: the latch is set or the case is open now) to its listener, as the GPIO backend
reports its switch; only ``kiosk frontpanel clear-tamper`` ends it.

A board that stops answering is a coded line in the log, once, and the thread keeps asking:
the board may be replugged. A board that answers with its watchdog disarmed (it restarted, or
it fired and the Pi was not cut after all) is armed again.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from kiosk.hardware.frontpanel.driver import FrontPanel
from kiosk.hardware.frontpanel.errors import FrontPanelError
from kiosk.hardware.frontpanel.messages import PanelStatus
from kiosk.hardware.sensors import SensorListener, TamperChanged

log = logging.getLogger(__name__)

PING_SECONDS = 1.0  # how soon an opened case is known (the protocol's "every second or so")
MAX_MISSES = 255
STOP_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Watchdog:
    """The board's terms: ``misses`` intervals of ``interval_ms`` without a PING, and it cuts
    the Pi's power."""

    interval_ms: int
    misses: int

    @classmethod
    def after(cls, seconds: int) -> Watchdog:
        """Terms whose window is ``seconds`` (10 to 3600, the profile's ``watchdog_seconds``):
        one-second intervals, longer ones where the window needs more than 255 of them."""
        misses = min(MAX_MISSES, seconds)
        return cls(math.ceil(seconds * 1000 / misses), misses)

    @property
    def window(self) -> float:
        return self.interval_ms * self.misses / 1000


class PanelHeartbeat:
    """Pings ``panel`` while ``alive()`` says the UI loop turns, arms ``watchdog`` (None:
    never), and tells ``listener`` when the tamper latch changes (from this thread)."""

    def __init__(self, panel: FrontPanel, listener: SensorListener, *,
                 alive: Callable[[], bool], watchdog: Watchdog | None) -> None:
        self._panel = panel
        self._listener = listener
        self._alive = alive
        self.watchdog = watchdog
        # Well inside the window, so a late ping or two never fires it.
        self.period = PING_SECONDS if watchdog is None else min(PING_SECONDS,
                                                                watchdog.window / 4)
        self._stop = threading.Event()
        self._tampered = False
        self._failing = False
        self._stalled = False
        self.pings = 0  # answered ones: what `kiosk doctor` and the tests may look at
        self._thread = threading.Thread(target=self._run, name="frontpanel-heartbeat",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop pinging, and disarm the watchdog: the kiosk is stopping on purpose."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(STOP_SECONDS)
        if self.watchdog is not None:
            try:
                self._panel.watchdog_stop()
            except FrontPanelError as error:
                log.error("front panel: the watchdog could not be disarmed: %s", error,
                          extra={"fields": {"code": error.code}})
            else:
                log.info("front panel: watchdog disarmed")

    def _run(self) -> None:
        board = self._panel.board
        if board is not None:
            self._judge(board.status)  # what the board kept while the Pi was off
        self._beat()
        while not self._stop.wait(self.period):
            if self._alive():
                self._stalled = False
                self._beat()
            elif not self._stalled:
                self._stalled = True
                log.error("front panel: the UI loop stopped turning; no heartbeat until it does",
                          extra={"fields": {"code": "FRONTPANEL_LOOP_STALLED"}})

    def _beat(self) -> None:
        try:
            status = self._panel.ping()
            if self.watchdog is not None and not status.watchdog_armed:
                self._panel.watchdog_start(interval_ms=self.watchdog.interval_ms,
                                           misses=self.watchdog.misses)
                log.info("front panel: watchdog armed (%.0f s)", self.watchdog.window)
        except FrontPanelError as error:
            if not self._failing:
                self._failing = True
                log.error("front panel: no heartbeat: %s", error,
                          extra={"fields": {"code": error.code}})
            return
        if self._failing:
            self._failing = False
            log.info("front panel: answering again")
        self.pings += 1
        self._judge(status)

    def _judge(self, status: PanelStatus) -> None:
        tampered = status.tamper_latched or status.tamper_open
        if tampered != self._tampered:
            self._tampered = tampered
            self._listener(TamperChanged(opened=tampered))
