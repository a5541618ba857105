"""The kiosk session around the journeys: attract screen → language → menu → a journey, the
inactivity timer, and the wipe at the end.

One :class:`KioskSession` lives as long as the kiosk. The UI thread calls :meth:`handle` with
the person's events and a :class:`~kiosk.journeys.events.Tick` now and then, and draws
:attr:`view`; the reader monitor and the card worker call :meth:`post` from their threads,
and the UI thread runs what they posted in :meth:`pump` (``handle`` does it too). Time comes
from an injected monotonic clock, so tests never sleep.

A session ends when the citizen is done, lets the time run out, takes the card away at the end
of a journey, or cancels at the menu. The end wipes the journey's secrets (and checks that
they are zero: in every build, not only with asserts on), drops everything read from the card,
resets the language to Italian and shows the attract screen again.

A card that leaves the reader while it is being read, twice in one session, is a card laid
badly (on a wallet, off the symbol, with another card): from then on the screen that asks for
the card is :attr:`Screen.LAY_CARD_HELP`, which says how to lay it.

Timing follows WCAG 2.2 SC 2.2.1: the warning gives at least 20 seconds to ask for more time,
and more time can be asked at least 10 times. While the card works the clock does not run:
the citizen is waiting for the kiosk, not the other way round.
"""

from __future__ import annotations

import enum
import math
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from kiosk.journeys import change_pin, check_card, lost_codes, unblock_pin, verify_pin
from kiosk.journeys.certificates import CertificatePolicy
from kiosk.journeys.context import After
from kiosk.journeys.events import (
    Cancel,
    CardDone,
    CardFailed,
    CardInserted,
    CardRemoved,
    Chosen,
    Event,
    ExtendSession,
    LanguageChosen,
    Tick,
)
from kiosk.journeys.machine import Journey, JourneyId, JourneySpec
from kiosk.journeys.states import PUK_RECOVERY_URL, Services
from kiosk.journeys.views import (
    DEFAULT_LANGUAGE,
    Choice,
    Language,
    Screen,
    View,
    WarningView,
    facts,
)
from kiosk.journeys.worker import CardWorker

Clock = Callable[[], float]

JOURNEYS: dict[JourneyId, JourneySpec] = {
    spec.id: spec
    for spec in (check_card.SPEC, verify_pin.SPEC, change_pin.SPEC, unblock_pin.SPEC,
                 lost_codes.SPEC)
}
# The menu's buttons, and the buttons of result screens that hand over to another journey.
JOURNEY_CHOICES = {
    Choice.CHECK_CARD: JourneyId.CHECK_CARD,
    Choice.TEST_PIN: JourneyId.TEST_PIN,
    Choice.CHANGE_PIN: JourneyId.CHANGE_PIN,
    Choice.UNBLOCK_PIN: JourneyId.UNBLOCK_PIN,
    Choice.LOST_CODES: JourneyId.LOST_CODES,
}

MIN_WARNING_SECONDS = 20
MIN_EXTENSIONS = 10

# Cards lost mid-read after which the kiosk shows how to lay the card, and how.
PLACEMENT_HELP_AFTER = 2
PLACEMENT_STEPS = ("card.place.centre", "card.place.alone", "card.place.still")
_LOSS_CODES = frozenset({"CARD_REMOVED", "NO_CARD"})


class SecretsNotWiped(RuntimeError):
    """A journey ended with digits left in a holder: a bug, and the kiosk must not go on."""

    code = "SECRETS_NOT_WIPED"


@dataclass(frozen=True, slots=True)
class Timing:
    """Seconds of inactivity before the warning, seconds the warning lasts, extensions allowed."""

    idle_seconds: float = 60.0
    warning_seconds: float = 30.0
    max_extensions: int = MIN_EXTENSIONS

    def __post_init__(self) -> None:
        if self.warning_seconds < MIN_WARNING_SECONDS or self.max_extensions < MIN_EXTENSIONS:
            raise ValueError("WCAG 2.2.1: at least 20 s to extend, at least 10 extensions")


class Phase(enum.Enum):
    ATTRACT = "attract"
    LANGUAGE = "language"
    MENU = "menu"
    JOURNEY = "journey"


class Step(enum.Enum):
    START = "start"
    LANGUAGE_CHOSEN = "language-chosen"
    JOURNEY_CHOSEN = "journey-chosen"
    JOURNEY_ENDED = "journey-ended"
    HANDOFF = "handoff"
    END = "end"


class EndReason(enum.Enum):
    DONE = "done"
    TIMEOUT = "timeout"
    CARD_REMOVED = "card-removed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[tuple[Phase, Step], Phase] = {
    (Phase.ATTRACT, Step.START): Phase.LANGUAGE,
    (Phase.LANGUAGE, Step.LANGUAGE_CHOSEN): Phase.MENU,
    (Phase.LANGUAGE, Step.END): Phase.ATTRACT,
    (Phase.MENU, Step.JOURNEY_CHOSEN): Phase.JOURNEY,
    (Phase.MENU, Step.END): Phase.ATTRACT,
    (Phase.JOURNEY, Step.JOURNEY_ENDED): Phase.MENU,
    (Phase.JOURNEY, Step.HANDOFF): Phase.JOURNEY,
    (Phase.JOURNEY, Step.END): Phase.ATTRACT,
}

# Events that arrive whatever the screen shows, and those that are not the citizen's doing.
_FROM_THREADS = (CardDone, CardFailed, CardInserted, CardRemoved)
_NOT_ACTIVITY = (CardDone, CardFailed, CardRemoved, ExtendSession)


class KioskSession:
    """The kiosk's one session object; see the module docstring for the threading contract.

    How :mod:`kiosk.app` wires it, and how the UI drives it::

        worker = ThreadCardWorker(reader)
        session = KioskSession(worker, CertificatePolicy(anchors), wake=wake_the_ui_loop)
        monitor = ReaderMonitor(reader, lambda e: (ev := from_reader(e)) and session.post(ev))
        ...
        view = session.handle(Chosen(Choice.START))   # a touch
        view = session.handle(Tick())                 # every second
        session.pump(); view = session.view           # when woken by another thread
    """

    def __init__(
        self,
        worker: CardWorker,
        certificates: CertificatePolicy,
        *,
        clock: Clock = time.monotonic,
        timing: Timing | None = None,
        puk_recovery_url: str = PUK_RECOVERY_URL,
        wake: Callable[[], None] | None = None,
    ) -> None:
        self.worker = worker
        worker.post = self.post
        self.clock = clock
        self.timing = timing or Timing()
        self.services = Services(worker, certificates, lambda: self.card_present,
                                 puk_recovery_url)
        self.phase = Phase.ATTRACT
        self.language = DEFAULT_LANGUAGE
        self.journey: Journey | None = None
        self.card_present = False
        self.ended: list[EndReason] = []
        self._wake = wake
        self._inbox: queue.Queue[Event] = queue.Queue()
        self._last_activity = clock()
        self._deadline: float | None = None
        self._extensions = 0
        self.card_losses = 0

    # -- the UI's side -----------------------------------------------------------------------

    @property
    def view(self) -> View:
        warning = None
        if self._deadline is not None:
            left = max(0, math.ceil(self._deadline - self.clock()))
            warning = WarningView(left, self.timing.max_extensions - self._extensions)
        return replace(self._base_view(), language=self.language, warning=warning)

    def handle(self, event: Event) -> View:
        """Handle one event on the UI thread, then whatever the other threads posted."""
        self._dispatch(event)
        self.pump()
        return self.view

    def post(self, event: Event) -> None:
        """Hand over an event from another thread (reader monitor, card worker)."""
        self._inbox.put(event)
        if self._wake is not None:
            self._wake()

    def pump(self) -> None:
        while True:
            try:
                event = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._dispatch(event)

    # -- dispatch ------------------------------------------------------------------------------

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, Tick):
            self._tick()
        elif self._deadline is not None and isinstance(event, ExtendSession):
            self._extend()
        elif self._deadline is None or isinstance(event, _FROM_THREADS):
            if isinstance(event, CardInserted | CardRemoved):
                self.card_present = isinstance(event, CardInserted)
            if not isinstance(event, _NOT_ACTIVITY):
                self._last_activity = self.clock()
                self._deadline = None  # a card laid during the warning: the citizen is here
            if isinstance(event, LanguageChosen):
                self.language = event.language
            self._by_phase(event)
        # else: the warning is modal, the pad and buttons behind it do nothing

    def _by_phase(self, event: Event) -> None:
        match self.phase:
            case Phase.ATTRACT:
                if isinstance(event, Chosen) and event.choice is Choice.START:
                    self._go(Step.START)
            case Phase.LANGUAGE:
                if isinstance(event, LanguageChosen) or (
                    isinstance(event, Chosen) and event.choice is Choice.CONTINUE
                ):
                    self._go(Step.LANGUAGE_CHOSEN)
                elif isinstance(event, Cancel):
                    self._end(EndReason.CANCELLED)
            case Phase.MENU:
                if isinstance(event, Chosen) and event.choice in JOURNEY_CHOICES:
                    self._start(JOURNEY_CHOICES[event.choice], Step.JOURNEY_CHOSEN)
                elif isinstance(event, Cancel):
                    self._end(EndReason.CANCELLED)
            case Phase.JOURNEY:
                self._in_journey(event)

    def _in_journey(self, event: Event) -> None:
        journey = self.journey
        assert journey is not None
        if isinstance(event, LanguageChosen):
            return
        was_busy = self.busy
        journey.handle(event)
        if was_busy and not self.busy and (isinstance(event, CardRemoved) or (
                isinstance(event, CardFailed) and event.code in _LOSS_CODES)):
            self.card_losses += 1
        if not journey.finished:
            return
        ctx = journey.ctx
        handoff, after = ctx.handoff, ctx.after
        self._close_journey()
        if handoff is not None:
            self._start(JOURNEY_CHOICES[handoff], Step.HANDOFF)
        elif after is After.END_SESSION:
            removed = isinstance(event, CardRemoved)
            self._end(EndReason.CARD_REMOVED if removed else EndReason.DONE)
        else:
            self._go(Step.JOURNEY_ENDED)

    def _go(self, step: Step) -> None:
        self.phase = TRANSITIONS[(self.phase, step)]

    def _start(self, journey: JourneyId, step: Step) -> None:
        self._go(step)
        self.journey = Journey(JOURNEYS[journey], self.services)
        self.journey.start()

    def _close_journey(self) -> None:
        journey, self.journey = self.journey, None
        if journey is None:
            return
        journey.ctx.forget()
        self.worker.end_card_session()  # its secure channel's keys go with the journey
        if not journey.ctx.secrets_wiped:
            raise SecretsNotWiped(f"{journey.spec.id.value}: secrets left after the journey")

    def _end(self, reason: EndReason) -> None:
        """The end of a session: wipe, forget, back to the attract screen in Italian."""
        self._close_journey()
        self._go(Step.END)
        self.language = DEFAULT_LANGUAGE
        self._deadline = None
        self._extensions = 0
        self.card_losses = 0
        self.ended.append(reason)

    # -- time ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a card job is running for the journey (the clock then stands still)."""
        return self.journey is not None and self.journey.ctx.ticket is not None

    def _tick(self) -> None:
        if self.phase is Phase.ATTRACT:
            return
        now = self.clock()
        if self.busy:
            self._last_activity, self._deadline = now, None
            return
        if self._deadline is None:
            if now - self._last_activity >= self.timing.idle_seconds:
                self._deadline = now + self.timing.warning_seconds
        elif now >= self._deadline:
            self._end(EndReason.TIMEOUT)

    def _extend(self) -> None:
        if self._extensions >= self.timing.max_extensions:
            return
        self._extensions += 1
        self._deadline = None
        self._last_activity = self.clock()

    # -- views ---------------------------------------------------------------------------------

    def _base_view(self) -> View:
        match self.phase:
            case Phase.ATTRACT:
                return View(Screen.ATTRACT, (Choice.START,), can_cancel=False)
            case Phase.LANGUAGE:
                languages = tuple(language.value for language in Language)
                return View(Screen.LANGUAGE, (Choice.CONTINUE,),
                            facts(languages=languages, current=self.language.value))
            case Phase.MENU:
                return View(Screen.MENU, tuple(JOURNEY_CHOICES))
            case Phase.JOURNEY:
                assert self.journey is not None
                view = self.journey.view()
                if view.screen is Screen.LAY_CARD and self.card_losses >= PLACEMENT_HELP_AFTER:
                    return replace(view, screen=Screen.LAY_CARD_HELP,
                                   facts=facts(**view.facts, placement=PLACEMENT_STEPS))
                return view
