"""The kinds of state a journey is made of, each doing one thing and leaving by named exits.

A journey module instantiates these (one instance per step, named verb + object) and wires
their exits in its transition table. Three kinds wait for someone: :class:`Ask` and
:class:`EnterSecret` wait for the citizen (and have a screen), :class:`RunCardTask` waits for
the card worker. The others decide at once: :class:`Decide` and :class:`WipeSecrets`, whose
exit is taken as soon as they are entered. :class:`End` is the only terminal.

Two events are handled for every state by :class:`~kiosk.journeys.machine.Journey`, not here:
``Cancel`` leaves by :attr:`Exit.CANCEL` where the state has that exit, and ``CardRemoved``
leaves by :attr:`Exit.CARD_REMOVED` where the state needs the card. A card task does not need
the card in that sense: it waits for the worker, which reports the removal itself, so a task
that finished just before the card left is not reported as stopped.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from kiosk.cie.steps import Step
from kiosk.journeys.catalogue import error_view
from kiosk.journeys.certificates import CertificatePolicy
from kiosk.journeys.context import After, Failure, JourneyContext
from kiosk.journeys.events import (
    CardDone,
    CardFailed,
    CardInserted,
    CardProgress,
    CardRemoved,
    Chosen,
    Confirmed,
    DigitDeleted,
    DigitTyped,
    Event,
)
from kiosk.journeys.guidance import Guidance
from kiosk.journeys.pin_rules import PIN_LENGTH
from kiosk.journeys.ports import (
    Level3Checker,
    NoPhone,
    NoReceipts,
    PhoneIdentity,
    PhoneLogin,
    Receipts,
    StepsPrinter,
    TicketDesk,
)
from kiosk.journeys.views import (
    DEFAULT_LANGUAGE,
    Back,
    Choice,
    Fact,
    Language,
    PadView,
    Screen,
    View,
    facts,
)
from kiosk.journeys.worker import CardJob, CardWorker

C = TypeVar("C", bound=JourneyContext)

# The QR target of "Recupero PUK": the Ministry's page on PIN and PUK, which sends a lost PUK
# to the recovery (field-references.md C.2 §1, cited there without a scheme). The configuration
# overrides it through Services.puk_recovery_url, e.g. with the Comune's own instructions page.
PUK_RECOVERY_URL = "https://cartaidentita.interno.gov.it/info-utili/codici-di-sicurezza-pin-e-puk/"
PUK_RECOVERY_HOURS = 48


class Exit(enum.Enum):
    CONTINUE = "continue"
    CANCEL = "cancel"
    CARD_REMOVED = "card-removed"
    FAILED = "failed"
    WRONG = "wrong"
    BLOCKED = "blocked"
    DEAD = "dead"
    CONFIRM_NEEDED = "confirm-needed"
    WEAK = "weak"
    MISMATCH = "mismatch"
    RETRY = "retry"
    HANDOFF = "handoff"
    IN_DOUBT = "in-doubt"
    DONE = "done"
    COUNTER = "counter"
    APP = "app"
    LOST_PIN = "lost-pin"
    LOST_OTHER = "lost-other"
    NOT_GENUINE = "not-genuine"
    EMAIL = "email"
    BOUND = "bound"
    EXPIRED = "expired"
    TOO_YOUNG = "too-young"
    CLOCK_UNKNOWN = "clock-unknown"
    PRINT = "print"
    RENEW = "renew"


@dataclass
class Services:
    """What states may use besides their context; built by the session. ``level3`` is the
    back-office's check of "Test my PIN"; ``tickets`` the anagrafe desk's hand-off queue;
    None for a kiosk that has no back-office. ``phone`` is the back-office's smartphone
    login, ``bind`` binds the kiosk session to the identity it gave, and ``bound`` says whom
    the session is bound to (None: nobody yet). ``receipts`` prints a hand-off's receipt in
    the session's ``language``; ``receipt_outcome`` tells the session's audit trail how that
    went (None: printed; else the error code). ``guidance`` holds the official pages, the
    renewal settings and the kiosk's clock; ``steps_printer`` prints the activation steps."""

    worker: CardWorker
    certificates: CertificatePolicy
    card_present: Callable[[], bool]
    puk_recovery_url: str = PUK_RECOVERY_URL
    level3: Level3Checker | None = None
    tickets: TicketDesk | None = None
    phone: PhoneLogin = field(default_factory=NoPhone)
    bind: Callable[[PhoneIdentity], None] = lambda identity: None
    bound: Callable[[], PhoneIdentity | None] = lambda: None
    guidance: Guidance = field(default_factory=Guidance)
    steps_printer: StepsPrinter | None = None  # None: the kiosk has no receipt printer
    receipts: Receipts = field(default_factory=NoReceipts)
    language: Callable[[], Language] = lambda: DEFAULT_LANGUAGE
    receipt_outcome: Callable[[str | None], None] = lambda code: None


Facts = Callable[[Any, Services], Mapping[str, Fact]]


def no_facts(ctx: JourneyContext, services: Services) -> Mapping[str, Fact]:
    return facts()


class State(Generic[C]):
    """One step. Subclasses say which exits they may fire; the table gives each a target."""

    exits: frozenset[Exit] = frozenset()
    needs_card = False

    def __init__(self, name: str) -> None:
        self.name = name

    def enter(self, ctx: C, services: Services) -> Exit | None:
        """Run on entry: an exit to leave at once, or None to wait for events."""
        return None

    def handle(self, ctx: C, services: Services, event: Event) -> Exit | None:
        return None

    def view(self, ctx: C, services: Services) -> View:
        return View(Screen.WORKING, can_cancel=False)

    def __repr__(self) -> str:
        return self.name


class End(State[JourneyContext]):
    """The terminal state; the session reads the context to know where to go next."""


class WipeSecrets(State[JourneyContext]):
    exits = frozenset({Exit.CONTINUE})

    def enter(self, ctx: JourneyContext, services: Services) -> Exit:
        ctx.wipe_secrets()
        return Exit.CONTINUE


class Decide(State[C]):
    """Leave at once by the exit ``decide`` picks from the context."""

    def __init__(self, name: str, decide: Callable[[C], Exit], exits: set[Exit]) -> None:
        super().__init__(name)
        self._decide = decide
        self.exits = frozenset(exits)

    def enter(self, ctx: C, services: Services) -> Exit:
        chosen = self._decide(ctx)
        assert chosen in self.exits, f"{self.name} cannot exit by {chosen}"
        return chosen


class WaitForCard(State[JourneyContext]):
    """Ask for the card, or go on at once if it lies on the reader already."""

    exits = frozenset({Exit.CONTINUE, Exit.CANCEL})

    def enter(self, ctx: JourneyContext, services: Services) -> Exit | None:
        return Exit.CONTINUE if services.card_present() else None

    def handle(self, ctx: JourneyContext, services: Services, event: Event) -> Exit | None:
        return Exit.CONTINUE if isinstance(event, CardInserted) else None

    def view(self, ctx: JourneyContext, services: Services) -> View:
        return View(Screen.LAY_CARD)


# What the working screen says the card is doing, by the step its task has reached.
DOING = {
    Step.PUBLIC: "card.doing.reading",
    Step.KEY_AGREEMENT: "card.doing.securing",
    Step.DAPP: "card.doing.securing",
    Step.TRIES: "card.doing.tries",
    Step.VERIFY_PIN: "card.doing.verify_pin",
    Step.VERIFY_PUK: "card.doing.verify_puk",
    Step.CHANGE_PIN: "card.doing.change_pin",
    Step.UNBLOCK_PIN: "card.doing.unblock_pin",
    Step.READ: "card.doing.reading_certificate",
    Step.SIGN: "card.doing.signing",
    Step.PACE: "card.doing.securing",
    Step.BAC: "card.doing.securing",
    Step.CHIP_AUTHENTICATION: "card.doing.checking_chip",
}

# Card errors every task may meet, and where they lead unless a task says otherwise.
BASE_FAILURES = {"CARD_REMOVED": Exit.CARD_REMOVED, "NO_CARD": Exit.CARD_REMOVED}


class RunCardTask(State[C]):
    """Submit one card job, wait for its answer, leave by what it says.

    A task that may change the card (``may_change``) leaves by :attr:`Exit.IN_DOUBT` when the
    link failed while such a change was on its way, with the step in ``ctx.doubt``: the
    citizen must hear that it may have happened, not a plain "card removed".
    """

    def __init__(
        self,
        name: str,
        build: Callable[[C, Services], CardJob],
        done: Callable[[C, Any], Exit],
        exits: set[Exit],
        failures: Mapping[str, Exit] | None = None,
        *,
        may_change: bool = False,
    ) -> None:
        super().__init__(name)
        self._build = build
        self._done = done
        self._failures = {**BASE_FAILURES, **(failures or {})}
        self._may_change = may_change
        doubt = {Exit.IN_DOUBT} if may_change else set()
        self.exits = frozenset({*exits, Exit.FAILED, *self._failures.values(), *doubt})

    def enter(self, ctx: C, services: Services) -> None:
        ctx.failure = None
        ctx.progress = None
        ctx.ticket = services.worker.submit(self._build(ctx, services))

    def handle(self, ctx: C, services: Services, event: Event) -> Exit | None:
        if isinstance(event, CardProgress) and event.ticket == ctx.ticket:
            ctx.progress = event.step
            return None
        if not isinstance(event, CardDone | CardFailed) or event.ticket != ctx.ticket:
            return None
        ctx.ticket = None
        ctx.progress = None
        if isinstance(event, CardFailed):
            ctx.failure = Failure(event.code, event.tries_left)
            if self._may_change and event.in_doubt is not None:
                ctx.doubt = event.in_doubt
                return Exit.IN_DOUBT
            return self._failures.get(event.code, Exit.FAILED)
        chosen = self._done(ctx, event.result)
        assert chosen in self.exits, f"{self.name} cannot exit by {chosen}"
        return chosen

    def view(self, ctx: C, services: Services) -> View:
        """"Hold the card still", and what the card is doing: a DH and DAPP on a real chip
        take seconds, and a screen that says nothing for that long looks frozen."""
        doing = DOING.get(ctx.progress) if ctx.progress is not None else None
        return View(Screen.WORKING, facts=facts(doing=doing), can_cancel=False)


class Ask(State[C]):
    """A screen with buttons; each button leads to an exit.

    ``offered`` may narrow the buttons to what fits the context (a dead card is not offered
    "change PIN"); the table must still give a target for every exit in ``choices``. A button
    that leads to :attr:`Exit.HANDOFF` names the journey to start next; one that leads to
    :attr:`Exit.DONE` ends the session after the journey. ``remember`` names a context field
    that keeps the button pressed, for the screens after. ``back`` names the way back (the
    :attr:`Exit.CANCEL` the table leads somewhere) for where it leads.

    Only a screen that ``explains_failure`` (the error screen) shows the failure's message,
    remedy and support code: a result screen (wrong PIN, card taken away) says the same in
    its own title and body, and the citizen read it twice. Its tries left stay a fact.
    """

    def __init__(
        self,
        name: str,
        screen: Screen,
        choices: Mapping[Choice, Exit],
        shows: Facts = no_facts,
        *,
        offered: Callable[[C], tuple[Choice, ...]] | None = None,
        needs_card: bool = False,
        on_removal: Exit | None = None,
        cancel: bool = True,
        back: Back = Back.CANCEL,
        remember: str | None = None,
        explains_failure: bool = False,
    ) -> None:
        super().__init__(name)
        self.screen = screen
        self._choices = dict(choices)
        self._shows = shows
        self._offered = offered
        self.needs_card = needs_card
        self._on_removal = on_removal
        self._remember = remember
        self.back = back
        self._explains_failure = explains_failure
        extra = {Exit.CANCEL} if cancel else set()
        if needs_card:
            extra.add(Exit.CARD_REMOVED)
        if on_removal is not None:
            extra.add(on_removal)
        self.exits = frozenset({*self._choices.values(), *extra})

    def options(self, ctx: C) -> tuple[Choice, ...]:
        if self._offered is None:
            return tuple(self._choices)
        return tuple(choice for choice in self._offered(ctx) if choice in self._choices)

    def handle(self, ctx: C, services: Services, event: Event) -> Exit | None:
        if isinstance(event, CardRemoved) and self._on_removal is not None:
            ctx.after = After.END_SESSION
            return self._on_removal
        if not isinstance(event, Chosen) or event.choice not in self.options(ctx):
            return None
        chosen = self._choices[event.choice]
        if self._remember is not None:
            setattr(ctx, self._remember, event.choice)
        if chosen is Exit.HANDOFF:
            ctx.handoff = event.choice
        elif chosen is Exit.DONE:
            ctx.after = After.END_SESSION
        return chosen

    def view(self, ctx: C, services: Services) -> View:
        failure = ctx.failure if self._explains_failure else None
        error = None if failure is None else error_view(failure.code, failure.tries_left)
        return View(self.screen, self.options(ctx), self._shows(ctx, services), error=error,
                    can_cancel=Exit.CANCEL in self.exits, back=self.back)


class EnterSecret(State[C]):
    """The PIN pad, bound to one secret holder of the context: ``length`` digits (8 for a
    PIN or a PUK, 6 for a CAN), then OK."""

    exits = frozenset({Exit.CONTINUE, Exit.CANCEL, Exit.CARD_REMOVED})
    needs_card = True

    def __init__(self, name: str, screen: Screen, slot: str, shows: Facts = no_facts, *,
                 length: int = PIN_LENGTH) -> None:
        super().__init__(name)
        self.screen = screen
        self.slot = slot
        self._shows = shows
        self.length = length

    def enter(self, ctx: C, services: Services) -> None:
        getattr(ctx, self.slot).wipe()

    def handle(self, ctx: C, services: Services, event: Event) -> Exit | None:
        holder = getattr(ctx, self.slot)
        if isinstance(event, DigitTyped) and len(holder) < self.length:
            holder.push(event.digit)
        elif isinstance(event, DigitDeleted):
            holder.pop()
        elif isinstance(event, Confirmed) and len(holder) == self.length:
            return Exit.CONTINUE
        return None

    def view(self, ctx: C, services: Services) -> View:
        notice = None if ctx.notice is None else ctx.notice.value
        shown = {**self._shows(ctx, services), "notice": notice}
        return View(self.screen, (), facts(**shown),
                    PadView(len(getattr(ctx, self.slot)), self.length))
