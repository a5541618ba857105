"""The composition root: reads the configuration, picks the backends, wires reader, card
worker and screen together, and runs the loop. Nothing else in the kiosk builds backends.

Threads: the reader monitor watches for cards; the card worker is the only thread that talks to
a card; the pygame loop (main thread) only draws and handles input. They meet through pygame's
event queue, whose ``post`` is thread-safe, and the loop blocks in ``pygame.event.wait``: an
idle kiosk uses no CPU.
"""

from __future__ import annotations

import logging
import queue
import threading

import pygame
from systemd import daemon

from kiosk import logs
from kiosk.attach import build_reader
from kiosk.cie.errors import CieError
from kiosk.cie.info import read_card_info
from kiosk.config import Config
from kiosk.errors import KioskError
from kiosk.hardware.monitor import ReaderMonitor
from kiosk.hardware.reader import CardInserted, CardLeft, CardReader, ReaderEvent
from kiosk.hardware.virtual import VirtualDriver
from kiosk.sim.card import VirtualCie
from kiosk.ui import card_screen
from kiosk.ui.display import open_display

log = logging.getLogger(__name__)

SIM_TOGGLE_KEY = pygame.K_F2
SIM_HINT = "Simulazione: F2 appoggia o toglie la carta"


class Kiosk:
    """The running kiosk: one screen that shows what the card on the reader says."""

    VIEW = pygame.event.custom_type()

    def __init__(self, config: Config, mode: str | None = None) -> None:
        self.config = config
        self.mode = mode or config.profile.display.mode
        self.view: card_screen.View = card_screen.WaitingForCard()
        self.frames = 0
        self._jobs: queue.Queue[ReaderEvent | None] = queue.Queue()
        self._surface: pygame.Surface | None = None
        self._sim_card: VirtualCie | None = None
        self._reader: CardReader | None = None
        self._monitor: ReaderMonitor | None = None
        self._worker = threading.Thread(target=self._work, name="card-worker", daemon=True)

    @property
    def surface(self) -> pygame.Surface:
        assert self._surface is not None, "start() first"
        return self._surface

    @property
    def sim_driver(self) -> VirtualDriver | None:
        driver = self._reader.driver if self._reader else None
        return driver if isinstance(driver, VirtualDriver) else None

    def start(self) -> None:
        profile = self.config.profile
        self._reader, self._sim_card = build_reader(
            profile.reader, profile.state_path, create_demo=True
        )
        display = profile.display
        size = (display.size[0], display.size[1]) if display.size else None
        self._surface = open_display(self.mode, size, display.driver)
        self._worker.start()
        self._monitor = ReaderMonitor(self._reader, self._jobs.put)
        self._monitor.start()
        self._draw()
        daemon.notify("READY=1\nSTATUS=waiting for a card")
        log.info("kiosk ready", extra=logs.fields(profile=self.config.name, mode=self.mode))

    def run(self) -> int:
        self.start()
        try:
            while self.pump(None):
                pass
        finally:
            self.stop()
        return 0

    def pump(self, timeout: float | None) -> bool:
        """Wait for one event (up to ``timeout`` seconds) and handle it; False on quit."""
        event = pygame.event.wait() if timeout is None else pygame.event.wait(int(timeout * 1000))
        if event.type == pygame.QUIT:
            return False
        if event.type == self.VIEW and event.view != self.view:
            self.view = event.view
            self._draw()
        elif event.type == pygame.KEYDOWN and event.key == SIM_TOGGLE_KEY:
            self.toggle_sim_card()
        return True

    def toggle_sim_card(self) -> None:
        driver = self.sim_driver
        if driver is None or self._sim_card is None:
            return
        if driver.card is None:
            driver.insert(self._sim_card)
        else:
            driver.remove()

    def stop(self) -> None:
        daemon.notify("STOPPING=1")
        if self._monitor:
            self._monitor.stop()
        self._jobs.put(None)
        if self._worker.is_alive():
            self._worker.join(timeout=5)
        if self._reader:
            self._reader.close()
        pygame.quit()

    def _draw(self) -> None:
        hint = SIM_HINT if self.sim_driver is not None else None
        card_screen.draw(self.surface, self.view, hint)
        pygame.display.flip()
        self.frames += 1

    def _show(self, view: card_screen.View) -> None:
        pygame.event.post(pygame.event.Event(self.VIEW, view=view))

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            if isinstance(job, CardInserted):
                self._read(job)
            elif isinstance(job, CardLeft):
                self._show(card_screen.WaitingForCard())

    def _read(self, inserted: CardInserted) -> None:
        assert self._reader is not None
        self._show(card_screen.ReadingCard())
        try:
            with self._reader.session(inserted.reader) as session:
                info = session.run(read_card_info(session.atr))
        except (KioskError, CieError) as exc:
            log.warning("card not read: %s", exc, extra=logs.fields(code=exc.code))
            self._show(card_screen.CardFailed(exc.code))
            return
        family = info.family.value if info.family else "unknown"
        log.info("card read", extra=logs.fields(family=family))
        self._show(card_screen.CardRead(info.nis))
