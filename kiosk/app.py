"""The composition root: reads the configuration, picks the backends, wires reader, card
worker, journeys, screens, speech and the uplink together, and runs the loop. Nothing else in
the kiosk builds backends.

Threads: the reader monitor watches for cards and posts them to the session; the card worker
is the only thread that talks to a card; the uplink's threads (when the profile has an
``uplink`` section) send the outbox and heartbeats and post the back-office's commands; with
a ``frontpanel``, one thread pings the board while the loop turns (its watchdog's proof) and
reports the tamper latch, another sends it the lights the loop asks for; the pygame loop
(main thread) draws and handles input. They meet through the session's queue, which wakes
the loop with a pygame event (``post`` is thread-safe). The loop looks at SDL's
queue 30 times a second when idle (see :data:`IDLE_POLL_SECONDS`) and redraws only when the
view changes; a 1 Hz timer drives the session's inactivity clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable

import pygame
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from gpiozero import Factory
from systemd import daemon

from kiosk import __version__, logs
from kiosk.attach import build_reader
from kiosk.cie import certificate
from kiosk.config import Config, Profile
from kiosk.durable import write_atomically
from kiosk.files import load_anchors, read_input
from kiosk.hardware.audio import EspeakSpeaker, Speaker
from kiosk.hardware.backlight import (
    Backlight,
    BacklightError,
    BacklightPolicy,
    OpeningHours,
    open_backlight,
)
from kiosk.hardware.frontpanel import FrontPanel, open_frontpanel
from kiosk.hardware.frontpanel.errors import FrontPanelError
from kiosk.hardware.frontpanel.heartbeat import PanelHeartbeat
from kiosk.hardware.frontpanel.heartbeat import Watchdog as PanelWatchdog
from kiosk.hardware.frontpanel.indicators import FrontPanelIndicators
from kiosk.hardware.gpio import GpioIndicators, GpioSensors, open_pins
from kiosk.hardware.gpio.surroundings import MockSurroundings
from kiosk.hardware.indicators import Indicators, NoIndicators
from kiosk.hardware.monitor import ReaderMonitor
from kiosk.hardware.printer import ReceiptPrinter, open_printer
from kiosk.hardware.reader import CardReader, ReaderAttached, ReaderDetached, ReaderEvent
from kiosk.hardware.sensors import (
    HeadphonesChanged,
    PresenceSeen,
    SensorEvent,
    SensorListener,
    TamperChanged,
)
from kiosk.hardware.virtual import VirtualDriver
from kiosk.health import HealthMonitor
from kiosk.journeys import (
    CertificatePolicy,
    KioskSession,
    Phase,
    ThreadCardWorker,
    Tick,
    View,
    from_reader,
)
from kiosk.journeys.events import CaseClosed, CaseOpened, Lock, ShowNotice, Unlock
from kiosk.journeys.events import Command as SessionCommand
from kiosk.journeys.guidance import Guidance
from kiosk.journeys.ports import Activity
from kiosk.lights import Lights, beep_for, lights_for
from kiosk.receipts import PrinterReceipts, StepsOnPaper
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
# The sim profile's mock pins: F3 opens or shuts the case, F4 is someone passing by, F5 plugs
# the headphones in or out (kiosk.hardware.gpio.surroundings).
SIM_CASE_KEY, SIM_PASSER_BY_KEY, SIM_HEADPHONES_KEY = pygame.K_F3, pygame.K_F4, pygame.K_F5
# How often an idle loop looks at SDL's queue. SDL_WaitEvent cannot sleep on drivers that have
# no way to wait for input (dummy, and KMS/DRM on the Pi read evdev when pumped): it polls every
# millisecond instead, which costs a few per cent of a core doing nothing. 30 Hz is below what
# a finger on a touchscreen notices.
IDLE_POLL_SECONDS = 1 / 30
# The person's own input (a touch, a key), which wakes the backlight; not the window's events.
INPUT_EVENTS = frozenset({pygame.MOUSEBUTTONDOWN, pygame.FINGERDOWN, pygame.KEYDOWN})
# In the state directory while the tamper switch has the kiosk locked: a restart locks it again
# (the switch's backend reports a shut case, not the opening before it, at start).
TAMPERED_FILE = "tampered"
# How long the loop may go without turning before the front panel's heartbeat stops (and the
# board's watchdog, after its own window, power-cycles the Pi): far longer than any frame.
LOOP_STALE_SECONDS = 10.0


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


def build_indicators(profile: Profile, pins: Factory | None,
                     panel: FrontPanel | None) -> Indicators:
    """The one place the lights' and buzzer's backend is chosen: the front panel when the
    profile has one and it answered, else the Pi's own pins when the profile has a ``gpio``
    section (``pins`` is its pin factory), none otherwise. With both a board and GPIO lights
    configured the board wins: it also keeps the tamper latch and the watchdog, so it is the
    one that is wired up, and one ring around the reader needs one driver."""
    if profile.frontpanel is not None and panel is not None:
        return FrontPanelIndicators(panel)
    gpio = profile.gpio
    if gpio is not None and pins is not None:
        return GpioIndicators(pins, guidance_light=gpio.guidance_light,
                              status_led=gpio.status_led, buzzer=gpio.buzzer)
    return NoIndicators()


def build_sensors(profile: Profile, pins: Factory | None,
                  listener: SensorListener) -> GpioSensors | None:
    """The switches and sensors on the Pi's own pins, when the profile has a ``gpio`` section."""
    gpio = profile.gpio
    if gpio is None or pins is None:
        return None
    return GpioSensors(pins, listener, tamper=gpio.tamper, presence=gpio.presence,
                       headphones=gpio.headphones)


class UplinkLink:
    """The session's :class:`~kiosk.journeys.ports.BackOfficeLink` over the uplink: reachable
    when its last call got through (a contact, and no error since). Read once per press of the
    help button, from what the uplink already noted; nothing waits on the network."""

    def __init__(self, uplink: Uplink) -> None:
        self._uplink = uplink

    def reachable(self) -> bool:
        status = self._uplink.status()
        return status["last_contact"] is not None and status["last_error"] is None


def guidance_for(profile: Profile) -> Guidance:
    """The activation helper's pages and the renewal reminder's settings: the profile's, else
    the national ones the firmware ships."""
    links, renewal, shipped = profile.links, profile.renewal, Guidance()
    return Guidance(activation_url=links.activation or shipped.activation_url,
                    cieid_app_url=links.cieid_app or shipped.cieid_app_url,
                    booking_url=renewal.booking_url or links.booking or shipped.booking_url,
                    renewal_window_days=renewal.window_days, comune_text=renewal.comune_text)


class Kiosk:
    """The running kiosk: the citizen journeys on the screen, the card on the reader."""

    WAKE = pygame.event.custom_type()
    TICK = pygame.event.custom_type()
    SENSOR = pygame.event.custom_type()  # a switch or sensor spoke, from the backend's thread

    def __init__(self, config: Config, mode: str | None = None, *,
                 speaker: Speaker | None = None, frontpanel: FrontPanel | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 now: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        """``frontpanel``: a board already opened, used instead of the profile's ``uri``
        (a test's virtual board, set up beforehand); the profile still says whether there is
        one and its watchdog. ``clock`` (monotonic) times the session and the backlight's
        idleness, ``now`` (local wall time) the opening hours."""
        self.config = config
        self._clock = clock
        self._now = now
        self._backlight: Backlight | None = None
        self._tampered = False  # as kept in the state directory
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
        self._health: HealthMonitor | None = None
        self._panel = frontpanel
        self._heartbeat: PanelHeartbeat | None = None
        self._loop_beat = time.monotonic()  # when the loop last turned: the heartbeat's proof
        self._reader_present = True
        self._stage: Stage | None = None
        self._last = time.monotonic()
        self._pins: Factory | None = None
        self._indicators: Indicators = NoIndicators()
        self._lights: Lights | None = None
        self._sensors: GpioSensors | None = None
        self._surroundings: MockSurroundings | None = None
        # The blind-user mode: the headphones are in (as at a talking ATM), so the buzzer
        # marks the card's steps; see kiosk.lights.
        self.blind_mode = False
        self.presence_at: float | None = None  # when someone last stood in front (monotonic)
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
    def health(self) -> HealthMonitor | None:
        """The heartbeat's health readings (after start())."""
        return self._health

    @property
    def pins(self) -> Factory | None:
        """The gpiozero pin factory, when the profile has a ``gpio`` section (after start())."""
        return self._pins

    @property
    def lights(self) -> Lights | None:
        """What the lights were last told to show (after start())."""
        return self._lights

    @property
    def surroundings(self) -> MockSurroundings | None:
        """The world around the mock pins (``gpio.factory = "mock"``, after start())."""
        return self._surroundings

    @property
    def backlight(self) -> Backlight | None:
        """The screen's backlight, when the profile has one and it opened (after start())."""
        return self._backlight

    @property
    def frontpanel(self) -> FrontPanel | None:
        """The front-panel board, when the profile has one and it answered (after start())."""
        return self._panel

    @property
    def heartbeat(self) -> PanelHeartbeat | None:
        """The front panel's heartbeat (after start())."""
        return self._heartbeat

    @property
    def sim_driver(self) -> VirtualDriver | None:
        driver = self._reader.driver if self._reader else None
        return driver if isinstance(driver, VirtualDriver) else None

    def start(self) -> None:
        profile = self.config.profile
        self._start_gpio(profile)  # first: a kiosk whose pins cannot be driven stops here
        self._reader, self._sim_card = build_reader(
            profile.reader, profile.state_path, create_demo=True, timing=profile.card_timing
        )
        display = profile.display
        size = (display.size[0], display.size[1]) if display.size else None
        self._surface = open_display(self.mode, size, display.driver)
        self._worker = ThreadCardWorker(self._reader)
        self._open_frontpanel(profile)
        self._indicators = build_indicators(profile, self._pins, self._panel)
        if profile.printer is not None:
            self._printer = open_printer(profile.printer.uri, model=profile.printer.model,
                                         base=profile.state_path)
        self._health = HealthMonitor(profile.state_path, self._printer)
        if profile.frontpanel is not None:
            self._health.frontpanel_present = self._panel is not None
        if profile.uplink is not None and profile.uplink.enabled:
            self._uplink = Uplink(profile.uplink, profile.state_path, snapshot=self._snapshot,
                                  on_command=self._on_command,
                                  versions={"kiosk": __version__})
        link = UplinkLink(self._uplink) if self._uplink is not None else None
        if profile.backlight is not None:
            self._backlight = self._open_backlight(profile)
        steps = None if self._printer is None else StepsOnPaper(
            self._printer, profile.site.comune, lambda: self.session.language)
        self._session = KioskSession(self._worker, certificate_policy(profile), wake=self._wake,
                                     clock=self._clock,
                                     events=self._uplink, level3=self._uplink,
                                     tickets=self._uplink, phone=self._uplink, link=link,
                                     receipts=PrinterReceipts(self._printer, profile.site.comune),
                                     guidance=guidance_for(profile), steps_printer=steps)
        self._tampered = (profile.state_path / TAMPERED_FILE).exists()
        if self._tampered:  # locked before the first screen is drawn
            self._session.handle(CaseOpened())
        self._stage = Stage(Catalog, Settings(dpi=display.dpi), self._session.view)
        if self._speaker is None and profile.speech == "espeak":
            self._speaker = EspeakSpeaker()
        if self._speaker is not None:
            self._narrator = Narrator(self._speaker, Catalog)
        self._sensors = build_sensors(profile, self._pins, self._post_sensor)
        self._monitor = ReaderMonitor(self._reader, self._on_reader_event)
        self._monitor.start()
        if self._uplink is not None:
            self._uplink.start()
        self._start_heartbeat(profile)
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
            self._loop_beat = time.monotonic()
            if deadline is not None and self._loop_beat >= deadline:
                return True
            time.sleep(IDLE_POLL_SECONDS)
            event = pygame.event.poll()
        self._loop_beat = time.monotonic()
        if event.type == pygame.QUIT:
            return False
        before = self.session.view
        if event.type == self.WAKE:
            self.session.pump()
            self._signal(self.session.view)  # the status LED, when the reader came or went
        elif event.type == self.TICK:
            self.session.handle(Tick())
            now = time.monotonic()
            self.stage.update(now - self._last)  # the reading animation's next frame
            self._last = now
        elif event.type == self.SENSOR:
            self._on_sensor(event.sensor)
        elif event.type == pygame.KEYDOWN and event.key == SIM_TOGGLE_KEY:
            self.toggle_sim_card()
        elif event.type == pygame.KEYDOWN and self._surroundings is not None and event.key in (
                SIM_CASE_KEY, SIM_PASSER_BY_KEY, SIM_HEADPHONES_KEY):
            self._sim_pins(event.key)
        elif not self._wakes_only(event):
            action = self.stage.handle(event)
            if action is not None:
                self.session.handle(action)
        if self.session.view != before:
            self._show(self.session.view, before)
        elif self.stage.dirty:  # focus moved, accessibility mode, animation
            self._draw()
        self._follow(event)  # after the screen: a tamper lock is drawn before it is written
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
        if self._sensors:
            self._sensors.close()
        if self._heartbeat:
            self._heartbeat.stop()  # disarms the watchdog: this stop is on purpose
        self._indicators.close()
        if self._pins:
            self._pins.close()
        if self._panel:
            self._panel.close()
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
        health = self._health.report() if self._health is not None else None
        return KioskSnapshot(state, status.journey, self._reader_present, health)

    def _on_reader_event(self, event: ReaderEvent) -> None:
        present = isinstance(event, ReaderAttached)
        if isinstance(event, ReaderAttached | ReaderDetached) and present != self._reader_present:
            self._reader_present = present
            self._wake()  # the status LED says it
        card_event = from_reader(event)
        if card_event is not None:
            self.session.post(card_event)

    def _wakes_only(self, event: pygame.event.Event) -> bool:
        """A touch or a key on a dark screen lights it and does nothing else: the person
        could not see what they touched."""
        return (event.type in INPUT_EVENTS and self._backlight is not None
                and self._backlight.level == 0)

    def _follow(self, event: pygame.event.Event) -> None:
        """What follows the event just handled outside the screen: the backlight (which the
        person's input wakes) and the tamper lock kept in the state directory."""
        if self._backlight is not None:
            if event.type in INPUT_EVENTS:
                self._backlight.woken()
            self._backlight.apply(self.session.phase not in (Phase.ATTRACT, Phase.LOCKED))
        if self.session.tampered != self._tampered:
            self._keep_tampered(self.session.tampered)

    def _keep_tampered(self, tampered: bool) -> None:
        """Mirror the session's tamper lock in the state directory (the session keeps none)."""
        self._tampered = tampered
        path = self.config.profile.state_path / TAMPERED_FILE
        try:
            if tampered:
                write_atomically(path, b"")
            else:
                path.unlink(missing_ok=True)
        except OSError as exc:
            log.error("cannot keep the tamper lock in %s: %s", path, exc,
                      extra=logs.fields(code="TAMPER_NOT_KEPT"))

    def _open_backlight(self, profile: Profile) -> Backlight | None:
        """The profile's backlight; one that cannot be opened is logged with its code and
        left alone: the kiosk serves citizens with the light as it is."""
        settings = profile.backlight
        assert settings is not None
        try:
            device = open_backlight(settings.device, profile.state_path)
        except BacklightError as exc:
            log.error("backlight: %s", exc, extra=logs.fields(code=exc.code))
            return None
        policy = BacklightPolicy(OpeningHours.parse(profile.site.opening_hours),
                                 idle_percent=settings.idle_percent,
                                 idle_after_seconds=settings.idle_after_seconds,
                                 clock=self._clock, now=self._now)
        return Backlight(device, policy)

    def _show(self, view: View, before: View | None = None) -> None:
        self.stage.enter(view)
        self._draw()
        self._signal(view, before)
        if self._narrator is not None:
            self._narrator.show(view)

    def _signal(self, view: View, before: View | None = None) -> None:
        """The lights for what the screen shows (told only of a change: a backend may be a
        serial line away), and the blind-user mode's beep for the step to it."""
        lights = lights_for(view, serving=self._reader_present)
        if lights != self._lights:
            self._lights = lights
            self._indicators.guidance(lights.guidance)
            self._indicators.status(lights.status)
        beep = None if before is None else beep_for(before, view)
        if beep is not None and self.blind_mode:
            self._indicators.beep(beep)

    def _open_frontpanel(self, profile: Profile) -> None:
        """The profile's board, greeted. One that does not answer is a coded error in the log
        and the kiosk serves without lights: a crash here would restart the kiosk into the
        same silent board, for ever."""
        settings = profile.frontpanel
        if settings is None:
            self._panel = None
            return
        try:
            if self._panel is None:
                self._panel = open_frontpanel(settings.uri)
            else:
                self._panel.hello()
        except FrontPanelError as error:
            log.error("front panel %s: %s; running without its lights", settings.uri, error,
                      extra=logs.fields(code=error.code))
            if self._panel is not None:
                self._panel.close()
            self._panel = None

    def _start_heartbeat(self, profile: Profile) -> None:
        settings = profile.frontpanel
        if settings is None or self._panel is None:
            return
        seconds = settings.watchdog_seconds
        self._loop_beat = time.monotonic()  # a slow start (a new demo card) is no hang
        self._heartbeat = PanelHeartbeat(
            self._panel, self._post_sensor, alive=self._loop_alive,
            watchdog=None if seconds is None else PanelWatchdog.after(seconds))
        self._heartbeat.start()

    def _loop_alive(self) -> bool:
        """From the heartbeat's thread: whether the loop turned lately."""
        return time.monotonic() - self._loop_beat <= LOOP_STALE_SECONDS

    def _start_gpio(self, profile: Profile) -> None:
        """The pin factory and the world around the mock pins; the sensors come once the loop
        can take their events."""
        if profile.gpio is not None:
            self._pins = open_pins(profile.gpio.factory)
            if profile.gpio.factory == "mock":
                self._surroundings = MockSurroundings(
                    self._pins, tamper=profile.gpio.tamper, presence=profile.gpio.presence,
                    headphones=profile.gpio.headphones)

    def _sim_pins(self, key: int) -> None:
        assert self._surroundings is not None
        {SIM_CASE_KEY: self._surroundings.toggle_case,
         SIM_PASSER_BY_KEY: self._surroundings.someone_passes,
         SIM_HEADPHONES_KEY: self._surroundings.toggle_headphones}[key]()

    def _post_sensor(self, event: SensorEvent) -> None:
        """From the sensors' thread. The tamper switch goes to the session's queue, like the
        reader's events, so it keeps its order with them and with the back-office's commands;
        the others onto the loop's queue (``post`` is thread-safe both)."""
        if isinstance(event, TamperChanged):
            self.session.post(CaseOpened() if event.opened else CaseClosed())
        else:
            pygame.event.post(pygame.event.Event(self.SENSOR, sensor=event))

    def _on_sensor(self, event: SensorEvent) -> None:
        """On the loop's thread: what a switch or sensor said."""
        match event:
            case PresenceSeen():
                self.presence_at = self._clock()
                if self._backlight is not None:
                    self._backlight.woken()  # lit by _follow, after this event
            case HeadphonesChanged(plugged=plugged):
                self._headphones(plugged)

    def _headphones(self, plugged: bool) -> None:
        """A plug in: speech goes private, into the headphones, and the screen is read again
        there; the blind-user mode starts. Pulled out: silence at once, since the phrase under
        way was meant for one pair of ears."""
        if plugged == self.blind_mode:
            return  # the jack's state at start: no plug in
        self.blind_mode = plugged
        log.info("headphones %s", "plugged in" if plugged else "pulled out")
        if self._speaker is None or self._narrator is None:
            return
        self._speaker.route(self.config.profile.speech_headphones if plugged else None)
        if plugged:
            self._narrator.repeat()

    def _draw(self) -> None:
        self.stage.draw(self.surface)
        pygame.display.flip()
        self.frames += 1
