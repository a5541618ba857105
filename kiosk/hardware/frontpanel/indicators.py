"""The kiosk's :class:`~kiosk.hardware.indicators.Indicators` on the front-panel board.

The UI loop says what the lights must show; a request to the board waits for its reply, and
up to three times 300 ms when the board is unplugged, so the loop never sends one itself. A
small thread does, from what is wanted: the last light asked for each LED wins (a screen
that flicks from "lay the card" to "reading" sends only "blink" if the board was busy), a
light already showing is not sent again, and beeps wait their turn in a short queue. A board
that stops answering is one coded line in the log (and one more when it answers again), and
the kiosk goes on without its lights.
"""

from __future__ import annotations

import logging
import threading
from collections import deque

from kiosk.hardware.frontpanel.driver import FrontPanel
from kiosk.hardware.frontpanel.errors import FrontPanelError
from kiosk.hardware.frontpanel.messages import Led, LedMode
from kiosk.hardware.indicators import Light

log = logging.getLogger(__name__)

MODES = {Light.OFF: LedMode.OFF, Light.ON: LedMode.ON, Light.BLINK: LedMode.BLINK}
MAX_BEEP_MS = 5000  # the protocol's longest
QUEUED_BEEPS = 4  # more waiting than this and the oldest are past their moment
CLOSE_SECONDS = 5.0


class FrontPanelIndicators:
    """Implements :class:`~kiosk.hardware.indicators.Indicators` over ``panel``; every call
    returns at once. :meth:`close` turns both lights off (a stopped kiosk does not ask for a
    card) and waits, briefly, for that to be sent."""

    def __init__(self, panel: FrontPanel) -> None:
        self._panel = panel
        self._work = threading.Condition()
        self._wanted: dict[Led, LedMode] = {}
        self._shown: dict[Led, LedMode] = {}
        self._beeps: deque[int] = deque(maxlen=QUEUED_BEEPS)
        self._closing = False
        self._failing = False
        self._thread = threading.Thread(target=self._run, name="frontpanel-lights", daemon=True)
        self._thread.start()

    def guidance(self, light: Light) -> None:
        self._want(Led.GUIDANCE, MODES[light])

    def status(self, light: Light) -> None:
        self._want(Led.STATUS, MODES[light])

    def beep(self, milliseconds: int) -> None:
        with self._work:
            self._beeps.append(max(0, min(milliseconds, MAX_BEEP_MS)))
            self._work.notify()

    def close(self) -> None:
        with self._work:
            if self._closing:
                return
            self._wanted.update({Led.GUIDANCE: LedMode.OFF, Led.STATUS: LedMode.OFF})
            self._closing = True
            self._work.notify()
        self._thread.join(CLOSE_SECONDS)

    def _want(self, led: Led, mode: LedMode) -> None:
        with self._work:
            if not self._closing:
                self._wanted[led] = mode
                self._work.notify()

    def _run(self) -> None:
        while True:
            with self._work:
                while not (self._wanted or self._beeps or self._closing):
                    self._work.wait()
                wanted, self._wanted = self._wanted, {}
                beeps = list(self._beeps)
                self._beeps.clear()
                last = self._closing
            for led, mode in wanted.items():
                if self._shown.get(led) is not mode and self._send(led, mode):
                    self._shown[led] = mode
            for milliseconds in beeps:
                self._send_beep(milliseconds)
            if last:
                return

    def _send(self, led: Led, mode: LedMode) -> bool:
        try:
            if led is Led.GUIDANCE:
                self._panel.set_guidance(mode)
            else:
                self._panel.set_status_led(mode)
        except FrontPanelError as error:
            self._failed(error)
            return False
        self._answered()
        return True

    def _send_beep(self, milliseconds: int) -> None:
        try:
            self._panel.buzz(milliseconds)
        except FrontPanelError as error:
            self._failed(error)
        else:
            self._answered()

    def _failed(self, error: FrontPanelError) -> None:
        if not self._failing:
            self._failing = True
            log.error("front panel: the lights are not answering: %s", error,
                      extra={"fields": {"code": error.code}})

    def _answered(self) -> None:
        if self._failing:
            self._failing = False
            log.info("front panel: the lights answer again")
