"""The composition root: reads the configuration, picks the backends, wires reader, card
worker, journeys, screens, speech and the uplink together, and runs the loop. Nothing else in
the kiosk builds backends.

Threads: the reader monitor watches for cards and posts them to the session; the card worker
is the only thread that talks to a card; the uplink's threads (when the profile has an
``uplink`` section) send the outbox and heartbeats and post the back-office's commands; the
pygame loop (main thread) draws and handles input. They meet through the session's queue,
which wakes the loop with a pygame event (``post`` is thread-safe). The loop looks at SDL's
queue 30 times a second when idle (see :data:`IDLE_POLL_SECONDS`) and redraws only when the
view changes; a 1 Hz timer drives the session's inactivity clock.
"""

from __future__ import annotations

import logging
import time

import pygame
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from systemd import daemon

from kiosk import __version__, logs
from kiosk.attach import build_reader
from kiosk.cie import certificate
from kiosk.config import Config, Profile
from kiosk.files import load_anchors, read_input
from kiosk.hardware.audio import EspeakSpeaker, Speaker
from kiosk.hardware.monitor import ReaderMonitor
from kiosk.hardware.printer import ReceiptPrinter, open_printer
from kiosk.hardware.reader import CardReader, ReaderAttached, ReaderDetached, ReaderEvent
from kiosk.hardware.virtual import VirtualDriver
from kiosk.journeys import (
    CertificatePolicy,
    KioskSession,
    ThreadCardWorker,
    Tick,
    View,
    from_reader,
)
from kiosk.journeys.events import Command as SessionCommand
from kiosk.journeys.events import Lock, ShowNotice, Unlock
from kiosk.journeys.ports import Activity
from kiosk.sim.card import VirtualCie
from kiosk.ui.display import open_display
from kiosk.ui.i18n import Catalog
from kiosk.ui.speech import Narrator
from kiosk.ui.stage import Stage
from kiosk.ui.theme import Settings
from kiosk.uplink.runner import KioskSnapshot, Uplink
from kiosk.uplink.schemas import Command, CommandKind, KioskState
from kiosk.watchdog import Watchdog

log = logging.getLogger(__name__)

SIM_TOGGLE_KEY = pygame.K_F2
# How often an idle loop looks at SDL's queue. SDL_WaitEvent cannot sleep on drivers that have
# no way to wait for input (dummy, and KMS/DRM on the Pi read evdev when pumped): it polls every
# millisecond instead, which costs a few per cent of a core doing nothing. 30 Hz is below what
# a finger on a touchscreen notices.
IDLE_POLL_SECONDS = 1 / 30


def certificate_policy(profile: Profile) -> CertificatePolicy:
    """The Comune's trust settings; relative paths are in the profile's state directory. The
    anchors serve both checks: the CIE authentication CA for the certificate, the CSCA for
    passive authentication of what is read with the CAN (a certificate of the wrong kind is
    simply never the issuer the other check looks for)."""
    settings = profile.certificates
    loaded = load_anchors([profile.resolve(path) for path in settings.anchors])
    anchors = [asn1_x509.Certificate.load(cert.x509.public_bytes(Encoding.DER))
               for cert in loaded]
    crls = [read_input(profile.resolve(path)) for path in settings.crls]
    return CertificatePolicy(anchors, crls, certificate.Revocation(settings.revocation),
                             documents=loaded)


def session_command(command: Command) -> SessionCommand:
    """The session's event for a back-office command."""
    match command.kind:
        case CommandKind.LOCK:
            return Lock(command.message)
        case CommandKind.UNLOCK:
            return Unlock()
        case CommandKind.NOTICE:
            return ShowNotice(command.message)


class UplinkLink:
    """The session's :class:`~kiosk.journeys.ports.BackOfficeLink` over the uplink: reachable
    when its last call got through (a contact, and no error since). Read once per press of the
    help button, from what the uplink already noted; nothing waits on the network."""

    def __init__(self, uplink: Uplink) -> None:
        self._uplink = uplink

    def reachable(self) -> bool:
        status = self._uplink.status()
        return status["last_contact"] is not None and status["last_error"] is None


class Kiosk:
    """The running kiosk: the citizen journeys on the screen, the card on the reader."""

    WAKE = pygame.event.custom_type()
    TICK = pygame.event.custom_type()

    def __init__(self, config: Config, mode: str | None = None, *,
                 speaker: Speaker | None = None) -> None:
        self.config = config
        self.mode = mode or config.profile.display.mode
        self.frames = 0
        self._speaker = speaker
        self._surface: pygame.Surface | None = None
        self._sim_card: VirtualCie | None = None
        self._reader: CardReader | None = None
        self._monitor: ReaderMonitor | None = None
        self._worker: ThreadCardWorker | None = None
        self._narrator: Narrator | None = None
        self._session: KioskSession | None = None
        self._uplink: Uplink | None = None
        self._printer: ReceiptPrinter | None = None
        self._reader_present = True
        self._stage: Stage | None = None
        self._last = time.monotonic()
        self._watchdog = Watchdog.from_environment()

    @property
    def surface(self) -> pygame.Surface:
        assert self._surface is not None, "start() first"
        return self._surface

    @property
    def session(self) -> KioskSession:
        assert self._session is not None, "start() first"
        return self._session

    @property
    def stage(self) -> Stage:
        assert self._stage is not None, "start() first"
        return self._stage

    @property
    def uplink(self) -> Uplink | None:
        """The back-office link, when the profile has one (after start())."""
        return self._uplink

    @property
    def printer(self) -> ReceiptPrinter | None:
        """The receipt printer, when the profile has one (after start())."""
        return self._printer

    @property
    def sim_driver(self) -> VirtualDriver | None:
        driver = self._reader.driver if self._reader else None
        return driver if isinstance(driver, VirtualDriver) else None

    def start(self) -> None:
        profile = self.config.profile
        self._reader, self._sim_card = build_reader(
            profile.reader, profile.state_path, create_demo=True, timing=profile.card_timing
        )
        display = profile.display
        size = (display.size[0], display.size[1]) if display.size else None
        self._surface = open_display(self.mode, size, display.driver)
        self._worker = ThreadCardWorker(self._reader)
        if profile.printer is not None:
            self._printer = open_printer(profile.printer.uri, model=profile.printer.model,
                                         base=profile.state_path)
        if profile.uplink is not None and profile.uplink.enabled:
            self._uplink = Uplink(profile.uplink, profile.state_path, snapshot=self._snapshot,
                                  on_command=self._on_command,
                                  versions={"kiosk": __version__})
        link = UplinkLink(self._uplink) if self._uplink is not None else None
        self._session = KioskSession(self._worker, certificate_policy(profile), wake=self._wake,
                                     events=self._uplink, level3=self._uplink,
                                     tickets=self._uplink, phone=self._uplink, link=link)
        self._stage = Stage(Catalog, Settings(dpi=display.dpi), self._session.view)
        if self._speaker is None and profile.speech == "espeak":
            self._speaker = EspeakSpeaker()
        if self._speaker is not None:
            self._narrator = Narrator(self._speaker, Catalog)
        self._monitor = ReaderMonitor(self._reader, self._on_reader_event)
        self._monitor.start()
        if self._uplink is not None:
            self._uplink.start()
        pygame.time.set_timer(self.TICK, 1000)
        self._show(self._session.view)
        # Ready only now: the screen is open, the reader watched and the uplink started.
        daemon.notify("READY=1\nSTATUS=waiting for a citizen")
        self._watchdog.feed()
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
        deadline = None if timeout is None else time.monotonic() + timeout
        self._watchdog.feed()
        event = pygame.event.poll()
        while event.type == pygame.NOEVENT:
            self._watchdog.feed()  # idle is alive; a handler stuck below is not
            if deadline is not None and time.monotonic() >= deadline:
                return True
            time.sleep(IDLE_POLL_SECONDS)
            event = pygame.event.poll()
        if event.type == pygame.QUIT:
            return False
        before = self.session.view
        if event.type == self.WAKE:
            self.session.pump()
        elif event.type == self.TICK:
            self.session.handle(Tick())
            now = time.monotonic()
            self.stage.update(now - self._last)  # the reading animation's next frame
            self._last = now
        elif event.type == pygame.KEYDOWN and event.key == SIM_TOGGLE_KEY:
            self.toggle_sim_card()
        else:
            action = self.stage.handle(event)
            if action is not None:
                self.session.handle(action)
        if self.session.view != before:
            self._show(self.session.view)
        elif self.stage.dirty:  # focus moved, accessibility mode, animation
            self._draw()
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
        pygame.time.set_timer(self.TICK, 0)
        if self._monitor:
            self._monitor.stop()
        if self._worker:
            self._worker.close()
        if self._uplink:
            self._uplink.close()
        if self._speaker:
            self._speaker.close()
        if self._reader:
            self._reader.close()
        if self._printer:
            self._printer.close()
        pygame.quit()

    def _wake(self) -> None:
        # One pending WAKE drains everything posted before it: a card job's progress steps
        # must not queue a WAKE each ahead of the citizen's touches.
        if not pygame.event.peek(self.WAKE):
            pygame.event.post(pygame.event.Event(self.WAKE))

    def _on_command(self, command: Command) -> None:
        """From the uplink's thread: the session takes it from its queue."""
        self.session.post(session_command(command))

    def _snapshot(self) -> KioskSnapshot:
        """From the uplink's thread: what the heartbeat says. A kiosk with no reader cannot
        serve anyone, whatever its screen shows, so it is out of order for the clerk."""
        status = self.session.kiosk_state()
        state = KioskState(status.activity.value)
        if not self._reader_present and status.activity is not Activity.LOCKED:
            state = KioskState.OUT_OF_ORDER
        return KioskSnapshot(state, status.journey, self._reader_present)

    def _on_reader_event(self, event: ReaderEvent) -> None:
        if isinstance(event, ReaderAttached | ReaderDetached):
            self._reader_present = isinstance(event, ReaderAttached)
        card_event = from_reader(event)
        if card_event is not None:
            self.session.post(card_event)

    def _show(self, view: View) -> None:
        self.stage.enter(view)
        self._draw()
        if self._narrator is not None:
            self._narrator.show(view)

    def _draw(self) -> None:
        self.stage.draw(self.surface)
        pygame.display.flip()
        self.frames += 1
