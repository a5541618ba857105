"""Running one journey: its transition table, its context, and the state it is in.

A :class:`JourneySpec` is what a journey module declares: where it starts, its table
``{(state, exit): next state}`` and how to make its context. :class:`Journey` follows the
table; a missing key is a bug in the table (tests walk every table so it cannot ship), raised
as :class:`JourneyBug`. ``Cancel`` and ``CardRemoved`` are dispatched here for every state, so
no state can forget them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kiosk.journeys.context import JourneyContext
from kiosk.journeys.events import Cancel, CardRemoved, Event
from kiosk.journeys.states import End, Exit, Services, State
from kiosk.journeys.views import View

Table = Mapping[tuple[State[Any], Exit], State[Any]]


class JourneyId(enum.Enum):
    CHECK_CARD = "check-card"
    TEST_PIN = "test-pin"
    CHANGE_PIN = "change-pin"
    UNBLOCK_PIN = "unblock-pin"
    LOST_CODES = "lost-codes"
    REPRINT_CODES = "reprint-codes"
    PUK_AT_COUNTER = "puk-at-counter"
    PHONE_LOGIN = "phone-login"
    ACTIVATION = "activation"


class JourneyBug(RuntimeError):
    """A state left by an exit its journey's table has no target for."""

    code = "JOURNEY_BUG"


@dataclass(frozen=True)
class JourneySpec:
    id: JourneyId
    start: State[Any]
    end: End
    table: Table
    new_context: Callable[[], JourneyContext]

    @property
    def states(self) -> set[State[Any]]:
        return {state for state, _ in self.table} | set(self.table.values())


class Journey:
    """One run of a journey; the session owns it and feeds it events on the UI thread."""

    def __init__(self, spec: JourneySpec, services: Services) -> None:
        self.spec = spec
        self.services = services
        self.ctx = spec.new_context()
        self.state: State[Any] = spec.start
        self.trail: list[str] = []

    def start(self) -> None:
        self._enter(self.spec.start)

    @property
    def finished(self) -> bool:
        return self.state is self.spec.end

    def handle(self, event: Event) -> None:
        state = self.state
        if isinstance(event, CardRemoved):
            self.services.worker.end_card_session()  # a card laid again is a new session
        if isinstance(event, Cancel) and Exit.CANCEL in state.exits:
            self._follow(Exit.CANCEL)
        elif isinstance(event, CardRemoved) and state.needs_card:
            self._follow(Exit.CARD_REMOVED)
        elif (chosen := state.handle(self.ctx, self.services, event)) is not None:
            self._follow(chosen)

    def view(self) -> View:
        return replace(self.state.view(self.ctx, self.services), journey=self.spec.id.value)

    def _follow(self, exit_: Exit) -> None:
        self._enter(self._target(self.state, exit_))

    def _enter(self, state: State[Any]) -> None:
        while True:
            self.state = state
            self.trail.append(state.name)
            exit_ = state.enter(self.ctx, self.services)
            if exit_ is None:
                return
            state = self._target(state, exit_)

    def _target(self, state: State[Any], exit_: Exit) -> State[Any]:
        try:
            return self.spec.table[(state, exit_)]
        except KeyError:
            raise JourneyBug(f"{self.spec.id.value}: no target for {state.name} "
                             f"by {exit_.value}") from None
