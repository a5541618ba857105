"""A thread that watches a reader and hands every event to the kiosk.

Drivers only answer :meth:`~kiosk.hardware.reader.ReaderDriver.poll`; the thread lives here,
not in a driver, so that tests can call ``poll`` directly and the card worker stays the only
thread that talks to a card.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from kiosk.errors import KioskError
from kiosk.hardware.reader import CardReader, ReaderEvent

log = logging.getLogger(__name__)


class ReaderMonitor:
    def __init__(
        self, reader: CardReader, on_event: Callable[[ReaderEvent], None], interval: float = 0.5
    ) -> None:
        self._reader = reader
        self._on_event = on_event
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="reader-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5 * self._interval + 1)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                events = self._reader.poll(self._interval)
            except KioskError as error:
                log.warning("reader monitor: %s [%s]", error, error.code)
                self._stop.wait(self._interval)
                continue
            for event in events:
                self._on_event(event)
