"""The session's audit trail: what the Comune's back-office learns of each visit (DESIGN.md §5).

The session records through the :class:`~kiosk.journeys.ports.EventSink` the composition root
gives it (the uplink's outbox, or nothing). An event is a kind and a flat mapping of codes,
ids, a language, durations and counts: never a name, a codice fiscale, a NIS or a serial,
never a digit of a code, and not the tries left either. The tries left describe one person's
card at one moment; with the kiosk and the time they say more about that person than the
Comune needs, and the outcome code (``WRONG_PIN``, ``PIN_BLOCKED``) already says what happened.
The clerk's own words (a lock message, a notice) stay out too: the back-office sent them.

Kinds and their data::

    session.started   {}
    session.ended     {reason, duration_ms, journeys}
    journey.started   {journey, language}
    journey.outcome   {journey, outcome}
    journey.ended     {journey, reason, duration_ms}
    kiosk.locked      {waited_for_card}
    kiosk.unlocked    {was_locked, locked_ms}
    kiosk.notice      {shown}
    kiosk.tampered    {journey}             (the case opened: an alert on the console)
    kiosk.case-closed {open_ms}
    kiosk.unlock-refused {reason}           ("case-open": a clerk's unlock came too soon)
    session.bound     {identity_source}     ("smartphone": who, the back-office knows)
    help.requested    {journey, step}
    help.ended        {journey, step}
    receipt.printed   {}
    receipt.failed    {code}                (the printer's: PRINTER_PAPER_OUT, ...)

An outcome is a result screen the journey reached (:data:`OUTCOMES`), or, on the error
screen, the failure's own code from the error catalogue (``PROTOCOL_ERROR``, ``NOT_A_CIE``).
Durations come from the session's clock, in whole milliseconds.

The tamper switch's events name the journey it cut short (``""`` outside one), never more:
the clerk needs to know that a citizen's session was wiped, not whose.

A call for a clerk names the journey (``""`` outside one) and the screen's id, the step where
the citizen got stuck: the desk needs to know where to help, not whom. ``help.ended`` repeats
them, whether the citizen closed the overlay or the session ended under it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping

from kiosk.journeys.machine import JourneyId
from kiosk.journeys.ports import EventSink, EventValue
from kiosk.journeys.views import Language, Screen, View

Clock = Callable[[], float]


class Kind(enum.Enum):
    SESSION_STARTED = "session.started"
    SESSION_ENDED = "session.ended"
    JOURNEY_STARTED = "journey.started"
    JOURNEY_OUTCOME = "journey.outcome"
    JOURNEY_ENDED = "journey.ended"
    KIOSK_LOCKED = "kiosk.locked"
    KIOSK_UNLOCKED = "kiosk.unlocked"
    KIOSK_NOTICE = "kiosk.notice"
    KIOSK_TAMPERED = "kiosk.tampered"
    KIOSK_CASE_CLOSED = "kiosk.case-closed"
    KIOSK_UNLOCK_REFUSED = "kiosk.unlock-refused"
    SESSION_BOUND = "session.bound"
    HELP_REQUESTED = "help.requested"
    HELP_ENDED = "help.ended"
    RECEIPT_PRINTED = "receipt.printed"
    RECEIPT_FAILED = "receipt.failed"


# The screens that tell a journey's result, and the code each records; stable once published,
# like the error codes (the codes of failures are the catalogue's own).
OUTCOMES: Mapping[Screen, str] = {
    Screen.CHECK_RESULT: "CARD_CHECKED",
    Screen.PIN_WORKS: "PIN_WORKS",
    Screen.WRONG_PIN: "WRONG_PIN",
    Screen.PIN_BLOCKED: "PIN_BLOCKED",
    Screen.PIN_CHANGED: "PIN_CHANGED",
    Screen.WRONG_PUK: "WRONG_PUK",
    Screen.PIN_UNBLOCKED: "PIN_UNBLOCKED",
    Screen.CARD_DEAD: "CARD_DEAD",
    Screen.CARD_REMOVED: "CARD_REMOVED",
    Screen.PUK_RECOVERY_APP: "PUK_RECOVERY_APP",
    Screen.REPRINT_AT_COUNTER: "REPRINT_AT_COUNTER",
    # A hand-off: the ticket filed (its number is the desk's business, not the audit's), or
    # not, or the card's data not verified.
    Screen.TICKET_FILED: "TICKET_FILED",
    Screen.TICKET_NOT_FILED: "TICKET_NOT_FILED",
    Screen.HANDOFF_NOT_VERIFIED: "CARD_NOT_VERIFIED",
    # The card left while a PIN or PUK command was under way, then what its counters said.
    Screen.CARD_IN_DOUBT: "CHANGE_IN_DOUBT",
    Screen.AFTER_DOUBT: "TRIES_REREAD",
    Screen.PHONE_IDENTIFIED: "PHONE_IDENTIFIED",
    # The activation helper: what applied to the card (no date, no age beyond these), and the
    # renewal offered.
    Screen.ACTIVATION_AT_HAND: "ACTIVATION_STEPS",
    Screen.ACTIVATION_CLOCK: "CLOCK_UNKNOWN",
    Screen.ACTIVATION_TOO_YOUNG: "TOO_YOUNG",
    Screen.ACTIVATION_PIN_BLOCKED: "UNBLOCK_FIRST",
    Screen.ACTIVATION_PUK_BLOCKED: "NEW_CARD_ONLY",
    Screen.RENEWAL: "RENEWAL_OFFERED",
}


def outcome(view: View) -> str | None:
    """The outcome code of the screen a journey rests on, or None for a step on the way."""
    if view.screen is Screen.ERROR and view.error is not None:
        return view.error.code
    return OUTCOMES.get(view.screen)


class Trail:
    """The audit events of one kiosk, recorded through ``sink`` with times from ``clock``.

    The session calls one method per thing that happened; this class keeps the start times
    the durations need, so the session keeps none.
    """

    def __init__(self, sink: EventSink, clock: Clock) -> None:
        self._sink = sink
        self._clock = clock
        self._session_start: float | None = None
        self._journey_start: float | None = None
        self._locked_at: float | None = None
        self._opened_at: float | None = None
        self._help: dict[str, EventValue] | None = None

    def session_started(self) -> None:
        self._session_start = self._clock()
        self._record(Kind.SESSION_STARTED)

    def session_ended(self, reason: str, journeys: int) -> None:
        self._record(Kind.SESSION_ENDED, reason=reason,
                     duration_ms=self._since(self._session_start), journeys=journeys)
        self._session_start = None

    def journey_started(self, journey: JourneyId, language: Language) -> None:
        self._journey_start = self._clock()
        self._record(Kind.JOURNEY_STARTED, journey=journey.value, language=language.value)

    def journey_outcome(self, journey: JourneyId, code: str) -> None:
        self._record(Kind.JOURNEY_OUTCOME, journey=journey.value, outcome=code)

    def journey_ended(self, journey: JourneyId, reason: str) -> None:
        self._record(Kind.JOURNEY_ENDED, journey=journey.value, reason=reason,
                     duration_ms=self._since(self._journey_start))
        self._journey_start = None

    def bound(self, source: str) -> None:
        """The session took an identity from elsewhere than the card: where from, not who."""
        self._record(Kind.SESSION_BOUND, identity_source=source)

    def locked(self, *, waited_for_card: bool) -> None:
        if self._locked_at is None:
            self._locked_at = self._clock()
        self._record(Kind.KIOSK_LOCKED, waited_for_card=waited_for_card)

    def unlocked(self) -> None:
        was_locked = self._locked_at is not None
        locked_ms = self._since(self._locked_at) if was_locked else None
        self._record(Kind.KIOSK_UNLOCKED, was_locked=was_locked, locked_ms=locked_ms)
        self._locked_at = None

    def notice(self, *, shown: bool) -> None:
        self._record(Kind.KIOSK_NOTICE, shown=shown)

    def tampered(self, journey: str) -> None:
        if self._opened_at is None:
            self._opened_at = self._clock()
        if self._locked_at is None:
            self._locked_at = self._clock()
        self._record(Kind.KIOSK_TAMPERED, journey=journey)

    def case_closed(self) -> None:
        self._record(Kind.KIOSK_CASE_CLOSED, open_ms=self._since(self._opened_at))
        self._opened_at = None

    def unlock_refused(self, reason: str) -> None:
        self._record(Kind.KIOSK_UNLOCK_REFUSED, reason=reason)

    def help_requested(self, journey: str, step: str) -> None:
        self._help = {"journey": journey, "step": step}
        self._record(Kind.HELP_REQUESTED, **self._help)

    def help_ended(self) -> None:
        if self._help is not None:
            self._record(Kind.HELP_ENDED, **self._help)
            self._help = None

    def receipt(self, code: str | None) -> None:
        """A hand-off's receipt came out (``code`` None) or did not, and why: the number is
        on the ticket, not here."""
        if code is None:
            self._record(Kind.RECEIPT_PRINTED)
        else:
            self._record(Kind.RECEIPT_FAILED, code=code)

    def _since(self, start: float | None) -> int:
        return 0 if start is None else max(0, round((self._clock() - start) * 1000))

    def _record(self, kind: Kind, **data: EventValue) -> None:
        self._sink.record(kind.value, data)
