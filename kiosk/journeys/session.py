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

What happens is recorded through the session's :class:`~kiosk.journeys.ports.EventSink`
(:mod:`~kiosk.journeys.audit` says what and why so little). The back-office's commands arrive
by :meth:`KioskSession.post` from the uplink's thread like the card's events: a lock waits for
a running card job's answer (a card is never pulled from under a PIN VERIFY), and for the
citizen to leave the screen that tells what the card did (the PIN changed, a try spent: it
may not be known afterwards); then it closes the journey and wipes as a session's end does,
and shows the out-of-order screen in the citizen's language. While locked, nothing but the
language buttons answers and nothing times out. A notice stays on the attract screen and the
menu until an empty one takes it away.

A card that leaves the reader while it is being read, twice in one session, is a card laid
badly (on a wallet, off the symbol, with another card): from then on the screen that asks for
the card is :attr:`Screen.LAY_CARD_HELP`, which says how to lay it.

A session may be bound to an identity that did not come from a card laid here: the
smartphone login (:mod:`~kiosk.journeys.phone_login`) binds it, through
:attr:`Services.bind`, only once the back-office redeemed the citizen's code;
:attr:`KioskSession.identity` keeps it, with its source, until the session ends.

Timing follows WCAG 2.2 SC 2.2.1: the warning gives at least 20 seconds to ask for more time,
and more time can be asked at least 10 times. While the card works the clock does not run:
the citizen is waiting for the kiosk, not the other way round.

Every screen has a help button (the UI draws it in its top bar; no journey declares it). It
sends :class:`~kiosk.journeys.events.CallClerk`: the session records ``help.requested`` with
the journey and the screen's id, and lays :class:`~kiosk.journeys.views.HelpView` over the
screen, saying whether the desk sees the call now, will see it when the back-office link is
back, or (a kiosk with no back-office) must be asked in person. The overlay is modal like the
warning, but the card's events still reach the journey beneath. ``CloseHelp`` takes it away
and the citizen goes on where they were; so does the end of the session, which wipes as ever.
Both record ``help.ended``. While it is open, inactivity counts against
:attr:`Timing.help_idle_seconds` instead: a clerk takes longer to come than a citizen to read,
and a session left alone must still end. Outside a session (the attract and out-of-order
screens, which never time out) the overlay closes by itself after that long.

The tamper switch (:class:`~kiosk.journeys.events.CaseOpened`, from the composition root) does
not wait for anything: a case opened is someone at the kiosk's insides, perhaps while a
citizen types a PIN. In this order, each step done before the next begins: the journey's
secret holders are wiped (then the journey and the session end as every end does, checked by
:class:`SecretsNotWiped`), the out-of-service screen replaces whatever was shown, and only on
the session's next turn is ``kiosk.tampered`` recorded, the back-office's alert. The next turn,
not this one: the app draws the locked screen between two turns, so no write to the outbox
stands between the case opening and the citizen's screen going out of service. A card job
running at that moment is not pulled from the card (the worker wipes its own copy of a code
when it ends); its answer finds the kiosk locked and is dropped. The kiosk does not come back
by itself: closing the case is recorded (``kiosk.case-closed``) and changes nothing on the
screen; a clerk's Unlock while the case is open is refused (``kiosk.unlock-refused``), and
once it is shut, the clerk's Unlock, after someone has looked at the kiosk, brings back the
attract screen. A backend that reports the switch twice, or reports a shut case at start,
changes nothing.
"""

from __future__ import annotations

import enum
import math
import queue
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from kiosk.journeys import (
    activation,
    audit,
    change_pin,
    check_card,
    hand_off,
    lost_codes,
    phone_login,
    unblock_pin,
    verify_pin,
)
from kiosk.journeys.certificates import CertificatePolicy
from kiosk.journeys.context import After
from kiosk.journeys.events import (
    CallClerk,
    Cancel,
    CardDone,
    CardFailed,
    CardInserted,
    CardRemoved,
    CaseClosed,
    CaseOpened,
    Chosen,
    CloseHelp,
    Command,
    Event,
    ExtendSession,
    LanguageChosen,
    Lock,
    PersonEvent,
    ShowNotice,
    Tick,
    Unlock,
)
from kiosk.journeys.guidance import Guidance
from kiosk.journeys.machine import Journey, JourneyId, JourneySpec
from kiosk.journeys.ports import (
    Activity,
    BackOfficeLink,
    EventSink,
    KioskStatus,
    Level3Checker,
    NoEvents,
    NoPhone,
    PhoneIdentity,
    PhoneLogin,
    Receipts,
    StepsPrinter,
    TicketDesk,
)
from kiosk.journeys.states import PUK_RECOVERY_URL, Services
from kiosk.journeys.views import (
    DEFAULT_LANGUAGE,
    Back,
    Choice,
    Desk,
    Fact,
    HelpView,
    Language,
    Screen,
    View,
    WarningView,
    facts,
)
from kiosk.journeys.worker import CardWorker

JOURNEYS: dict[JourneyId, JourneySpec] = {
    spec.id: spec
    for spec in (check_card.SPEC, verify_pin.SPEC, change_pin.SPEC, unblock_pin.SPEC,
                 lost_codes.SPEC, hand_off.REPRINT_SPEC, hand_off.PUK_SPEC, phone_login.SPEC,
                 activation.SPEC)
}
# The menu's buttons, and the buttons of result screens that hand over to another journey.
JOURNEY_CHOICES = {
    Choice.CHECK_CARD: JourneyId.CHECK_CARD,
    Choice.TEST_PIN: JourneyId.TEST_PIN,
    Choice.CHANGE_PIN: JourneyId.CHANGE_PIN,
    Choice.UNBLOCK_PIN: JourneyId.UNBLOCK_PIN,
    Choice.LOST_CODES: JourneyId.LOST_CODES,
    Choice.CONTINUE_WITH_PHONE: JourneyId.PHONE_LOGIN,
    Choice.ACTIVATE: JourneyId.ACTIVATION,
}
# Buttons inside a journey that start another one, beyond the menu's.
HANDOFF_CHOICES = {
    **JOURNEY_CHOICES,
    Choice.REQUEST_REPRINT: JourneyId.REPRINT_CODES,
    Choice.REQUEST_PUK_AT_COUNTER: JourneyId.PUK_AT_COUNTER,
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
    """Seconds of inactivity before the warning (and, while the help overlay waits for a
    clerk, before it there), seconds the warning lasts, extensions allowed."""

    idle_seconds: float = 60.0
    warning_seconds: float = 30.0
    max_extensions: int = MIN_EXTENSIONS
    help_idle_seconds: float = 300.0

    def __post_init__(self) -> None:
        if self.warning_seconds < MIN_WARNING_SECONDS or self.max_extensions < MIN_EXTENSIONS:
            raise ValueError("WCAG 2.2.1: at least 20 s to extend, at least 10 extensions")


class Phase(enum.Enum):
    ATTRACT = "attract"
    LANGUAGE = "language"
    MENU = "menu"
    JOURNEY = "journey"
    LOCKED = "locked"


class Step(enum.Enum):
    START = "start"
    LANGUAGE_CHOSEN = "language-chosen"
    JOURNEY_CHOSEN = "journey-chosen"
    JOURNEY_ENDED = "journey-ended"
    HANDOFF = "handoff"
    END = "end"
    LOCK = "lock"
    UNLOCK = "unlock"


class EndReason(enum.Enum):
    DONE = "done"
    TIMEOUT = "timeout"
    CARD_REMOVED = "card-removed"
    CANCELLED = "cancelled"
    LOCKED = "locked"
    TAMPERED = "tampered"


class JourneyEnd(enum.Enum):
    """Why a journey ended while the session goes on (else its reason is the session's)."""

    MENU = "menu"
    HANDOFF = "handoff"


TRANSITIONS: dict[tuple[Phase, Step], Phase] = {
    (Phase.ATTRACT, Step.START): Phase.LANGUAGE,
    (Phase.LANGUAGE, Step.LANGUAGE_CHOSEN): Phase.MENU,
    (Phase.LANGUAGE, Step.END): Phase.ATTRACT,
    (Phase.MENU, Step.JOURNEY_CHOSEN): Phase.JOURNEY,
    (Phase.MENU, Step.END): Phase.ATTRACT,
    (Phase.JOURNEY, Step.JOURNEY_ENDED): Phase.MENU,
    (Phase.JOURNEY, Step.HANDOFF): Phase.JOURNEY,
    (Phase.JOURNEY, Step.END): Phase.ATTRACT,
    (Phase.ATTRACT, Step.LOCK): Phase.LOCKED,  # a session in progress ends first
    (Phase.LOCKED, Step.UNLOCK): Phase.ATTRACT,
}

# Events that arrive whatever the screen shows, and those that are not the citizen's doing.
_FROM_THREADS = (CardDone, CardFailed, CardInserted, CardRemoved)
_NOT_ACTIVITY = (CardDone, CardFailed, CardRemoved, ExtendSession)


class KioskSession:
    """The kiosk's one session object; see the module docstring for the threading contract.

    ``events`` gets the audit trail (:mod:`~kiosk.journeys.audit`; dropped without one).
    ``level3`` is the back-office's check of "Test my PIN"; without one the kiosk judges the
    card alone and says nothing of a back-office, with one that cannot be reached it judges
    alone and says so. ``link`` says whether the back-office is reachable, for the help
    overlay; without one the kiosk has no desk to call, and the overlay says to ask in
    person. ``receipts`` prints a hand-off's receipt (without one: no printer). How
    :mod:`kiosk.app` wires it, and how the UI drives it::

        worker = ThreadCardWorker(reader)
        session = KioskSession(worker, CertificatePolicy(anchors), wake=wake_the_ui_loop,
                               events=outbox_sink, level3=back_office_checker,
                               link=uplink_state)
        monitor = ReaderMonitor(reader, lambda e: (ev := from_reader(e)) and session.post(ev))
        ...
        view = session.handle(Chosen(Choice.START))   # a touch
        view = session.handle(Tick())                 # every second
        session.pump(); view = session.view           # when woken by another thread
        session.post(Lock("Torno alle 14"))           # the uplink's thread, a clerk's command
        session.kiosk_state()                         # the heartbeat's thread
    """

    def __init__(
        self,
        worker: CardWorker,
        certificates: CertificatePolicy,
        *,
        clock: audit.Clock = time.monotonic,
        timing: Timing | None = None,
        puk_recovery_url: str = PUK_RECOVERY_URL,
        wake: Callable[[], None] | None = None,
        events: EventSink | None = None,
        level3: Level3Checker | None = None,
        tickets: TicketDesk | None = None,
        phone: PhoneLogin | None = None,
        link: BackOfficeLink | None = None,
        receipts: Receipts | None = None,
        guidance: Guidance | None = None,
        steps_printer: StepsPrinter | None = None,
    ) -> None:
        self.worker = worker
        worker.post = self.post
        self.clock = clock
        self.timing = timing or Timing()
        self.services = Services(worker, certificates, lambda: self.card_present,
                                 puk_recovery_url, level3, tickets, phone or NoPhone(),
                                 self._bind, lambda: self.identity,
                                 guidance or Guidance(), steps_printer)
        if receipts is not None:
            self.services.receipts = receipts
        self.services.language = lambda: self.language
        self.trail = audit.Trail(events or NoEvents(), clock)
        self.services.receipt_outcome = self.trail.receipt
        self.phase = Phase.ATTRACT
        self.language = DEFAULT_LANGUAGE
        self.journey: Journey | None = None
        self.card_present = False
        self.ended: list[EndReason] = []
        self.notice: str | None = None
        self.lock_message: str | None = None
        self.help: HelpView | None = None
        # The tamper switch: the case is open now; the kiosk was locked by it (until a clerk
        # unlocks it with the case shut); the alert due on the next turn (the journey cut).
        self.case_open = False
        self.tampered = False
        self._tamper_alert: str | None = None
        self._link = link
        self._pending_lock: Lock | None = None
        self._lock_waited_for_card = False
        self._wake = wake
        self._inbox: queue.Queue[Event] = queue.Queue()
        self._last_activity = clock()
        self._deadline: float | None = None
        self._extensions = 0
        self._journeys = 0
        self.card_losses = 0
        # Who the session is bound to, by a login that was not the card's (the smartphone).
        self.identity: PhoneIdentity | None = None

    # -- the UI's side -----------------------------------------------------------------------

    @property
    def view(self) -> View:
        warning = None
        if self._deadline is not None:
            left = max(0, math.ceil(self._deadline - self.clock()))
            warning = WarningView(left, self.timing.max_extensions - self._extensions)
        return replace(self._base_view(), language=self.language, warning=warning,
                       help=self.help)

    def handle(self, event: Event) -> View:
        """Handle one event on the UI thread, then whatever the other threads posted."""
        self._dispatch(event)
        self.pump()
        return self.view

    def post(self, event: Event) -> None:
        """Hand over an event from another thread (reader monitor, card worker, uplink)."""
        self._inbox.put(event)
        if self._wake is not None:
            self._wake()

    def pump(self) -> None:
        self._raise_tamper_alert()
        while True:
            try:
                event = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._dispatch(event)

    def kiosk_state(self) -> KioskStatus:
        """What the heartbeat reports; safe from any thread, as it reads each attribute once
        (a lock waiting for the card is still the journey)."""
        phase, journey = self.phase, self.journey
        if phase is Phase.LOCKED:
            return KioskStatus(Activity.LOCKED)
        if journey is not None:
            return KioskStatus(Activity.IN_JOURNEY, journey.spec.id.value)
        return KioskStatus(Activity.IDLE)

    # -- dispatch ------------------------------------------------------------------------------

    def _dispatch(self, event: Event) -> None:
        if isinstance(event, CaseOpened | CaseClosed):
            self._case(event)
        elif isinstance(event, Command):
            self._command(event)
        elif self.phase is Phase.LOCKED:
            self._while_locked(event)
        elif self._pending_lock is not None and isinstance(event, PersonEvent) and not \
                isinstance(event, LanguageChosen):
            # About to lock: while the card works, touches do nothing; on the card's answer,
            # the citizen's next touch (whatever button: no retry, no other journey) closes.
            if self._showing_outcome():
                self._lock(self._pending_lock)
        elif isinstance(event, Tick):
            self._tick()
        elif self._deadline is not None and isinstance(event, ExtendSession):
            self._extend()
        elif self._deadline is None or isinstance(event, _FROM_THREADS):
            self._take(event)
        # else: the warning is modal, the pad and buttons behind it do nothing
        if self._pending_lock is not None and not self.busy and not self._showing_outcome():
            self._lock(self._pending_lock)

    def _take(self, event: Event) -> None:
        """An event the session is open to: the card's, or the citizen's with no warning."""
        if isinstance(event, CardInserted | CardRemoved):
            self.card_present = isinstance(event, CardInserted)
        if not isinstance(event, _NOT_ACTIVITY):
            self._last_activity = self.clock()
            self._deadline = None  # a card laid during the warning: the citizen is here
        if isinstance(event, LanguageChosen):
            self.language = event.language
        if isinstance(event, CallClerk | CloseHelp):
            self._help_event(event)
        elif self.help is None or not isinstance(event, PersonEvent):
            self._by_phase(event)
        # else: the help overlay is modal too; the language bar above it still works

    def _by_phase(self, event: Event) -> None:
        match self.phase:
            case Phase.ATTRACT:
                if isinstance(event, Chosen) and event.choice is Choice.START:
                    self._go(Step.START)
                    self.trail.session_started()
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
        was_busy, steps = self.busy, len(journey.trail)
        journey.handle(event)
        if was_busy and not self.busy and (isinstance(event, CardRemoved) or (
                isinstance(event, CardFailed) and event.code in _LOSS_CODES)):
            self.card_losses += 1
        if not isinstance(event, Cancel):  # the way back shows a result again: no new outcome
            self._record_outcome(journey, steps)
        if not journey.finished:
            return
        ctx = journey.ctx
        handoff, after = ctx.handoff, ctx.after
        if handoff is not None:
            self._close_journey(JourneyEnd.HANDOFF)
            self._start(HANDOFF_CHOICES[handoff], Step.HANDOFF)
        elif after is After.END_SESSION:
            removed = isinstance(event, CardRemoved)
            self._end(EndReason.CARD_REMOVED if removed else EndReason.DONE)
        else:
            self._close_journey(JourneyEnd.MENU)
            self._go(Step.JOURNEY_ENDED)

    def _record_outcome(self, journey: Journey, steps_before: int) -> None:
        """Record the result screen the journey moved to, if it moved to one."""
        if len(journey.trail) == steps_before or journey.finished:
            return
        code = audit.outcome(journey.view())
        if code is not None:
            self.trail.journey_outcome(journey.spec.id, code)

    def _go(self, step: Step) -> None:
        self.phase = TRANSITIONS[(self.phase, step)]

    def _start(self, journey: JourneyId, step: Step) -> None:
        self._go(step)
        self.journey = Journey(JOURNEYS[journey], self.services)
        self._journeys += 1
        self.trail.journey_started(journey, self.language)
        self.journey.start()
        self._record_outcome(self.journey, 0)

    def _close_journey(self, reason: JourneyEnd | EndReason) -> None:
        journey, self.journey = self.journey, None
        if journey is None:
            return
        journey.ctx.forget()
        self.worker.end_card_session()  # its secure channel's keys go with the journey
        if not journey.ctx.secrets_wiped:
            raise SecretsNotWiped(f"{journey.spec.id.value}: secrets left after the journey")
        self.trail.journey_ended(journey.spec.id, reason.value)

    def _end(self, reason: EndReason) -> None:
        """The end of a session: wipe, forget, back to the attract screen in Italian."""
        self._close_help()
        self._close_journey(reason)
        self._go(Step.END)
        self.language = DEFAULT_LANGUAGE
        self._deadline = None
        self._extensions = 0
        self.card_losses = 0
        self.identity = None
        self.ended.append(reason)
        self.trail.session_ended(reason.value, self._journeys)
        self._journeys = 0

    def _bind(self, identity: PhoneIdentity) -> None:
        """Bind the session to ``identity`` until it ends (the next hand-off uses it)."""
        self.identity = identity
        self.trail.bound(identity.source)

    # -- the back-office's commands --------------------------------------------------------------

    def _command(self, command: Command) -> None:
        match command:
            case Lock():
                self._lock_waited_for_card = self.busy
                if self.busy or self._showing_outcome():
                    self._pending_lock = command  # _dispatch locks when the answer is read
                else:
                    self._lock(command)
            case Unlock():
                if self.case_open:
                    self.trail.unlock_refused("case-open")
                    return
                self.tampered = False
                self._pending_lock = None
                if self.phase is Phase.LOCKED:
                    self._close_help()
                    self._go(Step.UNLOCK)
                    self.lock_message = None
                    self.language = DEFAULT_LANGUAGE
                self.trail.unlocked()
            case ShowNotice():
                self.notice = command.message
                self.trail.notice(shown=command.message is not None)

    def _showing_outcome(self) -> bool:
        """Whether the journey rests on a screen that tells what the card did (PIN changed,
        wrong PIN): a lock lets the citizen read it, as what it says may not be known later."""
        journey = self.journey
        return journey is not None and not self.busy and audit.outcome(journey.view()) is not None

    def _lock(self, command: Lock) -> None:
        """Close what is open as a session's end does, in the citizen's language still."""
        waited_for_card = self._lock_waited_for_card
        self._pending_lock = None
        if self.phase not in (Phase.ATTRACT, Phase.LOCKED):
            language = self.language
            self._end(EndReason.LOCKED)
            self.language = language
        if self.phase is Phase.ATTRACT:
            self._go(Step.LOCK)
        self.lock_message = command.message
        self.trail.locked(waited_for_card=waited_for_card)

    # -- the tamper switch -----------------------------------------------------------------------

    def _case(self, event: CaseOpened | CaseClosed) -> None:
        if isinstance(event, CaseClosed):
            if self.case_open:
                self.case_open = False
                self.trail.case_closed()
            return
        if self.case_open:
            return  # the same opening, told again
        self.case_open = True
        journey = self.journey
        if journey is not None:
            journey.ctx.wipe_secrets()  # before anything else, even before an audit event
        self._pending_lock = None
        if self.phase not in (Phase.ATTRACT, Phase.LOCKED):
            language = self.language
            self._end(EndReason.TAMPERED)
            self.language = language
        self._close_help()
        if self.phase is Phase.ATTRACT:
            self._go(Step.LOCK)
        self.tampered = True
        self._tamper_alert = journey.spec.id.value if journey is not None else ""
        if self._wake is not None:
            self._wake()  # the next turn, which raises the alert

    def _raise_tamper_alert(self) -> None:
        journey, self._tamper_alert = self._tamper_alert, None
        if journey is not None:
            self.trail.tampered(journey)

    def _while_locked(self, event: Event) -> None:
        """Only the language and help buttons answer; the card's comings and goings are still
        noted."""
        if isinstance(event, CardInserted | CardRemoved):
            self.card_present = isinstance(event, CardInserted)
        elif isinstance(event, LanguageChosen):
            self.language = event.language
        elif isinstance(event, CallClerk | CloseHelp):
            self._last_activity = self.clock()
            self._help_event(event)
        elif isinstance(event, Tick):
            self._expire_help()

    # -- the help button -------------------------------------------------------------------------

    def _help_event(self, event: CallClerk | CloseHelp) -> None:
        if isinstance(event, CloseHelp):
            self._close_help()
        elif self.help is None:
            self.help = HelpView(self._desk())
            journey = self.journey.spec.id.value if self.journey is not None else ""
            self.trail.help_requested(journey, self._base_view().screen.value)

    def _desk(self) -> Desk:
        if self._link is None:
            return Desk.IN_PERSON
        return Desk.CALLED if self._link.reachable() else Desk.WHEN_BACK

    def _expire_help(self) -> None:
        """Outside a session (the attract and out-of-order screens) nothing else ends the
        overlay: after :attr:`Timing.help_idle_seconds` untouched, it closes by itself."""
        if self.help is not None and \
                self.clock() - self._last_activity >= self.timing.help_idle_seconds:
            self._close_help()

    def _close_help(self) -> None:
        if self.help is not None:
            self.help = None
            self.trail.help_ended()

    # -- time ----------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """Whether a card job is running for the journey (the clock then stands still)."""
        return self.journey is not None and self.journey.ctx.ticket is not None

    def _tick(self) -> None:
        if self.phase is Phase.ATTRACT:
            self._expire_help()
            return
        now = self.clock()
        if self.busy:
            self._last_activity, self._deadline = now, None
            return
        if self._deadline is None:
            idle = self.timing.idle_seconds if self.help is None else self.timing.help_idle_seconds
            if now - self._last_activity >= idle:
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

    def _notice_facts(self) -> Mapping[str, Fact]:
        return facts(clerk_notice=self.notice) if self.notice is not None else facts()

    def _base_view(self) -> View:
        match self.phase:
            case Phase.ATTRACT:
                return View(Screen.ATTRACT, (Choice.START,), self._notice_facts(),
                            can_cancel=False)
            case Phase.LANGUAGE:
                languages = tuple(language.value for language in Language)
                return View(Screen.LANGUAGE, (Choice.CONTINUE,),
                            facts(languages=languages, current=self.language.value),
                            back=Back.PREVIOUS)
            case Phase.MENU:
                return View(Screen.MENU, tuple(JOURNEY_CHOICES), self._notice_facts(),
                            back=Back.END)
            case Phase.LOCKED if self.tampered:
                return View(Screen.TAMPERED, (), facts(), can_cancel=False)
            case Phase.LOCKED:
                return View(Screen.OUT_OF_ORDER, (), facts(lock_message=self.lock_message),
                            can_cancel=False)
            case Phase.JOURNEY:
                assert self.journey is not None
                view = self.journey.view()
                if view.screen is Screen.LAY_CARD and self.card_losses >= PLACEMENT_HELP_AFTER:
                    return replace(view, screen=Screen.LAY_CARD_HELP,
                                   facts=facts(**view.facts, placement=PLACEMENT_STEPS))
                return view
